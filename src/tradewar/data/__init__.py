"""World data: the :class:`World` value, readers and aggregation.

* :func:`load_world` -- the one entry point (embedded ``"world2023"``, a data folder or a long table);
* :func:`read_long`, :func:`read_baci_folder`, :func:`read_wide`, :func:`read_embedded` -- the readers;
* :func:`write_long` -- the long tables that :func:`read_long` reads;
* :func:`aggregate` -- countries into regions (flows and GDP summed, tariffs trade-weighted).

Matrices are ``[exporter, importer]`` (``[exporter, importer, sector]`` with sectors), money in USD million.
"""

from __future__ import annotations

from ._aggregate import SCHEDULE_OWNERS, aggregate
from ._readers import (
    US_SCHEDULE,
    load_world,
    read_baci_folder,
    read_embedded,
    read_long,
    read_wide,
    write_long,
)
from ._tables import REGION_CODES
from ._world import EU27_MEMBERS, World, country_names

__all__ = [
    "EU27_MEMBERS",
    "REGION_CODES",
    "SCHEDULE_OWNERS",
    "US_SCHEDULE",
    "World",
    "aggregate",
    "country_names",
    "load_world",
    "read_baci_folder",
    "read_embedded",
    "read_long",
    "read_wide",
    "write_long",
]
