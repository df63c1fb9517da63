"""Model families by name: each builds a calibrated model from a World and a parameter dict."""

from __future__ import annotations

from typing import Any

from .._exceptions import CalibrationError, ScenarioError
from ..data._world import World

FAMILIES = ("ilms", "armington", "caliendo_parro", "ossa")


def _check_open(world: World) -> None:
    """Refuse a country without any trade with the others: no model of trade is defined for it."""
    import numpy as np

    closed = np.flatnonzero((world.exports() <= 0) & (world.imports() <= 0))
    if closed.size:
        c = world.codes[closed[0]]
        raise CalibrationError(
            f"country {c} has no trade with the other countries in these data, so the model cannot be calibrated "
            f"for it; drop {c} or merge it into a region (tradewar.aggregate)"
        )


def build_model(family: str, world: World, params: dict[str, Any]):
    """Calibrate model ``family`` on ``world`` with ``params`` (keys of the family's parameters).

    The parameters are validated first (:func:`tradewar.models._params.validate_params`): an unknown
    family or key, a wrong type or a value out of range raises :class:`ScenarioError` naming it.
    Unless the deficits are removed (``deficits = "zero"``), a trade balance beyond
    :data:`~tradewar.data._checks.MAX_BALANCE_TO_GDP` of GDP gives a :class:`~tradewar.TradewarWarning`
    naming the countries (:func:`~tradewar.data._checks.imbalances`).
    """
    from ._params import FAMILY_SCHEMAS, validate_params

    if family in FAMILY_SCHEMAS:
        params = validate_params(family, params)
    _check_open(world)
    if params.get("deficits", "zero" if family == "ossa" else "fixed") != "zero":
        from ..data._checks import warn_imbalances

        warn_imbalances(world)
    if family in ("ilms", "armington"):
        from .ilms import ILMSParams, armington, calibrate

        if world.has_sectors:
            raise ScenarioError(f"model '{family}' is one-sector but the data have {world.n_sectors} sectors")
        base = armington() if family == "armington" else ILMSParams()
        try:
            p = base.replace(**params)
        except TypeError as e:
            raise ScenarioError(f"model '{family}': {e}") from None
        return calibrate(world, p)
    if family == "caliendo_parro":
        from . import caliendo_parro

        return caliendo_parro.calibrate(world, **params)
    if family == "ossa":
        from . import ossa

        return ossa.calibrate(world, **params)
    raise ScenarioError(f"unknown model family '{family}' (choose from {', '.join(FAMILIES)})")
