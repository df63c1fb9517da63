"""Reader of the sectoral trade cubes of the MATLAB package *tariffwar* (Lashkaripour 2021).

The package ships its data as MATLAB v7.3 files (HDF5), one struct ``data`` with:

* ``Xjik_3D`` -- trade flows by exporter ``j``, importer ``i`` and sector ``k`` (MATLAB order
  ``(j, i, k)``; HDF5 stores the transpose, so h5py shows ``[sector, importer, exporter]``), USD
  million, **tariff-inclusive spending** of the importer (the package's convention), domestic
  sales on the diagonal;
* ``tjik_3D`` -- applied ad-valorem tariffs (fraction) levied by importer ``i`` on exporter ``j``
  in sector ``k``, same layout;
* ``countries``, ``sectors`` -- cell arrays of labels (ISO alpha-3 codes, last ``ROW``);
* ``sigma/<SET>/epsilon_S`` -- trade elasticities ``epsilon_k = sigma_k - 1`` by sector for eight
  published sets (``IS`` in-sample, ``U4`` uniform 4, ``CP`` Caliendo & Parro 2015, ``BSY``
  Bagwell, Staiger & Yurukoglu 2021, ``GYY`` Giri, Yi & Yilmazkuday 2021, ``Shap`` Shapiro 2016,
  ``FGO`` Fontagne, Guimbard & Orefice 2022, ``LL`` Lashkaripour & Lugovskyy 2023), with the
  citation in ``source``.

:func:`read_tariffwar_cube` returns a :class:`~tradewar.data.World` in the project's order
``[exporter, importer, sector]`` at exporter prices (``trade = X / (1 + t)``), the applied tariffs,
``extras["theta"]`` = the chosen elasticity set and ``extras["theta_<SET>"]`` for all eight, and
``extras["spending"]`` = the package's tariff-inclusive cube ``X``. GDP is gross output (sales
net of tariffs): the cubes carry no value added and no input-output table, so multi-sector
models run without intermediate inputs.

Needs the optional dependency ``h5py`` (``pip install tradewar[mat]``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .._exceptions import DataError, where
from ._world import World

__all__ = ["ELASTICITY_SETS", "read_tariffwar_cube"]

ELASTICITY_SETS = ("IS", "U4", "CP", "BSY", "GYY", "Shap", "FGO", "LL")


def _text(f, obj) -> str:
    """A MATLAB char array (uint16 codes; a dataset or an object reference to one) as a string."""
    ds = obj if hasattr(obj, "shape") else f[obj]
    return "".join(chr(int(c)) for c in np.asarray(ds).ravel())


def _dataset(group, name: str, label: str, ndim: int | None = None):
    if name not in group:
        raise DataError(f"{where(label, 'data/' + name)}missing; not a tariffwar cube (see the data README)")
    ds = group[name]
    if not hasattr(ds, "shape"):
        raise DataError(f"{where(label, 'data/' + name)}expected a dataset, found a group")
    if ndim is not None and ds.ndim != ndim:
        raise DataError(f"{where(label, 'data/' + name)}has {ds.ndim} dimensions, expected {ndim}")
    return ds


def _labels(f, group, name: str, label: str) -> tuple[str, ...]:
    ds = _dataset(group, name, label)
    try:
        return tuple(_text(f, r).strip() for r in np.asarray(ds).ravel())
    except (KeyError, TypeError, ValueError):
        raise DataError(f"{where(label, 'data/' + name)}cannot decode the labels (expected a cell array of text)") from None


def read_tariffwar_cube(path: str | os.PathLike, elasticities: str = "CP") -> World:
    """Read a tariffwar cube (``ICIO2022.mat``, ``ICIO2019.mat``, ``WIOD2014.mat``).

    Parameters
    ----------
    path : the ``.mat`` file (MATLAB v7.3 / HDF5).
    elasticities : the set used as ``extras["theta"]`` (one of :data:`ELASTICITY_SETS`,
        case-insensitive); all eight are kept as ``extras["theta_<SET>"]``.

    Returns
    -------
    World with ``trade`` ``[exporter, importer, sector]`` at exporter prices (USD million),
    ``tariffs`` (fraction, levied by the importer), ``gdp`` = gross output, ``extras``: ``theta``
    (S,), ``theta_<SET>`` (S,), ``spending`` (N, N, S) the tariff-inclusive flows as stored in the
    file. Errors are one-line :class:`~tradewar.DataError` naming the file and the field.
    """
    label = os.fspath(path)
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{label}: file not found")
    try:
        import h5py
    except ImportError:
        raise DataError(f"{label}: reading MATLAB v7.3 files needs h5py (pip install 'tradewar[mat]')") from None
    want = {s.lower(): s for s in ELASTICITY_SETS}.get(str(elasticities).lower())
    if want is None:
        raise DataError(
            f"{where(label, 'elasticities')}unknown elasticity set {elasticities!r}; choose from {', '.join(ELASTICITY_SETS)}"
        )
    try:
        fh = h5py.File(p, "r")
    except OSError:
        raise DataError(f"{label}: not an HDF5 file (MATLAB v7.3); save it with -v7.3") from None
    with fh as f:
        if "data" not in f:
            raise DataError(f"{where(label, 'data')}missing; not a tariffwar cube (see the data README)")
        d = f["data"]
        codes = _labels(f, d, "countries", label)
        sectors = _labels(f, d, "sectors", label)
        n, s = len(codes), len(sectors)
        X = np.asarray(_dataset(d, "Xjik_3D", label, 3)[()], dtype=float)
        t = np.asarray(_dataset(d, "tjik_3D", label, 3)[()], dtype=float)
        for name, a in (("Xjik_3D", X), ("tjik_3D", t)):
            if a.shape != (s, n, n):
                raise DataError(
                    f"{where(label, 'data/' + name)}shape {a.shape} in h5py, expected (sectors, importers, exporters) = ({s}, {n}, {n})"
                )
        if "sigma" not in d:
            raise DataError(f"{where(label, 'data/sigma')}missing; the file has no elasticity sets")
        thetas: dict[str, np.ndarray] = {}
        citations: dict[str, str] = {}
        for name in ELASTICITY_SETS:
            if name not in d["sigma"]:
                raise DataError(f"{where(label, f'data/sigma/{name}')}missing elasticity set")
            g = d["sigma"][name]
            eps = np.asarray(_dataset(g, "epsilon_S", label)[()], dtype=float).ravel()
            if eps.shape != (s,):
                raise DataError(f"{where(label, f'data/sigma/{name}/epsilon_S')}{eps.size} values for {s} sectors")
            bad = np.flatnonzero(~np.isfinite(eps) | (eps <= 0))
            if bad.size:
                k = int(bad[0])
                raise DataError(
                    f"{where(label, f'data/sigma/{name}/epsilon_S', k + 1)}sector {sectors[k]}: elasticity must be positive, got {eps[k]}"
                )
            thetas[name] = eps
            citations[name] = _text(f, g["source"]) if "source" in g else name
    # [sector, importer, exporter] -> [exporter, importer, sector]
    X = X.transpose(2, 1, 0)
    t = t.transpose(2, 1, 0)
    for name, a, bad_mask, what in (
        ("Xjik_3D", X, ~np.isfinite(X) | (X < 0), "flows must be finite and >= 0"),
        ("tjik_3D", t, ~np.isfinite(t) | (t <= -1), "tariffs must be finite and above -1"),
    ):
        bad = np.argwhere(bad_mask)
        if bad.size:
            j, i, k = (int(v) for v in bad[0])
            raise DataError(
                f"{where(label, 'data/' + name)}exporter {codes[j]}, importer {codes[i]}, sector {sectors[k]}: "
                f"{what}, got {a[j, i, k]}"
            )
    trade = X / (1.0 + t)
    go = trade.sum(axis=(1, 2))
    bad = np.flatnonzero(go <= 0)
    if bad.size:
        raise DataError(f"{where(label, 'data/Xjik_3D')}country {codes[bad[0]]} has no sales at all")
    extras = {"theta": thetas[want], "spending": X, **{f"theta_{k}": v for k, v in thetas.items()}}
    return World(
        codes=codes,
        trade=trade,
        gdp=go,
        tariffs=t,
        sectors=sectors,
        extras=extras,
        source=f"tariffwar cube {p.name}: {n} economies x {s} sectors; elasticities {want} ({citations[want]})",
    )
