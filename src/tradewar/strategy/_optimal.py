"""Optimal (welfare-maximising) tariffs of one country, everyone else's tariffs held fixed.

``max_v  W^_c(t(v))`` over the instrument values ``v`` of country ``c`` (see :mod:`._objective`), with
``t >= lower``, solved on ``u = log(1 + v)`` (``t > -100%`` by construction; ``lower > -1`` becomes the
bound ``u >= log(1 + lower)``) by maximising ``log W^_c``. Default optimiser: a projected Newton method
(Bertsekas 1982) with the exact Hessian (forward-over-reverse implicit differentiation through the solve),
which converges in a handful of steps where L-BFGS-B needs thousands on these badly scaled problems;
``method="lbfgsb"`` uses SciPy's L-BFGS-B (``jac=True``) instead. Values and gradients come from one
jitted JAX call: the equilibrium by Newton's method (:func:`tradewar.solve.find_root`, warm-started from
the previous evaluation) and the gradient by implicit differentiation through it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax.numpy as jnp
import numpy as np

from .._cancel import checkpoint
from .._exceptions import ConvergenceError, ScenarioError
from .._jax import on_device
from .._memory import available_mib
from ._objective import (
    Instrument,
    baseline_tariffs,
    country_index,
    directions_at_once,
    log_welfare_hessian,
    log_welfare_value_and_grad,
    make_instrument,
)

__all__ = ["MAX_SECONDS", "OptimalCost", "OptimalTariff", "available_mib", "check_cost", "optimal_cost", "optimal_tariff",
           "projected_gradient"]


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
    """Value, gradient (and Hessian) of ``sum_j weights_j log W^_j`` in ``u``, warm-started."""

    def __init__(self, model, inst: Instrument, t_base, weights, y0, solver_tol, solver_steps):
        self.model = model
        self.t_base = on_device(t_base)
        self.cells = on_device(inst.cells)
        self.groups = on_device(inst.groups)
        self.weights = on_device(weights, "float64")
        self.y = on_device(y0)
        self.tol = solver_tol
        self.steps = solver_steps
        self.count = 0
        self.last_hessian: np.ndarray | None = None

    def _ok(self, v, sol) -> bool:
        from ..solve import accepted

        return accepted(float(sol.max_residual), int(sol.result_code), self.tol, finite=bool(np.isfinite(float(v))))

    def value_grad(self, u: np.ndarray):
        """``(log W^_c, gradient in u, W^ (N,))`` or None when the equilibrium does not solve."""
        checkpoint()
        args = (self.model, on_device(u), self.t_base, self.cells, self.groups, self.weights)
        for y0 in (self.y, self.model.initial_guess()):
            v, g, W, sol = log_welfare_value_and_grad(*args, y0, self.tol, self.steps)
            self.count += 1
            if self._ok(v, sol) and np.isfinite(np.asarray(g)).all():
                self.y = sol.value
                return float(v), np.asarray(g, dtype=np.float64), np.asarray(W)
        return None

    def hessian(self, u: np.ndarray):
        checkpoint()
        v, g, H, W, sol = log_welfare_hessian(
            self.model, on_device(u), self.t_base, self.cells, self.groups, self.weights, self.y, self.tol,
            self.steps,
        )
        self.count += 1
        if not self._ok(v, sol):
            raise ConvergenceError("optimal_tariff: the equilibrium did not solve at an accepted point")
        self.last_hessian = np.asarray(H, dtype=np.float64)
        return self.last_hessian

    def scipy_fun(self, u: np.ndarray):
        r = self.value_grad(u)
        if r is None:
            return 1e10, np.zeros_like(u)
        return -r[0], -r[1]


def _grad_t(u: np.ndarray, g_u: np.ndarray, W_c: float, lower: float) -> tuple[np.ndarray, np.ndarray]:
    """Instrument values and the projected gradient of W^_c in t (from the gradient of log W^_c in u)."""
    values = np.expm1(u)
    if lower > -1.0:
        values = np.maximum(values, lower)
    return values, projected_gradient(values, W_c * g_u / (1.0 + values), lower)


def cholesky_or_none(A: np.ndarray) -> np.ndarray | None:
    """Lower Cholesky factor ``L`` of ``A`` (the Hessian of a minimand) plus a tiny shift, or None if indefinite."""
    shift = max(1e-10 * float(np.max(np.sum(np.abs(A), axis=1), initial=0.0)), 1e-14)
    try:
        return np.linalg.cholesky(A + shift * np.eye(A.shape[0]))
    except np.linalg.LinAlgError:
        return None


def cho_solve(L: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(L L^T)^{-1} b`` for the factor of :func:`cholesky_or_none`; ``b`` (K,) or (K, M).

    Two solves with NumPy's general solver, ``O(K^3)`` where triangular ones would be ``O(K^2)``: about 1 ms
    for K = 200 and 10 ms for K = 512 (per partner and sector on 33 regions and 16 sectors), against the
    Hessian of each Newton step, which takes far longer. SciPy's triangular solvers would import
    ``scipy.linalg`` (about 0.15 s) into ``optimal`` and ``nash``, which need nothing else of it.
    """
    return np.linalg.solve(L.T, np.linalg.solve(L, b))


