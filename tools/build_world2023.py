"""Build the embedded one-sector world ``world2023``: CEPII BACI 2023 in 32 regions, gaps filled from OECD ICIO 2022.

Run from the repository root (not at install time)::

    python tools/build_world2023.py [--baci ../shared/data/baci2023] [--cube ../shared/data/tariffwar_cubes/ICIO2022.mat]

1. It sums the 194-country BACI aggregate (``--baci``; thousand USD) into the 32 regions of
   ``world2023`` (USD million): intra-EU27 and intra-ROW trade are dropped (they would be domestic
   sales); Taiwan is not among the 194 countries.
2. It sums the OECD ICIO 2022 goods flows (``Xjik_3D`` of the tariffwar cube, every sector but
   "Services (aggregate)"; USD million at basic prices) into the same regions, Taiwan in none.
3. A pair (exporter j, importer i) is a **gap** of the source when BACI shows nothing and ICIO
   shows a flow (the empty cells of the source, all among Korea, Vietnam, the Philippines,
   Argentina, Russia, Bangladesh, Israel and Saudi Arabia), or when ICIO shows more than
   :data:`MIN_ICIO`, BACI less than :data:`NEAR_EMPTY` of it, and at least :data:`MIN_OIL_SHARE` of
   the ICIO flow is crude oil, gas and refined petroleum (ICIO B05–B09 and C19): shipments of oil
   the aggregate misses. A pair that fell for a known reason (US exports to Russia under the
   sanctions of 2022) is not oil-dominated and is kept.
4. Each gap is filled with the ICIO value times ``s[j, i] = sqrt(r_exp[j] * r_imp[i])``, where
   ``r_exp[j]`` is BACI's total of j's exports over ICIO's over the same partners (every pair that
   is not a gap and involves no Hong Kong, whose re-exports BACI books under the country of origin
   and ICIO leaves out), and ``r_imp[i]`` the same for i's imports. The ratio carries the
   differences of year (2023 against 2022), valuation (BACI FOB, ICIO basic prices) and coverage
   of each region, so a filled pair sits on the scale of its neighbours in the matrix.

It writes ``src/tradewar/data/world2023/trade.csv`` (rounded to 0.1 USD million) and
``filled_pairs.csv`` (``exporter,importer,baci,icio2022_goods,scale,value``, USD million; the
provenance of every filled cell), and checks that ``gdp.csv`` and the US schedule of the package
agree with the BACI aggregate.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "tradewar" / "data" / "world2023"

#: Smallest ICIO 2022 goods flow (USD million) of a nearly empty pair that counts as a gap.
MIN_ICIO = 1000.0
#: A BACI flow below this share of the ICIO flow is nearly empty.
NEAR_EMPTY = 0.10
#: Share of crude oil, gas and refined petroleum in the ICIO flow that marks a nearly empty pair as a gap.
MIN_OIL_SHARE = 0.5
OIL = ("B05", "B06", "B07", "B08", "B09", "C19")
SERVICES = "Services (aggregate)"


def regions() -> tuple[str, ...]:
    """The 32 region codes of the shipped ``trade.csv``, in order."""
    return tuple(pd.read_csv(OUT / "trade.csv", nrows=0).columns[1:])


def region_of(code: str, order: tuple[str, ...]) -> str | None:
    from tradewar.data import EU27_MEMBERS

    if code == "TWN":
        return None
    if code in order:
        return code
    return "EU27" if code in EU27_MEMBERS else "ROW"


def baci_regions(folder: Path, order: tuple[str, ...]):
    """The BACI aggregate summed into ``order`` (a :class:`~tradewar.data.World`, USD million)."""
    from tradewar.data import EU27_MEMBERS, aggregate, load_world

    b = load_world(folder)
    named = [c for c in order if c not in ("EU27", "ROW")]
    mapping = {c: c for c in named} | {c: "EU27" for c in EU27_MEMBERS}
    return aggregate(b, mapping, rest="ROW", order=list(order), keep_domestic=False)


def icio_regions(cube: Path, order: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """ICIO 2022 goods flows ``[exporter, importer]`` in ``order`` (USD million, zero diagonal) and their oil part."""
    import h5py

    def text(f, ref):
        return "".join(chr(int(c)) for c in np.asarray(f[ref]).ravel())

    with h5py.File(cube, "r") as f:
        d = f["data"]
        codes = [text(f, r) for r in d["countries"][0]]
        sectors = [text(f, r) for r in d["sectors"][0]]
        X = np.asarray(d["Xjik_3D"][()], float).transpose(2, 1, 0)  # [exporter, importer, sector]
    goods = [k for k, s in enumerate(sectors) if s != SERVICES]
    oil = [k for k, s in enumerate(sectors) if s in OIL]
    if len(goods) != len(sectors) - 1 or len(oil) != len(OIL):
        raise SystemExit(f"{cube}: unexpected ICIO sectors {sectors}")
    M = np.zeros((len(codes), len(order)))
    for n, c in enumerate(codes):
        r = region_of(c, order)
        if r is not None:
            M[n, order.index(r)] = 1.0
    out = []
    for ks in (goods, oil):
        a = M.T @ X[:, :, ks].sum(axis=2) @ M
        np.fill_diagonal(a, 0.0)
        out.append(a)
    return out[0], out[1]


def fill(baci: np.ndarray, icio: np.ndarray, oil: np.ndarray, order: tuple[str, ...]) -> pd.DataFrame:
    """The gaps of ``baci`` and their filled values (see the module docstring), one row per pair."""
    n = len(order)
    off = ~np.eye(n, dtype=bool)
    big = off & (icio > MIN_ICIO)
    share = np.divide(oil, icio, out=np.zeros_like(icio), where=icio > 0)
    gap = off & (icio > 0) & ((baci <= 0) | (big & (baci < NEAR_EMPTY * icio) & (share >= MIN_OIL_SHARE)))
    ok = off & ~gap
    hkg = order.index("HKG")
    ok[hkg, :] = ok[:, hkg] = False
    with np.errstate(invalid="ignore"):  # Hong Kong has no pair in the ratios
        r_exp = np.where(ok, baci, 0).sum(1) / np.where(ok, icio, 0).sum(1)
        r_imp = np.where(ok, baci, 0).sum(0) / np.where(ok, icio, 0).sum(0)
    rows = []
    for j, i in np.argwhere(gap):
        s = float(np.sqrt(r_exp[j] * r_imp[i]))
        if not np.isfinite(s):
            raise SystemExit(f"no BACI/ICIO ratio for the gap {order[j]} -> {order[i]}")
        rows.append(
            {
                "exporter": order[j],
                "importer": order[i],
                "baci": round(float(baci[j, i]), 1),
                "icio2022_goods": round(float(icio[j, i]), 1),
                "scale": round(s, 6),
                "value": round(s * float(icio[j, i]), 1),
            }
        )
    return pd.DataFrame(rows).sort_values("value", ascending=False, ignore_index=True)


def build(baci_dir: Path, cube: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(trade, filled)``: the 32 x 32 matrix as written to ``trade.csv`` and the filled pairs."""
    order = regions()
    w = baci_regions(baci_dir, order)
    baci = np.round(np.asarray(w.trade, float), 1)
    np.fill_diagonal(baci, 0.0)
    icio, oil = icio_regions(cube, order)
    filled = fill(baci, icio, oil, order)
    x = baci.copy()
    for r in filled.itertuples():
        x[order.index(r.exporter), order.index(r.importer)] = r.value
    gdp = pd.read_csv(OUT / "gdp.csv").set_index("region").loc[list(order), "gdp_usd_million"].to_numpy()
    if not np.allclose(gdp, np.asarray(w.gdp), rtol=1e-6, atol=1.0):
        raise SystemExit(f"{OUT / 'gdp.csv'} no longer agrees with the GDP of {baci_dir}")
    trade = pd.DataFrame(x, index=pd.Index(order, name="exporter"), columns=list(order))
    return trade, filled


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    shared = ROOT.parent / "shared" / "data"
    ap.add_argument("--baci", type=Path, default=shared / "baci2023")
    ap.add_argument("--cube", type=Path, default=shared / "tariffwar_cubes" / "ICIO2022.mat")
    args = ap.parse_args()
    trade, filled = build(args.baci, args.cube)
    trade.to_csv(OUT / "trade.csv", float_format="%.1f")
    filled.to_csv(OUT / "filled_pairs.csv", index=False)
    print(f"wrote {OUT / 'trade.csv'} and {OUT / 'filled_pairs.csv'} ({len(filled)} filled pairs)")
    print(filled.to_string(index=False))


if __name__ == "__main__":
    main()
