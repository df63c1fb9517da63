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

From the OECD national input-output tables of 2022 (``--iot``, default
``../shared/data/oecd_iot2022``: ``{ISO3}2022ttl.csv``, 2025 edition, 80 economies x 50 industries,
USD million) it derives the input-output structure of the same 33 regions and 16 sectors (the 50
industries grouped as ``SECTORS``, every service industry into ``Services``; EU27 and ROW summed
over their members' tables, ROW being every economy of the folder that is not a region) and writes

* ``va_share.csv`` (``country,sector,va_share``): ``1 - sum_k Z_kj / Y_j``, one minus the
  intermediate inputs at basic prices (the ``TTL_*`` rows ``Z``, domestic and imported together)
  over gross output ``Y_j`` (``OUTPUT``); net product taxes on intermediates (``TXS_INT_FNL``) and
  the unallocated imports ``IMP_OTHER`` are not goods of any sector and stay in the value-added
  share, so inputs are valued at basic prices like the flows;
* ``io_shares.csv`` (``country,input_sector,output_sector,share``): ``Z_kj / sum_k Z_kj``, the share
  of input sector ``k`` in the intermediate spending of sector ``j`` (columns sum to one).

A region and sector without output in the tables (Chile's motor vehicles) or with a value-added
share that is not positive takes the coefficients of the world (all 80 tables summed). Shares are
rounded to 6 decimals; input shares that round to zero are left out.
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


def iot_sector(industry: str) -> str:
    """The sector of ``SECTORS`` an OECD IOT industry belongs to (services industries: ``Services``)."""
    for name, members in SECTORS:
        if industry in members:
            return name
    return "Services"


def read_iot(path: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """One national table: intermediate use ``Z`` (input industry x output industry) and gross output."""
    d = pd.read_csv(path, index_col=0)
    rows = [r[4:] for r in d.index if str(r).startswith("TTL_") and r != "TTL_INT_FNL"]
    cols = list(d.columns[: len(rows)])
    if rows != cols or "OUTPUT" not in d.index:
        raise SystemExit(f"{path}: not an OECD IOT 'ttl' table (TTL_ rows must match the industry columns)")
    Z = d.loc[[f"TTL_{c}" for c in cols], cols].to_numpy(float)
    return Z, d.loc["OUTPUT", cols].to_numpy(float), cols


def build_io(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Value-added and intermediate cost shares of the 33 regions x 16 sectors (module docstring).

    Returns ``va_share`` (country, sector, va_share), ``io_shares`` (country, input_sector,
    output_sector, share) and one line per fallback used.
    """
    files = sorted(folder.glob("*2022ttl.csv"))
    codes = [f.name[:3] for f in files]
    missing = [c for c in SINGLE + EU27 if c not in codes]
    if missing:
        raise SystemExit(f"{folder}: no input-output table for {', '.join(missing)}")
    names = [s for s, _ in SECTORS]
    S, N = len(names), len(ORDER)
    Z = np.zeros((N, S, S))
    Y = np.zeros((N, S))
    G = None
    for f, code in zip(files, codes, strict=True):
        z, y, inds = read_iot(f)
        if G is None:
            G = np.zeros((len(inds), S))
            G[np.arange(len(inds)), [names.index(iot_sector(i)) for i in inds]] = 1.0
        r = ORDER.index(region_of(code))
        Z[r] += G.T @ z @ G
        Y[r] += y @ G
    inter = Z.sum(axis=1)  # intermediate inputs of each output sector (N, S)
    zw, yw = Z.sum(axis=0), Y.sum(axis=0)
    va_w, io_w = 1.0 - zw.sum(axis=0) / yw, zw / zw.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        va = 1.0 - inter / Y
        io = Z / inter[:, None, :]
    notes = []
    for r, j in zip(*np.nonzero(~((Y > 0) & (inter > 0) & (va > 0) & (va <= 1))), strict=True):
        why = "no output in the tables" if Y[r, j] <= 0 else f"value-added share {va[r, j]:.3f}"
        notes.append(f"{ORDER[r]} {names[j]}: {why}; world coefficients used")
        va[r, j], io[r, :, j] = va_w[j], io_w[:, j]
    va_df = pd.DataFrame({
        "country": np.repeat(ORDER, S), "sector": np.tile(names, N), "va_share": np.round(va.ravel(), 6),
    })
    n, k, j = np.meshgrid(np.arange(N), np.arange(S), np.arange(S), indexing="ij")
    io_df = pd.DataFrame({
        "country": np.array(ORDER)[n.ravel()],
        "input_sector": np.array(names)[k.ravel()],
        "output_sector": np.array(names)[j.ravel()],
        "share": np.round(io.ravel(), 6),
    })
    return va_df, io_df[io_df["share"] > 0], notes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cube", type=Path, default=ROOT.parent / "shared" / "data" / "tariffwar_cubes" / "ICIO2022.mat")
    ap.add_argument("--iot", type=Path, default=ROOT.parent / "shared" / "data" / "oecd_iot2022")
    args = ap.parse_args()
    flows, el = build(args.cube)
    va, io, notes = build_io(args.iot)
    OUT.mkdir(parents=True, exist_ok=True)
    flows.to_csv(OUT / "flows.csv", index=False, float_format="%.1f")
    el.to_csv(OUT / "elasticities.csv", index=False)
    sched = pd.read_csv(ROOT / "src" / "tradewar" / "data" / "world2023" / "us_tariff_2025_04_02.csv")
    sched = pd.concat([sched, pd.DataFrame({"region": ["TWN"], "us_tariff": [0.32]})]).set_index("region")
    sched.loc[list(ORDER)].reset_index().to_csv(OUT / "us_tariff_2025_04_02.csv", index=False)
    va.to_csv(OUT / "va_share.csv", index=False, float_format="%.6f")
    io.to_csv(OUT / "io_shares.csv", index=False, float_format="%.6f")
    print(f"wrote {OUT / 'flows.csv'} ({len(flows)} rows), {OUT / 'elasticities.csv'}, "
          f"{OUT / 'va_share.csv'} and {OUT / 'io_shares.csv'} ({len(io)} rows)")
    for line in notes:
        print(f"fallback: {line}")


if __name__ == "__main__":
    main()
