"""The one solver driver shared by every model family.

A model (``tradewar.models.*``) is a frozen value that provides pure array
functions: ``initial_guess()``, ``residual(y, shock)``, ``outcomes(y, shock)`` and
``checks(y, shock)``. :func:`find_root` solves ``residual(y, shock) = 0`` with
optimistix's Newton method under ``jit`` and is differentiable with respect to
``shock`` by implicit differentiation (``optimistix.ImplicitAdjoint``), so the
strategic layer can take gradients of welfare with respect to tariffs.
:func:`solve` adds the accounting checks and raises :class:`ConvergenceError`
with diagnostics when a solve is not valid: numbers are never returned as if
they were.

Residuals are scaled by the model (each equation divided by a baseline level), so
``tol`` is a relative tolerance: ``max |residual| <= tol``.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import equinox as eqx
import jax
import jax.numpy as jnp
import lineax as lx
import optimistix as optx

from . import _jax  # noqa: F401  (float64, compilation cache)
from ._exceptions import ConvergenceError

__all__ = [
    "Status",
    "Shock",
    "SolverOptions",
    "RootSolution",
    "Equilibrium",
    "EquilibriumModel",
    "find_root",
    "batch_method",
    "solve_model",
]


class Status(enum.Enum):
    """Outcome of a solve, with a human message (never parsed from solver text)."""

    SUCCESS = "success"
    MAX_STEPS = "max_steps_reached"
    NONFINITE = "nonfinite"
    DIVERGED = "diverged"
    FAILED_CHECKS = "failed_checks"

    @property
    def message(self) -> str:
        return {
            Status.SUCCESS: "converged to tolerance",
            Status.MAX_STEPS: "the solver reached its maximum number of steps without converging",
            Status.NONFINITE: "the solver produced non-finite values (NaN or inf)",
            Status.DIVERGED: "the solver stopped at a point whose residual exceeds the tolerance",
            Status.FAILED_CHECKS: "the solution fails the accounting checks",
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
    """

    tol: float = 1e-10
    check_tol: float = 1e-8
    max_steps: int = 60
    method: str = "auto"


class EquilibriumModel(Protocol):
    """What :func:`solve_model` needs from a model family."""

    def initial_guess(self) -> jax.Array: ...

    def residual(self, y: jax.Array, shock: Any) -> jax.Array: ...

    def outcomes(self, y: jax.Array, shock: Any) -> dict[str, jax.Array]: ...

    def checks(self, y: jax.Array, shock: Any) -> dict[str, jax.Array]: ...

    def welfare(self, y: jax.Array, shock: Any) -> jax.Array:
        """Welfare change W^ (new/old, (N,)): what the strategic layer maximises."""
        ...


class Shock(eqx.Module):
    """The policy a solve applies, as arrays (the same for every model family).

    t : new tariffs, same shape and dimension order as the model's baseline tariffs
        (``[exporter, importer]`` or ``[exporter, importer, sector]``), fraction, > -1.
    x : new ad-valorem export taxes (or tariff-equivalent trade costs of an export
        control) levied by the exporter, same shape as ``t``; ``None`` = unchanged (zero).
    """

    t: jax.Array
    x: jax.Array | None = None


class RootSolution(eqx.Module):
    """Raw output of :func:`find_root`: arrays only, so it can be vmapped and differentiated."""

    value: jax.Array
    result_code: jax.Array  # 0 = optimistix success
    steps: jax.Array
    max_residual: jax.Array


METHODS = ("newton", "newton_krylov", "chord")


def _run(residual, y0, shock, tol, max_steps, solver, adjoint) -> RootSolution:
    def fn(y, args):
        return residual(y, args)

    sol = optx.root_find(fn, solver, y0, args=shock, max_steps=max_steps, adjoint=adjoint, throw=False)
    value = sol.value
    res = jnp.max(jnp.abs(residual(jax.lax.stop_gradient(value), jax.lax.stop_gradient(shock))))
    code = jnp.asarray(sol.result._value, dtype=jnp.int32)
    return RootSolution(value=value, result_code=code, steps=sol.stats["num_steps"], max_residual=res)


