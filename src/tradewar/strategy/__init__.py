"""The strategic layer: optimal tariffs, Nash tariff wars, efficient trade talks, retaliation, bargaining and blocs.

Thin reductions to the one solver driver (:func:`tradewar.solve.find_root`): every function works for
any model implementing the protocol of :mod:`tradewar.solve` (``initial_guess``, ``residual``,
``welfare``; baseline tariffs as the attribute ``tariffs`` or passed as ``base_t``). Gradients come from
implicit differentiation through the solve, never from finite differences.
"""

from __future__ import annotations

from ._bargain import Bargain, DealFrontier, bargain, deal_frontier
from ._blocs import Bloc, BlocGame, bloc_game, load_bloc, prepare_bloc
from ._nash import Certificate, NashResult, certify, nash
from ._objective import INSTRUMENTS, Instrument, make_instrument
from ._optimal import OptimalCost, OptimalTariff, optimal_cost, optimal_tariff
from ._retaliate import best_response, retaliate_optimally
from ._talks import TalksResult, efficient_talks

__all__ = [
    "INSTRUMENTS",
    "Certificate",
    "Instrument",
    "NashResult",
    "OptimalCost",
    "OptimalTariff",
    "TalksResult",
    "certify",
    "efficient_talks",
    "make_instrument",
    "nash",
    "optimal_cost",
    "optimal_tariff",
    "Bargain",
    "Bloc",
    "BlocGame",
    "DealFrontier",
    "bargain",
    "best_response",
    "bloc_game",
    "deal_frontier",
    "load_bloc",
    "prepare_bloc",
    "retaliate_optimally",
]
