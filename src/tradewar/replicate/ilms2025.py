r"""Replication of Ignatenko, Macedoni, Lashkaripour & Simonovska (2025) on the 194-country data.

"Making America Great Again? The Economic Impacts of Liberation Day Tariffs", Journal of
International Economics. ``run(data_dir)`` reads the 194-country BACI layout (see
:func:`tradewar.data.read_baci_folder`), builds the paper's baseline (:func:`~tradewar.models.ilms.complete_world`
with the two-region profit-share calibration) and solves the cases of the paper:

===============================  ==========================================================================
case                             policy and model
===============================  ==========================================================================
``ustr``                         US tariffs ``t[j,USA] = max(0.10, t_USTR_j)``, revenue cuts income taxes
``ustr_lump_sum``                the same, revenue rebated lump sum
``ustr_partial_passthrough``     the same with ``phi_i - 0.75`` (see below)
``optimal``                      a uniform US tariff ``1/((1 + delta_US eps) phi_US - 1)``
``ustr_reciprocal``              US tariffs; every partner levies the same rate on US goods
``ustr_optimal_retaliation``     US tariffs; every partner levies ``1/((1 + d eps) phi_rest - 1)`` on US goods
``optimal_optimal_retaliation``  both optimal tariffs
``ustr_eps8``                    US tariffs with ``eps = 8`` in the equilibrium (``psi``, ``phi`` at ``eps = 4``)
``ustr_ek``                      US tariffs with ``nu = 0``, ``phi = 1`` (``kappa = 0.5`` and ``psi`` as in ``ustr``)
``io_ustr``                      US tariffs in the input-output model (``beta = 0.49``, roundabout production)
``io_optimal``                   the input-output model's optimal uniform US tariff, found numerically
``io_ustr_reciprocal``           ``io_ustr``; every partner levies the same rate on US goods
``io_ustr_optimal_retaliation``  ``io_ustr``; every partner's tariff on US goods in [0, 0.5], chosen jointly
                                 to maximise the non-US countries' average welfare weighted by income ``Y``
===============================  ==========================================================================

All other tariffs are zero (the USA's own sales included). Choices where the text leaves room:

* ``phi`` "lowered by 0.75" is read as ``phi_i - 0.75`` for every country (``ILMSParams.phi_shift``).
* ``delta_i = sum_{k!=i} X[i,k](1-nu_k)(1-lambda[i,k]) / ((1-nu_i)(D_i - X[i,i]))`` on the completed matrix
  (domestic sales on the diagonal), ``lambda[i,k] = X[i,k]/E_k``; ``D = E`` for ``optimal`` and ``D = Y``
  for the US in ``optimal_optimal_retaliation``. Only the denominator changes with ``Y``; the shares
  ``lambda`` stay shares of expenditure.
* The rest's ``d`` is the same formula for region "rest" of the two-region aggregate (all countries
  but the USA; the USA) of the completed matrix, with ``Y`` of the aggregate in the denominator; ``phi_rest``
  is the common ``phi`` of the non-US countries (they share ``nu_rest``).
* ``ustr_ek``: the diagonal is built once with the calibrated ``nu`` (:func:`complete_world`); the
  model then takes that matrix as data with ``nu = 0`` and ``phi = 1``: ``E_i = sum_k X[k,i]``,
  ``Y_i = sum_k X[i,k]``, ``T_i = E_i - Y_i``. Labour supply stays elastic (``kappa = 0.5``), the scale
  elasticity is ``psi = 0.67/eps`` and revenue cuts income taxes, as in ``ustr``: this is not the textbook
  Armington model (``armington`` family, ``kappa = psi = nu = 0``, ``phi = 1``).
* Input-output cases (``io_*``): the ``ustr`` parameters with ``beta = 0.49`` on :func:`input_output` of
  the completed matrix; their non-US average is weighted by GDP (``gdp.csv``), not by expenditure.
  ``io_optimal`` maximises US welfare over one uniform US tariff (every other tariff zero) with
  :func:`tradewar.strategy.optimal_tariff`. ``io_ustr_optimal_retaliation`` maximises
  ``sum_j Y_j W^_j / sum_j Y_j`` over the non-US countries ``j`` (193 tariffs on US goods, each in
  [0, 0.5]) with gradients and Hessians by implicit differentiation through the solve
  (:func:`retaliation_optimum`, the strategy layer's projected Newton method with the exact Hessian); it
  reports the median and range of the tariffs.

Outputs per case: ``converged``, ``max_residual``, ``solve_seconds`` (the fastest of three warm solves, i.e.
after the case's equations are compiled), the non-US average weighted by baseline expenditure ``E_i`` (``nonUS``;
by GDP in the input-output cases, ``nonUS_weights`` says which) and every country's fields (``countries``);
optimal-tariff cases add ``us_tariff`` and, with retaliation, ``retaliation_tariff`` (fractions); the numerical
optima add ``optimisation_seconds`` (warm: after a first run compiled the equations) and, for the joint
retaliation, ``retaliation_tariff_median``, ``retaliation_tariff_min`` and ``retaliation_tariff_max``.

More cases (for example a numerical optimum over a uniform US tariff) are added by registering a
builder in :data:`CASES`: a function ``(Baseline) -> Case``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..results import CORE_FIELDS

__all__ = [
    "FIELDS",
    "CASES",
    "Baseline",
    "Case",
    "baseline",
    "run",
    "render",
    "ustr_tariffs",
    "optimal_tariff",
    "retaliation_optimum",
]

#: Per-country output fields, in the order the tables show them (the core fields of every Result).
FIELDS = CORE_FIELDS
US = "USA"
US_SCHEDULE = "us_2025_04_02"
US_FLOOR = 0.10
TIMING_REPEATS = 3
#: labour's cost share of the paper's input-output model
IO_BETA = 0.49
#: the bounds of each retaliation tariff in ``io_ustr_optimal_retaliation``
RETALIATION_BOUNDS = (0.0, 0.5)


@dataclass(frozen=True)
class Baseline:
    """What every case builder starts from: the world, its completed baseline and the US schedule."""

    world: Any  # tradewar.data.World
    completed: Any  # tradewar.models.ilms.Completed (calibrated nu, diagonal built)
    us: int
    ustr: np.ndarray  # (N,) the US tariff on each partner, max(0.10, t_USTR), 0 for the USA

    def model(self, **params):
        """The ILMS model of this baseline with ``ILMSParams(**params)``."""
        from ..models.ilms import ILMSParams, calibrate

        return calibrate(self.world, ILMSParams(**params), completed=self.completed)


@dataclass(frozen=True)
class Case:
    """A case to solve: a calibrated model, the new tariffs ``t[exporter, importer]`` and extra entries."""

    model: Any
    t: np.ndarray
    extra: dict[str, float] = field(default_factory=dict)
    #: weights of the non-US average: ``"E"`` baseline expenditure, ``"gdp"`` the data's GDP
    weights: str = "E"


def ustr_tariffs(base: Baseline) -> np.ndarray:
    """``t[j, USA] = max(0.10, t_USTR_j)`` for every partner ``j``; every other tariff 0."""
    n = base.world.n
    t = np.zeros((n, n))
    t[:, base.us] = base.ustr
    t[base.us, base.us] = 0.0
    return t


def optimal_tariff(delta: float, eps: float, phi: float) -> float:
    """The ILMS (2025) optimal uniform tariff ``1/((1 + delta eps) phi - 1)``."""
    return float(1.0 / ((1.0 + delta * eps) * phi - 1.0))


def _two_region(c, us: int):
    """Two-region aggregate (0 = every country but the USA, 1 = the USA) of a completed baseline."""
    n = c.X.shape[0]
    m = np.zeros((n, 2))
    m[:, 0] = 1.0
    m[us] = (0.0, 1.0)
    rest = next(k for k in range(n) if k != us)
    nu2 = np.array([c.nu[rest], c.nu[us]])
    return m.T @ c.X @ m, m.T @ c.E, m.T @ c.Y, nu2


def _retaliation(base: Baseline, model) -> float:
    """Every non-US country's optimal tariff on US goods: ``d`` of the rest in the two-region aggregate, with Y."""
    from ..models.ilms import delta_optimal

    X2, E2, Y2, nu2 = _two_region(base.completed, base.us)
    d = delta_optimal(X2, E2, nu2, 0, denom=Y2)
    phi = np.asarray(model.phi)
    rest = np.arange(base.world.n) != base.us
    phi_rest = float(phi[rest][0])
    if not np.allclose(phi[rest], phi_rest, rtol=0, atol=1e-14):  # pragma: no cover - nu_rest is common
        raise ValueError("ilms2025: the non-US countries do not share one phi")
    return optimal_tariff(d, model.eps, phi_rest)


