"""The comparison with published estimates of the 2025 events: the shipped figures and our side of the table."""

from __future__ import annotations

import numpy as np
import pytest

from tradewar.data._world import World
from tradewar.models import caliendo_parro, ilms
from tradewar.report import _compare
from tradewar.results import Result
from tradewar.solve import Shock, solve_model

CODES = ("USA", "CHN", "JPN", "EU27", "MEX", "CAN", "VNM", "ROW")


def test_published_figures_as_printed_with_their_sources():
    rows = _compare.published()
    src = _compare.sources()
    assert len(rows) == 24
    assert all(r.event in _compare.EVENTS and r.source in src for r in rows)
    got = {(r.event, r.economy, r.source): (r.published, r.measures, r.horizon) for r in rows}
    # Ignatenko, Lashkaripour, Macedoni & Simonovska (2025): welfare of the USA and of the rest, long run
    assert got[("liberation-day", "USA", "1")] == ("+1.13", "welfare", "long run")
    assert got[("liberation-day", "nonUS", "1")][0] == "−0.58"
    # NRI and Dai-ichi Life on the car tariff (Reuters, 27 March 2025)
    assert got[("car-tariffs", "JPN", "8")][0] == "−0.2 (direct); −0.52 with knock-on effects"
    assert got[("pause-escalation", "trade:USA-CHN", "9")][0] == "−81"
    assert src["1"].startswith("Ignatenko, Lashkaripour, Macedoni & Simonovska (2025)")


def test_every_event_preset_exists():
    from tradewar.scenario import load_scenario

    for name in _compare.event_presets():
        assert load_scenario(name).name == name


@pytest.fixture(scope="module")
def results():
    rng = np.random.default_rng(7)
    n = len(CODES)
    X = rng.uniform(1.0, 5.0, (n, n)) + np.diag(rng.uniform(40, 90, n))
    one = World(codes=CODES, trade=X, gdp=X.sum(axis=1))
    t = np.zeros((n, n))
    t[:, 0] = 0.2  # the USA taxes everyone
    t[0, 0] = 0.0
    m1 = ilms.calibrate(one, ilms.ILMSParams(kappa=0.5, nu=0.1))
    r1 = Result(world=one, equilibrium=solve_model(m1, Shock(t=t)), scenario="one", model="ilms")
    Xs = rng.uniform(1.0, 5.0, (n, n, 2)) + np.diag(rng.uniform(40, 90, n))[:, :, None]
    sec = World(codes=CODES, trade=Xs, gdp=Xs.sum(axis=(1, 2)), sectors=("Motor vehicles", "Other"),
                extras={"theta": np.array([4.0, 6.0])})
    m2 = caliendo_parro.calibrate(sec)
    r2 = Result(world=sec, equilibrium=solve_model(m2, Shock(t=np.repeat(t[:, :, None], 2, axis=2))),
                scenario="sec", model="caliendo_parro")
    return {name: (r2 if name.endswith("-sectoral") else r1) for name in _compare.event_presets()}


def test_our_side_of_the_table(results):
    df = _compare.comparison(results)
    assert len(df) == len(_compare.published())
    r1 = results["2025-04-02-liberation-day"]
    jp = r1.countries(["JPN"]).iloc[0]
    row = df[(df.event.str.startswith("Liberation")) & (df.economy == "JPN")].iloc[0]
    assert row.ours_one_sector == (f"welfare {jp.welfare_pct:+.2f}, real GDP {jp.real_gdp_pct:+.2f}").replace("-", "−")
    assert row.one_sector["real_gdp_pct"] == pytest.approx(jp.employment_pct, abs=1e-12)
    # the car event has no one-sector preset
    assert (df[df.event.str.startswith("25% US car")].ours_one_sector == "—").all()


def test_aggregates_and_trade_measures(results):
    r = results["2025-04-02-liberation-day"]
    oc = r.equilibrium.outcomes
    inc, wel = np.asarray(oc["income_baseline"]), np.asarray(oc["welfare_pct"])
    f = _compare.our_figures(r, "nonUS")
    assert f["welfare_pct"] == pytest.approx((inc[1:] * wel[1:]).sum() / inc[1:].sum(), rel=1e-12)
    new, old = np.asarray(oc["flows_new"]), np.asarray(r.world.trade)
    t = _compare.our_figures(r, "trade:USA-CHN")["value_pct"]
    assert t == pytest.approx(100 * ((new[0, 1] + new[1, 0]) / (old[0, 1] + old[1, 0]) - 1), rel=1e-12)
    assert t < 0  # the US tariff cuts its trade with China
    s = _compare.our_figures(r, "share:CHN-USA")
    assert s["share0_pct"] == pytest.approx(100 * old[1, 0] / old[1:, 0].sum(), rel=1e-12)
    rs = results["2025-04-03-us-car-tariffs-sectoral"]
    newc, oldc = np.asarray(rs.equilibrium.outcomes["flows_new"]), np.asarray(rs.world.trade)
    assert _compare.our_figures(rs, "cars:JPN-USA")["value_pct"] == pytest.approx(
        100 * (newc[2, 0, 0] / oldc[2, 0, 0] - 1), rel=1e-12)
    assert _compare.our_figures(r, "cars:JPN-USA") == {}  # no sectors in the one-sector world


def test_markdown_cites_every_source_it_uses(results):
    md = _compare.markdown(_compare.comparison(results))
    lines = md.splitlines()
    assert lines[0].startswith("| event | economy | published")
    src = _compare.sources()
    for k in ("1", "2", "4", "5", "7", "8", "9", "11", "12"):
        assert f"{k}. {src[k]}" in lines
    assert "10. " not in md  # the IMF forecast revisions are not set beside a counterfactual


def test_changes_start_from_the_model_baseline_when_trade_is_rebalanced():
    from tradewar.report.timeline import export_change_pct

    rng = np.random.default_rng(11)
    n = len(CODES)
    X = rng.uniform(1.0, 5.0, (n, n)) + np.diag(rng.uniform(40, 90, n))
    X[1, 0] *= 4.0  # a large Chinese surplus with the USA, removed by the zero-deficit closure
    w = World(codes=CODES, trade=X, gdp=X.sum(axis=1))
    m = ilms.calibrate(w, ilms.ILMSParams(kappa=0.5, nu=0.1, deficits="zero"))
    r = Result(world=w, equilibrium=solve_model(m, Shock(t=np.zeros((n, n)))), scenario="zero", model="ilms")
    base = r.flows_base()
    assert abs(base[1, 0] / X[1, 0] - 1) > 0.05  # the balanced world differs from the data
    assert export_change_pct(r, "CHN", "USA") == pytest.approx(0.0, abs=1e-9)
    assert _compare.our_figures(r, "trade:USA-CHN")["value_pct"] == pytest.approx(0.0, abs=1e-9)
    assert r.flows_table()["change_pct"].abs().max() < 1e-9
