"""Offline world geometry for the report's maps: Natural Earth 1:110m country outlines.

``world_110m.geojson`` beside this module holds the Natural Earth "admin 0 countries" 1:110m outlines
(public domain; naturalearthdata.com), coordinates rounded to 2 decimals, Antarctica dropped, and
Natural Earth's ``-99`` ISO codes replaced (France FRA, Norway NOR, Kosovo XKX, N. Cyprus XNC,
Somaliland XSL). It was converted once from the copy of that layer shipped with the ``pyogrio``
package; the package reads only the GeoJSON. The geometry is embedded in the HTML page, so the map
never fetches anything: Plotly's ``locationmode="ISO-3"`` would download topojson from a CDN when the
page is opened.

Regions of a :class:`~tradewar.data.World` (``EU27``, ``ROW``) are drawn as their member countries:
:func:`region_of` maps every outline to the world code that contains it.
"""

from __future__ import annotations

import functools
import json
from importlib import resources

__all__ = ["GeometryUnavailable", "world_geojson", "region_of", "GEOMETRY_SOURCE"]

GEOMETRY_SOURCE = "Natural Earth 1:110m admin-0 outlines (public domain)"


class GeometryUnavailable(RuntimeError):
    """The map geometry cannot be read (the package data file is missing)."""


@functools.lru_cache(maxsize=1)
def world_geojson() -> dict:
    """Country outlines as a GeoJSON FeatureCollection; ``properties``: ``iso_a3``, ``name``.

    Examples
    --------
    >>> g = world_geojson()
    >>> g["type"], len(g["features"]) > 150, "JPN" in {f["properties"]["iso_a3"] for f in g["features"]}
    ('FeatureCollection', True, True)
    """
    try:
        text = resources.files("tradewar.report").joinpath("world_110m.geojson").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError) as e:  # pragma: no cover - a broken installation
        raise GeometryUnavailable(f"the world map outlines are missing from the installation ({e})") from None
    return json.loads(text)


def region_of(iso3: str, codes, members: dict[str, tuple[str, ...]] | None = None) -> str | None:
    """The code of ``codes`` that holds country ``iso3``: itself, a region it belongs to, or ``ROW``.

    ``members`` maps region codes to member ISO3 codes (default: ``EU27`` -> the 27 EU members).
    Returns None when the country is in no region and the world has no ``ROW``.

    >>> region_of("FRA", ("USA", "EU27", "ROW")), region_of("BRA", ("USA", "EU27", "ROW")), region_of("USA", ("USA",))
    ('EU27', 'ROW', 'USA')
    """
    from ..data import EU27_MEMBERS

    codes = tuple(codes)
    if iso3 in codes:
        return iso3
    members = {"EU27": tuple(EU27_MEMBERS), "EU": tuple(EU27_MEMBERS), **(members or {})}
    for region, mem in members.items():
        if region in codes and iso3 in mem:
            return region
    return "ROW" if "ROW" in codes else None
