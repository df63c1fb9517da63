"""Replication of the global tariff war of Lashkaripour (2021), JIE 131: 103489, on the cubes of
the MATLAB package *tariffwar* (``WIOD2014.mat``, ``ICIO2022.mat``), with its conventions:

* ``X[j, i, k]`` tariff-inclusive spending as stored in the cube; for ICIO 1 is added to every
  domestic cell first (as the package does); ``sigma_k = epsilon_k + 1`` from the chosen set;
* step 1 balances trade (every deficit zero at once, applied tariffs unchanged); the balanced
  flows are the baseline;
* step 2 is the Nash war: every country sets one uniform tariff on all partners and sectors by the
  sufficient-statistics formula ``tau_n = 1 + 1 / max(E_n, 1)`` at the new equilibrium;
* welfare ``100 (Y^ / P^ - 1)`` against the balanced baseline.

The equations are :mod:`tradewar.models.tariffwar`; both steps are solved by the one driver
(:func:`tradewar.solve.solve_model`, dense Newton with the model's closed-form Jacobian).

Runs: ``wiod2014_IS`` and ``wiod2014_U4`` (44 economies x 16 sectors, in-sample and uniform-4
elasticities) and ``icio2022_IS`` (81 x 28). Output: per country ``welfare_pct`` (percent) and
``nash_tariff`` (the uniform Nash tariff ``tau - 1`` as a fraction, 0.25 = 25%), plus the
seconds of each step and the solver diagnostics. Beyond the package (``"beyond"``): the same war on
the embedded ``world2022s``, from no tariffs and from the 2025 US tariffs; :func:`exact_gap` (not run by
the command: minutes) solves the war exactly with the strategy layer and reports the formula's gap.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["RUNS", "beyond", "cube_inputs", "exact_gap", "render", "run", "run_one"]

RUNS = (
    ("wiod2014_IS", "WIOD2014.mat", "IS"),
    ("wiod2014_U4", "WIOD2014.mat", "U4"),
    ("icio2022_IS", "ICIO2022.mat", "IS"),
)


def cube_inputs(world, file_name: str):
    """``(X, t, eps)`` of a cube World as the package uses them (ICIO: +1 on domestic cells)."""
    X = np.array(world.extras["spending"], dtype=float)
    if file_name.upper().startswith("ICIO"):
        idx = np.arange(world.n)
        X[idx, idx, :] += 1.0
    return X, np.asarray(world.tariffs, float), np.asarray(world.extras["theta"], float)


def run_one(path: Path, elasticities: str) -> dict[str, Any]:
    """One run: load the cube, balance trade, solve the Nash war; the run's JSON document."""
    from ..data._cubes import read_tariffwar_cube
    from ..models.tariffwar import global_war

    start = time.perf_counter()
    world = read_tariffwar_cube(path, elasticities)
    X, t, eps = cube_inputs(world, Path(path).name)
    loaded = time.perf_counter()
    res = global_war(X, t, eps, world.codes, world.sectors)
    return {
        "countries": {
            c: {"welfare_pct": float(res.welfare_pct[k]), "nash_tariff": float(res.nash_tariff[k])}
            for k, c in enumerate(world.codes)
        },
        "seconds": {"load": loaded - start, **res.seconds, "total": time.perf_counter() - start},
        "diagnostics": {
            "balance": {"steps": res.balanced.steps, "max_residual": res.balanced.max_residual,
                        "checks": res.balanced.checks},
            "nash": {"steps": res.war.steps, "max_residual": res.war.max_residual, "checks": res.war.checks},
        },
        "elasticities": elasticities,
        "source": world.source,
    }


def run(data_dir: Path, progress=None) -> dict:
    """The replication document ``{"runs": {name: {"countries": ..., "seconds": ...}}, "beyond": ...}``.

    The runs and :func:`beyond` go two at a time on threads (the document is the same as one after the other):
    compiled programs run and load without Python's lock, so one run's Python overlaps the other's program.
    Each run's ``seconds`` are its own wall time, shared with the run beside it.
    """
    from concurrent.futures import ThreadPoolExecutor

    from .._exceptions import DataError
    from ..models.tariffwar import global_war  # noqa: F401  (JAX and the model, once, before the threads)

    say = progress or (lambda s: None)
    d = Path(data_dir)
    for _, file_name, _ in RUNS:
        if not (d / file_name).is_file():
            raise DataError(f"{d / file_name}: file not found; --data must hold "
                            f"{', '.join(sorted({r[1] for r in RUNS}))}")
    # two at a time: one run's Python work overlaps the other's compiled program (loaded or running), and
    # the two sizes of cube load their stored programs at once; the second WIOD run reuses the first's
    first = [r for k, r in enumerate(RUNS) if r[1] not in {q[1] for q in RUNS[:k]}]
    order = first + [r for r in RUNS if r not in first]
    say("balancing trade and solving the Nash war: " + ", ".join(name for name, _, _ in RUNS) + "; beyond the "
        "package: the war on world2022s, from the data and from the 2025 US tariffs")
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        runs = {name: pool.submit(run_one, d / file_name, sets) for name, file_name, sets in order}
        more = pool.submit(beyond)
        return {"runs": {name: runs[name].result() for name, _, _ in RUNS}, "beyond": more.result()}
    finally:  # a failed run or an interrupt drops the runs not started yet
        pool.shutdown(wait=True, cancel_futures=True)


