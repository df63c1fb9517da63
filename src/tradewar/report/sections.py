"""The sections of the country report. Each is a function ``section(ctx) -> str | None``.

A section returns HTML, or None / raises :class:`Unavailable` when its inputs are missing (the strategy
layer, a sectoral dataset, the uncertainty analysis): the report then says so in one line instead of
failing. Figures are registered in ``ctx.figures`` (name -> Plotly figure) for ``--png``.

To add a section: write a function here and list it in :data:`SECTIONS` (id, title, function).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._i18n import N_, _, current
from . import _strategy_sections, charts
from ._context import Context, Unavailable
from .html import GEO_PLACEHOLDER, esc, table_html
from .timeline import METRICS, SECTORAL_TIMELINE, country_metrics, focus_codes, partners_for

__all__ = ["Unavailable", "Context", "SECTIONS", "OFFICIAL"]


#: Official trade statistics to check the data against (per country).
OFFICIAL: dict[str, dict[str, Any]] = {
    "JPN": {
        "source": N_("Ministry of Finance of Japan, Trade Statistics, calendar year 2024 (exports FOB, imports CIF)"),
        "unit": N_("trillion yen"),
        "exports": 107.9,
        "imports": 112.4,
        "exports_to": {"USA": 21.3, "CHN": 18.9},
        "imports_from": {"USA": 12.7, "CHN": 25.3},
    }
}

_NAMES = {"USA": "the USA", "CHN": "China", "EU27": "the EU"}


def _name(code: str) -> str:
    tr = current()
    if tr.lang != "en":
        return tr.country(code)
    return _NAMES.get(code, code)


def _p(v: float, digits: int = 2) -> str:
    return "n/a" if v is None or not math.isfinite(v) else f"{v:+.{digits}f}%"


# --- 1. exposure --------------------------------------------------------------------------------
def exposure_rows(world, country: str) -> list[dict[str, Any]]:
    """Dataset against official figures: one row per flow (values, shares, difference in points)."""
    off = OFFICIAL.get(country.upper())
    if off is None:
        return []
    i = world.index(country)
    x = np.array(world.bilateral(), dtype=float)
    exp, imp = x[i].copy(), x[:, i].copy()
    exp[i] = imp[i] = 0.0
    rows = []

    def add(label, official, official_total, data, data_total, total=False):
        rows.append({
            "label": label,
            "total": total,
            "official": official,
            "official_share": 100.0 * official / official_total,
            "data": data / 1e3,
            "data_share": 100.0 * data / data_total,
        })
        rows[-1]["difference"] = rows[-1]["data_share"] - rows[-1]["official_share"]

    add(_("Exports, total"), off["exports"], off["exports"], exp.sum(), exp.sum(), True)
    for p, v in off["exports_to"].items():
        if p in world.codes:
            add(_("Exports to {partner}").format(partner=_name(p)), v, off["exports"], exp[world.index(p)], exp.sum())
    add(_("Imports, total"), off["imports"], off["imports"], imp.sum(), imp.sum(), True)
    for p, v in off["imports_from"].items():
        if p in world.codes:
            add(_("Imports from {partner}").format(partner=_name(p)), v, off["imports"], imp[world.index(p)],
                imp.sum())
    if "CHN" in world.codes and "CHN" in off["exports_to"]:
        ot = off["exports"] + off["imports"]
        oc = off["exports_to"]["CHN"] + off["imports_from"]["CHN"]
        c = world.index("CHN")
        add(_("Trade with China (exports + imports)"), oc, ot, exp[c] + imp[c], exp.sum() + imp.sum())
    return rows


def section_exposure(ctx: Context) -> str:
    import pandas as pd

    w, c = ctx.world, ctx.country
    tr = current()
    p = w.partners(c, 10)
    df = pd.DataFrame({
        "partner": [f"{tr.country(k, n)} ({k})" for k, n in zip(p.index, p["name"], strict=True)],
        "exports": p["exports"] / 1e3,
        "export_share": 100 * p["export_share"],
        "imports": p["imports"] / 1e3,
        "import_share": 100 * p["import_share"],
        "trade_share": 100 * p["trade_share"],
    }).set_index("partner")
    df.index.name = _("partner")
    i = w.index(c)
    hdr = {"exports": _("exports<br>USD bn"), "export_share": _("% of<br>exports"), "imports": _("imports<br>USD bn"),
           "import_share": _("% of<br>imports"), "trade_share": _("% of<br>trade")}
    body = [
        "<p class='lead'>" + esc(_("Who {country} trades with, in the data the model is calibrated on ({data}). "
                                   "Total goods exports {exports}, imports {imports}, GDP {gdp}.").format(
            country=tr.named(c), data=charts.data_line(w).removeprefix(_("Data: {source}").format(source="")),
            exports=tr.usd_bn(w.exports()[i] / 1e3), imports=tr.usd_bn(w.imports()[i] / 1e3),
            gdp=tr.usd_bn(w.gdp[i] / 1e3, 0))) + "</p>",
        table_html(df, {k: ".1f" for k in df.columns}, header=hdr,
                   caption=esc(_("The 10 largest partners of {country} by total trade (values at exporter "
                                 "prices)").format(country=tr.named(c)))),
        ctx.figure("exposure", charts.exposure_chart(w, c)),
    ]
    rows = exposure_rows(w, c)
    if rows:
        off = OFFICIAL[c.upper()]
        t = pd.DataFrame(rows).set_index("label")
        t.index.name = ""
        t = t[["official", "official_share", "data", "data_share", "difference"]]
        hdr2 = {"official": _("official 2024<br>{unit}").format(unit=_(off["unit"])),
                "official_share": _("official<br>share %"), "data": _("dataset 2023<br>USD bn"),
                "data_share": _("dataset<br>share %"), "difference": _("difference<br>points")}
        body.append("<h3>" + esc(_("Check against the official figures")) + "</h3>")
        body.append(table_html(t, {"official": ".1f", "official_share": ".1f", "data": ",.1f", "data_share": ".1f",
                                   "difference": "+.1f"}, header=hdr2,
                               caption=esc(_("{source}; dataset: 2023, flows at exporter prices. Shares are of the "
                                             "country's total exports, imports or trade; values are not comparable "
                                             "across the two (yen against dollars, 2024 against 2023)").format(
                                   source=_(off["source"])))))
        big = max(rows[1:], key=lambda r: abs(r["difference"]))
        label = big["label"].lower() if tr.lang == "en" else big["label"]
        body.append("<p class='note'>" + esc(_(
            "Largest gap: {label}, {difference} points ({data}% in the data, {official}% officially). Part of it is "
            "the year (2023 against 2024), part CIF against FOB valuation of imports, and part the attribution of "
            "re-exports through Hong Kong.").format(label=label, difference=tr.number(big["difference"], 1, sign=True),
                                                     data=tr.number(big["data_share"], 1),
                                                     official=tr.number(big["official_share"], 1))) + "</p>")
        body.append(ctx.figure("official_shares", charts.official_shares_chart(rows[1:], c, w)))
    else:
        body.append("<p class='unavailable'>" + esc(_("No official trade figures are on file for {country} to check "
                                                      "the data against.").format(country=tr.named(c))) + "</p>")
    return "".join(body)


# --- 2. timeline --------------------------------------------------------------------------------
def _closures_note(tl) -> str:
    """A note where the steps differ in their deficit closure (each is measured from its own baseline), else ``""``."""
    closures = [r.meta.get("deficits") for r in tl]
    if len(set(closures)) < 2:
        return ""
    which = ", ".join(f"{r.scenario}: {d}" for r, d in zip(tl, closures, strict=True))
    return "<p class='note'>" + esc(_(
        "The steps differ in their deficit closure ({closures}): each is measured from its own baseline (with "
        "'zero' a world whose deficits were removed first), so the change from one step to the next mixes the "
        "measures with the closure.").format(closures=which)) + "</p>"


def section_timeline(ctx: Context) -> str:
    tl, c = ctx.timeline, ctx.country
    tr = current()
    partners = partners_for(c)
    t = tl.table(c, partners)
    cols = ["date", *METRICS, *[f"exports_to_{p}_pct" for p in partners], "d_welfare_pct"]
    t = t[[k for k in cols if k in t.columns]]
    t.index.name = _("scenario")
    if tr.lang != "en":
        t = t.assign(date=[tr.date(d) for d in t["date"]])
    hdr = {k: f"{esc(_(lab))}<br>%" for k, (lab, _u) in METRICS.items()}
    hdr |= {f"exports_to_{p}_pct": _("exports to<br>{partner} %").format(partner=esc(tr.country(p, p)))
            for p in partners}
    hdr["d_welfare_pct"] = _("welfare: change<br>from last step, pp")
    hdr["date"] = _("date")
    fmts = {k: "+.2f" for k in t.columns if k != "date"}
    steps = "".join(
        f"<li><b>{esc(tr.date(r.meta.get('date')) or '')}</b> {esc(tr.text(r.meta.get('title')) or r.scenario)}"
        f"{'. ' if tr.lang == 'en' else '。'}<span class='note'>"
        f"{esc(charts.joined(tr, tr.text(r.meta.get('notes')), charts.written_for_note(r.meta.get('written_for'), r.world)))}"
        "</span></li>"
        for r in tl
    )
    focus = focus_codes(c, ctx.world.codes)
    ft = tl.focus_table("welfare_pct", focus)
    ft.index.name = _("welfare % by step")
    body = [
        "<p class='lead'>" + esc(_(
            "The 2025 tariff measures as they stood on each date, each solved from the 2023 baseline without them: "
            "how each step moved {country} and its large partners. Percent changes from the baseline; the last "
            "column is the change from the previous step in percentage points. Prices and export values are "
            "measured against the model's numeraire (world spending at constant prices), so they are relative "
            "levels: a fall in consumer prices means cheaper than the world average, not deflation.").format(
                country=tr.named(c))) + "</p>",
        "<details><summary>" + esc(_("The steps and what was simplified")) + f"</summary><ol>{steps}</ol></details>",
        _closures_note(tl),
        table_html(t, fmts, header=hdr, caption=esc(_("{country}, step by step").format(country=tr.named(c)))),
        table_html(ft, {k: "+.2f" for k in ft.columns}, caption=esc(_("Welfare of the focus economies, % change"))),
        ctx.figure("timeline", charts.timeline_chart(tl, focus)),
    ]
    try:
        from ._geo import GeometryUnavailable, world_geojson

        world_geojson()
        ctx.uses_geometry = True
        body.append(ctx.figure("map", charts.world_map(list(tl), c, geojson=GEO_PLACEHOLDER)))
    except GeometryUnavailable as e:  # a broken installation: say so, keep the report
        body.append("<p class='unavailable'>" + esc(_("World map unavailable: {reason}.").format(reason=e)) + "</p>")
    body.append(ctx.figure("welfare_bars", charts.welfare_bars(list(tl), c)))
    dec = charts.decomposition_chart(list(tl), focus)
    if dec is not None:
        body.append(ctx.figure("decomposition", dec))
    else:
        body.append(_channels_html(ctx))
    return "".join(body)


def _channels_html(ctx: Context) -> str:
    """For models without an additive welfare decomposition: the channels side by side, last step."""
    import pandas as pd

    res = ctx.timeline[-1]
    rows = {}
    for code in focus_codes(ctx.country):
        if code in res.world.codes:
            oc = res.equilibrium.outcomes
            k = res.world.index(code)
            rows[code] = {key: float(np.asarray(oc[key])[k]) if key in oc else math.nan
                          for key in ("welfare_pct", "real_wage_pct", "employment_pct", "price_index_pct",
                                      "tariff_revenue_share")}
    df = pd.DataFrame(rows).T
    df.index.name = _("economy")
    df["tariff_revenue_share"] *= 100
    hdr = {"welfare_pct": _("welfare %"), "real_wage_pct": _("real wage %"), "employment_pct": _("employment %"),
           "price_index_pct": _("prices %"), "tariff_revenue_share": _("tariff revenue<br>% of spending")}
    return ("<h3>" + esc(_("Welfare channels")) + "</h3><p class='note'>"
            + esc(_("The one-sector model gives no additive welfare decomposition (the multi-sector model splits "
                    "welfare into terms-of-trade and volume-of-trade effects to first order, see Sectors). Its "
                    "channels at the last step: real wage, employment, prices, and tariff revenue, which cuts income "
                    "taxes.")) + "</p>"
            + table_html(df, {k: "+.2f" for k in df.columns} | {"tariff_revenue_share": ".2f"}, header=hdr,
                         caption=esc(_("{scenario}, % change from the baseline").format(scenario=res.scenario))))


# --- 3 and 4. strategy --------------------------------------------------------------------------
def _strategy(*names: str):
    """The public functions ``names`` of :mod:`tradewar.strategy`."""
    mod = importlib.import_module("tradewar.strategy")
    return [getattr(mod, n) for n in names]


def section_bloc(ctx: Context) -> str:
    return _strategy_sections.bloc(ctx, _strategy)


def section_deal(ctx: Context) -> str:
    return _strategy_sections.deal(ctx, _strategy)


# --- 5. sectors ---------------------------------------------------------------------------------
CAR_SECTORS = ("Transport equipment",)
MACHINERY_SECTORS = ("Machinery n.e.c.", "Electrical and optical equipment")


def section_compare(ctx: Context) -> str:
    from . import _compare

    return _compare.section(ctx)


def section_sectors(ctx: Context) -> str:
    import pandas as pd

    from .timeline import timeline

    if not ctx.sectoral_data:
        from . import _sectors

        return _sectors.section(ctx)
    ctx.say("solving the sectoral car-tariff steps")
    tl = timeline(ctx.country, SECTORAL_TIMELINE, data=ctx.sectoral_data, options=ctx.options)
    ctx.extras["sectoral_timeline"] = tl
    w = tl[0].world
    c = ctx.country
    codes = [k for k in (c, "USA", "CHN", "DEU", "KOR", "MEX", "CAN", "EU27") if k in w.codes]
    t = pd.DataFrame({r.scenario: {k: country_metrics(r, k)["welfare_pct"] for k in codes} for r in tl})
    t.index.name = _("welfare %")
    body = [
        "<p class='lead'>" + esc(_("The US tariff on cars and parts (25% from 3 April 2025) and its cut to 15% all-in "
                                   "for Japan under the deal, in the multi-sector model on {source} ({n} economies, "
                                   "{sectors} sectors).").format(source=charts.world_label(w), n=w.n,
                                                                 sectors=w.n_sectors)) + "</p>",
        table_html(t, {k: "+.3f" for k in t.columns}, caption=esc(_("Welfare, % change from the baseline"))),
    ]
    keep = [s for s in w.sectors if s in CAR_SECTORS + MACHINERY_SECTORS] or None
    for fld in ("gross_output_pct", "sector_price_pct"):
        fig = charts.sector_chart(list(tl), c, fld, keep)
        if fig is not None:
            body.append(ctx.figure(f"sectors_{fld}", fig))
    if keep is None:
        body.append("<p class='note'>" + esc(_("The data have no sectors named like the ADB-MRIO car and machinery "
                                               "sectors; all sectors are shown.")) + "</p>")
    dec = charts.decomposition_chart(list(tl), codes)
    if dec is not None:
        body.append(ctx.figure("sectors_decomposition", dec))
    return "".join(body)


# --- 6. uncertainty -----------------------------------------------------------------------------
def section_uncertainty(ctx: Context) -> str:
    """90% bands of the country's welfare at every step and a tornado of what drives it (``--draws N``)."""
    draws = int(ctx.extras.get("draws") or 0)
    if draws <= 0:
        raise Unavailable(_("the numbers above are point estimates at the stated parameters; run "
                            "`tradewar report COUNTRY --draws N` for 90% bands over the parameter distributions"))
    from ..batch.uncertainty import DEFAULT_SPECS, report_bands, tornado_figure

    ctx.say("uncertainty bands")
    scenarios = list(ctx.timeline.scenarios)
    table, sens = report_bands(scenarios, ctx.country, draws, progress=ctx.progress)
    last_row = table.iloc[-1]
    ctx.extras["welfare_band"] = tuple(math.nan if last_row[k] is None else float(last_row[k])
                                       for k in ("welfare_p05", "welfare_p95"))
    last = scenarios[-1]
    params = last.uncertainty.params if last.uncertainty is not None and last.uncertainty.params else \
        DEFAULT_SPECS[last.model.family]
    body = [
        "<p>" + esc(_("Each step solved for {draws} draws of the model's parameters ({params}; the scenario's "
                      "[uncertainty] table, else the trade elasticity lognormal around its value and the "
                      "labour-supply elasticity within +-50%). The band is the 5th to 95th percentile of the welfare "
                      "change; P(gain) the share of draws in which it is positive.").format(
            draws=draws, params=", ".join(sorted(params)))) + "</p>",
        table_html(table.rename_axis(_("scenario")),
                   {k: "+.3f" for k in table.columns if k.startswith(("welfare", "real_wage"))} | {"prob_gain": ".2f"},
                   header={"welfare_p05": _("welfare %<br>5th pct."), "welfare_p50": _("welfare %<br>median"),
                           "welfare_p95": _("welfare %<br>95th pct."), "prob_gain": _("P(gain)"),
                           "real_wage_p05": _("real wage %<br>5th pct."), "real_wage_p95": _("real wage %<br>95th pct."),
                           "failed_draws": _("failed<br>draws")},
                   caption=esc(_("{country}: welfare, % change, 90% bands").format(country=_name(ctx.country)))),
    ]
    if sens and sens.get("countries", {}).get(ctx.country):
        body.append(ctx.figure("uncertainty_tornado", tornado_figure(sens, ctx.country),
                               esc(_("Sobol indices of the last step ({solves} solves): the share of the variance of "
                                     "the welfare change due to each parameter").format(solves=sens["solves"]))))
    elif sens and sens.get("note"):
        body.append(f"<p class='note'>{esc(sens['note'])}</p>")
    return "".join(body)


#: (id, title, function) in the order of the page.
SECTIONS: list[tuple[str, str, Callable[[Context], str | None]]] = [
    ("exposure", N_("Exposure: who the country trades with"), section_exposure),
    ("timeline", N_("The 2025 timeline, step by step"), section_timeline),
    ("bloc", N_("The bloc choice: join a US-led bloc or stay neutral"), section_bloc),
    ("deal", N_("The deal with the USA"), section_deal),
    ("sectors", N_("Sectors: cars and machinery"), section_sectors),
    ("compare", N_("How our numbers compare with published estimates"), section_compare),
    ("uncertainty", N_("Uncertainty"), section_uncertainty),
]
