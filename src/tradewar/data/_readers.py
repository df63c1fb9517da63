"""Readers that turn files into a :class:`~tradewar.data.World` (one-sector data).

One entry point, :func:`load_world`, dispatches on the source:

* ``"world2023"``: the embedded 32-region world (package data, USD million), see :func:`read_embedded`;
* a folder holding ``country_labels.csv``: the 194-country BACI layout, see :func:`read_baci_folder`;
* a folder holding ``trade.csv``: the wide layout of the embedded data, see :func:`read_wide`;
* a ``.csv`` or ``.parquet`` file: a long table ``exporter,importer,value``, see :func:`read_long`.

Matrices are ``[exporter, importer]``; money is in millions of US dollars unless a
reader says otherwise. Every reader validates its input and raises
:class:`~tradewar.DataError` with one line naming the file, the field (column) and
the row (1-based data row, or the exporter/importer codes) and how to fix it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._exceptions import DataError, where
from ._checks import warn_suspicious
from ._tables import (
    _PARQUET,
    MAX_FRACTION,
    _label,
    check_flows,
    check_gdp,
    check_tariffs,
    check_unique,
    first_appearance,
    parse_codes,
    parse_numbers,
    read_table,
    require_columns,
)
from ._world import World

if TYPE_CHECKING:
    import pandas as pd

US_SCHEDULE = "us_2025_04_02"
EMBEDDED = ("world2023", "world2022s")
WORLD2023_SOURCE = (
    "world2023: 32 regions; 2023 goods trade from CEPII BACI HS22 V202501 and 2023 GDP from World Bank WDI, "
    "via the replication package of Ignatenko, Macedoni, Lashkaripour & Simonovska (2025), 38 pairs the source "
    "lacks filled from the OECD Inter-Country Input-Output tables 2022 (CC BY 4.0); "
    "US tariffs announced 2 April 2025 (USTR)"
)




# --- long tables --------------------------------------------------------------------------------
def read_long(
    trade_path: str | os.PathLike,
    gdp_path: str | os.PathLike,
    tariffs_path: str | os.PathLike | None = None,
    units: str = "USD million",
    source: str | None = None,
    regions: Iterable[str] = (),
    tariff_unit: str | None = None,
) -> World:
    """A one-sector world from long tables (CSV or Parquet, by suffix).

    Parameters
    ----------
    trade_path : table ``exporter,importer,value``, one row per pair; missing pairs are 0 and
        rows with ``exporter == importer`` are domestic sales. Values in ``units`` (default USD million).
    gdp_path : table ``country,gdp`` in the same units; every country of the trade table needs a row
        (rows for countries absent from the trade table are ignored).
    tariffs_path : optional table ``exporter,importer,tariff``: the tariff (fraction, 0.1 = 10%)
        the importer levies on the exporter; missing pairs are 0; own sales (``exporter == importer``)
        are never taxed. An optional column ``unit`` (``fraction`` or ``percent``) declares a row's unit;
        without it a tariff above 5 (500%) is refused as a likely percentage.
    tariff_unit : the unit of every row without a ``unit`` cell (``"fraction"`` or ``"percent"``).
    units, source : stored on the :class:`World`.
    regions : region codes accepted besides ISO3 codes, EU27, EU and ROW.

    The countries are the codes of the trade table in the order they first appear.
    """
    label = _label(trade_path)
    df = read_table(trade_path, label)
    require_columns(df, ("exporter", "importer", "value"), label)
    exp = parse_codes(df["exporter"], label, "exporter", regions)
    imp = parse_codes(df["importer"], label, "importer", regions)
    _check_pairs(exp, imp, label)
    value = parse_numbers(df["value"], label, "value")
    check_flows(value, df["value"], label, lambda k: "value", lambda k: f"{k + 1} ({exp[k]} -> {imp[k]})")
    codes = first_appearance(exp, imp)
    pos = {c: i for i, c in enumerate(codes)}
    j, i = np.array([pos[c] for c in exp]), np.array([pos[c] for c in imp])
    trade = np.zeros((len(codes), len(codes)))
    trade[j, i] = value
    _check_domestic(trade, codes, exp, imp, value, label)
    gdp = _read_long_gdp(gdp_path, codes, regions)
    tariffs = None if tariffs_path is None else _read_long_tariffs(tariffs_path, pos, regions, tariff_unit)
    return World(
        codes=tuple(codes),
        trade=trade,
        gdp=gdp,
        tariffs=tariffs,
        units=units,
        source=source or f"long table {Path(label).name}",
    )


def _check_domestic(trade: np.ndarray, codes, exp, imp, value, label: str) -> None:
    """Domestic sales (rows with exporter = importer) for every country or for none.

    A world with domestic sales is calibrated from them; one without gets them built at calibration.
    A table with only some would silently switch the whole world to the first reading.
    """
    own = np.diagonal(trade) > 0
    if own.any() and not own.all():
        rows = np.flatnonzero((exp == imp) & (value > 0))
        k = int(rows[0])
        missing = [c for c, o in zip(codes, own, strict=True) if not o]
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise DataError(
            f"{where(label, 'exporter,importer', k + 1)}domestic sales ({exp[k]} -> {imp[k]}) are given for "
            f"{int(own.sum())} of {len(codes)} countries (none for {shown}); give them for every country or "
            "for none (calibration then builds them)"
        )


def _check_pairs(exp: np.ndarray, imp: np.ndarray, label: str) -> None:
    import pandas as pd

    dup = pd.DataFrame({"e": exp, "i": imp}).duplicated()
    if dup.any():
        k = int(np.flatnonzero(dup.to_numpy())[0])
        first = int(np.flatnonzero((exp == exp[k]) & (imp == imp[k]))[0])
        raise DataError(
            f"{where(label, 'exporter,importer', k + 1)}duplicate pair {exp[k]} -> {imp[k]} (first at row {first + 1}); "
            "keep one row per pair (add the values up)"
        )


def _read_long_gdp(path: str | os.PathLike, codes: list[str], regions: Iterable[str]) -> np.ndarray:
    label = _label(path)
    df = read_table(path, label)
    require_columns(df, ("country", "gdp"), label)
    c = parse_codes(df["country"], label, "country", regions)
    check_unique(c, label, "country")
    g = parse_numbers(df["gdp"], label, "gdp")
    missing = [x for x in codes if x not in set(c)]
    if missing:
        shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise DataError(
            f"{where(label, 'country')}missing GDP for {len(missing)} countries of the trade table ({shown}); "
            "add a row 'country,gdp' for each"
        )
    check_gdp(g, df["gdp"], label, "gdp", c)
    lookup = dict(zip(c, g, strict=True))
    return np.array([lookup[x] for x in codes])


def _in_unit(t: np.ndarray, df: pd.DataFrame, label: str, exp, imp, unit: str | None) -> np.ndarray:
    """Tariffs as fractions: the optional column ``unit`` (or ``unit=``) says ``fraction`` or ``percent``.

    Without a declared unit a tariff above 5 (500%) is refused as a likely percentage.
    """
    if unit not in (None, "fraction", "percent"):
        raise DataError(f"{label}: tariff unit must be 'fraction' or 'percent', got {unit!r}")
    units = np.full(len(t), "" if unit is None else unit, dtype=object)
    if "unit" in df.columns:
        col = df["unit"].astype(str).str.strip().str.lower().to_numpy()
        bad = np.flatnonzero(~np.isin(col, ["", "fraction", "percent"]))
        if bad.size:
            k = int(bad[0])
            raise DataError(f"{where(label, 'unit', k + 1)}unit must be 'fraction' or 'percent', got {df['unit'].iloc[k]!r}")
        units = np.where(col == "", units, col)
    t = np.where(units == "percent", t / 100.0, t)
    big = np.flatnonzero((units == "") & (t > MAX_FRACTION))
    if big.size:
        k = int(big[0])
        raise DataError(
            f"{where(label, 'tariff', k + 1)}tariff {t[k]:g} ({exp[k]} -> {imp[k]}) looks like a percentage: tariffs are "
            f"fractions, so write {t[k] / 100:g} for {t[k]:g}%, or add a column 'unit' saying 'percent' "
            "('fraction' keeps a tariff above 500%)"
        )
    return t


def _read_long_tariffs(
    path: str | os.PathLike, pos: dict[str, int], regions: Iterable[str], unit: str | None = None
) -> np.ndarray:
    label = _label(path)
    df = read_table(path, label)
    require_columns(df, ("exporter", "importer", "tariff"), label)
    exp = parse_codes(df["exporter"], label, "exporter", regions)
    imp = parse_codes(df["importer"], label, "importer", regions)
    for field, col in (("exporter", exp), ("importer", imp)):
        out = np.flatnonzero(~np.isin(col, list(pos)))
        if out.size:
            k = int(out[0])
            raise DataError(
                f"{where(label, field, k + 1)}country {col[k]} is not in the trade table; "
                "remove the row or add the country's flows"
            )
    _check_pairs(exp, imp, label)
    t = parse_numbers(df["tariff"], label, "tariff")
    t = _in_unit(t, df, label, exp, imp, unit)
    check_tariffs(t, df["tariff"], label, lambda k: "tariff", lambda k: f"{k + 1} ({exp[k]} -> {imp[k]})")
    own = np.flatnonzero((exp == imp) & (t != 0))
    if own.size:
        k = int(own[0])
        raise DataError(
            f"{where(label, 'tariff', k + 1)}a tariff of {t[k]:g} on {exp[k]}'s own sales (exporter = importer); "
            "own sales are never taxed: remove the row or write 0"
        )
    out = np.zeros((len(pos), len(pos)))
    out[[pos[c] for c in exp], [pos[c] for c in imp]] = t
    return out


def write_long(
    world: World,
    trade_path: str | os.PathLike,
    gdp_path: str | os.PathLike,
    tariffs_path: str | os.PathLike | None = None,
) -> None:
    """Write a one-sector world as the long tables :func:`read_long` reads (CSV or Parquet by suffix).

    Every pair is written (zeros too, row-major ``[exporter, importer]``) so that reading the
    tables back gives the same country order.
    """
    import pandas as pd

    if world.has_sectors:
        raise DataError("write_long: the long table holds one-sector worlds; sum over sectors with world.bilateral()")
    codes = np.array(world.codes)
    n = world.n
    pairs = {"exporter": np.repeat(codes, n), "importer": np.tile(codes, n)}
    from .._io import atomic_write_all

    tables = [(pd.DataFrame({**pairs, "value": world.trade.ravel()}), trade_path),
              (pd.DataFrame({"country": codes, "gdp": world.gdp}), gdp_path)]
    if tariffs_path is not None:
        tables.append((pd.DataFrame({**pairs, "tariff": world.tariffs.ravel()}), tariffs_path))
    # the tables are written together (atomically: all of them or none); only regular files are replaced
    atomic_write_all([_writer(df, path) for df, path in tables])


def _writer(df: pd.DataFrame, path: str | os.PathLike):
    """``(path, write, mode)`` of one long table for :func:`tradewar._io.atomic_write_all` (CSV, or Parquet by suffix)."""
    if str(path).lower().endswith(_PARQUET):
        return path, lambda fh: df.to_parquet(fh, index=False), "wb"
    return path, lambda fh: df.to_csv(fh, index=False), "w"


# --- wide layout (the embedded data) ----------------------------------------------------------
def read_wide(
    folder: Any,
    label: str | None = None,
    source: str | None = None,
    units: str = "USD million",
) -> World:
    """A one-sector world from a folder in the layout of the embedded ``world2023`` data.

    Files: ``trade.csv`` (first column ``exporter``, header = importer codes in the same order,
    flows ``[exporter, importer]`` in ``units``), ``gdp.csv`` (``region,gdp_usd_million`` or
    ``country,gdp``) and optionally ``us_tariff_2025_04_02.csv`` (``region,us_tariff``: the
    additional US tariff on each partner, fraction) stored as schedule ``"us_2025_04_02"``.
    ``folder`` is a path or an ``importlib.resources`` Traversable.
    """
    folder = Path(folder) if isinstance(folder, str | os.PathLike) else folder
    label = label or _label(folder)
    codes, trade = _read_wide_trade(folder / "trade.csv", f"{label}/trade.csv")
    gdp = _read_by_code(folder / "gdp.csv", f"{label}/gdp.csv", codes, ("gdp_usd_million", "gdp"), "gdp")
    schedules = {}
    tfile = folder / "us_tariff_2025_04_02.csv"
    if tfile.is_file():
        schedules[US_SCHEDULE] = _read_by_code(tfile, f"{label}/{tfile.name}", codes, ("us_tariff",), "tariff")
    return World(
        codes=codes, trade=trade, gdp=gdp, schedules=schedules, units=units, source=source or f"wide tables {label}"
    )


def _read_wide_trade(src: Any, label: str) -> tuple[tuple[str, ...], np.ndarray]:
    df = read_table(src, label)
    require_columns(df, ("exporter",), label)
    rows = parse_codes(df["exporter"], label, "exporter")
    check_unique(rows, label, "exporter")
    cols = [c.upper() for c in df.columns[1:]]
    if df.columns[0] != "exporter" or cols != list(rows):
        raise DataError(
            f"{where(label, 'header')}the table has {len(rows)} exporter rows and importer columns "
            f"{','.join(cols[:4])}...; the first column must be 'exporter' and the header must list the "
            "exporter codes in the same order (a square matrix)"
        )
    raw = df.iloc[:, 1:].to_numpy()
    x = parse_numbers(raw.ravel(), label, "value").reshape(raw.shape)
    n = len(rows)
    check_flows(x, raw, label, lambda k: cols[k % n], lambda k: f"{k // n + 1} (exporter {rows[k // n]})")
    return tuple(rows), x


def _read_by_code(src: Any, label: str, codes: tuple[str, ...], names: tuple[str, ...], kind: str) -> np.ndarray:
    """A per-country column of a two-column table keyed by ``region`` or ``country``, in ``codes`` order."""
    df = read_table(src, label)
    key = "region" if "region" in df.columns else "country"
    col = next((c for c in names if c in df.columns), names[0])
    require_columns(df, (key, col), label)
    c = parse_codes(df[key], label, key)
    check_unique(c, label, key)
    v = parse_numbers(df[col], label, col)
    missing = [x for x in codes if x not in set(c)]
    if missing:
        raise DataError(f"{where(label, key)}no row for {', '.join(missing)}; add one row per country of trade.csv")
    if kind == "gdp":
        check_gdp(v, df[col], label, col, c)
    else:
        check_tariffs(v, df[col], label, lambda k: col, lambda k: f"{k + 1} ({c[k]})", percent_guard=True)
    lookup = dict(zip(c, v, strict=True))
    return np.array([lookup[x] for x in codes])


def read_embedded(name: str = "world2023", **kw: Any) -> World:
    """The embedded dataset ``name`` (package data).

    ``world2023``: 32 regions (30 countries, ``EU27``, ``ROW``), 2023 flows and GDP in USD million,
    zero diagonal (intra-EU and intra-ROW trade dropped), schedule ``"us_2025_04_02"`` (N,) = the
    additional US tariff announced on each partner on 2 April 2025 (fraction; 0 for the USA).
    ``world2022s``: the same regions plus Taiwan, 16 sectors, OECD ICIO 2022 flows with domestic
    sales (``tradewar.data._world2022s``; ``elasticities=`` picks the set).
    A world read once is stored in the cache folder and loaded from there by later processes
    (:mod:`tradewar.data._stored`).
    """
    if name not in EMBEDDED:
        raise DataError(f"unknown embedded dataset '{name}'; available: {', '.join(EMBEDDED)}")
    from ._stored import stored_world

    return stored_world(name, kw, lambda: _read_embedded(name, **kw))


def _read_embedded(name: str, **kw: Any) -> World:
    if name == "world2022s":
        from ._world2022s import read_world2022s

        return read_world2022s(**kw)
    folder = resources.files("tradewar.data").joinpath(name)
    return read_wide(folder, label=name, source=WORLD2023_SOURCE)


# --- BACI 194-country layout --------------------------------------------------------------------
def read_baci_folder(folder: str | os.PathLike, source: str | None = None) -> World:
    """The 194-country layout of the ILMS (2025) replication data (e.g. ``shared/data/baci2023``).

    Files, all with the same countries in the same row order:
    ``country_labels.csv`` (``iso3,iso_code,CountryName``), ``trade_cepii.csv`` (header + N x N,
    row = exporter, column = importer, thousand USD, empty cell = 0), ``gdp.csv`` (``gdp``, USD) and,
    optionally, ``tariffs.csv`` (``applied_tariff``: the additional US tariff announced on
    2 April 2025 on each country, fraction), stored as schedule ``"us_2025_04_02"``.
    Flows and GDP are converted to USD million.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{_label(folder)}: folder not found; give the folder holding country_labels.csv")
    codes, names = _read_labels(folder / "country_labels.csv")
    trade = _read_baci_trade(folder / "trade_cepii.csv", codes) / 1e3
    gdp, raw = _read_column(folder / "gdp.csv", "gdp", codes)
    check_gdp(gdp, raw, _label(folder / "gdp.csv"), "gdp", codes)
    schedules = {}
    tfile = folder / "tariffs.csv"
    if tfile.is_file():
        t, raw = _read_column(tfile, "applied_tariff", codes)
        check_tariffs(t, raw, _label(tfile), lambda k: "applied_tariff", lambda k: f"{k + 1} ({codes[k]})",
                      percent_guard=True)
        schedules[US_SCHEDULE] = t
    return World(
        codes=codes,
        names=names,
        trade=trade,
        gdp=gdp / 1e6,
        schedules=schedules,
        source=source or f"CEPII BACI HS22 V202501 2023 trade, WDI 2023 GDP, 194 countries ({folder.name})",
    )


