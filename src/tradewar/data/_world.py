"""The :class:`World`: an immutable, labelled set of trade flows, GDP and tariffs.

Dimension order everywhere: ``[exporter, importer]`` for one-sector worlds and
``[exporter, importer, sector]`` for multi-sector worlds. ``trade[j, i]`` is the
value of goods shipped from exporter ``j`` to importer ``i`` at exporter prices
(net of the importer's tariff); the diagonal holds domestic sales (zero when the
source has none: calibration then builds it). ``tariffs[j, i]`` is the
ad-valorem tariff (fraction, 0.1 = 10%) that importer ``i`` levies on goods
from ``j``. Money is in millions of US dollars unless ``units`` says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from .._exceptions import DataError

EU27_MEMBERS = (
    "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "IRL",
    "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE",
)  # fmt: skip
"""ISO3 codes of the 27 members of the European Union (since 2020)."""


def _frozen(a: Any, dtype=np.float64, name: str | None = None) -> np.ndarray:
    try:
        arr = np.array(a, dtype=dtype, copy=True)
    except (TypeError, ValueError):
        what = f"field '{name}'" if name else "an array"
        raise DataError(f"World: {what} must be numbers (an array), got {type(a).__name__}") from None
    arr.setflags(write=False)
    return arr


def _codes(codes: Any) -> tuple[str, ...]:
    """Country codes, stripped and upper case (codes are case-insensitive: ``usa`` is ``USA``)."""
    if isinstance(codes, str) or not hasattr(codes, "__iter__"):
        raise DataError(
            f"World: field 'codes' must be a sequence of codes, e.g. ('USA', 'CHN'), got {codes!r}"
        )
    out = []
    for k, c in enumerate(codes):
        if hasattr(c, "item") and not isinstance(c, str):
            c = c.item()
        if not isinstance(c, str) or not c.strip() or any(ch.isspace() for ch in c.strip()):
            raise DataError(f"World: field 'codes', position {k}: a code is a word such as 'USA', got {c!r}")
        out.append(c.strip().upper())
    return tuple(out)


@dataclass(frozen=True, eq=False)
class World:
    """Trade flows, GDP and tariffs of a set of countries (and optionally sectors).

    Parameters
    ----------
    codes : country or region codes (ISO 3166 alpha-3, or ``EU27``, ``ROW``, ...), length N.
    trade : flows at exporter prices, ``[exporter, importer]`` (N, N) or ``[exporter, importer, sector]`` (N, N, S).
    gdp : GDP by country (N,), same money units as ``trade``.
    names : display names (default: from country_converter).
    tariffs : baseline tariffs, same shape as ``trade`` (default zero).
    sectors : sector names (length S) for multi-sector worlds.
    schedules : announced tariff vectors by name, e.g. ``{"us_2025_04_02": (N,)}`` = the tariff
        the USA announced on each partner (fraction).
    extras : model inputs beyond flows (value-added shares, input-output shares, elasticities),
        keyed by name; arrays with country/sector dimensions first.
    source, units : provenance line and money units.

    Examples
    --------
    >>> import numpy as np
    >>> w = World(codes=("AAA", "BBB"), trade=np.array([[10.0, 2.0], [3.0, 8.0]]), gdp=np.array([12.0, 11.0]))
    >>> w.n, w.index("BBB"), float(w.trade[0, 1])
    (2, 1, 2.0)
    """

    codes: tuple[str, ...]
    trade: np.ndarray
    gdp: np.ndarray
    names: tuple[str, ...] = ()
    tariffs: np.ndarray | None = None
    sectors: tuple[str, ...] = ()
    schedules: Mapping[str, np.ndarray] = field(default_factory=dict)
    extras: Mapping[str, np.ndarray] = field(default_factory=dict)
    source: str = ""
    units: str = "USD million"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        codes = _codes(self.codes)
        set_(self, "codes", codes)
        n = len(codes)
        if len(set(codes)) != n:
            dup = sorted({c for c in codes if codes.count(c) > 1})
            raise DataError(f"World: duplicate country codes {', '.join(dup)}")
        trade = _frozen(self.trade, name="trade")
        if trade.ndim not in (2, 3) or trade.shape[:2] != (n, n):
            raise DataError(
                f"World: field 'trade' has shape {trade.shape}, expected ({n}, {n}) or ({n}, {n}, S) for {n} countries"
            )
        _check_values("trade", trade, codes, self.sectors)
        set_(self, "trade", trade)
        gdp = _frozen(self.gdp, name="gdp")
        if gdp.shape != (n,):
            raise DataError(f"World: field 'gdp' has shape {gdp.shape}, expected ({n},)")
        bad = np.flatnonzero(~np.isfinite(gdp) | (gdp <= 0))
        if bad.size:
            raise DataError(
                f"World: field 'gdp', row {bad[0] + 1} ({codes[bad[0]]}): GDP must be positive and finite, got {gdp[bad[0]]}"
            )
        set_(self, "gdp", gdp)
        if trade.ndim == 3:
            sectors = tuple(str(s) for s in self.sectors) or tuple(f"s{k}" for k in range(trade.shape[2]))
            if len(sectors) != trade.shape[2]:
                raise DataError(f"World: {len(sectors)} sector names for {trade.shape[2]} sectors in 'trade'")
            set_(self, "sectors", sectors)
        elif self.sectors:
            raise DataError("World: sector names given for a one-sector trade matrix")
        if self.tariffs is None:
            set_(self, "tariffs", _frozen(np.zeros_like(trade)))
        else:
            t = _frozen(self.tariffs, name="tariffs")
            if t.shape != trade.shape:
                raise DataError(f"World: field 'tariffs' has shape {t.shape}, expected {trade.shape}")
            bad = np.argwhere(~np.isfinite(t) | (t <= -1))
            if bad.size:
                k = tuple(bad[0])
                raise DataError(
                    f"World: field 'tariffs', exporter {codes[k[0]]}, importer {codes[k[1]]}: tariff must be finite and above -100%, got {t[k]}"
                )
            set_(self, "tariffs", t)
        names = tuple(self.names) if self.names else country_names(codes)
        if len(names) != n:
            raise DataError(f"World: {len(names)} names for {n} countries")
        set_(self, "names", names)
        sched = {}
        for k, v in dict(self.schedules).items():
            a = _frozen(v)
            if a.shape[0] != n:
                raise DataError(f"World: schedule '{k}' has {a.shape[0]} rows for {n} countries")
            sched[k] = a
        set_(self, "schedules", MappingProxyType(sched))
        set_(self, "extras", MappingProxyType({k: _frozen(v) for k, v in dict(self.extras).items()}))

    # --- basic views -------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of countries."""
        return len(self.codes)

    @property
    def n_sectors(self) -> int:
        """Number of sectors (1 for a one-sector world)."""
        return 1 if self.trade.ndim == 2 else self.trade.shape[2]

    @property
    def has_sectors(self) -> bool:
        return self.trade.ndim == 3

    def index(self, code: str) -> int:
        """Position of ``code`` (case-insensitive); raises :class:`DataError` naming close matches."""
        c = str(code).strip().upper()
        try:
            return self.codes.index(c)
        except ValueError:
            raise DataError(
                f"unknown country code '{code}' (this world has {self.n} countries){did_you_mean(str(code), self.codes)}"
            ) from None

    def indices(self, codes) -> list[int]:
        return [self.index(c) for c in codes]

    def bilateral(self) -> np.ndarray:
        """Flows summed over sectors, ``[exporter, importer]``."""
        return self.trade if self.trade.ndim == 2 else self.trade.sum(axis=2)

    def exports(self) -> np.ndarray:
        """International exports by country (diagonal excluded)."""
        x = self.bilateral()
        return x.sum(axis=1) - np.diag(x)

    def imports(self) -> np.ndarray:
        """International imports by country at exporter prices (diagonal excluded)."""
        x = self.bilateral()
        return x.sum(axis=0) - np.diag(x)

    def has_domestic(self) -> bool:
        """True when the data carry domestic sales on the diagonal."""
        return bool(np.any(np.diagonal(self.bilateral()) > 0))

    def to_xarray(self):
        """The trade flows as an ``xarray.DataArray`` with dims ``exporter, importer[, sector]``."""
        import xarray as xr

        dims = ["exporter", "importer"] + (["sector"] if self.has_sectors else [])
        coords: dict[str, Any] = {"exporter": list(self.codes), "importer": list(self.codes)}
        if self.has_sectors:
            coords["sector"] = list(self.sectors)
        return xr.DataArray(np.array(self.trade), dims=dims, coords=coords, name="trade", attrs={"units": self.units})

    def trade_frame(self):
        """Bilateral flows (summed over sectors) as a pandas DataFrame, exporters in rows."""
        import pandas as pd

        return pd.DataFrame(np.array(self.bilateral()), index=list(self.codes), columns=list(self.codes))

    def summary(self):
        """Per-country totals as a pandas DataFrame (GDP, exports, imports, balance)."""
        import pandas as pd

        return pd.DataFrame(
            {
                "name": self.names,
                "gdp": self.gdp,
                "exports": self.exports(),
                "imports": self.imports(),
                "balance": self.exports() - self.imports(),
            },
            index=pd.Index(self.codes, name="country"),
        )

    def partners(self, code: str, top: int = 10):
        """Largest trading partners of ``code``: exports to, imports from, and shares of its trade."""
        import pandas as pd

        i = self.index(code)
        if isinstance(top, bool) or not isinstance(top, int | np.integer) or top < 1:
            raise DataError(f"partners: top must be a positive integer, got {top!r}")
        x = np.array(self.bilateral())
        exp = x[i].copy()
        imp = x[:, i].copy()
        exp[i] = imp[i] = 0.0
        df = pd.DataFrame(
            {
                "name": self.names,
                "exports": exp,
                "imports": imp,
                "export_share": exp / exp.sum() if exp.sum() > 0 else 0.0,
                "import_share": imp / imp.sum() if imp.sum() > 0 else 0.0,
                "trade_share": (exp + imp) / (exp.sum() + imp.sum()) if (exp.sum() + imp.sum()) > 0 else 0.0,
            },
            index=pd.Index(self.codes, name="partner"),
        ).drop(index=self.codes[i])
        return df.sort_values("trade_share", ascending=False).head(top)

    def replace(self, **changes: Any) -> World:
        """A copy with some fields replaced (the original is never changed)."""
        import dataclasses

        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        s = f", {self.n_sectors} sectors" if self.has_sectors else ""
        return f"World({self.n} countries{s}, trade {float(self.trade.sum()):,.0f} {self.units}, source={self.source!r})"


