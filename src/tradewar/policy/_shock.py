"""The policy arrays a solve receives (:class:`Shock`, also ``tradewar.solve.Shock``) and their checks.

A shock's tariffs ``t`` (and export taxes ``x``) must have the shape of the model's baseline tariffs,
be finite and above -100%, and leave own sales (``t[i, i]``, the diagonal) at their baseline: own
sales are never taxed. A bare array is taken as the new tariffs ``t``.
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import numpy as np

from .._exceptions import ScenarioError

__all__ = ["Shock", "PreparedShock", "check_shock", "policy_arrays"]


class Shock(eqx.Module):
    """The policy a solve applies, as arrays (the same for every model family).

    t : new tariffs, same shape and dimension order as the model's baseline tariffs
        (``[exporter, importer]`` or ``[exporter, importer, sector]``), fraction, > -1.
    x : new ad-valorem export taxes (or tariff-equivalent trade costs of an export
        control) levied by the exporter, same shape as ``t``; ``None`` = unchanged (zero).
    """

    t: jax.Array
    x: jax.Array | None = None


class PreparedShock(eqx.Module):
    """A policy (``t``, ``x`` as :class:`Shock`) with the arrays of it that a model's equations use, computed
    once by the model's ``prepare_shock`` for the many evaluations of one solve (:mod:`tradewar.solve`).

    ``arrays`` is the model's own tuple (what its equations would otherwise compute from ``t`` and ``x``).
    """

    t: jax.Array
    x: jax.Array | None
    arrays: tuple

    @classmethod
    def of(cls, shock: Any, compute: Any) -> PreparedShock:
        """``shock`` with ``compute(shock)``, the arrays the model's equations read (a model's ``prepare_shock``)."""
        return cls(shock.t, getattr(shock, "x", None), compute(shock))


def policy_arrays(shock: Any, compute: Any) -> tuple:
    """The arrays of ``shock`` that a model's equations read: those prepared with it, else ``compute(shock)``."""
    return shock.arrays if isinstance(shock, PreparedShock) else compute(shock)


def _baseline(model: Any) -> np.ndarray | None:
    """The model's baseline tariffs (``t0``; the Ossa model calls them ``t``), if it has them."""
    for name in ("t0", "t"):
        v = getattr(model, name, None)
        if v is not None and hasattr(v, "shape") and not callable(v):
            return np.asarray(v)
    return None


def _who(codes, k: int) -> str:
    return codes[k] if codes is not None and k < len(codes) else f"country {k}"


def check_shock(model: Any, shock: Any, codes=None, what: str = "solve_model"):
    """The shock as a :class:`~tradewar.solve.Shock`, checked against ``model``.

    Raises :class:`~tradewar.ScenarioError` naming the field and the country (``codes``: the
    model's country codes, for messages).

    >>> import numpy as np
    >>> from tradewar.data import World
    >>> from tradewar.models.ilms import armington, calibrate
    >>> w = World(codes=("USA", "CHN"), trade=np.array([[8.0, 2.0], [3.0, 9.0]]), gdp=np.array([10.0, 12.0]))
    >>> m = calibrate(w, armington())
    >>> check_shock(m, np.array([[0.0, 0.2], [0.0, 0.1]]), ("USA", "CHN"))
    Traceback (most recent call last):
    ...
    tradewar._exceptions.ScenarioError: solve_model: field 't', exporter CHN, importer CHN: a tariff of 0.1 on CHN's own sales; own sales are never taxed (keep the diagonal at its baseline, 0)
    """
    # looked up on the class first: an equinox module binds a method afresh at every attribute access
    if not all(
        callable(getattr(type(model), f, None)) or callable(getattr(model, f, None))
        for f in ("initial_guess", "residual", "outcomes", "checks")
    ):
        raise ScenarioError(
            f"{what}: the model must be a calibrated model (e.g. tradewar.calibrate_ilms(world)), got {type(model).__name__}"
        )
    if not isinstance(shock, Shock):
        if isinstance(shock, np.ndarray | list | tuple) or type(shock).__module__.startswith("jax"):
            shock = Shock(t=np.asarray(shock, dtype=float))
        else:
            raise ScenarioError(
                f"{what}: the shock must be a tradewar.Shock (Shock(t=tariffs)) or an array of tariffs, "
                f"got {type(shock).__name__}"
            )
    base = _baseline(model)
    for field in ("t", "x"):
        a = getattr(shock, field)
        if a is None:
            continue
        try:
            arr = np.asarray(a, dtype=float)
        except (TypeError, ValueError):
            raise ScenarioError(f"{what}: field '{field}' must be an array of numbers, got {type(a).__name__}") from None
        if base is not None and arr.shape != base.shape:
            raise ScenarioError(
                f"{what}: field '{field}' has shape {arr.shape}, but the model's tariffs have shape {base.shape} "
                "([exporter, importer] or [exporter, importer, sector])"
            )
        if arr.ndim < 2 or arr.shape[0] != arr.shape[1]:
            raise ScenarioError(f"{what}: field '{field}' has shape {arr.shape}; expected [exporter, importer(, sector)]")
        # two reductions without temporaries (NaN fails both comparisons); the entry is looked for only in a bad array
        if not (arr.size == 0 or (arr.min() > -1.0 and arr.max() < np.inf)):
            k = tuple(int(v) for v in np.argwhere(~(np.isfinite(arr) & (arr > -1.0)))[0])
            raise ScenarioError(
                f"{what}: field '{field}', exporter {_who(codes, k[0])}, importer {_who(codes, k[1])}: "
                f"{arr[k]} is not a rate above -100% (fraction, 0.1 = 10%)"
            )
        diag = np.einsum("ii...->i...", arr).reshape(arr.shape[0], -1)
        ref = np.zeros_like(diag) if field == "x" or base is None else np.einsum("ii...->i...", base).reshape(diag.shape)
        if not np.array_equal(diag, ref):
            i = int(np.flatnonzero(np.any(diag != ref, axis=1))[0])
            c = _who(codes, i)
            v = diag[i][np.flatnonzero(diag[i] != ref[i])[0]]
            what_tax = "tariff" if field == "t" else "export tax"
            raise ScenarioError(
                f"{what}: field '{field}', exporter {c}, importer {c}: a {what_tax} of {v:g} on {c}'s own sales; "
                f"own sales are never taxed (keep the diagonal at its baseline, {ref[i][0]:g})"
            )
    return shock
