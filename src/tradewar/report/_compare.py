"""How our numbers compare: the 2025 events beside published estimates of the same events.

The published figures live in ``published_2025.csv`` (one row per figure: the event, the economy, the
figure as printed, what it measures, its horizon, the model class, the source number and one line on why
it differs from ours) and their citations in ``published_2025_sources.csv``; they are data with their
sources, quoted as published. Our figures are computed from the presets of each event every time
(:func:`comparison`): the one-sector model (ILMS family, ``world2023``) and its sectoral twin
(Caliendo-Parro, ``world2022s``), welfare and real GDP (value added at baseline prices) side by side.

Economies in the table: an ISO3 code of the data, ``nonUS`` (every region but the USA, welfare weighted by
baseline income, real GDP by baseline GDP), ``WLD`` (the world, weighted the same way), and three trade
measures: ``trade:A-B`` (the value of goods trade between A and B, both ways, at exporter prices in the
model's numeraire), ``share:A-B`` (A's share of B's goods imports, in percent, after the event) and
``cars:A-B`` (the value of A's exports of motor vehicles to B; sectoral model only).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from .._i18n import N_, _

__all__ = ["EVENTS", "Published", "published", "sources", "event_presets", "our_figures", "comparison",
           "solve_events", "markdown", "section"]

#: Event id -> (label, one-sector preset or None, sectoral preset or None).
EVENTS: dict[str, tuple[str, str | None, str | None]] = {
    "liberation-day": (N_("Liberation Day tariffs (2 April 2025)"), "2025-04-02-liberation-day",
                       "2025-04-05-liberation-day-sectoral"),
    "pause-escalation": (N_("US 145% / China 125% (9 April 2025)"), "2025-04-09-pause-escalation",
                         "2025-04-09-pause-escalation-sectoral"),
    "geneva-truce": (N_("Geneva truce (12 May 2025)"), "2025-05-12-geneva-truce", "2025-05-12-geneva-truce-sectoral"),
    "car-tariffs": (N_("25% US car tariff (3 April 2025)"), None, "2025-04-03-us-car-tariffs-sectoral"),
    "us-japan-deal": (N_("US–Japan deal, 15% (22 July 2025)"), "2025-07-22-us-japan-deal",
                      "2025-07-22-us-japan-deal-sectoral"),
}

_LABELS = {"nonUS": N_("non-US average"), "WLD": N_("world"), "EU27": N_("EU"),
           "trade:USA-CHN": N_("US–China goods trade"), "share:CHN-USA": N_("China's share of US imports"),
           "cars:JPN-USA": N_("Japan's car exports to the USA")}
CARS = "Motor vehicles"
#: The columns of ``published_2025.csv`` shown in the report's language.
TRANSLATED = ("published", "measures", "horizon", "model_class", "why")


@dataclass(frozen=True)
class Published:
    """One published figure: ``published`` is the text as printed (percent unless it says otherwise),
    ``value`` its headline number, ``source`` the number of its citation in :func:`sources`."""

    event: str
    economy: str
    published: str
    value: float
    measures: str
    horizon: str
    model_class: str
    source: str
    why: str


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("tradewar.report").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def published() -> list[Published]:
    """The published figures of the 2025 events (``published_2025.csv``), in the file's order."""
    return [Published(**{**r, "value": float(r["value"])}) for r in _read("published_2025.csv")]


def sources() -> dict[str, str]:
    """Source number -> citation (``published_2025_sources.csv``)."""
    return {r["source"]: r["citation"] for r in _read("published_2025_sources.csv")}


def event_presets() -> list[str]:
    """Every preset the comparison solves, one-sector ones first."""
    one = [v[1] for v in EVENTS.values() if v[1]]
    sec = [v[2] for v in EVENTS.values() if v[2]]
    return one + sec


def _weighted(res, field: str, weights: np.ndarray, keep: np.ndarray) -> float:
    v = np.asarray(res.countries()[field], dtype=float)
    w = np.where(keep, weights, 0.0)
    return float((v * w).sum() / w.sum())


