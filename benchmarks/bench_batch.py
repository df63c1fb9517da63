"""Benchmark: batched solves, Monte Carlo, sweeps and Dask workers on the embedded one-sector world2023.

    python benchmarks/bench_batch.py [--draws 10000] [--skip-dask] [--json OUT]

Measured, each in a fresh process (so the times are the commands' wall-clock, start-up and compilation
included; the persistent compilation cache is warmed by a first, untimed run of the same command):

1. ``tradewar uncertainty liberation-day --draws N --scheduler none`` (eps ~ lognormal, kappa ~ uniform:
   the default distributions), with and without the flip-point search;
2. the per-solve cost inside a batch of 1,024 draws against one ``solve_model`` (the reference: a loop
   of single solves, the same equations and tolerance);
3. the same Monte Carlo on a Dask LocalCluster with 1 and with 2 worker processes;
4. a 21 x 21 sweep ``JPN.tariff_on.CHN=0:0.5:21 x USA.tariff_on.JPN=0.1:0.3:21`` (441 equilibria);
5. the peak resident memory of each command (``ru_maxrss`` of the process and its waited-for children)
   and its CPU time (user + system, all processes): on a shared machine the CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

PRESET = "liberation-day"
SWEEP = ["--grid", "JPN.tariff_on.CHN=0:0.5:21", "--grid", "USA.tariff_on.JPN=0.1:0.3:21"]


def timed(args: list[str]) -> dict[str, float]:
    """Wall-clock seconds and peak RSS (MiB) of ``tradewar ARGS`` in a fresh process."""
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); dt = time.perf_counter() - t; "
             "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
             "print(dt, u.ru_maxrss, r.returncode, u.ru_utime + u.ru_stime)")
    out = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "tradewar.cli", *args],
                         capture_output=True, text=True, check=True).stdout.split()
    if out[2] != "0":
        raise SystemExit(f"tradewar {' '.join(args)} failed with exit code {out[2]}")
    return {"seconds": float(out[0]), "cpu_seconds": float(out[3]), "peak_mib": int(out[1]) / 1024}


def per_solve() -> dict[str, float]:
    """Median seconds of one solve_model against the per-member cost of a 1,024-draw batch."""
    import numpy as np

    from tradewar.batch.sweep import setup, solve_batch
    from tradewar.models.ilms import ILMSParams, calibrate
    from tradewar.solve import Shock, solve_model

    st = setup(PRESET)
    eps = np.random.default_rng(0).lognormal(np.log(4.0), 0.35, 1024)
    solve_batch(st, params={"eps": eps[:4]}, chunk=1024, shrink=False)  # compile
    t = time.perf_counter()
    ds = solve_batch(st, params={"eps": eps}, chunk=1024, shrink=False)
    batch = (time.perf_counter() - t) / eps.size
    assert ds.attrs["failed"] == 0
    models = [calibrate(st.world, ILMSParams(eps=float(e))) for e in eps[:20]]
    solve_model(models[0], Shock(t=st.t))  # compile
    times = []
    for m in models:
        t = time.perf_counter()
        solve_model(m, Shock(t=st.t))
        times.append(time.perf_counter() - t)
    return {"batch_per_solve_ms": 1e3 * batch, "single_solve_ms": 1e3 * statistics.median(times)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--skip-dask", action="store_true")
    ap.add_argument("--json", dest="json_out")
    a = ap.parse_args()
    mc = ["uncertainty", PRESET, "--draws", str(a.draws), "--seed", "1", "--scheduler", "none"]
    sw = ["sweep", PRESET, *SWEEP, "--scheduler", "none"]
    doc: dict[str, object] = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                              "load_average_at_start": os.getloadavg()}
    for args in (mc, sw):
        timed(args)  # warm the persistent compilation cache
    doc["monte_carlo"] = timed(mc)
    doc["monte_carlo_no_flip"] = timed([*mc, "--no-flip"])
    doc["sweep_21x21"] = timed(sw)
    doc["per_solve"] = per_solve()
    if not a.skip_dask:
        for w in (1, 2):
            doc[f"monte_carlo_dask_{w}_workers"] = timed([*mc[:-1], "local", "--workers", str(w), "--no-flip"])
        doc["sweep_21x21_dask_2_workers"] = timed([*sw[:-1], "local", "--workers", "2"])
    doc["load_average_at_end"] = os.getloadavg()
    text = json.dumps(doc, indent=2)
    print(text)
    if a.json_out:
        with open(a.json_out, "w", encoding="utf-8") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
