"""The one solver driver shared by every model family.

A model (``tradewar.models.*``) is a frozen value that provides pure array
functions: ``initial_guess()``, ``residual(y, shock)``, ``outcomes(y, shock)``,
``checks(y, shock)`` and ``admissibility(y, shock)``. :func:`find_root` solves
``residual(y, shock) = 0`` under ``jit``: first directly (Newton's method, the chord method or
Newton-Krylov); where that fails, by continuation from the model's baseline in ``log(1 + t)`` with
damped Newton stages (a backtracking line search on the residual norm). Every solve of these is a pass
of one ``while_loop`` that holds one traced Newton body (one Jacobian of the residual, one linear solve:
a dense LU, or for a chord solve the model's own exact factorisation, ``newton_factor``), so the compiled
program stays small. It can be ``vmap``-ed, and it is differentiable with respect to
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
import math
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import equinox as eqx
import jax
import jax.numpy as jnp

from . import _jax  # float64, compilation cache, stored traced programs
from ._exceptions import ConvergenceError, InadmissibleError
from .policy._shock import PreparedShock, Shock, check_shock

__all__ = [
    "Status",
    "Shock",
    "SolverOptions",
    "RootSolution",
    "Equilibrium",
    "EquilibriumModel",
    "find_root",
    "share_margin",
    "smallest_margin",
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
    method : ``"newton"`` (dense Jacobian, LU), ``"chord"`` (one Jacobian, reused; Newton if it fails; the model's
        own exact factorisation of its Newton system, ``newton_factor``, where it has one),
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


def margins_of(model, y, shock) -> dict[str, Any]:
    """The model's admissibility margins at ``y`` (``{}`` for a model that declares none)."""
    adm = getattr(model, "admissibility", None)
    return {} if adm is None else adm(y, shock)


def smallest_margin(margins: dict[str, Any]) -> jax.Array:
    """The smallest entry of every admissibility margin, a non-finite entry counting as ``-inf``; ``inf`` when
    there are none. Positive in a possible equilibrium (:func:`verdict`'s ``margin``)."""
    worst = [jnp.min(jnp.where(jnp.isfinite(v), v, -jnp.inf)) for v in map(jnp.asarray, margins.values()) if v.size]
    return jnp.min(jnp.stack(worst)) if worst else jnp.asarray(jnp.inf)


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
#: The settings of a solve given none (one instance: the options are immutable).
_DEFAULT_OPTIONS = SolverOptions()
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


#: Armijo's rule of the damped Newton steps: a step is halved until ``|r|^2/2`` falls by at least this
#: fraction of the decrease its linearisation predicts (``|r|^2`` per unit of step for a Newton step).
ARMIJO_SLOPE = 0.1

# The phases of the solver's one loop (see :func:`_primal`).
_CHORD, _NEWTON, _STAGE, _FINAL, _DONE = 0, 1, 2, 3, 4


def _own_model(residual) -> Any:
    """The model whose own ``residual`` method ``residual`` is, else None (a wrapper or another function)."""
    return getattr(residual, "__self__", None) if getattr(residual, "__name__", None) == "residual" else None


def _jacobian(residual, y, shock) -> jax.Array:
    """``d residual / d y`` at ``y``: the model's closed form ``residual_jacobian(y, shock)`` where it has one
    (cheaper than forward-mode differentiation over every unknown, and differentiable as well), else ``jacfwd``."""
    closed = getattr(_own_model(residual), "residual_jacobian", None)
    if closed is None:
        return jax.jacfwd(lambda q: residual(q, shock))(y)
    return closed(y, shock)


def _structured(residual) -> bool:
    """True when ``residual`` is a model's own residual and the model factorises its Newton system itself
    (``newton_structured``, with ``newton_factor`` and ``newton_solve``: exact, cheaper than a dense LU)."""
    return bool(getattr(_own_model(residual), "newton_structured", False))


