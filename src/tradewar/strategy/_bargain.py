r"""Trade talks between two parties: the Nash bargaining solution and the deal frontier.

The parties ``A`` and ``B`` bargain over their tariffs **on each other** (``t[B, A, :]``: A's tariffs on
B's goods; ``t[A, B, :]``: B's on A's), every other tariff staying as at the threat point (for
``threat="current"``: as in ``base_t``; for ``"nash"``: the parties keep their war tariffs on third
countries). Instruments:
``uniform`` (one rate each way: 2 variables) or ``sector`` (one rate per sector each way: 2S).

Threat point: ``"current"`` (the tariffs ``base_t``), ``"nash"`` (the tariff war between the two:
:func:`tradewar.strategy.nash` with ``players=(A, B)`` from ``base_t``) or a full tariff array.

Nash bargaining solution (Nash 1950; asymmetric with weight ``w``)::

    max_v  w log(W_A(v) - W_A^thr) + (1 - w) log(W_B(v) - W_B^thr)     subject to both differences > 0

with ``v = exp(u) - 1`` (tariffs above -100% by the transform; ``u`` boxed in ``[log(1+lo), log(1+hi)]``).
Welfare is W^ relative to the model's baseline; the gains are reported in percentage points of baseline
welfare. Gradients by implicit differentiation through the solve (:mod:`tradewar.solve`); L-BFGS-B.

Deal frontier: the Pareto frontier of ``(W_A, W_B)`` over the same tariffs by a weighted-sum sweep
``max a log W_A + (1 - a) log W_B`` (warm-started across weights, refined in the range where both gain),
together with a grid of the two uniform rates giving the region both prefer to the
threat; and two 1-D searches on the solve:

* the highest uniform tariff ``A`` can put on ``B``'s goods, ``B``'s tariffs on ``A`` at the world's
  baseline (no retaliation), that ``B`` prefers to the threat (``W_B >= W_B^thr``);
* the smallest uniform cut ``c`` of ``B``'s tariffs on ``A`` below the world's baseline (a concession),
  ``A``'s tariffs on ``B`` back at the world's baseline, that makes ``A`` at least as well off as at the
  threat (``W_A >= W_A^thr``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _jax  # noqa: F401
from .._exceptions import ConvergenceError, InadmissibleError, ScenarioError
from .._i18n import N_

__all__ = ["Bargain", "DealFrontier", "NoDeal", "bargain", "deal_frontier", "threat_point"]


class NoDeal(ScenarioError):
    """No tariffs on the search box make both parties better off than the threat: there is no bargain.

    An answer, not a failure: ``threat_tariffs`` and ``threat_welfare`` (W^, (N,)) describe the threat
    point, so callers can still show it and the deal frontier around it; ``lo`` and ``hi`` are the box of
    tariffs searched (fractions) and ``note`` says which threat it was.
    """

    def __init__(self, message: str, threat_tariffs, threat_welfare, note: str, lo: float, hi: float):
        super().__init__(message)
        self.threat_tariffs, self.threat_welfare, self.note = threat_tariffs, threat_welfare, note
        self.lo, self.hi = lo, hi

_DELTA = 1e-9  # percentage points: below it the log of a gain is continued linearly


# --- the two parties' instrument -------------------------------------------------------------------
@dataclass(frozen=True)
class _Pair:
    a: int
    b: int
    kind: str
    shape: tuple[int, ...]
    cells: np.ndarray  # flat indices
    groups: np.ndarray  # 0..K-1; A's variables first
    n_each: int

    @property
    def n_free(self) -> int:
        return 2 * self.n_each

    def values(self, t) -> np.ndarray:
        flat = np.asarray(t, dtype=np.float64).reshape(-1)[self.cells]
        return np.bincount(self.groups, weights=flat, minlength=self.n_free) / np.bincount(
            self.groups, minlength=self.n_free
        )

    def apply(self, t, values) -> np.ndarray:
        out = np.array(t, dtype=np.float64, copy=True).reshape(-1)
        out[self.cells] = np.asarray(values, dtype=np.float64)[self.groups]
        return out.reshape(self.shape)


def _pair(shape: tuple[int, ...], a: int, b: int, kind: str) -> _Pair:
    if kind not in ("uniform", "sector"):
        raise ScenarioError(f"bargaining instruments must be 'uniform' or 'sector', got '{kind}'")
    if kind == "sector" and len(shape) != 3:
        raise ScenarioError(f"bargaining instruments 'sector' need a model with sectors; tariffs have shape {shape}")
    n = shape[0]
    S = shape[2] if len(shape) == 3 else 1
    s = np.arange(S)
    if len(shape) == 3:
        ab = (b * n + a) * S + s  # A's tariffs on B's goods: t[B, A, s]
        ba = (a * n + b) * S + s
    else:
        ab, ba = np.array([b * n + a]), np.array([a * n + b])
    if kind == "uniform":
        g_ab, g_ba, k = np.zeros(S, np.int64)[: ab.size], np.ones(S, np.int64)[: ba.size], 1
    else:
        g_ab, g_ba, k = s, S + s, S
    return _Pair(a, b, kind, tuple(shape), np.concatenate([ab, ba]).astype(np.int64),
                 np.concatenate([g_ab, g_ba]).astype(np.int64), k)


class _PairEvaluator:
    """``(W_A, W_B)``, their Jacobian in ``u`` and W^ (N,) at the parties' tariffs ``u`` (warm-started)."""

    def __init__(self, model, pair: _Pair, t_base, tol=1e-11):
        from ._batch import WelfareEvaluator

        self._ev = WelfareEvaluator(model, pair.cells, pair.groups, t_base, np.array([pair.a, pair.b]), tol)

    @property
    def count(self) -> int:
        return self._ev.count

    def __call__(self, u):
        return self._ev(u)


