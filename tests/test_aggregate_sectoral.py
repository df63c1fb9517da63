"""Country aggregation of sectoral worlds whose ``extras`` carry model inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tradewar._exceptions import DataError
from tradewar.data import EU27_MEMBERS, World, aggregate

ADB_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "adbmrio44x19_2017_2023"
CODES = ("AAA", "BBB", "CCC", "DDD", "EEE")


def sectoral_world(seed: int = 0, n: int = 5, s: int = 3) -> World:
    """A random sectoral world with every known extras key of the readers."""
    rng = np.random.default_rng(seed)
    trade = rng.uniform(0.5, 3.0, (n, n, s))
    trade[np.arange(n), np.arange(n)] *= rng.uniform(3, 8, (n, s))
    tariffs = rng.uniform(0.0, 0.15, (n, n, s))
    tariffs[np.arange(n), np.arange(n)] = 0.0
    io = rng.uniform(0.0, 1.0, (n, s, s))
    alpha = rng.uniform(0.1, 1.0, (n, s))
    va = rng.uniform(0.3, 0.8, (n, s))
    go = trade.sum(axis=1)
    extras = {
        "theta": rng.uniform(2.0, 9.0, s),
        "va_share": va,
        "io_shares": io / io.sum(axis=1, keepdims=True),
        "alpha": alpha / alpha.sum(axis=1, keepdims=True),
        "tariffs2005": tariffs * rng.uniform(0.0, 1.0, (n, n, s)),
        "gross_output": go,
    }
    return World(
        codes=CODES[:n],
        trade=trade,
        gdp=(va * go).sum(axis=1),
        tariffs=tariffs,
        extras=extras,
        sectors=tuple(f"s{k}" for k in range(s)),
    )


def totals(w: World) -> dict[str, np.ndarray]:
    """World totals by sector that aggregation must preserve."""
    x, t, ex = np.asarray(w.trade), np.asarray(w.tariffs), w.extras
    y = x.sum(axis=1)
    va = np.asarray(ex["va_share"])
    income = (va * y).sum(axis=1) + (x * t).sum(axis=(0, 2)) + x.sum(axis=(0, 2)) - x.sum(axis=(1, 2))
    out = {
        "trade": x.sum(axis=(0, 1)),
        "gdp": np.array([w.gdp.sum()]),
        "value_added": (va * y).sum(axis=0),
        "revenue": (x * t).sum(axis=(0, 1)),
        "intermediate": np.einsum("nkj,nj->k", np.asarray(ex["io_shares"]), y * (1 - va)),
    }
    if "alpha" in ex:
        out["final"] = np.asarray(ex["alpha"]).T @ income
        out["revenue2005"] = (x * np.asarray(ex["tariffs2005"])).sum(axis=(0, 1))
        out["gross_output"] = np.asarray(ex["gross_output"]).sum(axis=0)
    return out


def test_identity_mapping_returns_the_same_world():
    w = sectoral_world(1)
    r = aggregate(w, {c: c for c in w.codes})
    assert r.codes == w.codes and r.sectors == w.sectors and set(r.extras) == set(w.extras)
    np.testing.assert_allclose(r.trade, w.trade, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.tariffs, w.tariffs, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.gdp, w.gdp, rtol=0, atol=1e-12)
    for k, v in w.extras.items():
        np.testing.assert_allclose(r.extras[k], v, rtol=0, atol=1e-12, err_msg=k)


def test_two_identical_countries_keep_shares_and_double_levels():
    base = sectoral_world(2, n=2)
    # AAA and BBB are copies of base's first country, CCC of its second (symmetric between AAA and BBB)
    idx = np.array([0, 0, 1])
    x = np.asarray(base.trade)[idx][:, idx].copy()
    x[0, 1] = x[1, 0] = 0.5 * x[0, 0]  # AAA <-> BBB trade
    t = np.asarray(base.tariffs)[idx][:, idx].copy()
    t[0, 1] = t[1, 0] = 0.02
    ex = {k: np.asarray(v) for k, v in base.extras.items()}
    extras = {
        "theta": ex["theta"],
        "va_share": ex["va_share"][idx],
        "io_shares": ex["io_shares"][idx],
        "alpha": ex["alpha"][idx],
        "tariffs2005": ex["tariffs2005"][idx][:, idx],
        "gross_output": x.sum(axis=1),
    }
    w = World(codes=("AAA", "BBB", "CCC"), trade=x, gdp=base.gdp[idx], tariffs=t, extras=extras, sectors=base.sectors)
    r = aggregate(w, {"AAA": "AB", "BBB": "AB", "CCC": "CCC"})
    assert r.codes == ("AB", "CCC")
    for k in ("va_share", "io_shares", "alpha"):
        np.testing.assert_allclose(r.extras[k][0], extras[k][0], rtol=1e-12, err_msg=k)
        np.testing.assert_allclose(r.extras[k][1], extras[k][2], rtol=1e-12, err_msg=k)
    np.testing.assert_allclose(r.extras["theta"], extras["theta"], rtol=0)
    np.testing.assert_allclose(r.extras["gross_output"][0], 2 * extras["gross_output"][0], rtol=1e-12)
    np.testing.assert_allclose(r.gdp, [2 * w.gdp[0], w.gdp[2]], rtol=1e-12)
    np.testing.assert_allclose(r.trade[0, 1], 2 * x[0, 2], rtol=1e-12)
    np.testing.assert_allclose(r.trade[1, 0], 2 * x[2, 0], rtol=1e-12)
    np.testing.assert_allclose(r.trade[0, 0], 2 * (x[0, 0] + x[0, 1]), rtol=1e-12)
    np.testing.assert_allclose(r.tariffs[1, 0], t[2, 0], rtol=1e-12)
    np.testing.assert_allclose(r.extras["tariffs2005"][1, 0], extras["tariffs2005"][2, 0], rtol=1e-12)


def test_regions_preserve_world_totals_and_shares_sum_to_one():
    w = sectoral_world(3)
    r = aggregate(w, {"AAA": "R1", "BBB": "R2", "CCC": "R1", "DDD": "R2", "EEE": "EEE"})
    assert r.n == 3
    a, b = totals(w), totals(r)
    for k in a:
        np.testing.assert_allclose(b[k], a[k], rtol=1e-12, err_msg=k)
    np.testing.assert_allclose(r.extras["io_shares"].sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(r.extras["alpha"].sum(axis=1), 1.0, rtol=1e-12)
    # the regions' value added is the sum of the members' (and equals the summed GDP here)
    np.testing.assert_allclose((r.extras["va_share"] * r.trade.sum(axis=1)).sum(axis=1), r.gdp, rtol=1e-12)


def test_unknown_extras_key_and_dropped_domestic_sales_raise():
    w = sectoral_world(4)
    bad = w.replace(extras={**w.extras, "mystery": np.ones((5, 3))})
    with pytest.raises(DataError) as err:
        aggregate(bad, {c: "ALL" for c in w.codes})
    msg = str(err.value)
    assert "\n" not in msg and "'mystery'" in msg
    with pytest.raises(DataError) as err:
        aggregate(w.replace(extras={**w.extras, "va_share": np.ones((5, 2))}), {c: "ALL" for c in w.codes})
    assert "'va_share'" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(DataError) as err:
        aggregate(w, {c: "ALL" for c in w.codes}, keep_domestic=False)
    assert "keep_domestic" in str(err.value) and "\n" not in str(err.value)
    # only per-sector and tariff extras: dropping domestic sales is fine
    only = w.replace(extras={"theta": w.extras["theta"], "tariffs2005": w.extras["tariffs2005"]})
    assert aggregate(only, {c: "ALL" for c in w.codes}, keep_domestic=False).trade.sum() == 0.0


# ------------------------------------------------------------------------- ADB-MRIO, EU27 and the CP model
@pytest.fixture(scope="module")
def adb_eu27():
    if not ADB_DIR.is_dir():
        pytest.skip(f"shared dataset not available at {ADB_DIR}")
    from tradewar.data._sectoral import read_adb_mrio

    w = read_adb_mrio(ADB_DIR, 2023)
    mapping = {c: ("EU27" if c in EU27_MEMBERS else c) for c in w.codes}
    return w, aggregate(w, mapping)


@pytest.mark.shared
def test_adb_eu27_aggregation_preserves_totals(adb_eu27):
    w, r = adb_eu27
    assert sum(c in EU27_MEMBERS for c in w.codes) == 27
    assert r.n == w.n - 26 and "EU27" in r.codes and r.sectors == w.sectors
    assert set(r.extras) == {"theta", "va_share", "io_shares"}
    a, b = totals(w), totals(r)
    for k in a:
        np.testing.assert_allclose(b[k], a[k], rtol=1e-10, err_msg=k)
    eu = r.index("EU27")
    members = w.indices([c for c in w.codes if c in EU27_MEMBERS])
    np.testing.assert_allclose(r.trade[eu, eu].sum(), w.trade[np.ix_(members, members)].sum(), rtol=1e-12)


@pytest.mark.shared
def test_adb_eu27_calibrates_and_solves(adb_eu27):
    import pandas as pd

    from tradewar.models.caliendo_parro import calibrate
    from tradewar.solve import Shock, solve_model

    _, r = adb_eu27
    m = calibrate(r)
    assert not m.no_intermediates
    zero = m.zero_shock()
    eq = solve_model(m, zero)
    assert eq.converged
    np.testing.assert_allclose(np.asarray(m.welfare(eq.y, zero)), 1.0, atol=1e-9)
    np.testing.assert_allclose(eq.outcomes["welfare_pct"], 0.0, atol=1e-7)
    # a 10% US tariff on all goods from the EU27 region
    goods = pd.read_csv(ADB_DIR / "sectors.csv")["tradable_goods"].to_numpy() == 1
    t = np.array(m.t0)
    t[r.index("EU27"), r.index("USA"), goods] += 0.10
    eq = solve_model(m, Shock(t=t))
    assert eq.converged
    w = eq.outcomes["welfare_pct"]
    assert w.shape == (r.n,) and np.all(np.isfinite(w))
    assert w[r.index("EU27")] < 0.0


def test_a_scenario_aggregates_the_embedded_sectoral_world(tmp_path):
    """``world2022s`` carries one trade elasticity per sector for each source (``theta_CP``, ...): they are
    per-sector extras, so a scenario's ``aggregate`` table works on it and keeps them (and world trade)."""
    from tradewar.data import load_world
    from tradewar.scenario import load_scenario, scenario_world

    w = load_world("world2022s")
    alt = [k for k in w.extras if k.startswith("theta_")]
    assert alt, "world2022s carries its alternative elasticities"
    keep = ("USA", "CHN", "JPN", "EU27")
    agg = ", ".join(f'{c} = "{c if c in keep else "OTH"}"' for c in w.codes)
    p = tmp_path / "agg.toml"
    p.write_text(f'name = "agg"\n[data]\nsource = "world2022s"\naggregate = {{ {agg} }}\n[model]\n'
                 'family = "caliendo_parro"\n[[tariffs]]\ntype = "uniform"\nimporter = "USA"\nrate = 0.1\n')
    small = scenario_world(load_scenario(p))
    assert small.codes == (*keep, "OTH")
    for k in alt:
        np.testing.assert_array_equal(small.extras[k], w.extras[k])
    np.testing.assert_allclose(small.trade.sum(), w.trade.sum(), rtol=1e-12)
