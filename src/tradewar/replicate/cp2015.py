"""Replication of Caliendo & Parro (2015), section 5.1: the welfare effects of NAFTA's tariff cuts.

Caliendo, L. and Parro, F. (2015), "Estimates of the Trade and Welfare Effects of NAFTA",
*Review of Economic Studies* 82(1): 1-44.

Experiment: tariffs among Canada, Mexico and the USA change from their 1993 to their 2005 values
(both directions, all 20 tradable sectors), every other tariff stays at its 1993 value; zero
aggregate deficits by the paper's two-step (a first solve at 1993 tariffs removes the deficits,
the tariff change is applied from that equilibrium and changes are relative to it). Data: the
paper's files (``read_cp2015``, baseline built as the paper does).

Reported per country (percent): ``welfare_pct`` with ``tot_pct`` and ``vot_pct``, the paper's
terms-of-trade / volume-of-trade decomposition in its discrete form (baseline weights) -- the
paper's tables report welfare as their sum; ``real_wage_pct``; and both parts split between the
NAFTA partners and the rest of the world (``tot_nafta_pct`` + ``tot_row_pct`` = ``tot_pct``).
The exact real-income change of the model is ``Equilibrium.outcomes["welfare_pct"]`` (see
:mod:`tradewar.models.caliendo_parro`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

NAFTA = ("MEX", "CAN", "USA")
FIELDS = (
    "welfare_pct",
    "tot_pct",
    "vot_pct",
    "real_wage_pct",
    "tot_nafta_pct",
    "tot_row_pct",
    "vot_nafta_pct",
    "vot_row_pct",
)


def nafta_tariffs(world) -> np.ndarray:
    """Tariffs of the experiment ``[exporter, importer, sector]``: 1993, with 2005 values among NAFTA members."""
    t = np.array(world.tariffs, dtype=float)
    t05 = np.asarray(world.extras["tariffs2005"])
    idx = np.array(world.indices(NAFTA))
    mask = np.zeros((world.n, world.n), dtype=bool)
    mask[np.ix_(idx, idx)] = True
    mask[idx, idx] = False
    t[mask] = t05[mask]
    return t


def run(data_dir: str | os.PathLike, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run the NAFTA experiment on the data in ``data_dir`` and return the replication document.

    ``{"converged", "max_residual", "solve_seconds", "countries": {ISO3: {field: value}}}`` with the
    fields of :data:`FIELDS` for MEX, CAN, USA (percent). A solve that does not converge raises
    :class:`~tradewar.ConvergenceError` (no numbers are returned for it).
    """
    from ..data._sectoral import read_cp2015
    from ..models.caliendo_parro import calibrate
    from ..solve import Shock, SolverOptions, solve_model

    say = progress or (lambda msg: None)
    say("reading the Caliendo-Parro data")
    world = read_cp2015(data_dir)
    say("first step: removing trade deficits at 1993 tariffs")
    model = calibrate(world, deficits="zero", tol=1e-11)
    say("second step: NAFTA tariff changes (1993 -> 2005 among CAN, MEX, USA)")
    shock = Shock(t=nafta_tariffs(world))
    # a solve that does not converge raises ConvergenceError (the CLI's exit 3): no numbers are returned for it
    eq = solve_model(model, shock, SolverOptions(tol=1e-11, max_steps=60), what="cp2015 NAFTA")
    seconds = eq.seconds
    doc: dict[str, Any] = {
        "converged": bool(eq.converged),
        "max_residual": float(eq.max_residual),
        "solve_seconds": float(seconds),
        "countries": {},
    }
    o = eq.outcomes
    idx = world.indices(NAFTA)
    partners = np.zeros(world.n, dtype=bool)
    partners[idx] = True
    for code, i in zip(NAFTA, idx, strict=True):
        tot_p = np.asarray(o["tot_by_partner_pct"])[i]
        vot_p = np.asarray(o["vot_by_partner_pct"])[i]
        doc["countries"][code] = {
            "welfare_pct": float(o["welfare_cp_pct"][i]),
            "tot_pct": float(o["tot_pct"][i]),
            "vot_pct": float(o["vot_pct"][i]),
            "real_wage_pct": float(o["real_wage_pct"][i]),
            "tot_nafta_pct": float(tot_p[partners].sum()),
            "tot_row_pct": float(tot_p[~partners].sum()),
            "vot_nafta_pct": float(vot_p[partners].sum()),
            "vot_row_pct": float(vot_p[~partners].sum()),
        }
    return doc


def render(doc: dict[str, Any]) -> list:
    """Rich tables of a :func:`run` document."""
    from rich.table import Table

    status = "converged" if doc.get("converged") else "NOT converged"
    table = Table(
        title="Caliendo & Parro (2015), NAFTA tariff changes: welfare effects (%)",
        caption=f"{status}; max residual {doc.get('max_residual', float('nan')):.2g}; "
        f"{doc.get('solve_seconds', float('nan')):.2f} s; ToT/VoT: the paper's decomposition",
    )
    table.add_column("country")
    heads = ("welfare", "ToT", "VoT", "real wage", "ToT NAFTA", "ToT RoW", "VoT NAFTA", "VoT RoW")
    for h in heads:
        table.add_column(h, justify="right")
    for code, row in doc.get("countries", {}).items():
        table.add_row(code, *(f"{row[f]:.2f}" for f in FIELDS))
    return [table]
