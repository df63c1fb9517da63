"""Replication of Ossa (2014), "Trade Wars and Trade Talks with Data", AER 104(12): optimal tariffs,
the Nash tariff war and efficient trade talks, 7 regions x 33 industries (GTAP 2007), lambda = 1.

* optimal: for each region, its welfare-maximising tariffs by partner and industry (>= 0), everyone
  else at factual tariffs: its welfare change, the others' average welfare change, its median optimal
  tariff over partners and industries;
* nash: the Nash equilibrium in which every region sets tariffs by partner and industry (>= 0) as best
  responses: each region's welfare change from the factual equilibrium and its median Nash tariff;
* talks: efficient tariffs (>= 0) raising every region's welfare by the same proportion, as much as
  possible, from the factual tariffs and from the Nash war (gains against each baseline).

A problem that does not converge raises :class:`~tradewar.ConvergenceError` (no unconverged numbers are
written). Timing on a 2-core machine, warm: about 18 s in all (optimal ~2 s, Nash ~7 s, both talks ~8 s,
the rest start-up and loading the compiled programs).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["run", "render"]


def run(data_dir: Path, progress=None) -> dict:
    """Compute the replication document (a JSON-ready dict); ``progress``: optional callable(str)."""
    from .._exceptions import ConvergenceError
    from ..data._ossa import read_ossa2014
    from ..models.ossa import calibrate
    from ..strategy import efficient_talks, nash, optimal_tariff

    say = progress or (lambda s: None)
    world = read_ossa2014(Path(data_dir))
    model = calibrate(world, lambda_=np.ones((world.n, world.n_sectors)))
    codes = world.codes
    n = world.n
    doc: dict[str, Any] = {"optimal": {}, "nash": {}, "talks": {}, "seconds": {}}

    start = time.perf_counter()
    for c, code in enumerate(codes):
        say(f"optimal tariffs of {code} ({c + 1}/{n})")
        r = optimal_tariff(model, c, "partner_sector", lower=0.0, tol=1e-9)
        if not r.grad_norm <= 1e-7:  # tol 1e-9; a stall at the precision limit just above it is accepted
            raise ConvergenceError(f"ossa2014: optimal tariffs of {code} did not converge ({r.status}, "
                                   f"projected gradient {r.grad_norm:.2e})", {"status": r.status})
        others = np.delete(r.welfare, c)
        doc["optimal"][code] = {
            "welfare_own_pct": 100.0 * (float(r.welfare[c]) - 1.0),
            "welfare_others_avg_pct": 100.0 * (float(np.mean(others)) - 1.0),
            "median_tariff_pct": 100.0 * float(np.median(r.values)),
        }
    doc["seconds"]["optimal"] = time.perf_counter() - start

    start = time.perf_counter()
    say("Nash tariff war")
    war = nash(model, None, "partner_sector", lower=0.0, tol=1e-7, step_cap=10.0, max_rounds=100,
               progress=say)
    if not war.converged:
        raise ConvergenceError(f"ossa2014: the Nash war did not converge in {war.rounds} rounds "
                               f"(last move {war.max_move:.2e})", {"rounds": war.rounds})
    for c, code in enumerate(codes):
        doc["nash"][code] = {
            "welfare_pct": 100.0 * (float(war.welfare[c]) - 1.0),
            "median_tariff_pct": 100.0 * float(np.median(war.values[code])),
        }
    doc["seconds"]["nash"] = time.perf_counter() - start

    start = time.perf_counter()
    say("trade talks from the factual tariffs")
    fact = efficient_talks(model, None, instrument="partner_sector", lower=0.0)
    say("trade talks from the Nash war")
    from_nash = efficient_talks(model, None, instrument="partner_sector", lower=0.0, base_t=war.tariffs)
    for what, r in (("from the factual tariffs", fact), ("from the Nash war", from_nash)):
        if not r.converged:
            raise ConvergenceError(f"ossa2014: the talks {what} did not converge ({r.status}, spread of the "
                                   f"log gains {r.max_violation:.2e})", {"status": r.status})
    for c, code in enumerate(codes):
        doc["talks"][code] = {
            "welfare_from_factual_pct": 100.0 * float(fact.gains[c]),
            "welfare_from_nash_pct": 100.0 * float(from_nash.gains[c]),
        }
    doc["seconds"]["talks"] = time.perf_counter() - start
    return doc


def render(doc: dict) -> list:
    """Rich tables of the replication document."""
    from rich.table import Table

    tables = []
    t = Table(title="Ossa (2014): optimal tariffs (by partner and industry, others at factual tariffs)")
    for col in ("region", "own welfare %", "others' avg welfare %", "median tariff %"):
        t.add_column(col, justify="right" if col != "region" else "left")
    for code, r in doc["optimal"].items():
        t.add_row(code, f"{r['welfare_own_pct']:.2f}", f"{r['welfare_others_avg_pct']:.2f}", f"{r['median_tariff_pct']:.1f}")
    tables.append(t)
    t = Table(title="Ossa (2014): Nash tariff war (welfare change from factual tariffs)")
    for col in ("region", "welfare %", "median Nash tariff %"):
        t.add_column(col, justify="right" if col != "region" else "left")
    for code, r in doc["nash"].items():
        t.add_row(code, f"{r['welfare_pct']:.2f}", f"{r['median_tariff_pct']:.1f}")
    tables.append(t)
    t = Table(title="Ossa (2014): efficient trade talks (equal proportional welfare gains)")
    for col in ("region", "gain from factual %", "gain from Nash %"):
        t.add_column(col, justify="right" if col != "region" else "left")
    for code, r in doc["talks"].items():
        t.add_row(code, f"{r['welfare_from_factual_pct']:.3f}", f"{r['welfare_from_nash_pct']:.3f}")
    tables.append(t)
    s = doc.get("seconds", {})
    t = Table(title="seconds")
    for k in ("optimal", "nash", "talks"):
        t.add_column(k, justify="right")
    t.add_row(*(f"{float(s.get(k, float('nan'))):.1f}" for k in ("optimal", "nash", "talks")))
    tables.append(t)
    return tables
