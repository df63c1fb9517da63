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

Speed (same answer, fewer and cheaper operations): the exact Hessian ``D^T L_zz D`` (``D = [Y; I]``,
``Y = dy/du``) is assembled from its pieces, ``L_yy``, ``L_uy`` (one directional derivative per unknown
of the equilibrium) and ``L_uu``, which in sectoral models is sparse (a tariff interacts directly only
with the tariffs of the same importer and sector): its sparsity pattern is read once from the full
``L_uu`` at a random point, the columns are coloured so that no two columns of one colour share a row,
and each later ``L_uu`` takes one directional derivative per colour (for 7 regions x 33 industries: 6
colours, one per exporter, plus 14 equilibrium unknowns, i.e. 20 directional derivatives instead of
1,386). Newton systems are solved by a Cholesky factorisation (of ``-H_FF`` plus a tiny shift), with the
eigendecomposition only as the fallback where ``-H_FF`` is indefinite. The weights start from those of a
planner maximising world expenditure (proportional to the parties' expenditure, when the model has
``E``), and while the gains are far from equal the inner problems are solved to a looser tolerance
(inexact Newton); the last inner problem always meets ``inner_tol`` and the gains ``tol``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax.numpy as jnp
import numpy as np

from .. import _jax  # stored programs
from .._exceptions import ConvergenceError, ScenarioError
from .._jax import on_device
from ..solve import accepted
from ._objective import (
    _small_hessian,
    baseline_tariffs,
    country_index,
    jvp_columns,
    lagrangian_at,
    log_welfare_jacobian,
    make_instrument,
    welfare_vector,
)
from ._optimal import _Evaluator, _grad_t, _projected_newton, cho_solve, cholesky_or_none

__all__ = ["TalksResult", "efficient_talks"]


def _pieces(model, y, u, t_base, cells, groups, weights, colors):
    """Pieces of the Hessian of ``sum_j weights_j log W^_j`` in ``u`` (second-order implicit differentiation).

    With the equilibrium ``r(y, u) = 0`` at ``y*``, ``phi = sum_j weights_j log W^_j``, the adjoint ``lam``,
    the Lagrangian ``L = phi + lam . r`` and ``Y = dy/du``: returns the value, gradient, W^, the solution,
    ``Y`` (ny, K), ``L_yy`` (ny, ny), ``L_uy`` (K, ny) and ``L_uu colors^T`` (K, C), the second derivatives
    in ``u`` along the C directions ``colors`` (C, K); the Hessian is
    ``L_uu + Y^T L_yy Y + L_uy Y + (L_uy Y)^T`` (see :func:`~._objective.log_welfare_hessian`). ``y`` is the
    equilibrium at ``u`` (from :func:`~._objective.solved`), where everything is evaluated.
    """
    L = lagrangian_at(model, y, u, t_base, cells, groups, weights)
    ny = L.y.shape[0]
    dirs = jnp.concatenate([
        jnp.concatenate([jnp.eye(ny), jnp.zeros((u.shape[0], ny))], axis=0),
        jnp.concatenate([jnp.zeros((ny, colors.shape[0])), colors.T], axis=0),
    ], axis=1)  # (ny + K, ny + C)
    HD = jvp_columns(L.lag_grad, L.z, dirs, t_base.size)
    return L.value, L.grad, L.tangents(), HD[:ny, :ny], HD[ny:, :ny], HD[ny:, ny:]


_pieces_at = _jax.stored(_pieces, quick=_small_hessian)


def _lagrangian_pieces(model, u, t_base, cells, groups, weights, y0, colors, tol=1e-11, max_steps=60):
    """Value, gradient, W^, the solution and the pieces of :func:`_pieces` at the equilibrium of ``u``
    (used with ``colors`` the identity to read the sparsity pattern)."""
    W, sol = welfare_vector(model, u, t_base, cells, groups, y0, tol, max_steps)
    v, g, Y, Lyy, Luy, Cm = _pieces_at(model, sol.value, u, t_base, cells, groups, weights, colors)
    return v, g, W, sol, Y, Lyy, Luy, Cm


@_jax.stored(quick=_small_hessian)
def _coloured_hessian_at(model, y, u, t_base, cells, groups, weights, colors, pattern, colour):
    v, g, Y, Lyy, Luy, Cm = _pieces(model, y, u, t_base, cells, groups, weights, colors)
    Luu = jnp.where(pattern, Cm[:, colour], 0.0)
    A = Luy @ Y
    H = Luu + Y.T @ (Lyy @ Y) + A + A.T
    return v, g, 0.5 * (H + H.T)


