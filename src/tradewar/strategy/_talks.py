"""Efficient trade talks: the largest welfare gain that every party gets in the same proportion.

From a baseline tariff array ``t0`` (the factual tariffs, a Nash war, ...), the parties' tariffs (by the
chosen instrument, default by partner and sector) are chosen to solve::

    max_{u, g}  g   subject to   log W^_j(t(u)) - log W^_j(t0) = g   for every party j,   t(u) >= lower

with ``u = log(1 + t)`` (see :mod:`._objective`); the common gain is ``exp(g) - 1`` (a proportion) and
every party's welfare rises by exactly that proportion. Non-parties keep their tariffs (their welfare is
reported but not constrained).

Method (the KKT conditions of this problem, solved by Newton's method in two levels): with multipliers
``mu`` (``sum mu = 1`` from the derivative in ``g``), the tariffs maximise the weighted welfare
``sum_j mu_j log W^_j`` over ``t >= lower`` (inner problem: projected Newton with the exact Hessian, as
in :func:`~tradewar.strategy.optimal_tariff`), and ``mu`` is such that the gains ``d_j(mu)`` are equal
(outer problem: Newton's method on ``d(mu) = g 1, sum mu = 1``, backtracked on the spread of the gains
since the active set of the bounds makes ``d(mu)`` piecewise smooth, with the exact sensitivity
``dd/dmu = -J_F H_FF^{-1} J_F^T`` of the inner optimum, ``J`` the Jacobian of ``log W^`` and ``H`` the
Hessian of the weighted welfare on the free (not bound) tariffs, both by implicit differentiation). This
replaces SLSQP, whose dense quasi-Newton subproblems take many minutes for 1,386 tariffs. The KKT
residual (projected gradient of the Lagrangian in the tariffs) and the spread of the gains are reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax.numpy as jnp
import numpy as np

from .._exceptions import ConvergenceError, ScenarioError
from ._objective import baseline_tariffs, country_index, log_welfare_jacobian, make_instrument, welfare_vector
from ._optimal import _Evaluator, _grad_t, _projected_newton

__all__ = ["TalksResult", "efficient_talks"]


@dataclass(frozen=True)
class TalksResult:
    """Result of :func:`efficient_talks`.

    tariffs : full tariff array of the agreement; values : instrument values (stacked by party).
    gain : the common proportional welfare gain of the parties (0.01 = 1%).
    gains : (N,) every country's W(agreement) / W(baseline) - 1 (parties: all equal to ``gain``).
    welfare : (N,) W^ at the agreement relative to the model's calibrated baseline.
    weights : (P,) the multipliers ``mu`` (Pareto weights of the parties, summing to one).
    max_violation : largest |log gain_j - log(1 + gain)| over parties (equality of the gains).
    kkt_norm : max-norm of the projected gradient of the Lagrangian in the tariffs at the solution.
    status : ``"converged"``, ``"max_steps_reached"`` or ``"inner_<status>"`` (the weighted problem failed).
    """

    parties: tuple[str, ...]
    instrument: str
    tariffs: np.ndarray
    values: np.ndarray
    gain: float
    gains: np.ndarray
    welfare: np.ndarray
    weights: np.ndarray
    max_violation: float
    kkt_norm: float
    status: str
    converged: bool
    iterations: int


def efficient_talks(
    model: Any,
    parties=None,
    *,
    instrument: str = "partner_sector",
    base_t: Any = None,
    lower: float = 0.0,
    tol: float = 1e-10,
    max_steps: int = 50,
    inner_tol: float = 1e-10,
    inner_steps: int = 100,
    solver_tol: float = 1e-11,
) -> TalksResult:
    """Efficient talks among ``parties`` (default: all countries) from the tariffs ``base_t``.

    Parameters
    ----------
    model : any equilibrium model of :mod:`tradewar.solve`; welfare is its ``welfare``.
    parties : indices or codes of the countries whose tariffs are negotiated (and whose gains are equal).
    instrument : how each party's tariffs may vary (default one per partner and sector).
    base_t : baseline tariffs (default: the model's baseline); gains are measured against them.
    lower : lowest admissible tariff (default 0: no import subsidies).
    tol : tolerance on the spread of the parties' log gains; max_steps: outer Newton steps on the weights.
    inner_tol, inner_steps : tolerance (max-norm of the projected gradient in t) and steps of the inner problem.

    Examples
    --------
    >>> import numpy as np
    >>> from tradewar.data._world import World
    >>> from tradewar.models.ossa import calibrate
    >>> X = np.array([[[8.0, 3.0], [2.0, 2.0]], [[3.0, 1.0], [7.0, 4.0]]])
    >>> m = calibrate(World(codes=("AAA", "BBB"), trade=X, gdp=X.sum(axis=(1, 2)), tariffs=np.full_like(X, 0.3),
    ...                     extras={"sigma": np.array([3.0, 5.0])}))
    >>> r = efficient_talks(m)
    >>> r.converged, bool(r.gain > 0), bool(abs(r.gains[0] - r.gains[1]) < 1e-8)
    (True, True, True)
    """
    t0 = baseline_tariffs(model, base_t)
    n = t0.shape[0]
    idx = list(range(n)) if parties is None else [country_index(model, p, n) for p in parties]
    if len(set(idx)) != len(idx) or not idx:
        raise ScenarioError("efficient_talks: parties must be distinct and at least one")
    codes = tuple(getattr(model, "codes", ()) or ()) or tuple(str(k) for k in range(n))
    inst = make_instrument(model, tuple(t0.shape), idx, instrument)
    cells, groups = jnp.asarray(inst.cells), jnp.asarray(inst.groups)
    lb = float(np.log1p(lower)) if lower > -1.0 else -np.inf
    v0 = inst.values(t0)
    if lower > -1.0:
        v0 = np.maximum(v0, lower)
    u = np.log1p(v0)
    empty = jnp.zeros((0,), dtype=jnp.int64)
    W_base, sol = welfare_vector(model, jnp.zeros((0,)), t0, empty, empty, model.initial_guess(), solver_tol)
    if not float(sol.max_residual) <= solver_tol:
        raise ConvergenceError("efficient_talks: the baseline equilibrium did not solve")
    W_base = np.asarray(W_base)
    logWb = np.log(W_base)
    pidx = np.asarray(idx)
    P = len(idx)
    mu = np.full(P, 1.0 / P)
    weights = np.zeros(n)
    weights[pidx] = mu
    ev = _Evaluator(model, inst, t0, weights, sol.value, solver_tol, 60)

    def inner(mu_, u_):
        w_ = np.zeros(n)
        w_[pidx] = mu_
        ev.weights = jnp.asarray(w_)
        ev.last_hessian = None
        u1, g1, W1, st, _ = _projected_newton(ev, u_, lb, lower, None, inner_tol, inner_steps)
        if st == "stalled":  # at the precision limit: accept when the KKT residual is small
            _, pg1 = _grad_t(u1, g1, 1.0, lower)
            st = "converged" if (float(np.max(np.abs(pg1))) if pg1.size else 0.0) <= 100 * inner_tol else st
        d1 = np.log(W1)[pidx] - logWb[pidx]
        return u1, g1, W1, st, d1, float(np.max(d1) - np.min(d1))

    u, g_u, W, inner_status, d, spread = inner(mu, u)
    status, it = "max_steps_reached", 0
    for step_no in range(1, max_steps + 1):
        it = step_no
        if inner_status != "converged":
            status = "inner_" + inner_status
            break
        if spread <= tol or P == 1:
            status = "converged"
            break
        # sensitivity of the parties' gains to the weights, on the free tariffs (Hessian of the last
        # inner Newton step, or a fresh one when the inner problem needed no step)
        H = ev.last_hessian if ev.last_hessian is not None else ev.hessian(u)
        _, J, _ = log_welfare_jacobian(model, jnp.asarray(u), t0, cells, groups, ev.y, solver_tol)
        J = np.asarray(J)[pidx]
        free = ~((u <= lb + 1e-10) & (g_u < 0)) if np.isfinite(lb) else np.ones(u.shape, bool)
        JF, HF = J[:, free], H[np.ix_(free, free)]
        lam, V = np.linalg.eigh(-HF)
        lam = np.maximum(lam, max(1e-12 * float(np.max(np.abs(lam))), 1e-16))
        Z = V.T @ JF.T
        M = Z.T @ (Z / lam[:, None])  # dd/dmu = J_F (-H_FF)^{-1} J_F^T
        A = np.zeros((P + 1, P + 1))
        A[:P, :P] = M
        A[:P, P] = -1.0
        A[P, :P] = 1.0
        rhs = np.concatenate([-d, [0.0]])
        step = np.linalg.lstsq(A, rhs, rcond=None)[0][:P]
        neg = step < 0
        alpha = 1.0
        if np.any(neg):  # keep the weights positive (fraction to the boundary)
            alpha = min(1.0, 0.9 * float(np.min(mu[neg] / -step[neg])))
        # first-order predictor of the inner optimum: du_F = (-H_FF)^{-1} J_F^T dmu
        du = np.zeros_like(u)
        du[free] = V @ ((Z @ step) / lam)
        # backtracking on the spread of the gains (the active set may change: u*(mu) has kinks)
        while True:
            mu_try = mu + alpha * step
            mu_try = mu_try / mu_try.sum()
            u_try = u + np.clip(alpha * du, -1.0, 1.0)
            if np.isfinite(lb):
                u_try = np.maximum(u_try, lb)
            trial = inner(mu_try, u_try)
            if (trial[3] == "converged" and trial[5] < (1.0 - 1e-4 * alpha) * spread) or alpha < 1e-3:
                break
            alpha *= 0.5
        mu = mu_try
        u, g_u, W, inner_status, d, spread = trial
    values, pg = _grad_t(u, g_u, 1.0, lower)
    kkt = float(np.max(np.abs(pg))) if pg.size else 0.0
    W = np.asarray(ev.value_grad(u)[2])
    lw = np.log(W)
    d = lw[pidx] - logWb[pidx]
    g_common = float(np.mean(d))
    viol = float(np.max(np.abs(d - g_common)))
    return TalksResult(
        parties=tuple(codes[c] for c in idx),
        instrument=instrument,
        tariffs=inst.apply(t0, values),
        values=values,
        gain=float(np.expm1(g_common)),
        gains=W / W_base - 1.0,
        welfare=W,
        weights=mu.copy(),
        max_violation=viol,
        kkt_norm=kkt,
        status=status,
        converged=bool(status == "converged" and viol <= max(tol, 1e-9)),
        iterations=it,
    )
