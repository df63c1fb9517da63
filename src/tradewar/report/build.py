"""Build the country report: solve the timeline, run every section, assemble one HTML page.

:func:`build_report` returns a :class:`Report` with ``.html`` (the self-contained page), ``.summary``
(the five numbers that matter for the country), ``.figures`` (name -> Plotly figure) and
``.timeline``; :meth:`Report.write` writes the page atomically, :meth:`Report.write_pngs` the charts
as PNG files (needs kaleido and a Chrome/Chromium).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._exceptions import TradewarError
from .._i18n import _, current
from .._io import atomic_write, inflight
from . import charts
from .html import Section, esc, render_page
from .sections import SECTIONS, Context, Unavailable
from .timeline import DEFAULT_TIMELINE, Timeline, country_metrics, partners_for, timeline

__all__ = ["Report", "SummaryNumber", "build_report", "summary_numbers", "PNGExportError"]


class PNGExportError(TradewarError):
    """Charts cannot be written as PNG (kaleido or a Chrome/Chromium browser is missing)."""


@dataclass(frozen=True)
class SummaryNumber:
    """One headline number: ``value`` in ``unit`` for ``scenario`` (percent changes from the baseline)."""

    key: str
    label: str
    value: float
    unit: str
    scenario: str
    #: the 90% band (5th and 95th percentiles) over parameter draws, where the report drew them
    band: tuple[float, float] | None = None

    def text(self) -> str:
        tr = current()
        v = tr.percent(self.value) if self.unit == "%" else tr.number(self.value, sign=True)
        return f"{self.label}: {v}" + (f" {self.band_text()}" if self.band else "")

    def band_text(self) -> str:
        """``(90%: a to b)`` in the language of the report."""
        tr = current()
        return _("(90% band {low} to {high})").format(low=tr.percent(self.band[0]), high=tr.percent(self.band[1]))


def summary_numbers(tl: Timeline, country: str | None = None) -> dict[str, SummaryNumber]:
    """The five numbers that matter: welfare now and at its worst, real wage now, exports to two partners now.

    "Now" is the last step of the timeline; values are percent changes from the baseline. Labels are in the
    language of the running context (:func:`tradewar._i18n.language`).
    """
    tr = current()
    c = (country or tl.country).upper()
    last = tl[-1]
    p1, p2 = partners_for(c)
    m = country_metrics(last, c, (p1, p2))
    when = tr.date(last.meta.get("date")) or last.scenario
    welf = [country_metrics(r, c)["welfare_pct"] for r in tl]
    k = min(range(len(tl)), key=lambda j: welf[j] if math.isfinite(welf[j]) else math.inf)
    worst = tl[k]
    w = last.world

    def partner(p: str) -> str:  # by name, as the regions (EU27) are
        return tr.country(p, w.names[w.index(p)] if p in w.codes else p)

    out = [
        SummaryNumber("welfare_pct", _("Welfare after {when}").format(when=when), m["welfare_pct"], "%",
                      last.scenario),
        SummaryNumber("worst_welfare_pct", _("Welfare at the worst step ({when})").format(
            when=tr.date(worst.meta.get("date")) or worst.scenario), welf[k], "%", worst.scenario),
        SummaryNumber("real_wage_pct", _("Real wage after {when}").format(when=when), m["real_wage_pct"], "%",
                      last.scenario),
        SummaryNumber(f"exports_to_{p1}_pct", _("Exports to {partner} after {when}").format(
            partner=partner(p1), when=when), m[f"exports_to_{p1}_pct"], "%", last.scenario),
        SummaryNumber(f"exports_to_{p2}_pct", _("Exports to {partner} after {when}").format(
            partner=partner(p2), when=when), m[f"exports_to_{p2}_pct"], "%", last.scenario),
    ]
    return {s.key: s for s in out}


@dataclass(eq=False)
class Report:
    """A built report (see the module docstring)."""

    country: str
    html: str
    summary: dict[str, SummaryNumber]
    figures: dict[str, Any]
    timeline: Timeline
    sections: list[Section] = field(default_factory=list)

    def write(self, path: str | Path) -> Path:
        """Write the page to ``path`` atomically (a temporary file renamed into place)."""
        return atomic_write(path, lambda fh: fh.write(self.html))

    def write_pngs(self, folder: str | Path, *, scale: float = 2.0) -> list[Path]:
        """Write every chart as ``<folder>/<name>.png``; raises :class:`PNGExportError` when kaleido cannot."""
        return write_pngs(self.figures, folder, scale=scale)

    def unavailable(self) -> dict[str, str]:
        """Sections that could not be built, with the reason."""
        return {s.id: s.missing for s in self.sections if s.body is None}


def write_pngs(figures: dict[str, Any], folder: str | Path, *, scale: float = 2.0) -> list[Path]:
    """Figures as PNG files via kaleido (which drives a local Chrome/Chromium, offline)."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        raise PNGExportError("--png needs the package 'kaleido' (pip install kaleido) and a Chrome/Chromium "
                             "browser") from None
    import json
    import urllib.parse

    import plotly.io as pio

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    # kaleido draws with plotly.js in a local Chromium; plotly.js asks for its base-map topojson as soon as a
    # trace has a locationmode, even with inline GeoJSON: hand it an empty topology as a data: URL (no network).
    empty = {"type": "Topology", "arcs": [], "objects": {k: {"type": "GeometryCollection", "geometries": []} for k in
                                                         ("land", "ocean", "lakes", "rivers", "countries",
                                                          "coastlines", "subunits")}}
    old_topo = pio.defaults.topojson
    pio.defaults.topojson = "data:application/json," + urllib.parse.quote(json.dumps(empty)) + "#"
    # a chart with a button per step is one image per step (a static image has no buttons)
    still = {k: v for n, f in figures.items() for k, v in _stills(n, f).items()}
    names = list(still)
    targets = [out / f"{n}.png" for n in names]
    tmp = [out / f".{n}.png.tmp" for n in names]
    with inflight(tmp):  # an interrupt removes the half-written images
        try:
            figs = [_with_geometry(still[n]) for n in names]
            widths = [int(f.layout.width or 1100) for f in figs]
            heights = [int(f.layout.height or 600) for f in figs]
            if hasattr(pio, "write_images"):  # one browser for all charts (plotly >= 6.1)
                pio.write_images(figs, [str(t) for t in tmp], format="png", scale=scale, width=widths, height=heights,
                                 validate=False)
                # kaleido leaves out, without an error, a chart its browser tab failed to draw (a timeout on a
                # loaded machine): those once more, in a new browser
                again = [k for k, t in enumerate(tmp) if not t.is_file()]
                if again:
                    pio.write_images([figs[k] for k in again], [str(tmp[k]) for k in again], format="png",
                                     scale=scale, width=[widths[k] for k in again],
                                     height=[heights[k] for k in again], validate=False)
            else:  # pragma: no cover - older plotly
                for f, t, w, h in zip(figs, tmp, widths, heights, strict=True):
                    t.write_bytes(pio.to_image(f, format="png", scale=scale, width=w, height=h, validate=False))
            missing = [t.name for t in tmp if not t.is_file()]
            if missing:
                raise RuntimeError(f"no image written for {', '.join(missing)}")
            for t, target in zip(tmp, targets, strict=True):
                t.replace(target)
        except Exception as e:
            for t in tmp:
                t.unlink(missing_ok=True)
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            hint = "; kaleido needs a Chrome or Chromium browser (e.g. apt-get install chromium)" if (
                "chrome" in first.lower() or "browser" in first.lower()) else ""
            raise PNGExportError(f"--png: kaleido could not render the charts ({first}){hint}") from None
        finally:
            pio.defaults.topojson = old_topo
    return targets


