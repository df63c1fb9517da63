"""The page of ``tradewar serve``: ``/`` and its assets, all served by the app itself (no CDN).

The page is plain HTML and JavaScript in ``static/``; Plotly's script, the page's Japanese and Chinese
texts (from the gettext catalogue) and the world's outlines are built on first use and kept in memory.
"""

from __future__ import annotations

import json
import threading
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from ._errors import NotFound

__all__ = ["ASSETS", "Assets", "page_router"]

#: The files ``/assets/{name}`` serves; any other name is 404.
ASSETS = ("app.js", "app.css", "plotly.js", "world.geojson", "i18n.js", "i18n-ja.json", "i18n-zh.json")

#: The page runs only its own scripts; Plotly needs ``eval`` and inline styles, its images are data URLs.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:")


def _static(name: str) -> bytes:
    return resources.files("tradewar.web").joinpath("static", name).read_bytes()


class Assets:
    """The page's files as ``(bytes, media type)``, each built once and shared by every request."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[bytes, str]] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> tuple[bytes, str]:
        with self._lock:
            if name not in self._cache:
                self._cache[name] = self._build(name)
            return self._cache[name]

    @staticmethod
    def _build(name: str) -> tuple[bytes, str]:
        if name == "plotly.js":
            from plotly.offline import get_plotlyjs

            return get_plotlyjs().encode(), "text/javascript"
        if name in ("i18n-ja.json", "i18n-zh.json"):  # the page's texts from the gettext catalogue
            from ._page_i18n import page_catalogue

            doc = page_catalogue(name[5:7])
            return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode(), "application/json"
        if name == "world.geojson":
            from ..report._geo import world_geojson

            return json.dumps(world_geojson(), separators=(",", ":")).encode(), "application/json"
        kind = {"js": "text/javascript", "css": "text/css", "html": "text/html"}[name.rsplit(".", 1)[1]]
        return _static(name), kind


def page_router() -> APIRouter:
    """The routes of the page: ``/``, ``/assets/{name}`` and an empty ``/favicon.ico``; none in the API schema."""
    router = APIRouter(include_in_schema=False)
    assets = Assets()

    @router.get("/", response_class=HTMLResponse)
    def page():
        body, _ = assets.get("index.html")
        return HTMLResponse(body, headers={"Content-Security-Policy": CSP})

    @router.get("/favicon.ico")
    def favicon():
        return Response(status_code=204)

    @router.get("/assets/{name}")
    def asset(name: str):
        if name not in ASSETS:
            raise NotFound(f"no asset '{name}'")
        body, kind = assets.get(name)
        return Response(body, media_type=kind, headers={"Cache-Control": "max-age=3600"})

    return router