def _factor(residual, y, shock, own: bool):
    """Factors of the Newton system at ``y``: the model's own (``own``), else a dense LU of the Jacobian."""
    if own:
        return residual.__self__.newton_factor(y, shock)
    return jax.scipy.linalg.lu_factor(_jacobian(residual, y, shock))


def _solve_factored(residual, factors, r, own: bool) -> jax.Array:
    """``J^{-1} r`` from :func:`_factor`'s factors."""
    if own:
        return residual.__self__.newton_solve(factors, r)
    return jax.scipy.linalg.lu_solve(factors, r)


def _max_abs(y, r) -> jax.Array:
    """The largest absolute residual ``r`` at ``y`` (inf where either is not finite)."""
    m = jnp.max(jnp.abs(r))
    return jnp.where(jnp.isfinite(m) & jnp.all(jnp.isfinite(y)), m, jnp.inf)


def _gmres(tol):
    """The inexact Newton step of ``newton_krylov``: restarted GMRES on Jacobian-vector products."""
    import lineax as lx  # imported where a Krylov solve is traced: a one-sector solve never needs it

    return lx.GMRES(rtol=1e-6, atol=tol * 1e-3, restart=30, stagnation_iters=30, max_steps=3000)


def _linear_kinds(method: str, size: int) -> tuple[str, str]:
    """How the direct solve and the continuation's stages compute a Newton step: ``"lu"`` or ``"gmres"``."""
    if method not in METHODS:
        raise ValueError(f"unknown solver method {method!r}; expected one of {', '.join(METHODS)}")
    direct = "gmres" if method == "newton_krylov" else "lu"
    # dense LU where the Jacobian fits (GMRES stagnates near the edge of the admissible region)
    return direct, ("lu" if size <= DENSE_LIMIT else direct)


class _Iterate(NamedTuple):
    """State of :func:`_newton`."""

    y: jax.Array  # the last accepted point
    r: jax.Array  # the residual there
    d: jax.Array  # the Newton step there (valid once computed: ~fresh)
    step: jax.Array  # the length of the next trial point along -d
    k: jax.Array  # residual evaluations (the solve's steps)
    fresh: jax.Array  # y was just accepted: its step is computed with the factors of the pass
    refactor: jax.Array  # the Jacobian must be factorised again, at y
    stop: jax.Array
    code: jax.Array  # RESULT_CODES
    value: jax.Array  # the solve's value once it stops
    r_value: jax.Array  # the residual at the value


def _small(x, scale) -> jax.Array:
    return jnp.max(jnp.abs(x) / scale) < 1.0