def our_figures(res, economy: str) -> dict[str, float]:
    """Our figures for one published row's ``economy`` in one result (keys ``welfare_pct``, ``real_gdp_pct``
    for economies; ``value_pct`` for trade; ``share_pct`` and ``share0_pct`` for import shares); ``{}`` when
    the result cannot say (an economy missing from the data, cars in a one-sector world)."""
    w = res.world
    oc = res.equilibrium.outcomes
    if ":" not in economy:
        if economy in ("nonUS", "WLD"):
            keep = np.array([c != "USA" or economy == "WLD" for c in w.codes])
            income = np.asarray(oc["income_baseline"], dtype=float)
            return {"welfare_pct": _weighted(res, "welfare_pct", income, keep),
                    "real_gdp_pct": _weighted(res, "real_gdp_pct", np.asarray(w.gdp, dtype=float), keep)}
        if economy not in w.codes:
            return {}
        row = res.countries([economy]).iloc[0]
        return {"welfare_pct": float(row["welfare_pct"]), "real_gdp_pct": float(row["real_gdp_pct"])}
    kind, pair = economy.split(":", 1)
    a, b = pair.split("-")
    if a not in w.codes or b not in w.codes:
        return {}
    i, j = w.index(a), w.index(b)
    new = np.asarray(oc["flows_new"], dtype=float)
    old = res.flows_base()
    if kind == "cars":
        if not w.has_sectors or CARS not in w.sectors:
            return {}
        k = w.sectors.index(CARS)
        return {"value_pct": 100.0 * (new[i, j, k] / old[i, j, k] - 1.0)}
    new2, old2 = (new.sum(axis=2), old.sum(axis=2)) if new.ndim == 3 else (new, old)
    if kind == "trade":
        return {"value_pct": 100.0 * ((new2[i, j] + new2[j, i]) / (old2[i, j] + old2[j, i]) - 1.0)}
    if kind == "share":
        def share(x):
            imports = x[:, j].sum() - x[j, j]
            return 100.0 * x[i, j] / imports
        return {"share_pct": share(new2), "share0_pct": share(old2)}
    raise ValueError(f"published_2025.csv: unknown economy {economy!r}")


def _cell(f: dict[str, float]) -> str:
    def n(v, d=2):
        return "n/a" if not math.isfinite(v) else f"{v:+.{d}f}".replace("-", "−")
    if not f:
        return "—"
    if "welfare_pct" in f:
        return _("welfare {welfare}, real GDP {gdp}").format(welfare=n(f["welfare_pct"]), gdp=n(f["real_gdp_pct"]))
    if "share_pct" in f:
        return f"{f['share0_pct']:.1f}% → {f['share_pct']:.1f}%"
    return _("value {value}").format(value=n(f["value_pct"], 1))