def _safe_log(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log d`` and its derivative, continued linearly below ``_DELTA`` (finite everywhere)."""
    d = np.asarray(d, dtype=np.float64)
    ok = d > _DELTA
    val = np.where(ok, np.log(np.maximum(d, _DELTA)), np.log(_DELTA) + (d - _DELTA) / _DELTA)
    der = np.where(ok, 1.0 / np.maximum(d, _DELTA), 1.0 / _DELTA)
    return val, der


# --- threat point ----------------------------------------------------------------------------------
def threat_point(model: Any, parties: tuple[int, int], threat: Any, base_t: Any, instruments: str = "uniform"):
    """Tariffs of the threat point (``"current"``, ``"nash"`` or an array) and a note saying which."""
    base_t = np.asarray(base_t, dtype=np.float64)
    if isinstance(threat, str):
        if threat == "current":
            return base_t, N_("current tariffs")
        if threat == "nash":
            from . import _nash

            war = _nash.nash(model, list(parties), instruments, base_t=base_t)
            return np.asarray(war.tariffs, dtype=np.float64), N_("Nash tariff war between the parties")
        raise ScenarioError(f"threat must be 'current', 'nash' or a tariff array, got '{threat}'")
    t = np.asarray(threat, dtype=np.float64)
    if t.shape != base_t.shape:
        raise ScenarioError(f"threat tariffs have shape {t.shape}; the model's tariffs have shape {base_t.shape}")
    return t, N_("given tariffs")


def _setup(model, world, parties, base_t):
    if len(parties) != 2:
        raise ScenarioError(f"bargaining needs two parties, got {len(parties)}")
    from .._exceptions import DataError

    try:
        a, b = (world.index(p) if isinstance(p, str) else int(p) for p in parties)
    except DataError as e:
        raise ScenarioError(f"talks: {e}") from None
    if a == b:
        raise ScenarioError(f"bargaining needs two different parties, got {world.codes[a]} twice")
    t = np.asarray(model.t0 if base_t is None else base_t, dtype=np.float64)
    return a, b, t


# --- Nash bargaining -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Bargain:
    """The Nash bargaining solution (see the module docstring).

    tariffs : full tariff array of the deal. values : (2K,) the parties' rates (A's on B first), ``labels``.
    welfare, threat_welfare : (N,) W^ at the deal and at the threat (relative to the model's baseline).
    gains_pct : (2,) percentage-point gains of A and B over the threat. threat_tariffs : the threat array.
    certificate : optimiser status, iterations, gradient norm of the objective in the tariffs, whether both
        gain, the cosine of the parties' welfare gradients (-1 on the frontier for an interior deal) and the
        best joint improvement found on a local grid around the deal (<= 0 on the frontier).
    """

    parties: tuple[str, str]
    instruments: str
    weight: float
    tariffs: np.ndarray
    values: np.ndarray
    labels: tuple[str, ...]
    welfare: np.ndarray
    threat_tariffs: np.ndarray
    threat_welfare: np.ndarray
    threat: str
    gains_pct: np.ndarray
    certificate: dict[str, Any] = field(default_factory=dict)


def _labels(world, pair: _Pair) -> tuple[str, ...]:
    A, B = world.codes[pair.a], world.codes[pair.b]
    if pair.kind == "uniform":
        return (f"{A} on {B}", f"{B} on {A}")
    secs = list(world.sectors) or [f"s{k}" for k in range(pair.n_each)]
    return tuple(f"{A} on {B}/{s}" for s in secs) + tuple(f"{B} on {A}/{s}" for s in secs)


def _grid_start(model, pair: _Pair, t_base, thr2, weight, lo, hi, n=17):
    """Best feasible point of the Nash product on a grid of the two uniform rates."""
    from ._batch import welfare_of_tariffs

    r = np.linspace(lo, hi, n)
    ga, gb = np.meshgrid(r, r, indexing="ij")
    up = _pair(pair.shape, pair.a, pair.b, "uniform")
    T = np.stack([up.apply(t_base, (x, y)) for x, y in zip(ga.ravel(), gb.ravel(), strict=True)])
    W = welfare_of_tariffs(model, T, what="bargaining grid", infeasible="nan")
    d = 100.0 * (W[:, [pair.a, pair.b]] - thr2[None, :])
    ok = (d > 0).all(axis=1)
    if not ok.any():
        return None
    prod = np.where(ok, weight * np.log(np.where(ok[:, None], d, 1.0)[:, 0])
                    + (1 - weight) * np.log(np.where(ok[:, None], d, 1.0)[:, 1]), -np.inf)
    k = int(np.argmax(prod))
    return np.array([ga.ravel()[k], gb.ravel()[k]])


def _cone_start(ev: _PairEvaluator, u_thr, thr2, lo_u, hi_u):
    """A point both prefer, stepping from the threat along the bisector of the two welfare gradients."""
    r = ev(u_thr)
    if r is None:
        return None
    _, J, _ = r
    ga = J[0] / (np.linalg.norm(J[0]) or 1.0)
    gb = J[1] / (np.linalg.norm(J[1]) or 1.0)
    d = ga + gb
    if not np.linalg.norm(d) > 1e-12:
        return None
    d = d / np.linalg.norm(d)
    step = 0.2
    while step > 1e-6:
        u = np.clip(u_thr + step * d, lo_u, hi_u)
        rr = ev(u)
        if rr is not None and (100.0 * (rr[0] - thr2) > 0).all():
            return u
        step *= 0.5
    return None


def _maximise(fun, u0, bounds, max_steps):
    import scipy.optimize

    from ..solve import blas_threads

    # L-BFGS-B's own linear algebra is on vectors of a few dozen entries: a second BLAS thread only
    # adds hand-overs, which cost milliseconds per iteration when the cores are busy
    with blas_threads(int(np.size(u0))):
        return scipy.optimize.minimize(fun, u0, jac=True, method="L-BFGS-B", bounds=bounds,
                                       options={"maxiter": int(max_steps), "gtol": 1e-10, "ftol": 1e-15, "maxcor": 20})


def _negotiation(model, world, parties, base_t, threat, instruments):
    """The common set-up of a negotiation: party indices, the negotiated cells, the threat point's
    tariffs (with a note on how they were found) and welfare (all countries, and the two parties)."""
    from ._batch import welfare_one

    a, b, t_base = _setup(model, world, parties, base_t)
    pair = _pair(t_base.shape, a, b, instruments)
    t_thr, note = threat_point(model, (a, b), threat, t_base, instruments)
    W_thr = welfare_one(model, t_thr, what="threat point")
    return a, b, pair, t_thr, note, W_thr, W_thr[[a, b]]


def bargain(
    model: Any,
    world,
    parties: tuple[str, str] = ("USA", "JPN"),
    instruments: str = "uniform",
    threat: Any = "current",
    weight: float = 0.5,
    base_t: Any = None,
    *,
    lo: float = -0.5,
    hi: float = 3.0,
    max_steps: int = 500,
    start: Any = None,
) -> Bargain:
    """The Nash bargaining solution of ``parties`` over their tariffs on each other (module docstring).

    ``weight`` is A's bargaining weight ``w`` in (0, 1); ``lo``/``hi`` bound the rates searched (fractions).
    Raises :class:`ScenarioError` when no tariffs on the search box make both better off than the threat.

    Examples
    --------
    >>> import numpy as np
    >>> from tradewar.data import World
    >>> from tradewar.models.ilms import armington, calibrate
    >>> w = World(codes=("AAA", "BBB", "CCC"), trade=np.array([[8.0, 2, 1], [2, 8, 1], [1, 1, 9]]), gdp=np.array([11.0, 11, 11]))
    >>> m = calibrate(w, armington(4.0))
    >>> t = np.full((3, 3), 0.3); np.fill_diagonal(t, 0.0)   # a 30% war everywhere
    >>> deal = bargain(m, w, ("AAA", "BBB"), threat=t, base_t=t)
    >>> bool((deal.gains_pct > 0).all()), bool(abs(deal.values[0] - deal.values[1]) < 1e-4)
    (True, True)
    """
    if not 0.0 < weight < 1.0:
        raise ScenarioError(f"bargaining weight must lie strictly between 0 and 1, got {weight}")
    a, b, pair, t_thr, note, W_thr, thr2 = _negotiation(model, world, parties, base_t, threat, instruments)
    t_base = t_thr  # every tariff but the parties' on each other stays as at the threat
    ev = _PairEvaluator(model, pair, t_base)
    lo_u, hi_u = np.log1p(lo), np.log1p(hi)

    def fun(u):
        r = ev(u)
        if r is None:
            return 1e10, np.zeros_like(u)
        w2, J, _ = r
        d = 100.0 * (w2 - thr2)
        lv, dl = _safe_log(d)
        wts = np.array([weight, 1.0 - weight])
        val = float(wts @ lv)
        grad = (wts * dl * 100.0) @ J
        return -val, -grad

    # a feasible start: the caller's (rates of the pair, e.g. a frontier point both prefer), a grid
    # of uniform rates, else a step from the threat into the mutual-gain cone
    if start is not None:
        u0 = np.log1p(np.clip(np.asarray(start, dtype=np.float64), lo, hi))
    else:
        start = _grid_start(model, pair, t_base, thr2, weight, max(lo, -0.3), min(hi, 1.0))
        u0 = None if start is None else np.log1p(np.repeat(start, pair.n_each))
    if u0 is None:
        in_space = np.allclose(pair.apply(t_thr, pair.values(t_thr)), t_thr)
        u0 = _cone_start(ev, np.log1p(pair.values(t_thr)), thr2, lo_u, hi_u) if in_space else None
        if u0 is None:
            raise NoDeal(
                f"talks {world.codes[a]}-{world.codes[b]}: no tariffs between {lo:.0%} and {hi:.0%} make both "
                f"better off than the threat ({note})", t_thr, W_thr, note, lo, hi,
            )
    bounds = [(lo_u, hi_u)] * pair.n_free
    if instruments == "sector" and start is None:  # first the uniform deal, then by sector from there
        up = _pair(t_base.shape, a, b, "uniform")
        sub = bargain(model, world, (a, b), "uniform", t_thr, weight, t_base, lo=lo, hi=hi, max_steps=max_steps)
        u0 = np.log1p(np.repeat(up.values(sub.tariffs), pair.n_each))
    res = _maximise(fun, u0, bounds, max_steps)
    r = ev(res.x)
    if r is None:
        raise ConvergenceError(f"talks {world.codes[a]}-{world.codes[b]}: the equilibrium at the deal did not solve")
    w2, J, W = r
    u = res.x
    values = np.expm1(u)
    gains = 100.0 * (w2 - thr2)
    # certificate: objective gradient in t (projected at the box), gradient cosine, local joint improvement
    _, dl = _safe_log(gains)
    wts = np.array([weight, 1.0 - weight])
    g_t = ((wts * dl * 100.0) @ J) / (1.0 + values)
    at_lo, at_hi = u <= lo_u + 1e-10, u >= hi_u - 1e-10
    g_t[(at_lo & (g_t < 0)) | (at_hi & (g_t > 0))] = 0.0
    cos = float(J[0] @ J[1] / (np.linalg.norm(J[0]) * np.linalg.norm(J[1]) or 1.0))
    local = _local_improvement(model, pair, t_base, values, w2)
    cert = {
        "status": {0: "converged", 1: "max_steps_reached"}.get(int(res.status), "stalled"),
        "iterations": int(res.nit),
        "evaluations": ev.count,
        "grad_norm": float(np.max(np.abs(g_t))),
        "both_gain": bool((gains > 0).all()),
        "gradient_cosine": cos,
        "local_joint_improvement_pct": local,
        "threat": note,
        "at_bounds": bool(at_lo.any() or at_hi.any()),
    }
    return Bargain(
        parties=(world.codes[a], world.codes[b]), instruments=instruments, weight=float(weight),
        tariffs=pair.apply(t_base, values), values=values, labels=_labels(world, pair), welfare=W,
        threat_tariffs=t_thr, threat_welfare=W_thr, threat=note, gains_pct=gains, certificate=cert,
    )


def _local_improvement(model, pair: _Pair, t_base, values, w2, step: float = 1e-3) -> float:
    """Largest ``min(dW_A, dW_B)`` (percentage points) over +/- ``step`` moves of each pair of rates."""
    from ._batch import welfare_of_tariffs

    K = values.size
    moves = []
    for i in range(K):
        for j in range(K):
            for si in (-1, 1):
                for sj in (-1, 1):
                    if i == j and si != sj:
                        continue
                    d = np.zeros(K)
                    d[i] += si * step
                    d[j] += sj * step
                    moves.append(d)
    moves = np.unique(np.array(moves), axis=0)
    T = np.stack([pair.apply(t_base, values + d) for d in moves])
    W = welfare_of_tariffs(model, T, tol=1e-11, what="local check", infeasible="nan")
    gain = 100.0 * (W[:, [pair.a, pair.b]] - w2[None, :])
    gain = np.min(gain, axis=1)  # a move out of the admissible region (NaN) is no improvement
    return float(np.nanmax(gain)) if np.isfinite(gain).any() else float("nan")


# --- the frontier ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DealFrontier:
    """Pareto frontier of the parties' welfare over their tariffs on each other (module docstring).

    points : list of dicts ``{weight, values (2K,), welfare_pct (2,), both_gain}`` along the frontier
        (weighted-sum sweep, A's weight ``weight``), ordered from B's best to A's best.
    grid_rates : (G,) uniform rates of the grid; ``grid_welfare_pct`` (G, G, 2) the parties'
        welfare there (``[A's rate on B, B's rate on A, party]``); ``grid_both_gain`` (G, G) where both
        prefer the grid point to the threat.
    threat_welfare_pct : (2,) the parties' welfare at the threat.
    highest_tariff_b_accepts : the highest uniform tariff A can put on B's goods, B's tariffs on A at the
        world's baseline, that B prefers to the threat (None: none; ``hi_search`` reported with
        ``capped=True`` when even that is accepted).
    smallest_concession_for_a : the smallest cut of B's tariffs on A below the world's baseline
        (fraction, e.g. 0.05 = 5 points), A's tariffs on B at the world's baseline, that leaves A at least
        as well off as at the threat (0: none needed; None: even the largest cut searched is not enough).
    """

    parties: tuple[str, str]
    instruments: str
    labels: tuple[str, ...]
    points: list[dict[str, Any]]
    grid_rates: np.ndarray
    grid_welfare_pct: np.ndarray
    grid_both_gain: np.ndarray
    threat_welfare_pct: np.ndarray
    threat: str
    highest_tariff_b_accepts: dict[str, Any]
    smallest_concession_for_a: dict[str, Any]

    def mutual_gain(self) -> list[dict[str, Any]]:
        """The frontier points both parties prefer to the threat."""
        return [p for p in self.points if p["both_gain"]]


def _sweep(fun_for, ev, u0, weights, bounds, max_steps):
    out = []
    u = u0
    for a in weights:
        res = _maximise(fun_for(a), u, bounds, max_steps)
        r = ev(res.x)
        if r is None:
            continue
        u = res.x
        out.append((float(a), u.copy(), r[0]))
    return out


def _root_1d(f, x_lo, x_hi, n=64):
    """Largest x in [x_lo, x_hi] with f(x) >= 0, f decreasing-ish: a scan then bisection.

    ``f`` maps an array of x to an array of values (one solve each). Returns (x, capped) or (None, False).
    """
    xs = np.linspace(x_lo, x_hi, n)
    v = f(xs)
    # keep to the range where the model has an equilibrium (NaN: none; a large import subsidy, say)
    ok = np.flatnonzero(np.isfinite(v))
    if not ok.size:
        return None, False
    if ok[0] > 0:
        lo_in = xs[ok[0]]
        xs = np.linspace(lo_in, x_hi, n)
        v = f(xs)
    if not v[0] >= 0:
        return None, False
    if v[-1] >= 0:
        return float(x_hi), True
    k = int(np.flatnonzero(v < 0)[0])
    lo, hi = xs[k - 1], xs[k]
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        if f(np.array([mid]))[0] >= 0:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-9:
            break
    return float(lo), False


def deal_frontier(
    model: Any,
    world,
    parties: tuple[str, str] = ("USA", "JPN"),
    instruments: str = "uniform",
    threat: Any = "current",
    base_t: Any = None,
    *,
    n_points: int = 21,
    grid: int = 31,
    lo: float = -0.5,
    hi: float = 3.0,
    grid_range: tuple[float, float] = (-0.2, 1.0),
    hi_search: float = 5.0,
    max_steps: int = 300,
) -> DealFrontier:
    """The Pareto frontier of the two parties' welfare, the mutual-gain region and the two 1-D answers.

    Examples
    --------
    >>> import numpy as np
    >>> from tradewar.data import World
    >>> from tradewar.models.ilms import armington, calibrate
    >>> w = World(codes=("AAA", "BBB", "CCC"), trade=np.array([[8.0, 2, 1], [2, 8, 1], [1, 1, 9]]), gdp=np.array([11.0, 11, 11]))
    >>> m = calibrate(w, armington(4.0))
    >>> t = np.full((3, 3), 0.3); np.fill_diagonal(t, 0.0)
    >>> fr = deal_frontier(m, w, ("AAA", "BBB"), threat=t, base_t=t, n_points=5, grid=5)
    >>> len(fr.points) >= 5 and len(fr.mutual_gain()) > 0
    True
    """
    from ._batch import welfare_of_tariffs

    a, b, pair, t_thr, note, W_thr, thr2 = _negotiation(model, world, parties, base_t, threat, instruments)
    t_base = t_thr  # every tariff but the parties' on each other stays as at the threat
    # 1. a grid of the two uniform rates: the region both prefer to the threat
    up = _pair(t_base.shape, a, b, "uniform")
    r = np.linspace(grid_range[0], grid_range[1], grid)
    ga, gb = np.meshgrid(r, r, indexing="ij")
    T = np.stack([up.apply(t_base, (x, y)) for x, y in zip(ga.ravel(), gb.ravel(), strict=True)])
    Wg = welfare_of_tariffs(model, T, what="deal grid", infeasible="nan")
    if not np.isfinite(Wg).all(axis=1).any():
        raise InadmissibleError(f"deal grid: no pair of rates in {grid_range} has an admissible equilibrium", {})
    gw = 100.0 * (Wg[:, [a, b]] - 1.0)
    both = (Wg[:, [a, b]] > thr2[None, :]).all(axis=1)
    # 2. weighted-sum sweep: max a log W_A + (1-a) log W_B, from B's best (a small) to A's best
    ev = _PairEvaluator(model, pair, t_base)
    lo_u, hi_u = np.log1p(lo), np.log1p(hi)
    bounds = [(lo_u, hi_u)] * pair.n_free

    def fun_for(wa):
        wts = np.array([wa, 1.0 - wa])

        def fun(u):
            rr = ev(u)
            if rr is None:
                return 1e10, np.zeros_like(u)
            w2, J, _ = rr
            if not np.all(w2 > 0):  # no real income: outside the region the objective is defined on
                return 1e10, np.zeros_like(u)
            return -100.0 * float(wts @ np.log(w2)), -100.0 * ((wts / w2) @ J)

        return fun

    k0 = int(np.nanargmax(Wg[:, a] * Wg[:, b]))
    u0 = np.log1p(np.repeat([ga.ravel()[k0], gb.ravel()[k0]], pair.n_each))
    mid = _sweep(fun_for, ev, u0, [0.5], bounds, max_steps)
    u_mid = mid[0][1] if mid else u0
    left = _sweep(fun_for, ev, u_mid, np.linspace(0.5, 0.05, max(2, n_points // 2 + 1))[1:], bounds, max_steps)
    right = _sweep(fun_for, ev, u_mid, np.linspace(0.5, 0.95, max(2, n_points - n_points // 2))[1:], bounds, max_steps)
    pts = sorted(left + mid + right, key=lambda p: p[0])
    # refine where both gain: between the last weight at which A does not gain and the first weight (after the
    # last at which B gains) where B does not; the band can be narrow, so it may hold no coarse point
    if n_points > 2 and pts:
        ws = np.array([p[0] for p in pts])
        dA = np.array([p[2][0] - thr2[0] for p in pts])
        dB = np.array([p[2][1] - thr2[1] for p in pts])
        okA, okB = np.flatnonzero(dA > 0), np.flatnonzero(dB > 0)
        if okA.size and okB.size and okA[0] <= okB[-1] + 1:
            i0 = max(int(okA[0]) - 1, 0)
            i1 = min(int(okB[-1]) + 1, len(pts) - 1)
            extra = _sweep(fun_for, ev, pts[i0][1], np.linspace(ws[i0], ws[i1], n_points), bounds, max_steps)
            pts = sorted(pts + extra, key=lambda p: p[0])
    seen: dict[float, Any] = {}
    for p in pts:
        seen.setdefault(round(p[0], 9), p)
    pts = [seen[k] for k in sorted(seen)]
    points = [
        {"weight": w, "values": np.expm1(u), "welfare_pct": 100.0 * (w2 - 1.0), "both_gain": bool((w2 > thr2).all())}
        for w, u, w2 in pts
    ]
    # 3. the two 1-D questions, each a scan on the solve then bisection
    t0 = np.asarray(model.t0, dtype=np.float64)
    ab_cells = pair.cells[pair.groups < pair.n_each]
    ba_cells = pair.cells[pair.groups >= pair.n_each]

    def with_pair(tau_ab=None, cut_ba=None):
        t = t_base.reshape(-1).copy()
        t[ba_cells] = t0.reshape(-1)[ba_cells] - (0.0 if cut_ba is None else cut_ba)
        t[ab_cells] = t0.reshape(-1)[ab_cells] if tau_ab is None else tau_ab
        return t.reshape(t_base.shape)

    def f_b(xs):
        W = welfare_of_tariffs(model, np.stack([with_pair(tau_ab=x) for x in xs]), what="tariff search",
                               infeasible="nan")
        return W[:, b] - thr2[1]

    x_lo = float(t0.reshape(-1)[ab_cells].mean())
    x, capped = _root_1d(f_b, x_lo, hi_search)
    highest = {"tariff": x, "capped": capped, "b_tariffs_on_a": "world baseline"}
    # B's tariffs on A cut at most down to the lowest rate the talks search (``lo``)
    max_cut = max(float(t0.reshape(-1)[ba_cells].min()) - lo, 0.0)

    def f_cut(xs):  # xs = -cut: W_A - W_A^thr, decreasing in xs (a larger cut helps A)
        T_ = np.stack([with_pair(cut_ba=-x) for x in xs])
        W = welfare_of_tariffs(model, T_, what="concession search", infeasible="nan")
        return W[:, a] - thr2[0]

    b0 = float(t0.reshape(-1)[ba_cells].mean())
    x, none_needed = _root_1d(f_cut, -max_cut, 0.0)
    cut = None if x is None else (0.0 if none_needed else -x)
    conc = {"cut": cut, "b_tariff_on_a": None if cut is None else b0 - cut, "a_tariffs_on_b": "world baseline"}
    return DealFrontier(
        parties=(world.codes[a], world.codes[b]), instruments=instruments, labels=_labels(world, pair),
        points=points, grid_rates=r, grid_welfare_pct=gw.reshape(grid, grid, 2), grid_both_gain=both.reshape(grid, grid),
        threat_welfare_pct=100.0 * (thr2 - 1.0), threat=note, highest_tariff_b_accepts=highest,
        smallest_concession_for_a=conc,
    )