def _coloured_hessian(model, u, t_base, cells, groups, weights, y0, colors, pattern, colour, tol=1e-11,
                      max_steps=60):
    """Value, gradient, Hessian, W^ and the solution, ``L_uu`` recovered from its coloured compression
    (``pattern`` (K, K): its non-zeros; ``colour`` (K,): the colour of each column)."""
    W, sol = welfare_vector(model, u, t_base, cells, groups, y0, tol, max_steps)
    v, g, H = _coloured_hessian_at(model, sol.value, u, t_base, cells, groups, weights, colors, pattern, colour)
    return v, g, H, W, sol


def _colouring(model, u, t_base, cells, groups, y0, tol, steps, n):
    """Sparsity pattern of ``L_uu`` (read at a random point with random positive weights) and a greedy
    colouring of its columns (no two columns of one colour with a non-zero in the same row).

    Returns ``(pattern (K, K) bool, colour of each column (K,), directions (C, K))`` or None when the
    colouring would not save much (or the equilibrium at the random point did not solve).
    """
    K = u.shape[0]
    if K < 8:
        return None
    rng = np.random.default_rng(20140)
    up = jnp.asarray(u + 0.05 * rng.standard_normal(K))
    w = jnp.asarray(rng.uniform(0.5, 1.5, n))
    out = _lagrangian_pieces(model, up, t_base, cells, groups, w, y0, jnp.eye(K), tol, steps)
    if not accepted(float(out[3].max_residual), int(out[3].result_code), tol):
        return None
    Luu = np.abs(np.asarray(out[7]))
    # entries at the rounding level of the largest one count as zero: the AD of log(exp(.)) and of
    # quotients leaves ~1e-18-relative residues of cancelled terms where the exact entry is zero; dropping
    # true entries that small changes the Hessian by less than its rounding error
    small = 1e-14 * float(np.max(Luu))
    pattern = (Luu > small) | (Luu.T > small) | np.eye(K, dtype=bool)
    pf = pattern.astype(np.float64)
    conflict = (pf.T @ pf) > 0.0  # columns sharing a row
    colour = np.full(K, -1, dtype=np.int64)
    for k in range(K):
        used = np.unique(colour[conflict[k] & (colour >= 0)])
        free_c = np.setdiff1d(np.arange(used.size + 1), used)
        colour[k] = int(free_c[0])
    C = int(colour.max()) + 1
    if C > K // 4:
        return None
    directions = np.zeros((C, K))
    directions[colour, np.arange(K)] = 1.0
    return pattern, colour, directions


class _TalksEvaluator(_Evaluator):
    """:class:`~._optimal._Evaluator` whose Hessian is assembled from a coloured (compressed) ``L_uu``."""

    def __init__(self, *args, colouring=None):
        super().__init__(*args)
        self.colouring = colouring
        if colouring is not None:
            pattern, colour, directions = colouring
            self._args = tuple(jnp.asarray(a) for a in (directions, pattern, colour))

    def hessian(self, u: np.ndarray):
        if self.colouring is None:
            return super().hessian(u)
        v, _, H, _, sol = _coloured_hessian(
            self.model, jnp.asarray(u), self.t_base, self.cells, self.groups, self.weights, self.y,
            *self._args, self.tol, self.steps,
        )
        self.count += 1
        if not self._ok(v, sol):
            raise ConvergenceError("efficient_talks: the equilibrium did not solve at an accepted point")
        self.last_hessian = np.asarray(H, dtype=np.float64)
        return self.last_hessian


