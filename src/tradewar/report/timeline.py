"""The 2025 tariff timeline: dated presets solved in order, and how each step moved a country.

Every step is a full scenario solved from the same baseline (the data year, no 2025 tariffs), so each
row of :meth:`Timeline.table` is the *level* of the 2025 measures in force on that date relative to
that baseline, and the ``d_*`` columns are the change from the previous step (percentage points).

Metrics per country (percent changes relative to the baseline):

* ``welfare_pct``, ``real_gdp_pct``, ``real_wage_pct``, ``employment_pct``, ``price_index_pct``: the
  model's outcomes;
* ``exports_to_<P>_pct``: the change in the value of the country's goods exports to partner ``P``
  (flows at exporter prices, summed over sectors), in the model's numeraire (world prices);
  NaN for the partner itself or a partner missing from the data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._i18n import N_
from ..results import Result

__all__ = [
    "DEFAULT_TIMELINE",
    "SECTORAL_TIMELINE",
    "FOCUS",
    "METRICS",
    "Timeline",
    "timeline",
    "country_metrics",
    "export_change_pct",
    "partners_for",
]

#: The 2025 steps on the embedded one-sector data (dated presets, in order).
DEFAULT_TIMELINE = (
    "2025-04-02-liberation-day",
    "2025-04-09-pause-escalation",
    "2025-05-12-geneva-truce",
    "2025-07-22-us-japan-deal",
)

#: The car-tariff steps that need a sectoral dataset (multi-sector model).
SECTORAL_TIMELINE = ("2025-04-03-us-car-tariffs", "2025-07-22-us-japan-deal-cars")

#: The economies the report follows next to the country (the country itself is put first).
FOCUS = ("JPN", "USA", "CHN", "EU27")

#: Column -> (label, unit) of the per-step metrics (English; ``tradewar._i18n._`` translates them where shown).
METRICS = {
    "welfare_pct": (N_("Welfare"), N_("% change")),
    "real_gdp_pct": (N_("Real GDP"), N_("% change")),
    "real_wage_pct": (N_("Real wage"), N_("% change")),
    "employment_pct": (N_("Employment"), N_("% change")),
    "price_index_pct": (N_("Consumer prices"), N_("% change")),
}


def partners_for(country: str) -> tuple[str, str]:
    """The two large partners whose exports the report follows: the USA and China, or the EU for them."""
    c = country.upper()
    return tuple(p for p in ("USA", "CHN", "EU27") if p != c)[:2]  # type: ignore[return-value]


def _importers(world, code: str, exporter: str) -> list[int]:
    """The importers ``code`` stands for in ``world``: itself, or a region of world2023 (``EU27``) on a world of
    countries its countries there; never ``exporter`` (its own sales are no exports)."""
    from ..scenario import regions_in

    codes = [code] if code in world.codes else regions_in("world2023", world, [code]).get(code, ())
    return [world.index(c) for c in codes if c != exporter]


def export_change_pct(res: Result, exporter: str, importer: str) -> float:
    """Percent change of the value of ``exporter``'s goods exports to ``importer`` (NaN if not defined); on a
    world of countries ``EU27`` is the EU members together."""
    w = res.world
    cols = _importers(w, importer, exporter) if exporter in w.codes else []
    if not cols:
        return math.nan
    j = w.index(exporter)
    new = np.asarray(res.equilibrium.outcomes["flows_new"], dtype=float)
    base = res.flows_base()
    new, base = (new.sum(axis=2), base.sum(axis=2)) if new.ndim == 3 else (new, base)
    old = float(base[j, cols].sum())
    return 100.0 * (float(new[j, cols].sum()) / old - 1.0) if old > 0 else math.nan


def country_metrics(res: Result, country: str, partners: Sequence[str] | None = None) -> dict[str, float]:
    """The timeline metrics of ``country`` in ``res`` (NaN where the model or data lack one)."""
    c = country.upper()
    out: dict[str, float] = {}
    if c not in res.world.codes:
        return {k: math.nan for k in METRICS} | {
            f"exports_to_{p}_pct": math.nan for p in (partners or partners_for(c))
        }
    i = res.world.index(c)
    oc = res.equilibrium.outcomes
    for k in METRICS:
        out[k] = float(np.asarray(oc[k])[i]) if k in oc else math.nan
    for p in partners or partners_for(c):
        out[f"exports_to_{p}_pct"] = export_change_pct(res, c, p)
    return out


class Timeline(list):
    """The solved steps (a ``list`` of :class:`~tradewar.results.Result`, in order) for one country."""

    def __init__(self, results: Sequence[Result], country: str, scenarios: Sequence[Any] = ()):
        super().__init__(results)
        self.country = country.upper()
        self.scenarios = list(scenarios)

    def table(self, country: str | None = None, partners: Sequence[str] | None = None):
        """One row per step: date, scenario, the metrics, and ``d_*`` = change from the previous step (pp)."""
        import pandas as pd

        c = (country or self.country).upper()
        rows = []
        for res in self:
            m = country_metrics(res, c, partners)
            rows.append({"date": res.meta.get("date") or "", "scenario": res.scenario, **m})
        df = pd.DataFrame(rows)
        if df.empty:
            return df
        metric_cols = [k for k in df.columns if k.endswith("_pct")]
        for k in metric_cols:
            prev = df[k].shift(1).fillna(0.0)
            df["d_" + k] = df[k] - prev
        return df.set_index("scenario")

    def focus_table(self, metric: str = "welfare_pct", codes: Sequence[str] | None = None):
        """One metric for several countries (columns) step by step (rows)."""
        import pandas as pd

        codes = [c.upper() for c in (codes or focus_codes(self.country, self[0].world.codes))]
        data = {c: [country_metrics(r, c).get(metric, math.nan) for r in self] for c in codes}
        return pd.DataFrame(data, index=pd.Index([r.scenario for r in self], name="scenario"))


def focus_codes(country: str, within: Sequence[str] | None = None) -> list[str]:
    """The country first, then the other focus economies (those of ``within``, a world's codes, if given)."""
    c = country.upper()
    return [c] + [f for f in FOCUS if f != c and (within is None or f in within)]


def timeline(
    country: str,
    presets: Sequence[Any] = DEFAULT_TIMELINE,
    data: str | None = None,
    *,
    options: Any = None,
    progress: Callable[[str], None] | None = None,
) -> Timeline:
    """Solve the dated ``presets`` in order (each from the baseline) and return them as a :class:`Timeline`.

    ``presets`` are preset names, files or :class:`~tradewar.scenario.Scenario` values; ``data``
    replaces every scenario's data source (a folder or file). The world is read and checked once
    per data source. ``country`` must exist in the data.

    Examples
    --------
    >>> tl = timeline("JPN", presets=DEFAULT_TIMELINE[:1])
    >>> bool(tl.table().loc["2025-04-02-liberation-day", "welfare_pct"] < 0)
    True
    """
    from .._run import run_scenario
    from ..data import load_world
    from ..scenario import Scenario, _data_source, load_scenario

    scenarios = [p if isinstance(p, Scenario) else load_scenario(p) for p in presets]
    scenarios = [s.with_data(data) for s in scenarios]
    worlds: dict[str, Any] = {}
    results = []
    for s in scenarios:
        if progress is not None:
            progress(f"solving {s.name}")
        key = _data_source(s)
        if key not in worlds and not s.data.aggregate:
            worlds[key] = load_world(key)
        world = worlds.get(key) if not s.data.aggregate else None
        if world is not None:
            world.index(country)  # unknown country: one clear error before solving anything
        results.append(run_scenario(s, world=world, options=options))
    return Timeline(results, country, scenarios)
