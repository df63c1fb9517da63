"""The page's catalogue in one language: ``/assets/i18n-<lang>.json`` (read by ``static/i18n.js``).

``messages``: English text -> translation, every message of the gettext catalogue, plus the chart titles of
:mod:`tradewar.report.charts` that carry one metric (``{label}``), formatted for each metric, because the
server draws the charts in English and the page translates their text; ``names``: the English names of
the economies of the embedded worlds -> their names in the language (CLDR, see :mod:`tradewar._i18n`).
"""

from __future__ import annotations

import functools
import re

__all__ = ["page_catalogue"]


@functools.cache
def page_catalogue(lang: str) -> dict[str, dict[str, str]]:
    """``{"messages": {...}, "names": {...}}`` for ``lang`` (``ja`` or ``zh``)."""
    from .._i18n import translator
    from ..data import load_world
    from ..report.timeline import METRICS

    tr = translator(lang)
    messages = dict(tr.messages())
    for msgid, text in list(messages.items()):
        if re.findall(r"\{\w*\}", msgid) == ["{label}"]:
            for label, _unit in METRICS.values():
                messages.setdefault(msgid.format(label=label), text.format(label=tr.gettext(label)))
    names = {}
    for source in ("world2023", "world2022s"):
        w = load_world(source)
        for code, name in zip(w.codes, w.names, strict=True):
            names.setdefault(name, tr.country(code, name))
    return {"messages": messages, "names": names}
