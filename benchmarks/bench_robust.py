"""Robustness table: uniform tariff wars and a US-China embargo, for every model family.

    python benchmarks/bench_robust.py [--cp2015 DIR] [--no-cp2015]

Cases: every country levies the same tariff on every partner (75%, 100%, 150%, 300%, 1000%), the USA
levies 1000% on every import, and the USA and China levy 10,000% on each other (all other tariffs at
baseline). Models: ILMS (2025) with
revenue cutting income taxes (the default), with lump-sum revenue, and the textbook Armington case,
on world2023 (deficits held fixed, and with the closures ``zero`` and ``gdp_share``) and on a
balanced-trade copy of it (each flow the mean of both directions); Caliendo-Parro
on the CP2015 data (``../shared/data/cp2015``) with deficits held fixed and with the paper's
zero-deficit baseline.

Each row: the outcome (``solved``: converged, accounting checks and admissibility pass;
``inadmissible``: converged to an equilibrium with a non-positive price, income or real income, the
country named; ``no solution``: the continuation stopped, with the share of the path it solved),
Newton steps, continuation stages and the wall time of the solve (compiled; one warm-up solve per
model first). Prints a Markdown table and the machine.
"""

from __future__ import annotations

import argparse
import os
import re
import time
import warnings
from pathlib import Path

import numpy as np
from _machine import cpu_model

from tradewar._exceptions import ConvergenceError, InadmissibleError, TradewarWarning
from tradewar.data import World, load_world
from tradewar.models import ilms
from tradewar.solve import Shock, solve_model

RATES = (0.75, 1.0, 1.5, 3.0, 10.0)


def cases(world, t0):
    """(label, tariffs) of every case on ``world`` with baseline tariffs ``t0`` (N, N[, S])."""
    n = world.n
    off = 1.0 - np.eye(n)
    if t0.ndim == 3:
        off = off[:, :, None]
    out = [(f"uniform {100 * r:,.0f}%", t0 * (1.0 - off) + r * off) for r in RATES]
    us, cn = world.index("USA"), world.index("CHN")
    t = t0.copy()
    t[:, us] = 10.0
    t[us, us] = t0[us, us]
    out.append(("US 1,000% on all imports", t))
    t = t0.copy()
    t[us, cn] = t[cn, us] = 100.0
    out.append(("US-China 10,000%", t))
    return out


def run_case(model, t, codes):
    start = time.perf_counter()
    try:
        eq = solve_model(model, Shock(t=t), codes=codes)
        return "solved", eq.steps, eq.stages, time.perf_counter() - start
    except InadmissibleError as e:
        sec = time.perf_counter() - start
        who = sorted(set(re.findall(r"\(([A-Z]{3})\)", str(e))))
        return f"inadmissible ({', '.join(who)})", e.diagnostics["steps"], e.diagnostics["continuation_stages"], sec
    except ConvergenceError as e:
        sec = time.perf_counter() - start
        m = re.search(r"solved (\d+)%", str(e))
        where = f" ({m.group(1)}% of the path)" if m else ""
        return f"no solution{where}", e.diagnostics.get("steps", ""), e.diagnostics.get("continuation_stages", ""), sec


def machine() -> str:
    cpu = cpu_model()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return f"{os.cpu_count()} CPUs ({cpu}), load average {load}"


def main(argv=None) -> int:
    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "cp2015"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cp2015", default=str(default), help="folder of the Caliendo-Parro data")
    ap.add_argument("--no-cp2015", action="store_true", help="skip the Caliendo-Parro rows")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore", TradewarWarning)  # the table reports outcomes, not their plausibility

    w = load_world("world2023")
    X = np.asarray(w.trade, dtype=float)
    balanced = World(codes=w.codes, trade=(X + X.T) / 2, gdp=np.asarray(w.gdp))
    variants = {
        "ILMS income tax": ilms.ILMSParams(),
        "ILMS lump sum": ilms.ILMSParams(revenue_use="lump_sum"),
        "Armington": ilms.armington(),
    }
    models = []
    for world, tag in ((w, "world2023"), (balanced, "world2023 balanced")):
        for name, p in variants.items():
            m = ilms.calibrate(world, p)
            models.append((f"{name}, {tag}", world, m, np.asarray(m.t0)))
    for deficits in ("zero", "gdp_share"):
        for name, p in variants.items():
            m = ilms.calibrate(w, p.replace(deficits=deficits))
            models.append((f"{name}, world2023, deficits {deficits}", w, m, np.asarray(m.t0)))
    if not args.no_cp2015 and Path(args.cp2015).is_dir():
        from tradewar.data._sectoral import read_cp2015
        from tradewar.models.caliendo_parro import calibrate

        cw = read_cp2015(args.cp2015)
        for deficits in ("fixed", "zero"):
            m = calibrate(cw, deficits=deficits)
            models.append((f"Caliendo-Parro, CP2015 ({deficits} deficits)", cw, m, np.asarray(m.t0)))

    print("| model | case | outcome | Newton steps | continuation stages | seconds |")
    print("| --- | --- | --- | ---: | ---: | ---: |")
    for label, world, m, t0 in models:
        solve_model(m, Shock(t=t0), what="warm-up")  # compiles
        for case, t in cases(world, t0):
            outcome, steps, stages, sec = run_case(m, t, world.codes)
            print(f"| {label} | {case} | {outcome} | {steps} | {stages} | {sec:.2f} |", flush=True)
    print(f"\nmachine: {machine()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
