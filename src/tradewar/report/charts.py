"""Plotly figures of the report: map, bars, the timeline step chart, decompositions.

Every figure carries its units in the axis or colour-bar title and a footnote with the sources (data and
model with its parameters). Colours come from the Okabe–Ito palette (safe for the common forms of colour
blindness) and the diverging ColorBrewer ``RdBu`` scale centred on zero (red = loss, blue = gain); lines
also differ by dash and marker so that no chart relies on colour alone.

The world map uses GeoJSON embedded in the figure (``locationmode="geojson-id"``) and switches off every
base layer of the geo subplot, so plotly.js never downloads its topojson.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._i18n import N_, _, current
from ..results import Result
from .timeline import METRICS, Timeline, country_metrics, focus_codes, partners_for

__all__ = [
    "PALETTE",
    "COUNTRY_COLORS",
    "DIVERGING",
    "sources_line",
    "model_line",
    "data_line",
    "icio_attribution",
    "world_label",
    "exposure_chart",
    "official_shares_chart",
    "timeline_chart",
    "world_map",
    "welfare_bars",
    "decomposition_chart",
    "payoff_chart",
    "frontier_chart",
    "sector_chart",
]

#: Okabe & Ito (2008) colour-blind-safe palette.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
COUNTRY_COLORS = {"JPN": "#D55E00", "USA": "#0072B2", "CHN": "#009E73", "EU27": "#CC79A7"}
_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
_MARKERS = ("circle", "square", "diamond", "triangle-up", "x", "star")
#: ColorBrewer RdBu (colour-blind safe), losses red, gains blue.
DIVERGING = "RdBu"
FONT = "Helvetica, Arial, sans-serif"


_OTHER_COLORS = tuple(c for c in PALETTE if c not in COUNTRY_COLORS.values())


def _color(code: str, k: int) -> str:
    return COUNTRY_COLORS.get(code, _OTHER_COLORS[k % len(_OTHER_COLORS)])


# --- footnotes -----------------------------------------------------------------------------------
def data_line(world) -> str:
    """Short provenance of a world's data."""
    src = str(getattr(world, "source", "") or "")
    if src.startswith("world2023"):
        return _("Data: CEPII BACI HS22 V202501 (2023 goods trade; 38 missing pairs from OECD ICIO 2022, CC BY 4.0), "
                 "World Bank WDI (2023 GDP), USTR (2 April 2025 tariffs); embedded world2023, 32 regions")
    if "BACI" in src:
        return _("Data: CEPII BACI (goods trade), World Bank WDI (GDP); {source}").format(source=src.split(";")[0])
    from ..data._world2022s import WORLD2022S_IOT_ATTRIBUTION, WORLD2022S_SOURCE

    if src.startswith(WORLD2022S_SOURCE):
        return _("Data: {source}").format(source=icio_attribution(world))
    if WORLD2022S_IOT_ATTRIBUTION in src:  # the credit the licence asks for wherever the shares are used
        return _("Data: {source}; input-output shares: {attribution}").format(
            source=src.split(";")[0], attribution=_("OECD (2025), Input-Output Tables, 2025 edition, "
                                                    "http://oe.cd/icio; aggregated by tradewar (CC BY 4.0)"))
    return _("Data: {source}").format(source=src.split(";")[0] or _("user-supplied data"))


def icio_attribution(world) -> str:
    """The credit the OECD's licence asks for, for the embedded sectoral world, in the report's language
    (the titles of the tables as published)."""
    return _("Trade flows: OECD (2023), Inter-Country Input-Output tables, 2023 edition, CC BY 4.0 (2022 data, "
             "aggregated by tradewar to {n} regions and {sectors} sectors). Value-added and input-output shares: "
             "OECD (2025), Input-Output Tables, 2025 edition, http://oe.cd/icio; aggregated by tradewar "
             "(CC BY 4.0).").format(n=world.n, sectors=world.n_sectors)


def world_label(world) -> str:
    """A short name of a world's data for the report's prose, in its language: the embedded worlds by name and
    size, any other by the first part of its ``source``."""
    from ..data._world2022s import WORLD2022S_SOURCE

    src = str(getattr(world, "source", "") or "")
    if src.startswith("world2023"):
        return _("world2023 ({n} regions, 2023 goods trade)").format(n=world.n)
    if src.startswith(WORLD2022S_SOURCE):
        return _("world2022s (OECD ICIO 2022, {n} regions x {sectors} sectors)").format(n=world.n,
                                                                                      sectors=world.n_sectors)
    return src.split(";")[0] or _("user-supplied data")


