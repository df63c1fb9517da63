"""Offline world geometry for the report's maps: Natural Earth 1:110m country outlines.

The outlines come from the Natural Earth "admin 0 countries" 1:110m layer (public domain) as shipped
inside the ``pyogrio`` wheel (``pyogrio/tests/fixtures/naturalearth_lowres``). They are read once with
pyogrio's bundled GDAL, converted to GeoJSON (coordinates rounded to ``precision`` decimals) and embedded
in the HTML page, so the map never fetches anything: Plotly's ``locationmode="ISO-3"`` would download
topojson from a CDN when the page is opened.

Regions of a :class:`~tradewar.data.World` (``EU27``, ``ROW``) are drawn as their member countries:
:func:`region_of` maps every outline to the world code that contains it.
"""

from __future__ import annotations

import functools
import struct
from pathlib import Path

__all__ = ["GeometryUnavailable", "world_geojson", "region_of", "GEOMETRY_SOURCE"]

GEOMETRY_SOURCE = "Natural Earth 1:110m admin-0 outlines (public domain), from the pyogrio package"

#: Natural Earth writes -99 for some ISO codes; these are the codes used instead.
_ISO_FIX = {"France": "FRA", "Norway": "NOR", "Kosovo": "XKX", "N. Cyprus": "XNC", "Somaliland": "XSL"}
_DROP = {"ATA"}  # Antarctica: no economy, and it eats a fifth of the map


class GeometryUnavailable(RuntimeError):
    """The map geometry cannot be read (pyogrio missing or shipped without its Natural Earth data)."""


def _shapefile() -> Path:
    try:
        import pyogrio
    except ImportError:  # pragma: no cover - depends on the environment
        raise GeometryUnavailable("the world map needs the package 'pyogrio' (pip install pyogrio)") from None
    p = Path(pyogrio.__file__).parent / "tests" / "fixtures" / "naturalearth_lowres" / "naturalearth_lowres.shp"
    if not p.is_file():  # pragma: no cover
        raise GeometryUnavailable(f"this pyogrio ({pyogrio.__version__}) ships no Natural Earth outlines")
    return p


def _ring(buf: bytes, off: int, end: str, precision: int) -> tuple[list, int]:
    (n,) = struct.unpack_from(end + "I", buf, off)
    off += 4
    xy = struct.unpack_from(end + f"{2 * n}d", buf, off)
    off += 16 * n
    pts = [[round(xy[2 * k], precision), round(xy[2 * k + 1], precision)] for k in range(n)]
    out = [pts[0]]
    for p in pts[1:]:  # drop points that rounding made identical
        if p != out[-1]:
            out.append(p)
    if out[-1] != out[0]:
        out.append(out[0])
    return out, off


def _wkb_to_geojson(buf: bytes, precision: int) -> dict:
    """Polygon or MultiPolygon WKB (2-D) to a GeoJSON geometry."""

    def polygon(off: int) -> tuple[list, int]:
        end = "<" if buf[off] == 1 else ">"
        (kind,) = struct.unpack_from(end + "I", buf, off + 1)
        if kind != 3:
            raise GeometryUnavailable(f"unexpected WKB geometry type {kind} in the Natural Earth outlines")
        (nr,) = struct.unpack_from(end + "I", buf, off + 5)
        off += 9
        rings = []
        for _ in range(nr):
            r, off = _ring(buf, off, end, precision)
            if len(r) >= 4:
                rings.append(r)
        return rings, off

    end = "<" if buf[0] == 1 else ">"
    (kind,) = struct.unpack_from(end + "I", buf, 1)
    if kind == 3:
        rings, _ = polygon(0)
        return {"type": "Polygon", "coordinates": rings}
    if kind == 6:
        (n,) = struct.unpack_from(end + "I", buf, 5)
        off, polys = 9, []
        for _ in range(n):
            rings, off = polygon(off)
            if rings:
                polys.append(rings)
        return {"type": "MultiPolygon", "coordinates": polys}
    raise GeometryUnavailable(f"unexpected WKB geometry type {kind} in the Natural Earth outlines")


@functools.lru_cache(maxsize=4)
def world_geojson(precision: int = 2) -> dict:
    """Country outlines as a GeoJSON FeatureCollection; ``properties``: ``iso_a3``, ``name``.

    Examples
    --------
    >>> g = world_geojson()
    >>> g["type"], len(g["features"]) > 150, "JPN" in {f["properties"]["iso_a3"] for f in g["features"]}
    ('FeatureCollection', True, True)
    """
    path = _shapefile()
    from pyogrio.raw import read

    meta, _fids, geoms, fields = read(str(path), columns=["name", "iso_a3"])
    cols = list(meta["fields"])
    names, isos = fields[cols.index("name")], fields[cols.index("iso_a3")]
    feats = []
    for name, iso, g in zip(names, isos, geoms, strict=True):
        code = _ISO_FIX.get(str(name), str(iso))
        if code in _DROP or g is None:
            continue
        feats.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {"iso_a3": code, "name": str(name)},
                "geometry": _wkb_to_geojson(bytes(g), precision),
            }
        )
    return {"type": "FeatureCollection", "features": feats}


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
