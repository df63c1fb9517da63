"""What the sections of the country report share: the :class:`Context` they read and draw into, and
:class:`Unavailable`, the one-line message a section shows when its inputs are missing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .html import figure_html
from .timeline import Timeline

__all__ = ["Unavailable", "Context"]


class Unavailable(Exception):
    """A section's inputs are missing; the message is the one line the report shows instead."""


@dataclass
class Context:
    """What the sections share: the country, the solved timeline, options, and the figures drawn so far."""

    country: str
    timeline: Timeline
    data: str | None = None
    sectoral_data: str | None = None
    options: Any = None
    progress: Callable[[str], None] | None = None
    figures: dict[str, Any] = field(default_factory=dict)
    uses_geometry: bool = False
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def world(self):
        return self.timeline[0].world

    def say(self, msg: str) -> None:
        if self.progress is not None:
            self.progress(msg)

    def figure(self, name: str, fig, caption: str = "") -> str:
        if fig is None:
            return ""
        self.figures[name] = fig
        return figure_html(fig, f"fig-{name}", caption)