def joined(tr, *texts: str) -> str:
    """Sentences of one paragraph: a space between them in English, none in Japanese and Chinese."""
    return ("" if tr.lang in ("ja", "zh") else " ").join(t for t in texts if t)


def written_for_note(written_for: str | None, world) -> str:
    """A sentence to follow a preset's notes where ``--data`` moved the preset to other data than the one it was
    written for (``[data] written_for``): the notes speak of that data, not of ``world``. Empty otherwise."""
    src = str(getattr(world, "source", "") or "")
    if not written_for or src.startswith(str(written_for)):
        return ""
    return _("These notes describe the preset on {written}; this run uses {data}.").format(
        written=written_for, data=world_label(world))


#: The lines of :func:`tradewar.results.model_notes` and its deficit notes, for the catalogue.
_MODEL_NOTES = (
    N_("without intermediate inputs (no input-output links)"), N_("with intermediate inputs (input-output links)"),
    N_("baseline tariffs are from the data"),
    N_("baseline tariffs are zero: the data carry none, so every tariff of the scenario is the measure itself"),
    N_("deficits removed first: changes are relative to a balanced-trade baseline"),
    N_("each deficit a constant share of its country's income"),
)


def model_line(res: Result) -> str:
    """The model and its parameters, as a footnote."""
    fam = res.model
    params = dict(res.params or {})
    if fam in ("ilms", "armington"):
        from ..models.ilms import ILMSParams, armington

        p = (armington() if fam == "armington" else ILMSParams()).replace(**params)
        eps = p.eps
        psi = "0.67/ε" if p.psi is None else f"{p.psi:g}"
        nu = _("calibrated (two regions)") if p.nu == "calibrate" else str(p.nu)
        rev = _("tariff revenue cuts income taxes") if p.revenue_use == "income_tax" else _("revenue rebated lump sum")
        name = (_("one-sector ILMS (Ignatenko, Macedoni, Lashkaripour & Simonovska 2025)") if fam == "ilms"
                else _("one-sector Armington / Eaton–Kortum"))
        from ..results import DEFICIT_NOTES

        closure = _(", {note}").format(note=_(DEFICIT_NOTES[p.deficits])) if p.deficits in DEFICIT_NOTES else ""
        return _("Model: {name}; ε={eps}, κ={kappa}, ψ={psi}, profit share {nu}, {revenue}{closure}").format(
            name=name, eps=f"{eps:g}", kappa=f"{p.kappa:g}", psi=psi, nu=nu, revenue=rev, closure=closure)
    from ..results import model_notes

    names = {
        "caliendo_parro": _("multi-sector (Caliendo & Parro 2015)"),
        "ossa": _("multi-industry (Ossa 2014)"),
    }
    notes = model_notes(res.meta or {})  # from the model actually solved, not from the scenario's request
    extra = ", ".join(f"{k}={v}" for k, v in params.items() if not isinstance(v, (list, tuple, dict)))
    line = _("Model: {name}").format(name=names.get(fam, fam)) + "".join(_(", {note}").format(note=_(n)) for n in notes)
    return line + (_("; {parameters}").format(parameters=extra) if extra else _("; default parameters"))


def sources_line(res: Result | None = None, world=None, extra: str = "") -> str:
    """Footnote: data, model and parameters (and ``extra``), lines separated by ``<br>``."""
    world = world if world is not None else (res.world if res is not None else None)
    parts = []
    if world is not None:
        parts.append(data_line(world))
    if res is not None:
        parts.append(model_line(res))
    if extra:
        parts.append(extra)
    return "<br>".join(parts)


def _wrap(note: str, width: int = 190) -> str:
    """Wrap each ``<br>`` line of a footnote at about ``width`` characters."""
    import textwrap

    return "<br>".join("<br>".join(textwrap.wrap(line, width)) or line for line in note.split("<br>"))