def newton_direction(A: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Newton ascent step ``A^{-1} g`` (``A`` the Hessian of the minimand) by Cholesky; where ``A`` is indefinite,
    by its eigendecomposition with the eigenvalues replaced by their absolute values (floored at 1e-10 times
    the largest), so that the step ascends. The Cholesky factorisation costs a fraction of the
    eigendecomposition."""
    L = cholesky_or_none(A)
    if L is not None:
        return cho_solve(L, g)
    lam, V = np.linalg.eigh(A)
    lam = np.maximum(np.abs(lam), max(1e-10 * float(np.max(np.abs(lam))), 1e-14))
    return V @ ((V.T @ g) / lam)


#: The relative change of a value that rounding hides: 100 units in the last place of float64.
_FLAT = 100.0 * float(np.finfo(np.float64).eps)


def _projected_newton(ev: _Evaluator, u: np.ndarray, lb: float, lower: float, c: int | None, tol: float,
                      max_steps: int, trace=None, ub: float = np.inf):
    """Maximise ``sum_j weights_j log W^_j`` over ``lb <= u <= ub`` by a projected Newton method (Bertsekas 1982).

    Convergence: the projected gradient in t of W^_c (``c`` given) or of the weighted sum (``c=None``)
    has max-norm <= ``tol``.
    Free variables take a Newton step with the exact Hessian (:func:`newton_direction`: eigenvalues replaced
    by their absolute values where the Hessian is indefinite, so the step ascends); variables at the bound
    whose gradient points outwards stay fixed; each component of the step is capped at 1 in u, and the step
    is backtracked along the projection arc.
    """
    r = ev.value_grad(u)
    if r is None:
        raise ConvergenceError("optimal tariff: the equilibrium at the tariffs the search starts from did not solve")
    v, g, W = r

    def gap(u, g, W) -> float:  # the stopping measure: max-norm of the projected gradient in t
        _, pg = _grad_t(u, g, 1.0 if c is None else W[c], lower)
        pg = np.where((u >= ub - 1e-12) & (pg > 0), 0.0, pg)
        return float(np.max(np.abs(pg))) if pg.size else 0.0

    it = 0
    status = "max_steps_reached"
    while True:
        size = gap(u, g, W)
        if size <= tol:
            status = "converged"
            break
        if it >= max_steps:
            break
        it += 1
        H = ev.hessian(u)
        pg_u = np.where(((u <= lb + 1e-12) & (g < 0)) | ((u >= ub - 1e-12) & (g > 0)), 0.0, g)
        eps = min(1e-6, float(np.linalg.norm(pg_u)))
        active = (u <= lb + eps) & (g < 0) if np.isfinite(lb) else np.zeros(u.shape, bool)
        active |= (u >= ub - eps) & (g > 0)
        free = ~active
        d = np.zeros_like(u)
        if free.any():
            d[free] = newton_direction(-H[np.ix_(free, free)], g[free])  # ascent direction for log W
        big = float(np.max(np.abs(d))) if d.size else 0.0
        # cap each component (flat directions of tiny trade flows would otherwise shrink the whole step)
        d = np.clip(d, -1.0, 1.0)
        if float(g @ d) <= 0.0:  # not an ascent direction after clipping: projected gradient step
            d = np.where(active, 0.0, g)
            d *= 1.0 / max(float(np.max(np.abs(d))), 1e-300)
        alpha = 1.0
        accepted = False
        while alpha > 1e-12:
            un = np.clip(u + alpha * d, lb, ub)
            if np.array_equal(un, u):  # the step no longer moves the point: it can bring nothing
                break
            rn = ev.value_grad(un)
            rise = float(g @ (un - u))
            if rn is not None and rn[0] >= v + 1e-4 * rise:
                accepted = True
                break
            # next to the optimum a full Newton step changes the value by less than its rounding, so the value
            # cannot judge it: there the step counts if the value stays within rounding and the projected
            # gradient comes down
            flat = _FLAT * max(1.0, abs(v))
            if rn is not None and alpha == 1.0 and abs(rise) <= flat and rn[0] >= v - flat and gap(un, *rn[1:]) < size:
                accepted = True
                break
            alpha *= 0.5
        if not accepted:
            status = "stalled"
            break
        if trace is not None:
            trace(it, alpha, int(active.sum()), size, big, v)
        u = un
        v, g, W = rn
    return u, g, W, status, it


# --- work size ------------------------------------------------------------------------------------
#: Calibration of :func:`optimal_cost` on the Caliendo-Parro model, 9 to 33 regions x 16 sectors, and
#: two sectoral datasets of ``../shared/data`` (``benchmarks/bench_optimal_size.py``; the numbers are in
#: docs/scale.md). ``R`` is the bytes of the arrays one evaluation of the residual creates, ``ny`` the
#: equilibrium unknowns and ``K`` the instrument values: the derivative programs take their directional
#: derivatives (``K`` of them, and ``ny`` for the residual's Jacobian without a closed form) a few at a
#: time (:func:`~._objective.directions_at_once`) and carry about ``MEMORY_PER_DIRECTION * R`` for each
#: of those taken at once, besides their dense matrices and ``PROGRAM_OVERHEAD_MIB`` (compiling and running
#: them); a Hessian takes about ``SECONDS_PER_GB`` per GB of ``(ny + K) R`` on two cores (load 1 to 5).
MEMORY_PER_DIRECTION = 0.4
PROGRAM_OVERHEAD_MIB = 64.0
SECONDS_PER_GB = 0.25
#: One warm equilibrium solve of the certificate, seconds per MB of ``R``.
SOLVE_SECONDS_PER_MB = 0.01
#: Tracing and compiling the solver and derivative programs the first time, and the evaluations of a
#: typical optimisation in Hessians' worth: about 8 Newton steps with a Hessian each, and the 13 to 19 values
#: with gradients of their line searches at about a fifth of a Hessian each.
COMPILE_SECONDS = 15.0
EVALUATIONS = 12
#: The least one evaluation takes however small the model (the calls around the programs).
EVALUATION_FLOOR_SECONDS = 0.002
#: The longest optimisation :func:`optimal_tariff` and ``tradewar optimal`` start unasked (an hour);
#: a larger one is refused with its estimate.
MAX_SECONDS = 3600.0


@dataclass(frozen=True)
class OptimalCost:
    """The estimated work of one country's optimal tariffs by projected Newton (see :func:`optimal_cost`).

    memory_mib : working memory of the derivative programs, beyond what the process holds already.
    seconds : the optimisation (compilation included); certificate_seconds: the 4 K deviation solves of
        the certificate ``tradewar optimal`` checks.
    """

    instrument: str
    instruments: int
    unknowns: int
    residual_bytes: int
    memory_mib: float
    seconds: float
    certificate_seconds: float
    alternatives: tuple[tuple[str, int], ...]


def _residual_bytes_uncached(model: Any, t: Any) -> int:
    import jax

    from ..solve import Shock

    def walk(jaxpr) -> int:
        total = 0
        for eqn in jaxpr.eqns:
            for v in eqn.outvars:
                shape = getattr(v.aval, "shape", None)
                if shape is not None:
                    total += int(np.prod(shape, dtype=np.int64)) * v.aval.dtype.itemsize
            for p in eqn.params.values():
                inner = getattr(p, "jaxpr", None)
                if inner is not None:
                    total += walk(getattr(inner, "jaxpr", inner))
        return total

    closed = jax.make_jaxpr(model.residual)(model.initial_guess(), Shock(jnp.asarray(t, dtype=jnp.float64)))
    return walk(closed.jaxpr)


_RESIDUAL_BYTES: dict[Any, int] = {}


def _residual_bytes(model: Any, t: Any) -> int:
    """Bytes of the arrays one evaluation of the model's residual creates, read from its traced program.

    They depend on the model's structure and array shapes only, so they are kept by those (a Nash war
    asks at every best response).
    """
    import jax

    leaves, treedef = jax.tree.flatten(model)
    key = (treedef, tuple((np.shape(x), str(getattr(x, "dtype", type(x)))) for x in leaves), tuple(np.shape(t)))
    try:
        return _RESIDUAL_BYTES[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable static field: no cache
        return _residual_bytes_uncached(model, t)
    out = _RESIDUAL_BYTES[key] = _residual_bytes_uncached(model, t)
    return out


def optimal_cost(model: Any, instrument: str, *, base_t: Any = None) -> OptimalCost:
    """Working memory (MiB) and seconds one country's optimal ``instrument`` is estimated to need.

    The projected Newton method computes at every step the exact Hessian of the K instrument values by
    implicit differentiation: the Jacobian of the residual in the ``ny`` unknowns and the K values, the
    model's linear system solved for K right-hand sides, and the second derivatives along those K
    directions. The directional derivatives are taken a few at a time, so memory grows with the dense
    matrices (``ny^2``, ``ny K``, ``K^2``) and with ``R`` (the bytes one evaluation of the residual creates,
    read from its traced program) times the directions taken at once; time grows with ``(ny + K) R``.
    Calibrated on the Caliendo-Parro model (docs/scale.md): within a factor two there for memory (three
    for the smallest worlds, where the programs' own overhead dominates), a rough guide for other
    families.

    Examples
    --------
    >>> from tradewar.scenario import load_scenario
    >>> from tradewar.strategy._documents import prepare_strategic
    >>> world, model, t = prepare_strategic(load_scenario("2025-03-12-us-steel-aluminium-sectoral"))
    >>> c = optimal_cost(model, "partner_sector", base_t=t)
    >>> c.instruments, c.unknowns, c.memory_mib < 4096
    (512, 1089, True)
    """
    t = baseline_tariffs(model, base_t)
    shape = tuple(t.shape)
    K = make_instrument(model, shape, [0], instrument).n_free
    ny = int(np.shape(model.initial_guess())[0])
    R = _residual_bytes(model, t)
    # the Jacobian and its LU factors, dr/du and dy/du, the Hessian's directions and their derivatives, H
    dense = 8 * (2 * ny * ny + 2 * ny * K + 2 * (ny + K) * K + 2 * K * K)
    at_once = max(directions_at_once(ny, np.size(t)), directions_at_once(K, np.size(t)))
    memory = (MEMORY_PER_DIRECTION * at_once * R + dense) / 2**20 + PROGRAM_OVERHEAD_MIB
    seconds = COMPILE_SECONDS + EVALUATIONS * max(EVALUATION_FLOOR_SECONDS, SECONDS_PER_GB * (ny + K) * R / 1e9)
    alternatives = []
    for kind in ("partner", "sector", "uniform"):
        if kind == instrument or (kind == "sector" and len(shape) == 2):
            continue
        k = make_instrument(model, shape, [0], kind).n_free
        if k < K:
            alternatives.append((kind, k))
    return OptimalCost(instrument=instrument, instruments=K, unknowns=ny, residual_bytes=R, memory_mib=memory,
                       seconds=seconds, certificate_seconds=4 * K * SOLVE_SECONDS_PER_MB * R / 1e6,
                       alternatives=tuple(alternatives[:2]))


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def _size(mib: float) -> str:
    return f"{mib / 1024:.1f} GiB" if mib >= 1024 else f"{max(1, round(mib))} MiB"


def check_cost(cost: OptimalCost, what: str, *, seconds: float | None = None,
               max_seconds: float | None = MAX_SECONDS, available: float | None = None,
               fewer: str | None = None) -> None:
    """Refuse (:class:`ScenarioError`, one line with the estimate) work that cannot fit: working memory
    above what is available, or ``seconds`` (default: the optimisation's) above ``max_seconds`` (None:
    no limit). ``available`` (MiB) defaults to :func:`available_mib`; ``fewer`` names a first remedy
    for the time (e.g. ``"fewer --draws"``)."""
    seconds = cost.seconds if seconds is None else seconds
    avail = available_mib() if available is None else available
    short_memory = avail is not None and cost.memory_mib > avail
    too_long = max_seconds is not None and seconds > max_seconds
    if not (short_memory or too_long):
        return
    why = (f"{_size(avail)} are available" if short_memory else
           f"above the {_duration(max_seconds)} an optimisation may take")
    remedies = [fewer] if fewer and too_long else []
    if cost.alternatives:
        remedies.append("the instrument " + " or ".join(f"{kind} ({k:,} values)" for kind, k in cost.alternatives))
    remedies.append("a world with fewer regions (the scenario's [data] aggregate)")
    tariffs = "1 tariff" if cost.instruments == 1 else f"{cost.instruments:,} tariffs"
    verb = "needs" if cost.instruments == 1 else "need"
    raise ScenarioError(
        f"{what}: {tariffs} on {cost.unknowns:,} equilibrium unknowns {verb} about {_size(cost.memory_mib)} of "
        f"working memory and {_duration(seconds)}, {why}; use " + ", or ".join(remedies)
    )


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
    method: str = "newton",
    max_seconds: float | None = MAX_SECONDS,
    progress: Callable[[int, float], None] | None = None,
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
    max_steps : optimiser iterations.
    y0 : warm start of the equilibrium unknowns.
    method : ``"newton"`` (default: projected Newton with the exact Hessian, quadratic convergence) or
        ``"lbfgsb"`` (SciPy L-BFGS-B; cheaper steps, slow on badly scaled problems).
    max_seconds : the longest optimisation to start (estimated by :func:`optimal_cost`; None: no limit).
        Work whose derivative programs need more memory than is available, or longer than this, is
        refused before it starts with a :class:`ScenarioError` giving the estimate.
    progress : called as ``progress(step, gradient_norm)`` after each Newton step.

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
    codes = tuple(getattr(model, "codes", ()) or ())
    # the gradient alone runs the derivative program too: its memory is checked whatever the steps
    check_cost(optimal_cost(model, instrument, base_t=t_base),
               f"optimal {instrument} tariff of {codes[c] if c < len(codes) else f'country {c}'}",
               max_seconds=max_seconds if max_steps > 0 else None)
    if lower <= -1.0:
        lower = -1.0
    v0 = inst.values(t_base) if start is None else np.asarray(start, dtype=np.float64).reshape(-1)
    if v0.shape != (inst.n_free,):
        raise ScenarioError(f"optimal_tariff: start has {v0.size} values, instrument '{instrument}' has {inst.n_free}")
    if lower > -1.0:
        v0 = np.maximum(v0, lower)
    u0 = np.log1p(v0)
    ev = _Evaluator(model, inst, t_base, np.eye(n)[c], model.initial_guess() if y0 is None else y0, solver_tol, solver_steps)
    lb = float(np.log1p(lower)) if lower > -1.0 else -np.inf
    if method == "newton":
        trace = None if progress is None else (lambda it, alpha, n_active, pg, big, v: progress(it, pg))
        u, g_u, W, status, nit = _projected_newton(ev, u0, lb, lower, c, tol, max_steps, trace=trace)
    elif method == "lbfgsb":
        import scipy.optimize  # here: it takes a fifth of a second to import, and only this method needs it

        from ..solve import blas_threads

        bounds = None if lower <= -1.0 else [(lb, None)] * inst.n_free
        with blas_threads(inst.n_free):  # one thread for L-BFGS-B's vector steps, as in the bargains
            res = scipy.optimize.minimize(
                ev.scipy_fun, u0, jac=True, method="L-BFGS-B", bounds=bounds,
                options={"maxiter": int(max_steps), "gtol": tol * 1e-2, "ftol": 1e-16, "maxcor": 30},
            )
        u, nit = res.x, int(res.nit)
        status = {0: "converged", 1: "max_steps_reached"}.get(int(res.status), "stalled")
        r = ev.value_grad(u)
        if r is None:
            raise ConvergenceError(f"optimal_tariff: the equilibrium at the optimum of country {c} did not solve")
        _, g_u, W = r
    else:
        raise ScenarioError(f"optimal_tariff: unknown method {method!r} (use 'newton' or 'lbfgsb')")
    values, pg = _grad_t(u, g_u, W[c], lower)
    gnorm = float(np.max(np.abs(pg))) if pg.size else 0.0
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
        iterations=nit,
        evaluations=ev.count,
        y=np.asarray(ev.y),
    )
