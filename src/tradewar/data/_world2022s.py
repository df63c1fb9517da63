"""The embedded sectoral world ``world2022s``: 33 regions x 16 sectors, 2022 (OECD ICIO and IOT tables).

Trade flows by exporter, importer and sector including domestic sales (USD million, 2022) from the
OECD Inter-Country Input-Output tables, 2023 edition (CC BY 4.0), summed by
``tools/build_world2022s.py`` into the 32 regions of ``world2023`` plus Taiwan and 16 sectors
(motor vehicles, ISIC C29, on their own); the flows sum intermediate and final use.

The input-output structure comes from the OECD national Input-Output Tables of 2022 (2025 edition,
CC BY 4.0), aggregated by the same script: ``va_share.csv`` (value added over gross output at basic
prices, by region and sector) and ``io_shares.csv`` (the share of each input sector in a sector's
intermediate spending), so the Caliendo-Parro model runs with intermediate inputs (input-output
links) unless ``intermediates = false``. No baseline tariffs are shipped (every tariff of a
scenario is the measure itself; add a baseline with a scenario's tariff layers). Trade elasticities
by sector: eight published sets (``elasticities.csv``), Caliendo & Parro (2015) by default.
"""

from __future__ import annotations

from importlib import resources

from .._exceptions import DataError, where
from ._tables import read_table, require_columns
from ._world import World

__all__ = ["WORLD2022S_IOT_ATTRIBUTION", "WORLD2022S_SETS", "WORLD2022S_SOURCE", "read_world2022s"]

WORLD2022S_SETS = {
    "CP": "Caliendo & Parro (2015), Review of Economic Studies 82(1)",
    "FGO": "Fontagne, Guimbard & Orefice (2022), Journal of International Economics 137",
    "BSY": "Bagwell, Staiger & Yurukoglu (2021), Econometrica 89(4)",
    "GYY": "Giri, Yi & Yilmazkuday (2021), Journal of International Economics 128",
    "Shap": "Shapiro (2016), American Economic Journal: Economic Policy 8(4)",
    "LL": "Lashkaripour & Lugovskyy (2023), American Economic Review 113(10)",
    "IS": "Lashkaripour (2021), Journal of International Economics 131 (in-sample estimates)",
    "U4": "uniform trade elasticity of 4",
}
#: Credit for the value-added and input-output shares (CC BY 4.0), shown wherever they are used.
WORLD2022S_IOT_ATTRIBUTION = "OECD (2025), Input-Output Tables, 2025 edition, http://oe.cd/icio; aggregated by tradewar"
WORLD2022S_SOURCE = (
    "OECD Inter-Country Input-Output tables, 2023 edition (CC BY 4.0): 2022 flows incl. domestic sales, "
    "aggregated by tradewar to 33 regions x 16 sectors; value-added and input-output shares: "
    f"{WORLD2022S_IOT_ATTRIBUTION} (CC BY 4.0); no baseline tariffs (zero)"
)


def read_world2022s(elasticities: str = "CP") -> World:
    """The embedded ``world2022s`` (``load_world("world2022s", elasticities="FGO")`` picks another set).

    Returns a World ``[exporter, importer, sector]`` (33, 33, 16) in USD million with domestic sales
    on the diagonal, zero baseline tariffs, ``gdp`` = value added (``va_share`` times gross output),
    ``extras``: ``theta`` (the chosen set), ``theta_<SET>`` for each set of :data:`WORLD2022S_SETS`,
    ``va_share`` (N, S) value-added share of gross output and ``io_shares`` (N, S_in, S_out) share of
    input sector ``k`` in the intermediate spending of sector ``j`` (sums to one over ``k``);
    schedule ``us_2025_04_02`` as in ``world2023`` (plus Taiwan, 32%).

    >>> w = read_world2022s()
    >>> w.n, w.n_sectors, w.codes[-2:], w.sectors[12]
    (33, 16, ('TWN', 'ROW'), 'Motor vehicles')
    >>> round(1 - float(w.extras["va_share"][w.index("JPN"), 12]), 3)  # Japan's cars: inputs / output
    0.735
    """
    from ._sectoral import read_sectoral_long

    want = {k.lower(): k for k in WORLD2022S_SETS}.get(str(elasticities).lower())
    if want is None:
        raise DataError(
            f"{where('world2022s', 'elasticities')}unknown elasticity set {elasticities!r}; choose from "
            f"{', '.join(WORLD2022S_SETS)}"
        )
    folder = resources.files("tradewar.data").joinpath("world2022s")
    with resources.as_file(folder.joinpath("flows.csv")) as flows_path, \
            resources.as_file(folder.joinpath("elasticities.csv")) as el_path, \
            resources.as_file(folder.joinpath("us_tariff_2025_04_02.csv")) as sched_path, \
            resources.as_file(folder.joinpath("va_share.csv")) as va_path, \
            resources.as_file(folder.joinpath("io_shares.csv")) as io_path:
        el = read_table(el_path)
        require_columns(el, ["sector", *WORLD2022S_SETS], "world2022s/elasticities.csv")
        base = read_sectoral_long(flows_path, theta=1.0, source=WORLD2022S_SOURCE,
                                  country_sector_path=va_path, io_path=io_path)
        sched = read_table(sched_path)
    pos = {s: k for k, s in enumerate(el["sector"].astype(str))}
    missing = [s for s in base.sectors if s not in pos]
    if missing:
        raise DataError(f"{where('world2022s/elasticities.csv', 'sector')}no row for {missing[0]!r}")
    order = [pos[s] for s in base.sectors]
    sets = {k: el[k].to_numpy(dtype=float)[order] for k in WORLD2022S_SETS}
    extras = {**base.extras, "theta": sets[want], **{f"theta_{k}": v for k, v in sets.items()}}
    require_columns(sched, ["region", "us_tariff"], "world2022s/us_tariff_2025_04_02.csv")
    if list(sched["region"]) != list(base.codes):
        raise DataError(f"{where('world2022s/us_tariff_2025_04_02.csv', 'region')}regions differ from flows.csv")
    us = {"us_2025_04_02": sched["us_tariff"].to_numpy(dtype=float)}
    return base.replace(extras=extras, schedules=us, source=f"{WORLD2022S_SOURCE}; elasticities {want}: {WORLD2022S_SETS[want]}")