def _us_optimal(base: Baseline, model, denom: str) -> float:
    from ..models.ilms import delta_optimal

    c = base.completed
    d = delta_optimal(c.X, c.E, c.nu, base.us, denom=c.Y if denom == "Y" else None)
    return optimal_tariff(d, model.eps, float(np.asarray(model.phi)[base.us]))


def _uniform_us(base: Baseline, rate: float) -> np.ndarray:
    n = base.world.n
    t = np.zeros((n, n))
    t[:, base.us] = rate
    t[base.us, base.us] = 0.0
    return t


def _retaliate(base: Baseline, t: np.ndarray, rates: np.ndarray | float) -> np.ndarray:
    t = t.copy()
    t[base.us, :] = rates
    t[base.us, base.us] = 0.0
    return t


# --- case builders -------------------------------------------------------------------------------
def _ustr(base: Baseline) -> Case:
    return Case(base.model(), ustr_tariffs(base))


def _ustr_lump_sum(base: Baseline) -> Case:
    return Case(base.model(revenue_use="lump_sum"), ustr_tariffs(base))


def _ustr_partial_passthrough(base: Baseline) -> Case:
    return Case(base.model(phi_shift=0.75), ustr_tariffs(base))


def _optimal(base: Baseline) -> Case:
    m = base.model()
    tau = _us_optimal(base, m, "E")
    return Case(m, _uniform_us(base, tau), {"us_tariff": tau})


