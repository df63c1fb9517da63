"""tradewar: tariff wars, trade talks and trade blocs in general equilibrium.

The public API is re-exported lazily from private modules so that importing the
package (and starting the command line) does not load JAX.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import _jax_import

__version__ = "0.1.0"

_jax_import.install()

_EXPORTS: dict[str, str] = {
    # errors
    "TradewarError": "tradewar._exceptions",
    "DataError": "tradewar._exceptions",
    "ScenarioError": "tradewar._exceptions",
    "CalibrationError": "tradewar._exceptions",
    "ConvergenceError": "tradewar._exceptions",
    "InadmissibleError": "tradewar._exceptions",
    "TradewarWarning": "tradewar._exceptions",
    # data
    "World": "tradewar.data",
    "load_world": "tradewar.data",
    "aggregate": "tradewar.data",
    # scenarios and results
    "Scenario": "tradewar.scenario",
    "load_scenario": "tradewar.scenario",
    "list_presets": "tradewar.scenario",
    "run_scenario": "tradewar._run",
    "Result": "tradewar.results",
    # batches, uncertainty, sweeps
    "solve_batch": "tradewar.batch.sweep",
    "run_sweep": "tradewar.batch.sweep",
    "run_uncertainty": "tradewar.batch.uncertainty",
    # models
    "ILMSParams": "tradewar.models.ilms",
    "armington": "tradewar.models.ilms",
    "calibrate_ilms": "tradewar.models.ilms",
    # solver
    "Shock": "tradewar.solve",
    "solve_model": "tradewar.solve",
    "SolverOptions": "tradewar.solve",
    "Status": "tradewar.solve",
    "Equilibrium": "tradewar.solve",
}

_ALIASES = {"run_sweep": "sweep", "run_uncertainty": "uncertainty", "calibrate_ilms": "calibrate"}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    mod = _EXPORTS.get(name)
    if mod is None:
        raise AttributeError(f"module 'tradewar' has no attribute {name!r}")
    value = getattr(importlib.import_module(mod), _ALIASES.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
