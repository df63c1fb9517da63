"""The batch layer: many equilibria of one scenario solved together, on the one driver of :mod:`tradewar.solve`.

- :mod:`~tradewar.batch._solve`: the one batched solve (``vmap`` of ``find_root`` over stacked models and
  tariffs, fixed-width padded chunks, the memory rule of a chunk);
- :mod:`~tradewar.batch.sweep`: :func:`solve_batch` (parameter draws and tariff schedules, a labelled
  Dataset with failed members by index), chunks on a scheduler, grids, :func:`run_sweep`, :func:`load_run`;
- :mod:`~tradewar.batch._chunks`: chunk execution in-process or on Dask, Parquet parts and a manifest,
  resume by fingerprint;
- :mod:`~tradewar.batch._distributions`: the scenario's ``[uncertainty]`` table and its draws;
- :mod:`~tradewar.batch.uncertainty`: Monte Carlo summaries, flip points, Sobol indices, tornado, bands.

The names below are re-exported lazily, like the package's own, so that the scenario schema (which
reads :class:`UncertaintySpec`) loads neither the batch modules nor JAX.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> (module, name in that module)
_EXPORTS: dict[str, tuple[str, str]] = {
    "BatchSetup": ("sweep", "BatchSetup"),
    "solve_batch": ("sweep", "solve_batch"),
    "failures": ("sweep", "failures"),
    "run_members": ("sweep", "run_members"),
    "parse_grid": ("sweep", "parse_grid"),
    "run_sweep": ("sweep", "sweep"),
    "load_run": ("sweep", "load_run"),
    "heatmap_figure": ("sweep", "heatmap_figure"),
    "UncertaintySpec": ("_distributions", "UncertaintySpec"),
    "DEFAULT_SPECS": ("_distributions", "DEFAULT_SPECS"),
    "run_uncertainty": ("uncertainty", "uncertainty"),
    "UncertaintyResult": ("uncertainty", "UncertaintyResult"),
    "tornado_figure": ("uncertainty", "tornado_figure"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    # an unknown name must raise AttributeError: ``from tradewar.batch import sweep`` relies on it to
    # fall back to importing the submodule
    where = _EXPORTS.get(name)
    if where is None:
        raise AttributeError(f"module 'tradewar.batch' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{where[0]}"), where[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