def _finish(fig, title: str, note: str, *, height: int = 460, legend: bool = True, controls: int = 0):
    """Common layout: title, a row for the legend or step buttons (``controls`` px), footnote with sources.

    ``height`` is the height of the plot area; the figure grows by the title, controls and footnote.
    """
    note = _wrap(note) if note else ""
    n_lines = note.count("<br>") + 1 if note else 0
    bottom = 64 + 15 * n_lines
    top = 58 + controls
    total = height + top + bottom
    fig.update_layout(
        title={"text": title, "x": 0.01, "xref": "container", "xanchor": "left", "y": 1.0, "yref": "container",
               "yanchor": "top", "pad": {"t": 14}, "font": {"size": 17}},
        font={"family": FONT, "size": 13, "color": "#222"},
        template="plotly_white",
        height=total,
        margin={"l": 70, "r": 30, "t": top, "b": bottom},
        showlegend=legend,
    )
    y_controls = 1.0 + (controls - 4) / height  # paper coordinates of the controls row, just under the title
    if legend and controls:
        fig.update_layout(legend={"orientation": "h", "x": 0.0, "xanchor": "left", "y": y_controls, "yanchor": "top"})
    for um in fig.layout.updatemenus or ():
        um.update(y=y_controls, yanchor="top", x=0.0, xanchor="left")
    if note:
        fig.add_annotation(
            text=note, xref="paper", yref="paper", x=0.0, y=0.0, yshift=-(bottom - 8), xanchor="left",
            yanchor="bottom", showarrow=False, align="left", font={"size": 10.5, "color": "#555"},
        )
    return fig


def _pct(v: float) -> str:
    return "n/a" if v is None or not math.isfinite(v) else f"{v:+.2f}%"


# --- exposure -----------------------------------------------------------------------------------
def exposure_chart(world, country: str, top: int = 10):
    """Exports to and imports from the largest partners (USD billion), horizontal grouped bars."""
    import plotly.graph_objects as go

    tr = current()
    p = world.partners(country, top).iloc[::-1]
    labels = [f"{tr.country(c, n)} ({c})" for c, n in zip(p.index, p["name"], strict=True)]
    fig = go.Figure()
    bn = _("bn USD")
    fig.add_bar(y=labels, x=p["imports"] / 1e3, orientation="h",
                name=_("Imports of {country} from").format(country=country.upper()),
                marker_color=PALETTE[4], marker_pattern_shape="/",
                hovertemplate=f"%{{y}}: %{{x:,.1f}} {bn}<extra>" + _("imports") + "</extra>")
    fig.add_bar(y=labels, x=p["exports"] / 1e3, orientation="h",
                name=_("Exports of {country} to").format(country=country.upper()),
                marker_color=PALETTE[0], hovertemplate=f"%{{y}}: %{{x:,.1f}} {bn}<extra>" + _("exports") + "</extra>")
    fig.update_layout(barmode="group", legend={"traceorder": "reversed"})
    fig.update_xaxes(title_text=_("USD billion (2023, exporter prices)"))
    return _finish(fig, _("{country}: trade with its {n} largest partners").format(country=country.upper(), n=len(p)),
                   sources_line(world=world), height=40 + 34 * len(p), controls=30)


def official_shares_chart(rows: Sequence[dict], country: str, world):
    """Shares of partners in the dataset next to the official figures (percent of the country's total)."""
    import plotly.graph_objects as go

    rows = [r for r in rows if not r.get("total", "total" in r["label"])]
    cats = [r["label"].replace(" to ", "<br>to ").replace(" from ", "<br>from ").replace(" (", "<br>(") for r in rows]
    fig = go.Figure()
    fig.add_bar(x=cats, y=[r["data_share"] for r in rows], name=_("This dataset (2023)"), marker_color=PALETTE[0],
                text=[f"{r['data_share']:.1f}" for r in rows], textposition="outside")
    fig.add_bar(x=cats, y=[r["official_share"] for r in rows], name=_("Ministry of Finance (2024)"),
                marker_color=PALETTE[4], marker_pattern_shape="/",
                text=[f"{r['official_share']:.1f}" for r in rows], textposition="outside")
    fig.update_layout(barmode="group")
    fig.update_xaxes(tickangle=0)
    fig.update_yaxes(title_text=_("% of total exports, imports or trade"), rangemode="tozero",
                     range=[0, 1.18 * max(max(r["data_share"], r["official_share"]) for r in rows)])
    note = sources_line(world=world, extra=_("Official: Ministry of Finance of Japan, Trade Statistics 2024 "
                                             "(exports FOB, imports CIF, yen); the dataset values flows at exporter "
                                             "prices (FOB)"))
    return _finish(fig, _("{country}: shares of the USA and China, dataset against official statistics").format(
                   country=country.upper()),
                   note, height=340, controls=30)


