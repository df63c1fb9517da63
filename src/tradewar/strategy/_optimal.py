"""Optimal (welfare-maximising) tariffs of one country, everyone else's tariffs held fixed.

``max_v  W^_c(t(v))`` over the instrument values ``v`` of country ``c`` (see :mod:`._objective`), with
``t >= lower``. Solved by SciPy's L-BFGS-B (``jac=True``) on ``u = log(1 + v)`` (``t > -100%`` by
construction; ``lower > -1`` becomes the bound ``u >= log(1 + lower)``), minimising ``-log W^_c``. The
value and gradient come from one jitted JAX call: the equilibrium by Newton's method
(:func:`tradewar.solve.find_root`, warm-started from the previous evaluation) and the gradient by implicit
differentiation through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax.numpy as jnp
import numpy as np
import scipy.optimize

from .._exceptions import ConvergenceError, ScenarioError
from ._objective import (
    Instrument,
    baseline_tariffs,
    country_index,
    log_welfare_value_and_grad,
    make_instrument,
)

__all__ = ["OptimalTariff", "optimal_tariff", "projected_gradient"]


@dataclass(frozen=True)
class OptimalTariff:
    """Result of :func:`optimal_tariff`.

    tariffs : full tariff array (model's shape, fraction) at the optimum.
    values : (K,) the instrument values (tariff per free variable), ``labels`` says which.
    welfare : (N,) W^ of every country at the optimum (new/old relative to the model's baseline).
    grad_norm : max-norm of the projected gradient of W^_country w.r.t. the instrument tariffs
        (components pushing below ``lower`` at the bound are dropped).
    status : ``"converged"``, ``"max_steps_reached"`` or ``"stalled"`` (line search could not improve:
        at the precision limit; look at ``grad_norm``); ``converged`` is True when ``grad_norm <= tol``.
    iterations : optimiser iterations; ``evaluations``: equilibrium solves with gradient.
    """

    country: int
    instrument: str
    tariffs: np.ndarray
    values: np.ndarray
    labels: tuple[str, ...]
    welfare: np.ndarray
    grad_norm: float
    status: str
    converged: bool
    iterations: int
    evaluations: int
    y: np.ndarray

    @property
    def own_welfare(self) -> float:
        return float(self.welfare[self.country])


def projected_gradient(values: np.ndarray, grad_t: np.ndarray, lower: float) -> np.ndarray:
    """Gradient of a maximand in t, with components that push below the bound ``lower`` set to zero."""
    g = np.array(grad_t, dtype=np.float64, copy=True)
    if lower > -1.0:
        at = values <= lower + 1e-12
        g[at & (g < 0)] = 0.0
    return g


class _Evaluator:
    """Value and gradient of ``-log W^_c`` in ``u`` with a warm start kept between calls."""

    def __init__(self, model, inst: Instrument, t_base, country, y0, solver_tol, solver_steps):
        self.model = model
        self.t_base = jnp.asarray(t_base)
        self.cells = jnp.asarray(inst.cells)
        self.groups = jnp.asarray(inst.groups)
        self.country = country
        self.y = jnp.asarray(y0)
        self.tol = solver_tol
        self.steps = solver_steps
        self.count = 0
        self.last: tuple[Any, ...] | None = None

    def __call__(self, u: np.ndarray):
        v, g, W, sol = log_welfare_value_and_grad(
            self.model, jnp.asarray(u), self.t_base, self.cells, self.groups, self.country, self.y, self.tol, self.steps
        )
        self.count += 1
        res = float(sol.max_residual)
        if not (res <= self.tol and np.isfinite(float(v))):
            # retry from the baseline guess, then report an infeasible point to the line search
            v, g, W, sol = log_welfare_value_and_grad(
                self.model, jnp.asarray(u), self.t_base, self.cells, self.groups, self.country,
                self.model.initial_guess(), self.tol, self.steps,
            )
            res = float(sol.max_residual)
            if not (res <= self.tol and np.isfinite(float(v))):
                return 1e10, np.zeros_like(u)
        self.y = sol.value
        self.last = (np.asarray(u).copy(), np.asarray(W), np.asarray(g), np.asarray(sol.value))
        return -float(v), -np.asarray(g, dtype=np.float64)


def optimal_tariff(
    model: Any,
    country: Any,
    instrument: str = "uniform",
    *,
    base_t: Any = None,
    lower: float = -1.0,
    start: Any = None,
    tol: float = 1e-9,
    max_steps: int = 1000,
    y0: Any = None,
    solver_tol: float = 1e-11,
    solver_steps: int = 60,
) -> OptimalTariff:
    """The tariffs that maximise ``country``'s welfare, all other tariffs as in ``base_t``.

    Parameters
    ----------
    model : any equilibrium model of :mod:`tradewar.solve` (its ``welfare`` is the maximand).
    country : index or code (looked up in ``model.codes``).
    instrument : ``uniform`` | ``partner`` | ``sector`` | ``partner_sector`` (see :mod:`._objective`).
    base_t : full tariff array the others' tariffs come from (default: the model's baseline tariffs).
    lower : lowest admissible tariff (fraction); ``-1`` = none beyond ``t > -100%``, ``0`` = no subsidies.
    start : initial instrument values (default: read from ``base_t``, raised to ``lower``).
    tol : tolerance on the max-norm of the projected gradient of W^ in the tariffs.
    max_steps : L-BFGS-B iterations.
    y0 : warm start of the equilibrium unknowns.

    Examples
    --------
    >>> import numpy as np
    >>> from tradewar.data._world import World
    >>> from tradewar.models.ossa import calibrate
    >>> X = np.array([[[8.0, 3.0], [1.0, 2.0]], [[2.0, 1.0], [7.0, 5.0]]])
    >>> m = calibrate(World(codes=("AAA", "BBB"), trade=X, gdp=X.sum(axis=(1, 2)),
    ...                     extras={"sigma": np.array([3.0, 5.0])}))
    >>> r = optimal_tariff(m, "AAA", "uniform", lower=0.0)
    >>> r.converged, bool(r.values[0] > 0), bool(r.own_welfare > 1)
    (True, True, True)
    """
    t_base = baseline_tariffs(model, base_t)
    n = t_base.shape[0]
    c = country_index(model, country, n)
    inst = make_instrument(model, tuple(t_base.shape), [c], instrument)
    if lower <= -1.0:
        lower = -1.0
    v0 = inst.values(t_base) if start is None else np.asarray(start, dtype=np.float64).reshape(-1)
    if v0.shape != (inst.n_free,):
        raise ScenarioError(f"optimal_tariff: start has {v0.size} values, instrument '{instrument}' has {inst.n_free}")
    if lower > -1.0:
        v0 = np.maximum(v0, lower)
    u0 = np.log1p(v0)
    bounds = None if lower <= -1.0 else [(float(np.log1p(lower)), None)] * inst.n_free
    ev = _Evaluator(model, inst, t_base, c, model.initial_guess() if y0 is None else y0, solver_tol, solver_steps)
    f0, _ = ev(u0)
    if f0 >= 1e10:
        raise ConvergenceError(f"optimal_tariff: the equilibrium at the starting tariffs of country {c} did not solve")
    # gtol in u-space: dW/du = (1+t) dW/dt; a margin below ``tol`` keeps the t-space criterion satisfied
    res = scipy.optimize.minimize(
        ev, u0, jac=True, method="L-BFGS-B", bounds=bounds,
        options={"maxiter": int(max_steps), "gtol": tol * 1e-2, "ftol": 1e-16, "maxcor": 30},
    )
    # final evaluation at the returned point (the last call need not be the accepted one)
    ev(res.x)
    assert ev.last is not None
    u, W, g_u, y = ev.last
    values = np.expm1(u)
    if lower > -1.0:
        values = np.maximum(values, lower)
    # gradient of W^_c in t: dW/dt = W * dlogW/du / (1 + t)
    grad_t = W[c] * g_u / (1.0 + values)
    pg = projected_gradient(values, grad_t, lower)
    gnorm = float(np.max(np.abs(pg))) if pg.size else 0.0
    status = {0: "converged", 1: "max_steps_reached"}.get(int(res.status), "stalled")
    return OptimalTariff(
        country=c,
        instrument=instrument,
        tariffs=inst.apply(t_base, values),
        values=values,
        labels=inst.labels,
        welfare=W,
        grad_norm=gnorm,
        status=status,
        converged=bool(gnorm <= tol),
        iterations=int(res.nit),
        evaluations=ev.count,
        y=y,
    )
