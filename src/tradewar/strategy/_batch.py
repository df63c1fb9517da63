"""Welfare of many tariff arrays, each solved by the model's one stored solver program.

Used by the bloc game (every coalition) and by the searches of the bargaining module. The arrays are
solved one after the other by the program of a single solve (:func:`tradewar.solve.root_of`), which the
strategic commands load anyway: a batched (``vmap``-ed) solve would be a second program of the solver to
compile and load, about 2 s of compilation for the 32-region world. One after the other, a 32-region
solve takes about 0.6 ms (a ``vmap``-ed one 0.25 ms per member), and a sectoral solve (GMRES, which
under ``vmap`` runs every member's iterations to the slowest one's) about half the time per member of the
batched program.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _jax  # stored programs
from .._cancel import checkpoint
from .._exceptions import ConvergenceError, InadmissibleError
from .._jax import on_device
from ..batch._solve import KERNEL_LOCK
from ..solve import Shock, Status, accepted, margins_of, root_of, smallest_margin, verdict

__all__ = ["welfare_of_tariffs", "welfare_one", "welfare_jacobian", "WelfareEvaluator"]


def _margin(model, y, shock):
    """The smallest admissibility margin (> 0 in a possible equilibrium)."""
    return smallest_margin(margins_of(model, y, shock))


@_jax.stored
def _welfare_and_margin(model, y, shock):
    return model.welfare(y, shock), _margin(model, y, shock)


def _one(model, t, x, tol, max_steps):
    """Welfare (N,), max residual, smallest margin and result code at one tariff array, by the model's stored
    solver program, from the model's baseline."""
    shock = Shock(t, x)
    sol = root_of(model, model.initial_guess(), shock, tol, max_steps)
    W, margin = _welfare_and_margin(model, sol.value, shock)
    return np.asarray(W), float(sol.max_residual), float(margin), int(sol.result_code)


def _which(k: int, total: int) -> str:
    """Plain words for the ``k``-th of ``total`` tariff settings of a batch (0-based)."""
    return "the equilibrium" if total == 1 else f"the equilibrium at tariff setting {k + 1} of {total}"


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
    infeasible: str = "raise",
) -> np.ndarray:
    """Welfare W^ (B, N) of every tariff array in ``T`` (B, *shape), each solved from the model's baseline.

    ``X`` (same shape as ``T``, or None) holds export taxes. The arrays are solved one after the other (see
    the module docstring) in groups of ``chunk``: ``progress(done, total)`` is called after each group, and a
    cancelled caller (:mod:`tradewar._cancel`) stops between groups. Raises :class:`ConvergenceError` naming
    the first array whose solve failed, or whose equilibrium is not admissible; with ``infeasible="nan"``
    such rows are NaN instead (searches that scan a range of tariffs and keep to the part where the model
    has an equilibrium).
    """
    T = np.asarray(T, dtype=np.float64)
    X = None if X is None else np.asarray(X, dtype=np.float64)
    B = T.shape[0]
    if B == 0:
        return np.zeros((0, T.shape[1]))
    W = np.empty((B, T.shape[1]))
    res, margin, code = np.empty(B), np.empty(B), np.empty(B, dtype=np.int32)
    width = max(1, int(chunk))
    for start in range(0, B, width):
        checkpoint()
        with KERNEL_LOCK:  # one group of solves at a time in a process, as the batch layer's chunks
            for k in range(start, min(start + width, B)):
                W[k], res[k], margin[k], code[k] = _one(model, T[k], None if X is None else X[k], tol, max_steps)
        if progress is not None:
            progress(min(start + width, B), B)
    status = np.asarray(verdict(res, code, tol, finite=np.isfinite(W).all(axis=1), margin=margin))
    if infeasible == "nan":
        return np.where((status == Status.SUCCESS.value)[:, None], W, np.nan)
    bad = np.flatnonzero((status != Status.SUCCESS.value) & (status != Status.INADMISSIBLE.value))
    if bad.size:
        k = int(bad[0])
        raise ConvergenceError(
            f"{what}: {_which(k, B)} did not solve (max residual {res[k]:.3g}, tolerance {tol:.1g})",
            {"case": k, "max_residual": float(res[k]), "tol": tol},
        )
    bad = np.flatnonzero(status == Status.INADMISSIBLE.value)
    if bad.size:
        k = int(bad[0])
        raise InadmissibleError(
            f"{what}: {_which(k, B)} is not economically possible (smallest admissibility margin "
            f"{margin[k]:.3g}: a price, income or real income is not positive, or a share leaves [0, 1])",
            {"case": k, "margin": float(margin[k])},
        )
    return W


def welfare_one(model: Any, t: Any, x: Any = None, *, tol: float = 1e-10, what: str = "solve") -> np.ndarray:
    """Welfare W^ (N,) at one tariff array (a batch of one)."""
    return welfare_of_tariffs(model, np.asarray(t)[None], None if x is None else np.asarray(x)[None],
                              tol=tol, what=what)[0]


def welfare_jacobian(model, u, t_base, cells, groups, idx, y0, tol=1e-11, max_steps=60):
    """``W^[idx]`` (k,), its Jacobian in ``u`` (k, K) by implicit differentiation, W^ (N,), solution.

    The tariffs are ``t_base`` with the flat ``cells`` set to ``exp(u[groups]) - 1`` (above -100%).
    """
    from ._objective import _log_welfare_jacobian_at, welfare_vector

    W, sol = welfare_vector(model, u, t_base, cells, groups, y0, tol, max_steps)
    J = np.asarray(_log_welfare_jacobian_at(model, sol.value, u, t_base, cells, groups))  # d log W^ / du
    W, idx = np.asarray(W), np.asarray(idx)
    return W[idx], W[idx, None] * J[idx], W, sol


class WelfareEvaluator:
    """``W^[idx]`` and its Jacobian in ``u`` at tariff cells ``cells``/``groups`` of ``t_base``, warm-started.

    Calling it returns ``(W[idx], J, W)`` as NumPy arrays, or None when the equilibrium does not solve (the
    solver's own failure statuses, by :func:`tradewar.solve.verdict`, or non-finite derivatives). Any other
    error (out of memory, a failure of the runtime) propagates: it says nothing about the point.
    """

    def __init__(self, model, cells, groups, t_base, idx, tol: float = 1e-11):
        self.model, self.tol = model, tol
        self.t_base = on_device(t_base, "float64")
        self.cells, self.groups = on_device(cells), on_device(groups)
        self.idx = on_device(idx)
        self.y = model.initial_guess()
        self.count = 0

    def __call__(self, u):
        from .._cancel import checkpoint

        checkpoint()
        for y0 in (self.y, self.model.initial_guess()):
            wk, J, W, sol = welfare_jacobian(self.model, on_device(u, "float64"), self.t_base,
                                             self.cells, self.groups, self.idx, y0, self.tol)
            self.count += 1
            # a singular Jacobian at the root (the edge of the admissible region) gives non-finite derivatives
            finite = bool(np.isfinite(np.asarray(W)).all() and np.isfinite(np.asarray(J)).all())
            if accepted(float(sol.max_residual), int(sol.result_code), self.tol, finite=finite):
                self.y = sol.value
                return np.asarray(wk), np.asarray(J), np.asarray(W)
        return None
