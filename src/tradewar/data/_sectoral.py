"""Readers of multi-sector data (worlds ``[exporter, importer, sector]``) and sector aggregation.

* :func:`read_cp2015` -- the Caliendo & Parro (2015) NAFTA files (31 regions x 40 sectors, 1993);
* :func:`read_wiod_ll2023` -- WIOD 2014, 44 regions x 16 sectors (Lashkaripour & Lugovskyy 2023); no
  input-output table, so models run without intermediate inputs;
* :func:`read_adb_mrio` -- ADB-MRIO 2017/2023, 44 regions x 19 sectors, with input-output shares;
* :func:`read_sectoral_long` -- the generic long format for users' own data (below);
* :func:`aggregate_sectors` -- sectors into broad sectors.

Every reader returns a :class:`~tradewar.data.World` whose ``extras`` hold the model inputs:
``theta`` (S,) trade elasticities, and when an input-output table exists ``va_share`` (N, S) value
added / gross output and ``io_shares`` (N, S_in, S_out) share of input sector ``k`` in the
intermediate spending of sector ``j`` (sums to one over ``k``; zero columns only where
``va_share`` is 1). ``gdp`` is value added (gross output without an IO table). Money is in USD
million. Malformed input raises :class:`~tradewar.DataError` with one line naming file, field and row.

Generic long format (:func:`read_sectoral_long`), CSV or Parquet:

* flows: ``exporter,importer,sector,value[,tariff]`` -- value at producer prices (before the
  importer's tariff), domestic sales on ``exporter == importer``; tariff levied by the importer,
  fraction (0.1 = 10%). Missing combinations are zero.
* sectors (optional, needed unless ``theta=`` is given): ``sector,theta``.
* country-sector (optional): ``country,sector,va_share[,final_share]``.
* input-output (optional, needs country-sector): ``country,input_sector,output_sector,share``
  (share of the input in the output sector's intermediate spending; renormalised to sum to one).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import DataError, where
from ._tables import parse_codes, parse_numbers, read_table, require_columns
from ._world import World

__all__ = [
    "CP2015_CODES",
    "CP2015_SECTORS",
    "ADB_THETA_CP2015",
    "aggregate_sectors",
    "read_adb_mrio",
    "read_cp2015",
    "read_sectoral_long",
    "read_wiod_ll2023",
]

CP2015_CODES = (
    "ARG", "AUS", "AUT", "BRA", "CAN", "CHL", "CHN", "DNK", "FIN", "FRA", "DEU", "GRC", "HUN", "IND", "IDN",
    "IRL", "ITA", "JPN", "KOR", "MEX", "NLD", "NZL", "NOR", "PRT", "ZAF", "ESP", "SWE", "TUR", "GBR", "USA", "ROW",
)  # fmt: skip
CP2015_SECTORS = (
    "Agriculture", "Mining", "Food", "Textile", "Wood", "Paper", "Petroleum", "Chemicals", "Plastic", "Minerals",
    "Basic metals", "Metal products", "Machinery n.e.c.", "Office", "Electrical", "Communication", "Medical",
    "Auto", "Other Transport", "Other", "Electricity", "Construction", "Retail", "Hotels", "Land Transport",
    "Water Transport", "Air Transport", "Aux Transport", "Post", "Finance", "Real Estate", "Renting Machinery",
    "Computer", "R&D", "Other Business", "Public", "Education", "Health", "Other services", "Private households",
)  # fmt: skip
CP2015_THETA_NONTRADABLE = 8.22

ADB_THETA_CP2015 = (9.11, 13.53, 2.62, 8.10, 11.50, 16.52, 3.13, 1.67, 2.41, 3.28, 1.45, 12.91, 8.22, 3.98,
                    8.22, 8.22, 8.22, 8.22, 8.22)  # fmt: skip
"""Default trade elasticities of the 19 ADB-MRIO sectors: the Caliendo-Parro (2015) values of the
closest CP sector (``T.txt``; metals = basic metals, electrical & optical = electrical, transport =
the file's value for autos) and 8.22 for construction, services and utilities (an assumption:
the ADB data carry no elasticities; pass ``theta=`` to override)."""


# ----------------------------------------------------------------------------- helpers
def _read_txt(path: Path, shape: tuple[int, int]) -> np.ndarray:
    """A whitespace-separated numeric matrix of exactly ``shape``; errors name file, column and row."""
    label = os.fspath(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise DataError(f"{label}: file not found; check the data folder") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{label}: cannot read the file ({exc})") from None
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) != shape[0]:
        raise DataError(f"{label}: {len(lines)} rows, expected {shape[0]} (see the data README)")
    out = np.empty(shape)
    for r, line in enumerate(lines, start=1):
        cells = line.split()
        if len(cells) != shape[1]:
            raise DataError(f"{where(label, None, r)}{len(cells)} columns, expected {shape[1]}")
        for c, cell in enumerate(cells, start=1):
            try:
                v = float(cell)
            except ValueError:
                raise DataError(f"{where(label, f'column {c}', r)}not a number ({cell!r})") from None
            if not np.isfinite(v):
                raise DataError(f"{where(label, f'column {c}', r)}not a finite number ({cell!r})")
            out[r - 1, c - 1] = v
    return out


def _check_range(a: np.ndarray, label: str, lo: float, hi: float, what: str, strict_lo: bool = False) -> None:
    bad = (a <= lo if strict_lo else a < lo) | (a > hi)
    if np.any(bad):
        r, c = (int(v) for v in np.argwhere(bad)[0])
        raise DataError(f"{where(label, f'column {c + 1}', r + 1)}{what}, got {a[r, c]:g}")


def _validate_io(io: np.ndarray, va: np.ndarray, label: str, rowfn) -> None:
    """io (N, S_in, S_out): columns sum to one, or to zero where the value-added share is one."""
    cs = io.sum(axis=1)
    ok = (np.abs(cs - 1.0) <= 1e-5) | ((cs == 0) & (va >= 1.0))
    if not np.all(ok):
        n, j = (int(v) for v in np.argwhere(~ok)[0])
        raise DataError(
            f"{where(label, *rowfn(n, j))}input shares of output sector {j + 1} in country {n + 1} sum to {cs[n, j]:.6g}, "
            "expected 1 (or 0 with a value-added share of 1)"
        )


# ----------------------------------------------------------------------------- Caliendo-Parro
def read_cp2015(folder: str | os.PathLike) -> World:
    """Read the Caliendo & Parro (2015) NAFTA data and build the paper's 1993 baseline.

    Layout (``../shared/data/cp2015/README.md``): ``xbilat1993.txt`` 620 x 31, 20 tradable sectors
    stacked, row = importer, column = exporter, thousands of USD; ``tariffs1993.txt``,
    ``tariffs2005.txt`` same layout in percent (row = importer levying the tariff); ``IO.txt``
    1240 x 40 (block n: entry (k, j) = share of input k in the intermediate spending of j);
    ``B.txt``, ``GO.txt`` 40 x 31 (sector x country); ``T.txt`` 20 x 1 thetas (non-tradables: 8.22).

    The baseline as the paper builds it: GO = max(GO, exports) by country and sector; domestic
    sales = GO - exports on the diagonal; expenditure gross of 1993 tariffs; final-demand shares
    ``alpha`` = (expenditure - intermediate use) / income with negatives set to zero and
    renormalised (:func:`tradewar.models.caliendo_parro.final_demand_shares`).

    Returns a World (USD million) with tariffs of 1993 and ``extras``: ``theta``, ``va_share``,
    ``io_shares``, ``alpha``, ``tariffs2005`` (N, N, S, fraction), ``gross_output`` (N, S).
    """
    from ..models.caliendo_parro import IO_SHARE_ROUNDING, final_demand_shares

    d = Path(folder)
    if not d.is_dir():
        raise DataError(f"{os.fspath(d)}: not a folder; give the cp2015 data folder")
    n, s, st = 31, 40, 20
    x = _read_txt(d / "xbilat1993.txt", (n * st, n))
    t93 = _read_txt(d / "tariffs1993.txt", (n * st, n))
    t05 = _read_txt(d / "tariffs2005.txt", (n * st, n))
    io = _read_txt(d / "IO.txt", (n * s, s))
    B = _read_txt(d / "B.txt", (s, n))
    GO = _read_txt(d / "GO.txt", (s, n))
    T = _read_txt(d / "T.txt", (st, 1))
    _check_range(x, os.fspath(d / "xbilat1993.txt"), 0.0, np.inf, "flows must be >= 0")
    for name, t in (("tariffs1993.txt", t93), ("tariffs2005.txt", t05)):
        _check_range(t, os.fspath(d / name), -100.0, np.inf, "tariffs are percent above -100", strict_lo=True)
    _check_range(B, os.fspath(d / "B.txt"), 0.0, 1.0, "value-added shares must be in (0, 1]", strict_lo=True)
    _check_range(GO, os.fspath(d / "GO.txt"), 0.0, np.inf, "gross output must be >= 0")
    # one tiny negative share (-0.00085) is in the original file and kept, as the paper does
    _check_range(io, os.fspath(d / "IO.txt"), -IO_SHARE_ROUNDING, 1.0 + 1e-6,
                 f"input shares must be in [0, 1] (rounding down to -{IO_SHARE_ROUNDING:g} is tolerated)")
    _check_range(T, os.fspath(d / "T.txt"), 0.0, np.inf, "theta must be positive", strict_lo=True)
    # [exporter, importer, sector]: block s, row = importer, column = exporter
    to3 = lambda a: a.reshape(st, n, n).transpose(2, 1, 0)  # noqa: E731
    trade = np.zeros((n, n, s))
    trade[:, :, :st] = to3(x) / 1000.0  # thousands of USD -> USD million
    tar = np.zeros((n, n, s))
    tar[:, :, :st] = to3(t93) / 100.0
    tar05 = np.zeros((n, n, s))
    tar05[:, :, :st] = to3(t05) / 100.0
    idx = np.arange(n)
    trade[idx, idx, :] = 0.0  # diagonals of the file are zero; rebuilt below
    go = GO.T / 1e6  # USD -> USD million, (N, S)
    exports = trade.sum(axis=1)
    go = np.maximum(go, exports)
    trade[idx, idx, :] = go - exports
    va = B.T.copy()
    io3 = io.reshape(n, s, s)  # [country, input k, output j]
    _validate_io(io3, va, os.fspath(d / "IO.txt"), lambda c, j: (f"column {j + 1}", c * s + 1))
    theta = np.concatenate([T[:, 0], np.full(s - st, CP2015_THETA_NONTRADABLE)])
    gio = io3 * (1.0 - va)[:, None, :]
    X = (trade * (1.0 + tar)).sum(axis=0)
    VA = (va * go).sum(axis=1)
    R = (trade * tar).sum(axis=(0, 2))
    D = trade.sum(axis=(0, 2)) - trade.sum(axis=(1, 2))
    alpha = final_demand_shares(X, go, gio, VA, R, D)
    return World(
        codes=CP2015_CODES,
        trade=trade,
        gdp=VA,
        tariffs=tar,
        sectors=CP2015_SECTORS,
        extras={
            "theta": theta,
            "va_share": va,
            "io_shares": io3,
            "alpha": alpha,
            "tariffs2005": tar05,
            "gross_output": go,
        },
        source="Caliendo & Parro (2015) NAFTA data, 1993 (31 regions x 40 sectors)",
        units="USD million",
    )


# ----------------------------------------------------------------------------- tidy layouts
def _index(values: np.ndarray, pos: dict[Any, int], label: str, field: str) -> np.ndarray:
    # each distinct label is looked up once (a long table repeats a few hundred labels)
    values = np.asarray(values)
    distinct, inverse = np.unique(values, return_inverse=True)
    out = np.array([pos.get(v, -1) for v in distinct.tolist()], dtype=np.int64)[inverse.reshape(-1)]
    if np.any(out < 0):
        k = int(np.flatnonzero(out < 0)[0])
        raise DataError(f"{where(label, field, k + 1)}unknown {field} {str(values[k])!r}")
    return out


def _numbers(df: pd.DataFrame, col: str, label: str, lo: float = 0.0, hi: float = np.inf, strict=False) -> np.ndarray:
    v = parse_numbers(df[col], label, col)
    bad = ~np.isfinite(v) | ((v <= lo) if strict else (v < lo)) | (v > hi)
    if np.any(bad):
        k = int(np.flatnonzero(bad)[0])
        raw = df[col].iloc[k]
        rng = f"{'>' if strict else '>='} {lo:g}" + ("" if hi == np.inf else f" and <= {hi:g}")
        raise DataError(f"{where(label, col, k + 1)}value {raw!r} is missing or out of range (must be a number {rng})")
    return v


def _cube(df: pd.DataFrame, label: str, codes, sectors, value_cols: list[str], sector_col="sector", lo=None):
    """Fill ``[exporter, importer, sector]`` arrays from a long table; duplicates are errors."""
    pos = {c: k for k, c in enumerate(codes)}
    spos = {s: k for k, s in enumerate(sectors)}
    e = _index(parse_codes(df["exporter"], label, "exporter"), pos, label, "exporter")
    i = _index(parse_codes(df["importer"], label, "importer"), pos, label, "importer")
    s = _index(df[sector_col].astype(str).str.strip().to_numpy(), spos, label, sector_col)
    flat = (e * len(codes) + i) * len(sectors) + s
    dup = pd.Series(flat).duplicated().to_numpy()
    if dup.any():
        k = int(np.flatnonzero(dup)[0])
        raise DataError(f"{where(label, sector_col, k + 1)}duplicate row for ({codes[e[k]]}, {codes[i[k]]}, {sectors[s[k]]})")
    out = []
    for col in value_cols:
        lower = -1.0 if col.startswith("tariff") else 0.0
        v = _numbers(df, col, label, lower, strict=col.startswith("tariff"))
        a = np.zeros(len(codes) * len(codes) * len(sectors))
        a[flat] = v
        out.append(a.reshape(len(codes), len(codes), len(sectors)))
    return out


def _read_labels(path: Path, code_col: str) -> tuple[str, ...]:
    df = read_table(path)
    require_columns(df, ["index", code_col], os.fspath(path))
    idx = _numbers(df, "index", os.fspath(path))
    if not np.array_equal(idx, np.arange(len(df))):
        k = int(np.flatnonzero(idx != np.arange(len(df)))[0])
        raise DataError(f"{where(os.fspath(path), 'index', k + 1)}indices must be 0, 1, 2, ... in order")
    return tuple(df[code_col].tolist())


def read_wiod_ll2023(folder: str | os.PathLike, *, theta_column: str = "trade_elasticity") -> World:
    """Read ``ll2023_wiod2014``: WIOD 2014 flows and tariffs, 44 regions x 16 sectors (USD million).

    ``bilateral_2014.csv`` (``exporter,importer,sector,trade_flow,tariff``, tariff levied by the
    importer), ``countries.csv``, ``sectors.csv`` (theta from ``theta_column``). The package has no
    input-output table: the World has no ``io_shares`` and the Caliendo-Parro model runs without
    intermediate inputs (gamma = 1; ``no_intermediates`` in its metadata). GDP = gross output.
    """
    d = Path(folder)
    codes = tuple(str(c) for c in parse_codes(_read_labels(d / "countries.csv", "iso3"), os.fspath(d / "countries.csv"), "iso3"))
    sec = read_table(d / "sectors.csv")
    slabel = os.fspath(d / "sectors.csv")
    require_columns(sec, ["index", "name", theta_column], slabel)
    theta = _numbers(sec, theta_column, slabel, 0.0, strict=True)
    names = tuple(sec["name"].tolist())
    label = os.fspath(d / "bilateral_2014.csv")
    df = read_table(d / "bilateral_2014.csv")
    require_columns(df, ["exporter", "importer", "sector", "trade_flow", "tariff"], label)
    trade, tar = _cube(df, label, codes, tuple(str(k) for k in range(len(names))), ["trade_flow", "tariff"])
    go = trade.sum(axis=(1, 2))
    return World(
        codes=codes, trade=trade, gdp=np.where(go > 0, go, 1e-9), tariffs=tar, sectors=names,
        extras={"theta": theta},
        source="WIOD 2014, 44 regions x 16 sectors, TRAINS 2014 tariffs (Lashkaripour & Lugovskyy 2023)",
    )


def read_adb_mrio(
    folder: str | os.PathLike,
    year: int = 2023,
    *,
    tariffs: str = "wits",
    theta: Any = None,
    zero_construction_tariffs: bool = True,
) -> World:
    """Read ``adbmrio44x19_2017_2023``: ADB-MRIO flows, IO shares and tariffs, 44 regions x 19 sectors.

    ``year``: 2017 or 2023 (flows and shares); ``tariffs``: ``"wits"`` (column ``tariff_<year>``) or
    ``"model"`` (``tariff_model_<year>``, the repository's calibration). The three fossil-fuel cost
    shares (coal, oil, gas) are **added to the value-added share** (fossil fuels treated as a primary
    input, as the data README suggests), so ``va_share + sum_k cost_share = 1``; ``io_shares`` are the
    cost shares renormalised over input sectors. Construction tariffs (sector 14, a mapping slip of
    the source) are set to zero unless ``zero_construction_tariffs=False``. ``theta`` defaults to
    :data:`ADB_THETA_CP2015`. GDP = value added (incl. fossil inputs), USD million.
    """
    d = Path(folder)
    if year not in (2017, 2023):
        raise DataError(f"{os.fspath(d)}: year {year} not in the data (2017 or 2023)")
    codes = tuple(str(c) for c in parse_codes(_read_labels(d / "countries.csv", "iso3"), os.fspath(d / "countries.csv"), "iso3"))
    snames = _read_labels(d / "sectors.csv", "name")
    s = len(snames)
    skeys = tuple(str(k) for k in range(s))
    label = os.fspath(d / "bilateral.csv")
    df = read_table(d / "bilateral.csv")
    tcol = f"tariff_{year}" if tariffs == "wits" else f"tariff_model_{year}"
    require_columns(df, ["exporter", "importer", "sector", f"flow_{year}", tcol], label)
    trade, tar = _cube(df, label, codes, skeys, [f"flow_{year}", tcol])
    if zero_construction_tariffs and s > 14:
        tar[:, :, 14] = 0.0
    cl = os.fspath(d / "country_sector.csv")
    cs = read_table(d / "country_sector.csv")
    cols = ["year", "country", "sector", "va_share", "fossil_share_coal", "fossil_share_oil", "fossil_share_gas"]
    require_columns(cs, cols, cl)
    cs = cs[cs["year"] == str(year)].reset_index(drop=True)
    va = np.zeros((len(codes), s))
    pos = {c: k for k, c in enumerate(codes)}
    ci = _index(parse_codes(cs["country"], cl, "country"), pos, cl, "country")
    si = _index(cs["sector"].to_numpy(), {k: v for v, k in enumerate(skeys)}, cl, "sector")
    share = sum(_numbers(cs, c, cl, 0.0, 1.0) for c in cols[3:])
    va[ci, si] = np.minimum(share, 1.0)
    il = os.fspath(d / "io_cost_shares.csv")
    io_df = read_table(d / "io_cost_shares.csv")
    require_columns(io_df, ["year", "country", "output_sector", "input_sector", "cost_share"], il)
    io_df = io_df[io_df["year"] == str(year)].reset_index(drop=True)
    spos = {k: v for v, k in enumerate(skeys)}
    ic = _index(parse_codes(io_df["country"], il, "country"), pos, il, "country")
    io_out = _index(io_df["output_sector"].to_numpy(), spos, il, "output_sector")
    io_in = _index(io_df["input_sector"].to_numpy(), spos, il, "input_sector")
    io = np.zeros((len(codes), s, s))
    io[ic, io_in, io_out] = _numbers(io_df, "cost_share", il, 0.0, 1.0)
    tot = io.sum(axis=1)
    va = np.where(va > 0, va, 1e-6)
    io_sh = np.where(tot[:, None, :] > 0, io / np.where(tot > 0, tot, 1.0)[:, None, :], 0.0)
    zero = tot <= 0
    va = np.where(zero, 1.0, 1.0 - tot)  # va + fossil = 1 - intermediate (identity of the data)
    th = np.asarray(ADB_THETA_CP2015 if theta is None else theta, float)
    if th.shape != (s,):
        raise DataError(f"read_adb_mrio: theta has {th.size} values for {s} sectors")
    go = trade.sum(axis=1)
    gdp = (va * go).sum(axis=1)
    return World(
        codes=codes, trade=trade, gdp=np.where(gdp > 0, gdp, 1e-9), tariffs=tar, sectors=snames,
        extras={"theta": th, "va_share": va, "io_shares": io_sh},
        source=f"ADB-MRIO {year}, 44 regions x 19 sectors, WITS tariffs ({tcol}); fossil inputs in value added",
    )


def read_sectoral_long(
    flows_path: str | os.PathLike,
    *,
    sectors_path: str | os.PathLike | None = None,
    country_sector_path: str | os.PathLike | None = None,
    io_path: str | os.PathLike | None = None,
    theta: Any = None,
    units: str = "USD million",
    source: str | None = None,
) -> World:
    """Read the generic long format (module docstring): flows, and optional sector, country-sector
    and input-output tables (CSV or Parquet). Countries and sectors take the order of first
    appearance in the flows table. ``theta``: one number or one per sector, instead of the sector table.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "f.csv"
    >>> _ = p.write_text("exporter,importer,sector,value\\nUSA,USA,a,5\\nUSA,MEX,a,1\\nMEX,USA,a,2\\nMEX,MEX,a,4\\n")
    >>> w = read_sectoral_long(p, theta=5.0)
    >>> w.codes, w.sectors, float(w.trade[1, 0, 0])
    (('USA', 'MEX'), ('a',), 2.0)
    """
    label = os.fspath(flows_path)
    df = read_table(flows_path)
    require_columns(df, ["exporter", "importer", "sector", "value"], label)
    ex = parse_codes(df["exporter"], label, "exporter")
    im = parse_codes(df["importer"], label, "importer")
    codes = tuple(str(c) for c in pd.unique(np.column_stack([ex, im]).ravel()))
    sec = df["sector"].astype(str).str.strip()
    empty = np.flatnonzero(sec.to_numpy() == "")
    if empty.size:
        raise DataError(f"{where(label, 'sector', int(empty[0]) + 1)}missing sector name")
    sectors = tuple(str(s) for s in pd.unique(sec))
    cols = ["value"] + (["tariff"] if "tariff" in df.columns else [])
    arrays = _cube(df, label, codes, sectors, cols)
    trade = arrays[0]
    tar = arrays[1] if len(arrays) > 1 else np.zeros_like(trade)
    n, s = len(codes), len(sectors)
    spos = {v: k for k, v in enumerate(sectors)}
    cpos = {v: k for k, v in enumerate(codes)}
    extras: dict[str, np.ndarray] = {}
    if sectors_path is not None:
        sl = os.fspath(sectors_path)
        st = read_table(sectors_path)
        require_columns(st, ["sector", "theta"], sl)
        k = _index(st["sector"].astype(str).str.strip().to_numpy(), spos, sl, "sector")
        th = np.full(s, np.nan)
        th[k] = _numbers(st, "theta", sl, 0.0, strict=True)
        if np.isnan(th).any():
            raise DataError(f"{where(sl, 'theta')}no row for sector {sectors[int(np.flatnonzero(np.isnan(th))[0])]!r}")
        extras["theta"] = th
    elif theta is not None:
        extras["theta"] = np.broadcast_to(np.asarray(theta, float), (s,)).copy()
    else:
        raise DataError(f"{label}: no trade elasticities; give a sector table (sector,theta) or theta=")
    if country_sector_path is not None:
        cl = os.fspath(country_sector_path)
        cs = read_table(country_sector_path)
        require_columns(cs, ["country", "sector", "va_share"], cl)
        ci = _index(parse_codes(cs["country"], cl, "country"), cpos, cl, "country")
        si = _index(cs["sector"].astype(str).str.strip().to_numpy(), spos, cl, "sector")
        va = np.ones((n, s))
        va[ci, si] = _numbers(cs, "va_share", cl, 0.0, 1.0, strict=True)
        extras["va_share"] = va
        if "final_share" in cs.columns:
            al = np.zeros((n, s))
            al[ci, si] = _numbers(cs, "final_share", cl, 0.0, 1.0)
            tot = al.sum(axis=1)
            if np.any(tot <= 0):
                raise DataError(f"{where(cl, 'final_share')}country {codes[int(np.flatnonzero(tot <= 0)[0])]} has no positive share")
            extras["alpha"] = al / tot[:, None]
    if io_path is not None:
        il = os.fspath(io_path)
        if "va_share" not in extras:
            raise DataError(f"{il}: an input-output table needs the country-sector table with va_share")
        io_df = read_table(io_path)
        require_columns(io_df, ["country", "input_sector", "output_sector", "share"], il)
        ci = _index(parse_codes(io_df["country"], il, "country"), cpos, il, "country")
        ki = _index(io_df["input_sector"].astype(str).str.strip().to_numpy(), spos, il, "input_sector")
        ji = _index(io_df["output_sector"].astype(str).str.strip().to_numpy(), spos, il, "output_sector")
        io = np.zeros((n, s, s))
        io[ci, ki, ji] = _numbers(io_df, "share", il, 0.0)
        tot = io.sum(axis=1)
        va = extras["va_share"]
        miss = (tot <= 0) & (va < 1)
        if miss.any():
            c, j = (int(v) for v in np.argwhere(miss)[0])
            raise DataError(f"{where(il, 'share')}no inputs for output sector {sectors[j]!r} of {codes[c]} but its va_share < 1")
        extras["io_shares"] = np.where(tot[:, None, :] > 0, io / np.where(tot > 0, tot, 1.0)[:, None, :], 0.0)
    go = trade.sum(axis=1)
    va = extras.get("va_share", np.ones((n, s)))
    gdp = (va * go).sum(axis=1)
    return World(
        codes=codes, trade=trade, gdp=np.where(gdp > 0, gdp, 1e-9), tariffs=tar, sectors=sectors, extras=extras,
        units=units, source=source or f"sectoral long table {label}",
    )


# ----------------------------------------------------------------------------- aggregation
def aggregate_sectors(world: World, mapping: Mapping[str, str], order: tuple[str, ...] | None = None) -> World:
    """Aggregate the sectors of ``world`` into broad sectors (``mapping``: sector name -> broad sector).

    Flows are summed; tariffs weighted by the flows of each (exporter, importer) pair (simple
    average where the pair has no flow); ``theta`` weighted by international flows; ``va_share`` and
    input-output cost shares (in gross-output terms) weighted by gross output, then
    ``io_shares`` renormalised; ``alpha`` summed; other per-sector extras (N, N, S) weighted like
    tariffs, (N, S) summed. Every sector must be mapped.

    Examples
    --------
    >>> w = World(codes=("AAA", "BBB"), trade=np.ones((2, 2, 3)), gdp=np.ones(2), sectors=("a", "b", "c"),
    ...           extras={"theta": np.array([2.0, 4.0, 8.0])})
    >>> g = aggregate_sectors(w, {"a": "ab", "b": "ab", "c": "c"})
    >>> g.sectors, g.extras["theta"].tolist()
    (('ab', 'c'), [3.0, 8.0])
    """
    if not world.has_sectors:
        raise DataError("aggregate_sectors: the world has no sectors")
    missing = [s for s in world.sectors if s not in mapping]
    if missing:
        raise DataError(f"aggregate_sectors: field 'mapping': sector {missing[0]!r} is not mapped to a broad sector")
    groups = tuple(order) if order else tuple(pd.unique(np.array([mapping[s] for s in world.sectors], dtype=object)))
    gpos = {g: k for k, g in enumerate(groups)}
    m = np.zeros((world.n_sectors, len(groups)))
    for k, s in enumerate(world.sectors):
        if mapping[s] not in gpos:
            raise DataError(f"aggregate_sectors: field 'order': broad sector {mapping[s]!r} is missing")
        m[k, gpos[mapping[s]]] = 1.0
    x = np.asarray(world.trade)
    trade = x @ m

    def wavg(a, w, axis_sum):  # weighted average over member sectors (last axis)
        num = (a * w) @ m
        den = w @ m
        simple = a @ m / m.sum(axis=0)
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), simple)

    tariffs = wavg(np.asarray(world.tariffs), x, None)
    ex = dict(world.extras)
    out: dict[str, np.ndarray] = {}
    n = world.n
    go = x.sum(axis=1)  # (N, S)
    intl = x.sum(axis=(0, 1)) - np.einsum("iis->s", x)
    for key, v in ex.items():
        v = np.asarray(v)
        if key == "theta":
            out[key] = wavg(v[None, :], intl[None, :], None)[0]
        elif key in ("va_share", "io_shares"):
            continue
        elif key == "alpha":
            out[key] = v @ m
        elif v.shape == x.shape:
            out[key] = wavg(v, x, None)
        elif v.shape == (n, world.n_sectors):
            out[key] = v @ m
        else:
            out[key] = v
    if "io_shares" in ex:
        va = np.asarray(ex["va_share"])
        gio = np.asarray(ex["io_shares"]) * (1.0 - va)[:, None, :]  # cost shares in gross output
        y = np.where(go > 0, go, 1e-12)
        cost = np.einsum("nkj,nj->nkj", gio, y)  # intermediate spending (n, k, j)
        cost_g = np.einsum("nkj,kK,jJ->nKJ", cost, m, m)
        y_g = y @ m
        va_g = (va * y) @ m / y_g
        tot = cost_g.sum(axis=1)
        out["va_share"] = va_g
        out["io_shares"] = np.where(tot[:, None, :] > 0, cost_g / np.where(tot > 0, tot, 1.0)[:, None, :], 0.0)
    elif "va_share" in ex:
        out["va_share"] = wavg(np.asarray(ex["va_share"]), go, None)
    return World(
        codes=world.codes, trade=trade, gdp=world.gdp, names=world.names, tariffs=tariffs, sectors=groups,
        extras=out, source=f"{world.source}; sectors aggregated to {len(groups)}", units=world.units,
    )