# --- timeline -----------------------------------------------------------------------------------
def _dates(tl: Timeline) -> list[str]:
    return [str(r.meta.get("date") or r.scenario) for r in tl]


def timeline_chart(tl: Timeline, codes: Sequence[str] | None = None):
    """Step chart: welfare, real wage, employment, prices, exports to two partners, step by step."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    codes = list(codes or focus_codes(tl.country, tl[0].world.codes))
    partners = partners_for(tl.country)
    panels = list(METRICS) + [f"exports_to_{p}_pct" for p in partners]
    tr = current()
    titles = [_(METRICS[k][0]) + " (%)" for k in METRICS] + [
        _("{country} exports to {partner} (%)").format(country=tl.country, partner=p) for p in partners]
    cols = 3 if len(panels) <= 6 else 4
    fig = make_subplots(rows=-(-len(panels) // cols), cols=cols, subplot_titles=titles, horizontal_spacing=0.07,
                        vertical_spacing=0.16)
    import datetime as dt

    own = _dates(tl)
    try:
        tail = (dt.date.fromisoformat(own[-1]) + dt.timedelta(days=24)).isoformat()
    except ValueError:
        tail = own[-1]
    dates = ["2025-03-01", *own, tail]  # baseline point, the steps, and the last step held to the right
    steps = [_("baseline (no 2025 tariffs)")] + [r.scenario for r in tl] + [tl[-1].scenario]
    sizes = [7] * (len(own) + 1) + [0]
    for k, code in enumerate(codes):
        for n, key in enumerate(panels):
            if key.startswith("exports_to_"):
                if k > 0:
                    continue  # the export panels follow the report's country only
                vals = [country_metrics(r, tl.country, partners).get(key, math.nan) for r in tl]
                name = tl.country
            else:
                vals = [country_metrics(r, code, partners).get(key, math.nan) for r in tl]
                name = code
            y = [0.0] + [None if not math.isfinite(v) else v for v in vals]
            y.append(y[-1])
            fig.add_trace(
                go.Scatter(
                    x=dates, y=y, mode="lines+markers", line_shape="hv", name=name, legendgroup=name,
                    showlegend=(n == 0), customdata=steps,
                    line={"color": _color(name, k), "dash": _DASHES[k % len(_DASHES)], "width": 2.5 if k == 0 else 1.8},
                    marker={"symbol": _MARKERS[k % len(_MARKERS)], "size": sizes},
                    hovertemplate=f"{name} %{{customdata}}: %{{y:+.2f}}%<extra></extra>",
                ),
                row=n // cols + 1, col=n % cols + 1,
            )
    fig.update_xaxes(type="date", tickformat="%d %b" if tr.lang == "en" else "%-m月%-d日", dtick="M1", showgrid=True)
    fig.update_yaxes(zeroline=True, zerolinecolor="#888", ticksuffix="%")
    fig.update_layout(hovermode="closest")
    note = sources_line(tl[0] if tl else None, extra=_("Each step is solved from the 2023 baseline without the 2025 "
                                                       "tariffs; exports in value at world prices (the model's "
                                                       "numeraire)"))
    return _finish(fig, _("The 2025 tariff timeline: {countries}, % change from the baseline, step by step").format(
                   countries=", ".join(codes)),
                   note, height=600, controls=56)


# --- map and bars -------------------------------------------------------------------------------
def _region_values(res: Result, field: str) -> dict[str, float]:
    v = np.asarray(res.equilibrium.outcomes[field], dtype=float)
    return {c: float(v[k]) for k, c in enumerate(res.world.codes)}


def world_map(results: Sequence[Result], country: str, field: str = "welfare_pct", geojson: Any = None):
    """Choropleth of ``field`` (percent change) by country, one button per step (last step shown).

    ``geojson``: the FeatureCollection of :func:`tradewar.report._geo.world_geojson`, or a placeholder
    string that the HTML writer replaces with the embedded geometry (it is never a URL).
    """
    import plotly.graph_objects as go

    from ._geo import GEOMETRY_SOURCE, region_of, world_geojson

    geo = world_geojson()
    feats = geo["features"]
    res0 = results[-1]
    codes = res0.world.codes
    locs, regions, names = [], [], []
    for f in feats:
        r = region_of(f["properties"]["iso_a3"], codes)
        if r is None:
            continue
        locs.append(f["properties"]["iso_a3"])
        regions.append(r)
        names.append(f["properties"]["name"])
    zs = []
    for res in results:
        vals = _region_values(res, field)
        zs.append([vals.get(r, math.nan) for r in regions])
    allv = np.abs(np.array([list(_region_values(r, field).values()) for r in results], dtype=float))
    zmax = max(0.1, float(np.nanquantile(allv, 0.9)))  # the largest tenth saturate: keeps the rest readable
    tr = current()
    label = _(METRICS.get(field, (field, "% change"))[0])
    names = [tr.country(loc, n) for n, loc in zip(names, locs, strict=True)]
    text = [f"{n}" + (_(" (in {region})").format(region=r) if r != loc else "")
            for n, r, loc in zip(names, regions, locs, strict=True)]
    fig = go.Figure(
        go.Choropleth(
            geojson=geojson if geojson is not None else geo, featureidkey="properties.iso_a3",
            locationmode="geojson-id", locations=locs, z=zs[-1], text=text, customdata=regions,
            colorscale=DIVERGING, zmid=0.0, zmin=-zmax, zmax=zmax, marker_line_color="#8c8c8c",
            marker_line_width=0.3,
            colorbar={"title": {"text": f"{label}<br>" + _("% change")}, "ticksuffix": "%", "len": 0.8},
            hovertemplate="%{text}: %{z:+.2f}%<extra></extra>",
        )
    )
    off = {f"show{k}": False for k in ("coastlines", "land", "ocean", "lakes", "rivers", "countries", "subunits")}
    fig.update_geos(projection_type="natural earth", showframe=False, bgcolor="rgba(0,0,0,0)",
                    lataxis_range=[-57, 84], lonaxis_range=[-169, 191], domain={"x": [0, 0.92], "y": [0, 1]},
                    **off)
    if len(results) > 1:
        buttons = [
            {"label": tr.date(r.meta.get("date")) or r.scenario, "method": "restyle",
             "args": [{"z": [z]}, [0]]}
            for r, z in zip(results, zs, strict=True)
        ]
        fig.update_layout(updatemenus=[{"type": "buttons", "direction": "right", "active": len(results) - 1,
                                        "buttons": buttons, "pad": {"r": 4, "t": 0}, "font": {"size": 12},
                                        "showactive": True}])
    note = sources_line(res0, extra=_("Regions drawn as their members (EU27, ROW = rest of the world); outlines: "
                                      "{source}. Economies too small for this scale (e.g. Singapore, Hong Kong) are "
                                      "in the bars").format(source=GEOMETRY_SOURCE))
    title = _("{label} by country (% change from the 2023 baseline); buttons: the step").format(label=label)
    fig = _finish(fig, title, note, height=430, controls=40 if len(results) > 1 else 0)
    # the title of one step's image (--png), which has no buttons
    fig.layout.meta = {"still_title": _("{label} by country (% change from the 2023 baseline)").format(label=label)}
    return fig


def _pad_range(x) -> list[float]:
    """An axis range around 0 and the values with room for the labels outside the bars."""
    v = np.asarray(x, dtype=float)
    lo, hi = min(0.0, float(np.nanmin(v))), max(0.0, float(np.nanmax(v)))
    pad = 0.16 * max(hi - lo, 1e-6)
    return [lo - (pad if lo < 0 else 0.0), hi + (pad if hi > 0 else 0.0)]


def welfare_bars(results: Sequence[Result], country: str, field: str = "welfare_pct"):
    """Horizontal bars of ``field`` for every country, one button per step; the report's country highlighted."""
    import plotly.graph_objects as go

    tr = current()
    res0 = results[-1]
    codes = list(res0.world.codes)
    order = np.argsort(np.asarray(res0.equilibrium.outcomes[field], dtype=float))
    ys = [f"{tr.country(codes[k], res0.world.names[k])} ({codes[k]})" for k in order]
    colors = [COUNTRY_COLORS.get(codes[k], "#9aa5b1") if codes[k] in (country.upper(), "USA", "CHN", "EU27")
              else "#9aa5b1" for k in order]
    xs = [[float(np.asarray(r.equilibrium.outcomes[field])[k]) for k in order] for r in results]
    fig = go.Figure(go.Bar(y=ys, x=xs[-1], orientation="h", marker_color=colors,
                           texttemplate="%{x:+.2f}%", textposition="outside", cliponaxis=False,
                           hovertemplate="%{y}: %{x:+.2f}%<extra></extra>"))
    if len(results) > 1:
        buttons = [{"label": tr.date(r.meta.get("date")) or r.scenario, "method": "update",
                    "args": [{"x": [x]}, {"xaxis.range": _pad_range(x)}]}
                   for r, x in zip(results, xs, strict=True)]
        fig.update_layout(updatemenus=[{"type": "buttons", "direction": "right", "active": len(results) - 1,
                                        "buttons": buttons, "font": {"size": 12}}])
    label = _(METRICS.get(field, (field, ""))[0])
    fig.update_xaxes(title_text=_("{label}, % change from the 2023 baseline (axis rescales with the step)").format(
                     label=label),
                     ticksuffix="%", zeroline=True, zerolinecolor="#555", range=_pad_range(xs[-1]))
    fig.update_yaxes(tickfont={"size": 11})
    note = sources_line(res0, extra=_("Sorted by the last step; buttons switch the step (order kept)"))
    fig = _finish(fig, _("{label} in every economy of the data (% change); buttons: the step").format(label=label),
                  note,
                  height=40 + 19 * len(codes), legend=False, controls=40 if len(results) > 1 else 0)
    fig.update_layout(margin_l=80, margin_r=70)
    fig.layout.meta = {"still_title": _("{label} in every economy of the data (% change)").format(label=label)}
    return fig


