"""How sure are the numbers: Monte Carlo over parameter distributions, the elasticity at which a verdict flips,
and variance-based (Sobol) sensitivity.

* :func:`uncertainty` draws the parameters of a scenario's ``[uncertainty]`` table (or the defaults of
  :data:`tradewar.batch._distributions.DEFAULT_SPECS`), solves every draw in batches (:func:`tradewar.batch.sweep.run_members`,
  in-process or on Dask) and summarises each country's outcomes: mean, median, 5-95% band and the
  probability of a gain (the share of successful draws with a positive change).
* :func:`flip_points`: for the trade elasticity (``eps``; ``theta``/``sigma`` of the sectoral families,
  scaled by one factor), the value at which the sign of each country's welfare change flips, holding the
  other parameters at the scenario's values: the sign is tabulated on a grid over the drawn range, and
  each bracketed root refined by regula falsi (Illinois), every country's bracket in one batch per iteration.
* :func:`sobol_indices`: first-order and total Sobol indices (Saltelli's estimator, SALib) of each
  parameter for each country's welfare, from ``N (D + 2)`` solves (``D`` parameters or groups); a
  :func:`tornado_figure` shows them.
* :func:`optimal_bands` and :func:`bloc_bands`: the strategic answers under uncertainty (the band of the
  optimal tariff; the probability that joining a bloc beats staying out), one search per draw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._exceptions import ScenarioError
from ._distributions import DEFAULT_SPECS, UncertaintySpec, from_uniform, sample, widths

__all__ = ["uncertainty", "UncertaintyResult", "flip_points", "sobol_indices", "tornado_figure", "resolve",
           "report_bands", "optimal_bands", "bloc_bands", "SUMMARY_FIELDS"]

#: Outputs summarised per country (those the model provides).
SUMMARY_FIELDS = ("welfare_pct", "real_gdp_pct", "real_wage_pct", "employment_pct", "price_index_pct", "exports_gdp_change_pct",
                  "imports_gdp_change_pct", "deficit_change_pct", "tariff_revenue_share")


@dataclass(frozen=True, eq=False)
class UncertaintyResult:
    """Draws (``xarray.Dataset``, dims ``draw, country``), the JSON document, and the drawn parameters."""

    doc: dict[str, Any]
    draws: Any
    params: dict[str, np.ndarray] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return self.doc


def resolve(s: Any, draws: int | None = None, seed: int | None = None):
    """The distributions, draw count and seed of a scenario (its table, else the family's defaults), and bases."""
    from .sweep import setup

    spec = s.uncertainty
    if spec is None or not spec.params:
        extra = {} if spec is None else {"draws": spec.draws, "seed": spec.seed}
        spec = UncertaintySpec.model_validate({"params": DEFAULT_SPECS[s.model.family], **extra})
    st = setup(s)
    fac = st.factory()
    bases = {}
    for name, d in spec.params.items():
        try:
            base = fac.base_value(name)
        except ScenarioError:
            raise ScenarioError(f"scenario '{s.name}': key 'uncertainty.params.{name}': not a parameter of model "
                                f"family '{s.model.family}'") from None
        if base is None or isinstance(base, str):
            if d.relative:
                raise ScenarioError(f"scenario '{s.name}': key 'uncertainty.params.{name}': the parameter has no "
                                    "number to scale (relative = true); give absolute values")
            base = 0.0
        bases[name] = np.asarray(base, float)
    return dict(spec.params), int(draws or spec.draws), int(spec.seed if seed is None else seed), bases, st


def _summary(ds, fields, codes) -> dict[str, Any]:
    ok = ds.status.values == "success"
    out: dict[str, Any] = {}
    for c in codes:
        row = {}
        for f in fields:
            v = ds[f].sel(country=c).values[ok]
            v = v[np.isfinite(v)]
            if v.size == 0:
                row[f] = {"mean": None, "p05": None, "p50": None, "p95": None, "prob_gain": None}
                continue
            q = np.quantile(v, [0.05, 0.5, 0.95])
            row[f] = {"mean": float(v.mean()), "p05": float(q[0]), "p50": float(q[1]), "p95": float(q[2]),
                      "prob_gain": float((v > 0).mean())}
        out[c] = row
    return out


#: The most equilibria one uncertainty run may solve (draws plus Sobol samples): about ten minutes of
#: batched one-sector solves on two cores, and a table of draws that fits in memory.
MAX_SOLVES = 1_000_000


def _check_work(draws: int, sensitivity: int, n_params: int) -> None:
    """Refuse, before any work, a run larger than :data:`MAX_SOLVES` (with its size)."""
    sobol = sensitivity * (n_params + 2) if sensitivity else 0
    if draws + sobol > MAX_SOLVES:
        parts = f"{draws:,} draws" + (f" + {sobol:,} Sobol samples (N(D+2), D = {n_params})" if sobol else "")
        raise ScenarioError(f"uncertainty: {parts} are {draws + sobol:,} equilibria, above the {MAX_SOLVES:,} one "
                            "run may solve; use fewer draws or a smaller --sensitivity")


def uncertainty(
    scenario: Any,
    *,
    draws: int | None = None,
    seed: int | None = None,
    flip: bool = True,
    sensitivity: int = 0,
    scheduler: str = "none",
    chunk: int | None = None,
    out: Any = None,
    resume: bool = False,
    workers: int | None = None,
    options: Any = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> UncertaintyResult:
    """Monte Carlo of a scenario's parameters: bands, probability of a gain, flip points and Sobol indices.

    Returns an :class:`UncertaintyResult` whose ``doc`` is
    ``{"draws": N, "seed": S, "countries": {ISO3: {"welfare_pct": {"mean", "p05", "p50", "p95", "prob_gain"},
    ..., "<eps>_flip": value or None}}, "failed": [{"index", "status", ...}], "params": {...}}`` plus
    ``"sensitivity"`` when ``sensitivity`` (Sobol base samples, a power of two) is positive. Draws depend
    on ``seed`` only, never on the scheduler or the chunking. ``scheduler``: ``"none"`` (this process),
    ``"local"``, ``"tcp://HOST:PORT"`` or ``"auto"`` (this process for a run of a few chunks; see
    :func:`tradewar.batch.sweep.run_members`).

    Examples
    --------
    >>> r = uncertainty("liberation-day", draws=16, seed=1, flip=False)
    >>> r.doc["draws"], len(r.doc["failed"]), r.doc["countries"]["USA"]["welfare_pct"]["prob_gain"]
    (16, 0, 1.0)
    """
    from ..scenario import Scenario, load_scenario
    from .sweep import failures, run_members

    s = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    dists, n, sd, bases, st = resolve(s, draws, seed)
    _check_work(n, sensitivity, len(dists))
    P = sample(dists, bases, n, sd)

    def prog(stage):
        return None if progress is None else (lambda done, total: progress(stage, done, total))

    ds = run_members(s, params=P, dim="draw", chunk=chunk, scheduler=scheduler, out=out, resume=resume,
                     workers=workers, options=options, progress=prog("draws"))
    fields = [f for f in SUMMARY_FIELDS if f in ds.data_vars]
    codes = list(st.world.codes)
    doc: dict[str, Any] = {
        "scenario": s.name,
        "model": s.model.family,
        "draws": n,
        "seed": sd,
        "params": {k: d.model_dump() for k, d in dists.items()},
        "countries": _summary(ds, fields, codes),
        "failed": failures(ds),
    }
    if flip:
        name, roots = flip_points(st, dists, bases, P, options=options, progress=prog("flip"))
        doc["flip_param"] = name
        for c, v in zip(codes, roots, strict=True):
            doc["countries"][c][f"{name}_flip"] = v
    if sensitivity:
        doc["sensitivity"] = sobol_indices(s, dists, bases, sensitivity, sd, st=st, scheduler=scheduler,
                                           chunk=chunk, workers=workers, options=options, progress=prog("sobol"))
    return UncertaintyResult(doc=doc, draws=ds, params=P)


# --- the elasticity at which the welfare sign flips ----------------------------------------------------------
def flip_points(st, dists, bases, drawn, *, grid: int = 9, iters: int = 40, rtol: float = 1e-10, options=None,
                progress=None):
    """``(name, [value or None per country])``: where each country's welfare change changes sign in the trade elasticity.

    ``name`` is the family's trade-elasticity parameter (``eps``; ``theta_scale``/``sigma_scale``, a factor
    on the sector vector, for the sectoral families). The search covers the drawn range of the parameter
    (a factor 2.5 around its value when it is not drawn) and holds the other parameters at the scenario's
    values.
    """
    from .sweep import TRADE_ELASTICITY, solve_batch

    p = TRADE_ELASTICITY[st.family]
    base = np.asarray(st.factory().base_value(p), float)
    vector = base.ndim > 0
    if p in drawn:
        v = np.asarray(drawn[p], float)
        v = v / base[None, :] if vector else v
        v = v.reshape(v.shape[0], -1)[:, 0] if vector else v
        lo, hi = float(np.min(v)), float(np.max(v))
    else:
        mid = 1.0 if vector else float(base)
        lo, hi = mid / 2.5, mid * 2.5
    if not hi > lo:
        return (f"{p}_scale" if vector else p), [None] * st.world.n
    width = 16

    def welfare(values):
        values = np.asarray(values, float)
        vals = base[None, :] * values[:, None] if vector else values
        ds = solve_batch(st, params={p: vals}, chunk=width, shrink=False, options=options)
        return ds.welfare_pct.values  # (k, N)

    xs = np.geomspace(lo, hi, grid) if lo > 0 else np.linspace(lo, hi, grid)
    W = np.concatenate([welfare(xs[i:i + width]) for i in range(0, grid, width)])
    n = W.shape[1]
    sgn = np.sign(W)
    for_k = (sgn[:-1] * sgn[1:] < 0) & np.isfinite(W[:-1]) & np.isfinite(W[1:])
    has = for_k.any(axis=0)
    k = np.argmax(for_k, axis=0)
    cols = np.flatnonzero(has)
    # the Illinois variant of regula falsi on every bracket at once (one batch per iteration): the secant
    # point of the bracket, and the retained end's value halved when the same end moves twice in a row
    a, b = xs[k[cols]], xs[k[cols] + 1]
    fa, fb = W[k[cols], cols], W[k[cols] + 1, cols]
    side = np.zeros(cols.size)
    root = 0.5 * (a + b)
    live = np.ones(cols.size, bool)
    unsolved = np.zeros(cols.size, bool)  # a bracket whose secant point has no valid solve
    for it in range(iters if cols.size else 0):
        with np.errstate(divide="ignore", invalid="ignore"):  # finished brackets are not evaluated
            c = np.where(live, (a * fb - b * fa) / (fb - fa), root)
        idx = np.flatnonzero(live)
        Wc = np.concatenate([welfare(c[idx][i:i + width]) for i in range(0, idx.size, width)])
        fc = np.full(cols.size, np.nan)
        fc[idx] = Wc[np.arange(idx.size), cols[idx]]
        root[idx] = c[idx]
        move_a = live & (np.sign(fc) == np.sign(fa))
        move_b = live & ~move_a
        fb = np.where(move_a & (side == -1), 0.5 * fb, fb)
        fa = np.where(move_b & (side == 1), 0.5 * fa, fa)
        a, fa = np.where(move_a, c, a), np.where(move_a, fc, fa)
        b, fb = np.where(move_b, c, b), np.where(move_b, fc, fb)
        side = np.where(move_a, -1, np.where(move_b, 1, side))
        unsolved |= live & ~np.isfinite(fc)
        live &= (np.abs(b - a) > rtol * np.abs(c)) & (fc != 0) & np.isfinite(fc)
        if progress is not None:
            progress(it + 1, iters)
        if not live.any():
            break
    roots: list[float | None] = [None] * n
    for j, col in enumerate(cols):
        if not unsolved[j]:
            roots[col] = float(root[j])
    return (f"{p}_scale" if vector else p), roots


# --- Sobol sensitivity ------------------------------------------------------------------------------------------
def sobol_indices(s, dists, bases, n_base: int, seed: int, *, st=None, scheduler="none", chunk=None, workers=None,
                  options=None, progress=None) -> dict[str, Any]:
    """First-order (``S1``) and total (``ST``) Sobol indices of every parameter for each country's welfare.

    Saltelli's sampling and estimator (SALib ``sample.sobol`` / ``analyze.sobol``, no second-order terms)
    on the unit hypercube, mapped through each distribution's inverse CDF; a parameter drawn per sector is
    one group. Returns ``{"n_base": N, "solves": N (D + 2), "params": [...], "countries": {ISO3: {param:
    {"S1", "ST", "ST_conf"}}}}``.
    """
    try:
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import sobol as sobol_sample
    except ImportError:  # pragma: no cover - SALib is in the uncertainty and test extras
        raise ScenarioError("sensitivity needs SALib: pip install 'tradewar[uncertainty]'") from None
    from .sweep import run_members

    names = sorted(dists)
    wd = widths(dists, bases)
    cols = [(nm, j) for nm in names for j in range(wd[nm])]
    groups = [nm for nm, _ in cols]
    problem: dict[str, Any] = {"num_vars": len(cols), "names": [f"{nm}[{j}]" for nm, j in cols],
                               "bounds": [[0.0, 1.0]] * len(cols)}
    if len(set(groups)) != len(groups):
        problem["groups"] = groups
    U = sobol_sample.sample(problem, int(n_base), calc_second_order=False, seed=seed)
    Umap, c = {}, 0
    for nm in names:
        Umap[nm] = U[:, c:c + wd[nm]]
        c += wd[nm]
    P = from_uniform(dists, bases, Umap)
    ds = run_members(s, params=P, dim="draw", chunk=chunk, scheduler=scheduler, workers=workers, options=options,
                     progress=progress)
    failed = int((ds.status.values != "success").sum())
    doc: dict[str, Any] = {"n_base": int(n_base), "solves": int(U.shape[0]), "params": names, "output": "welfare_pct",
                           "failed": failed, "countries": {}}
    if failed:
        doc["note"] = f"{failed} of {U.shape[0]} solves failed: no indices (Saltelli's estimator needs every solve)"
        return doc
    for code in ds.country.values:
        Y = ds.welfare_pct.sel(country=code).values
        if np.ptp(Y) == 0:
            doc["countries"][str(code)] = {nm: {"S1": 0.0, "ST": 0.0, "ST_conf": 0.0} for nm in names}
            continue
        Si = sobol_analyze.analyze(problem, Y, calc_second_order=False, seed=seed)
        labels = problem.get("groups") and list(dict.fromkeys(groups)) or names
        doc["countries"][str(code)] = {
            nm: {"S1": float(Si["S1"][i]), "ST": float(Si["ST"][i]), "ST_conf": float(Si["ST_conf"][i])}
            for i, nm in enumerate(labels)
        }
    return doc


def tornado_figure(sensitivity: dict[str, Any], country: str):
    """A Plotly tornado chart: each parameter's total (and first-order) Sobol index for ``country``'s welfare."""
    import plotly.graph_objects as go

    rows = sensitivity["countries"].get(country)
    if rows is None:
        raise ScenarioError(f"sensitivity: no indices for country '{country}'")
    items = sorted(rows.items(), key=lambda kv: kv[1]["ST"])
    names = [k for k, _ in items]
    fig = go.Figure()
    fig.add_bar(y=names, x=[v["ST"] for _, v in items], orientation="h", name="total (ST)",
                error_x={"type": "data", "array": [v["ST_conf"] for _, v in items]})
    fig.add_bar(y=names, x=[v["S1"] for _, v in items], orientation="h", name="first order (S1)")
    fig.update_layout(barmode="overlay", title=f"What drives {country}'s welfare change (Sobol indices)",
                      xaxis_title="share of the variance", template="plotly_white", height=120 + 60 * len(names))
    return fig


def report_bands(scenarios, country: str, draws: int, *, seed: int = 0, sensitivity: int = 32,
                 progress: Callable[[str], None] | None = None):
    """The report's uncertainty table and tornado: for each step, ``country``'s welfare and real wage bands.

    Returns ``(table, sensitivity_doc)``: a DataFrame indexed by scenario with ``welfare_p05``,
    ``welfare_p50``, ``welfare_p95``, ``prob_gain``, ``real_wage_p05``, ``real_wage_p95`` (90% bands of
    ``draws`` draws of each scenario's parameter distributions), and the Sobol indices of the last step
    (``sensitivity`` base samples; None when 0).
    """
    import pandas as pd

    from ._solve import pow2_at_least

    rows, sens = [], None
    width = min(pow2_at_least(draws), 1024)  # one chunk width for the draws and the Sobol points
    for k, s in enumerate(scenarios):
        if progress is not None:
            progress(f"uncertainty: {s.name}")
        last = k == len(scenarios) - 1
        r = uncertainty(s, draws=draws, seed=seed, flip=False, sensitivity=sensitivity if last else 0,
                        chunk=width)
        c = r.doc["countries"][country]
        w, rw = c["welfare_pct"], c.get("real_wage_pct", {})
        rows.append({"scenario": s.name, "welfare_p05": w["p05"], "welfare_p50": w["p50"], "welfare_p95": w["p95"],
                     "prob_gain": w["prob_gain"], "real_wage_p05": rw.get("p05"), "real_wage_p95": rw.get("p95"),
                     "failed_draws": len(r.doc["failed"])})
        if last:
            sens = r.doc.get("sensitivity")
    return pd.DataFrame(rows).set_index("scenario"), sens


# --- strategic answers under uncertainty ------------------------------------------------------------------------
def _band(v: np.ndarray) -> dict[str, float | None]:
    v = np.asarray(v, float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"mean": None, "p05": None, "p50": None, "p95": None}
    q = np.quantile(v, [0.05, 0.5, 0.95])
    return {"mean": float(v.mean()), "p05": float(q[0]), "p50": float(q[1]), "p95": float(q[2])}


def _drawn_models(s, draws: int | None, seed: int | None):
    """``(n, seed, params, setup, model_of(i))``: the scenario's parameter draws and each draw's calibrated model."""
    import jax
    import jax.numpy as jnp

    dists, n, sd, bases, st = resolve(s, draws, seed)
    P = sample(dists, bases, n, sd)
    fac = st.factory()

    def model_of(i: int):
        return jax.tree_util.tree_map(jnp.asarray, fac({k: v[i] for k, v in P.items()}))

    return n, sd, P, st, model_of


def optimal_bands(s, country: int, *, draws: int | None = None, seed: int | None = None, instrument: str = "uniform",
                  base_t: Any = None, lower: float = -1.0, progress: Callable[[int, int], None] | None = None):
    """The band of ``country``'s optimal tariffs over parameter draws: one optimisation per draw.

    Returns ``{"draws", "seed", "instrument", "labels", "tariff": {label: {"mean", "p05", "p50", "p95"}},
    "failed": [draw indices whose optimum was not found]}`` (tariffs as fractions).
    """
    from ..strategy._optimal import optimal_tariff

    n, sd, _P, st, model_of = _drawn_models(s, draws, seed)
    t = st.t if base_t is None else np.asarray(base_t, float)
    vals, failed, labels = [], [], None
    for i in range(n):
        r = optimal_tariff(model_of(i), country, instrument, base_t=t, lower=lower)
        labels = labels or [lab.split("<-", 1)[-1] for lab in r.labels]
        vals.append(np.asarray(r.values, float) if r.converged else np.full(len(r.values), np.nan))
        if not r.converged:
            failed.append(i)
        if progress is not None:
            progress(i + 1, n)
    V = np.stack(vals)
    return {"draws": n, "seed": sd, "instrument": instrument, "labels": labels,
            "tariff": {lab: _band(V[:, k]) for k, lab in enumerate(labels)}, "failed": failed}


def bloc_bands(bloc, world, s, base_t, *, draws: int | None = None, seed: int | None = None,
               progress: Callable[[int, int], None] | None = None):
    """The probability, over parameter draws, that each candidate gains by joining the bloc rather than staying out.

    For every draw the whole bloc game is played (every coalition, batched); a candidate's comparison is
    joining vs staying out with the others as in that draw's first stable coalition (the grand coalition
    when none is stable). Returns ``{"draws", "seed", "candidates": {ISO3: {"prob_join_beats_out",
    "join_minus_out_pp": band}}, "prob_stable": {coalition: share of draws}, "failed": [...]}``.
    """
    from .._exceptions import ConvergenceError
    from ..strategy._blocs import bloc_game

    n, sd, _P, _st, model_of = _drawn_models(s, draws, seed)
    K = len(bloc.candidates)
    diff = np.full((n, K), np.nan)
    stable_count: dict[str, int] = {}
    failed = []
    for i in range(n):
        try:
            game = bloc_game(model_of(i), world, bloc, base_t)
        except ConvergenceError:
            failed.append(i)
            continue
        stable = list(game.stable)
        outcome = stable[0] if stable else game.members.shape[0] - 1
        for m in stable:
            key = "+".join(game.names(m)) or "(none)"
            stable_count[key] = stable_count.get(key, 0) + 1
        for k, code in enumerate(bloc.candidates):
            w_in, w_out = game.in_vs_out(code, [c for c in game.names(outcome) if c != code])
            diff[i, k] = w_in - w_out
        if progress is not None:
            progress(i + 1, n)
    ok = n - len(failed)
    return {
        "draws": n, "seed": sd,
        "candidates": {code: {"prob_join_beats_out": float((diff[:, k] > 0).sum() / ok) if ok else None,
                              "join_minus_out_pp": _band(diff[:, k])} for k, code in enumerate(bloc.candidates)},
        "prob_stable": {k: v / ok for k, v in sorted(stable_count.items())} if ok else {},
        "failed": failed,
    }