def require_world(world: Any, what: str) -> World:
    """``world`` itself when it is a :class:`World`; raises :class:`DataError` otherwise."""
    if not isinstance(world, World):
        raise DataError(
            f"{what}: expected a tradewar World (e.g. tradewar.load_world('world2023')), got {type(world).__name__}"
        )
    return world


def _check_values(name: str, a: np.ndarray, codes: tuple[str, ...], sectors) -> None:
    bad = np.argwhere(~np.isfinite(a) | (a < 0))
    if bad.size:
        k = tuple(int(v) for v in bad[0])
        sec = f", sector {sectors[k[2]] if sectors else k[2]}" if len(k) == 3 else ""
        raise DataError(
            f"World: field '{name}', exporter {codes[k[0]]}, importer {codes[k[1]]}{sec}: "
            f"flows must be finite and non-negative, got {a[k]}"
        )


_SPECIAL_NAMES = {
    "EU27": "European Union (27)",
    "EU": "European Union",
    "ROW": "Rest of the world",
}


def country_names(codes) -> tuple[str, ...]:
    """English short names for ISO3 codes via country_converter; region codes keep a readable name."""
    import logging

    known = _iso3_names()
    out: list[str | None] = [_SPECIAL_NAMES.get(c) or known.get(c) for c in codes]
    unnamed = [c for c, o in zip(codes, out, strict=True) if o is None]
    if unnamed:
        logging.getLogger("country_converter").setLevel(logging.ERROR)
        conv = _converter().convert(names=unnamed, src="ISO3", to="name_short", not_found=None)
        if isinstance(conv, str):
            conv = [conv]
        it = iter(conv)
        out = [o if o is not None else (next(it) or c) for o, c in zip(out, codes, strict=True)]
    return tuple(str(o) for o in out)


