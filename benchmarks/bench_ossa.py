"""Benchmark: Ossa (2014) strategic problems on the 7 x 33 data.

Targets on a 2-core machine: one region's optimal tariffs (198 tariffs) < 5 s, the Nash war < 2 min,
the talks (from factual tariffs and from the Nash war) < 2 min. Reference: Ossa's MATLAB code, hours.

Run: ``python benchmarks/bench_ossa.py [DATA_DIR]`` (default: the shared data folder next to the project).
Timings exclude the first JAX compilation (a warm-up solve runs first) unless ``--cold`` is given; the
talks from factual tariffs include the compilation of their own functions (Hessian pieces for 1,386
tariffs), the talks from the Nash war reuse them.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np


def main(argv: list[str]) -> None:
    from tradewar.data._ossa import read_ossa2014
    from tradewar.models.ossa import calibrate
    from tradewar.strategy import efficient_talks, nash, optimal_tariff

    args = [a for a in argv if not a.startswith("--")]
    data = Path(args[0]) if args else Path(__file__).resolve().parents[2] / "shared" / "data" / "ossa2014"
    model = calibrate(read_ossa2014(data))
    if "--cold" not in argv:
        optimal_tariff(model, "BRA", "partner_sector", lower=0.0)  # compile
    rows = []
    t0 = time.perf_counter()
    r = optimal_tariff(model, "USA", "partner_sector", lower=0.0, tol=1e-9)
    rows.append(("optimal tariffs, USA (198)", time.perf_counter() - t0, 5.0,
                 f"W^ {r.own_welfare:.5f}, median {100 * np.median(r.values):.1f}%, |g| {r.grad_norm:.1e}"))
    t0 = time.perf_counter()
    war = nash(model, None, "partner_sector", lower=0.0, tol=1e-7, step_cap=10.0)
    rows.append(("Nash war (1,386 tariffs)", time.perf_counter() - t0, 120.0,
                 f"{war.rounds} rounds, certificate ok={war.certificate.ok}"))
    t0 = time.perf_counter()
    a = efficient_talks(model, None, lower=0.0)
    t1 = time.perf_counter()
    rows.append(("talks from factual (1,386)", t1 - t0, 120.0,
                 f"gain {100 * a.gain:.4f}%, {a.iterations} steps on the weights, spread {a.max_violation:.1e}"))
    b = efficient_talks(model, None, lower=0.0, base_t=war.tariffs)
    t2 = time.perf_counter()
    rows.append(("talks from Nash (1,386)", t2 - t1, 120.0,
                 f"gain {100 * b.gain:.4f}%, {b.iterations} steps on the weights, spread {b.max_violation:.1e}"))
    rows.append(("talks (factual + Nash)", t2 - t0, 120.0, f"converged {a.converged and b.converged}"))
    for name, sec, target, note in rows:
        print(f"{name:30s} {sec:8.1f} s  (target < {target:.0f} s, {'ok' if sec < target else 'MISSED'})  {note}")


if __name__ == "__main__":
    main(sys.argv[1:])
