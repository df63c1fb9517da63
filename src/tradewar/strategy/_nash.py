"""Nash tariff wars: iterated (damped) best responses, with a certificate.

Each round visits the players in order (Gauss-Seidel) and computes each one's best response
(:func:`~tradewar.strategy.optimal_tariff` given everyone else's current tariffs, warm-started from its
current tariffs and the previous equilibrium); the player's instrument values move to
``v + clip(damping * (BR - v), -step_cap, step_cap)``. The war has converged when, in a whole round, no
player's best response differs from its current tariffs by more than ``tol`` (max-norm, fraction).
Non-players keep their tariffs of ``base_t``.

Certificate per player at the equilibrium: the max-norm of its projected gradient of W^ w.r.t. its own
tariffs, and the largest relative welfare gain ``W^(deviation) / W^(Nash) - 1`` over a grid of unilateral
deviations (each instrument value moved by ``+/- h`` for each ``h`` in ``steps``, kept ``>= lower``),
solved one after the other by the model's solver program (:func:`~tradewar.strategy._objective.welfare_batch`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jax.numpy as jnp
import numpy as np

from .._exceptions import ConvergenceError, ScenarioError
from .._i18n import _
from .._jax import on_device, zeros
from ..batch._solve import KERNEL_LOCK
from ._objective import baseline_tariffs, country_index, make_instrument, welfare_batch, welfare_vector
from ._optimal import optimal_tariff

__all__ = ["NashResult", "Certificate", "nash", "certify"]


@dataclass(frozen=True)
class Certificate:
    """Per-player checks of a Nash equilibrium (or of an optimum: one player).

    grad_norm : {player code: max-norm of the projected gradient of its W^ in its own tariffs}.
    max_deviation_gain : {player code: largest W^(deviation)/W^(point) - 1 over the deviation grid}.
    n_deviations : {player code: deviations tried}; steps : the grid of step sizes (fraction).
    ok : every grad_norm <= grad_tol and every gain <= gain_tol.
    """

    grad_norm: dict[str, float]
    max_deviation_gain: dict[str, float]
    n_deviations: dict[str, int]
    steps: tuple[float, ...]
    grad_tol: float
    gain_tol: float

    @property
    def ok(self) -> bool:
        return all(v <= self.grad_tol for v in self.grad_norm.values()) and all(
            v <= self.gain_tol for v in self.max_deviation_gain.values()
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "grad_norm": dict(self.grad_norm),
            "max_deviation_gain": dict(self.max_deviation_gain),
            "n_deviations": dict(self.n_deviations),
            "steps": list(self.steps),
            "grad_tol": self.grad_tol,
            "gain_tol": self.gain_tol,
            "ok": self.ok,
        }


@dataclass(frozen=True)
class NashResult:
    """Result of :func:`nash`.

    tariffs : full tariff array at the equilibrium; values : {player code: instrument values}.
    welfare : (N,) W^ at the equilibrium relative to the model's baseline (the calibrated equilibrium).
    welfare_vs_base : (N,) W^ relative to the equilibrium at ``base_t`` (same as ``welfare`` by default).
    welfare_vs_free_trade : (N,) W^ relative to free trade (all tariffs zero).
    rounds : best-response rounds; converged : max best-response move <= tol; max_move : the last one.
    history : max move of every round.
    """

    players: tuple[str, ...]
    instrument: str
    tariffs: np.ndarray
    values: dict[str, np.ndarray]
    welfare: np.ndarray
    welfare_vs_base: np.ndarray
    welfare_vs_free_trade: np.ndarray
    rounds: int
    converged: bool
    max_move: float
    certificate: Certificate | None
    history: tuple[float, ...] = field(default=())


def _codes(model, n):
    codes = tuple(getattr(model, "codes", ()) or ())
    return codes if len(codes) == n else tuple(str(k) for k in range(n))


def _welfare_at(model, t, y0=None):
    t = on_device(t)
    z = zeros(0)
    empty = on_device(np.zeros(0, dtype=np.int64))
    W, sol = welfare_vector(model, z, t, empty, empty, model.initial_guess() if y0 is None else y0)
    from ..solve import accepted

    if not accepted(float(sol.max_residual), int(sol.result_code), 1e-9, finite=bool(np.isfinite(W).all())):
        raise ConvergenceError(f"nash: an equilibrium did not solve (max residual {float(sol.max_residual):.3g})")
    return np.asarray(W), sol.value


def certify(
    model: Any,
    tariffs: Any,
    players,
    instrument: str,
    *,
    lower: float = -1.0,
    steps=(0.01, 0.1),
    grad_tol: float = 1e-6,
    gain_tol: float = 1e-9,
) -> Certificate:
    """Check that each player's tariffs in ``tariffs`` are a best response to the others' (see module doc)."""
    t = jnp.asarray(tariffs, dtype=jnp.float64)
    n = t.shape[0]
    codes = _codes(model, n)
    idx = [country_index(model, p, n) for p in players]
    W0, y0 = _welfare_at(model, t)
    gn, gains, nd = {}, {}, {}
    for c in idx:
        inst = make_instrument(model, tuple(t.shape), [c], instrument)
        v = inst.values(t)
        # gradient at the point: a zero-step optimal_tariff (no iterations) evaluates it
        r = optimal_tariff(model, c, instrument, base_t=t, lower=lower, start=v, max_steps=0, tol=0.0, y0=y0)
        gn[codes[c]] = r.grad_norm
        devs = []
        for h in steps:
            for sgn in (1.0, -1.0):
                V = np.repeat(v[None, :], inst.n_free, axis=0) + sgn * h * np.eye(inst.n_free)
                keep = np.all(V >= (lower if lower > -1.0 else -1.0 + 1e-9), axis=1)
                devs.append(V[keep])
        V = np.concatenate(devs, axis=0)
        with KERNEL_LOCK:  # one group of solves at a time in a process (see tradewar.batch._solve)
            Wd, res = welfare_batch(model, on_device(np.log1p(V)), t, on_device(inst.cells),
                                    on_device(inst.groups), y0)
            Wd, res = np.asarray(Wd), np.asarray(res)
        ok = res <= 1e-9
        gain = Wd[ok, c] / W0[c] - 1.0
        gains[codes[c]] = float(np.max(gain)) if gain.size else 0.0
        nd[codes[c]] = int(ok.sum())
    return Certificate(grad_norm=gn, max_deviation_gain=gains, n_deviations=nd, steps=tuple(float(s) for s in steps),
                       grad_tol=grad_tol, gain_tol=gain_tol)


def nash(
    model: Any,
    players=None,
    instrument: str = "uniform",
    *,
    base_t: Any = None,
    lower: float = -1.0,
    damping: float = 1.0,
    tol: float = 1e-6,
    max_rounds: int = 100,
    step_cap: float = 1.0,
    br_tol: float | None = None,
    certificate: bool = True,
    steps=(0.01, 0.1),
    gain_tol: float = 1e-9,
    grad_tol: float | None = None,
    progress=None,
) -> NashResult:
    """The Nash equilibrium of a tariff war among ``players`` (default: every country).

    Parameters
    ----------
    model : any equilibrium model of :mod:`tradewar.solve`; players maximise its ``welfare``.
    players : indices or codes; non-players keep their tariffs of ``base_t``.
    instrument : ``uniform`` | ``partner`` | ``sector`` | ``partner_sector`` (see :mod:`._objective`).
    base_t : starting tariffs (default: the model's baseline tariffs).
    lower : lowest admissible tariff (``0`` = no import subsidies).
    damping : weight of the best response in each update (1 = undamped).
    tol : convergence tolerance on the max-norm move of best responses (fraction).
    max_rounds : best-response rounds before giving up (``converged`` is then False).
    step_cap : largest change of any tariff in one update (fraction).
    br_tol : gradient tolerance of each best response (default ``max(tol / 100, 1e-10)``; a best response
        stalled at the precision limit is accepted when its gradient is below ``tol``).
    certificate, steps, gain_tol, grad_tol : compute the :class:`Certificate` with this deviation grid and
        tolerances (``grad_tol`` default: ``tol``).
    progress : optional callable(str) told about each round.

    Examples
    --------
    >>> import numpy as np
    >>> from tradewar.data._world import World
    >>> from tradewar.models.ossa import calibrate
    >>> X = np.array([[[8.0, 3.0], [2.0, 2.0]], [[2.0, 2.0], [8.0, 3.0]]])  # two mirror-image countries
    >>> m = calibrate(World(codes=("AAA", "BBB"), trade=X, gdp=X.sum(axis=(1, 2)),
    ...                     extras={"sigma": np.array([3.0, 5.0])}))
    >>> r = nash(m, instrument="uniform", lower=0.0)
    >>> r.converged, r.certificate.ok, bool(abs(r.values["AAA"][0] - r.values["BBB"][0]) < 1e-6)
    (True, True, True)
    """
    t = np.array(baseline_tariffs(model, base_t), dtype=np.float64)
    n = t.shape[0]
    codes = _codes(model, n)
    idx = list(range(n)) if players is None else [country_index(model, p, n) for p in players]
    if len(set(idx)) != len(idx) or not idx:
        raise ScenarioError("nash: players must be distinct and at least one")
    if not 0.0 < damping <= 1.0:
        raise ScenarioError(f"nash: damping must be in (0, 1], got {damping}")
    br_tol = max(tol * 1e-2, 1e-10) if br_tol is None else br_tol
    insts = {c: make_instrument(model, tuple(t.shape), [c], instrument) for c in idx}
    W_base, y = _welfare_at(model, t)
    history: list[float] = []
    converged = False
    max_move = np.inf
    rounds = 0
    for rounds in range(1, max_rounds + 1):
        max_move = 0.0
        for c in idx:
            inst = insts[c]
            v = inst.values(t)
            br = optimal_tariff(model, c, instrument, base_t=t, lower=lower, start=v, tol=br_tol, y0=y)
            if not br.converged and not br.grad_norm <= tol:
                raise ConvergenceError(
                    f"nash: best response of {codes[c]} in round {rounds} did not converge "
                    f"(status {br.status}, gradient {br.grad_norm:.3g})"
                )
            move = br.values - v
            max_move = max(max_move, float(np.max(np.abs(move))))
            v_new = v + np.clip(damping * move, -step_cap, step_cap)
            t = inst.apply(t, v_new)
            y = on_device(br.y)
        history.append(max_move)
        if progress is not None:
            progress(_("Nash round {rounds}: max best-response move {move}").format(rounds=rounds, move=f"{max_move:.3g}"))
        if max_move <= tol:
            converged = True
            break
    W, _y = _welfare_at(model, t, y)
    W_free, _y0 = _welfare_at(model, np.zeros_like(t))
    cert = None
    if certificate:
        cert = certify(model, t, idx, instrument, lower=lower, steps=steps, grad_tol=tol if grad_tol is None else grad_tol,
                       gain_tol=gain_tol)
    return NashResult(
        players=tuple(codes[c] for c in idx),
        instrument=instrument,
        tariffs=t,
        values={codes[c]: insts[c].values(t) for c in idx},
        welfare=W,
        welfare_vs_base=W / W_base,
        welfare_vs_free_trade=W / W_free,
        rounds=rounds,
        converged=converged,
        max_move=max_move,
        certificate=cert,
        history=tuple(history),
    )
