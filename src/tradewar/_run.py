"""Solving a scenario: the floor above the scenario schema and the strategy layer.

:func:`run_scenario` reads a scenario (:mod:`tradewar.scenario`), applies its tariff layers and
retaliation rule (the optimal rule through :mod:`tradewar.strategy`), solves the model and labels the
result. Every consumer (the command line, the report, the web app) runs scenarios through it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .results import Result, baseline_tariffs_note, model_parameters
from .scenario import Scenario, load_scenario, prepare
from .solve import Shock, solve_model
from .strategy._retaliate import retaliate_optimally

__all__ = ["run_scenario"]


def run_scenario(
    s: Scenario | str | Path,
    *,
    world=None,
    options=None,
    data: str | None = None,
    gdp: str | None = None,
    tariffs: str | None = None,
):
    """Solve a scenario and return a labelled :class:`~tradewar.results.Result`.

    ``world`` is a :class:`~tradewar.data.World` or a data source (``"world2023"``, a folder, a file)
    replacing the scenario's; ``data``, ``gdp`` and ``tariffs`` replace ``[data] source``, ``gdp`` and
    ``tariffs`` (see :meth:`Scenario.with_data`).

    Examples
    --------
    >>> r = run_scenario("liberation-day")
    >>> r.converged, bool(r.countries().loc["USA", "welfare_pct"] > 0)
    (True, True)
    """
    if not isinstance(s, Scenario):
        s = load_scenario(s)
    s = s.with_data(data, gdp=gdp, tariffs=tariffs)
    world, model, t, x, rule = prepare(s, world)
    if rule.rule == "optimal":
        t = retaliate_optimally(model, world, t, rule)
    shock = Shock(t=np.asarray(t), x=None if x is None else np.asarray(x))
    eq = solve_model(model, shock, options, what=f"scenario '{s.name}'", codes=world.codes)
    return Result(
        world=world,
        equilibrium=eq,
        scenario=s.name,
        model=s.model.family,
        params=s.model.params(),
        model_params=model_parameters(s.model.family, s.model.params(), model, world),
        tariffs=np.asarray(t),
        export_taxes=None if x is None else np.asarray(x),
        meta={"title": s.title, "date": s.date, "notes": s.notes, "data": s.data.source,
              "written_for": s.data.written_for,
              "baseline_tariffs": baseline_tariffs_note(world), **dict(getattr(model, "meta", {}) or {})},
    )