def _ustr_reciprocal(base: Baseline) -> Case:
    t = ustr_tariffs(base)
    return Case(base.model(), _retaliate(base, t, t[:, base.us]))


def _ustr_optimal_retaliation(base: Baseline) -> Case:
    m = base.model()
    r = _retaliation(base, m)
    return Case(m, _retaliate(base, ustr_tariffs(base), r), {"retaliation_tariff": r})


def _optimal_optimal_retaliation(base: Baseline) -> Case:
    m = base.model()
    tau = _us_optimal(base, m, "Y")
    r = _retaliation(base, m)
    return Case(m, _retaliate(base, _uniform_us(base, tau), r), {"us_tariff": tau, "retaliation_tariff": r})


def _ustr_eps8(base: Baseline) -> Case:
    return Case(base.model(eps=8.0, eps_calib=4.0), ustr_tariffs(base))


def _ustr_ek(base: Baseline) -> Case:
    from ..models.ilms import Completed, ILMSParams, calibrate

    c = base.completed
    X = c.X  # the diagonal built with the calibrated nu
    nu0 = np.zeros(base.world.n)
    E, Y = X.sum(0), X.sum(1)
    zero = Completed(X=X, t0=c.t0, E=E, Y=Y, T=E - Y, R0=np.zeros(base.world.n), nu=nu0)
    m = calibrate(base.world, ILMSParams(nu=0.0, phi=1.0), completed=zero)
    return Case(m, ustr_tariffs(base))


# --- the input-output model (beta = 0.49) -----------------------------------------------------------
def _io_model(base: Baseline):
    return base.model(beta=IO_BETA)


def _io_ustr(base: Baseline) -> Case:
    return Case(_io_model(base), ustr_tariffs(base), weights="gdp")


def _io_optimal(base: Baseline) -> Case:
    import time

    from ..strategy._optimal import optimal_tariff as numeric_optimum

    m = _io_model(base)
    n = base.world.n
    numeric_optimum(m, base.us, "uniform", base_t=np.zeros((n, n)))  # compiles the equations
    start = time.perf_counter()
    r = numeric_optimum(m, base.us, "uniform", base_t=np.zeros((n, n)))
    seconds = time.perf_counter() - start
    if not r.converged:
        from .._exceptions import ConvergenceError

        raise ConvergenceError(f"ilms2025 case 'io_optimal': the optimum did not converge ({r.status})")
    tau = float(r.values[0])
    extra = {"us_tariff": tau, "gradient_norm": r.grad_norm, "optimisation_seconds": seconds}
    return Case(m, _uniform_us(base, tau), extra, weights="gdp")


