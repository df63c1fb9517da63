"""Batched solves of one scenario: many parameter draws or many tariff schedules at once.

:func:`solve_batch` is the one entry point: the members of a batch share the scenario's world and model
family and differ by their parameters (a Monte Carlo draw, a sweep point) and/or their tariffs. Each
member's model is calibrated on the host (calibration is a cheap closed form for every family; the
data construction of the ILMS family is cached), models are stacked leaf by leaf (leaves equal across
members stay shared) and solved together by ``vmap`` over the one driver (:mod:`tradewar.batch._solve`).
Every member is checked like a single solve: the residual, the model's accounting checks, its
admissibility margins when it declares them, and finite outcomes. A failed member keeps its index and
its diagnostics; the others are kept.

Chunks are sized to memory (:func:`tradewar.batch._solve.chunk_size`): a dense-Jacobian member needs about
``4 n_y^2 + 8 C + 4 N^2`` float64 numbers (``n_y`` unknowns, ``C`` tariff cells, ``N`` countries), a
matrix-free one ``40 n_y + 8 C + 4 N^2``; the default budget is 256 MiB per chunk.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._exceptions import ScenarioError

__all__ = ["BatchSetup", "ModelFactory", "setup", "solve_batch", "failures", "run_members", "to_frame", "from_frame",
           "GridAxis", "parse_grid", "sweep", "heatmap_figure", "load_run", "DEFAULT_MEMORY"]

#: Default memory budget of one chunk of a batch (bytes).
DEFAULT_MEMORY = 256 * 2**20

#: Trade-elasticity parameter of each family and whether its draws scale a sector vector.
TRADE_ELASTICITY = {"ilms": "eps", "armington": "eps", "caliendo_parro": "theta", "ossa": "sigma"}


@dataclass(frozen=True, eq=False)
class BatchSetup:
    """A scenario prepared for batches: world, model family, base parameters and base policy arrays."""

    world: Any
    family: str
    params: dict[str, Any]
    t: np.ndarray
    x: np.ndarray | None
    name: str = ""
    scenario: Any = None
    _factory: dict = field(default_factory=dict, repr=False)
    #: the scenario's mechanical retaliation rule (None without one) and the tariffs of its layers before it
    rule: Any = None
    t_layers: np.ndarray | None = None

    def tariffs_with(self, cells: Sequence[tuple[int, int]], values: np.ndarray) -> np.ndarray:
        """The policy of members that set the tariffs of ``cells`` ``(exporter, importer)`` (every sector) to
        ``values`` (B, len(cells)): (B, *t.shape). The scenario's retaliation rule answers each member's
        tariffs, and a cell set by the member keeps its value even where the rule would change it."""
        from ..policy import apply_retaliation

        vals = np.asarray(values, float)
        base = self.t if self.rule is None else self.t_layers
        T = np.repeat(base[None], vals.shape[0], axis=0)

        def put(T):
            for k, (e, i) in enumerate(cells):
                T[:, e, i] = vals[:, k, None] if T.ndim == 4 else vals[:, k]
            return T

        T = put(T)
        if self.rule is not None:
            answered = []
            for b, t in enumerate(T):
                try:
                    answered.append(apply_retaliation(self.world, self.rule, t))
                except ScenarioError as e:  # a point the rule cannot answer: named, not one failure among many
                    point = ", ".join(f"{self.world.codes[i]}.tariff_on.{self.world.codes[e_]}={v:g}"
                                      for (e_, i), v in zip(cells, vals[b], strict=True))
                    raise ScenarioError(f"grid point {point}: {e}") from None
            T = put(np.stack(answered))
        return T

    def factory(self) -> ModelFactory:
        if "f" not in self._factory:
            self._factory["f"] = ModelFactory(self.family, self.world, self.params)
        return self._factory["f"]


def setup(scenario: Any, world: Any = None) -> BatchSetup:
    """Prepare a scenario (a :class:`~tradewar.Scenario`, preset name or TOML path) for batched solves.

    The policy is the scenario's tariff layers and its mechanical retaliation rule; the ``optimal`` rule
    is a search per member and is not batched.
    """
    from ..scenario import Scenario, load_scenario, prepare

    if isinstance(scenario, BatchSetup):
        return scenario
    s = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if s.retaliation.rule == "optimal":
        raise ScenarioError(f"scenario '{s.name}': key 'retaliation.rule' = 'optimal' cannot be batched; "
                            "use a mechanical rule (mirror, reciprocal, equal_value) or none")
    w, _model, t, x, rule = prepare(s, world)
    t_layers = None
    if rule.rule != "none":  # a grid over tariffs is answered by the rule: the layers' tariffs before it
        from ..scenario import policy_arrays

        t_layers = np.asarray(policy_arrays(s.model_copy(update={"retaliation": type(s.retaliation)()}), w)[0], float)
    return BatchSetup(world=w, family=s.model.family, params=dict(s.model.params()), t=np.asarray(t, float),
                      x=None if x is None else np.asarray(x, float), name=s.name, scenario=s,
                      rule=None if rule.rule == "none" else rule, t_layers=t_layers)


class ModelFactory:
    """Calibrated models of one family on one world for parameter values that differ by member.

    ``factory(draw)`` calibrates with the scenario's parameters updated by ``draw`` (name -> value;
    a sector-level parameter is an (S,) vector). The ILMS data construction (which depends only on
    the profit shares ``nu``) is computed once per ``nu``.
    """

    def __init__(self, family: str, world: Any, params: Mapping[str, Any]):
        self.family, self.world, self.params = family, world, dict(params)
        self._completed: dict[Any, Any] = {}

    def base_value(self, name: str) -> Any:
        """The value a parameter takes without a draw (a number or an (S,) vector)."""
        if name in self.params:
            return self.params[name]
        if self.family in ("ilms", "armington"):
            from ..models.ilms import ILMSParams, armington

            base = armington() if self.family == "armington" else ILMSParams()
            if hasattr(base, name):
                return getattr(base, name)
        if name in self.world.extras:
            return np.asarray(self.world.extras[name], float)
        raise ScenarioError(f"parameter '{name}' is not a parameter of model family '{self.family}'")

    def __call__(self, draw: Mapping[str, Any]) -> Any:
        vals = {k: _plain(v) for k, v in draw.items()}
        if self.family in ("ilms", "armington"):
            return self._ilms(vals)
        world = self.world
        if self.family == "caliendo_parro":
            ex = {k: v for k, v in vals.items() if k in world.extras}
            if ex:
                world = world.replace(extras={**dict(world.extras), **{k: np.asarray(v, float) for k, v in ex.items()}})
                vals = {k: v for k, v in vals.items() if k not in ex}
        from ..models._registry import build_model

        return build_model(self.family, world, {**self.params, **vals})

    def _ilms(self, vals):
        from ..models._params import validate_params
        from ..models.ilms import ILMSParams, armington, calibrate, complete_world

        base = armington() if self.family == "armington" else ILMSParams()
        # the same validation as a single solve (build_model): a drawn or swept value out of range is an error
        merged = validate_params(self.family, {**self.params, **vals})
        try:
            p = base.replace(**merged)
        except TypeError as e:
            raise ScenarioError(f"model '{self.family}': {e}") from None
        key = p.nu if isinstance(p.nu, (str, float, int)) else tuple(np.asarray(p.nu, float).ravel())
        if key not in self._completed:
            self._completed[key] = complete_world(self.world, p.nu)
        return calibrate(self.world, p, completed=self._completed[key], host=True)


def _plain(v: Any) -> Any:
    a = np.asarray(v)
    if a.ndim == 0:
        return a.item()
    return tuple(float(u) for u in a.ravel())


def _full(model, sol, shock):
    """What a batch keeps of each member: per-country (and per-sector) outcomes and every diagnostic."""
    import jax.numpy as jnp

    from ..solve import margins_of, smallest_margin

    n = shock.t.shape[0]
    s = shock.t.shape[2] if shock.t.ndim == 3 else None
    out = model.outcomes(sol.value, shock)
    keep = {k: v for k, v in out.items() if v.shape == (n,) or (s is not None and v.shape == (n, s))}
    checks = {k: jnp.asarray(v, dtype=jnp.float64) for k, v in model.checks(sol.value, shock).items()}
    return {"out": keep, "checks": checks, "max_residual": sol.max_residual, "code": sol.result_code,
            "steps": sol.steps, "margin": smallest_margin(margins_of(model, sol.value, shock))}


def _statuses(raw: dict, tol: float, check_tol: float) -> np.ndarray:
    """Status of every member (strings of :class:`tradewar.solve.Status`), by the rule of a single solve."""
    from ..results import NAN_MEANS_UNDEFINED
    from ..solve import verdict

    res = np.asarray(raw["max_residual"], float)
    finite = np.ones(res.shape, bool)
    for k, v in raw["out"].items():
        v = np.asarray(v).reshape(v.shape[0], -1)
        finite &= (np.isfinite(v) | (np.isnan(v) if k in NAN_MEANS_UNDEFINED else False)).all(axis=1)
    checks = np.stack([np.asarray(v, float) for v in raw["checks"].values()], axis=1) if raw["checks"] else None
    worst = np.where(np.isnan(checks), np.inf, checks).max(axis=1) if checks is not None else None
    return np.asarray(verdict(res, np.asarray(raw["code"]), tol, finite=finite, check_error=worst,
                              check_tol=check_tol, margin=np.asarray(raw["margin"], float)))


def _n_members(params, tariffs) -> int:
    sizes = {len(np.asarray(v)) for v in (params or {}).values()}
    if tariffs is not None:
        sizes.add(len(tariffs))
    if len(sizes) != 1:
        raise ScenarioError(f"solve_batch: the parameter draws and tariffs disagree on the number of members {sorted(sizes)}")
    return sizes.pop()


def solve_batch(
    scenario: Any,
    *,
    params: Mapping[str, Any] | None = None,
    tariffs: Any = None,
    dim: str = "draw",
    coords: Mapping[str, Any] | None = None,
    chunk: int | None = None,
    memory_bytes: float = DEFAULT_MEMORY,
    options: Any = None,
    world: Any = None,
    shrink: bool = True,
    progress: Callable[[int, int], None] | None = None,
):
    """Solve many members of one scenario together and return them as an ``xarray.Dataset``.

    Parameters
    ----------
    scenario : a :class:`~tradewar.Scenario`, preset name, TOML path, or a :class:`BatchSetup`.
    params : parameter draws, name -> array with the member axis first: ``(B,)`` for a number
        (``eps``, ``kappa``, ...), ``(B, S)`` for a sector vector (``theta``, ``sigma``). Parameters
        that change the calibration are recalibrated per member.
    tariffs : new tariffs of every member ``(B, *shape)`` (the scenario's policy when None).
    dim : name of the member dimension (``"draw"`` or ``"scenario"``).
    coords : extra labels along ``dim`` (name -> ``(B,)``), e.g. the grid values of a sweep.
    chunk : members solved together; default from ``memory_bytes`` (see the module docstring). A batch
        smaller than ``chunk`` is padded to the next power of two (to ``chunk`` if ``shrink`` is False).
    options : :class:`~tradewar.SolverOptions` (tolerances, steps).

    Returns
    -------
    ``xarray.Dataset`` with dims ``(dim, country[, sector])``: every per-country outcome of the model
    (``welfare_pct``, ...; NaN for a failed member), ``status`` (a :class:`~tradewar.Status` value),
    ``max_residual``, ``steps``, ``check_error`` (the largest accounting error) and the drawn
    parameters as ``param_<name>``. ``attrs["failed"]`` counts failed members; :func:`failures` lists them.

    Examples
    --------
    >>> ds = solve_batch("liberation-day", params={"eps": [3.0, 4.0, 6.0]})
    >>> ds.welfare_pct.sel(country="USA").values.round(3).tolist()
    [1.196, 0.832, 0.396]
    >>> int(ds.attrs["failed"])
    0
    """
    import xarray as xr

    from ..solve import SolverOptions, batch_method
    from ._solve import chunk_size, pow2_at_least, solve_members

    opts = options or SolverOptions()
    st = setup(scenario, world)
    params = {k: np.asarray(v, float) for k, v in (params or {}).items()}
    T = None if tariffs is None else np.asarray(tariffs, float)
    if T is not None and T.shape[1:] != st.t.shape:
        raise ScenarioError(f"solve_batch: tariffs have shape {T.shape[1:]} per member, the world needs {st.t.shape}")
    B = _n_members(params, T) if (params or T is not None) else 1
    factory = st.factory()
    base_model = factory({})
    method = batch_method(base_model)
    n_y = int(base_model.initial_guess().shape[0])
    width = chunk or chunk_size(n_y, st.world.n, st.t.size, memory_bytes=memory_bytes, method=method)
    width = min(int(width), pow2_at_least(B)) if shrink else int(width)
    t_arg = T if T is not None else st.t
    x_arg = st.x
    parts = []
    for start in range(0, B, width):
        stop = min(start + width, B)
        sl = slice(start, stop)
        Tc = None if T is None else T[sl]
        if params:
            models = [factory({k: v[i] for k, v in params.items()}) for i in range(start, stop)]
            raw = _solve_groups(models, Tc if Tc is not None else t_arg, Tc is not None, x_arg, width, opts, method)
        else:
            raw = solve_members(base_model, Tc if Tc is not None else t_arg[None].repeat(stop - start, 0), x_arg,
                                extract=_full, t_batched=True, x_batched=False, chunk=width, shrink=False,
                                tol=opts.tol, max_steps=opts.max_steps, method=method)
        parts.append(raw)
        if progress is not None:
            progress(stop, B)
    import jax

    raw = jax.tree_util.tree_map(lambda *a: np.concatenate(a, axis=0), *parts)
    return _dataset(st, raw, B, dim, params, coords, opts, xr)


def _solve_groups(models, T, t_batched, X, width, opts, method):
    """Solve members whose models may differ in a static field: one stacked batch per structure."""
    import jax

    from ._solve import solve_members, stack_models

    groups: dict[Any, list[int]] = {}
    for i, m in enumerate(models):
        groups.setdefault(jax.tree_util.tree_structure(m), []).append(i)
    out = None
    for idx in groups.values():
        stacked = stack_models([models[i] for i in idx])
        Tg = T[np.asarray(idx)] if t_batched else T[None].repeat(len(idx), 0)
        raw = solve_members(stacked, Tg, X, extract=_full, size=len(idx), t_batched=True, x_batched=False,
                            chunk=width, shrink=False, tol=opts.tol, max_steps=opts.max_steps, method=method)
        if out is None:
            out = jax.tree_util.tree_map(
                lambda a: np.full((len(models),) + a.shape[1:], np.nan if a.dtype.kind == "f" else 0, a.dtype), raw)
        flat_out, treedef = jax.tree_util.tree_flatten(out)
        flat_raw = jax.tree_util.tree_leaves(raw)
        for o, r in zip(flat_out, flat_raw, strict=True):
            o[np.asarray(idx)] = r
        out = jax.tree_util.tree_unflatten(treedef, flat_out)
    return out


def _dataset(st: BatchSetup, raw: dict, B: int, dim: str, params, coords, opts, xr):
    status = _statuses(raw, opts.tol, opts.check_tol)
    ok = status == "success"
    w = st.world
    c: dict[str, Any] = {dim: np.arange(B), "country": list(w.codes)}
    if w.has_sectors:
        c["sector"] = list(w.sectors)
    data: dict[str, Any] = {}
    for k, v in raw["out"].items():
        a = np.where(ok.reshape((-1,) + (1,) * (v.ndim - 1)), v, np.nan)
        data[k] = ((dim, "country") if v.ndim == 2 else (dim, "country", "sector"), a)
    checks = np.stack([np.asarray(v, float) for v in raw["checks"].values()], axis=1) if raw["checks"] else np.zeros((B, 1))
    data["status"] = (dim, status.astype(str))
    data["max_residual"] = (dim, np.asarray(raw["max_residual"], float))
    data["steps"] = (dim, np.asarray(raw["steps"], np.int64))
    data["check_error"] = (dim, np.nanmax(np.where(np.isfinite(checks), checks, np.inf), axis=1))
    for k, v in params.items():
        if v.ndim == 1:
            data[f"param_{k}"] = (dim, v)
        else:
            data[f"param_{k}"] = ((dim, "sector") if w.has_sectors and v.shape[1] == w.n_sectors else (dim, f"{k}_index"), v)
    for k, v in (coords or {}).items():
        c[k] = (dim, np.asarray(v))
    ds = xr.Dataset(data, coords=c)
    ds.attrs.update({"scenario": st.name, "family": st.family, "failed": int((~ok).sum()), "tol": opts.tol,
                     "check_tol": opts.check_tol})
    return ds


def failures(ds) -> list[dict[str, Any]]:
    """The failed members of a batch: index (along the member dimension), status, message, max residual."""
    from ..solve import Status

    dim = next(d for d in ds.status.dims)
    bad = np.flatnonzero(ds.status.values != "success")
    return [
        {"index": int(ds[dim].values[i]), "status": str(ds.status.values[i]),
         "message": Status(str(ds.status.values[i])).message, "max_residual": _finite(ds.max_residual.values[i]),
         "check_error": _finite(ds.check_error.values[i])}
        for i in bad
    ]


def _finite(v) -> float | None:
    v = float(v)
    return v if np.isfinite(v) else None


def write_table(ds, path: str | Path) -> Path:
    """Write a batch as a long Parquet table (one row per member and country) atomically."""
    from .._io import atomic_write

    df = to_frame(ds)
    return atomic_write(path, lambda fh: df.to_parquet(fh, index=False), mode="wb")


def to_frame(ds):
    """A batch as a long DataFrame: member labels, ``country``, outcomes and diagnostics."""
    dim = ds.status.dims[0]
    keep = [k for k, v in ds.data_vars.items() if set(v.dims) <= {dim, "country"}]
    df = ds[keep].to_dataframe().reset_index()
    return df


#: Per-member columns of the long tables (repeated on every country row).
MEMBER_VARS = ("status", "max_residual", "steps", "check_error")


def from_frame(df, dim: str, coords: Sequence[str] = ()):
    """The ``xarray.Dataset`` of a long table written by :func:`to_frame` (member labels back as coordinates)."""
    import xarray as xr

    per_member = [c for c in df.columns if c in MEMBER_VARS or c.startswith("param_") or c in coords]
    first = df.drop_duplicates(dim).set_index(dim).sort_index()
    rest = [c for c in df.columns if c not in per_member and c not in (dim, "country")]
    ds = df.set_index([dim, "country"])[rest].to_xarray()
    countries = list(dict.fromkeys(df["country"]))
    ds = ds.reindex(country=countries)
    for c in per_member:
        if c in coords:
            ds = ds.assign_coords({c: (dim, first[c].to_numpy())})
        else:
            ds[c] = xr.DataArray(first[c].to_numpy(), dims=(dim,), coords={dim: first.index.to_numpy()})
    return ds


@functools.lru_cache(maxsize=4)
def _cached_setup(scenario_json: str, path: str | None) -> BatchSetup:
    from ..scenario import Scenario

    return setup(Scenario.model_validate_json(scenario_json))


def _chunk_work(payload: dict[str, Any]):
    """One chunk of a run (executed in this process or on a Dask worker): a long table of its members."""
    s = payload["scenario"]
    st = _cached_setup(s.model_dump_json(), s.path)
    T = None
    if payload.get("cells"):
        T = st.tariffs_with(payload["cells"], payload["values"])
    ds = solve_batch(st, params=payload.get("params") or None, tariffs=T, dim=payload["dim"],
                     coords=payload.get("coords"), chunk=payload["width"], options=payload["options"],
                     shrink=False)
    ds = ds.assign_coords({payload["dim"]: ds[payload["dim"]].values + payload["start"]})
    return to_frame(ds)


def _package_version() -> str:
    from .. import __version__

    return __version__


def _fingerprint(*parts: Any) -> str:
    import hashlib

    h = hashlib.sha256()
    for p in parts:
        if isinstance(p, np.ndarray):
            h.update(f"{p.shape}{p.dtype}".encode())
            h.update(np.ascontiguousarray(p).tobytes() if p.dtype.kind != "O" else str(p.tolist()).encode())
        else:
            h.update(json.dumps(p, sort_keys=True, default=str).encode())
        h.update(b"|")
    return h.hexdigest()


def _world_parts(world: Any) -> list[Any]:
    """What a world's numbers are made of, for :func:`_fingerprint`: a change in any data file changes one of them."""
    parts: list[Any] = [list(world.codes), list(world.sectors), world.units]
    for a in (world.trade, world.gdp, world.tariffs):
        parts.append(np.asarray(a, float) if a is not None else "")
    for table in (world.schedules, world.extras):
        for k in sorted(table):
            v = np.asarray(table[k])
            parts += [k, v if v.dtype.kind in "biuf" else str(v.tolist())]
    return parts


def run_members(
    scenario: Any,
    *,
    params: Mapping[str, Any] | None = None,
    cells: Sequence[tuple[int, int]] = (),
    values: Any = None,
    coords: Mapping[str, Any] | None = None,
    dim: str = "draw",
    chunk: int | None = None,
    memory_bytes: float = DEFAULT_MEMORY,
    scheduler: str = "none",
    out: str | Path | None = None,
    resume: bool = False,
    workers: int | None = None,
    options: Any = None,
    grid_keys: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
):
    """:func:`solve_batch` in chunks shipped to a scheduler, with resumable Parquet output (:mod:`tradewar.batch._chunks`).

    Members: parameter draws ``params`` (name -> (B, ...)) and/or tariff overrides: ``values`` (B, k)
    set on the ``cells`` ``(exporter, importer)`` of the scenario's tariffs (every sector). ``scheduler`` is
    ``"none"``, ``"local"``, ``"tcp://HOST:PORT"`` or ``"auto"``: a local cluster when the members fill enough
    chunks of the default size for a cluster to pay and a chunk solved and timed here says it does, else this
    process (:func:`tradewar.batch._chunks.run_chunks`). Returns the batch as an ``xarray.Dataset`` (dims
    ``dim, country``; per-member diagnostics; ``attrs["scheduler"]`` says where it ran).
    """
    from ..scenario import Scenario, load_scenario
    from ..solve import SolverOptions
    from ._chunks import _check_local_workers, run_chunks
    from ._solve import pow2_at_least

    opts = options or SolverOptions()
    s = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    st = _cached_setup(s.model_dump_json(), s.path)
    params = {k: np.asarray(v, float) for k, v in (params or {}).items()}
    vals = None if values is None else np.asarray(values, float).reshape(-1, len(cells))
    B = _n_members(params, vals)
    if scheduler == "auto" and workers is not None:
        _check_local_workers(workers)  # refused as for local, not ignored when the run stays in this process
    fit = _default_chunk(st, memory_bytes) if chunk is None or scheduler == "auto" else int(chunk)
    chunk = int(chunk) if chunk is not None else min(fit, pow2_at_least(B))
    coords = {k: np.asarray(v) for k, v in (coords or {}).items()}
    payloads = []
    for start in range(0, B, chunk):
        sl = slice(start, min(start + chunk, B))
        payloads.append({
            "scenario": s, "dim": dim, "start": start, "width": chunk, "options": opts,
            "params": {k: v[sl] for k, v in params.items()},
            "cells": [tuple(int(u) for u in c) for c in cells], "values": None if vals is None else vals[sl],
            "coords": {k: v[sl] for k, v in coords.items()},
        })
    # the scenario without where its data are (their contents are hashed below): a run resumed with the same data
    # under another path, or from another folder, is the same run
    where = {"path": True, "data": {"source", "gdp", "tariffs", "written_for"}}
    fp = _fingerprint(s.model_dump_json(exclude=where), sorted(params), *[params[k] for k in sorted(params)],
                      [list(c) for c in cells], vals if vals is not None else "", sorted(coords),
                      *[coords[k] for k in sorted(coords)], dim, chunk,
                      [opts.tol, opts.check_tol, opts.max_steps, opts.method],
                      # the data's contents (not their paths) and the code that solves them
                      *_world_parts(st.world), st.t, st.x if st.x is not None else "", _package_version())
    meta = {"dim": dim, "coords": sorted(coords), "scenario": s.name, "chunk": chunk}
    # "auto" is decided over the members still to solve: all of them, unless a run is resumed
    df = run_chunks(_chunk_work, payloads, fingerprint=fp, scheduler=scheduler, out=out, resume=resume,
                    workers=workers, meta={**meta, "grid": list(grid_keys)}, progress=progress,
                    sizes=[min(chunk, B - p["start"]) for p in payloads], fit=fit)
    scheduler = df.attrs.get("scheduler", scheduler)
    ds = from_frame(df, dim, tuple(coords))
    ds.attrs.update({"scenario": s.name, "family": s.model.family, "failed": int((ds.status.values != "success").sum()),
                     "chunk": chunk, "chunks": len(payloads), "scheduler": scheduler})
    return ds


def _default_chunk(st: BatchSetup, memory_bytes: float) -> int:
    """Members of one chunk of the default size: as many as fit in ``memory_bytes`` (:func:`chunk_size`)."""
    from ..solve import batch_method
    from ._solve import chunk_size

    base = st.factory()({})
    n_y = int(base.initial_guess().shape[0])
    return chunk_size(n_y, st.world.n, st.t.size, memory_bytes=memory_bytes, method=batch_method(base))


# --- sweeps ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GridAxis:
    """One axis of a sweep: ``IMPORTER.tariff_on.EXPORTER=VALUES`` (tariff of the importer on the exporter's
    goods, every sector, set to each value) or ``PARAM=VALUES`` (a model parameter).

    ``VALUES`` is ``START:STOP:COUNT`` (COUNT evenly spaced values, both ends included) or a
    comma-separated list.
    """

    key: str
    values: tuple[float, ...]
    importer: str | None = None
    exporter: str | None = None

    @property
    def is_tariff(self) -> bool:
        return self.importer is not None


def _bad(text: str, why: str) -> ScenarioError:
    return ScenarioError(f"--grid '{text}': {why}")


#: The most points a sweep may have (the product of its axes): about a day of solves on two cores
#: for the one-sector model, and the largest table that fits comfortably in memory.
MAX_GRID_POINTS = 1_000_000
#: Above this a tariff on a grid axis is taken for a percentage (as in scenario files).
MAX_FRACTION = 5.0


def parse_grid(text: str, codes: Sequence[str] | None = None) -> GridAxis:
    """Parse one ``--grid`` argument (see :class:`GridAxis`); a malformed one is a one-line :class:`ScenarioError`.

    Examples
    --------
    >>> parse_grid("JPN.tariff_on.CHN=0:0.5:3")
    GridAxis(key='JPN.tariff_on.CHN', values=(0.0, 0.25, 0.5), importer='JPN', exporter='CHN')
    >>> parse_grid("eps=3,4,6").values
    (3.0, 4.0, 6.0)
    """
    import re

    if text.count("=") != 1:
        raise _bad(text, "expected KEY=VALUES, e.g. JPN.tariff_on.CHN=0:0.5:11 or eps=2:8:7")
    key, spec = (p.strip() for p in text.split("="))
    importer = exporter = None
    m = re.fullmatch(r"([A-Za-z0-9]{2,8})\.tariff_on\.([A-Za-z0-9]{2,8})", key)
    if m:
        importer, exporter = m.group(1).upper(), m.group(2).upper()
        key = f"{importer}.tariff_on.{exporter}"
        if importer == exporter:
            raise _bad(text, f"key '{key}': a country does not levy tariffs on its own sales")
        for c in (importer, exporter):
            if codes is not None and c not in codes:
                from ..data._world import did_you_mean

                raise _bad(text, f"key '{key}': country '{c}' is not in the scenario's world{did_you_mean(c, codes)}")
    elif "." in key or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        raise _bad(text, f"key '{key}': expected IMPORTER.tariff_on.EXPORTER or a model parameter name")
    try:
        if ":" in spec:
            parts = spec.split(":")
            if len(parts) != 3:
                raise ValueError
            a, b, n = float(parts[0]), float(parts[1]), int(parts[2])
            vals = ()
        else:
            vals = tuple(float(v) for v in spec.split(","))
    except ValueError:
        raise _bad(text, f"key '{key}': values '{spec}' are not START:STOP:COUNT or a comma-separated list of numbers") from None
    if ":" in spec:
        if n < 1 or (n == 1 and a != b):
            raise _bad(text, f"key '{key}': COUNT must be >= 2 (1 only when START = STOP)")
        if n > MAX_GRID_POINTS:
            raise _bad(text, f"key '{key}': COUNT {n:,} is above the {MAX_GRID_POINTS:,} points a sweep may have")
        vals = tuple(float(v) for v in np.linspace(a, b, n))
    if not vals or not all(np.isfinite(vals)):
        raise _bad(text, f"key '{key}': values must be finite numbers")
    if importer is not None and min(vals) <= -1.0:
        raise _bad(text, f"key '{key}': a tariff must stay above -100% (-1.0), got {min(vals)}")
    if importer is not None and max(vals) > MAX_FRACTION:
        raise _bad(text, f"key '{key}': tariff {max(vals):g} looks like a percentage: tariffs are fractions, so "
                         f"write {max(vals) / 100:g} for {max(vals):g}%")
    return GridAxis(key=key, values=vals, importer=importer, exporter=exporter)


def sweep(
    scenario: Any,
    grids: Sequence[str | GridAxis],
    *,
    scheduler: str = "none",
    out: str | Path | None = None,
    resume: bool = False,
    chunk: int | None = None,
    workers: int | None = None,
    options: Any = None,
    progress: Callable[[int, int], None] | None = None,
):
    """Solve the cartesian grid of tariff settings and parameters; an ``xarray.Dataset`` with one dimension per axis.

    Tariff axes set the importer's tariff on the exporter (every sector) in the scenario's policy, and the
    scenario's retaliation rule answers each point's tariffs (a tariff an axis sets keeps its value, the
    retaliators' own included); parameter axes recalibrate the model. Dims: the axis keys (in order),
    then ``country``; per-point diagnostics ``status``, ``max_residual``, ``steps``, ``check_error``.
    ``scheduler`` as in :func:`run_members` (``"auto"``: this process for a grid of a few chunks).

    Examples
    --------
    >>> ds = sweep("liberation-day", ["JPN.tariff_on.USA=0:0.2:2", "eps=4,6"])
    >>> ds.welfare_pct.dims
    ('JPN.tariff_on.USA', 'eps', 'country')
    >>> float(ds.welfare_pct.sel({"JPN.tariff_on.USA": 0.0, "eps": 4.0, "country": "USA"}).round(3))
    0.832
    """
    from ..scenario import Scenario, load_scenario

    s = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    st = _cached_setup(s.model_dump_json(), s.path)
    codes = list(st.world.codes)
    axes = [g if isinstance(g, GridAxis) else parse_grid(g, codes) for g in grids]
    for a in axes:
        for c in (a.importer, a.exporter) if a.is_tariff else ():
            if c not in codes:
                from ..data._world import did_you_mean

                raise ScenarioError(f"--grid '{a.key}=...': key '{a.key}': country '{c}' is not in the scenario's "
                                    f"world{did_you_mean(c, codes)}")
    if not axes:
        raise ScenarioError("sweep: give at least one --grid")
    keys = [a.key for a in axes]
    if len(set(keys)) != len(keys):
        raise ScenarioError(f"sweep: key '{next(k for k in keys if keys.count(k) > 1)}' is given twice")
    points = int(np.prod([len(a.values) for a in axes], dtype=float))
    if points > MAX_GRID_POINTS:
        raise ScenarioError(f"sweep: {points:,} grid points (the product of the axes) are above the "
                            f"{MAX_GRID_POINTS:,} a sweep may have; use fewer values per axis")
    mesh = np.meshgrid(*[np.asarray(a.values) for a in axes], indexing="ij")
    flat = {a.key: m.ravel() for a, m in zip(axes, mesh, strict=True)}
    t_axes = [a for a in axes if a.is_tariff]
    p_axes = [a for a in axes if not a.is_tariff]
    fac = st.factory()
    for a in p_axes:
        try:
            fac.base_value(a.key)
        except ScenarioError:
            raise ScenarioError(f"--grid '{a.key}=...': key '{a.key}': not a parameter of model family "
                                f"'{st.family}'") from None
    cells = [(codes.index(a.exporter), codes.index(a.importer)) for a in t_axes]
    values = np.stack([flat[a.key] for a in t_axes], axis=1) if t_axes else None
    params = {a.key: flat[a.key] for a in p_axes}
    ds = run_members(s, params=params or None, cells=cells, values=values, coords=flat, dim="point", chunk=chunk,
                     scheduler=scheduler, out=out, resume=resume, workers=workers, options=options, grid_keys=keys,
                     progress=progress)
    return _grid_dataset(ds, keys)


def _grid_dataset(ds, keys):
    attrs = dict(ds.attrs)
    ds = ds.drop_vars([f"param_{k}" for k in keys if f"param_{k}" in ds])
    if len(keys) == 1:  # one axis: a plain index, which xarray cannot unstack
        ds = ds.swap_dims({"point": keys[0]}).drop_vars("point", errors="ignore")
    else:
        ds = ds.set_index(point=list(keys)).unstack("point")
    ds = ds.transpose(*keys, "country")
    ds.attrs.update(attrs)
    return ds


def load_run(folder: str | Path):
    """The labelled result of a finished run folder (``sweep --out``): a grid by its axes, draws by ``draw``."""
    from ._chunks import read_meta, read_parts

    meta = read_meta(folder)
    ds = from_frame(read_parts(folder), meta["dim"], tuple(meta.get("coords", ())))
    ds.attrs.update({"scenario": meta.get("scenario", ""), "failed": int((ds.status.values != "success").sum())})
    return _grid_dataset(ds, meta["grid"]) if meta.get("grid") else ds


def heatmap_figure(ds, country: str, field: str = "welfare_pct"):
    """A Plotly heatmap of ``field`` for ``country`` over the first two axes of a sweep (a line for one axis)."""
    import plotly.graph_objects as go

    da = ds[field].sel(country=country)
    dims = [d for d in da.dims]
    what = {"welfare_pct": "welfare, % change"}.get(field, field)

    def axis(d):  # a tariff axis in percent, named as a sentence; a parameter by its name
        g = parse_grid(f"{d}=0") if ".tariff_on." in d else None
        if g is not None and g.is_tariff:
            return f"{g.importer}'s tariff on {g.exporter}, %", 100.0 * da[d].values
        return d, da[d].values

    if len(dims) == 1:
        (xt, xv) = axis(dims[0])
        fig = go.Figure(go.Scatter(x=xv, y=da.values, mode="lines+markers"))
        fig.update_layout(xaxis_title=xt, yaxis_title=f"{country}: {what}")
    else:
        extra = {d: 0 for d in dims[2:]}
        da = da.isel(extra) if extra else da
        (xt, xv), (yt, yv) = axis(dims[1]), axis(dims[0])
        fig = go.Figure(go.Heatmap(z=da.values, x=xv, y=yv, colorbar={"title": what}, colorscale="RdBu", zmid=0))
        fig.update_layout(xaxis_title=xt, yaxis_title=yt)
    fig.update_layout(title=f"{country}: {what} over the sweep", template="plotly_white")
    return fig
