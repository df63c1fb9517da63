"""Best responses and optimal retaliation: the ``optimal`` rule of :mod:`tradewar.policy`.

A *measure* is the tariff increase of a scenario over the world's baseline tariffs,
``added[j, i] = t[j, i] - t0[j, i]`` (importer ``i`` hits exporter ``j``). Under the rule ``optimal``
every retaliator ``r`` hit by an aggressor ``a`` (``added[r, a] > 0``; restricted by the rule's
``retaliators`` and ``aggressors``) sets its tariffs **on its aggressors' goods** to its best response:

    max_v  W^_r(t with r's tariffs on its aggressors set by v)   (everything else as in t)

where ``v`` follows the rule's instrument: ``uniform`` (one rate on all aggressors' goods), ``partner``
(one rate per aggressor), ``sector`` (one rate per sector, aggressors alike) or ``partner_sector``.
The rate is capped by the rule's ``max_rate`` when one is given.

Retaliators answer **simultaneously**: each best response is computed against the same tariffs ``t``
(the measure, with every other retaliator still at its pre-retaliation tariffs), and the answers are
then combined. It is one round of best responses, not an equilibrium among the retaliators: for the
end point of a tariff war use :func:`tradewar.strategy.nash`.

Each best response is :func:`tradewar.strategy.optimal_tariff` when the retaliator controls its whole
instrument without a cap; with a subset of partners (its aggressors) or a cap it maximises ``log W^_r``
over the restricted instrument by L-BFGS-B on ``u = log(1 + t)`` boxed by ``lower`` and the cap
(gradients by implicit differentiation through the solve).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._exceptions import ConvergenceError, ScenarioError

__all__ = ["best_response", "retaliate_optimally", "optimal_retaliation_pairs", "check_best_response"]


def _restricted_instrument(model: Any, shape: tuple[int, ...], country: int, partners: Sequence[int], kind: str):
    """The instrument ``kind`` of ``country`` limited to its tariffs on ``partners`` (groups renumbered)."""
    from ._objective import Instrument, make_instrument

    full = make_instrument(model, shape, [country], kind)
    exporter = np.unravel_index(full.cells, shape)[0]
    keep = np.isin(exporter, np.asarray(list(partners), dtype=np.int64))
    if not keep.any():
        raise ScenarioError(f"best response of country {country}: no tariff cells on the given partners")
    used = np.unique(full.groups[keep])
    remap = np.full(full.n_free, -1, dtype=np.int64)
    remap[used] = np.arange(used.size)
    return Instrument(
        kind=kind,
        shape=full.shape,
        countries=full.countries,
        cells=full.cells[keep],
        groups=remap[full.groups[keep]],
        owner=full.owner[used],
        labels=tuple(full.labels[k] for k in used),
    )


def best_response(
    model: Any,
    country: int,
    t: Any,
    instrument: str = "uniform",
    *,
    partners: Sequence[int] | None = None,
    lower: float = -1.0,
    upper: float | None = None,
    tol: float = 1e-9,
    max_steps: int = 200,
    y0: Any = None,
):
    """``country``'s welfare-maximising tariffs given everyone else's tariffs in ``t``.

    Parameters
    ----------
    model : an equilibrium model of :mod:`tradewar.solve`.
    country : importer index.
    t : full tariff array (``[exporter, importer(, sector)]``, fraction) the others' tariffs come from.
    instrument : ``uniform`` | ``partner`` | ``sector`` | ``partner_sector``.
    partners : exporter indices the country may re-tax (default: all partners).
    lower, upper : bounds of the chosen rates (fraction; ``lower=-1``: only ``t > -100%``).

    Returns
    -------
    OptimalTariff
        :class:`tradewar.strategy._optimal.OptimalTariff` (``tariffs`` = ``t`` with the response applied).
        Without ``partners`` and ``upper`` this is exactly :func:`tradewar.strategy.optimal_tariff` with
        ``base_t=t``.

    Examples
    --------
    >>> import numpy as np
    >>> from tradewar.data import World
    >>> from tradewar.models.ilms import armington, calibrate
    >>> w = World(codes=("AAA", "BBB"), trade=np.array([[8.0, 2.0], [3.0, 9.0]]), gdp=np.array([10.0, 12.0]))
    >>> m = calibrate(w, armington(4.0))
    >>> r = best_response(m, 1, np.zeros((2, 2)))
    >>> bool(r.converged and r.values[0] > 0 and r.own_welfare > 1)
    True
    """
    import scipy.optimize

    from ..solve import blas_threads
    from ._batch import WelfareEvaluator
    from ._objective import baseline_tariffs, make_instrument
    from ._optimal import OptimalTariff, optimal_tariff

    t_base = np.asarray(baseline_tariffs(model, t), dtype=np.float64)
    shape = tuple(t_base.shape)
    c = int(country)
    if partners is None and upper is None:
        return optimal_tariff(model, c, instrument, base_t=t_base, lower=lower, tol=tol, max_steps=max_steps, y0=y0)
    if partners is None:
        inst = make_instrument(model, shape, [c], instrument)
    else:
        inst = _restricted_instrument(model, shape, c, [int(p) for p in partners if int(p) != c], instrument)
    lower = max(float(lower), -1.0)
    lo = float(np.log1p(lower)) if lower > -1.0 else None
    hi = float(np.log1p(upper)) if upper is not None else None
    v0 = inst.values(t_base)
    v0 = np.clip(v0, lower if lower > -1.0 else -0.99, upper if upper is not None else np.inf)
    ev = WelfareEvaluator(model, inst.cells, inst.groups, t_base, np.array([c]))
    if y0 is not None:
        ev.y = y0

    def fun(u):  # minimise -100 log W^_c (scaled so that L-BFGS-B's tolerances bite)
        r = ev(u)
        if r is None:
            return 1e10, np.zeros_like(u)
        wk, J, _ = r
        return -100.0 * float(np.log(wk[0])), -100.0 * J[0] / wk[0]

    if fun(np.log1p(v0))[0] >= 1e10:
        raise ConvergenceError(f"best response of country {c}: the equilibrium at the tariffs the search starts from "
                               "did not solve")
    # one BLAS thread for L-BFGS-B's vector steps: a second thread only adds hand-overs on busy cores
    with blas_threads(inst.n_free):
        res = scipy.optimize.minimize(fun, np.log1p(v0), jac=True, method="L-BFGS-B", bounds=[(lo, hi)] * inst.n_free,
                                      options={"maxiter": int(max_steps), "gtol": tol * 1e-1, "ftol": 1e-15, "maxcor": 20})
    r = ev(res.x)
    if r is None:
        raise ConvergenceError(f"best response of country {c}: the equilibrium at the optimum did not solve")
    wk, J, W = r
    values = np.expm1(res.x)
    grad_t = J[0] / (1.0 + values)  # dW^_c / dt
    pg = grad_t.copy()
    if lower > -1.0:
        pg[(values <= lower + 1e-12) & (pg < 0)] = 0.0
    if upper is not None:
        pg[(values >= upper - 1e-12) & (pg > 0)] = 0.0
    gnorm = float(np.max(np.abs(pg))) if pg.size else 0.0
    status = {0: "converged", 1: "max_steps_reached"}.get(int(res.status), "stalled")
    return OptimalTariff(
        country=c, instrument=instrument, tariffs=inst.apply(t_base, values), values=values,
        labels=inst.labels, welfare=W, grad_norm=gnorm, status=status, converged=bool(gnorm <= tol),
        iterations=int(res.nit), evaluations=ev.count, y=np.asarray(ev.y),
    )


def check_best_response(br, what: str, grad_tol: float = 1e-6) -> None:
    """Raise :class:`ConvergenceError` unless ``br`` converged or stalled at a gradient below ``grad_tol``."""
    if not (br.converged or br.grad_norm <= grad_tol):
        raise ConvergenceError(
            f"{what}: the best response did not converge (status {br.status}, gradient norm {br.grad_norm:.2g}, "
            f"rates {', '.join(f'{v:.3g}' for v in np.asarray(br.values)[:4])}); welfare may rise without bound"
        )


def optimal_retaliation_pairs(world, rule, t: Any, base: Any = None) -> dict[int, list[int]]:
    """``{retaliator: [aggressors]}`` of a measure ``t`` under ``rule`` (who answers whom)."""
    from ..policy._retaliation import _pairs

    t0 = np.array(world.tariffs if base is None else base, dtype=float)
    added = np.asarray(t, dtype=float) - t0
    out: dict[int, list[int]] = {}
    for r, a in _pairs(world, rule, added):
        out.setdefault(int(r), []).append(int(a))
    return out


def retaliate_optimally(model: Any, world, t: Any, rule, *, base: Any = None, details: bool = False):
    """Tariffs after every retaliator's best response to the measure in ``t`` (see the module docstring).

    ``rule`` is a :class:`tradewar.policy.Retaliation` (``instrument``, ``retaliators``, ``aggressors``,
    ``max_rate``). Retaliators answer simultaneously against the same ``t``. ``base`` is the
    pre-measure tariff array (default: the world's baseline tariffs). Returns the new tariff array, or
    ``(t_new, {retaliator: OptimalTariff})`` with ``details=True``.
    """
    t = np.asarray(t, dtype=float)
    inst = getattr(rule, "instrument", "uniform") or "uniform"
    if inst in ("sector", "partner_sector") and t.ndim == 2:
        raise ScenarioError(
            f"retaliation rule 'optimal' with instrument '{inst}' needs a model with sectors; this world has none"
        )
    pairs = optimal_retaliation_pairs(world, rule, t, base)
    out = t.copy()
    found = {}
    for r, aggressors in sorted(pairs.items()):
        br = best_response(model, r, t, inst, partners=aggressors, upper=rule.max_rate)
        check_best_response(br, f"optimal retaliation of {world.codes[r]}")
        changed = np.asarray(br.tariffs) != t
        out[changed] = np.asarray(br.tariffs)[changed]
        found[r] = br
    return (out, found) if details else out
