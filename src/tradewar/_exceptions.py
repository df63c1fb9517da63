"""Errors raised by tradewar.

Hierarchy::

    TradewarError
    ├── DataError          (also ValueError)  bad or inconsistent input data
    ├── ScenarioError      (also ValueError)  a scenario file or policy that cannot be applied
    ├── CalibrationError   (also ValueError)  data that cannot be turned into a baseline equilibrium
    └── ConvergenceError                      a solve that did not converge or fails its checks
        └── InadmissibleError                 a converged solve that is no economy (negative real income, ...)

Warnings about suspicious but usable input (a country without trade, an implausibly small GDP)
are :class:`TradewarWarning` (``warnings.warn``); the command line prints each as one
``warning:`` line.

Bad-input errors carry a one-line message naming the file, field and row (or
country and sector) and how to fix it; the command line prints that line and
exits with status 2.
"""

from __future__ import annotations

from typing import Any


class TradewarError(Exception):
    """Base class of every error raised by tradewar."""


class DataError(TradewarError, ValueError):
    """Input data are malformed: wrong shape, negative or missing values, unknown codes."""


class ScenarioError(TradewarError, ValueError):
    """A scenario file or policy is invalid or cannot be applied to the chosen world/model."""


class CalibrationError(TradewarError, ValueError):
    """The data cannot be calibrated to a baseline equilibrium (e.g. a country without expenditure)."""


class ConvergenceError(TradewarError):
    """A solve did not converge, or its result fails the accounting checks.

    Attributes
    ----------
    diagnostics : dict
        status, steps, max residual, tolerance and the failed checks.
    """

    def __init__(self, message: str, diagnostics: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.diagnostics = dict(diagnostics or {})


class InadmissibleError(ConvergenceError):
    """A solve converged and its accounting holds, but the equilibrium is economically impossible.

    Prices, incomes, expenditure or real income are not positive, or shares leave [0, 1] (a welfare
    change of -100% or below, for example). ``diagnostics["admissibility"]`` holds the margins.
    """


class TradewarWarning(UserWarning):
    """Input that is accepted but probably wrong: the message names the country and what is odd."""


def where(file: object = None, field: object = None, row: object = None) -> str:
    """Format a location prefix ``file: field 'x', row 3: `` for one-line error messages."""
    parts = []
    if file is not None:
        parts.append(str(file))
    inner = []
    if field is not None:
        inner.append(f"field '{field}'")
    if row is not None:
        inner.append(f"row {row}")
    if inner:
        parts.append(", ".join(inner))
    return ": ".join(parts) + ": " if parts else ""
