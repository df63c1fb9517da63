"""One self-contained HTML page: plotly.js inline once, the map geometry inline once, no external URL.

:func:`render_page` assembles the sections; :func:`figure_html` turns a Plotly figure into a ``<div>`` plus
a small script that draws it with the embedded plotly.js. Figures whose traces hold the placeholder
:data:`GEO_PLACEHOLDER` as ``geojson`` get the page's embedded world geometry before they are drawn
(plotly.js would otherwise treat a string as a URL to fetch).
"""

from __future__ import annotations

import html as _html
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["GEO_PLACEHOLDER", "PLOTLY_CONFIG", "Section", "figure_html", "table_html", "render_page", "esc"]

GEO_PLACEHOLDER = "__tradewar_embedded_world_geojson__"

#: plotly.js config of every chart: no link to any server, no logo, PNG download at 2x.
PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "showLink": False,
    "showSendToCloud": False,
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def esc(s: Any) -> str:
    return _html.escape(str(s), quote=True)


@dataclass
class Section:
    """A rendered section: ``body`` is HTML, or None with ``missing`` saying why in one line."""

    id: str
    title: str
    body: str | None
    missing: str = ""


def _script_json(obj: Any) -> str:
    """JSON safe inside a ``<script>`` element."""
    s = json.dumps(obj, separators=(",", ":"), allow_nan=False, default=_default)
    return s.replace("</", "<\\/").replace("<!--", "<\\!--")


def _default(o):
    import numpy as np

    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o)}")


def _clean(o):
    """Replace NaN/inf by None recursively (plotly.js reads null as a gap)."""
    if isinstance(o, float):
        return o if math.isfinite(o) else None
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    return o


def figure_json(fig) -> dict:
    """The figure as a plain dict (data, layout) with the embedded geometry replaced by the placeholder."""
    import plotly.io as pio

    d = json.loads(pio.to_json(fig, validate=False, remove_uids=True))
    for tr in d.get("data", []):
        if isinstance(tr.get("geojson"), dict):
            tr["geojson"] = GEO_PLACEHOLDER
    d.pop("frames", None)
    return _clean(d)


def figure_html(fig, div_id: str, caption: str = "") -> str:
    """A ``<figure>`` with the chart's div and the script that draws it."""
    doc = figure_json(fig)
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    return (
        f'<figure class="chart"><div id="{esc(div_id)}" class="tw-plot"></div>{cap}'
        f'<script>TW.plot("{esc(div_id)}", {_script_json(doc)});</script></figure>'
    )


def _fmt(v: Any, fmt: str | None) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        if not math.isfinite(v):
            return "–"
        return format(v, fmt or ",.2f")
    return esc(v)


def table_html(df, formats: dict[str, str] | None = None, *, index: bool = True, caption: str = "",
               classes: dict[str, str] | None = None, header: dict[str, str] | None = None) -> str:
    """A plain HTML table from a DataFrame; ``formats`` maps columns to format specs; negative numbers get a class."""
    formats = formats or {}
    header = header or {}
    cols = list(df.columns)
    head = (f"<th>{esc(df.index.name or '')}</th>" if index else "") + "".join(
        f"<th>{header.get(c, esc(c))}</th>" for c in cols
    )
    rows = []
    for idx, row in df.iterrows():
        cells = f"<th scope='row'>{esc(idx)}</th>" if index else ""
        for c in cols:
            v = row[c]
            num = isinstance(v, (int, float)) and not isinstance(v, bool)
            cls = "num" + (" neg" if num and isinstance(v, float) and v < 0 else "") if num else "txt"
            if classes and c in classes:
                cls += " " + classes[c]
            cells += f"<td class='{cls}'>{_fmt(float(v) if num else v, formats.get(c))}</td>"
        rows.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{caption}</caption>" if caption else ""
    return f"<table class='data'>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


