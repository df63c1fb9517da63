"""What ``tradewar optimal`` costs as its instrument grows: time and peak memory of each phase.

One run of this script measures one size: a sectoral scenario (default: the US steel and aluminium
preset on ``world2022s``, 33 regions x 16 sectors), optionally on the world aggregated to its
``--regions`` largest economies plus the rest, with one instrument. It reports the number of
instrument values K, the number of equilibrium unknowns, the work-size estimate of
:func:`tradewar.strategy.optimal_cost` and, measured, the seconds and the peak resident memory
(``ru_maxrss``) after each phase: the first value and gradient (tracing and compilation included),
the first and a second Hessian, the whole optimiser, the certificate. Run each size in a fresh
process with an empty program cache, so that compilation is counted as a first-ever run pays it::

    TRADEWAR_CACHE_DIR=$(mktemp -d) taskset -c 0,1 python benchmarks/bench_optimal_size.py \\
        --instrument partner_sector [--regions 16] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import resource
import time


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="2025-03-12-us-steel-aluminium-sectoral")
    ap.add_argument("--instrument", default="partner_sector")
    ap.add_argument("--country", default="USA")
    ap.add_argument("--regions", type=int, default=0, help="keep the N largest economies, the rest as one (0: all)")
    ap.add_argument("--data", default=None)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()

    import numpy as np

    from tradewar.scenario import load_scenario
    from tradewar.strategy import optimal_cost
    from tradewar.strategy._documents import prepare_strategic
    from tradewar.strategy._nash import certify
    from tradewar.strategy._objective import make_instrument
    from tradewar.strategy._optimal import _Evaluator, optimal_tariff

    s = load_scenario(a.scenario).with_data(a.data)
    if a.regions:
        from tradewar.scenario import scenario_world

        world = scenario_world(s)
        keep = [world.codes[i] for i in np.argsort(-np.asarray(world.gdp))[: a.regions]]
        if a.country not in keep:
            keep[-1] = a.country
        agg = {c: (c if c in keep else "ZZZ") for c in world.codes}
        s = s.model_copy(update={"data": s.data.model_copy(update={"aggregate": agg}),
                                 "output": s.output.model_copy(update={"countries": []})})
    rows: dict = {"load_1min": __import__("os").getloadavg()[0]}
    start = time.perf_counter()
    world, model, t = prepare_strategic(s)
    rows["model_s"], rows["model_mib"] = time.perf_counter() - start, _rss_mib()
    c = world.index(a.country)
    inst = make_instrument(model, tuple(np.shape(t)), [c], a.instrument)
    est = optimal_cost(model, a.instrument, base_t=t)
    rows.update(regions=len(world.codes), instruments=inst.n_free, unknowns=int(model.initial_guess().shape[0]),
                residual_bytes=est.residual_bytes, estimate_mib=est.memory_mib, estimate_s=est.seconds)
    ev = _Evaluator(model, inst, t, np.eye(len(world.codes))[c], model.initial_guess(), 1e-11, 60)
    u = np.log1p(inst.values(t))
    for name, fn in (("value_grad", lambda: ev.value_grad(u)), ("value_grad_again", lambda: ev.value_grad(u)),
                     ("hessian", lambda: ev.hessian(u)),
                     ("hessian_again", lambda: ev.hessian(u))):
        start = time.perf_counter()
        fn()
        rows[f"{name}_s"], rows[f"{name}_mib"] = time.perf_counter() - start, _rss_mib()
    start = time.perf_counter()
    r = optimal_tariff(model, c, a.instrument, base_t=t)
    rows.update(optimal_s=time.perf_counter() - start, optimal_mib=_rss_mib(), iterations=r.iterations,
                evaluations=r.evaluations, status=r.status)
    start = time.perf_counter()
    cert = certify(model, r.tariffs, [c], a.instrument, grad_tol=1e-6)
    rows.update(certify_s=time.perf_counter() - start, certify_mib=_rss_mib(), certificate_ok=bool(cert.ok))
    print(json.dumps(rows, indent=1, default=float))
    if a.json:
        with open(a.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1, default=float)


if __name__ == "__main__":
    main()
