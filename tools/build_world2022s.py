"""Build the embedded sectoral world ``world2022s`` from the OECD ICIO 2022 cube of the tariffwar package.

Run from the repository root (not at install time)::

    python tools/build_world2022s.py [--cube ../shared/data/tariffwar_cubes/ICIO2022.mat]

It reads the 81-economy x 28-sector flows (``Xjik_3D``; OECD Inter-Country Input-Output tables,
2023 edition), sums them into the 32 regions of ``world2023`` plus Taiwan (33 regions; intra-EU27
and intra-ROW trade become domestic sales) and into 16 sectors that keep motor vehicles (ISIC C29)
apart, and writes ``src/tradewar/data/world2022s/flows.csv`` (``exporter,importer,sector,value``,
USD million, rounded to 0.1) and ``elasticities.csv`` (trade elasticity by sector for the eight sets
of the cube, each the average over the ICIO sectors of the group weighted by their international
trade). The cube's tariffs are never read: the shipped data carry no baseline tariffs.

It also writes ``us_tariff_2025_04_02.csv``, the additional US tariff announced on 2 April 2025 on
each region: the values of ``world2023`` (USTR, public information) and Taiwan's announced 32%.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "tradewar" / "data" / "world2022s"

SINGLE = ("USA", "CHN", "JPN", "GBR", "CAN", "MEX", "KOR", "IND", "VNM", "THA", "MYS", "IDN", "PHL", "SGP", "AUS",
          "NZL", "BRA", "ARG", "CHL", "RUS", "TUR", "SAU", "ARE", "ISR", "ZAF", "CHE", "NOR", "HKG", "KHM", "BGD",
          "TWN")  # fmt: skip
EU27 = ("AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "IRL", "ITA",
        "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE")  # fmt: skip
ORDER = ("USA", "CHN", "JPN", "EU27", "GBR", "CAN", "MEX", "KOR", "IND", "VNM", "THA", "MYS", "IDN", "PHL", "SGP",
         "AUS", "NZL", "BRA", "ARG", "CHL", "RUS", "TUR", "SAU", "ARE", "ISR", "ZAF", "CHE", "NOR", "HKG", "KHM",
         "BGD", "TWN", "ROW")  # fmt: skip

SECTORS = (
    ("Agriculture", ("A01", "A02", "A03")),
    ("Mining and energy", ("B05", "B06", "B07", "B08", "B09", "C19")),
    ("Food", ("C10T12",)),
    ("Textiles and apparel", ("C13T15",)),
    ("Wood and paper", ("C16", "C17_18")),
    ("Chemicals and pharmaceuticals", ("C20", "C21")),
    ("Rubber, plastics and minerals", ("C22", "C23")),
    ("Basic metals", ("C24A", "C24B")),
    ("Metal products", ("C25",)),
    ("Electronics", ("C26",)),
    ("Electrical equipment", ("C27",)),
    ("Machinery", ("C28",)),
    ("Motor vehicles", ("C29",)),
    ("Other transport equipment", ("C301", "C302T309")),
    ("Other manufacturing", ("C31T33",)),
    ("Services", ("Services (aggregate)",)),
)
SETS = ("CP", "FGO", "BSY", "GYY", "Shap", "LL", "IS", "U4")


def region_of(code: str) -> str:
    if code in SINGLE:
        return code
    return "EU27" if code in EU27 else "ROW"


def build(cube: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    import h5py

    def text(f, ref):
        return "".join(chr(int(c)) for c in np.asarray(f[ref]).ravel())

    with h5py.File(cube, "r") as f:
        d = f["data"]
        codes = [text(f, r) for r in d["countries"][0]]
        sectors = [text(f, r) for r in d["sectors"][0]]
        X = np.asarray(d["Xjik_3D"][()], float).transpose(2, 1, 0)  # [exporter, importer, sector]
        eps = {k: np.asarray(d["sigma"][k]["epsilon_S"][()], float).ravel() for k in SETS}
    missing = [c for c in SINGLE + EU27 if c not in codes]
    if missing:
        raise SystemExit(f"{cube}: economies missing from the cube: {', '.join(missing)}")
    M = np.zeros((len(codes), len(ORDER)))
    M[np.arange(len(codes)), [ORDER.index(region_of(c)) for c in codes]] = 1.0
    G = np.zeros((len(sectors), len(SECTORS)))
    for g, (_, members) in enumerate(SECTORS):
        for s in members:
            G[sectors.index(s), g] = 1.0
    if not np.all(G.sum(axis=1) == 1.0):
        raise SystemExit("every ICIO sector must belong to exactly one group")
    agg = np.einsum("jik,jr,iq,kg->rqg", X, M, M, G, optimize=True)
    idx = np.arange(len(codes))
    intl = X.sum(axis=(0, 1)) - X[idx, idx, :].sum(axis=0)  # international trade by ICIO sector
    rows = []
    for g, (name, members) in enumerate(SECTORS):
        w = intl * G[:, g]
        row = {"sector": name, "icio_sectors": " ".join(members)}
        for k in SETS:
            row[k] = round(float((w * eps[k]).sum() / w.sum()), 4)
        rows.append(row)
    r, q, g = np.meshgrid(np.arange(len(ORDER)), np.arange(len(ORDER)), np.arange(len(SECTORS)), indexing="ij")
    flows = pd.DataFrame({
        "exporter": np.array(ORDER)[r.ravel()],
        "importer": np.array(ORDER)[q.ravel()],
        "sector": np.array([s for s, _ in SECTORS])[g.ravel()],
        "value": np.round(agg.ravel(), 1),
    })
    return flows[flows["value"] > 0], pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cube", type=Path, default=ROOT.parent / "shared" / "data" / "tariffwar_cubes" / "ICIO2022.mat")
    args = ap.parse_args()
    flows, el = build(args.cube)
    OUT.mkdir(parents=True, exist_ok=True)
    flows.to_csv(OUT / "flows.csv", index=False, float_format="%.1f")
    el.to_csv(OUT / "elasticities.csv", index=False)
    sched = pd.read_csv(ROOT / "src" / "tradewar" / "data" / "world2023" / "us_tariff_2025_04_02.csv")
    sched = pd.concat([sched, pd.DataFrame({"region": ["TWN"], "us_tariff": [0.32]})]).set_index("region")
    sched.loc[list(ORDER)].reset_index().to_csv(OUT / "us_tariff_2025_04_02.csv", index=False)
    print(f"wrote {OUT / 'flows.csv'} ({len(flows)} rows) and {OUT / 'elasticities.csv'}")


if __name__ == "__main__":
    main()
