"""Plausibility checks of a loaded :class:`~tradewar.data.World`: data that are valid but probably wrong.

Each finding is a :class:`~tradewar.TradewarWarning` naming the country (the command line prints it as
one ``warning:`` line); the world is still returned. Findings:

- no trade with other countries at all (calibrating a model on such a world then fails with a
  one-line error), or no exports, or no imports (percent changes of that side's trade are undefined);
- GDP below one millionth of world GDP (e.g. a GDP typed in the wrong units);
- exports or imports above :data:`MAX_TRADE_TO_GDP` (100) times GDP (a GDP implausibly small for the flows).

A separate check runs at calibration, where a model holds trade deficits fixed
(:func:`imbalances`, :func:`warn_imbalances`): a trade balance beyond :data:`MAX_BALANCE_TO_GDP`
of GDP is valid data (Norway's gas, Hong Kong's re-exports) but magnifies every counterfactual of a
model that keeps it, and is often a sign of missing flows.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._exceptions import TradewarWarning
from ._world import World

__all__ = [
    "MIN_GDP_SHARE",
    "MAX_TRADE_TO_GDP",
    "MAX_BALANCE_TO_GDP",
    "balances",
    "imbalances",
    "suspicious",
    "warn_imbalances",
    "warn_suspicious",
]

#: A GDP below this share of world GDP is implausibly small (the smallest economy of the
#: 194-country data, Tuvalu, has 2.5e-6).
MIN_GDP_SHARE = 1e-6
#: Exports or imports above this multiple of GDP make the GDP implausibly small (the largest ratio
#: of real data, the Marshall Islands' imports of ships under its flag in BACI 2023, is 27).
MAX_TRADE_TO_GDP = 100.0
#: A trade balance (exports less imports) beyond this share of GDP, either sign, is flagged at
#: calibration. Among the 40 largest economies of the 194-country BACI 2023 data only Vietnam,
#: Malaysia, Norway and Ireland pass it; the others stay within 10%. A fixed deficit of this size
#: moves a country's spending by the same share of its income in every counterfactual.
MAX_BALANCE_TO_GDP = 0.15


def _list(codes: list[str]) -> str:
    return ", ".join(codes[:8]) + (f" and {len(codes) - 8} more" if len(codes) > 8 else "")


def suspicious(world: World) -> list[str]:
    """One message per kind of suspicious data in ``world`` (empty when nothing looks wrong).

    >>> w = World(codes=("USA", "JPN", "CHN"), trade=np.array([[0, 1, 2], [1, 0, 0], [2, 0, 0.0]]),
    ...           gdp=np.array([10.0, 5.0, 1e-3]))
    >>> suspicious(w)
    ['CHN: exports of 2 are 2e+03 times its GDP of 0.001 USD million; the GDP is implausibly small for its trade']
    >>> suspicious(w.replace(gdp=np.array([10.0, 5.0, 1.0])))
    []
    """
    codes = np.array(world.codes)
    out = []
    exp, imp, gdp = world.exports(), world.imports(), np.asarray(world.gdp)
    closed = np.flatnonzero((exp <= 0) & (imp <= 0))
    if closed.size:
        out.append(
            f"{_list(list(codes[closed]))}: no trade with other countries in these data; "
            "no model can be calibrated for such a country (drop it or merge it into a region)"
        )
    for name, v in (("exports", exp), ("imports", imp)):
        none = np.flatnonzero((v <= 0) & ~np.isin(np.arange(world.n), closed))
        if none.size:
            out.append(f"{_list(list(codes[none]))}: no {name} in these data; check the trade table")
    share = gdp / gdp.sum()
    for k in np.flatnonzero(share < MIN_GDP_SHARE):
        out.append(
            f"{codes[k]}: GDP of {gdp[k]:.3g} {world.units} is {share[k]:.2g} of world GDP, implausibly small "
            "(check the units of the GDP table)"
        )
    ratio = np.maximum(exp, imp) / gdp
    for k in np.flatnonzero(ratio > MAX_TRADE_TO_GDP):
        what = "exports" if exp[k] >= imp[k] else "imports"
        out.append(
            f"{codes[k]}: {what} of {max(exp[k], imp[k]):.3g} are {ratio[k]:.3g} times its GDP of {gdp[k]:.3g} "
            f"{world.units}; the GDP is implausibly small for its trade"
        )
    return out


def balances(world: World) -> np.ndarray:
    """Trade balance (exports less imports, domestic sales excluded) over GDP, by country (a fraction).

    >>> w = World(codes=("USA", "JPN"), trade=np.array([[0, 1.0], [3.0, 0]]), gdp=np.array([10.0, 5.0]))
    >>> balances(w).tolist()
    [-0.2, 0.4]
    """
    return (world.exports() - world.imports()) / np.asarray(world.gdp, dtype=float)


def imbalances(world: World, threshold: float = MAX_BALANCE_TO_GDP) -> str | None:
    """One message naming every country whose trade balance exceeds ``threshold`` of GDP (None: none does).

    Countries are listed from the largest imbalance, each with its balance in % of GDP.

    >>> w = World(codes=("USA", "JPN"), trade=np.array([[0, 1.0], [3.0, 0]]), gdp=np.array([10.0, 5.0]))
    >>> imbalances(w)
    'JPN (+40.0%), USA (-20.0%): trade balance beyond 15% of GDP in these data; a model that holds deficits fixed keeps these imbalances and magnifies the welfare changes of these countries (deficits = "zero" removes them first; tradewar data info lists every balance)'
    >>> imbalances(w, threshold=0.5) is None
    True
    """
    share = balances(world)
    over = np.flatnonzero(np.abs(share) > threshold)
    if not over.size:
        return None
    over = over[np.argsort(-np.abs(share[over]), kind="stable")]
    listed = ", ".join(f"{world.codes[k]} ({100 * share[k]:+.1f}%)" for k in over[:8])
    more = f" and {over.size - 8} more" if over.size > 8 else ""
    return (
        f"{listed}{more}: trade balance beyond {100 * threshold:g}% of GDP in these data; a model that holds "
        "deficits fixed keeps these imbalances and magnifies the welfare changes of these countries "
        '(deficits = "zero" removes them first; tradewar data info lists every balance)'
    )


def warn_imbalances(world: World, threshold: float = MAX_BALANCE_TO_GDP) -> None:
    """Issue a :class:`~tradewar.TradewarWarning` with :func:`imbalances`' message, if any."""
    msg = imbalances(world, threshold)
    if msg:
        warnings.warn(msg, TradewarWarning, stacklevel=3)


def warn_suspicious(world: World) -> None:
    """Issue one :class:`~tradewar.TradewarWarning` per finding of :func:`suspicious`."""
    for msg in suspicious(world):
        warnings.warn(msg, TradewarWarning, stacklevel=3)