def _read_labels(path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    label = _label(path)
    df = read_table(path, label)
    require_columns(df, ("iso3",), label)
    codes = parse_codes(df["iso3"], label, "iso3")
    check_unique(codes, label, "iso3")
    names = tuple(df["CountryName"]) if "CountryName" in df.columns else ()
    return tuple(codes), names


def _read_baci_trade(path: Path, codes: tuple[str, ...]) -> np.ndarray:
    label, n = _label(path), len(codes)
    df = read_table(path, label)
    if df.shape != (n, n):
        raise DataError(
            f"{where(label, 'shape')}{df.shape[0]} rows x {df.shape[1]} columns, expected {n} x {n} "
            "(one row and one column per country of country_labels.csv, row = exporter)"
        )
    raw = df.to_numpy()
    x = parse_numbers(raw.ravel(), label, "value", empty=0.0).reshape(n, n)
    cols = list(df.columns)
    check_flows(
        x,
        raw,
        label,
        lambda k: f"{cols[k % n]}",
        lambda k: f"{k // n + 1} (exporter {codes[k // n]}, importer {codes[k % n]})",
    )
    return x


def _read_column(path: Path, column: str, codes: tuple[str, ...]) -> tuple[np.ndarray, pd.Series]:
    """One numeric column with a row per country (values, raw cells)."""
    label = _label(path)
    df = read_table(path, label, blank_rows=True)
    require_columns(df, (column,), label)
    if len(df) != len(codes):
        raise DataError(
            f"{where(label, column)}{len(df)} data rows, expected {len(codes)} (one per country of country_labels.csv)"
        )
    return parse_numbers(df[column], label, column), df[column]


# --- entry point --------------------------------------------------------------------------------
def _sectoral_reader(path: Path):
    """The multi-sector reader for a folder, recognised by its files (None if none fits)."""
    from . import _sectoral

    if (path / "xbilat1993.txt").is_file():
        return _sectoral.read_cp2015
    if (path / "bilateral_2014.csv").is_file():
        return _sectoral.read_wiod_ll2023
    if (path / "bilateral.csv").is_file() and (path / "country_sector.csv").is_file():
        return _sectoral.read_adb_mrio
    if (path / "bilateral.csv").is_file() and (path / "importer_sector.csv").is_file():
        from ._ossa import read_ossa2014

        return read_ossa2014
    return None


#: File suffixes read as a long trade table (comma-separated text, or Parquet); a file without one is read as CSV.
LONG_TABLE_SUFFIXES = (".csv", ".txt", ".parquet", ".pq", "")


def load_world(source: str | os.PathLike = "world2023", **kw: Any) -> World:
    """Load a world: the embedded ``"world2023"``, a data folder, or a long-table file.

    ``source`` is ``"world2023"`` (the default), a folder in the BACI layout (with
    ``country_labels.csv``) or the wide layout (with ``trade.csv``; a ``trade.csv`` whose header is
    ``exporter,importer,value`` is a long table, read with the folder's ``gdp.csv`` and ``tariffs.csv``), a multi-sector folder
    (Caliendo–Parro, WIOD/LL2023 or ADB-MRIO layouts, see ``tradewar.data._sectoral``), or a ``.csv``/``.parquet``
    long table ``exporter,importer,value`` (then pass ``gdp_path=`` and optionally ``tariffs_path=``).
    A ``.mat`` file is a tariffwar cube (``tradewar.data._cubes``; pass ``elasticities=``).
    Keyword arguments go to the reader (one it does not take raises :class:`DataError`). Flows are
    ``[exporter, importer]`` in USD million. Suspicious data (a country without trade, an implausibly
    small GDP) give a :class:`~tradewar.TradewarWarning` naming the country (:func:`warn_suspicious`).

    Examples
    --------
    >>> w = load_world()
    >>> w.n, w.codes[:4], w.trade.shape
    (32, ('USA', 'CHN', 'JPN', 'EU27'), (32, 32))
    >>> float(w.schedules["us_2025_04_02"][w.index("CHN")])
    0.54
    """
    if not isinstance(source, str | os.PathLike):
        raise DataError(f"load_world: source must be 'world2023', a folder or a file path, got {type(source).__name__}")
    for key in ("gdp_path", "tariffs_path"):
        if key in kw and not isinstance(kw[key], str | os.PathLike):
            raise DataError(f"load_world: {key} must be a path to a table (.csv, .parquet), got {kw[key]!r}")
    world = _dispatch(source, kw)
    warn_suspicious(world)
    return world


def _call(reader, source: Any, kw: dict[str, Any]) -> World:
    """``reader(source, **kw)``, refusing options the reader does not take with one line."""
    import inspect

    params = inspect.signature(reader).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        extra = [k for k in kw if k not in params]
        if extra:
            k = extra[0]
            options = [p for p in list(params)[1:]]
            raise DataError(
                f"{_label(source)}: option '{k}' does not apply to this data source"
                + (": gdp_path and tariffs_path go with a long trade table file (.csv, .parquet)"
                   if k in ("gdp_path", "tariffs_path") else f" (its options: {', '.join(options) or 'none'})")
            )
    return reader(source, **kw)


def _long_folder(path: Path) -> bool:
    """True when ``path/trade.csv`` is a long table (header ``exporter,importer,value``), not the wide layout."""
    try:
        with open(path / "trade.csv", encoding="utf-8-sig") as fh:
            header = [c.strip().lower() for c in fh.readline().split(",")]
    except (OSError, UnicodeDecodeError):
        return False
    return {"exporter", "importer", "value"} <= set(header)


def read_long_folder(folder: str | os.PathLike, **kw: Any) -> World:
    """A folder of long tables: ``trade.csv`` (``exporter,importer,value``), ``gdp.csv`` (``country,gdp``) and,
    if present, ``tariffs.csv`` (``exporter,importer,tariff``); see :func:`read_long`."""
    path = Path(folder)
    kw.setdefault("gdp_path", path / "gdp.csv")
    if (path / "tariffs.csv").is_file():
        kw.setdefault("tariffs_path", path / "tariffs.csv")
    return read_long(path / "trade.csv", **kw)


def _dispatch(source: str | os.PathLike, kw: dict[str, Any]) -> World:
    if isinstance(source, str) and source in EMBEDDED:
        extra = [k for k in kw if k in ("gdp_path", "tariffs_path") or source == "world2023"]
        if extra:
            raise DataError(
                f"{source}: option '{extra[0]}' does not apply to this data source"
                + (": gdp_path and tariffs_path go with a long trade table file (.csv, .parquet)"
                   if extra[0] in ("gdp_path", "tariffs_path") else " (it takes no options)")
            )
        return _call(read_embedded, source, kw)
    path = Path(source)
    if path.is_dir():
        if (path / "country_labels.csv").is_file():
            return _call(read_baci_folder, path, kw)
        if (path / "trade.csv").is_file():
            if _long_folder(path):
                return read_long_folder(path, **kw)
            return _call(read_wide, path, kw)
        sectoral = _sectoral_reader(path)
        if sectoral is not None:
            return _call(sectoral, path, kw)
        raise DataError(
            f"{_label(source)}: not a data folder; expected country_labels.csv (BACI layout), trade.csv (wide layout), "
            "xbilat1993.txt (Caliendo-Parro), bilateral_2014.csv (WIOD/LL2023), bilateral.csv with "
            "country_sector.csv (ADB-MRIO) or bilateral.csv with importer_sector.csv (Ossa 2014)"
        )
    if path.is_file() and path.suffix.lower() == ".mat":
        from ._cubes import read_tariffwar_cube

        return _call(read_tariffwar_cube, path, kw)
    if path.is_file():
        if path.suffix.lower() not in LONG_TABLE_SUFFIXES:
            raise DataError(f"{_label(source)}: not a trade table; give a long table (.csv, .txt or .parquet: "
                            "exporter, importer, value), a .mat cube or a data folder")
        if "gdp_path" not in kw:
            raise DataError(
                f"{_label(source)}: a long trade table needs a GDP table; pass gdp_path= "
                "(--gdp on the command line, [data] gdp in a scenario)"
            )
        return _call(read_long, path, kw)
    raise DataError(
        f"data source '{_label(source)}' not found; give 'world2023', a data folder or a long-table file (.csv, .parquet)"
    )