_CSS = """
:root{--ink:#1d232a;--muted:#5b6670;--line:#d9dee3;--bg:#fbfbfa;--accent:#0072B2;--neg:#b2182b;--pos:#2166ac}
*{box-sizing:border-box}
body{margin:0;font:15px/1.55 Helvetica,Arial,sans-serif;color:var(--ink);background:var(--bg)}
html:lang(ja) body{font-family:Helvetica,Arial,"Hiragino Sans","Noto Sans CJK JP","Yu Gothic",sans-serif}
html:lang(zh) body{font-family:Helvetica,Arial,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif}
header.top{background:#13293d;color:#fff;padding:28px 40px 22px}
header.top h1{margin:0 0 6px;font-size:26px;font-weight:600}
header.top p{margin:2px 0;color:#c9d6e2;font-size:14px}
nav.toc{background:#fff;border-bottom:1px solid var(--line);padding:10px 40px;font-size:14px;position:sticky;top:0;z-index:5}
nav.toc a{color:var(--accent);text-decoration:none;margin-right:18px}
main{max-width:1180px;margin:0 auto;padding:10px 40px 40px}
section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:18px 24px;margin:22px 0}
section h2{margin:0 0 8px;font-size:21px}
section h3{margin:18px 0 6px;font-size:16px}
p.lead{color:var(--muted);margin-top:0}
p.unavailable{color:var(--muted);font-style:italic;margin:4px 0}
.summary{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));gap:12px;margin:18px 0 4px}
.summary .card{background:#fff;border:1px solid var(--line);border-left:5px solid var(--accent);border-radius:5px;padding:10px 14px}
.summary .v{font-size:26px;font-weight:700}
.summary .v.neg{color:var(--neg)} .summary .v.pos{color:var(--pos)}
.summary .l{font-size:13px;color:var(--muted)}
table.data{border-collapse:collapse;margin:8px 0 14px;font-size:13.5px;width:auto}
table.data caption{text-align:left;color:var(--muted);font-size:13px;padding-bottom:4px}
table.data th,table.data td{border-bottom:1px solid var(--line);padding:4px 10px}
table.data thead th{border-bottom:2px solid #9aa5b1;text-align:right;vertical-align:bottom;font-weight:600}
table.data thead th:first-child,table.data th[scope=row]{text-align:left}
table.data td.num{text-align:right;font-variant-numeric:tabular-nums}
table.data td.neg{color:var(--neg)}
table.data td.txt{text-align:left}
figure.chart{margin:14px 0;padding:0}
figure.chart figcaption{font-size:13px;color:var(--muted)}
.tw-plot{width:100%}
.note{font-size:13px;color:var(--muted)}
footer{max-width:1180px;margin:0 auto;padding:0 40px 40px;font-size:12.5px;color:var(--muted)}
@media print{nav.toc{display:none} section{break-inside:avoid}}
"""

_JS = """
window.TW = {
  config: %s,
  plot: function (id, fig) {
    var geo = false;
    (fig.data || []).forEach(function (t) { if (t.geojson === %s) { t.geojson = window.TW_GEO; geo = true; } });
    if (geo) {
      /* plotly.js fetches its base-map topojson for any trace with a locationmode, even with inline GeoJSON
         and every base layer off; an empty topology in its cache makes that fetch unnecessary. */
      var empty = {type: "Topology", arcs: [], objects: {}};
      ["land", "ocean", "lakes", "rivers", "countries", "coastlines", "subunits"].forEach(function (k) {
        empty.objects[k] = {type: "GeometryCollection", geometries: []};
      });
      window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};
      window.PlotlyGeoAssets.topojson = window.PlotlyGeoAssets.topojson || {};
      ["world_110m", "world_50m"].forEach(function (k) { window.PlotlyGeoAssets.topojson[k] = empty; });
    }
    Plotly.newPlot(id, fig.data, fig.layout, TW.config);
  }
};
"""


def render_page(*, title: str, subtitle: Sequence[str], summary_html: str, sections: Sequence[Section],
                footer_html: str, geojson: dict | None, lang: str = "en") -> str:
    """The full page in language ``lang`` (the ``<html lang>``). plotly.js comes from the installed ``plotly``
    package (``plotly.offline.get_plotlyjs``)."""
    from plotly.offline import get_plotlyjs

    js = get_plotlyjs()
    if "</script" in js.lower():  # pragma: no cover - would break the page
        js = js.replace("</script", "<\\/script")
    toc = "".join(f'<a href="#{esc(s.id)}">{esc(s.title)}</a>' for s in sections)
    parts = []
    for s in sections:
        body = s.body if s.body is not None else f'<p class="unavailable">{esc(s.missing)}</p>'
        parts.append(f'<section id="{esc(s.id)}"><h2>{esc(s.title)}</h2>{body}</section>')
    geo = f"<script>window.TW_GEO = {_script_json(geojson)};</script>" if geojson is not None else ""
    sub = "".join(f"<p>{line}</p>" for line in subtitle)
    return (
        f"<!DOCTYPE html>\n<html lang='{esc(lang)}'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)}</title><style>{_CSS}</style>"
        f"<script>{js}</script>"
        f"<script>{_JS % (_script_json(PLOTLY_CONFIG), json.dumps(GEO_PLACEHOLDER))}</script>{geo}"
        "</head><body>"
        f"<header class='top'><h1>{esc(title)}</h1>{sub}</header>"
        f"<nav class='toc'>{toc}</nav><main>{summary_html}{''.join(parts)}</main>"
        f"<footer>{footer_html}</footer></body></html>\n"
    )
