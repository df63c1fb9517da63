"""Instruments and differentiable welfare objectives shared by the strategic layer.

Works for any model implementing the protocol of :mod:`tradewar.solve` (``initial_guess``, ``residual``,
``welfare``) whose tariffs are ``[exporter, importer]`` (N, N) or ``[exporter, importer, sector]``
(N, N, S) arrays passed as :class:`~tradewar.solve.Shock`.

An *instrument* says which tariff cells a country controls and how they are tied together: the country
is the importer, the cells are its tariffs on every other country (its own diagonal is never touched),
and each cell takes the value of one free variable:

* ``uniform``: one rate on all its imports (1 free variable);
* ``partner``: one rate per partner (N-1);
* ``sector``: one rate per sector, all partners alike (S; sectoral models only);
* ``partner_sector``: one rate per partner and sector ((N-1) S; sectoral models only).

The free variables are optimised as ``u = log(1 + t)``, so ``t = exp(u) - 1 > -100%`` by construction,
and a lower bound ``t >= lower`` (e.g. 0) becomes the box ``u >= log(1 + lower)``. Welfare and its
gradient come from :func:`tradewar.solve.find_root` by implicit differentiation (never finite
differences); solves are warm-started from a previous solution where the caller passes one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import _jax  # float64, stored programs
from .._exceptions import ScenarioError
from ..solve import Shock, _own_model, find_root, root_of

__all__ = [
    "INSTRUMENTS",
    "Instrument",
    "make_instrument",
    "baseline_tariffs",
    "country_index",
    "tariffs_from_u",
    "tariffs_at",
    "solved",
    "lagrangian_at",
    "welfare_vector",
    "log_welfare_value_and_grad",
    "log_welfare_jacobian",
    "welfare_batch",
    "log_welfare_hessian",
    "jvp_columns",
    "directions_at_once",
]

INSTRUMENTS = ("uniform", "partner", "sector", "partner_sector")


@dataclass(frozen=True, eq=False)
class Instrument:
    """Which tariff cells some countries control, and which free variable each cell takes.

    cells : (C,) flat (C-order) indices of the controlled cells in the tariff array.
    groups : (C,) index of the free variable of each cell (0..K-1).
    owner : (K,) the country (importer index) that controls each free variable.
    labels : (K,) human labels ``"IMPORTER<-EXPORTER/sector"``.
    """

    kind: str
    shape: tuple[int, ...]
    countries: tuple[int, ...]
    cells: np.ndarray
    groups: np.ndarray
    owner: np.ndarray
    labels: tuple[str, ...]

    @property
    def n_free(self) -> int:
        return int(self.owner.shape[0])

    def values(self, t: Any) -> np.ndarray:
        """Instrument values read from a full tariff array (mean of each group's cells)."""
        flat = np.asarray(t, dtype=np.float64).reshape(-1)[self.cells]
        s = np.bincount(self.groups, weights=flat, minlength=self.n_free)
        c = np.bincount(self.groups, minlength=self.n_free)
        return s / c

    def apply(self, t: Any, values: Any) -> np.ndarray:
        """A full tariff array: ``t`` with the controlled cells set to ``values`` (NumPy)."""
        out = np.array(t, dtype=np.float64, copy=True).reshape(-1)
        out[self.cells] = np.asarray(values, dtype=np.float64)[self.groups]
        return out.reshape(self.shape)

    def mask(self, k_owner: int) -> np.ndarray:
        """Boolean mask of the free variables owned by country ``k_owner``."""
        return self.owner == k_owner


def country_index(model: Any, country: Any, n: int) -> int:
    """Index of ``country`` (int, or a code looked up in ``model.codes``); one-line error otherwise."""
    if isinstance(country, (int, np.integer)):
        if not 0 <= int(country) < n:
            raise ScenarioError(f"country index {country} outside 0..{n - 1}")
        return int(country)
    codes = tuple(getattr(model, "codes", ()) or ())
    c = str(country).upper()
    if c in codes:
        return codes.index(c)
    known = f" (known: {', '.join(codes)})" if codes else " (the model carries no codes: pass an index)"
    raise ScenarioError(f"unknown country '{country}'{known}")


def baseline_tariffs(model: Any, base_t: Any = None) -> jax.Array:
    """The tariff array strategies start from: ``base_t`` if given, else the model's baseline tariffs.

    The model's baseline is looked up as the attribute ``tariffs`` (then ``t0``, then ``t``).
    """
    if base_t is not None:
        return jnp.asarray(base_t, dtype=jnp.float64)
    for name in ("tariffs", "t0", "t"):
        v = getattr(model, name, None)
        if v is not None and hasattr(v, "shape"):
            return jnp.asarray(v, dtype=jnp.float64)
    raise ScenarioError(f"{type(model).__name__}: no baseline tariffs (attribute 'tariffs'); pass base_t=")


def make_instrument(model: Any, shape: tuple[int, ...], countries, kind: str) -> Instrument:
    """The instrument ``kind`` for each country in ``countries`` (indices), stacked in that order."""
    if kind not in INSTRUMENTS:
        raise ScenarioError(f"unknown instrument '{kind}' (use one of {', '.join(INSTRUMENTS)})")
    if len(shape) not in (2, 3) or shape[0] != shape[1]:
        raise ScenarioError(f"tariffs have shape {shape}; expected (N, N) or (N, N, S)")
    n = shape[0]
    S = shape[2] if len(shape) == 3 else 1
    if kind in ("sector", "partner_sector") and len(shape) == 2:
        raise ScenarioError(f"instrument '{kind}' needs a model with sectors; this one has tariffs of shape {shape}")
    codes = tuple(getattr(model, "codes", ()) or ()) or tuple(str(k) for k in range(n))
    sectors = tuple(getattr(model, "sectors", ()) or ()) or tuple(f"s{k}" for k in range(S))
    cells, groups, owner, labels = [], [], [], []
    offset = 0
    for c in countries:
        ex = np.array([i for i in range(n) if i != c])
        ii, ss = np.meshgrid(ex, np.arange(S), indexing="ij")  # (N-1, S)
        ii, ss = ii.reshape(-1), ss.reshape(-1)
        flat = (ii * n + c) * S + ss if len(shape) == 3 else ii * n + c
        if kind == "uniform":
            g = np.zeros_like(ii)
            lab = [f"{codes[c]}<-all"]
        elif kind == "partner":
            g = np.searchsorted(ex, ii)
            lab = [f"{codes[c]}<-{codes[i]}" for i in ex]
        elif kind == "sector":
            g = ss
            lab = [f"{codes[c]}<-all/{sectors[s]}" for s in range(S)]
        else:
            g = np.searchsorted(ex, ii) * S + ss
            lab = [f"{codes[c]}<-{codes[i]}/{sectors[s]}" for i in ex for s in range(S)]
        cells.append(flat)
        groups.append(g + offset)
        owner.extend([c] * len(lab))
        labels.extend(lab)
        offset += len(lab)
    return Instrument(
        kind=kind,
        shape=tuple(shape),
        countries=tuple(int(c) for c in countries),
        cells=np.concatenate(cells).astype(np.int64),
        groups=np.concatenate(groups).astype(np.int64),
        owner=np.asarray(owner, dtype=np.int64),
        labels=tuple(labels),
    )


# --- pure JAX pieces -------------------------------------------------------------------------------
def tariffs_from_u(u: jax.Array, t_base: jax.Array, cells: jax.Array, groups: jax.Array) -> jax.Array:
    """Full tariff array: ``t_base`` with ``cells`` set to ``exp(u[groups]) - 1`` (differentiable in u)."""
    flat = t_base.reshape(-1).at[cells].set(jnp.expm1(u)[groups])
    return flat.reshape(t_base.shape)


def tariffs_at(u: Any, t_base: Any, cells: Any, groups: Any) -> np.ndarray:
    """:func:`tariffs_from_u` for concrete arrays, in NumPy (the tariffs a solve program is called with)."""
    flat = np.array(t_base, dtype=np.float64, copy=True).reshape(-1)
    flat[np.asarray(cells)] = np.expm1(np.asarray(u, dtype=np.float64))[np.asarray(groups)]
    return flat.reshape(np.shape(t_base))


def solved(model, y0, t, tol=1e-11, max_steps=60):
    """Welfare W^ (N,) and the root solution at the tariffs ``t``.

    The solve is the model's one stored solver program (:func:`tradewar.solve.root_of`, the program of
    ``tradewar run`` too): the strategic layer's values, gradients, Hessians and batches solve there and
    differentiate at the root in small programs of their own (:func:`lagrangian_at`), so a command
    compiles the solver once per model, whatever it asks for.
    """
    sol = root_of(model, y0, Shock(t), tol, max_steps)
    return _welfare_at(model, sol.value, t), sol


@_jax.stored
def _welfare_at(model, y, t):
    return model.welfare(y, Shock(t))


def welfare_vector(model, u, t_base, cells, groups, y0, tol=1e-11, max_steps=60):
    """Welfare W^ of every country (N,) at the tariffs of ``u``, and the root solution."""
    return solved(model, y0, tariffs_at(u, t_base, cells, groups), tol, max_steps)


def log_welfare_value_and_grad(model, u, t_base, cells, groups, weights, y0, tol=1e-11, max_steps=60):
    """``sum_j weights_j log W^_j`` and its gradient in ``u`` (implicit differentiation), W^ (N,), the solution.

    ``weights`` (N,): one-hot for one country's welfare, or Pareto weights.
    """
    W, sol = welfare_vector(model, u, t_base, cells, groups, y0, tol, max_steps)
    v, g, _ = _derivatives(model, sol.value, u, t_base, cells, groups, weights, np.False_)
    return v, g, W, sol


@_jax.stored
def _log_welfare_jacobian_at(model, y, u, t_base, cells, groups):
    L = lagrangian_at(model, y, u, t_base, cells, groups, jnp.zeros(t_base.shape[0]))
    ny = y.shape[0]

    def log_w(z):
        return jnp.log(model.welfare(z[:ny], Shock(tariffs_from_u(z[ny:], t_base, cells, groups))))

    # d log W / du = G [Y; I] with G the derivative in z = (y, u): K directional derivatives, not ny + K
    Y = L.tangents()
    D = jnp.concatenate([Y, jnp.eye(u.shape[0], dtype=Y.dtype)], axis=0)  # (ny + K, K)
    return jvp_columns(log_w, L.z, D, t_base.size)  # (N, K)


def log_welfare_jacobian(model, u, t_base, cells, groups, y0, tol=1e-11, max_steps=60):
    """``log W^`` (N,), its Jacobian in ``u`` (N, K) by implicit differentiation, and the solution."""
    W, sol = welfare_vector(model, u, t_base, cells, groups, y0, tol, max_steps)
    return jnp.log(W), _log_welfare_jacobian_at(model, sol.value, u, t_base, cells, groups), sol


def welfare_batch(model, U, t_base, cells, groups, y0, tol=1e-11, max_steps=60):
    """Welfare (B, N) and max residuals (B,) for a batch of ``u`` vectors (B, K), each solved from ``y0``.

    The members are solved one after the other by the program of :func:`solved`: a few milliseconds
    each, where a ``vmap``-ed batch would be a program of its own, compiled for every batch size.
    """
    out = [welfare_vector(model, u, t_base, cells, groups, y0, tol, max_steps) for u in np.asarray(U)]
    W = np.stack([np.asarray(w) for w, _ in out]) if out else np.zeros((0, np.shape(t_base)[0]))
    return W, np.array([float(sol.max_residual) for _, sol in out])


class ImplicitLagrangian(NamedTuple):
    """The pieces of second-order implicit differentiation of ``phi = sum_j weights_j log W^_j`` in ``u``.

    ``y`` the equilibrium, ``z = (y, u)``, ``tangents()`` computes ``Y = dy/du = -r_y^{-1} r_u`` (ny, K; only
    where called: the gradient needs only the adjoint), ``grad = dphi/du`` (K,), ``lag_grad(z)`` the gradient
    of the Lagrangian ``phi + lam . r`` with the adjoint ``lam = -r_y^{-T} phi_y``; its JVPs give the Hessian
    blocks.
    """

    t: jax.Array
    sol: Any
    y: jax.Array
    z: jax.Array
    grad: jax.Array
    lag_grad: Callable
    value: jax.Array
    tangents: Callable[[], jax.Array]


def implicit_lagrangian(model, u, t_base, cells, groups, weights, y0, tol, max_steps) -> ImplicitLagrangian:
    """Solve at ``u`` and build :class:`ImplicitLagrangian` (used by the talks)."""
    t = tariffs_from_u(u, t_base, cells, groups)
    sol = find_root(model.residual, y0, Shock(t), tol, max_steps)
    return lagrangian_at(model, sol.value, u, t_base, cells, groups, weights, sol)


def residual_and_welfare(model, y, shock) -> tuple[jax.Array, jax.Array]:
    """The residual and welfare of ``model`` at ``y``: its own ``residual_and_welfare`` where it has one (one
    evaluation of its equations for both, so that the programs that differentiate them are smaller), else its
    ``residual`` and ``welfare``."""
    both = getattr(model, "residual_and_welfare", None)
    return both(y, shock) if both is not None else (model.residual(y, shock), model.welfare(y, shock))


def lagrangian_at(model, y, u, t_base, cells, groups, weights, sol=None) -> ImplicitLagrangian:
    """:class:`ImplicitLagrangian` at the solved equilibrium ``y`` of the tariffs of ``u`` (no solve)."""
    t = tariffs_from_u(u, t_base, cells, groups)
    y = jax.lax.stop_gradient(y)
    ny = y.shape[0]

    def parts(z):  # (r, phi) at z = (y, u)
        r, W = residual_and_welfare(model, z[:ny], Shock(tariffs_from_u(z[ny:], t_base, cells, groups)))
        return r, jnp.sum(weights * jnp.log(W))

    z = jnp.concatenate([y, u])
    # one linearisation of (r, phi) and two backward passes give phi_z and, with the adjoint, lam . r_z; r_y
    # at fixed tariffs (the model's closed form where it has one), so no forward derivatives over every
    # unknown carry the tariff arrays' tangents along ny + K directions
    (r, value), pull = jax.vjp(parts, z)
    gz = pull((jnp.zeros_like(r), jnp.ones_like(value)))[0]
    lu = jax.scipy.linalg.lu_factor(_residual_jacobian(model, y, Shock(t), t_base.size))  # (ny, ny)
    lam = -jax.scipy.linalg.lu_solve(lu, gz[:ny], trans=1)
    grad = gz[ny:] + pull((lam, jnp.zeros_like(value)))[0][ny:]

    def dy_du():  # -r_y^{-1} r_u (ny, K), r_u by K forward derivatives
        r_u = jvp_columns(lambda uu: parts(jnp.concatenate([y, uu]))[0], u, jnp.eye(u.shape[0], dtype=u.dtype),
                          t_base.size)
        return -jax.scipy.linalg.lu_solve(lu, r_u)

    def lagrangian(q):
        r_q, phi_q = parts(q)
        return phi_q + lam @ r_q

    return ImplicitLagrangian(t=t, sol=sol, y=y, z=z, grad=grad, lag_grad=jax.grad(lagrangian), value=value,
                              tangents=dy_du)


#: Directional derivatives whose tariff arrays hold at most this many entries together (directions times
#: the entries of one) are taken at once, in one ``vmap``; more are taken in chunks of about
#: :data:`CHUNK_ENTRIES`, one chunk after the other.
AT_ONCE_ENTRIES = 1 << 15
#: About the data of one chunk's pass over the equations that stays in the first-level cache.
CHUNK_ENTRIES = 1 << 12
#: The Hessian programs are compiled quickly (:data:`tradewar._jax.QUICK_OPTIONS`) up to this many
#: instrument values times tariff entries, and optimised above it.
QUICK_HESSIAN_WORK = 1 << 16


def directions_at_once(K: int, entries: int) -> int:
    """How many of ``K`` directional derivatives :func:`jvp_columns` takes at once, for tariff arrays of
    ``entries`` entries: all where they hold at most :data:`AT_ONCE_ENTRIES` together, else about
    :data:`CHUNK_ENTRIES` worth (at least one)."""
    K, entries = int(K), max(1, int(entries))
    if K * entries <= AT_ONCE_ENTRIES:
        return K
    return max(1, min(K, CHUNK_ENTRIES // entries))


def jvp_columns(f: Callable, z: jax.Array, D: jax.Array, entries: int) -> jax.Array:
    """The directional derivatives of ``f`` at ``z`` along the columns of ``D`` (len(z), K): (*f(z).shape, K).

    ``entries`` is the size of the tariff array, which sets the size of the equations' arrays. Few small
    directions are taken at once (:data:`AT_ONCE_ENTRIES`); else in chunks of ``CHUNK_ENTRIES // entries``
    directions (at least one), one chunk after the other: a ``vmap`` over every direction at once carries
    K copies of every intermediate array through memory, which for a Hessian of 198 tariffs of 7 x 7 x 33
    took 40 ms against 8-10 ms in chunks (64-70 ms against 31-56 ms compiled quickly). The last chunk is
    padded with zero directions rather than left shorter, which would trace the derivative a second time
    for it.
    """
    K = D.shape[1]
    one = jax.vmap(lambda d: jax.jvp(f, (z,), (d,))[1])
    b = directions_at_once(K, entries)
    if b == K:
        return jnp.moveaxis(one(D.T), 0, -1)
    nb = -(-K // b)
    chunks = jnp.pad(D.T, ((0, nb * b - K), (0, 0))).reshape(nb, b, D.shape[0])
    out = jax.lax.map(one, chunks)
    return jnp.moveaxis(out.reshape(nb * b, *out.shape[2:])[:K], 0, -1)


def _residual_jacobian(model, y, shock, entries: int) -> jax.Array:
    """``d residual / d y``: the model's closed form where it has one (found as the solver finds it), else
    its forward derivatives by :func:`jvp_columns`, in chunks where the equations' arrays are large."""
    closed = getattr(_own_model(model.residual), "residual_jacobian", None)
    if closed is not None:
        return closed(y, shock)
    return jvp_columns(lambda q: model.residual(q, shock), y, jnp.eye(y.shape[0], dtype=y.dtype), entries)


def _small_hessian(model, y, u, t_base, *rest) -> bool:
    """True where a program of second derivatives (:func:`_derivatives`, the talks' Hessian pieces) is cheap
    enough to run unoptimised: its instrument values times the tariff entries at most
    :data:`QUICK_HESSIAN_WORK` (each of these programs takes ``dy/du``, one directional derivative per
    instrument value)."""
    return u.shape[0] * t_base.size <= QUICK_HESSIAN_WORK


@_jax.stored(quick=_small_hessian)
def _derivatives(model, y, u, t_base, cells, groups, weights, hessian):
    """Value, gradient and (where ``hessian``, else zeros) Hessian at the root ``y``: one program for both."""
    L = lagrangian_at(model, y, u, t_base, cells, groups, weights)
    K = u.shape[0]

    def second_order():
        D = jnp.concatenate([L.tangents(), jnp.eye(K)], axis=0)  # (ny + K, K)
        HD = jvp_columns(L.lag_grad, L.z, D, t_base.size)
        H = D.T @ HD
        return 0.5 * (H + H.T)

    H = jax.lax.cond(hessian, second_order, lambda: jnp.zeros((K, K), dtype=L.grad.dtype))
    return L.value, L.grad, H


def log_welfare_hessian(model, u, t_base, cells, groups, weights, y0, tol=1e-11, max_steps=60):
    """``sum_j weights_j log W^_j``, its gradient and Hessian in ``u``, W^ (N,) and the root solution.

    With ``phi(y, u) = sum_j weights_j log W^_j`` and the equilibrium ``r(y, u) = 0`` solved at ``y*``: the adjoint
    ``lam = -r_y^{-T} phi_y``, the Lagrangian ``L = phi + lam . r``, ``Y = dy/du = -r_y^{-1} r_u`` and
    ``D = [Y; I]``; then ``grad = L_u`` and ``Hessian = D^T (d^2 L / dz^2) D`` (z = (y, u)): second-order
    implicit differentiation with only first and second derivatives of the residual, no differentiation
    through the Newton iterations.
    """
    W, sol = welfare_vector(model, u, t_base, cells, groups, y0, tol, max_steps)
    v, grad, H = _derivatives(model, sol.value, u, t_base, cells, groups, weights, np.True_)
    return v, grad, H, W, sol
