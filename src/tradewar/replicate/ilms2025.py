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
``ustr_ek``                      US tariffs in the textbook model (``nu = 0``, ``phi = 1``, ``kappa = psi = 0``)
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
  textbook model then takes that matrix as data with ``nu = 0``: ``E_i = sum_k X[k,i]``,
  ``Y_i = sum_k X[i,k]``, ``T_i = E_i - Y_i``. With ``kappa = 0`` the revenue use does not matter.

Outputs per case: ``converged``, ``max_residual``, ``solve_seconds`` (the fastest of three warm solves, i.e.
after the case's equations are compiled), the non-US average weighted by baseline expenditure ``E_i`` (``nonUS``) and
every country's fields (``countries``); optimal-tariff cases add ``us_tariff`` and, with retaliation,
``retaliation_tariff`` (fractions).

More cases (for example a numerical optimum over a uniform US tariff) are added by registering a
builder in :data:`CASES`: a function ``(Baseline) -> Case``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..results import CORE_FIELDS

__all__ = ["FIELDS", "CASES", "Baseline", "Case", "baseline", "run", "render", "ustr_tariffs", "optimal_tariff"]

#: Per-country output fields, in the order the tables show them (the core fields of every Result).
FIELDS = CORE_FIELDS
US = "USA"
US_SCHEDULE = "us_2025_04_02"
US_FLOOR = 0.10
TIMING_REPEATS = 3


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
    from ..models.ilms import ILMSParams, calibrate, complete_world

    w = base.world.replace(trade=base.completed.X)  # the diagonal built with the calibrated nu
    c = complete_world(w, 0.0)  # E = column sums, Y = row sums, T = E - Y
    m = calibrate(w, ILMSParams(kappa=0.0, psi=0.0, nu=0.0, phi=1.0), completed=c)
    return Case(m, ustr_tariffs(base))


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
}


# --- begin optimal_numeric (strategy layer, issue 4) ------------------------------------------------
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
# --- end optimal_numeric ----------------------------------------------------------------------------


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
    solve_model(case.model, shock, what=what)  # compiles the case's equations
    # timed warm solves: the fastest of a few (the machine may be busy)
    eq = min((solve_model(case.model, shock, what=what) for _ in range(TIMING_REPEATS)), key=lambda e: e.seconds)
    out = eq.outcomes
    E = np.asarray(case.model.E)
    rest = np.arange(base.world.n) != base.us
    weights = E[rest] / E[rest].sum()
    doc: dict[str, Any] = {
        "converged": bool(eq.converged),
        "max_residual": float(eq.max_residual),
        "solve_seconds": float(eq.seconds),
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
    "deficit_change_pct": "deficit %",
    "tariff_revenue_share": "revenue/E",
}


def render(doc: dict[str, Any]) -> list:
    """One Rich table: per case, the USA and the non-US average (weighted by baseline expenditure)."""
    from rich.table import Table

    table = Table(
        title="ILMS (2025) replication: the USA and the non-US average (weighted by baseline expenditure)",
        title_justify="left",
        header_style="bold",
        caption="percent changes; revenue/E = tariff revenue over baseline expenditure (fraction); "
        "tariffs in brackets: uniform US tariff / retaliation tariff",
        caption_justify="left",
    )
    table.add_column("case", style="bold")
    table.add_column("who")
    for f in FIELDS:
        table.add_column(_SHORT[f], justify="right")
    for name, case in doc["cases"].items():
        label = name
        rates = [f"{case[k] * 100:.1f}%" for k in ("us_tariff", "retaliation_tariff") if k in case]
        if rates:
            label += f" [{' / '.join(rates)}]"
        if not case.get("converged", False):
            label += " (not converged)"
        us = case["countries"].get(US, {})
        table.add_row(label, US, *(_fmt(f, us.get(f)) for f in FIELDS))
        table.add_row("", "non-US", *(_fmt(f, case["nonUS"].get(f)) for f in FIELDS), end_section=True)
    return [table]


def _fmt(f: str, v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.4f}" if f == "tariff_revenue_share" else f"{v:.2f}"