def _stills(name: str, fig) -> dict[str, Any]:
    """The images of a chart: ``{name: fig}``, or for a chart with a button per step (the map, the bars) one
    figure per step, the buttons removed: ``name`` as the last step shows it (the page's default) and
    ``name_step1``, ``name_step2``, ... each step, its label added to the title (the chart's ``meta["still_title"]``
    where it gives one without the words about the buttons)."""
    menus = [m for m in (fig.layout.updatemenus or ()) if m.type == "buttons" and m.buttons]
    if not menus:
        return {name: fig}
    import plotly.graph_objects as go

    def at(button) -> Any:
        f = go.Figure(fig)
        args = list(button.args or ())
        if button.method == "restyle":
            f.plotly_restyle(args[0], args[1] if len(args) > 1 else None)
        elif button.method == "update":
            f.plotly_update(args[0] if args else None, args[1] if len(args) > 1 else None,
                            args[2] if len(args) > 2 else None)
        elif button.method == "relayout":
            f.plotly_relayout(args[0])
        f.layout.updatemenus = ()
        f.layout.title.text = f"{title} — {button.label}"
        return f

    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    title = meta.get("still_title") or fig.layout.title.text or ""
    buttons = list(menus[0].buttons)
    out = {name: at(buttons[-1])}
    out |= {f"{name}_step{k}": at(b) for k, b in enumerate(buttons, start=1)}
    return out


def _with_geometry(fig):
    """A copy of ``fig`` whose GeoJSON placeholders hold the real geometry (kaleido has no page to inject it)."""
    from .html import GEO_PLACEHOLDER

    if not any(getattr(tr, "geojson", None) == GEO_PLACEHOLDER for tr in fig.data):
        return fig
    import plotly.graph_objects as go

    from ._geo import world_geojson

    out = go.Figure(fig)
    for tr in out.data:
        if getattr(tr, "geojson", None) == GEO_PLACEHOLDER:
            tr.geojson = world_geojson()
    return out


