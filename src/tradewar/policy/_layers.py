"""Tariff schedules as layers applied in order to the baseline tariffs.

Tariff arrays are ``[exporter, importer]`` or ``[exporter, importer, sector]``: ``t[j, i]`` is the
ad-valorem rate (fraction) importer ``i`` levies on goods from ``j``. A layer selects cells
(importer, exporters, sectors) and either sets them (``mode="set"``), adds to the baseline
(``mode="add"``: an *additional* tariff), raises them to a floor (``floor``) or restores the
baseline (``exemption``). Own sales (``j == i``) are never taxed: a layer of one importer that
names that importer as an exporter raises :class:`~tradewar.ScenarioError`; layers on every
importer (``importer="*"``) leave the diagonal at zero.

Kinds:

- ``baseline``: back to the world's baseline tariffs.
- ``schedule``: a named vector of the world (``World.schedules``, e.g. ``us_2025_04_02``, the
  additional US tariff announced on 2 April 2025) levied by ``importer`` on every partner,
  optionally with a ``floor`` (the 10% minimum).
- ``uniform``: one ``rate`` on all partners (or ``exporters``), minus ``exclude``.
- ``partner``: ``rates`` by exporter.
- ``pair``: one ``rate`` on ``exporter`` -> ``importer``.
- ``floor``: ``max(t, rate)`` on the selected cells.
- ``exemption``: the selected cells return to the baseline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .._exceptions import ScenarioError
from ..data._world import World

Kind = Literal["baseline", "schedule", "uniform", "partner", "pair", "floor", "exemption"]


@dataclass(frozen=True)
class Layer:
    """One tariff layer (see the module docstring). ``importer`` may be ``"*"`` for every country."""

    kind: Kind
    importer: str | None = None
    rate: float | None = None
    rates: Mapping[str, float] = field(default_factory=dict)
    exporters: Sequence[str] | None = None
    exporter: str | None = None
    exclude: Sequence[str] = ()
    sectors: Sequence[str | int] | None = None
    name: str | None = None
    floor: float | None = None
    mode: Literal["set", "add"] = "add"


def _sector_index(world: World, sectors) -> np.ndarray | slice:
    if sectors is None or not world.has_sectors:
        if sectors is not None and not world.has_sectors:
            raise ScenarioError("tariff layer selects sectors, but the world has no sector dimension")
        return slice(None)
    out = []
    lower = [s.lower() for s in world.sectors]
    for s in sectors:
        if isinstance(s, int) or (isinstance(s, str) and s.isdigit()):
            k = int(s)
            if not 0 <= k < world.n_sectors:
                raise ScenarioError(f"sector index {k} out of range (0..{world.n_sectors - 1})")
            out.append(k)
        elif s.lower() in lower:
            out.append(lower.index(s.lower()))
        else:
            # a unique prefix also selects ("Machinery" -> "Machinery n.e.c."), so one scenario
            # runs on datasets whose sector names differ in their details
            hits = [k for k, name in enumerate(lower) if name.startswith(s.lower())]
            if len(hits) == 1:
                out.append(hits[0])
                continue
            import difflib

            if hits:
                raise ScenarioError(
                    f"sector '{s}' is ambiguous: {', '.join(world.sectors[k] for k in hits)}; give the full name"
                )
            close = difflib.get_close_matches(s, world.sectors, n=3, cutoff=0.4)
            raise ScenarioError(
                f"unknown sector '{s}'" + (f"; did you mean {', '.join(close)}?" if close else "")
                + f" (this dataset has {len(world.sectors)} sectors: tradewar data info DIR lists them)"
            )
    return np.array(out, dtype=int)


def _every(importer) -> bool:
    """True for a layer on every importer: ``None``, ``"*"`` or ``"all"`` (any case)."""
    return importer is None or str(importer).strip().lower() in ("*", "all")


def _importers(world: World, importer) -> list[int]:
    if _every(importer):
        return list(range(world.n))
    return [world.index(importer)]


def _own_sales(world: World, layer: Layer) -> None:
    """Refuse a layer of one importer that taxes the importer's own sales (layers on all partners skip them)."""
    if _every(layer.importer):
        return
    i = world.index(layer.importer)
    named = [("exporter", [layer.exporter] if layer.exporter is not None else []),
             ("exporters", list(layer.exporters or [])), ("rates", list(layer.rates))]
    for key, codes in named:
        if any(world.index(c) == i for c in codes):
            raise ScenarioError(
                f"tariff layer '{layer.kind}', field '{key}': {world.codes[i]} is the importer; "
                "own sales are never taxed (remove it)"
            )