def solve_events(get: Callable[[str], Any] | None = None, *, data: str | None = None, options: Any = None,
                 progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Preset name -> Result for every preset of :data:`EVENTS`; ``get(name)`` may return one already solved
    (or None); ``data`` replaces the data of the one-sector presets only."""
    from .._run import run_scenario

    one = {v[1] for v in EVENTS.values() if v[1]}
    out = {}
    for name in event_presets():
        res = get(name) if get is not None else None
        if res is None:
            if progress is not None:
                progress(f"solving {name}")
            res = run_scenario(name, data=data if name in one else None, options=options)
        out[name] = res
    return out


def comparison(results: Mapping[str, Any]):
    """The comparison table: one row per published figure, our figures beside it (a DataFrame).

    ``results`` maps preset names to Results (:func:`solve_events`). Columns: ``event``, ``economy``,
    ``published``, ``measures``, ``horizon``, ``model_class``, ``source``, ``ours_one_sector``,
    ``ours_sectoral`` (text), ``why``, and the numbers behind our cells as ``one_sector`` and ``sectoral``
    (dicts of :func:`our_figures`).
    """
    import pandas as pd

    rows = []
    for p in published():
        label, one, sec = EVENTS[p.event]
        f1 = our_figures(results[one], p.economy) if one else {}
        fs = our_figures(results[sec], p.economy) if sec else {}
        rows.append({"event": _(label), "economy": _(_LABELS[p.economy]) if p.economy in _LABELS else p.economy, "published": p.published,
                     "measures": p.measures, "horizon": p.horizon, "model_class": p.model_class, "source": p.source,
                     "ours_one_sector": _cell(f1), "ours_sectoral": _cell(fs), "why": p.why,
                     "one_sector": f1, "sectoral": fs})
    return pd.DataFrame(rows)


def markdown(df) -> str:
    """The table as GitHub Markdown, the event written once per group, then the numbered sources."""
    lines = ["| event | economy | published (what it measures; model) [source] | ours: one-sector | ours: sectoral "
             "| why they differ |", "|---|---|---|---|---|---|"]
    last = None
    for r in df.itertuples():
        ev = r.event if r.event != last else ""
        last = r.event
        pub = f"{r.published} ({r.measures}, {r.horizon}; {r.model_class}) [{r.source}]"
        lines.append(f"| {ev} | {r.economy} | {pub} | {r.ours_one_sector} | {r.ours_sectoral} | {r.why} |")
    src = sources()
    used = sorted({str(s) for s in df["source"]}, key=int)
    lines.append("")
    lines += [f"{k}. {src[k]}" for k in used]
    return "\n".join(lines)


def section(ctx) -> str:
    """The report section: the table with our figures computed from the presets of each event."""
    import pandas as pd

    from ._sectors import model_words
    from .charts import world_label
    from .html import esc, table_html

    solved = {r.scenario: r for r in ctx.timeline}
    solved.update({r.scenario: r for r in ctx.extras.get("sectoral_timeline", []) or []})
    ctx.say("solving the 2025 events for the comparison with published estimates")
    results = solve_events(solved.get, data=ctx.data, options=ctx.options, progress=ctx.progress)
    df = comparison(results)
    one = results[EVENTS["liberation-day"][1]]
    sec = results[EVENTS["liberation-day"][2]]
    kappa = one.model_params.get("kappa")
    shown = df[["event", "economy", "published", "measures", "horizon", "model_class", "source", "ours_one_sector",
                "ours_sectoral", "why"]].copy()
    shown["source"] = "[" + shown["source"].astype(str) + "]"
    for col in TRANSLATED:  # the texts of published_2025.csv are messages of the catalogue (tools/i18n.py)
        shown[col] = [_(v) if isinstance(v, str) and re.search(r"[A-Za-z]{2}", v) else v for v in shown[col]]
    shown = shown.set_index(pd.Index(range(1, len(shown) + 1), name="#"))
    header = {"event": _("event"), "economy": _("economy"), "published": _("published figure"),
              "measures": _("measures"), "horizon": _("horizon"), "model_class": _("model class"),
              "source": _("source"), "ours_one_sector": _("ours: one-sector"), "ours_sectoral": _("ours: sectoral"),
              "why": _("why they differ")}
    src = sources()
    cites = "".join(f"<li value='{esc(k)}'>{esc(src[k])}</li>" for k in sorted({str(s) for s in df["source"]}, key=int))
    return (
        "<p class='lead'>" + esc(_(
            "Each 2025 event beside published estimates of the same event. Published figures are quoted with their "
            "source and say what they measure: welfare (real income, including terms of trade and tariff revenue) is "
            "not real GDP, and a one-year GDP forecast with short-run elasticities is not a long-run equilibrium. "
            "Ours are computed now from the presets, in percent changes from the baseline.")) + "</p>"
        "<p class='note'>" + esc(_(
            "Our models: one-sector, the ILMS family on {one} (labour-supply elasticity kappa = {kappa}); real GDP "
            "there moves with employment only. Sectoral, Caliendo & Parro (2015) {how} on {sectoral}; labour is "
            "fixed, so real GDP (value added at baseline prices) barely moves. The IMF's April 2025 growth revisions "
            "[10] are forecasts from all causes and are not set beside these counterfactuals.").format(
            one=world_label(one.world), kappa=kappa, how=model_words(sec), sectoral=world_label(sec.world))) + "</p>"
        + table_html(shown, {}, header=header, caption=esc(_("Our figures beside published estimates of the same "
                                                             "events (percent changes; trade shares in percent)")))
        + f"<ol class='sources'>{cites}</ol>"
    )
