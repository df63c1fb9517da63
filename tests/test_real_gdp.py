"""Real GDP (value added at baseline prices) and money outcomes in US dollars, in every model family."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from tradewar.data._world import World
from tradewar.models import caliendo_parro, ilms, ossa, tariffwar
from tradewar.results import Result, usd_bn_per_unit
from tradewar.solve import Shock, SolverOptions, solve_model

TIGHT = SolverOptions(tol=1e-12)


def one_sector_world(units: str = "USD million") -> World:
    X = np.array([[80.0, 6.0, 4.0], [5.0, 60.0, 3.0], [7.0, 2.0, 50.0]])
    return World(codes=("AAA", "BBB", "CCC"), trade=X, gdp=X.sum(axis=1), units=units)


def sectoral_world(io: bool) -> World:
    rng = np.random.default_rng(3)
    n, s = 3, 2
    trade = rng.uniform(0.5, 3.0, (n, n, s))
    trade[np.arange(n), np.arange(n)] *= 6.0
    tariffs = rng.uniform(0.0, 0.1, (n, n, s))
    tariffs[np.arange(n), np.arange(n)] = 0.0
    extras = {"theta": np.array([4.0, 7.0]), "sigma": np.array([3.0, 5.0])}
    if io:
        sh = rng.uniform(0.2, 1.0, (n, s, s))
        extras["io_shares"] = sh / sh.sum(axis=1, keepdims=True)
        extras["va_share"] = rng.uniform(0.3, 0.7, (n, s))
    return World(codes=("AAA", "BBB", "CCC"), trade=trade, gdp=trade.sum(axis=(1, 2)), tariffs=tariffs,
                 extras=extras, sectors=("a", "b"))


def war(n: int, rate: float, sectors: int | None = None) -> np.ndarray:
    """Every country levies ``rate`` on every partner."""
    t = rate * (1.0 - np.eye(n))
    return t if sectors is None else np.repeat(t[:, :, None], sectors, axis=2)


ONE_SECTOR = {
    "armington": ilms.armington(4.0),
    "ilms_fixed_labour": ilms.ILMSParams(kappa=0.0, nu=0.1),
    "ilms": ilms.ILMSParams(kappa=0.5, nu=0.1),
    "ilms_io": ilms.ILMSParams(kappa=0.5, nu=0.1, beta=0.5),
}


@pytest.mark.parametrize("name", list(ONE_SECTOR))
def test_one_sector_zero_shock_real_gdp_is_zero(name):
    m = ilms.calibrate(one_sector_world(), ONE_SECTOR[name])
    eq = solve_model(m, Shock(t=np.zeros((3, 3))), TIGHT)
    np.testing.assert_allclose(eq.outcomes["real_gdp_pct"], 0.0, atol=1e-9)


@pytest.mark.parametrize("name", ["armington", "ilms_fixed_labour"])
def test_fixed_labour_real_gdp_is_zero_under_any_tariff(name):
    m = ilms.calibrate(one_sector_world(), ONE_SECTOR[name])
    eq = solve_model(m, Shock(t=war(3, 0.4)), TIGHT)
    assert np.max(np.abs(eq.outcomes["welfare_pct"])) > 0.1  # the war matters for welfare
    np.testing.assert_allclose(eq.outcomes["real_gdp_pct"], 0.0, atol=1e-9)


def test_real_gdp_moves_with_employment():
    m = ilms.calibrate(one_sector_world(), ONE_SECTOR["ilms"])
    eq = solve_model(m, Shock(t=war(3, 0.4)), TIGHT)
    g, e = np.asarray(eq.outcomes["real_gdp_pct"]), np.asarray(eq.outcomes["employment_pct"])
    assert np.max(np.abs(e)) > 0.05
    np.testing.assert_allclose(g, e, atol=1e-10)


def test_roundabout_real_gdp_is_double_deflated():
    m = ilms.calibrate(one_sector_world(), ONE_SECTOR["ilms_io"])
    eq = solve_model(m, Shock(t=war(3, 0.4)), TIGHT)
    oc = {k: np.asarray(v) for k, v in eq.outcomes.items()}
    L, r = 1 + oc["employment_pct"] / 100, 1 + oc["real_wage_pct"] / 100
    want = 100 * (L * (r ** 0.5 - 0.5 * r) / 0.5 - 1)
    np.testing.assert_allclose(oc["real_gdp_pct"], want, atol=1e-10)
    # below employment (second order) but equal to it to first order
    assert np.all(oc["real_gdp_pct"] <= oc["employment_pct"] + 1e-12)
    assert np.max(np.abs(oc["real_gdp_pct"] - oc["employment_pct"])) < 0.05 * np.max(np.abs(oc["real_wage_pct"]))


@pytest.mark.parametrize("io", [False, True])
def test_caliendo_parro_real_gdp(io):
    m = caliendo_parro.calibrate(sectoral_world(io))
    eq0 = solve_model(m, m.zero_shock(), TIGHT)
    np.testing.assert_allclose(eq0.outcomes["real_gdp_pct"], 0.0, atol=1e-9)
    eq = solve_model(m, Shock(t=np.asarray(m.t0) + war(3, 0.3, 2)), TIGHT)
    g = np.asarray(eq.outcomes["real_gdp_pct"])
    if io:  # inputs per worker move: a second-order change, small beside welfare
        assert 0 < np.max(np.abs(g)) < np.max(np.abs(eq.outcomes["welfare_pct"]))
    else:  # labour is the one factor, fixed and mobile across sectors at one wage
        np.testing.assert_allclose(g, 0.0, atol=1e-9)


def test_ossa_real_gdp():
    m = ossa.calibrate(sectoral_world(False))
    eq0 = solve_model(m, Shock(t=np.asarray(m.t)), TIGHT)
    np.testing.assert_allclose(eq0.outcomes["real_gdp_pct"], 0.0, atol=1e-9)
    eq = solve_model(m, Shock(t=np.asarray(m.t) + war(3, 0.3, 2)), TIGHT)
    lv = m._levels(eq.y, Shock(t=np.asarray(m.t) + war(3, 0.3, 2)))
    # sales by industry over the wage, valued at baseline: labour moves between industries of different markups
    want = 100 * (np.asarray(lv["Xnew"]).sum(axis=(1, 2)) / np.asarray(lv["what"]) / np.asarray(m.X).sum(axis=(1, 2)) - 1)
    np.testing.assert_allclose(eq.outcomes["real_gdp_pct"], want, atol=1e-10)


def test_tariffwar_real_gdp_is_zero():
    X = np.asarray(sectoral_world(False).trade)
    m = tariffwar.from_spending(X, np.zeros_like(X), np.array([4.0, 6.0]), ("AAA", "BBB", "CCC"), ("a", "b"))
    eq = solve_model(m, Shock(t=war(3, 0.3, 2)), TIGHT)
    np.testing.assert_allclose(eq.outcomes["real_gdp_pct"], 0.0, atol=1e-9)


def _result(world, params, t):
    m = ilms.calibrate(world, params)
    return Result(world=world, equilibrium=solve_model(m, Shock(t=t), TIGHT), model="ilms")


def test_welfare_in_dollars_is_the_equivalent_variation():
    w = one_sector_world("USD million")
    t = war(3, 0.25)
    res = _result(w, ilms.armington(4.0), t)
    df = res.countries()
    # baseline income of the Armington model without baseline tariffs: spending, domestic sales included
    income_usd_bn = np.asarray(w.trade).sum(axis=0) / 1e3
    np.testing.assert_allclose(df["welfare_usd_bn"], df["welfare_pct"] / 100 * income_usd_bn, rtol=1e-12)
    Xn = np.asarray(res.equilibrium.outcomes["flows_new"])
    np.testing.assert_allclose(df["tariff_revenue_usd_bn"], (t * Xn).sum(axis=0) / 1e3, rtol=1e-10)
    assert res.money_note() is None


def test_money_not_in_dollars_is_null_with_a_note():
    res = _result(one_sector_world("EUR million"), ilms.armington(4.0), war(3, 0.25))
    doc = res.to_dict()
    assert all(c["welfare_usd_bn"] is None and c["tariff_revenue_usd_bn"] is None for c in doc["countries"].values())
    assert "EUR million" in doc["meta"]["money_note"]
    assert "income_baseline" not in doc["countries"]["AAA"]  # levels in data units stay internal


@pytest.mark.parametrize("units,want", [("USD million", 1e-3), ("USD thousand", 1e-6), ("US dollars", 1e-9),
                                        ("USD billion", 1.0), ("million USD (current)", 1e-3), ("EUR", math.nan),
                                        ("index", math.nan)])
def test_units(units, want):
    got = usd_bn_per_unit(units)
    assert (math.isnan(got) and math.isnan(want)) or got == want


def test_cli_json_and_csv_carry_the_new_columns(tmp_path):
    import pandas as pd

    from tradewar.cli import app

    j, c = tmp_path / "r.json", tmp_path / "r.csv"
    out = CliRunner().invoke(app, ["run", "liberation-day", "--countries", "USA,JPN", "--json", str(j), "--csv", str(c)],
                            env={"COLUMNS": "250"})
    assert out.exit_code == 0, out.output
    assert "real GDP %" in out.output and "welfare USD" in out.output
    doc = json.loads(j.read_text())
    us = doc["countries"]["USA"]
    for k in ("real_gdp_pct", "welfare_usd_bn", "tariff_revenue_usd_bn"):
        assert isinstance(us[k], float), k
    assert us["tariff_revenue_usd_bn"] > 50  # the US collects the tariffs (world2023: USD million)
    df = pd.read_csv(c, index_col=0)
    assert {"real_gdp_pct", "welfare_usd_bn", "tariff_revenue_usd_bn"} <= set(df.columns)
    assert df.loc["JPN", "real_gdp_pct"] == pytest.approx(doc["countries"]["JPN"]["real_gdp_pct"], abs=1e-9)
    assert df.loc["JPN", "real_gdp_pct"] == pytest.approx(doc["countries"]["JPN"]["employment_pct"], abs=1e-9)


def test_web_api_carries_the_new_columns(tmp_path):
    import warnings

    pytest.importorskip("fastapi", reason="the web extra is not installed")
    with warnings.catch_warnings():  # starlette's TestClient warns about its httpx transport on import
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from tradewar.web import ServeConfig, create_app

    with TestClient(create_app(ServeConfig(state=tmp_path)), base_url="http://127.0.0.1") as client:
        preset = client.get("/api/presets/2025-04-02-liberation-day").json()
        doc = client.post("/api/solve", json=preset).json()
        jp = doc["countries"]["JPN"]
        assert jp["real_gdp_pct"] == pytest.approx(jp["employment_pct"], abs=1e-12)
        assert jp["welfare_usd_bn"] < 0 < doc["countries"]["USA"]["tariff_revenue_usd_bn"]
        header = client.get(f"/api/results/{doc['id']}?format=csv").text.splitlines()[0].split(",")
        assert {"real_gdp_pct", "welfare_usd_bn", "tariff_revenue_usd_bn"} <= set(header)
