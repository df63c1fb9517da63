"""One-sector rates of a sectoral preset: each partner's tariff averaged over the goods sectors.

The one-sector presets on ``world2023`` write every 2025 measure as one effective rate per partner:
the rate of the sectoral twin on ``world2022s`` in each goods sector, weighted by the partner's 2022
exports of that sector to the importer (OECD ICIO flows; services carry no tariff and no weight).
Taiwan, a region of ``world2022s`` only, is folded into ``ROW`` as in ``world2023``.

    python tools/one_sector_rates.py 2025-05-12-geneva-truce-sectoral --importer USA

prints the rates (fractions, rounded to 0.1 percentage point; zeros left out) as the ``rates`` of a TOML layer.
"""

from __future__ import annotations

import argparse

import numpy as np

from tradewar.data import load_world
from tradewar.policy import apply_layers
from tradewar.scenario import _layer, load_scenario

#: world2022s regions that world2023 counts in another region.
FOLD = {"TWN": "ROW"}


def effective_rates(world, t, importer: str) -> dict[str, float]:
    """Goods-trade-weighted tariff of ``importer`` on each partner (fraction), ``t[exporter, importer, sector]``."""
    i = world.index(importer)
    goods = [k for k, s in enumerate(world.sectors) if s != "Services"]
    flows, taxed = {}, {}
    for j, code in enumerate(world.codes):
        if j == i:
            continue
        c = FOLD.get(code, code)
        w = np.asarray(world.trade[j, i, goods], float)
        flows[c] = flows.get(c, 0.0) + w.sum()
        taxed[c] = taxed.get(c, 0.0) + float(w @ np.asarray(t[j, i, goods], float))
    return {c: taxed[c] / flows[c] for c in flows if flows[c] > 0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("preset", help="a sectoral preset on world2022s")
    ap.add_argument("--importer", default="USA")
    a = ap.parse_args()
    s = load_scenario(a.preset)
    world = load_world(s.data.source)
    t = apply_layers(world, [_layer(ly) for ly in s.tariffs if not ly.export_tax])
    rates = effective_rates(world, t, a.importer)
    print("rates = { " + ", ".join(f"{c} = {round(r, 3):g}" for c, r in rates.items() if round(r, 3)) + " }")


if __name__ == "__main__":
    main()