def _summary_html(summary: dict[str, SummaryNumber]) -> str:
    tr = current()
    cards = []
    for s in summary.values():
        v = s.value
        cls = "" if not math.isfinite(v) else ("neg" if v < 0 else "pos")
        txt = tr.percent(v)
        band = f"<div class='l'>{esc(s.band_text())}</div>" if s.band else ""
        cards.append(f"<div class='card'><div class='v {cls}'>{esc(txt)}</div><div class='l'>{esc(s.label)}</div>"
                     f"{band}</div>")
    return ("<section id='summary'><h2>" + esc(_("In five numbers")) + "</h2><p class='lead'>"
            + esc(_("Percent changes from the 2023 baseline without the 2025 tariffs.")) + "</p>"
            f"<div class='summary'>{''.join(cards)}</div></section>")


def build_report(
    country: str = "JPN",
    scenarios: Sequence[Any] | None = None,
    data: str | None = None,
    sectoral_data: str | None = None,
    *,
    options: Any = None,
    progress: Callable[[str], None] | None = None,
    sections: Sequence[str] | None = None,
    full: bool = False,
    draws: int = 0,
    lang: str | None = None,
) -> Report:
    """Solve the timeline for ``country`` and build its report.

    ``scenarios``: the steps (preset names, files or Scenario values; default :data:`DEFAULT_TIMELINE`);
    ``data``: data source replacing the scenarios' (folder or file); ``sectoral_data``: a multi-sector
    dataset for the car-tariff section; ``sections``: ids of the sections to build (default all);
    ``progress``: called with a short message before each long step (the library never prints);
    ``full``: also the slower analyses (the Nash tariff war and the Nash bargain of the deal section);
    ``draws``: Monte Carlo draws of the parameters for the uncertainty section (0: point estimates only);
    ``lang``: the language of the page (``en``, ``ja``, ``zh``; None: that of the running context, see
    :func:`tradewar._i18n.language`).
    """
    from .._i18n import language

    if lang is not None:
        with language(lang):
            return build_report(country, scenarios, data, sectoral_data, options=options, progress=progress,
                                sections=sections, full=full, draws=draws)
    from .. import __version__ as version

    tr = current()

    c = country.upper()
    steps = list(scenarios) if scenarios else list(DEFAULT_TIMELINE)
    tl = timeline(country, steps, data=data, options=options, progress=progress)  # an unknown code as written
    ctx = Context(country=c, timeline=tl, data=data, sectoral_data=sectoral_data, options=options, progress=progress,
                  extras={"full": bool(full), "draws": int(draws)})
    wanted = set(sections) if sections is not None else None
    built: list[Section] = []
    for sid, title, fn in SECTIONS:
        if wanted is not None and sid not in wanted:
            continue
        if progress is not None:
            progress(f"section: {title.split(':')[0].lower()}")
        try:
            body = fn(ctx)
            missing = "" if body is not None else "not available for this country or data"
        except Unavailable as e:  # the one documented reason for a section to be missing
            body, missing = None, _("Not available: {reason}.").format(reason=e)
        built.append(Section(sid, _(title), body, missing))
    summary = summary_numbers(tl, c)
    band = ctx.extras.get("welfare_band")  # the uncertainty section's band of the last step, where it drew
    if band is not None and all(math.isfinite(b) for b in band):
        summary["welfare_pct"] = dataclasses.replace(summary["welfare_pct"], band=band)
    w = tl[0].world
    name = tr.country(c, w.names[w.index(c)])
    today = tr.date(_dt.date.today().isoformat())
    subtitle = [
        esc(_("What the 2025 tariff war means for {country}: {n} steps from {first} to {last}.").format(
            country=name, n=len(tl), first=tr.date(tl[0].meta.get("date")) or tl[0].scenario,
            last=tr.date(tl[-1].meta.get("date")) or tl[-1].scenario)),
        esc(charts.data_line(w)),
        esc(charts.model_line(tl[0])),
    ]
    geo = None
    if ctx.uses_geometry:
        from ._geo import world_geojson

        geo = world_geojson()
    command = f"tradewar report {c}" + (f" --lang {tr.lang}" if tr.lang != "en" else "")
    footer = (
        "<p>" + esc(_("Generated by tradewar {version} on {date} with {command}.")).format(
            version=esc(version), date=esc(today), command=f"<code>{esc(command)}</code>") + " "
        + esc(_("Every step is a general-equilibrium counterfactual solved from the baseline year of the data; "
                "percent changes compare with that baseline, not with a forecast. Charts: Okabe–Ito and "
                "ColorBrewer RdBu colours (colour-blind safe). The page is self-contained: plotly.js and the map "
                "outlines are embedded and nothing is loaded from the network.")) + "</p>"
        + "<p>" + esc(_("Solver: every step converged (largest residual {residual}).").format(
            residual=f"{max(r.max_residual for r in tl):.1e}")) + "</p>"
    )
    page = render_page(
        title=_("{country} in the 2025 tariff war").format(country=name), subtitle=subtitle,
        summary_html=_summary_html(summary), sections=built, footer_html=footer, geojson=geo, lang=tr.lang,
    )
    return Report(country=c, html=page, summary=summary, figures=ctx.figures, timeline=tl, sections=built)
