"""The batched solve: ``jax.vmap`` of :func:`tradewar.solve.find_root` over members, in fixed-size chunks.

A *member* of a batch is one equilibrium of one model family on one world: its own tariffs (and export
taxes), its own calibrated parameters, or both. Members are described by

* a model, either shared by every member or *stacked*: a list of calibrated models of the same family
  (same tree structure) whose differing leaves are stacked along a new leading axis
  (:func:`stack_models`); leaves equal across members stay shared and are not copied;
* tariffs ``T`` of shape ``(B, *shape)`` or one shared ``(*shape)`` array, and export taxes likewise
  (or None).

:func:`solve_members` solves them in chunks of one fixed size (the last chunk is padded by repeating
its last member, so one compiled function serves every call) and returns what ``extract`` computes for
each member, as NumPy arrays with the member axis first. Everything numerical lives in the model and in
the one driver: this module only maps it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import equinox as eqx
import jax
import numpy as np

from .. import _jax  # float64, stored programs
from .._cancel import checkpoint
from .._jax import on_device

#: Batched (vmapped) solves run one at a time in a process: two of them executing at once on XLA's CPU
#: client, from two threads, can wait on each other for ever (two bloc games on the server's two workers
#: did). The parallel runs of the batch layer use processes of one thread each, which the lock never slows.
KERNEL_LOCK = threading.Lock()
from ..solve import Shock, batch_method, find_root

__all__ = ["Stacked", "stack_models", "solve_members", "chunk_size", "pow2_at_least"]


class Stacked(eqx.Module):
    """Models of one family stacked for ``vmap``: ``model`` holds every leaf, ``axes`` says which are batched.

    ``axes`` is a tuple over the model's leaves (in ``jax.tree_util`` order): ``0`` for a leaf with a
    leading member axis, ``None`` for a leaf shared by every member.
    """

    model: Any
    axes: tuple = eqx.field(static=True)
    size: int = eqx.field(static=True)


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if isinstance(a, (jax.Array, np.ndarray)) or isinstance(b, (jax.Array, np.ndarray)):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.array_equal(a, b))
    return a == b


def stack_models(models: Sequence[Any]) -> Stacked:
    """Stack calibrated models of the same structure; leaves equal across all of them stay shared.

    Raises ValueError when the models differ in a static field (e.g. a parameter that fixes the number
    of unknowns): such members belong to different batches (see :func:`tradewar.batch.sweep.solve_batch`).
    """
    if not models:
        raise ValueError("stack_models: no models")
    first_leaves, treedef = jax.tree_util.tree_flatten(models[0])
    cols = [[leaf] for leaf in first_leaves]
    for m in models[1:]:
        leaves, td = jax.tree_util.tree_flatten(m)
        if td != treedef:
            raise ValueError("stack_models: the models differ in a static field and cannot share one batch")
        for col, leaf in zip(cols, leaves, strict=True):
            col.append(leaf)
    out, axes = [], []
    for col in cols:
        if all(_same(col[0], c) for c in col[1:]):
            out.append(col[0])
            axes.append(None)
        else:
            out.append(on_device(np.stack([np.asarray(c) for c in col])))
            axes.append(0)
    return Stacked(model=jax.tree_util.tree_unflatten(treedef, out), axes=tuple(axes), size=len(models))


def pow2_at_least(b: int) -> int:
    """The smallest power of two >= ``b`` (batch shapes from a small set keep compilations few)."""
    return 1 << max(0, int(b) - 1).bit_length()


def chunk_size(n_unknowns: int, n_countries: int, tariff_cells: int, *, memory_bytes: float = 256 * 2**20,
               method: str = "newton", cap: int = 1024) -> int:
    """Members per chunk so that one chunk's working arrays fit in ``memory_bytes`` (float64).

    The rule: a member of a dense-Jacobian solve (``newton``, ``chord``) holds about ``4 n_y^2`` numbers
    (the Jacobian, its LU factors and the JVP workspace), a matrix-free one (``newton_krylov``, GMRES
    with restart 30) about ``40 n_y``; every member also holds ``8`` arrays of the size of its tariffs
    (tariffs, trade shares and flows of the current iterate) and ``4 N^2`` for its outcomes. Chunks are
    at most ``cap`` members.
    """
    per = 4 * n_unknowns**2 if method != "newton_krylov" else 40 * n_unknowns
    per += 8 * tariff_cells + 4 * n_countries**2
    return int(max(1, min(cap, memory_bytes // (8 * per))))


@_jax.stored
def _kernel(stacked: Stacked, T, X, t_batched: bool, x_batched: bool, y0, tol, max_steps, method, extract):
    treedef = jax.tree_util.tree_structure(stacked.model)
    model_axes = jax.tree_util.tree_unflatten(treedef, list(stacked.axes))

    def one(model, t, x):
        shock = Shock(t, x)
        sol = find_root(model.residual, y0, shock, tol, max_steps, method)
        return extract(model, sol, shock)

    in_axes = (model_axes, 0 if t_batched else None, (0 if x_batched else None) if X is not None else None)
    return jax.vmap(one, in_axes=in_axes)(stacked.model, T, X)


# Members and chunks are taken with NumPy (views of the arrays on the CPU): indexing a JAX array outside a
# program runs a program of its own, compiled in every process, about 15 ms for each shape.


def _member(stacked: Stacked, k: int) -> Any:
    """Member ``k`` of a stack, as one model."""
    leaves, treedef = jax.tree_util.tree_flatten(stacked.model)
    return jax.tree_util.tree_unflatten(
        treedef, [leaf if ax is None else np.asarray(leaf)[k] for leaf, ax in zip(leaves, stacked.axes, strict=True)])


def _take(stacked: Stacked, idx: np.ndarray) -> Stacked:
    leaves, treedef = jax.tree_util.tree_flatten(stacked.model)
    leaves = [leaf if ax is None else np.asarray(leaf)[idx] for leaf, ax in zip(leaves, stacked.axes, strict=True)]
    return Stacked(model=jax.tree_util.tree_unflatten(treedef, leaves), axes=stacked.axes, size=len(idx))


def solve_members(
    model: Any,
    T: Any,
    X: Any = None,
    *,
    extract: Callable[[Any, Any, Any], Any],
    size: int | None = None,
    t_batched: bool = True,
    x_batched: bool = True,
    chunk: int = 64,
    tol: float = 1e-10,
    max_steps: int = 60,
    method: str | None = None,
    shrink: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    """Solve every member and return ``extract(model, RootSolution, shock)`` stacked over members (NumPy).

    ``model`` is one model shared by every member or a :class:`Stacked`; ``T`` (``X``) has a leading
    member axis when ``t_batched`` (``x_batched``). ``extract`` must be a module-level function (it keys
    the compiled kernel). The batch size ``size`` defaults to the leading axis of whatever is batched.
    Chunks hold ``min(chunk, next power of two >= size)`` members (``chunk`` exactly when ``shrink`` is
    False); ``progress(done, total)`` is called after each chunk.
    """
    stacked = model if isinstance(model, Stacked) else None
    base_model = stacked.model if stacked is not None else model
    if stacked is None:
        n_leaves = len(jax.tree_util.tree_leaves(model))
        stacked = Stacked(model=model, axes=(None,) * n_leaves, size=1)
    T = np.asarray(T, dtype=np.float64)
    X = None if X is None else np.asarray(X, dtype=np.float64)
    if size is None:
        if t_batched:
            size = T.shape[0]
        elif X is not None and x_batched:
            size = X.shape[0]
        else:
            size = stacked.size
    B = int(size)
    method = method or batch_method(base_model)
    y0 = _member(stacked, 0).initial_guess()  # a member's shapes: any array of the stack may be batched
    width = min(int(chunk), pow2_at_least(B)) if shrink else int(chunk)
    model_batched = any(a is not None for a in stacked.axes)
    parts = []
    for start in range(0, B, width):
        stop = min(start + width, B)
        idx = np.arange(start, start + width).clip(max=stop - 1)  # pad by repeating the last member
        sm = _take(stacked, idx) if model_batched else stacked
        Tc = T[idx] if t_batched else T
        Xc = None if X is None else (X[idx] if x_batched else X)
        checkpoint()  # between chunks: a cancelled caller stops here
        # the tolerance is an input of the kernel: one compiled kernel serves every tolerance
        with KERNEL_LOCK:
            out = _kernel(sm, Tc, Xc, t_batched, x_batched and X is not None, y0, np.float64(tol), max_steps, method,
                          extract)
            out = jax.block_until_ready(out)
        parts.append(jax.tree_util.tree_map(lambda a, n=stop - start: np.asarray(a)[:n], out))
        if progress is not None:
            progress(stop, B)
    if not parts:
        raise ValueError("solve_members: empty batch")
    return jax.tree_util.tree_map(lambda *a: np.concatenate(a, axis=0), *parts)
