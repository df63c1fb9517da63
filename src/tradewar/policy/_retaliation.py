"""Retaliation rules: how partners answer the tariffs that an aggressor adds.

A measure is the tariff increase of the scenario over the baseline, ``added[j, i] = t[j, i] - t0[j, i]``
(importer ``i`` hits exporter ``j``). Rules (for each retaliator ``r`` hit by an aggressor ``a``):

- ``none``: nothing.
- ``mirror`` (alias ``reciprocal``, the ILMS paper's case): ``t[a, r] = t0[a, r] + added[r, a]``,
  the same rate back on the same partner (by sector in sectoral worlds).
- ``equal_value`` ("retaliate proportionally"): a uniform rate ``rho`` on the aggressor's goods with
  ``rho * X[a, r] = sum_s added[r, a, s] X[r, a, s]`` (baseline values), capped at ``max_rate``.
- ``optimal``: the retaliator's best response (``tradewar.strategy``), resolved by the strategy layer.

``retaliators`` restricts who answers (default: every country hit); ``aggressors`` restricts whom
they answer (default: everyone who added tariffs on them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .._exceptions import ScenarioError
from ..data._world import World

Rule = Literal["none", "mirror", "reciprocal", "equal_value", "optimal"]


@dataclass(frozen=True)
class Retaliation:
    rule: Rule = "none"
    retaliators: Sequence[str] | None = None
    aggressors: Sequence[str] | None = None
    max_rate: float | None = None
    instrument: str = "uniform"


def _pairs(world: World, rule: Retaliation, added: np.ndarray):
    hit = added.sum(axis=2) > 0 if added.ndim == 3 else added > 0  # hit[r, a]: a taxes r more
    R = np.zeros(world.n, dtype=bool)
    A = np.zeros(world.n, dtype=bool)
    R[world.indices(rule.retaliators) if rule.retaliators is not None else slice(None)] = True
    A[world.indices(rule.aggressors) if rule.aggressors is not None else slice(None)] = True
    pairs = hit & R[:, None] & A[None, :]
    np.fill_diagonal(pairs, False)
    return np.argwhere(pairs)  # rows (r, a)


def apply_retaliation(world: World, rule: Retaliation, t: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
    """Tariffs after the partners' answer under ``rule`` (``optimal`` is handled by the strategy layer).

    Examples
    --------
    >>> import numpy as np
    >>> from tradewar.data import World
    >>> w = World(codes=("USA", "CHN"), trade=np.array([[0.0, 1.0], [4.0, 0.0]]), gdp=np.ones(2))
    >>> t = np.array([[0.0, 0.0], [0.5, 0.0]])   # the USA puts 50% on China
    >>> apply_retaliation(w, Retaliation("mirror"), t)[0, 1], apply_retaliation(w, Retaliation("equal_value", max_rate=1.0), t)[0, 1]
    (np.float64(0.5), np.float64(1.0))
    """
    if rule.rule == "none":
        return t
    if rule.rule == "optimal":
        raise ScenarioError("retaliation rule 'optimal' needs the strategy layer: use tradewar.strategy.best_response")
    t0 = np.array(world.tariffs if base is None else base, dtype=float)
    added = t - t0
    out = t.copy()
    X = np.array(world.trade, dtype=float)
    for r, a in _pairs(world, rule, added):
        if rule.rule in ("mirror", "reciprocal"):
            out[a, r] = t0[a, r] + np.maximum(added[r, a], 0.0)
        elif rule.rule == "equal_value":
            hit_value = (np.maximum(added[r, a], 0.0) * X[r, a]).sum()
            base_imports = X[a, r].sum()
            if base_imports <= 0:
                raise ScenarioError(
                    f"equal_value retaliation: {world.codes[r]} imports nothing from {world.codes[a]}, so no rate can match"
                )
            rho = hit_value / base_imports
            if rule.max_rate is not None:
                rho = min(rho, rule.max_rate)
            out[a, r] = t0[a, r] + rho
        else:  # pragma: no cover
            raise ScenarioError(f"unknown retaliation rule '{rule.rule}'")
    return out