def _newton(residual, y0, shock, phase, tol, max_steps, linear: str):
    """Newton's method on ``residual(., shock)`` from ``y0``: (value, result code, steps, residual at the value).

    The one traced Newton body of the solver, whichever ``phase`` (a traced integer) runs it:

    - ``_NEWTON``: a fresh Jacobian at every step, full steps;
    - ``_CHORD``: the Jacobian at ``y0``, factorised once and reused (more steps, each far cheaper);
    - ``_STAGE``: damped Newton, a backtracking line search on ``|r|^2/2`` (Armijo's rule,
      :data:`ARMIJO_SLOPE`; a trial point with non-finite values is rejected like one that does not
      decrease the residual, so the iterates stay where the equations are defined);
    - ``_FINAL``: no step, ``y0`` returned.

    Two loops: each pass of the outer one factorises the Jacobian at the last accepted point (a dense LU,
    the model's own factorisation for ``linear="own"``; for ``linear="gmres"`` the point at which GMRES
    solves with Jacobian-vector products), and the inner one runs the steps those factors serve, so the
    factors are constants of the inner loop, never state carried from pass to pass: in the chord phase
    every step, in the others the steps up to the next accepted point. Each inner pass computes the step
    at a newly accepted point, checks termination and evaluates the residual at the next trial point. A
    step counts one residual evaluation, and the solve stops, as optimistix's ``Newton``, ``Chord`` and
    ``GaussNewton`` with ``BacktrackingArmijo`` do, on Cauchy termination at ``tol`` (a small step and a
    small residual: before the step for full steps, its change for damped ones; code 0), at a non-finite
    point or a failed linear solve (code 2), or after ``max_steps`` steps (code 1). The value is the point
    after the last full step, or the last accepted point of a damped solve; its residual, which the loop
    evaluated, comes with it.
    """
    damped = phase == _STAGE
    reuse = phase == _CHORD
    own = linear == "own"  # the model's own factorisation (see _structured)
    n_max = jnp.where(phase == _FINAL, 0, max_steps)

    def factorise(y):
        return _factor(residual, y, shock, own) if linear in ("lu", "own") else y

    def step_at(factors, r):
        if linear in ("lu", "own"):
            d = _solve_factored(residual, factors, r, own)
            return d, jnp.all(jnp.isfinite(d))  # a singular or non-finite system fails, as in lineax

        def matvec(v):
            return jax.jvp(lambda q: residual(q, shock), (factors,), (v,))[1]

        import lineax as lx

        op = lx.FunctionLinearOperator(matvec, jax.eval_shape(lambda: factors))
        sol = lx.linear_solve(op, r, _gmres(tol), throw=False)
        return sol.value, sol.result == lx.RESULTS.successful

    def inner(factors, c: _Iterate) -> _Iterate:
        if linear == "gmres":  # a GMRES solve costs many residual evaluations: only at a newly accepted point
            d_new, lin_ok = jax.lax.cond(c.fresh, lambda: step_at(factors, c.r), lambda: (c.d, jnp.asarray(True)))
        else:  # two triangular solves: cheaper than a branch
            d_new, lin_ok = step_at(factors, c.r)
        d = jnp.where(c.fresh, d_new, c.d)
        step = jnp.where(c.fresh, 1.0, c.step).astype(c.step.dtype)
        y_try = c.y - step * d
        # before a full step: Cauchy termination (optimistix's rule), a small step and a small residual
        full_done = ~damped & _small(d, tol + tol * jnp.abs(y_try)) & _small(c.r, tol)
        failed = c.fresh & (~lin_ok | ~jnp.all(jnp.isfinite(c.y)))
        out_of_steps = c.k >= n_max
        r_e = residual(y_try, shock)
        loss, loss_e = 0.5 * jnp.sum(c.r**2), 0.5 * jnp.sum(r_e**2)
        armijo = loss_e - loss <= -ARMIJO_SLOPE * step * 2.0 * loss  # NaN compares False: rejected
        accept = ~damped | armijo
        # after an accepted damped step: a small change of the point and of the residual
        damped_done = damped & armijo & _small(y_try - c.y, tol + tol * jnp.abs(y_try)) & _small(
            r_e - c.r, tol + tol * jnp.abs(r_e))
        stop_before = (c.fresh & full_done) | failed | out_of_steps
        stop = stop_before | damped_done
        code = jnp.where(failed, 2, jnp.where((c.fresh & full_done) | (~stop_before & damped_done), 0, 1))
        at_last = stop_before & ~(c.fresh & full_done) & damped  # the value is the last accepted point
        value, r_value = jnp.where(at_last, c.y, y_try), jnp.where(at_last, c.r, r_e)
        moved = ~stop_before & accept
        return _Iterate(
            y=jnp.where(moved, y_try, c.y), r=jnp.where(moved, r_e, c.r), d=d,
            step=jnp.where(moved, 1.0, 0.5 * step).astype(step.dtype),
            k=c.k + (~stop_before).astype(c.k.dtype), fresh=moved, refactor=moved & ~reuse, stop=stop,
            code=code.astype(jnp.int32), value=jnp.where(stop, value, c.value),
            r_value=jnp.where(stop, r_value, c.r_value),
        )  # fmt: skip

    def outer(c: _Iterate) -> _Iterate:
        factors = factorise(c.y)
        c = c._replace(refactor=jnp.asarray(False))
        return jax.lax.while_loop(lambda c: ~c.stop & ~c.refactor, functools.partial(inner, factors), c)

    r0 = residual(y0, shock)
    one = jnp.ones((), dtype=y0.dtype)
    final = n_max <= 0
    # a damped solve that starts at a root stops there (no change of the residual over the first point)
    at_root = damped & ~final & _small(r0, tol + tol * jnp.abs(r0))
    init = _Iterate(y=y0, r=r0, d=jnp.zeros_like(y0), step=one, k=jnp.where(final, 0, 1).astype(jnp.int32),
                    fresh=jnp.asarray(True), refactor=jnp.asarray(False), stop=final | at_root,
                    code=jnp.where(at_root, 0, 1).astype(jnp.int32), value=y0, r_value=r0)  # fmt: skip
    c = jax.lax.while_loop(lambda c: ~c.stop, outer, init)
    return c.value, c.code, c.k, c.r_value


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