def _cells(world: World, layer: Layer, i: int) -> np.ndarray:
    """Boolean mask over exporters for importer ``i`` (own sales excluded)."""
    mask = np.ones(world.n, dtype=bool)
    if layer.exporters is not None:
        mask[:] = False
        mask[world.indices(layer.exporters)] = True
    if layer.exclude:
        mask[world.indices(layer.exclude)] = False
    mask[i] = False
    return mask


def _put(t, base, rows, i, sec, value, mode):
    """Set or add ``value`` (scalar or per-row vector) on cells ``t[rows, i, sec]``."""
    v = np.asarray(value, dtype=float)
    if t.ndim == 3:
        if v.ndim == 1:
            v = v[:, None]
        cur = base[rows, i][:, sec] if mode == "add" else 0.0
        block = t[rows, i]
        block[:, sec] = cur + v
        t[rows, i] = block
    else:
        cur = base[rows, i] if mode == "add" else 0.0
        t[rows, i] = cur + v


def apply_layers(world: World, layers: Sequence[Layer], base: np.ndarray | None = None) -> np.ndarray:
    """Apply ``layers`` in order to the baseline tariffs of ``world``; returns a new array.

    Examples
    --------
    >>> import numpy as np
    >>> from tradewar.data import World
    >>> w = World(codes=("USA", "JPN", "CHN"), trade=np.ones((3, 3)), gdp=np.ones(3))
    >>> t = apply_layers(w, [Layer("uniform", importer="USA", rate=0.1), Layer("partner", importer="USA", rates={"CHN": 1.45}, mode="set")])
    >>> t[:, 0].round(2).tolist()
    [0.0, 0.1, 1.45]
    """
    base_t = np.array(world.tariffs if base is None else base, dtype=float)
    t = base_t.copy()
    for layer in layers:
        k = layer.kind
        if k == "baseline":
            t = base_t.copy()
            continue
        sec = _sector_index(world, layer.sectors)
        _own_sales(world, layer)
        for i in _importers(world, layer.importer):
            mask = _cells(world, layer, i)
            rows = np.flatnonzero(mask)
            if k == "schedule":
                if layer.name not in world.schedules:
                    have = ", ".join(world.schedules) or "none"
                    raise ScenarioError(f"unknown tariff schedule '{layer.name}' (this world has: {have})")
                v = np.array(world.schedules[layer.name], dtype=float)[rows]
                if layer.floor is not None:
                    v = np.maximum(v, layer.floor)
                _put(t, base_t, rows, i, sec, v, layer.mode)
            elif k == "uniform":
                _put(t, base_t, rows, i, sec, _rate(layer), layer.mode)
            elif k == "partner":
                for code, r in layer.rates.items():
                    j = world.index(code)
                    if j != i:
                        _put(t, base_t, np.array([j]), i, sec, float(r), layer.mode)
            elif k == "pair":
                if layer.exporter is None:
                    raise ScenarioError("tariff layer 'pair' needs 'exporter'")
                j = world.index(layer.exporter)
                if j == i:
                    continue
                _put(t, base_t, np.array([j]), i, sec, _rate(layer), layer.mode)
            elif k == "floor":
                r = _rate(layer)
                if t.ndim == 3:
                    block = t[rows, i]
                    block[:, sec] = np.maximum(block[:, sec], r)
                    t[rows, i] = block
                else:
                    t[rows, i] = np.maximum(t[rows, i], r)
            elif k == "exemption":
                if t.ndim == 3:
                    block = t[rows, i]
                    block[:, sec] = base_t[rows, i][:, sec]
                    t[rows, i] = block
                else:
                    t[rows, i] = base_t[rows, i]
            else:  # pragma: no cover - pydantic restricts kinds
                raise ScenarioError(f"unknown tariff layer type '{k}'")
    bad = np.argwhere(~(t > -1.0))
    if bad.size:
        j, i = int(bad[0][0]), int(bad[0][1])
        raise ScenarioError(
            f"tariff of {world.codes[i]} on {world.codes[j]} is {t[tuple(bad[0])]:.3g}: tariffs must stay above -100%"
        )
    return t


def _rate(layer: Layer) -> float:
    if layer.rate is None:
        raise ScenarioError(f"tariff layer '{layer.kind}' needs 'rate'")
    return float(layer.rate)
