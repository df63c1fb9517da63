"""Aggregation of a :class:`~tradewar.data.World` into regions.

Flows and GDP are summed with a 0/1 membership matrix ``M`` (countries x regions):
``X_regions[a, b, ...] = sum_{j in a, i in b} X[j, i, ...]``; flows within a region land on
its diagonal (domestic sales). Tariffs are averaged with trade weights.

Model inputs in ``World.extras`` are re-weighted by the rule of their key (:data:`EXTRAS_RULES`),
so that the region's totals are the sums of its members' (``Y`` = gross output
``trade.sum(axis=1)``, ``(N, S)``):

* ``"sector"`` -- per-sector parameters (``theta``, ``sigma``): unchanged;
* ``"output"`` -- shares of gross output (``va_share``): weighted by ``Y``;
* ``"inputs"`` -- input-output shares ``io_shares[n, k, j]``: the members' spending on input ``k``
  by sector ``j``, ``io * Y * (1 - va_share)``, summed and divided by the region's intermediate
  spending (so a region's value added and intermediate use are the sums of its members');
* ``"final"`` -- final-demand shares (``alpha``): weighted by final spending, the income
  ``VA + tariff revenue + deficit`` the Caliendo-Parro calibration uses;
* ``"pair"`` -- bilateral tariff arrays like ``trade`` (``tariffs2005``, any key starting with
  ``tariff``): trade-weighted like the baseline tariffs;
* ``"level"`` -- per-country levels (``gross_output``): summed.

Where a region's weights are all zero the members' simple average is used (``io_shares``: weighted
by ``1 - va_share``). Unknown keys raise :class:`~tradewar.DataError`: nothing is dropped silently.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._exceptions import DataError, where
from ._world import World, country_names

REGION = re.compile(r"[A-Z0-9]{2,6}")

SCHEDULE_OWNERS = {"us_2025_04_02": "USA"}
"""Country that levies each named tariff schedule (its imports weight the schedule in a region)."""


def aggregate(
    world: World,
    mapping: Mapping[str, str] | str | os.PathLike,
    names: Mapping[str, str] | None = None,
    *,
    rest: str | None = None,
    order: Sequence[str] | None = None,
    keep_domestic: bool = True,
) -> World:
    """Aggregate ``world`` into regions.

    Parameters
    ----------
    world : a one-sector ``(N, N)`` or multi-sector ``(N, N, S)`` world.
    mapping : country -> region, a dict or a CSV file with columns ``country,region``. Region codes
        are 2-6 upper-case letters/digits (``EU27``, ``ROW``, ``ASEAN``). Countries of the mapping that
        are not in ``world`` are ignored.
    names : display names by region code (default: the member's name for a one-country region
        with the same code, else country_converter / the code).
    rest : region that collects every country missing from ``mapping`` (e.g. ``"ROW"``); by default
        such countries raise :class:`DataError`.
    order : region codes in the wanted order (default: the order in which regions first appear
        along ``world.codes``).
    keep_domestic : if False, zero the diagonal (drop intra-region and domestic flows), as in the
        embedded ``world2023`` data.

    Returns
    -------
    World
        R regions: flows ``[exporter, importer(, sector)]`` and GDP summed (same units), baseline tariffs
        weighted by the flows of each region pair (simple averages where a pair has no flow), schedules
        weighted by their owner's imports from the members (:data:`SCHEDULE_OWNERS`; by the members'
        total exports when the owner is not in the world), ``extras`` re-weighted by the rule of each key
        (module docstring, :data:`EXTRAS_RULES`); an unknown key raises :class:`DataError`.

    Examples
    --------
    >>> w = World(codes=("AAA", "BBB", "CCC"), trade=[[0, 1, 2], [3, 0, 4], [5, 6, 0]], gdp=[10, 20, 30])
    >>> r = aggregate(w, {"AAA": "AAA", "BBB": "BC", "CCC": "BC"}, names={"AAA": "A", "BC": "B+C"})
    >>> r.codes, r.trade.tolist(), r.gdp.tolist()
    (('AAA', 'BC'), [[0.0, 3.0], [8.0, 10.0]], [10.0, 50.0])
    """
    if not isinstance(mapping, Mapping | str | os.PathLike):
        raise DataError(f"aggregate: mapping must be a dict country -> region or a CSV file (country,region), "
                        f"got {type(mapping).__name__}")
    rules = {k: _extras_rule(k) for k in world.extras}
    if not keep_domestic and any(r not in ("sector", "pair") for r in rules.values()):
        raise DataError(
            "aggregate: keep_domestic=False drops the domestic sales that the model inputs in extras "
            f"({', '.join(k for k, r in rules.items() if r not in ('sector', 'pair'))}) rely on; keep them"
        )
    label, table = _read_mapping(mapping)
    regions, idx = _assign(world.codes, table, rest, order, label)
    m = np.zeros((world.n, len(regions)))
    m[np.arange(world.n), idx] = 1.0
    trade = pair_sum(m, world.trade)
    tariffs = weighted_pairs(m, world.tariffs, world.trade)
    if not keep_domestic:
        r = np.arange(len(regions))
        trade[r, r] = 0.0
    schedules = {k: weighted_members(m, v, _schedule_weights(world, k, v.shape)) for k, v in world.schedules.items()}
    src = f"{world.source}; " if world.source else ""
    return World(
        codes=tuple(regions),
        trade=trade,
        gdp=m.T @ world.gdp,
        names=_region_names(world, regions, idx, names),
        tariffs=tariffs,
        sectors=world.sectors,
        schedules=schedules,
        extras=aggregate_extras(world, m),
        source=f"{src}aggregated to {len(regions)} regions",
        units=world.units,
    )


EXTRAS_RULES = {
    "theta": "sector",
    "sigma": "sector",
    "sigma_mean35": "sector",
    "sigma_mean50": "sector",
    "sigma_mean65": "sector",
    "sigma_novar": "sector",
    "va_share": "output",
    "io_shares": "inputs",
    "alpha": "final",
    "tariffs2005": "pair",
    "gross_output": "level",
}
"""Aggregation rule of each known ``World.extras`` key (module docstring); keys starting with
``tariff`` not listed here are ``"pair"``, keys starting with ``theta_`` (the alternative trade
elasticities of ``world2022s``, one per sector) are ``"sector"``."""


def _extras_rule(key: str) -> str:
    rule = EXTRAS_RULES.get(key, "pair" if key.startswith("tariff") else "sector" if key.startswith("theta_") else None)
    if rule is None:
        raise DataError(
            f"aggregate: extras key '{key}' has no aggregation rule (known: {', '.join(EXTRAS_RULES)}, tariff*); "
            "drop it with world.replace(extras=...) or rebuild it for the regions"
        )
    return rule


def aggregate_extras(world: World, m: np.ndarray) -> dict[str, np.ndarray]:
    """``world.extras`` re-weighted for the regions of the membership matrix ``m`` (N, R).

    Every key must have a rule (:data:`EXTRAS_RULES`); shapes are checked against the world's.
    """
    ex = {k: np.asarray(v, float) for k, v in world.extras.items()}
    rules = {k: _extras_rule(k) for k in ex}
    n, s = world.n, world.n_sectors
    x = world.trade if world.has_sectors else world.trade[:, :, None]
    expected = {"output": (n, s), "final": (n, s), "inputs": (n, s, s), "pair": world.trade.shape}
    for k, v in ex.items():
        want = expected.get(rules[k])
        if (want is not None and v.shape != want) or (rules[k] == "level" and (v.ndim == 0 or v.shape[0] != n)):
            shown = want if want is not None else f"({n}, ...)"
            raise DataError(f"aggregate: extras key '{k}' has shape {v.shape}, expected {shown}")
    y = x.sum(axis=1)  # gross output (N, S)
    va = next((v for k, v in ex.items() if rules[k] == "output"), np.ones((n, s)))
    out: dict[str, np.ndarray] = {}
    for k, v in ex.items():
        rule = rules[k]
        if rule == "sector":
            out[k] = v
        elif rule == "output":
            out[k] = weighted_members(m, v, y)
        elif rule == "inputs":
            out[k] = _weighted_inputs(m, v, y * (1.0 - va), 1.0 - va)
        elif rule == "final":
            gva = va if any(r == "inputs" for r in rules.values()) else np.ones((n, s))  # as calibration does
            tariffs = world.tariffs if world.has_sectors else world.tariffs[:, :, None]
            income = (gva * y).sum(axis=1) + (x * tariffs).sum(axis=(0, 2)) + x.sum(axis=(0, 2)) - x.sum(axis=(1, 2))
            out[k] = weighted_members(m, v, income)
        elif rule == "pair":
            out[k] = weighted_pairs(m, v, world.trade)
        else:  # level
            out[k] = np.tensordot(m, v, axes=(0, 0))
    return out


def _weighted_inputs(m: np.ndarray, io: np.ndarray, w: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Input-output shares ``io`` (N, K, J) of the regions: weights ``w`` (N, J) of each output
    sector, ``fallback`` (N, J) where a region's weights sum to zero, zero where both do."""
    num = np.einsum("na,nkj,nj->akj", m, io, w, optimize=True)
    den = np.einsum("na,nj->aj", m, w)[:, None, :]
    num_f = np.einsum("na,nkj,nj->akj", m, io, fallback, optimize=True)
    den_f = np.einsum("na,nj->aj", m, fallback)[:, None, :]
    alt = np.divide(num_f, den_f, out=np.zeros_like(num_f), where=den_f > 0)
    return np.divide(num, den, out=alt, where=den > 0)