def _io_ustr_reciprocal(base: Baseline) -> Case:
    t = ustr_tariffs(base)
    return Case(_io_model(base), _retaliate(base, t, t[:, base.us]), weights="gdp")


def retaliation_optimum(
    model, us: int, t_us: np.ndarray, bounds=RETALIATION_BOUNDS, tol: float = 1e-9, max_steps: int = 100
):
    """Every non-US country's tariff on US goods, chosen jointly to maximise ``sum_j Y_j W^_j / sum_j Y_j``.

    ``t_us`` (N, N) holds the US tariffs (every other tariff zero); the instruments are ``t[us, j]``
    for ``j != us``, each in ``bounds``; ``Y`` is the model's income and ``W^`` its welfare. The strategy
    layer's projected Newton method (exact Hessian by implicit differentiation through the solve) runs
    on the model with welfare ``exp(W^ - 1)``, whose weighted sum of logs is the weighted average of
    ``W^`` less one. Returns ``(tariffs (N-1,), max-norm of the projected gradient in the tariffs, status,
    evaluations)``.
    """
    from ..strategy._objective import Instrument
    from ..strategy._optimal import _Evaluator, _projected_newton

    n = t_us.shape[0]
    others = np.flatnonzero(np.arange(n) != us)
    inst = Instrument(
        kind="partner",
        shape=(n, n),
        countries=tuple(int(j) for j in others),
        cells=(us * n + others).astype(np.int64),
        groups=np.arange(others.size, dtype=np.int64),
        owner=others.astype(np.int64),
        labels=tuple(f"{j}<-{us}" for j in others),
    )
    Y = np.asarray(model.Y)
    weights = np.zeros(n)
    weights[others] = Y[others] / Y[others].sum()
    linear = _linear_welfare()(model)
    ev = _Evaluator(linear, inst, t_us, weights, model.initial_guess(), 1e-11, 60)
    lo, hi = bounds
    u0 = np.full(others.size, np.log1p(0.5 * (lo + hi)))
    u, g, _, status, _ = _projected_newton(ev, u0, np.log1p(lo), lo, None, tol, max_steps, ub=np.log1p(hi))
    x = np.clip(np.expm1(u), lo, hi)
    gt = g / (1.0 + x)  # gradient of the weighted average of W^ in the tariffs
    pg = np.where(((x <= lo) & (gt < 0)) | ((x >= hi) & (gt > 0)), 0.0, gt)
    return x, float(np.max(np.abs(pg))), status, ev.count


@functools.cache
def _linear_welfare():
    """A model wrapper with welfare ``exp(W^ - 1)`` (same equations and unknowns), built on first use."""
    import equinox as eqx
    import jax.numpy as jnp

    class LinearWelfare(eqx.Module):
        model: Any
        preferred_method: str = eqx.field(static=True, default="newton")

        def initial_guess(self):
            return self.model.initial_guess()

        def residual(self, y, shock):
            return self.model.residual(y, shock)

        def welfare(self, y, shock):
            return jnp.exp(self.model.welfare(y, shock) - 1.0)

    return LinearWelfare


def _io_ustr_optimal_retaliation(base: Baseline) -> Case:
    import time

    m = _io_model(base)
    t = ustr_tariffs(base)
    retaliation_optimum(m, base.us, t, max_steps=1)  # compiles the equations
    start = time.perf_counter()
    r, gnorm, status, evals = retaliation_optimum(m, base.us, t)
    seconds = time.perf_counter() - start
    if status != "converged":
        from .._exceptions import ConvergenceError

        raise ConvergenceError(
            f"ilms2025 case 'io_ustr_optimal_retaliation': the optimum did not converge ({status}, "
            f"projected gradient {gnorm:.2g})"
        )
    extra = {
        "retaliation_tariff_median": float(np.median(r)),
        "retaliation_tariff_min": float(r.min()),
        "retaliation_tariff_max": float(r.max()),
        "gradient_norm": gnorm,
        "evaluations": float(evals),
        "optimisation_seconds": seconds,
    }
    full = np.zeros(base.world.n)
    full[np.arange(base.world.n) != base.us] = r
    return Case(m, _retaliate(base, t, full), extra, weights="gdp")


