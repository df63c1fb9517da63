"""MkDocs hooks of the documentation site (``hooks:`` in ``mkdocs.yml``).

Docstrings cross-reference with Sphinx roles (``:func:`solve_model```), which Markdown renders as the
role's name followed by code; the page shows the code alone.
"""

from __future__ import annotations

import re

_ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|exc|obj):(<code>)~?")


def on_page_content(html: str, **_kw) -> str:
    return _ROLE.sub(r"\1", html)