# --- decomposition ------------------------------------------------------------------------------
def decomposition_chart(results: Sequence[Result], codes: Sequence[str]):
    """Welfare decomposition when the model gives one (``tot_pct`` + ``vot_pct``: terms and volume of trade).

    Returns None when the model has no additive decomposition.
    """
    import plotly.graph_objects as go

    res = results[-1]
    oc = res.equilibrium.outcomes
    if not {"tot_pct", "vot_pct"} <= set(oc):
        return None
    # the exact split where the model integrated it, else the paper's first-order split with baseline weights
    exact = {"tot_exact_pct", "vot_exact_pct"} <= set(oc)
    tot, vot = ("tot_exact_pct", "vot_exact_pct") if exact else ("tot_pct", "vot_pct")
    codes = [c for c in codes if c in res.world.codes]
    idx = [res.world.index(c) for c in codes]
    fig = go.Figure()
    parts = [(tot, _("Terms of trade"), PALETTE[0], ""), (vot, _("Volume of trade"), PALETTE[4], "/")]
    for key, name, col, pat in parts:
        fig.add_bar(x=codes, y=[float(np.asarray(oc[key])[i]) for i in idx], name=name, marker_color=col,
                    marker_pattern_shape=pat, hovertemplate=f"%{{x}} {name}: %{{y:+.2f}}%<extra></extra>")
    total = np.array([float(np.asarray(oc["welfare_pct"])[i]) for i in idx])
    rest = total - np.array([float(np.asarray(oc[tot])[i]) + float(np.asarray(oc[vot])[i]) for i in idx])
    if np.max(np.abs(rest)) > 1e-6:
        fig.add_bar(x=codes, y=rest, name=_("Rest: the quadrature error of the exact split") if exact else
                    _("Rest: what the first-order split (baseline weights) leaves out"),
                    marker_color="#9aa5b1", marker_pattern_shape=".",
                    hovertemplate="%{x} " + _("rest") + ": %{y:+.3f}%<extra></extra>")
    fig.add_scatter(x=codes, y=total, mode="markers",
                    name=_("Welfare (total)"), marker={"symbol": "diamond", "size": 11, "color": "#000"})
    fig.update_layout(barmode="relative")
    fig.update_yaxes(title_text=_("contribution to welfare, % change"), ticksuffix="%", zeroline=True)
    return _finish(fig, _("Welfare decomposition, {scenario}").format(scenario=res.scenario), sources_line(res),
                   height=380, controls=30)


