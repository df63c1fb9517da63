"""Country reports: the 2025 tariff timeline, charts and one self-contained HTML page.

* :func:`timeline` -- dated presets solved in order, with a table of how each step moved a country;
* :func:`build_report` -- every section for a country, as a :class:`Report` (``.html``, ``.summary``,
  ``.figures``, ``.write(path)``);
* :mod:`tradewar.report.charts` -- the Plotly figures (offline map geometry, colour-blind-safe palette).
"""

from __future__ import annotations

from .build import PNGExportError, Report, SummaryNumber, build_report, summary_numbers
from .timeline import DEFAULT_TIMELINE, SECTORAL_TIMELINE, Timeline, country_metrics, timeline

__all__ = [
    "DEFAULT_TIMELINE",
    "SECTORAL_TIMELINE",
    "PNGExportError",
    "Report",
    "SummaryNumber",
    "Timeline",
    "build_report",
    "country_metrics",
    "summary_numbers",
    "timeline",
]