def did_you_mean(code: str, candidates) -> str:
    """``"; did you mean JPN?"`` for a mistyped code or a country name (country_converter), else ``""``.

    >>> did_you_mean("JPX", ("USA", "JPN", "CHN")), did_you_mean("Japan", ("USA", "JPN"))
    ('; did you mean JPN?', '; did you mean JPN (Japan)?')
    """
    import difflib

    c = code.strip().upper()
    candidates = list(candidates)
    regions = ("EU27", "EU", "ROW")
    if c in regions and not any(r in candidates for r in regions):  # a world of countries
        members = [m for m in candidates if m in EU27_MEMBERS]
        if c != "ROW" and members:
            return (f"; {c} is a region of world2023 and this world has its countries: name them "
                    f"({', '.join(members[:3])}, ...)")
        return f"; {c} is a region of world2023: name the countries of this world it stands for"
    if len(c) > 3:
        iso = _iso3_of_name(code)
        if iso is not None and iso in candidates:
            return f"; did you mean {iso} ({code.strip()})?"
    close = difflib.get_close_matches(c, candidates, n=3)
    return f"; did you mean {', '.join(close)}?" if close else ""


def _iso3_of_name(name: str) -> str | None:
    import logging

    logging.getLogger("country_converter").setLevel(logging.ERROR)
    out = _converter().convert(names=[name.strip()], to="ISO3", not_found=None)
    out = out[0] if isinstance(out, list) else out
    return out if isinstance(out, str) else None