def _root(residual, y0, shock, tol, max_steps, method="newton"):
    # Cauchy termination (small step and small residual) at tol; the residual is re-checked below.
    if method == "newton_krylov":
        # inexact Newton: each step solves J dy = -r by restarted GMRES on Jacobian-vector
        # products (no Jacobian is formed); so does the adjoint solve of implicit differentiation.
        lin = lx.GMRES(rtol=1e-6, atol=tol * 1e-3, restart=30, stagnation_iters=30, max_steps=3000)
        solver = optx.Newton(rtol=tol, atol=tol, linear_solver=lin)
        return _run(residual, y0, shock, tol, max_steps, solver, optx.ImplicitAdjoint(linear_solver=lin))
    newton = optx.Newton(rtol=tol, atol=tol)
    if method == "newton":
        return _run(residual, y0, shock, tol, max_steps, newton, optx.ImplicitAdjoint())
    if method == "chord":
        # The chord method factorises the Jacobian once, at the start, and reuses it: more steps,
        # each far cheaper. It converges linearly, so it runs to tol/100 to return a solution as
        # accurate as Newton's. If it does not reach tol (large shocks), Newton starts again from y0.
        chord = optx.Chord(rtol=tol * 1e-2, atol=tol * 1e-2)
        first = _run(residual, y0, shock, tol, max_steps, chord, optx.ImplicitAdjoint())
        return jax.lax.cond(
            first.max_residual <= tol,
            lambda: first,
            lambda: _run(residual, y0, shock, tol, max_steps, newton, optx.ImplicitAdjoint()),
        )
    raise ValueError(f"unknown solver method {method!r}; expected one of {', '.join(METHODS)}")


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


def _status(code: int, max_residual: float, tol: float) -> Status:
    import math

    if not math.isfinite(max_residual):
        return Status.NONFINITE
    if max_residual <= tol:
        return Status.SUCCESS
    if code == int(optx.RESULTS.max_steps_reached._value):
        return Status.MAX_STEPS
    return Status.DIVERGED


@dataclass(frozen=True)
class Equilibrium:
    """A validated solution: the unknowns, the model's outcome arrays and diagnostics.

    ``outcomes`` holds NumPy arrays (country dimension first, as the model documents).
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

    @property
    def converged(self) -> bool:
        return self.status is Status.SUCCESS

    def diagnostics(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "message": self.status.message,
            "steps": self.steps,
            "max_residual": self.max_residual,
            "tol": self.tol,
            "checks": dict(self.checks),
            "seconds": self.seconds,
        }


def solve_model(
    model: EquilibriumModel,
    shock: Any,
    options: SolverOptions | None = None,
    *,
    y0: jax.Array | None = None,
    throw: bool = True,
    what: str = "equilibrium",
) -> Equilibrium:
    """Solve ``model`` under ``shock``, check the accounting and return an :class:`Equilibrium`.

    With ``throw=True`` (default) an unconverged or inconsistent solve raises
    :class:`ConvergenceError` carrying its diagnostics; with ``throw=False`` the
    status says what went wrong and the caller must look at it.
    """
    import numpy as np

    opts = options or SolverOptions()
    start = time.perf_counter()
    y_init = model.initial_guess() if y0 is None else y0
    method = opts.method if opts.method != "auto" else getattr(model, "preferred_method", "newton")
    root = find_root(model.residual, y_init, shock, opts.tol, opts.max_steps, method)
    root = jax.block_until_ready(root)
    seconds = time.perf_counter() - start
    max_res = float(root.max_residual)
    status = _status(int(root.result_code), max_res, opts.tol)
    checks: dict[str, float] = {}
    outcomes: dict[str, Any] = {}
    if status is Status.SUCCESS:
        checks = {k: float(v) for k, v in _checks(model, root.value, shock).items()}
        bad = [k for k, v in checks.items() if not (v <= opts.check_tol)]
        if bad:
            status = Status.FAILED_CHECKS
        outcomes = {k: np.asarray(v) for k, v in _outcomes(model, root.value, shock).items()}
    eq = Equilibrium(
        y=root.value,
        outcomes=outcomes,
        status=status,
        steps=int(root.steps),
        max_residual=max_res,
        checks=checks,
        seconds=seconds,
        tol=opts.tol,
    )
    if throw:
        if status is Status.FAILED_CHECKS:
            bad = [f"{k}={v:.3g}" for k, v in checks.items() if not (v <= opts.check_tol)]
            raise ConvergenceError(
                f"{what}: {status.message}: {', '.join(bad)} (tolerance {opts.check_tol:.1g})",
                eq.diagnostics(),
            )
        if status is not Status.SUCCESS:
            raise ConvergenceError(
                f"{what}: {status.message} (status {status.value}, {eq.steps} steps, "
                f"max residual {max_res:.3g}, tolerance {opts.tol:.1g})",
                eq.diagnostics(),
            )
    return eq


@eqx.filter_jit
def _checks(model, y, shock):
    return model.checks(y, shock)


@eqx.filter_jit
def _outcomes(model, y, shock):
    return model.outcomes(y, shock)
