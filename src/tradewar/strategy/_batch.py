"""Batched welfare of many tariff arrays, on the package's one batched solve (:mod:`tradewar._batch`).

Used by the bloc game (every coalition at once) and by the searches of the bargaining module. Chunks
have one fixed size (the last one is padded, a single array is solved alone) so that one compiled
function serves every call of a given model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import _jax  # noqa: F401  (float64)
from .._batch import solve_members
from .._exceptions import ConvergenceError, InadmissibleError
from ..solve import Shock, find_root

__all__ = ["welfare_of_tariffs", "welfare_one", "welfare_jacobian", "WelfareEvaluator"]


def _welfare(model, sol, shock):
    """Welfare, residual and the smallest admissibility margin (> 0 in a possible equilibrium)."""
    margin = jnp.asarray(jnp.inf)
    adm = getattr(model, "admissibility", None)
    if adm is not None:
        margins = adm(sol.value, shock)
        if margins:
            margin = jnp.min(jnp.stack([jnp.min(jnp.asarray(v)) for v in margins.values()]))
    return model.welfare(sol.value, shock), (sol.max_residual, margin)


def welfare_of_tariffs(
    model: Any,
    T: Any,
    X: Any = None,
    *,
    chunk: int = 64,
    tol: float = 1e-10,
    max_steps: int = 60,
    progress: Callable[[int, int], None] | None = None,
    what: str = "batched solve",
) -> np.ndarray:
    """Welfare W^ (B, N) of every tariff array in ``T`` (B, *shape), solved with ``vmap`` in chunks.

    ``X`` (same shape as ``T``, or None) holds export taxes. ``progress(done, total)`` is called after
    each chunk. Raises :class:`ConvergenceError` naming the first array whose solve failed.
    """
    T = np.asarray(T, dtype=np.float64)
    B = T.shape[0]
    if B == 0:
        return np.zeros((0, T.shape[1]))
    out = np.empty((B, T.shape[1]))
    W, (res, margin) = solve_members(model, T, X, extract=_welfare, chunk=1 if B == 1 else chunk, tol=tol,
                                     max_steps=max_steps, shrink=False, progress=progress)
    res, margin = np.asarray(res), np.asarray(margin)
    bad = np.flatnonzero(~(res <= tol) | ~np.isfinite(W).all(axis=1))
    if bad.size:
        k = int(bad[0])
        raise ConvergenceError(
            f"{what}: the equilibrium of case {k} did not solve (max residual {res[k]:.3g}, tolerance {tol:.1g})",
            {"case": k, "max_residual": float(res[k]), "tol": tol},
        )
    bad = np.flatnonzero(~(margin > 0))
    if bad.size:
        k = int(bad[0])
        raise InadmissibleError(
            f"{what}: the equilibrium of case {k} is not economically possible (smallest admissibility margin "
            f"{margin[k]:.3g}: a price, income or real income is not positive, or a share leaves [0, 1])",
            {"case": k, "margin": float(margin[k])},
        )
    out[:] = W
    return out


def welfare_one(model: Any, t: Any, x: Any = None, *, tol: float = 1e-10, what: str = "solve") -> np.ndarray:
    """Welfare W^ (N,) at one tariff array (a batch of one)."""
    return welfare_of_tariffs(model, np.asarray(t)[None], None if x is None else np.asarray(x)[None],
                              tol=tol, what=what)[0]


@eqx.filter_jit
def welfare_jacobian(model, u, t_base, cells, groups, idx, y0, tol=1e-11, max_steps=60):
    """``W^[idx]`` (k,), its Jacobian in ``u`` (k, K) by reverse-mode implicit differentiation, W^ (N,), solution.

    The tariffs are ``t_base`` with the flat ``cells`` set to ``exp(u[groups]) - 1`` (above -100%).
    """

    def f(u_):
        t = t_base.reshape(-1).at[cells].set(jnp.expm1(u_)[groups]).reshape(t_base.shape)
        shock = Shock(t)
        sol = find_root(model.residual, y0, shock, tol, max_steps)
        W = model.welfare(sol.value, shock)
        return W[idx], (W, sol)

    J, (W, sol) = jax.jacrev(f, has_aux=True)(u)
    return W[idx], J, W, sol


class WelfareEvaluator:
    """``W^[idx]`` and its Jacobian in ``u`` at tariff cells ``cells``/``groups`` of ``t_base``, warm-started.

    Calling it returns ``(W[idx], J, W)`` as NumPy arrays, or None when the equilibrium does not solve.
    """

    def __init__(self, model, cells, groups, t_base, idx, tol: float = 1e-11):
        self.model, self.tol = model, tol
        self.t_base = jnp.asarray(t_base, dtype=jnp.float64)
        self.cells, self.groups = jnp.asarray(cells), jnp.asarray(groups)
        self.idx = jnp.asarray(idx)
        self.y = model.initial_guess()
        self.count = 0

    def __call__(self, u):
        for y0 in (self.y, self.model.initial_guess()):
            try:
                wk, J, W, sol = welfare_jacobian(self.model, jnp.asarray(u, dtype=jnp.float64), self.t_base,
                                                 self.cells, self.groups, self.idx, y0, self.tol)
            except (eqx.EquinoxRuntimeError, jax.errors.JaxRuntimeError):
                # a point where the equilibrium breaks down (non-finite values reach the adjoint solve)
                self.count += 1
                continue
            self.count += 1
            # a singular Jacobian at the root (the edge of the admissible region) gives non-finite derivatives
            if float(sol.max_residual) <= self.tol and np.isfinite(np.asarray(W)).all() and np.isfinite(J).all():
                self.y = sol.value
                return np.asarray(wk), np.asarray(J), np.asarray(W)
        return None
