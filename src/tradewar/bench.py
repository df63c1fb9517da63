"""Timing of the core solve: one ``ustr`` case of the ILMS (2025) replication (the US tariffs of 2 April 2025).

Used by ``tradewar bench`` and ``benchmarks/bench_ilms.py``.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

__all__ = ["bench_ustr", "ustr_case"]


def ustr_case(data_dir: str | os.PathLike | None = None):
    """The ``ustr`` case (model and tariffs) on the embedded 32-region world (``None``) or a 194-country folder."""
    from .data import load_world
    from .replicate import ilms2025

    world = load_world("world2023" if data_dir is None else data_dir)
    return ilms2025.CASES["ustr"](ilms2025.baseline(world))


def time_solves(model, shock, repeats: int, options=None) -> tuple[float, float, int]:
    """Medians of ``repeats`` solves after a warm-up one: (whole solve, solver kernel, steps of the last).

    The whole solve is :func:`tradewar.solve.solve_model` as a caller gets it: the shock checked, the
    Newton / chord solve to a largest scaled residual of ``SolverOptions().tol`` (1e-10), then the accounting
    checks (convergence, income = expenditure, Walras' law, ...), the admissibility margins and the outcomes
    as NumPy arrays. The kernel is the part :attr:`Equilibrium.seconds` measures: the compiled program, which
    solves and, at the root, computes the checks, margins and outcomes (the Python around it excluded).
    """
    from .solve import solve_model

    solve_model(model, shock, options, what="bench ustr")  # warm-up: compiles
    whole, kernel = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        eq = solve_model(model, shock, options, what="bench ustr")
        whole.append(time.perf_counter() - start)
        kernel.append(eq.seconds)
    return statistics.median(whole), statistics.median(kernel), eq.steps


def bench_ustr(data_dir: str | os.PathLike | None = None, repeats: int = 20) -> dict[str, Any]:
    """Median wall time of one ``ustr`` solve from a cold start (baseline guess), after a warm-up solve.

    ``data_dir`` None = the embedded 32-region world, else a 194-country folder (BACI layout).
    ``median_seconds`` is the whole solve with its accounting checks and outcomes, ``kernel_median_seconds``
    the compiled program alone (:func:`time_solves`). Returns those, ``"steps"``, ``"repeats"`` and ``"countries"``.
    """
    import jax.numpy as jnp

    from .solve import Shock

    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    case = ustr_case(data_dir)
    whole, kernel, steps = time_solves(case.model, Shock(t=jnp.asarray(case.t)), repeats)
    return {"median_seconds": float(whole), "kernel_median_seconds": float(kernel), "steps": int(steps),
            "repeats": int(repeats), "countries": int(case.model.n)}