def _initial_weights(model: Any, pidx: np.ndarray, W_base: np.ndarray) -> np.ndarray:
    """Starting Pareto weights: those of a planner maximising world expenditure ``sum_j E_j W^_j`` (to first
    order ``sum_j E_j W^_j d log W^_j``), i.e. proportional to the parties' expenditure at the baseline
    when the model has baseline expenditures ``E`` (N,); equal weights otherwise. Only the start of the
    Newton iteration on the weights: the solution does not depend on it."""
    P = pidx.size
    E = getattr(model, "E", None)
    try:
        E = np.asarray(E, dtype=np.float64)
    except (TypeError, ValueError):
        E = None
    if E is None or E.shape != W_base.shape:
        return np.full(P, 1.0 / P)
    w = E[pidx] * W_base[pidx]
    if not np.all(np.isfinite(w)) or np.any(w <= 0):
        return np.full(P, 1.0 / P)
    return w / w.sum()


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
    empty = on_device(np.zeros(0, dtype=np.int64))
    W_base, sol = welfare_vector(model, _jax.zeros(0), t0, empty, empty, model.initial_guess(), solver_tol)
    if not accepted(float(sol.max_residual), int(sol.result_code), solver_tol, finite=bool(np.isfinite(W_base).all())):
        raise ConvergenceError("efficient_talks: the baseline equilibrium did not solve")
    W_base = np.asarray(W_base)
    logWb = np.log(W_base)
    pidx = np.asarray(idx)
    P = len(idx)
    mu = _initial_weights(model, pidx, W_base)
    weights = np.zeros(n)
    weights[pidx] = mu
    colouring = _colouring(model, u, t0, cells, groups, sol.value, solver_tol, 60, n)
    ev = _TalksEvaluator(model, inst, t0, weights, sol.value, solver_tol, 60, colouring=colouring)

    def inner(mu_, u_, itol):
        w_ = np.zeros(n)
        w_[pidx] = mu_
        ev.weights = jnp.asarray(w_)
        ev.last_hessian = None
        u1, g1, W1, st, _ = _projected_newton(ev, u_, lb, lower, None, itol, inner_steps)
        if st == "stalled":  # at the precision limit: accept when the KKT residual is small
            _, pg1 = _grad_t(u1, g1, 1.0, lower)
            st = "converged" if (float(np.max(np.abs(pg1))) if pg1.size else 0.0) <= 100 * itol else st
        d1 = np.log(W1)[pidx] - logWb[pidx]
        return u1, g1, W1, st, d1, float(np.max(d1) - np.min(d1))

    # inexact Newton on the weights: while the gains are far from equal the inner problems are solved to
    # a looser tolerance (their error in the gains is second order in the projected gradient); the final
    # inner problem always meets ``inner_tol``
    def inner_tol_for(spread_):
        return max(inner_tol, min(1e-6, 1e-4 * spread_))

    itol = 1e-6 if P > 1 else inner_tol
    u, g_u, W, inner_status, d, spread = inner(mu, u, max(itol, inner_tol))
    status, it = "max_steps_reached", 0
    for step_no in range(1, max_steps + 1):
        it = step_no
        if inner_status != "converged":
            status = "inner_" + inner_status
            break
        if itol > inner_tol and (spread <= tol or P == 1 or inner_tol_for(spread) <= inner_tol):
            # polish the inner problem before accepting, or before the gains are compared at inner_tol
            itol = inner_tol
            u, g_u, W, inner_status, d, spread = inner(mu, u, itol)
            continue
        if spread <= tol or P == 1:
            status = "converged"
            break
        # sensitivity of the parties' gains to the weights, on the free tariffs (Hessian of the last
        # inner Newton step, or a fresh one when the inner problem needed no step)
        H = ev.last_hessian if ev.last_hessian is not None else ev.hessian(u)
        _, J, _ = log_welfare_jacobian(model, on_device(u), t0, cells, groups, ev.y, solver_tol)
        J = np.asarray(J)[pidx]
        free = ~((u <= lb + 1e-10) & (g_u < 0)) if np.isfinite(lb) else np.ones(u.shape, bool)
        JF, HF = J[:, free], H[np.ix_(free, free)]
        L = cholesky_or_none(-HF)
        if L is not None:
            S = cho_solve(L, JF.T)  # (-H_FF)^{-1} J_F^T
        else:
            lam, V = np.linalg.eigh(-HF)
            lam = np.maximum(lam, max(1e-12 * float(np.max(np.abs(lam))), 1e-16))
            S = V @ ((V.T @ JF.T) / lam[:, None])
        M = JF @ S  # dd/dmu = J_F (-H_FF)^{-1} J_F^T
        M = 0.5 * (M + M.T)
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
        du[free] = S @ step
        # backtracking on the spread of the gains (the active set may change: u*(mu) has kinks)
        while True:
            mu_try = mu + alpha * step
            mu_try = mu_try / mu_try.sum()
            u_try = u + np.clip(alpha * du, -1.0, 1.0)
            if np.isfinite(lb):
                u_try = np.maximum(u_try, lb)
            itol_try = inner_tol_for(spread) if itol > inner_tol else inner_tol
            trial = inner(mu_try, u_try, itol_try)
            if (trial[3] == "converged" and trial[5] < (1.0 - 1e-4 * alpha) * spread) or alpha < 1e-3:
                break
            alpha *= 0.5
        mu, itol = mu_try, itol_try
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