# --- strategy -----------------------------------------------------------------------------------
def payoff_chart(table, title: str, note: str, unit: str | None = None, xtitle: str = ""):
    """Grouped bars: rows of ``table`` (options) by columns (countries); ``unit``: the y axis (default: welfare)."""
    import plotly.graph_objects as go

    unit = _("welfare, % change") if unit is None else unit
    fig = go.Figure()
    fig.update_xaxes(title_text=xtitle, tickangle=0)
    for k, col in enumerate(table.columns):
        fig.add_bar(x=[str(i) for i in table.index], y=table[col].astype(float), name=str(col),
                    marker_color=_color(str(col), k), marker_pattern_shape=["", "/", ".", "x", "-", "+"][k % 6],
                    hovertemplate=f"{col} %{{x}}: %{{y:+.2f}}<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=unit, zeroline=True, ticksuffix="%" if "%" in unit else "")
    return _finish(fig, title, note, height=380, controls=30)


def frontier_chart(frontier, points: dict[str, tuple[float, float]], a: str, b: str, note: str):
    """Welfare frontier of two countries (``frontier``: (K, 2) array, % changes) with labelled points."""
    import plotly.graph_objects as go

    fig = go.Figure()
    f = np.asarray(frontier, dtype=float)
    if f.size:
        fig.add_scatter(x=f[:, 0], y=f[:, 1], mode="lines", name=_("Frontier (efficient deals)"),
                        line={"color": PALETTE[0], "width": 2.5},
                        hovertemplate=f"{a} %{{x:+.2f}}%, {b} %{{y:+.2f}}%<extra></extra>")
    for k, (label, (x, y)) in enumerate(points.items()):
        fig.add_scatter(x=[x], y=[y], mode="markers", name=label,
                        marker={"symbol": _MARKERS[k % len(_MARKERS)], "size": 13, "color": PALETTE[(k + 1) % 8],
                                "line": {"width": 1, "color": "#222"}},
                        hovertemplate=f"{label}: {a} %{{x:+.3f}}%, {b} %{{y:+.3f}}%<extra></extra>")
    if points:  # zoom on the outcomes: the frontier runs far beyond them
        px = [v[0] for v in points.values()]
        py = [v[1] for v in points.values()]
        pad = max(0.25, 1.5 * max(max(px) - min(px), max(py) - min(py)))
        fig.update_xaxes(range=[min(px) - pad, max(px) + pad])
        fig.update_yaxes(range=[min(py) - pad, max(py) + pad])
    fig.update_xaxes(title_text=_("{country} welfare, % change").format(country=a), ticksuffix="%", zeroline=True)
    fig.update_yaxes(title_text=_("{country} welfare, % change").format(country=b), ticksuffix="%", zeroline=True)
    title = (_("The {a}–{b} deal: welfare frontier and the outcomes on the table") if f.size
             else _("The {a}–{b} deal: welfare at the threat and at the deal")).format(a=a, b=b)
    n_items = len(points) + (1 if f.size else 0)
    return _finish(fig, title, note, height=440, controls=8 + 22 * math.ceil(n_items / 2))


# --- sectors ------------------------------------------------------------------------------------
def sector_chart(results: Sequence[Result], country: str, field: str = "gross_output_pct",
                 sectors: Sequence[str] | None = None):
    """Bars of a per-sector outcome of ``country``, one group per step. None when the field is absent."""
    import plotly.graph_objects as go

    if not results:
        return None
    res0 = results[0]
    if not res0.world.has_sectors or field not in res0.equilibrium.outcomes:
        return None
    c = res0.world.index(country)
    secs = list(res0.world.sectors)
    keep = [k for k, s in enumerate(secs) if sectors is None or s in sectors]
    fig = go.Figure()
    for n, res in enumerate(results):
        v = np.asarray(res.equilibrium.outcomes[field], dtype=float)[c]
        fig.add_bar(y=[_(secs[k]) for k in keep], x=[float(v[k]) for k in keep], orientation="h",
                    name=(current().date(res.meta.get("date")) or res.scenario) + " " + res.scenario.split("-", 3)[-1],
                    marker_color=PALETTE[n % 8], marker_pattern_shape=["", "/", "."][n % 3],
                    hovertemplate="%{y}: %{x:+.2f}%<extra></extra>")
    fig.update_layout(barmode="group")
    label = {"gross_output_pct": _("Gross output"), "sector_price_pct": _("Producer price")}.get(field, field)
    fig.update_xaxes(title_text=_("{label}, % change").format(label=label), ticksuffix="%", zeroline=True)
    fig.update_yaxes(autorange="reversed")
    title = _("{country}: {label} by sector (% change)").format(
        country=country.upper(), label=label.lower() if current().lang == "en" else label)
    return _finish(fig, title, sources_line(res0),
                   height=60 + 22 * len(keep) * max(1, len(results)), controls=30)
