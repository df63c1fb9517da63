"""Policies as data: tariff layers applied in order, and retaliation rules."""

from ._layers import Layer, apply_layers
from ._retaliation import Retaliation, apply_retaliation

__all__ = ["Layer", "apply_layers", "Retaliation", "apply_retaliation"]