#: The cases, in the order they are run and shown: name -> builder ``(Baseline) -> Case``.
#: Register more here (e.g. ``CASES["optimal_numeric"] = builder``); ``run`` picks them up.
CASES: dict[str, Callable[[Baseline], Case]] = {
    "ustr": _ustr,
    "ustr_lump_sum": _ustr_lump_sum,
    "ustr_partial_passthrough": _ustr_partial_passthrough,
    "optimal": _optimal,
    "ustr_reciprocal": _ustr_reciprocal,
    "ustr_optimal_retaliation": _ustr_optimal_retaliation,
    "optimal_optimal_retaliation": _optimal_optimal_retaliation,
    "ustr_eps8": _ustr_eps8,
    "ustr_ek": _ustr_ek,
    "io_ustr": _io_ustr,
    "io_optimal": _io_optimal,
    "io_ustr_reciprocal": _io_ustr_reciprocal,
    "io_ustr_optimal_retaliation": _io_ustr_optimal_retaliation,
}


# --- the numerically optimal tariff (strategy layer) ---------------------------------------------------
def _optimal_numeric(base: Baseline) -> Case:
    """The numerically optimal uniform US tariff, no retaliation (:func:`tradewar.strategy.optimal_tariff`).

    Every other tariff is zero, as in ``optimal``; ``closed_form_us_tariff`` is the rate of ``optimal``.
    """
    from ..strategy._optimal import optimal_tariff as numeric_optimum

    m = base.model()
    n = base.world.n
    r = numeric_optimum(m, base.us, "uniform", base_t=np.zeros((n, n)))
    tau = float(r.values[0])
    return Case(
        m,
        _uniform_us(base, tau),
        {"us_tariff": tau, "closed_form_us_tariff": _us_optimal(base, m, "E"), "gradient_norm": r.grad_norm},
    )


CASES["optimal_numeric"] = _optimal_numeric


# --- running ---------------------------------------------------------------------------------------
def baseline(data_dir: str | os.PathLike | Any) -> Baseline:
    """The paper's baseline from a 194-country folder (or an already loaded :class:`~tradewar.data.World`)."""
    from .._exceptions import DataError
    from ..data import World, load_world
    from ..models.ilms import complete_world

    world = data_dir if isinstance(data_dir, World) else load_world(data_dir)
    if US not in world.codes:
        raise DataError(f"{data_dir}: the ilms2025 replication needs the USA in the data")
    if US_SCHEDULE not in world.schedules:
        raise DataError(f"{data_dir}: no US tariff schedule (tariffs.csv, column 'applied_tariff') in the data")
    us = world.index(US)
    ustr = np.maximum(US_FLOOR, np.asarray(world.schedules[US_SCHEDULE], dtype=float))
    ustr[us] = 0.0
    return Baseline(world=world, completed=complete_world(world, "calibrate"), us=us, ustr=ustr)


def _solve(name: str, case: Case, base: Baseline) -> dict[str, Any]:
    import jax.numpy as jnp

    from ..solve import Shock, solve_model

    shock = Shock(t=jnp.asarray(case.t))
    what = f"ilms2025 case '{name}'"
    codes = tuple(base.world.codes)  # the ILMS model has none: warnings would name countries by number
    solve_model(case.model, shock, what=what, codes=codes)  # compiles the case's equations
    # timed warm solves: the fastest of a few (the machine may be busy); the same equilibrium again, so its
    # plausibility was already reported by the first solve
    eq = min((solve_model(case.model, shock, what=what, codes=codes, plausible=False) for _ in range(TIMING_REPEATS)),
             key=lambda e: e.seconds)
    out = eq.outcomes
    E = np.asarray(case.model.E) if case.weights == "E" else np.asarray(base.world.gdp, dtype=float)
    rest = np.arange(base.world.n) != base.us
    weights = E[rest] / E[rest].sum()
    doc: dict[str, Any] = {
        "converged": bool(eq.converged),
        "max_residual": float(eq.max_residual),
        "solve_seconds": float(eq.seconds),
        "nonUS_weights": "expenditure" if case.weights == "E" else "gdp",
    }
    doc.update({k: float(v) for k, v in case.extra.items()})
    doc["nonUS"] = {f: float(np.asarray(out[f])[rest] @ weights) for f in FIELDS}
    doc["countries"] = {
        code: {f: float(np.asarray(out[f])[k]) for f in FIELDS} for k, code in enumerate(base.world.codes)
    }
    return doc