_ISO3: frozenset[str] | None = None


def iso3_codes() -> frozenset[str]:
    """The ISO 3166-1 alpha-3 codes known to country_converter (current countries and territories)."""
    global _ISO3
    if _ISO3 is None:
        _ISO3 = frozenset(_iso3_names())
    return _ISO3


_COUNTRY_TABLE = None
_NAMES: dict[str, str] | None = None


def _country_data_path() -> str:
    """country_converter's table of countries (a TSV file in the package), found without importing the package
    (which imports pandas)."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("country_converter")
    folder = spec.submodule_search_locations[0] if spec and spec.submodule_search_locations else None
    if folder is None:
        import country_converter as coco

        folder = os.path.dirname(coco.__file__)
    return os.path.join(folder, "country_data.tsv")


def _country_table():
    """country_converter's table of countries (read once; building a ``CountryConverter`` costs far more)."""
    global _COUNTRY_TABLE
    if _COUNTRY_TABLE is None:
        import pandas as pd

        _COUNTRY_TABLE = pd.read_csv(_country_data_path(), sep="\t", encoding="utf-8", keep_default_na=False,
                                     na_values=[""])
    return _COUNTRY_TABLE


def _iso3_names() -> dict[str, str]:
    """ISO 3166-1 alpha-3 code -> English short name, from country_converter's table.

    Read with the standard library's ``csv``: the names of a world are needed by every command, pandas by few.
    """
    global _NAMES
    if _NAMES is None:
        import csv

        with open(_country_data_path(), encoding="utf-8-sig", newline="") as fh:
            rows = csv.DictReader(fh, delimiter="\t")  # quoting as pandas reads it
            _NAMES = {r["ISO3"]: r["name_short"] for r in rows if r.get("ISO3") and r.get("name_short")}
    return _NAMES


_CONVERTER = None


def _converter():
    """A cached ``CountryConverter``.

    Its table is read with ``keep_default_na=False`` because pandas >= 3 otherwise
    turns Namibia's ISO2 code "NA" into a missing value and country_converter fails.
    """
    global _CONVERTER
    if _CONVERTER is None:
        import country_converter as coco

        _CONVERTER = coco.CountryConverter(country_data=_country_table())
    return _CONVERTER