def pair_sum(m: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``M.T @ a @ M`` on the first two axes: ``(N, N, ...)`` -> ``(R, R, ...)``.

    >>> pair_sum(np.array([[1.0, 0], [0, 1], [0, 1]]), np.arange(9.0).reshape(3, 3)).tolist()
    [[0.0, 3.0], [9.0, 24.0]]
    """
    return np.einsum("ja,ji...,ib->ab...", m, a, m, optimize=True)


def weighted_pairs(m: np.ndarray, t: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Average of ``t`` over the country pairs of each region pair, weighted by ``w`` (same shape).

    Falls back to the simple average where the weights of a region pair sum to zero.
    """
    den = pair_sum(m, w)
    simple = pair_sum(m, t) / pair_sum(m, np.ones_like(t))
    return np.divide(pair_sum(m, w * t), den, out=simple, where=den > 0)


def weighted_members(m: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Average of a per-country array ``v`` (N, ...) over the members of each region, weights ``w``."""
    w = np.broadcast_to(w.reshape(w.shape + (1,) * (v.ndim - w.ndim)), v.shape)
    den = np.tensordot(m, w, axes=(0, 0))
    simple = np.tensordot(m, v, axes=(0, 0)) / np.tensordot(m, np.ones_like(v), axes=(0, 0))
    return np.divide(np.tensordot(m, w * v, axes=(0, 0)), den, out=simple, where=den > 0)


def _schedule_weights(world: World, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Owner's imports from each country (owner's own entry 0), or total exports if no owner."""
    per_sector = world.has_sectors and len(shape) >= 2 and shape[1] == world.n_sectors
    x = world.trade if per_sector else world.bilateral()
    owner = SCHEDULE_OWNERS.get(name)
    if owner in world.codes:
        o = world.index(owner)
        w = np.array(x[:, o])
        w[o] = 0.0
        return w
    return x.sum(axis=1) - np.moveaxis(np.diagonal(x, axis1=0, axis2=1), -1, 0)


def _read_mapping(mapping: Any) -> tuple[str, dict[str, str]]:
    """(label for messages, validated dict country -> region) from a dict or a CSV file."""
    if isinstance(mapping, Mapping):
        label = "aggregate: mapping"
        pairs = [(str(c).strip().upper(), str(r).strip().upper()) for c, r in mapping.items()]
        rows: list[Any] = [f"{c} -> {r}" for c, r in mapping.items()]
    else:
        from ._tables import read_table, require_columns

        label = os.fspath(mapping)
        df = read_table(mapping, label)
        require_columns(df, ("country", "region"), label)
        pairs = [(str(c).upper(), str(r).upper()) for c, r in zip(df["country"], df["region"], strict=True)]
        rows = list(range(1, len(df) + 1))
    table: dict[str, str] = {}
    for (c, r), row in zip(pairs, rows, strict=True):
        for field, code in (("country", c), ("region", r)):
            if not REGION.fullmatch(code):
                raise DataError(
                    f"{where(label, field, row)}invalid code '{code}': use ISO3 country codes and region codes "
                    "of 2-6 upper-case letters or digits"
                )
        if c in table:
            raise DataError(f"{where(label, 'country', row)}{c} is listed twice; map each country to one region")
        table[c] = r
    return label, table


def _assign(
    codes: tuple[str, ...], table: dict[str, str], rest: str | None, order: Sequence[str] | None, label: str
) -> tuple[list[str], np.ndarray]:
    """Region codes and the region index of every country."""
    if rest is not None and not REGION.fullmatch(str(rest)):
        raise DataError(f"aggregate: rest='{rest}' is not a region code (2-6 upper-case letters or digits)")
    from ._world import did_you_mean, iso3_codes

    # a mapping may list real countries the world does not have (one mapping for several datasets),
    # but not codes that are no country at all
    unknown = [c for c in table if c not in codes and c not in iso3_codes() and c not in ("EU27", "EU", "ROW")]
    if unknown:
        raise DataError(
            f"{label}: '{unknown[0]}' is not an ISO 3166 alpha-3 code nor a country of the world"
            f"{did_you_mean(unknown[0], codes)}; fix or remove it from the mapping"
        )
    missing = [c for c in codes if c not in table]
    if missing and rest is None:
        shown = ", ".join(missing[:12]) + (" ..." if len(missing) > 12 else "")
        raise DataError(
            f"{label}: no region for {len(missing)} countries ({shown}); add them to the mapping or pass rest='ROW'"
        )
    of = [table.get(c, rest) for c in codes]
    regions = list(dict.fromkeys(of))
    if order is not None:
        order = [str(r).upper() for r in order]
        if sorted(order) != sorted(regions):
            raise DataError(
                f"aggregate: order lists {', '.join(order)} but the regions are {', '.join(regions)}; "
                "give every region exactly once"
            )
        regions = order
    pos = {r: k for k, r in enumerate(regions)}
    return regions, np.array([pos[r] for r in of], dtype=int)


def _region_names(
    world: World, regions: list[str], idx: np.ndarray, names: Mapping[str, str] | None
) -> tuple[str, ...]:
    """Given names, else the member's name for one-country regions keeping its code, else a lookup."""
    names = dict(names or {})
    out = list(country_names(regions))
    for k, r in enumerate(regions):
        members = np.flatnonzero(idx == k)
        if r in names:
            out[k] = str(names[r])
        elif len(members) == 1 and world.codes[members[0]] == r:
            out[k] = world.names[members[0]]
    return tuple(out)
