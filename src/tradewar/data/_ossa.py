"""Reader of the Ossa (2014) data: 7 regions x 33 GTAP industries, 2007 (see the data folder's README).

Files in the folder: ``regions.csv`` (index, code, name), ``sectors.csv`` (index, gtap_code, name, sigma,
sigma_mean35, sigma_mean50, sigma_mean65, sigma_novar), ``bilateral.csv`` (exporter, importer, sector,
trade_raw, trade_purged, tariff_factual; one row per cell) and ``importer_sector.csv`` (imposer, sector,
noncoop_tariff_measure_raw, noncoop_tariff_target_used, pe_weight_lambda).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from .._exceptions import DataError, where
from ._world import World

__all__ = ["read_ossa2014"]

_SIGMA_COLUMNS = ("sigma", "sigma_mean35", "sigma_mean50", "sigma_mean65", "sigma_novar")


def _rows(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    if not path.is_file():
        raise DataError(f"{where(path)}file not found (expected in the Ossa (2014) data folder)")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        missing = [c for c in required if c not in cols]
        if missing:
            raise DataError(f"{where(path, missing[0])}column missing (found {', '.join(cols) or 'none'})")
        return list(reader)


def _num(path: Path, field: str, row: int, text: str | None, *, nonneg: bool = False) -> float:
    try:
        v = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataError(f"{where(path, field, row)}not a number: {text!r}") from None
    if not math.isfinite(v) or (nonneg and v < 0):
        raise DataError(f"{where(path, field, row)}must be finite{' and non-negative' if nonneg else ''}, got {v}")
    return v


def read_ossa2014(directory: str | Path, *, flows: str = "trade_purged", sigma: str = "sigma") -> World:
    """Read the Ossa (2014) data into a sectoral :class:`World` (N=7 regions, S=33 industries).

    ``trade`` = the ``flows`` column (default Ossa's purged flows ``trade_purged``, the baseline of all his
    results; ``trade_raw`` = GTAP flows), USD million 2007, ``[exporter, importer, sector]``, diagonal =
    domestic sales; ``tariffs`` = ``tariff_factual`` (levied by the importer); ``gdp`` = total sales.
    ``extras``: ``sigma`` (S,) from the column named by ``sigma`` and every elasticity column under its own
    name, ``pe_weight_lambda`` (N, S) (political-economy weights; not used unless passed to ``calibrate``
    as ``lambda_``), ``noncoop_tariff_target`` (N, S). Rows are row numbers of the file (header = row 1).
    """
    d = Path(directory)
    if not d.is_dir():
        raise DataError(f"{where(d)}Ossa (2014) data folder not found")
    if flows not in ("trade_purged", "trade_raw"):
        raise DataError(f"read_ossa2014: flows must be 'trade_purged' or 'trade_raw', got {flows!r}")
    if sigma not in _SIGMA_COLUMNS:
        raise DataError(f"read_ossa2014: sigma must be one of {', '.join(_SIGMA_COLUMNS)}, got {sigma!r}")

    p = d / "regions.csv"
    rows = _rows(p, ("index", "code", "name"))
    if not rows:
        raise DataError(f"{where(p)}no regions")
    codes, names = [], []
    for k, r in enumerate(rows):
        if r["index"] != str(k):
            raise DataError(f"{where(p, 'index', k + 2)}expected {k}, got {r['index']!r}")
        if not r["code"]:
            raise DataError(f"{where(p, 'code', k + 2)}empty region code")
        codes.append(r["code"].strip().upper())
        names.append(r["name"].strip() or r["code"])
    n = len(codes)
    pos = {c: k for k, c in enumerate(codes)}

    p = d / "sectors.csv"
    rows = _rows(p, ("index", "gtap_code", "name", *_SIGMA_COLUMNS))
    if not rows:
        raise DataError(f"{where(p)}no sectors")
    S = len(rows)
    sectors = []
    sig = {c: np.empty(S) for c in _SIGMA_COLUMNS}
    for k, r in enumerate(rows):
        if r["index"] != str(k):
            raise DataError(f"{where(p, 'index', k + 2)}expected {k}, got {r['index']!r}")
        sectors.append(r["gtap_code"].strip() or f"s{k}")
        for c in _SIGMA_COLUMNS:
            v = _num(p, c, k + 2, r[c])
            if v <= 1.0:
                raise DataError(f"{where(p, c, k + 2)}elasticity must exceed 1, got {v}")
            sig[c][k] = v

    def _region(path: Path, field: str, row: int, code: str) -> int:
        c = (code or "").strip().upper()
        if c not in pos:
            raise DataError(f"{where(path, field, row)}unknown region {code!r} (regions.csv has {', '.join(codes)})")
        return pos[c]

    def _sector(path: Path, field: str, row: int, text: str) -> int:
        try:
            s = int(text)
        except (TypeError, ValueError):
            raise DataError(f"{where(path, field, row)}sector index must be an integer, got {text!r}") from None
        if not 0 <= s < S:
            raise DataError(f"{where(path, field, row)}sector index {s} outside 0..{S - 1}")
        return s

    p = d / "bilateral.csv"
    rows = _rows(p, ("exporter", "importer", "sector", flows, "tariff_factual"))
    X = np.full((n, n, S), np.nan)
    T = np.full((n, n, S), np.nan)
    for k, r in enumerate(rows):
        row = k + 2
        i = _region(p, "exporter", row, r["exporter"])
        j = _region(p, "importer", row, r["importer"])
        s = _sector(p, "sector", row, r["sector"])
        if not np.isnan(X[i, j, s]):
            raise DataError(f"{where(p, 'sector', row)}duplicate cell ({codes[i]}, {codes[j]}, {sectors[s]})")
        X[i, j, s] = _num(p, flows, row, r[flows], nonneg=True)
        tv = _num(p, "tariff_factual", row, r["tariff_factual"])
        if tv <= -1:
            raise DataError(f"{where(p, 'tariff_factual', row)}tariff must exceed -1 (-100%), got {tv}")
        T[i, j, s] = tv
    miss = np.argwhere(np.isnan(X))
    if miss.size:
        i, j, s = miss[0]
        raise DataError(f"{where(p)}missing row for exporter {codes[i]}, importer {codes[j]}, sector {s} "
                        f"({len(miss)} cells missing)")

    p = d / "importer_sector.csv"
    extras: dict[str, np.ndarray] = {"sigma": sig[sigma], **{c: sig[c] for c in _SIGMA_COLUMNS}}
    if p.is_file():
        rows = _rows(p, ("imposer", "sector", "noncoop_tariff_target_used", "pe_weight_lambda"))
        lam = np.full((n, S), np.nan)
        target = np.full((n, S), np.nan)
        for k, r in enumerate(rows):
            row = k + 2
            j = _region(p, "imposer", row, r["imposer"])
            s = _sector(p, "sector", row, r["sector"])
            lam[j, s] = _num(p, "pe_weight_lambda", row, r["pe_weight_lambda"], nonneg=True)
            target[j, s] = _num(p, "noncoop_tariff_target_used", row, r["noncoop_tariff_target_used"])
        miss = np.argwhere(np.isnan(lam))
        if miss.size:
            j, s = miss[0]
            raise DataError(f"{where(p)}missing row for imposer {codes[j]}, sector {s}")
        extras["pe_weight_lambda"] = lam
        extras["noncoop_tariff_target"] = target

    return World(
        codes=tuple(codes),
        names=tuple(names),
        trade=X,
        gdp=X.sum(axis=(1, 2)),
        tariffs=T,
        sectors=tuple(sectors),
        extras=extras,
        source=f"Ossa (2014), AER 104(12): GTAP 2007, 7 regions x 33 industries ({flows})",
        units="USD million",
    )