class _Path(NamedTuple):
    """State of the solver's loop (:func:`_primal`)."""

    phase: jax.Array
    s: jax.Array  # continuation: the fraction of the path solved
    h: jax.Array  # the next stage's length
    y: jax.Array  # the solution at s
    y_prev: jax.Array  # the one before (secant prediction)
    s_prev: jax.Array
    attempts: jax.Array
    c_steps: jax.Array
    stages: jax.Array
    y_direct: jax.Array  # the direct solve: value, code, steps, accepted
    code: jax.Array
    steps: jax.Array
    ok: jax.Array
    res: jax.Array  # max |residual| of the direct solve, then of the value returned (its final check)


def _advance(c: _Path, value, code, k, res, s_try, tol, max_steps, y_base_is_direct: bool) -> _Path:
    """The next phase of the solver's loop after a Newton solve (``value``, ``code``, ``k``, ``res``)."""
    phase = c.phase
    direct_end = ((phase == _CHORD) & (res <= tol)) | (phase == _NEWTON)
    ok = direct_end & (code == 0) & (res <= tol)
    stage = phase == _STAGE
    good = stage & (res <= tol)
    y, y_prev = c.y, c.y_prev
    if y_base_is_direct:  # no baseline to start from: the continuation's one stage starts at the direct value
        y = jnp.where(direct_end, value, y)
        y_prev = jnp.where(direct_end, value, y_prev)
    s = jnp.where(good, s_try, c.s)
    h = jnp.where(stage, jnp.where(good, 2.0 * c.h, 0.5 * c.h), c.h)
    attempts = c.attempts + stage.astype(jnp.int32)
    c_steps = c.c_steps + jnp.where(stage, k, 0).astype(jnp.int32)
    more = (s < 1.0) & (h >= MIN_STAGE) & (attempts < MAX_STAGES) & (c_steps < STEP_BUDGET * max_steps)
    nxt = jnp.select(
        [(phase == _CHORD) & ~direct_end, ok, direct_end, stage & more, stage, phase == _FINAL],
        [_NEWTON, _DONE, _STAGE, _STAGE, _FINAL, _DONE],
        phase,
    ).astype(jnp.int32)
    return _Path(
        phase=nxt,
        s=s,
        h=h,
        y=jnp.where(good, value, y),
        y_prev=jnp.where(good, c.y, y_prev),
        s_prev=jnp.where(good, c.s, c.s_prev),
        attempts=attempts,
        c_steps=c_steps,
        stages=c.stages + good.astype(jnp.int32),
        y_direct=jnp.where(direct_end, value, c.y_direct),
        code=jnp.where(direct_end, code, c.code).astype(jnp.int32),
        steps=jnp.where(direct_end, k, c.steps).astype(jnp.int32),
        ok=c.ok | ok,
        res=jnp.where(direct_end | (phase == _FINAL), res, c.res),
    )


