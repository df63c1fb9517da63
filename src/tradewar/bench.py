"""Timing of the core solve: one ``ustr`` case of the ILMS (2025) replication (the US tariffs of 2 April 2025).

Used by ``tradewar bench`` and ``benchmarks/bench_ilms.py``.
"""

from __future__ import annotations

import os
import statistics
from typing import Any

__all__ = ["bench_ustr", "ustr_case"]


def ustr_case(data_dir: str | os.PathLike | None = None):
    """The ``ustr`` case (model and tariffs) on the embedded 32-region world (``None``) or a 194-country folder."""
    from .data import load_world
    from .replicate import ilms2025

    world = load_world("world2023" if data_dir is None else data_dir)
    return ilms2025.CASES["ustr"](ilms2025.baseline(world))


def bench_ustr(data_dir: str | os.PathLike | None = None, repeats: int = 20) -> dict[str, Any]:
    """Median wall time of one ``ustr`` solve from a cold start (baseline guess), after a warm-up solve.

    ``data_dir`` None = the embedded 32-region world, else a 194-country folder (BACI layout).
    The time covers the Newton solve to a relative residual of 1e-10 (``SolverOptions().tol``), not the
    accounting checks. Returns ``{"median_seconds", "repeats", "countries"}``.
    """
    import jax.numpy as jnp

    from .solve import Shock, solve_model

    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    case = ustr_case(data_dir)
    shock = Shock(t=jnp.asarray(case.t))
    solve_model(case.model, shock, what="bench ustr")  # warm-up: compiles
    times = [solve_model(case.model, shock, what="bench ustr").seconds for _ in range(repeats)]
    return {"median_seconds": float(statistics.median(times)), "repeats": int(repeats), "countries": int(case.model.n)}
