"""Plausibility of a solved equilibrium, and the likely cause of an implausible or impossible one.

An equilibrium can be admissible (positive prices, incomes and real income) and still implausible: a
country whose welfare or employment moves by more than a quarter after a tariff change is more likely
the sign of a data problem or of a closure that does not fit the policy than a forecast. The bounds
(percent changes, both directions):

- welfare (real income) beyond :data:`BOUNDS` ``["welfare_pct"]`` = +-25%;
- employment beyond :data:`BOUNDS` ``["employment_pct"]`` = +-25%.

A result outside them is returned as usual, with one :class:`~tradewar.TradewarWarning` naming the
countries, their values and the likely cause. The most common cause is a trade deficit held fixed
(``deficits = "fixed"``): a country with a large surplus must go on exporting that amount on net however
much its income falls, one with a large deficit keeps receiving it; the other closures (``"zero"``,
``"gdp_share"``) let the deficits move with incomes.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._exceptions import TradewarWarning

__all__ = ["BOUNDS", "SURPLUS_HINT", "DEFICIT_HINT", "warn_implausible", "fixed_deficit_cause", "inadmissible_hint"]

#: Plausibility bounds: the largest absolute percent change of each outcome that passes unflagged.
BOUNDS = {"welfare_pct": 25.0, "employment_pct": 25.0}
#: A fixed deficit (or surplus) at least this share of the country's income is named as a likely cause.
DEFICIT_HINT = 0.05
#: A fixed surplus at least this share of income is named as the cause of an impossible equilibrium.
SURPLUS_HINT = 0.05
#: Countries named in one warning, largest deviation first.
NAMED = 3

_LABELS = {"welfare_pct": "welfare", "employment_pct": "employment"}


def deficit_shares(model: Any) -> np.ndarray | None:
    """The baseline trade deficit of each country as a share of its income (N,), when the deficits are fixed."""
    if getattr(model, "deficits", None) != "fixed":
        return None
    f = getattr(model, "deficit_shares", None)
    return None if f is None else np.asarray(f(), dtype=float).reshape(-1)


def fixed_deficit_cause(model: Any, i: int) -> str:
    """``fixed trade surplus of 24% of its income`` for country ``i`` (deficits held fixed), or ``""``."""
    d = deficit_shares(model)
    if d is None or i >= d.size or not abs(d[i]) >= DEFICIT_HINT:
        return ""
    kind = "surplus" if d[i] < 0 else "deficit"
    return f"fixed trade {kind} of {abs(d[i]):.0%} of its income"


def _names(codes, n: int) -> list[str]:
    codes = tuple(codes or ())
    return list(codes) if len(codes) == n else [f"country #{i}" for i in range(n)]


def warn_implausible(model: Any, outcomes: dict[str, Any], codes=None, what: str = "equilibrium") -> list[str]:
    """Warn (one :class:`TradewarWarning`) when outcomes leave :data:`BOUNDS`; returns the flagged countries."""
    flagged: dict[int, list[str]] = {}
    size: dict[int, float] = {}
    for key, bound in BOUNDS.items():
        if key not in outcomes:
            continue
        a = np.asarray(outcomes[key], dtype=float)
        if a.ndim != 1 or np.abs(a).max(initial=0.0) <= bound:  # all within (a NaN fails the test and is skipped below)
            continue
        for i in np.flatnonzero(np.isfinite(a) & (np.abs(a) > bound)).tolist():
            flagged.setdefault(i, []).append(f"{_LABELS[key]} {a[i]:+.1f}%")
            size[i] = max(size.get(i, 0.0), abs(a[i]) / bound)
    if not flagged:
        return []
    n = np.asarray(next(iter(outcomes.values()))).shape[0]
    names = _names(codes, n)
    order = sorted(flagged, key=lambda i: -size[i])
    parts = []
    for i in order[:NAMED]:
        cause = fixed_deficit_cause(model, i)
        parts.append(f"{names[i]} {', '.join(flagged[i])}" + (f" ({cause})" if cause else ""))
    more = f" and {len(order) - NAMED} more" if len(order) > NAMED else ""
    fixed = getattr(model, "deficits", None) == "fixed"
    advice = ("; likely cause: deficits held fixed (deficits = \"fixed\"): try deficits = \"zero\" (see the deficit "
              "closures in the documentation, docs/models.md)"
              if fixed and any(fixed_deficit_cause(model, i) for i in order[:NAMED])
              else "; likely cause: a very large shock or a data problem for these countries (check their trade "
                   "against their income)")
    warnings.warn(
        f"{what}: implausible result outside the plausibility bounds (welfare and employment within "
        f"+-{BOUNDS['welfare_pct']:.0f}%): {'; '.join(parts)}{more}{advice}",
        TradewarWarning,
        stacklevel=3,
    )
    return [names[i] for i in order]


def inadmissible_hint(model: Any, margins: dict[str, Any], codes=None) -> str:
    """The fixed surplus that makes an equilibrium impossible, and the closure that removes it, or ``""``.

    A country whose margins fail and whose surplus (held fixed) is at least :data:`SURPLUS_HINT` of its
    income is named, the largest surplus first.
    """
    d = deficit_shares(model)
    if d is None:
        return ""
    bad: set[int] = set()
    for v in margins.values():
        a = np.asarray(v, dtype=float)
        if a.shape == d.shape:
            bad |= set(np.flatnonzero(~(a > 0)).tolist())
    cand = [i for i in bad if d[i] <= -SURPLUS_HINT]
    if not cand:
        return ""
    i = min(cand, key=lambda k: d[k])
    name = _names(codes, d.size)[i]
    return (f"; {name}'s trade surplus is held fixed at {-d[i]:.0%} of its income (deficits = \"fixed\"): it must "
            "go on paying it however much its income falls; try deficits = \"zero\" (trade balanced first)")