def _primal(inputs):
    """The solve: the direct Newton (or chord) solve, then where it fails a continuation; one loop.

    The direct solve is Newton's method (dense LU or GMRES) or the chord method, which factorises the
    Jacobian once, at the start, and reuses it: more steps, each far cheaper. The chord method converges
    linearly, so it runs to ``tol/100`` to return a solution as accurate as Newton's; if it does not
    reach ``tol`` (large shocks), Newton starts again from ``y0``.

    Where the direct solve fails, a homotopy in the tariff change: the policy moves from the model's
    baseline (where ``initial_guess()`` is exact) to ``shock`` along
    ``log(1 + t_s) = (1 - s) log(1 + t_base) + s log(1 + t)``. Each stage solves the equilibrium at
    ``s + h`` by damped Newton (dense LU up to :data:`DENSE_LIMIT` unknowns, whatever the direct method)
    from a secant prediction through the last two solutions; a failed stage halves ``h``, a successful one
    doubles it. The first stage is the whole path (``h = 1``): a damped Newton solve from the baseline.
    It stops at ``s = 1``, or fails when ``h`` falls below :data:`MIN_STAGE`, after :data:`MAX_STAGES`
    attempts or after :data:`STEP_BUDGET` times ``max_steps`` Newton steps; the value it reached is then
    checked at ``shock``.

    Every solve of these phases is a pass of one ``while_loop`` whose state carries the phase, the stage
    and the continuation's path, and runs the one Newton body of :func:`_newton` (one Jacobian of the
    residual, one linear solve): the program holds that body once. The loop's condition is false once a
    solve is accepted, so under ``vmap`` a batch whose members all converged directly pays nothing for
    the continuation. (For ``newton_krylov`` below :data:`DENSE_LIMIT` unknowns the direct GMRES solve
    runs before the loop, so that a batch never pays for both kinds of linear solve at every step.)
    Each pass solves at one policy, which the model's ``prepare_shock`` (where it has one) turns into the
    shock its equations read, with the arrays that depend on the policy only computed once: before the loop
    for ``shock`` itself, in the pass for a stage of the continuation.
    """
    residual, y0, shock, tol, max_steps, method, _ = inputs
    model = getattr(residual, "__self__", None)
    direct_kind, stage_kind = _linear_kinds(method, y0.size)
    base = _baseline_shock(model) if model is not None else None
    y_base_is_direct = base is None
    if base is None:  # no baseline to start from: one damped Newton stage from the direct solve's value
        base, y_base = shock, y0
    else:
        y_base = model.initial_guess()
    tol = jnp.asarray(tol, dtype=y0.dtype)
    one = jnp.ones((), dtype=y0.dtype)
    zero = jnp.zeros_like(one)
    i0 = jnp.int32(0)
    start = _Path(
        phase=jnp.int32(_CHORD if method == "chord" else _NEWTON),
        s=zero, h=one, y=y_base, y_prev=y_base, s_prev=zero, attempts=i0, c_steps=i0, stages=i0,
        y_direct=y0, code=jnp.int32(1), steps=i0, ok=jnp.asarray(False), res=jnp.asarray(jnp.inf, y0.dtype),
    )  # fmt: skip
    # the arrays that depend on the policy only, once for each policy solved at, where the model provides them
    # (a shock that comes prepared, from _solved, is used as it is)
    prepare = getattr(_own_model(residual), "prepare_shock", None) or (lambda s: s)
    prepared = shock if isinstance(shock, PreparedShock) else prepare(shock)
    if direct_kind != stage_kind:
        value, code, k, r_value = _newton(residual, y0, prepared, jnp.int32(_NEWTON), tol, max_steps, direct_kind)
        res = _max_abs(value, r_value)
        start = _advance(start, value, code, k, res, one, tol, max_steps, y_base_is_direct)

    # a single (chord) solve uses the model's own factorisation where it has one; batches (Newton under vmap)
    # keep the dense LU, whose batched program compiles about half a second faster
    body_kind = "own" if method == "chord" and stage_kind == "lu" and _structured(residual) else stage_kind

    def body(c: _Path) -> _Path:
        stage = c.phase == _STAGE
        s_try = jnp.minimum(c.s + c.h, 1.0)
        slope = jnp.where(c.s > c.s_prev, (s_try - c.s) / jnp.where(c.s > c.s_prev, c.s - c.s_prev, 1.0), 0.0)
        y_start = jnp.where(
            stage,
            c.y + slope * (c.y - c.y_prev),
            jnp.where(c.phase == _FINAL, jnp.where(c.s > 0.0, c.y, c.y_direct), y0),
        )
        sh = jax.lax.cond(stage, lambda: prepare(_along(base, shock, s_try)), lambda: prepared)
        tol_s = jnp.where(c.phase == _CHORD, tol * 1e-2, tol)
        value, code, k, r_value = _newton(residual, y_start, sh, c.phase, tol_s, max_steps, body_kind)
        res = _max_abs(value, r_value)
        return _advance(c, value, code, k, res, s_try, tol, max_steps, y_base_is_direct)

    def loop(c: _Path) -> _Path:
        return jax.lax.while_loop(lambda c: c.phase != _DONE, body, c)

    if direct_kind != stage_kind:
        # a converged direct solve leaves the loop no pass to run; the branch keeps XLA from computing, ahead of
        # the loop and so always, what it hoists out of it (the basis of a dense Jacobian, for one)
        c = jax.lax.cond(start.phase != _DONE, loop, lambda c: c, start)
    else:
        c = loop(start)
    path = jnp.where(c.ok, one, c.s)
    value = jnp.where(c.ok | (c.s <= 0.0), c.y_direct, c.y)  # the continuation's, where it moved
    code = jnp.where(c.ok | (path >= 1.0), 0, jnp.where(c.code == 0, 2, c.code)).astype(jnp.int32)
    return value, (code, c.steps + c.c_steps, c.stages, path, c.res)


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
    jac = _jacobian(residual, y, shock)
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

    number = bool | int | float | np.bool_ | np.number
    if all(isinstance(v, number) for v in (max_residual, code, tol, check_tol, finite)) and all(
            v is None or isinstance(v, number) for v in (check_error, margin)):
        # one solve: the rule on Python numbers, about twenty times faster than on 0-d arrays
        return _rule(float(max_residual), code, tol, bool(finite), 0.0 if check_error is None else float(check_error),
                     check_tol, math.inf if margin is None else float(margin), lambda c, a, b: a if c else b,
                     math.isfinite)
    res = np.asarray(max_residual, dtype=float)
    err = 0.0 if check_error is None else np.asarray(check_error, dtype=float)
    marg = np.inf if margin is None else np.asarray(margin, dtype=float)
    out = _rule(res, np.asarray(code), tol, np.asarray(finite, dtype=bool), err, check_tol, marg, np.where, np.isfinite)
    return out[()] if out.ndim == 0 else out


