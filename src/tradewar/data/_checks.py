"""Plausibility checks of a loaded :class:`~tradewar.data.World`: data that are valid but probably wrong.

Each finding is a :class:`~tradewar.TradewarWarning` naming the country (the command line prints it as
one ``warning:`` line); the world is still returned. Findings:

- no trade with other countries at all (calibrating a model on such a world then fails with a
  one-line error), or no exports, or no imports (percent changes of that side's trade are undefined);
- GDP below one millionth of world GDP (e.g. a GDP typed in the wrong units);
- exports or imports above :data:`MAX_TRADE_TO_GDP` (100) times GDP (a GDP implausibly small for the flows).
"""

from __future__ import annotations

import warnings

import numpy as np

from .._exceptions import TradewarWarning
from ._world import World

__all__ = ["MIN_GDP_SHARE", "MAX_TRADE_TO_GDP", "suspicious", "warn_suspicious"]

#: A GDP below this share of world GDP is implausibly small (the smallest economy of the
#: 194-country data, Tuvalu, has 2.5e-6).
MIN_GDP_SHARE = 1e-6
#: Exports or imports above this multiple of GDP make the GDP implausibly small (the largest ratio
#: of real data, the Marshall Islands' imports of ships under its flag in BACI 2023, is 27).
MAX_TRADE_TO_GDP = 100.0


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


def warn_suspicious(world: World) -> None:
    """Issue one :class:`~tradewar.TradewarWarning` per finding of :func:`suspicious`."""
    for msg in suspicious(world):
        warnings.warn(msg, TradewarWarning, stacklevel=3)
