"""Benchmark of the Caliendo-Parro solve: NAFTA (31 x 40), ADB-MRIO (44 x 19), synthetic 194 x 40 with IO links.

Run: ``python benchmarks/bench_caliendo_parro.py [--repeats 3]``. Each case is calibrated, solved once
(warm-up, compilation) and then timed ``repeats`` times (median, seconds per solve, ``find_root`` only);
peak memory is the process's maximum resident set size (``resource``). Targets on 2 cores:
< 0.2 s, < 0.5 s, < 15 s. Worlds whose data folder is absent are skipped. The solver is
matrix-free Newton-Krylov: no array has more than N^2 S or N S^2 elements.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from pathlib import Path

import jax
import numpy as np

from tradewar.data._sectoral import read_adb_mrio, read_cp2015
from tradewar.data._world import World
from tradewar.models.caliendo_parro import calibrate
from tradewar.solve import Shock, find_root

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def synthetic(n: int = 194, s: int = 40, seed: int = 0) -> World:
    rng = np.random.default_rng(seed)
    size = rng.lognormal(0.0, 1.5, n)
    trade = size[:, None, None] * size[None, :, None] * rng.uniform(0.2, 1.0, (n, n, s)) / size.sum()
    trade[np.arange(n), np.arange(n)] += 20.0 * size[:, None] * rng.uniform(0.5, 1.5, (n, s))
    tariffs = rng.uniform(0.0, 0.12, (n, n, s)) * (1 - np.eye(n))[:, :, None]
    io = rng.uniform(0.0, 1.0, (n, s, s)) ** 3
    io /= io.sum(axis=1, keepdims=True)
    extras = {"theta": rng.uniform(2.0, 10.0, s), "va_share": rng.uniform(0.3, 0.7, (n, s)), "io_shares": io}
    codes = tuple(f"{chr(65 + k // 26 // 26 % 26)}{chr(65 + k // 26 % 26)}{chr(65 + k % 26)}" for k in range(n))
    return World(codes=codes, trade=trade, gdp=size, tariffs=tariffs, extras=extras, sectors=tuple(f"s{k}" for k in range(s)))


def us_tariff_shock(model, sector_slice=slice(None), rate=0.25, importer=None):
    t = np.asarray(model.t0).copy()
    i = importer if importer is not None else int(np.argmax(np.asarray(model.VA)))
    others = np.arange(model.n) != i
    t[others, i, sector_slice] = rate
    return Shock(t=t)


def cases():
    cp = SHARED / "cp2015"
    if cp.is_dir():
        from tradewar.replicate.cp2015 import nafta_tariffs

        w = read_cp2015(cp)
        yield "NAFTA cp2015 31x40", calibrate(w, deficits="zero"), lambda m: Shock(t=nafta_tariffs(w)), 0.2
    adb = SHARED / "adbmrio44x19_2017_2023"
    if adb.is_dir():
        w = read_adb_mrio(adb, 2023)
        yield "ADB-MRIO 2023 44x19", calibrate(w), lambda m: us_tariff_shock(m, slice(0, 14), importer=w.index("USA")), 0.5
    yield "synthetic 194x40 IO", calibrate(synthetic()), lambda m: us_tariff_shock(m, slice(0, 20)), 15.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    rows = []
    for name, model, make, target in cases():
        shock = make(model)
        y0 = model.initial_guess()

        def solve(model=model, y0=y0, shock=shock):
            r = find_root(model.residual, y0, shock, 1e-10, 60, model.preferred_method)
            return jax.block_until_ready(r)

        r = solve()
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            r = solve()
            times.append(time.perf_counter() - t)
        n, s = model.n, model.s
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append((name, statistics.median(times), target, int(r.steps), float(r.max_residual), peak, n * n * s))
    print(f"{'case':24} {'median s':>9} {'target':>7} {'steps':>5} {'max resid':>10} {'peak RSS MiB':>12} {'N^2 S':>10}")
    for name, med, target, steps, res, peak, big in rows:
        flag = "ok" if med < target else "SLOW"
        print(f"{name:24} {med:9.3f} {target:7.1f} {steps:5d} {res:10.2e} {peak:12.0f} {big:10d} {flag}")


if __name__ == "__main__":
    main()