def _rule(res, code, tol, finite, err, check_tol, marg, where, isfinite):
    """:func:`verdict`'s rule, written once for numbers (``where`` a conditional expression) and for arrays
    (``where`` :func:`numpy.where`): from the last rule to the first, so that the first one that fails names the
    status."""
    out = where(marg > 0, Status.SUCCESS.value, Status.INADMISSIBLE.value)
    out = where(err <= check_tol, out, Status.FAILED_CHECKS.value)
    out = where(res <= tol, out, where(code == 1, Status.MAX_STEPS.value, Status.DIVERGED.value))
    return where(isfinite(res) & finite, out, Status.NONFINITE.value)


def accepted(max_residual, code, tol: float, **kwargs):
    """True where :func:`verdict` accepts a solve (a bool, or a bool array over a batch)."""
    import numpy as np

    ok = np.asarray(verdict(max_residual, code, tol, **kwargs)) == Status.SUCCESS.value
    return bool(ok) if ok.ndim == 0 else ok


@dataclass(frozen=True)
class Equilibrium:
    """A validated solution: the unknowns, the model's outcome arrays and diagnostics.

    ``outcomes`` holds NumPy arrays (country dimension first, as the model documents).
    ``stages`` counts the continuation stages the solve needed (0: the direct solve converged);
    ``admissibility`` holds the smallest value of each of the model's admissibility margins; ``seconds`` is the
    wall time of the compiled program, which solves and computes the checks, margins and outcomes at the root.
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
    from threadpoolctl import ThreadpoolController

    from ._blas import load_lapack

    load_lapack()  # the BLAS of JAX's CPU kernels must be in the process for threadpoolctl to find it
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
    opts = options or _DEFAULT_OPTIONS
    shock = check_shock(model, shock, codes if codes is not None else getattr(model, "codes", None), what)
    start = time.perf_counter()
    y_init = _initial_guess(model) if y0 is None else y0
    with blas_threads(int(np.size(y_init)), opts.blas_threads):
        root, out = jax.block_until_ready(_solve_at(model, y_init, shock, opts.tol, opts.max_steps, opts.method, True))
    seconds = time.perf_counter() - start
    # np.asarray first: a NumPy view of a finished JAX array, far cheaper than float() of the JAX scalar
    max_res, code = float(np.asarray(root.max_residual)), int(np.asarray(root.result_code))
    checks = {k: float(v) for k, v in _unpacked(out["checks"]).items()}
    worst = max((v if v == v else math.inf for v in checks.values()), default=0.0)  # NaN fails
    status = Status(verdict(max_res, code, opts.tol, check_error=worst, check_tol=opts.check_tol,
                            margin=float(np.asarray(out["margin"]))))
    # the checks, margins and outcomes of a solve that did not converge describe no equilibrium: none kept
    converged = status in (Status.SUCCESS, Status.FAILED_CHECKS, Status.INADMISSIBLE)
    checks = checks if converged else {}
    # the margins in full name the countries of an impossible equilibrium; an accepted one needs their minima only
    margins = _unpacked(out["margins"]) if status is Status.INADMISSIBLE else {}
    lowest = {k: float(v) for k, v in _unpacked(out["lowest"]).items()} if converged else {}
    outcomes = _unpacked(out["outcomes"]) if converged else {}
    eq = Equilibrium(
        y=root.value,
        outcomes=outcomes,
        status=status,
        steps=int(np.asarray(root.steps)),
        max_residual=max_res,
        checks=checks,
        seconds=seconds,
        tol=opts.tol,
        stages=int(np.asarray(root.stages)),
        admissibility=lowest,
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


def _initial_guess(model) -> jax.Array:
    """``model.initial_guess()``, through the class where it is defined there: an equinox module binds a method
    afresh at every attribute access (about 20 us, as much as the rest of a small solve's bookkeeping)."""
    method = getattr(type(model), "initial_guess", None)
    return method(model) if callable(method) else model.initial_guess()


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
    return model.checks(y, shock), margins_of(model, y, shock)


def _solved(model, y0, shock, tol, max_steps, method, inspect) -> tuple[RootSolution, dict[str, Any]]:
    """:func:`find_root` of ``model.residual`` and, where ``inspect`` (a traced boolean) is true, :func:`_inspect`
    at the root (zeros of the same shapes where it is false).

    One program serves single solves, which inspect, and the strategic layer, which does not: a command
    compiles and loads one solver program per model, and a single solve runs one program. A model without
    ``checks`` and ``outcomes`` (one the strategic layer only solves) has nothing to inspect: ``{}``. The
    arrays that depend on the policy only (the model's ``prepare_shock``) are computed once, for the solve
    and the inspection: on the 194 countries, an exponential over every pair is a tenth of the solve.
    """
    prepare = getattr(model, "prepare_shock", None)
    shock = shock if prepare is None else prepare(shock)
    root = find_root(model.residual, y0, shock, tol, max_steps, method)
    if not (hasattr(model, "checks") and hasattr(model, "outcomes")):
        return root, {}

    def found():
        return _inspect(model, root.value, shock)

    def blank():
        return jax.tree.map(lambda a: jnp.zeros(a.shape, a.dtype), jax.eval_shape(found))

    return root, jax.lax.cond(inspect, found, blank)


def _solve_at(model, y0, shock, tol, max_steps, method, inspect: bool):
    """:func:`_solved` as a stored program (:func:`tradewar._jax.cached_call`); ``method="auto"`` resolved.

    A model whose policies carry export taxes (``export_tax_policy``) gets them as an array, zeros where the
    shock has none (what its equations read for ``None``): one program then serves both kinds of policy.
    """
    import numpy as np

    if method == "auto":
        method = getattr(model, "preferred_method", "newton")
    if getattr(model, "export_tax_policy", False) and isinstance(shock, Shock) and shock.x is None:
        shock = Shock(t=shock.t, x=np.zeros(np.shape(shock.t)))
    return _jax.cached_call(_solved, model, y0, shock, np.float64(tol), max_steps, method, np.bool_(inspect))


def root_of(model, y0, shock, tol: float = 1e-10, max_steps: int = 60, method: str = "auto") -> RootSolution:
    """:func:`find_root` of ``model.residual``, as a stored program (:func:`tradewar._jax.cached_call`).

    The tolerance and whether the solve is inspected are inputs of the program, not constants in it, so that
    :func:`solve_model` and the strategic layer (which solves to a tighter tolerance, and judges its solves by
    their welfare) run one compiled solver per model, shapes and method, and a later process loads it instead
    of tracing and compiling the solver again.
    """
    return _solve_at(model, y0, shock, tol, max_steps, method, False)[0]


def _inspect(model, y, shock) -> dict[str, Any]:
    """The checks, margins and outcomes at a root (part of the solver's program, :func:`_solved`), each
    :func:`_packed`.

    With them, what :func:`solve_model` judges the solve by, reduced in the program: ``lowest``, each margin's
    smallest entry (``inf`` for an empty one), and ``margin`` (:func:`smallest_margin`).
    """
    checks, margins = _checks(model, y, shock)
    groups = _packed(margins)
    lowest = [(jnp.min(m.reshape(len(names), -1), axis=1, initial=jnp.inf), names) for m, names in groups]
    return {"checks": _packed(checks), "margins": groups, "lowest": lowest,
            "margin": smallest_margin({", ".join(names): m for m, names in groups}),
            "outcomes": _packed(model.outcomes(y, shock))}


def _packed(arrays: dict[str, Any]) -> list[tuple[jax.Array, dict[str, None]]]:
    """A dict of arrays as few outputs of a program: those of one shape and dtype stacked (vectors and scalars;
    a larger array stays alone, its stack a mere reshape), each stack with its names, the sorted keys of a
    dict of ``None``, which the program's output tree holds and which are no outputs. Each output of a program
    costs microseconds to hand over and to read, and a solve's checks and outcomes are some forty arrays."""
    groups: dict[Any, list[str]] = {}
    for k in sorted(arrays):
        v = jnp.asarray(arrays[k])
        groups.setdefault((v.shape, v.dtype) if v.ndim <= 1 else k, []).append(k)
    return [(jnp.stack([jnp.asarray(arrays[k]) for k in ks]), dict.fromkeys(ks)) for ks in groups.values()]


def _unpacked(groups) -> dict[str, Any]:
    """The dict that :func:`_packed` packed, as NumPy arrays (views of the stacks)."""
    import numpy as np

    out: dict[str, Any] = {}
    for stacked, names in groups:
        a = np.asarray(stacked)
        out.update((k, a[i, ...]) for i, k in enumerate(sorted(names)))
    return out