def exact_gap(path: Path, elasticities: str = "IS", progress=None) -> dict[str, Any]:
    """The same war solved exactly by the strategy layer, and its gap to the formula, per country.

    Each country's best uniform tariff is found numerically (maximising its welfare through the solve,
    :func:`tradewar.strategy.nash`, Gauss-Seidel best responses) on the balanced baseline of
    :func:`run_one`; the sufficient-statistics formula is a first-order approximation of it. Returns
    ``{"countries": {ISO3: {"nash_tariff_exact", "nash_tariff_formula", "welfare_pct_exact",
    "welfare_pct_formula"}}, "rounds", "seconds"}``. Not part of ``run`` (minutes, not seconds: about
    4 minutes for WIOD 2014 on 2 busy cores).
    """
    from .._exceptions import ConvergenceError
    from ..data._cubes import read_tariffwar_cube
    from ..models.tariffwar import from_spending, global_war
    from ..strategy import nash

    begin = time.perf_counter()
    world = read_tariffwar_cube(path, elasticities)
    X, t, eps = cube_inputs(world, Path(path).name)
    res = global_war(X, t, eps, world.codes, world.sectors)
    model = from_spending(res.spending_balanced, t, eps, world.codes, world.sectors)
    war = nash(model, None, "uniform", lower=0.0, tol=1e-6, max_rounds=60, certificate=False, progress=progress)
    if not war.converged:
        raise ConvergenceError(f"lashkaripour2021: the exact war did not converge in {war.rounds} rounds "
                               f"(last move {war.max_move:.2e})", {"rounds": war.rounds})
    wel = 100.0 * (np.asarray(war.welfare, float) - 1.0)
    return {
        "countries": {
            c: {"nash_tariff_exact": float(np.asarray(war.values[c]).ravel()[0]),
                "nash_tariff_formula": float(res.nash_tariff[k]),
                "welfare_pct_exact": float(wel[k]), "welfare_pct_formula": float(res.welfare_pct[k])}
            for k, c in enumerate(world.codes)
        },
        "rounds": war.rounds,
        "seconds": time.perf_counter() - begin,
    }


def beyond() -> dict[str, Any]:
    """The same war on the embedded ``world2022s`` (no baseline tariffs, Caliendo-Parro elasticities), and
    from the US tariffs in force after the US-Japan deal of 22 July 2025 (preset
    ``2025-07-22-us-japan-deal-sectoral``): step 1 then balances trade at those tariffs and the war starts
    from them (welfare against that balanced 2025 baseline)."""
    from ..data import load_world
    from ..models.tariffwar import global_war
    from ..scenario import load_scenario, policy_arrays

    world = load_world("world2022s")
    X = np.asarray(world.trade, float)
    t0 = np.zeros_like(X)
    eps = np.asarray(world.extras["theta"], float)
    out: dict[str, Any] = {}
    t2025, _, _ = policy_arrays(load_scenario("2025-07-22-us-japan-deal-sectoral"), world)
    for name, start in (("world2022s_CP", None), ("world2022s_from_2025_CP", np.asarray(t2025, float))):
        begin = time.perf_counter()
        res = global_war(X, t0, eps, world.codes, world.sectors, start=start)
        out[name] = {
            "countries": {c: {"welfare_pct": float(res.welfare_pct[k]), "nash_tariff": float(res.nash_tariff[k])}
                          for k, c in enumerate(world.codes)},
            "seconds": {**res.seconds, "total": time.perf_counter() - begin},
        }
    return out


def _war_table(title: str, runs: dict):
    """One row per country (the union over runs), a welfare and a Nash-tariff column per run."""
    from rich.table import Table

    codes: list[str] = []
    for r in runs.values():
        codes += [c for c in r["countries"] if c not in codes]
    t = Table(title=title)
    t.add_column("country")
    for name in runs:
        t.add_column(f"{name} welfare %", justify="right")
        t.add_column(f"{name} tariff %", justify="right")
    for c in codes:
        row = [c]
        for r in runs.values():
            v = r["countries"].get(c)
            row += ["", ""] if v is None else [f"{v['welfare_pct']:.2f}", f"{100 * v['nash_tariff']:.1f}"]
        t.add_row(*row)
    return t


def render(doc: dict) -> list:
    """Rich tables: welfare change and Nash tariff by country, one column pair per run."""
    from rich.table import Table

    runs = doc["runs"]
    tables = [_war_table("Lashkaripour (2021): global Nash tariff war, welfare change against balanced trade (%) "
                         "and uniform Nash tariff (%)", runs)]
    if doc.get("beyond"):
        tables.append(_war_table("Beyond the package: the same war on world2022s (OECD ICIO 2022, 33 regions x 16 "
                                 "sectors, Caliendo-Parro elasticities), from no tariffs and from the 2025 US tariffs "
                                 "(after 22 July)", doc["beyond"]))
    s = Table(title="seconds of each run (balance + Nash solve; two runs at a time; the first run of each size "
                    "includes loading or compiling its program)")
    s.add_column("run")
    for k in ("load", "balance", "nash", "total"):
        s.add_column(k, justify="right")
    for name, r in runs.items():
        s.add_row(name, *(f"{r['seconds'][k]:.3f}" for k in ("load", "balance", "nash", "total")))
    return [*tables, s]
