"""Benchmarks of the strategic layer, each against a reference in the same run.

1. ``optimal``: the optimal uniform tariff of the USA in the 194-country world (ILMS model, the
   shared ``baci2023`` data), by :func:`tradewar.strategy.optimal_tariff` (Newton with implicit
   gradients). Reference: a derivative-free bounded scalar search (SciPy ``minimize_scalar``) over
   single solves. Target: < 2 s.
2. ``nash``: a Nash tariff war among all 32 regions of ``world2023`` with one uniform tariff per region
   (tariffs >= 0; ILMS with revenue as a lump sum, see ``bench_nash``).
   Target: < 60 s. (Reference: none cheaper exists; the certificate checks the answer.)
3. ``bloc``: the bloc game ``us-bloc-china`` (10 candidates, 1,024 coalitions, batched ``vmap`` solves).
   Reference: a Python loop of single solves over the first 64 coalitions, extrapolated. Target: < 60 s.

Each timing is reported cold (first call in the process: tracing and compilation included; the
persistent compilation cache of ``tradewar._jax`` may hold compiled code from earlier runs) and warm
(a second call). Run on two cores as the targets say::

    taskset -c 0,1 python benchmarks/bench_strategy.py [--data DIR] [--only optimal,nash,bloc] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "baci2023"


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def bench_optimal(data: Path) -> dict:
    import scipy.optimize

    from tradewar.data import load_world
    from tradewar.models.ilms import calibrate
    from tradewar.solve import Shock, solve_model
    from tradewar.strategy._optimal import optimal_tariff

    world = load_world(data)
    model = calibrate(world)
    us = world.index("USA")
    t0 = np.asarray(model.t0)
    r, cold = _timed(lambda: optimal_tariff(model, us, "uniform"))
    r, warm = _timed(lambda: optimal_tariff(model, us, "uniform"))

    def minus_w(x):
        t = t0.copy()
        t[:, us] = x
        t[us, us] = t0[us, us]
        return -float(solve_model(model, Shock(t=t)).outcomes["welfare_pct"][us])

    ref, ref_s = _timed(lambda: scipy.optimize.minimize_scalar(minus_w, bounds=(0.0, 1.0), method="bounded",
                                                               options={"xatol": 1e-6}))
    return {"countries": world.n, "tariff": float(r.values[0]), "grad_norm": r.grad_norm, "status": r.status,
            "iterations": r.iterations, "cold_seconds": cold, "warm_seconds": warm, "target_seconds": 2.0,
            "reference": {"method": "bounded scalar search on single solves", "tariff": float(ref.x),
                          "evaluations": int(ref.nfev), "seconds": ref_s}}


def bench_nash() -> dict:
    from tradewar.data import load_world
    from tradewar.models.ilms import ILMSParams, calibrate
    from tradewar.strategy._nash import nash

    world = load_world("world2023")
    # revenue as a lump sum: with the default income-tax use of revenue the welfare of GBR and HKG rises
    # without bound in their uniform tariff on world2023, so they have no best response
    model = calibrate(world, ILMSParams(revenue_use="lump_sum"))
    r, cold = _timed(lambda: nash(model, None, "uniform", lower=0.0, tol=1e-6, br_tol=1e-7))
    vals = {world.codes[int(k)] if str(k).isdigit() else k: float(np.asarray(v)[0]) for k, v in r.values.items()}
    return {"players": world.n, "converged": r.converged, "rounds": r.rounds, "max_move": r.max_move,
            "certificate_ok": None if r.certificate is None else r.certificate.ok, "cold_seconds": cold,
            "target_seconds": 60.0, "tariffs": {k: vals[k] for k in ("USA", "CHN", "JPN", "EU27") if k in vals}}


def bench_bloc() -> dict:
    from tradewar.solve import Shock, solve_model
    from tradewar.strategy._blocs import bloc_game, bloc_tariffs, load_bloc, prepare_bloc

    b = load_bloc("us-bloc-china")
    world, model, t, _ = prepare_bloc(b)
    game, cold = _timed(lambda: bloc_game(model, world, b, t))
    game, warm = _timed(lambda: bloc_game(model, world, b, t))
    T, _ = bloc_tariffs(world, model, b, t, game.members[:64])
    solve_model(model, Shock(t=T[0]))  # compile the single solve first
    _, loop_s = _timed(lambda: [solve_model(model, Shock(t=x)) for x in T])
    return {"coalitions": int(game.members.shape[0]), "stable": game.stable_coalitions(), "cold_seconds": cold,
            "warm_seconds": warm, "target_seconds": 60.0,
            "reference": {"method": "loop of single solves, 64 coalitions, extrapolated to all",
                          "seconds": loop_s * game.members.shape[0] / 64}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="194-country data folder (BACI layout)")
    ap.add_argument("--only", default="optimal,nash,bloc", help="comma-separated subset of optimal,nash,bloc")
    ap.add_argument("--json", type=Path, default=None, help="write the figures as JSON")
    a = ap.parse_args()
    out = {}
    for name in a.only.split(","):
        if name == "optimal":
            if not a.data.is_dir():
                print(f"optimal: skipped, no data folder {a.data}")
                continue
            out[name] = bench_optimal(a.data)
        elif name == "nash":
            try:
                out[name] = bench_nash()
            except Exception as e:  # record the failure and go on with the other benchmarks
                out[name] = {"failed": f"{type(e).__name__}: {str(e).strip().splitlines()[0][:300]}"}
        elif name == "bloc":
            out[name] = bench_bloc()
        print(name, json.dumps(out.get(name), default=str))
    if a.json:
        from tradewar._io import atomic_write

        atomic_write(a.json, lambda fh: json.dump(out, fh, indent=2, default=str))


if __name__ == "__main__":
    main()
