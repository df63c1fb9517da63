"""The web app and HTTP API of ``tradewar serve``: a client of the library like the CLI.

:func:`create_app` builds the FastAPI application for a :class:`ServeConfig`; requests are scenarios
(:class:`tradewar.scenario.Scenario`), results the documents of :class:`tradewar.results.Result`, jobs and
results live in one SQLite store (:mod:`tradewar.web._store`), and the page at ``/`` is plain JavaScript
with plotly.js from the installed ``plotly`` package (no CDN, works offline).
"""

from .app import ServeConfig, create_app

__all__ = ["ServeConfig", "create_app"]
