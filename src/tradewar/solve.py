"""The one solver driver shared by every model family.

A model (``tradewar.models.*``) is a frozen value that provides pure array
functions: ``initial_guess()``, ``residual(y, shock)``, ``outcomes(y, shock)``,
``checks(y, shock)`` and ``admissibility(y, shock)``. :func:`find_root` solves
``residual(y, shock) = 0`` under ``jit``: first directly (optimistix's Newton, chord or
Newton-Krylov method); where that fails, by continuation from the model's baseline in
``log(1 + t)`` with damped Newton stages (:class:`DampedNewton`, a backtracking line search
on the residual norm). It can be ``vmap``-ed, and it is differentiable with respect to
``shock`` by implicit differentiation at the root (a dense LU of the Jacobian there), whichever
path found it, so the strategic layer can take gradients of welfare with respect to tariffs.
:func:`solve_model` adds the accounting checks and the admissibility margins and raises
:class:`ConvergenceError` (:class:`InadmissibleError` for an economically impossible
equilibrium) with diagnostics when a solve is not valid: numbers are never returned as if
they were.

Residuals are scaled by the model (each equation divided by a baseline level), so
``tol`` is a relative tolerance: ``max |residual| <= tol``.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import equinox as eqx
import jax
import jax.numpy as jnp
import lineax as lx
import optimistix as optx

from . import _jax  # float64, compilation cache, stored traced programs
from ._exceptions import ConvergenceError, InadmissibleError
from .policy._shock import Shock, check_shock

__all__ = [
    "Status",
    "Shock",
    "SolverOptions",
    "RootSolution",
    "Equilibrium",
    "EquilibriumModel",
    "find_root",
    "share_margin",
    "batch_method",
    "blas_threads",
    "solve_model",
    "root_of",
    "verdict",
    "accepted",
]


class Status(enum.Enum):
    """Outcome of a solve, with a human message (never parsed from solver text)."""

    SUCCESS = "success"
    MAX_STEPS = "max_steps_reached"
    NONFINITE = "nonfinite"
    DIVERGED = "diverged"
    FAILED_CHECKS = "failed_checks"
    INADMISSIBLE = "inadmissible"

    @property
    def message(self) -> str:
        return {
            Status.SUCCESS: "converged to tolerance",
            Status.MAX_STEPS: "the solver reached its maximum number of steps without converging",
            Status.NONFINITE: "the solver produced non-finite values (NaN or inf)",
            Status.DIVERGED: "the solver stopped at a point whose residual exceeds the tolerance",
            Status.FAILED_CHECKS: "the solution fails the accounting checks",
            Status.INADMISSIBLE: (
                "the solver converged to an economically impossible equilibrium (a price, income, expenditure "
                "or real income that is not positive, or a share outside [0, 1])"
            ),
        }[self]


@dataclass(frozen=True)
class SolverOptions:
    """Numerical settings of a solve.

    tol : maximum absolute value of the scaled residual (a relative tolerance).
    check_tol : tolerance of the accounting checks (relative to world expenditure).
    max_steps : Newton steps before giving up.
    method : ``"newton"`` (dense Jacobian, LU), ``"chord"`` (one Jacobian, reused; Newton if it fails),
        ``"newton_krylov"`` (matrix-free Newton:
        Jacobian-vector products and restarted GMRES, for systems too large for a dense
        Jacobian) or ``"auto"`` (the model's ``preferred_method`` attribute, else ``"newton"``).
    blas_threads : threads of the BLAS/LAPACK library (OpenBLAS, which JAX's CPU LU also calls) during
        the solve; ``None`` = one thread for systems of up to :data:`SMALL_SYSTEM` unknowns (a 388 x 388
        LU takes about 6 ms on one thread, and hundreds of ms when several threads compete with other
        processes for the cores) and the library's own setting above; ``0`` = leave the setting alone.
    """

    tol: float = 1e-10
    check_tol: float = 1e-8
    max_steps: int = 60
    method: str = "auto"
    blas_threads: int | None = None

    def __post_init__(self) -> None:
        from ._exceptions import ScenarioError

        for name in ("tol", "check_tol"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v < 1:
                raise ScenarioError(f"SolverOptions: {name} must be a number in (0, 1), got {v!r}")
        if isinstance(self.max_steps, bool) or not isinstance(self.max_steps, int) or self.max_steps < 1:
            raise ScenarioError(f"SolverOptions: max_steps must be a positive integer, got {self.max_steps!r}")
        if self.blas_threads is not None and (
            isinstance(self.blas_threads, bool) or not isinstance(self.blas_threads, int) or self.blas_threads < 0
        ):
            raise ScenarioError(f"SolverOptions: blas_threads must be None or an integer >= 0, got {self.blas_threads!r}")
        if self.method not in (*METHODS, "auto"):
            raise ScenarioError(
                f"SolverOptions: method must be one of auto, {', '.join(METHODS)}; got {self.method!r}"
            )


class EquilibriumModel(Protocol):
    """What :func:`solve_model` needs from a model family."""

    def initial_guess(self) -> jax.Array: ...

    def residual(self, y: jax.Array, shock: Any) -> jax.Array: ...

    def outcomes(self, y: jax.Array, shock: Any) -> dict[str, jax.Array]: ...

    def checks(self, y: jax.Array, shock: Any) -> dict[str, jax.Array]: ...

    def welfare(self, y: jax.Array, shock: Any) -> jax.Array:
        """Welfare change W^ (new/old, (N,)): what the strategic layer maximises."""
        ...

    def admissibility(self, y: jax.Array, shock: Any) -> dict[str, jax.Array]:
        """Named margins, each positive in an economically possible equilibrium (optional).

        A margin is an array (often (N,), country first) whose entries must all be positive: a price,
        income or real-income hat, or :func:`share_margin` of shares that must lie in [0, 1].
        """
        ...


#: Rounding allowed on shares by :func:`share_margin` (shares are computed as ratios of sums).
SHARE_ROUNDING = 1e-12


def share_margin(shares: jax.Array) -> jax.Array:
    """Admissibility margin of shares: ``min(share, 1 - share)`` plus :data:`SHARE_ROUNDING` (positive iff in [0, 1])."""
    return jnp.minimum(shares, 1.0 - shares) + SHARE_ROUNDING


class RootSolution(eqx.Module):
    """Raw output of :func:`find_root`: arrays only, so it can be vmapped and differentiated.

    ``result_code``: 0 converged, 1 the last solve ran out of steps, 2 another failure (see
    :data:`RESULT_CODES`); ``max_residual`` the largest absolute residual at ``value`` (inf where it is
    not finite); ``steps`` Newton steps of every solve made; ``stages`` accepted stages of
    the continuation (0 when the direct solve converged); ``path`` the fraction of the way from the
    baseline to the policy (in ``log(1 + t)``) that was solved: 1 on success.
    """

    value: jax.Array
    result_code: jax.Array
    steps: jax.Array
    max_residual: jax.Array
    stages: jax.Array
    path: jax.Array


# a stored program (tradewar._jax.cached_call) may return root solutions; their tree has no static data
_ROOT_AUX = jax.tree.structure(RootSolution(*(0,) * 6)).node_data()[1]
jax.export.register_pytree_node_serialization(
    RootSolution,
    serialized_name="tradewar.solve.RootSolution",
    serialize_auxdata=lambda aux: b"",
    deserialize_auxdata=lambda data: _ROOT_AUX,
)

METHODS = ("newton", "newton_krylov", "chord")
#: Integer codes of :attr:`RootSolution.result_code`.
RESULT_CODES = {0: "successful", 1: "max_steps_reached", 2: "failed"}
#: Smallest continuation step (a fraction of the path) before the solve gives up.
MIN_STAGE = 2.0**-12
#: Continuation attempts (accepted and rejected stages) before the solve gives up.
MAX_STAGES = 80
#: The continuation stops once its stages have taken this many times ``max_steps`` Newton steps.
STEP_BUDGET = 10
#: Largest system whose damped Newton steps use a dense Jacobian and LU (larger ones keep GMRES).
DENSE_LIMIT = 4000


def _code(result) -> jax.Array:
    """:data:`RESULT_CODES` of an optimistix result, by comparison with the public enumeration."""
    max_steps = (result == optx.RESULTS.nonlinear_max_steps_reached) | (result == optx.RESULTS.max_steps_reached)
    return jnp.where(result == optx.RESULTS.successful, 0, jnp.where(max_steps, 1, 2)).astype(jnp.int32)


def _max_abs(residual, y, shock) -> jax.Array:
    r = jnp.max(jnp.abs(residual(y, shock)))
    return jnp.where(jnp.isfinite(r) & jnp.all(jnp.isfinite(y)), r, jnp.inf)


class DampedNewton(optx.AbstractGaussNewton):
    """Newton's method with a backtracking line search on the residual norm (damped Newton).

    The step is the Newton step ``J dy = -r`` (optimistix's ``NewtonDescent``; for a square system the
    Gauss-Newton step is the Newton step); its length is halved until ``|r|^2/2`` falls by at least a
    tenth of the decrease its linearisation predicts (Armijo's rule, ``BacktrackingArmijo``). A trial
    point with non-finite values is rejected like one that does not decrease the residual, so the
    iterates stay where the equations are defined.

    It fills the abstract fields of optimistix's ``AbstractGaussNewton`` (the documented way to build a
    solver of that family in optimistix 0.1): ``verbose`` is the logging callable ``**kwargs -> None`` that
    ``GaussNewton(verbose=False)`` also holds, here one that logs nothing. The pin ``optimistix<0.2`` and
    ``tests/test_solver_rules.py`` guard that contract.
    """

    rtol: float
    atol: float
    norm: Callable = optx.max_norm
    descent: optx.NewtonDescent = optx.NewtonDescent()
    search: optx.BacktrackingArmijo = optx.BacktrackingArmijo(decrease_factor=0.5, slope=0.1)
    verbose: Callable = eqx.field(static=True, default=lambda **kwargs: None)


def _linear_solver(method: str, tol: float):
    if method == "newton_krylov":
        # inexact Newton: each step solves J dy = -r by restarted GMRES on Jacobian-vector
        # products (no Jacobian is formed); so does the adjoint solve of implicit differentiation.
        return lx.GMRES(rtol=1e-6, atol=tol * 1e-3, restart=30, stagnation_iters=30, max_steps=3000)
    return lx.AutoLinearSolver(well_posed=None)


def _solve(residual, y0, shock, max_steps, solver):
    """One optimistix solve: (value, code, steps, max |residual|); nothing is differentiated here."""
    sol = optx.root_find(residual, solver, y0, args=shock, max_steps=max_steps, throw=False)
    return sol.value, _code(sol.result), sol.stats["num_steps"], _max_abs(residual, sol.value, shock)


def _direct(residual, y0, shock, tol, max_steps, method):
    """The fast path: Newton (dense LU or GMRES) or the chord method with a Newton restart."""
    # Cauchy termination (small step and small residual) at tol; the residual is re-checked after.
    newton = optx.Newton(rtol=tol, atol=tol, linear_solver=_linear_solver(method, tol))
    if method in ("newton", "newton_krylov"):
        return _solve(residual, y0, shock, max_steps, newton)
    if method == "chord":
        # The chord method factorises the Jacobian once, at the start, and reuses it: more steps,
        # each far cheaper. It converges linearly, so it runs to tol/100 to return a solution as
        # accurate as Newton's. If it does not reach tol (large shocks), Newton starts again from y0.
        chord = optx.Chord(rtol=tol * 1e-2, atol=tol * 1e-2)
        first = _solve(residual, y0, shock, max_steps, chord)
        return jax.lax.cond(
            first[3] <= tol,
            lambda: first,
            lambda: _solve(residual, y0, shock, max_steps, newton),
        )
    raise ValueError(f"unknown solver method {method!r}; expected one of {', '.join(METHODS)}")


def _baseline_shock(model) -> Any:
    """The policy at which ``model.initial_guess()`` is the exact solution (the model's baseline)."""
    for name in ("baseline_shock", "zero_shock"):
        f = getattr(model, name, None)
        if f is not None:
            return f()
    t = getattr(model, "tariffs", None)
    return None if t is None else Shock(t=t)


def _along(base, target, s):
    """The policy a fraction ``s`` of the way from ``base`` to ``target``, linear in ``log(1 + t)``."""

    def mix(a, b):
        if b is None:
            return None
        a = jnp.zeros_like(b) if a is None else a
        return jnp.expm1(jnp.log1p(a) + s * (jnp.log1p(b) - jnp.log1p(a)))

    return Shock(t=mix(base.t, target.t), x=mix(getattr(base, "x", None), getattr(target, "x", None)))


def _continuation(residual, model, y_start, done, shock, tol, max_steps, method):
    """Homotopy in the tariff change when the direct solve failed; a no-op where ``done``.

    The policy moves from the model's baseline (where ``initial_guess()`` is exact) to ``shock`` along
    ``log(1 + t_s) = (1 - s) log(1 + t_base) + s log(1 + t)``. Each stage solves the equilibrium at
    ``s + h`` by damped Newton (dense LU up to :data:`DENSE_LIMIT` unknowns, whatever the direct method)
    from a secant prediction through the last two solutions; a failed stage
    halves ``h``, a successful one doubles it. The first stage is the whole path (``h = 1``): a damped
    Newton solve from the baseline. It stops at ``s = 1``, or fails when ``h`` falls below
    :data:`MIN_STAGE`, after :data:`MAX_STAGES` attempts or after :data:`STEP_BUDGET` times ``max_steps``
    Newton steps. Written as a ``while_loop`` whose condition
    is false where ``done``, so under ``vmap`` a batch whose members all converged pays nothing.
    """
    base = _baseline_shock(model) if model is not None else None
    # dense LU where the Jacobian fits (GMRES stagnates near the edge of the admissible region)
    robust_method = "newton" if y_start.size <= DENSE_LIMIT else method
    descent = optx.NewtonDescent(linear_solver=_linear_solver(robust_method, tol))
    damped = DampedNewton(rtol=tol, atol=tol, descent=descent)
    y_base = model.initial_guess() if base is not None else y_start
    if base is None:  # no baseline to start from: one damped Newton solve from y_start
        base, y_base = shock, y_start
    one = jnp.asarray(1.0, dtype=y_start.dtype)
    zero = jnp.zeros_like(one)
    init = (jnp.where(done, one, zero), one, y_base, y_base, zero, jnp.int32(0), jnp.int32(0), jnp.int32(0))

    def cond(c):
        s, h, _, _, _, attempts, steps, _ = c
        return (s < 1.0) & (h >= MIN_STAGE) & (attempts < MAX_STAGES) & (steps < STEP_BUDGET * max_steps)

    def body(c):
        s, h, y, y_prev, s_prev, attempts, steps, stages = c
        s_try = jnp.minimum(s + h, 1.0)
        slope = jnp.where(s > s_prev, (s_try - s) / jnp.where(s > s_prev, s - s_prev, 1.0), 0.0)
        guess = y + slope * (y - y_prev)
        sh = _along(base, shock, s_try)
        y_new, _, n, res = _solve(residual, guess, sh, max_steps, damped)
        ok = res <= tol
        return (
            jnp.where(ok, s_try, s),
            jnp.where(ok, 2.0 * h, 0.5 * h),
            jnp.where(ok, y_new, y),
            jnp.where(ok, y, y_prev),
            jnp.where(ok, s, s_prev),
            attempts + 1,
            steps + n,
            stages + ok.astype(jnp.int32),
        )

    s, _, y, _, _, _, steps, stages = jax.lax.while_loop(cond, body, init)
    return y, s, steps, stages


def _primal(inputs):
    residual, y0, shock, tol, max_steps, method, _ = inputs
    model = getattr(residual, "__self__", None)
    y_direct, code, steps, res = _direct(residual, y0, shock, tol, max_steps, method)
    ok = (code == 0) & (res <= tol)
    y_cont, path, c_steps, stages = _continuation(residual, model, y_direct, ok, shock, tol, max_steps, method)
    reached = path >= 1.0
    value = jnp.where(ok, y_direct, jnp.where(path > 0.0, y_cont, y_direct))
    res = jax.lax.cond(ok, lambda: res, lambda: _max_abs(residual, value, shock))
    code = jnp.where(ok | reached, 0, jnp.where(code == 0, 2, code)).astype(jnp.int32)
    return value, (code, steps + c_steps, stages, path, res)


@eqx.filter_custom_jvp
def _implicit_root(residual, y0, shock, tol, max_steps, method):
    """The root and its diagnostics; differentiated by :func:`_implicit_root_jvp`, never through the iterations."""
    return _primal((residual, y0, shock, tol, max_steps, method, None))


@_implicit_root.def_jvp
def _implicit_root_jvp(primals, tangents):
    """Implicit differentiation at the root: ``r(y*, p) = 0`` gives ``dy* = -r_y^{-1} (r_p dp)``.

    ``p`` is everything the residual depends on besides ``y`` (the shock and the model's arrays). The
    linear solve is a dense LU of ``r_y`` at the root (GMRES on Jacobian-vector products for
    ``newton_krylov``), written with JAX's own linear algebra: its transpose (reverse mode) is again
    plain triangular solves, so a program that differentiates a solve holds no runtime error check
    (no host callback) and is stored by the persistent compilation cache. A singular or non-finite
    Jacobian gives non-finite derivatives, which the callers check.
    """
    residual, y0, shock, tol, max_steps, method = primals
    t_residual, _, t_shock = tangents[:3]
    value, aux = _implicit_root(residual, y0, shock, tol, max_steps, method)
    no_aux = tuple(None for _ in aux)  # the diagnostics are constant near the root
    _, r_dot = eqx.filter_jvp(lambda f, s: f(value, s), (residual, shock), (t_residual, t_shock))
    if r_dot is None:  # nothing the residual depends on is differentiated
        return (value, aux), (None, no_aux)
    return (value, aux), (-_root_solve(residual, value, shock, r_dot, method, tol), no_aux)


def _root_solve(residual, y, shock, b, method, tol):
    """``r_y(y, shock)^{-1} b`` (linear in ``b``; ``y`` and ``shock`` are fixed)."""
    if method == "newton_krylov":

        def matvec(v):
            return jax.jvp(lambda q: residual(q, shock), (y,), (v,))[1]

        def gmres(op, rhs):  # GMRES of JAX (no host callback); reverse mode solves with the transpose
            return jax.scipy.sparse.linalg.gmres(op, rhs, tol=1e-6, atol=tol * 1e-3, restart=30, maxiter=100)[0]

        return jax.lax.custom_linear_solve(matvec, b, gmres, gmres)
    jac = jax.jacfwd(lambda q: residual(q, shock))(y)
    return jax.scipy.linalg.lu_solve(jax.scipy.linalg.lu_factor(jac), b)


def _root(residual, y0, shock, tol, max_steps, method="newton"):
    if method not in METHODS:
        raise ValueError(f"unknown solver method {method!r}; expected one of {', '.join(METHODS)}")
    value, (code, steps, stages, path, res) = _implicit_root(residual, y0, shock, tol, max_steps, method)
    return RootSolution(value=value, result_code=code, steps=steps, max_residual=res, stages=stages, path=path)


@eqx.filter_jit
def find_root(
    residual, y0: jax.Array, shock: Any, tol: float = 1e-10, max_steps: int = 60, method: str = "auto"
) -> RootSolution:
    """Solve ``residual(y, shock) = 0`` from ``y0`` (``method``: see :class:`SolverOptions`).

    ``residual`` must be a pure JAX function (hashable: a bound method of a frozen
    model is fine; with ``method="auto"`` the model's ``preferred_method`` is used). The result
    is differentiable in ``shock`` by implicit differentiation and can be ``vmap``-ed over a
    batch of shocks. Nothing is checked here: :func:`solve_model` validates.
    """
    if method == "auto":
        method = getattr(getattr(residual, "__self__", None), "preferred_method", "newton")
    return _root(residual, y0, shock, tol, max_steps, method)


def batch_method(model: Any) -> str:
    """Solver method for ``vmap``-ed solves of ``model``.

    Under ``vmap`` the chord method's fallback (``lax.cond``) runs both branches, so batches use
    Newton directly.
    """
    m = getattr(model, "preferred_method", "newton")
    return "newton" if m == "chord" else m


def verdict(max_residual, code, tol: float, *, finite=True, check_error=None, check_tol: float = 0.0,
            margin=None):
    """The one rule that accepts a solve: its :class:`Status` value (a string), elementwise over a batch.

    In this order: a non-finite residual (or ``finite`` False: non-finite outcomes) is ``nonfinite``; a
    largest absolute residual above ``tol`` is ``max_steps_reached`` when the solver ran out of steps
    (``code`` 1 of :data:`RESULT_CODES`), else ``diverged``; the largest accounting error ``check_error``
    above ``check_tol`` is ``failed_checks``; the smallest admissibility margin ``margin`` not above zero
    is ``inadmissible``; anything else is ``success``. ``check_error`` and ``margin`` are skipped when None.
    :func:`solve_model`, the batched solves of :mod:`tradewar.batch.sweep` and the strategy layer's evaluators
    all judge their solves with it.

    >>> str(verdict(1e-12, 0, 1e-10)), str(verdict(1e-3, 1, 1e-10)), str(verdict(1e-12, 0, 1e-10, margin=-0.1))
    ('success', 'max_steps_reached', 'inadmissible')
    """
    import numpy as np

    res = np.asarray(max_residual, dtype=float)
    arrays = [res, np.asarray(code), np.asarray(finite, dtype=bool)]
    arrays.append(np.asarray(0.0 if check_error is None else check_error, dtype=float))
    arrays.append(np.asarray(np.inf if margin is None else margin, dtype=float))
    res, code, finite, err, marg = np.broadcast_arrays(*arrays)
    failed = np.where(code == 1, Status.MAX_STEPS.value, Status.DIVERGED.value)
    out = np.select(
        [~(np.isfinite(res) & finite), ~(res <= tol), ~(err <= check_tol), ~(marg > 0)],
        [Status.NONFINITE.value, failed, Status.FAILED_CHECKS.value, Status.INADMISSIBLE.value],
        default=Status.SUCCESS.value,
    )
    return out[()] if out.ndim == 0 else out


def accepted(max_residual, code, tol: float, **kwargs):
    """True where :func:`verdict` accepts a solve (a bool, or a bool array over a batch)."""
    import numpy as np

    ok = np.asarray(verdict(max_residual, code, tol, **kwargs)) == Status.SUCCESS.value
    return bool(ok) if ok.ndim == 0 else ok


def _min_margin(margins: dict[str, Any]) -> float:
    """The smallest entry of every admissibility margin (non-finite entries count as -inf)."""
    import numpy as np

    out = float("inf")
    for v in margins.values():
        a = np.asarray(v, dtype=float).reshape(-1)
        if a.size:
            out = min(out, float(np.min(np.where(np.isfinite(a), a, -np.inf))))
    return out


@dataclass(frozen=True)
class Equilibrium:
    """A validated solution: the unknowns, the model's outcome arrays and diagnostics.

    ``outcomes`` holds NumPy arrays (country dimension first, as the model documents).
    ``stages`` counts the continuation stages the solve needed (0: the direct solve converged);
    ``admissibility`` holds the smallest value of each of the model's admissibility margins.
    """

    y: Any
    outcomes: dict[str, Any]
    status: Status
    steps: int
    max_residual: float
    checks: dict[str, float]
    seconds: float
    tol: float
    meta: dict[str, Any] = field(default_factory=dict)
    stages: int = 0
    admissibility: dict[str, float] = field(default_factory=dict)

    @property
    def converged(self) -> bool:
        return self.status is Status.SUCCESS

    def diagnostics(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "message": self.status.message,
            "steps": self.steps,
            "continuation_stages": self.stages,
            "max_residual": self.max_residual,
            "tol": self.tol,
            "checks": dict(self.checks),
            "admissibility": dict(self.admissibility),
            "seconds": self.seconds,
        }


#: Systems of up to this many unknowns are solved with one BLAS thread (see :class:`SolverOptions`).
SMALL_SYSTEM = 2000


@functools.cache
def _blas_controller():
    import scipy.linalg.cython_lapack  # noqa: F401  (the LAPACK that JAX's CPU kernels call)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def blas_threads(n_unknowns: int, threads: int | None = None) -> contextlib.AbstractContextManager:
    """Context that sets the BLAS thread count for a solve of ``n_unknowns`` (see :class:`SolverOptions`)."""
    if threads is None:
        threads = 1 if n_unknowns <= SMALL_SYSTEM else 0
    if threads == 0:
        return contextlib.nullcontext()
    from ._blas import limited  # shared by concurrent solves: the last to finish restores BLAS

    return limited(_blas_controller, int(threads))


def _smallest(model, margins: dict[str, Any], codes=None, only_bad: bool = True) -> list[str]:
    """``name=value (country)``: the smallest entry of every margin (only those not positive by default)."""
    import numpy as np

    codes = tuple(codes or getattr(model, "codes", ()) or ())
    out = []
    for k, v in margins.items():
        a = np.asarray(v, dtype=float).reshape(-1) if np.ndim(v) else np.asarray([float(v)])
        a = np.where(np.isfinite(a), a, -np.inf)
        i = int(np.argmin(a))
        if only_bad and a[i] > 0:
            continue
        who = ""
        if a.size > 1:
            who = f" ({codes[i]})" if len(codes) == a.size else f" (country #{i})"
        out.append(f"{k}={a[i]:.3g}{who}")
    return out


def solve_model(
    model: EquilibriumModel,
    shock: Any,
    options: SolverOptions | None = None,
    *,
    y0: jax.Array | None = None,
    throw: bool = True,
    what: str = "equilibrium",
    codes: tuple[str, ...] | None = None,
    plausible: bool = True,
) -> Equilibrium:
    """Solve ``model`` under ``shock``, check the accounting and admissibility, return an :class:`Equilibrium`.

    The solve is :func:`find_root` (direct solve, then damped Newton and continuation when it fails).
    A converged solve must then pass the model's accounting ``checks`` (each <= ``check_tol``) and, where
    the model defines them, its ``admissibility`` margins (each > 0: positive prices, incomes,
    expenditure and real income, shares in [0, 1]). With ``throw=True`` (default) a solve that fails
    raises :class:`ConvergenceError` (:class:`InadmissibleError` for an impossible equilibrium) carrying
    its diagnostics; with ``throw=False`` the status says what went wrong and the caller must look at it.
    ``codes`` (country codes in the model's order; default ``model.codes`` where it has them) name the
    country of a failed margin in the message; with deficits held fixed, the message names a country whose
    fixed surplus makes the equilibrium impossible and the closure that would not (:mod:`tradewar._plausible`).
    An accepted solve whose welfare or employment changes leave the plausibility bounds of
    :mod:`tradewar._plausible` is returned with one :class:`~tradewar.TradewarWarning` naming the countries
    (``plausible=False`` skips that check: for steps that are not results, such as removing the deficits).

    ``shock`` is a :class:`Shock` or an array of new tariffs; it is checked first
    (:func:`tradewar.policy._shock.check_shock`: shape, rates above -100%, own sales untaxed), and a bad
    one raises :class:`~tradewar.ScenarioError`.
    """
    import numpy as np

    from ._cancel import checkpoint

    checkpoint()  # a caller that cancelled the work stops it here, between solves
    opts = options or SolverOptions()
    shock = check_shock(model, shock, codes if codes is not None else getattr(model, "codes", None), what)
    start = time.perf_counter()
    y_init = model.initial_guess() if y0 is None else y0
    method = opts.method if opts.method != "auto" else getattr(model, "preferred_method", "newton")
    with blas_threads(int(np.size(y_init)), opts.blas_threads):
        root = jax.block_until_ready(root_of(model, y_init, shock, opts.tol, opts.max_steps, method))
    seconds = time.perf_counter() - start
    max_res = float(root.max_residual)
    status = Status(verdict(max_res, int(root.result_code), opts.tol))
    checks: dict[str, float] = {}
    margins: dict[str, Any] = {}
    outcomes: dict[str, Any] = {}
    if status is Status.SUCCESS:
        out = _jax.cached_call(_inspect, model, root.value, shock)
        checks = {k: float(v) for k, v in out["checks"].items()}
        margins = {k: np.asarray(v) for k, v in out["margins"].items()}
        worst = max((v if v == v else float("inf") for v in checks.values()), default=0.0)  # NaN fails
        status = Status(verdict(max_res, int(root.result_code), opts.tol, check_error=worst,
                                check_tol=opts.check_tol, margin=_min_margin(margins)))
        outcomes = {k: np.asarray(v) for k, v in out["outcomes"].items()}
    eq = Equilibrium(
        y=root.value,
        outcomes=outcomes,
        status=status,
        steps=int(root.steps),
        max_residual=max_res,
        checks=checks,
        seconds=seconds,
        tol=opts.tol,
        stages=int(root.stages),
        admissibility={k: float(np.min(v)) if np.size(v) else float("inf") for k, v in margins.items()},
    )
    if throw:
        if status is Status.FAILED_CHECKS:
            bad = [f"{k}={v:.3g}" for k, v in checks.items() if not (v <= opts.check_tol)]
            raise ConvergenceError(
                f"{what}: {status.message}: {', '.join(bad)} (tolerance {opts.check_tol:.1g})",
                eq.diagnostics(),
            )
        if status is Status.INADMISSIBLE:
            raise InadmissibleError(
                f"{what}: {status.message}: {', '.join(_smallest(model, margins, codes))}; "
                f"the model has no admissible equilibrium for this policy{_hint(model, margins, codes)}",
                eq.diagnostics(),
            )
        if status is not Status.SUCCESS:
            raise ConvergenceError(
                f"{what}: {status.message} (status {status.value}, {eq.steps} steps, "
                f"max residual {max_res:.3g}, tolerance {opts.tol:.1g}){_path_note(model, root, shock, codes)}",
                eq.diagnostics(),
            )
    if status is Status.SUCCESS and plausible:
        from ._plausible import warn_implausible

        warn_implausible(model, outcomes, codes if codes is not None else getattr(model, "codes", None), what)
    return eq


def _path_note(model, root: RootSolution, shock, codes) -> str:
    """Where the continuation stopped and, there, the model's smallest admissibility margins."""
    path = float(root.path)
    base = _baseline_shock(model)
    if base is None or not 0.0 < path < 1.0:
        return ""
    note = f"; continuation from the baseline solved {100 * path:.0f}% of the change in log(1 + t)"
    if getattr(model, "admissibility", None) is not None:
        _, margins = _checks(model, root.value, _along(base, shock, path))
        bad = _smallest(model, margins, codes)
        if bad:
            note += f", where the equilibrium is already impossible: {', '.join(bad)}{_hint(model, margins, codes)}"
    return note


def _hint(model, margins, codes) -> str:
    """The closure that would make an impossible equilibrium possible (:mod:`tradewar._plausible`)."""
    from ._plausible import inadmissible_hint

    return inadmissible_hint(model, margins, codes if codes is not None else getattr(model, "codes", None))


@eqx.filter_jit
def _checks(model, y, shock):
    adm = getattr(model, "admissibility", None)
    return model.checks(y, shock), ({} if adm is None else adm(y, shock))


def _root_at(model, y0, shock, tol, max_steps, method) -> RootSolution:
    return find_root(model.residual, y0, shock, tol, max_steps, method)


def root_of(model, y0, shock, tol: float = 1e-10, max_steps: int = 60, method: str = "auto") -> RootSolution:
    """:func:`find_root` of ``model.residual``, as a stored program (:func:`tradewar._jax.cached_call`).

    The tolerance is an input of the program, not a constant in it, so that :func:`solve_model` and the
    strategic layer (which solves to a tighter tolerance) run one compiled solver per model, shapes and
    method, and a later process loads it instead of tracing and compiling the solver again.
    """
    import numpy as np

    if method == "auto":
        method = getattr(model, "preferred_method", "newton")
    return _jax.cached_call(_root_at, model, y0, shock, np.float64(tol), max_steps, method)


def _inspect(model, y, shock) -> dict[str, Any]:
    """The checks, margins and outcomes at a root (a program of its own, run only for a converged solve)."""
    checks, margins = _checks(model, y, shock)
    return {"checks": checks, "margins": margins, "outcomes": model.outcomes(y, shock)}