def run(
    data_dir: str | os.PathLike,
    progress: Callable[[str], None] | None = None,
    cases: Iterable[str] | None = None,
) -> dict[str, Any]:
    """Solve the replication cases on the 194-country data in ``data_dir``.

    Returns ``{"cases": {CASE: {"converged", "max_residual", "solve_seconds", ["us_tariff",
    "retaliation_tariff",] "nonUS": {FIELD: value}, "countries": {ISO3: {FIELD: value}}}}}``.
    ``cases`` selects a subset of :data:`CASES` (default: all, in order). A case that does not
    converge raises :class:`~tradewar.ConvergenceError`.
    """
    from .._exceptions import ScenarioError

    names = list(CASES) if cases is None else list(cases)
    unknown = [c for c in names if c not in CASES]
    if unknown:
        raise ScenarioError(f"ilms2025: unknown case '{unknown[0]}' (choose from {', '.join(CASES)})")
    say = progress or (lambda msg: None)
    say("ilms2025: reading the data and calibrating the baseline")
    base = baseline(data_dir)
    doc: dict[str, Any] = {"cases": {}}
    for k, name in enumerate(names, 1):
        say(f"ilms2025: case {name} ({k}/{len(names)})")
        doc["cases"][name] = _solve(name, CASES[name](base), base)
    return doc


_SHORT = {
    "welfare_pct": "welfare %",
    "real_wage_pct": "real wage %",
    "employment_pct": "employment %",
    "price_index_pct": "price index %",
    "exports_gdp_change_pct": "exports/GDP %",
    "imports_gdp_change_pct": "imports/GDP %",
    "balance_gdp_change_pp": "balance/GDP pp",
    "deficit_change_pct": "deficit %",
    "tariff_revenue_share": "tariff rev. % of E",
}


def render(doc: dict[str, Any]) -> list:
    """One Rich table: per case, the USA and the non-US average (weighted by baseline expenditure)."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(
        title="ILMS (2025) replication: the USA and the non-US average (weighted by baseline expenditure; "
        "by GDP in the input-output cases io_*)",
        title_justify="left",
        header_style="bold",
        caption="percent changes; balance/GDP pp = change in exports minus imports over GDP (percentage points); "
        "tariff rev. % of E = tariff revenue in percent of baseline expenditure; "
        "tariffs in brackets: uniform US tariff / retaliation tariff (median and range when chosen per country)",
        caption_justify="left",
    )
    table.add_column("case", style="bold")
    table.add_column("who")
    for f in FIELDS:
        table.add_column(_SHORT[f], justify="right")
    for name, case in doc["cases"].items():
        label = name
        rates = [f"{case[k] * 100:.1f}%" for k in ("us_tariff", "retaliation_tariff") if k in case]
        if "retaliation_tariff_median" in case:
            rates.append(
                f"median {case['retaliation_tariff_median'] * 100:.1f}%, "
                f"{case['retaliation_tariff_min'] * 100:.1f}-{case['retaliation_tariff_max'] * 100:.1f}%"
            )
        if rates:
            label += f" [{' / '.join(rates)}]"
        if not case.get("converged", False):
            label += " (not converged)"
        us = case["countries"].get(US, {})
        table.add_row(escape(label), US, *(_fmt(f, us.get(f)) for f in FIELDS))
        table.add_row("", "non-US", *(_fmt(f, case["nonUS"].get(f)) for f in FIELDS), end_section=True)
    return [table]


def _fmt(f: str, v: float | None) -> str:
    if v is None:
        return "-"
    return f"{100.0 * v:.2f}" if f == "tariff_revenue_share" else f"{v:.2f}"  # a share in the document
