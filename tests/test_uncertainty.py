"""Monte Carlo uncertainty: the [uncertainty] table, reproducible draws (also on 2 Dask workers),
zero variance = the deterministic solve, flip points, Sobol indices, the command and its JSON.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from typer.testing import CliRunner

from tradewar._exceptions import ScenarioError
from tradewar.batch.uncertainty import tornado_figure, uncertainty
from tradewar.cli import app
from tradewar.scenario import load_scenario, preset_path

PRESET = "liberation-day"
EPS_LOGNORMAL = """
[uncertainty]
draws = 32
seed = 11
[uncertainty.params.eps]
dist = "lognormal"
median = 4.0
sigma = 0.3
"""


def scenario_file(tmp_path, table: str, name: str = "mc"):
    text = preset_path(PRESET).read_text(encoding="utf-8")
    p = tmp_path / f"{name}.toml"
    p.write_text(text + "\n" + table, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    "table,key",
    [
        ('[uncertainty.params.eps]\ndist = "normal"\nmean = 4.0\nsd = -1.0\n', "uncertainty.params.eps.normal.sd"),
        ('[uncertainty.params.eps]\ndist = "gamma"\nmean = 4.0\n', "uncertainty.params.eps"),
        ('[uncertainty.params.eps]\ndist = "uniform"\nlow = 5.0\nhigh = 2.0\n', "uncertainty.params.eps.uniform"),
        ('[uncertainty.params.eps]\ndist = "triangular"\nlow = 1.0\nhigh = 3.0\n', "uncertainty.params.eps.triangular.mode"),
        ('[uncertainty]\ndraws = 0\n', "uncertainty.draws"),
        ('[uncertainty.params.eps]\ndist = "normal"\nmean = 4.0\nsd = 1.0\nspread = 2\n', "uncertainty.params.eps.normal.spread"),
    ],
)
def test_malformed_distribution_is_one_line_naming_the_key(tmp_path, table, key):
    p = scenario_file(tmp_path, table)
    with pytest.raises(ScenarioError) as err:
        load_scenario(p)
    msg = str(err.value)
    assert f"key '{key}'" in msg and "\n" not in msg
    r = CliRunner().invoke(app, ["uncertainty", str(p), "--scheduler", "none"])
    assert r.exit_code == 2
    assert key in r.stderr and "Traceback" not in r.output + r.stderr


def test_unknown_parameter_is_named(tmp_path):
    p = scenario_file(tmp_path, '[uncertainty.params.elasticity]\ndist = "uniform"\nlow = 1.0\nhigh = 2.0\n')
    with pytest.raises(ScenarioError, match=r"key 'uncertainty.params.elasticity': not a parameter"):
        uncertainty(p, draws=4, flip=False)


def test_draws_follow_the_distributions():
    from tradewar.batch._distributions import UncertaintySpec, sample

    spec = UncertaintySpec.model_validate({"params": {
        "a": {"dist": "truncnormal", "mean": 4.0, "sd": 2.0, "low": 2.0, "high": 5.0},
        "b": {"dist": "triangular", "low": 0.0, "mode": 1.0, "high": 4.0},
        "c": {"dist": "values", "values": [[1.0, 2.0], [3.0, 4.0]], "weights": [1.0, 3.0]},
        "d": {"dist": "lognormal", "median": 1.0, "sigma": 0.2, "relative": True, "joint": False},
    }})
    bases = {"a": np.array(0.0), "b": np.array(0.0), "c": np.zeros(2), "d": np.array([2.0, 10.0])}
    P = sample(spec.params, bases, 20_000, 5)
    assert P["a"].min() >= 2.0 and P["a"].max() <= 5.0
    assert abs(P["b"].mean() - 5.0 / 3.0) < 0.03  # (low + mode + high) / 3
    assert P["c"].shape == (20_000, 2) and abs((P["c"][:, 0] == 3.0).mean() - 0.75) < 0.01
    ratio = P["d"] / bases["d"]
    assert abs(np.median(ratio[:, 0]) - 1.0) < 0.01 and abs(np.corrcoef(ratio.T)[0, 1]) < 0.03  # one draw per sector
    np.testing.assert_array_equal(sample(spec.params, bases, 50, 5)["a"], sample(spec.params, bases, 50, 5)["a"])


def test_zero_variance_mean_equals_the_deterministic_solve(tmp_path):
    from tradewar import run_scenario

    p = scenario_file(tmp_path, '[uncertainty]\ndraws = 4\n[uncertainty.params.eps]\ndist = "normal"\n'
                                'mean = 4.0\nsd = 0.0\n')
    r = uncertainty(p, flip=False, chunk=4)
    ref = run_scenario(PRESET).countries()
    for c in ("USA", "JPN", "CHN"):
        w = r.doc["countries"][c]["welfare_pct"]
        assert abs(w["mean"] - ref.loc[c, "welfare_pct"]) < 1e-9
        assert w["p05"] == pytest.approx(w["p95"], abs=1e-12)
        assert w["prob_gain"] == float(ref.loc[c, "welfare_pct"] > 0)


def test_seed_fixes_the_draws_in_process_and_on_two_workers(tmp_path, monkeypatch):
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    p = scenario_file(tmp_path, EPS_LOGNORMAL)
    a = uncertainty(p, flip=False, chunk=16)
    b = uncertainty(p, flip=False, chunk=16)
    np.testing.assert_array_equal(a.draws.welfare_pct.values, b.draws.welfare_pct.values)
    assert a.doc == b.doc
    c = uncertainty(p, flip=False, chunk=16, seed=12)
    assert not np.array_equal(a.params["eps"], c.params["eps"])
    # the same run on a local Dask cluster of two worker processes, each solving some of the chunks: identical numbers
    d = uncertainty(p, flip=False, chunk=16, scheduler="local", workers=2)
    np.testing.assert_array_equal(d.draws.welfare_pct.values, a.draws.welfare_pct.values)
    assert d.doc["countries"] == a.doc["countries"]
    assert sorted(os.listdir(scratch)) == [], "the local cluster left its scratch files behind"
    usa = a.doc["countries"]["USA"]["welfare_pct"]
    assert usa["p05"] < usa["p50"] < usa["p95"] and usa["prob_gain"] == 1.0


def test_flip_points_are_roots_of_the_welfare_change(tmp_path):
    from tradewar.batch.sweep import setup
    from tradewar.models.ilms import ILMSParams, calibrate
    from tradewar.solve import Shock, solve_model

    p = scenario_file(tmp_path, EPS_LOGNORMAL.replace("sigma = 0.3", "sigma = 0.6"))
    r = uncertainty(p, draws=16, flip=True, chunk=16)
    assert r.doc["flip_param"] == "eps"
    st = setup(p)
    lo, hi = float(r.params["eps"].min()), float(r.params["eps"].max())
    flips = {c: v["eps_flip"] for c, v in r.doc["countries"].items()}
    found = {c: v for c, v in flips.items() if v is not None}
    assert found, f"no country's welfare changes sign over eps in [{lo:.2f}, {hi:.2f}]"
    for c, e in list(found.items())[:2]:
        assert lo <= e <= hi
        i = st.world.index(c)
        # the preset's own model (it removes deficits first), at the two trade elasticities
        w = [solve_model(calibrate(st.world, ILMSParams(eps=x, deficits="zero")), Shock(t=st.t)).outcomes["welfare_pct"][i]
             for x in (e * (1 - 1e-4), e * (1 + 1e-4))]
        assert w[0] * w[1] < 0  # the sign flips across the reported value


def test_sobol_indices_and_tornado(tmp_path):
    p = scenario_file(tmp_path, EPS_LOGNORMAL + '[uncertainty.params.kappa]\ndist = "uniform"\nlow = 0.25\n'
                                               'high = 0.75\n')
    r = uncertainty(p, draws=4, flip=False, sensitivity=8, chunk=16)
    sens = r.doc["sensitivity"]
    assert sens["solves"] == 8 * (2 + 2) and sens["params"] == ["eps", "kappa"] and sens["failed"] == 0
    usa = sens["countries"]["USA"]
    assert all(np.isfinite(v[k]) for v in usa.values() for k in ("S1", "ST"))
    # the trade elasticity drives the US terms-of-trade gain far more than the labour-supply elasticity
    assert usa["eps"]["ST"] > usa["kappa"]["ST"]
    fig = tornado_figure(sens, "USA")
    assert [b.name for b in fig.data] == ["total (ST)", "first order (S1)"]
    assert list(fig.data[0].y) == ["kappa", "eps"]


def test_uncertainty_command_writes_the_json_layout(tmp_path):
    p = scenario_file(tmp_path, EPS_LOGNORMAL)
    out = tmp_path / "mc.json"
    r = CliRunner().invoke(app, ["uncertainty", str(p), "--draws", "32", "--seed", "11", "--no-flip", "--chunk", "16",
                                 "--scheduler", "none", "--json", str(out)])
    assert r.exit_code == 0, r.output + r.stderr
    doc = json.loads(out.read_text())
    assert doc["draws"] == 32 and doc["seed"] == 11 and doc["failed"] == []
    assert set(doc["countries"]["JPN"]["welfare_pct"]) == {"mean", "p05", "p50", "p95", "prob_gain"}
    gdp = doc["countries"]["JPN"]["real_gdp_pct"]  # real GDP has its band beside welfare's
    assert gdp["p05"] <= gdp["p50"] <= gdp["p95"] and gdp["p05"] < gdp["p95"]
    ref = uncertainty(p, flip=False, chunk=16).doc
    assert doc["countries"]["JPN"]["welfare_pct"] == pytest.approx(ref["countries"]["JPN"]["welfare_pct"], abs=0)
    assert "JPN" in r.output and "P(gain)" in r.output


def test_report_uncertainty_section_with_draws():
    from tradewar.report import build_report

    rep = build_report("JPN", scenarios=[PRESET], sections=["uncertainty"], draws=16)
    assert "uncertainty" not in rep.unavailable()
    assert "90% bands" in rep.html and "P(gain)" in rep.html
    assert "Sobol indices of the last step" in rep.html


def test_optimal_tariff_band_collapses_without_variance(tmp_path):
    from tradewar.batch.sweep import setup
    from tradewar.batch.uncertainty import optimal_bands
    from tradewar.strategy._optimal import optimal_tariff

    p = scenario_file(tmp_path, '[uncertainty]\ndraws = 2\n[uncertainty.params.eps]\ndist = "normal"\n'
                                'mean = 5.0\nsd = 0.0\n')
    s = load_scenario(p)
    st = setup(s)
    usa = st.world.index("USA")
    band = optimal_bands(s, usa, base_t=st.t)
    assert band["draws"] == 2 and band["failed"] == [] and band["labels"] == ["all"]
    ref = optimal_tariff(st.factory()({"eps": 5.0}), usa, "uniform", base_t=st.t)
    b = band["tariff"]["all"]
    assert ref.converged and b["p05"] == pytest.approx(b["p95"], abs=1e-12)
    assert b["p50"] == pytest.approx(float(ref.values[0]), abs=1e-9)
    assert 0.05 < b["p50"] < 0.6  # the US optimal uniform tariff, ILMS (2025) scale


def test_bloc_probability_without_variance_is_the_point_answer(tmp_path):
    from tradewar.batch.uncertainty import bloc_bands
    from tradewar.strategy._blocs import bloc_game, load_bloc, prepare_bloc

    base = preset_path("bloc-japan").read_text(encoding="utf-8")
    (tmp_path / "base.toml").write_text(base + '\n[uncertainty]\ndraws = 2\n[uncertainty.params.eps]\n'
                                               'dist = "normal"\nmean = 4.0\nsd = 0.0\n', encoding="utf-8")
    (tmp_path / "bloc.toml").write_text(
        'name = "small"\nscenario = "base.toml"\nleader = "USA"\ntarget = "CHN"\ncandidates = ["JPN", "KOR"]\n'
        '[members]\ntariff = 0.2\n[leader_offer]\ncarrot = 0.1\nstick = "keep"\n[response]\nrule = "equal_value"\n'
        'max_rate = 1.0\n', encoding="utf-8")
    b = load_bloc(tmp_path / "bloc.toml")
    world, model, t, s = prepare_bloc(b)
    bands = bloc_bands(b, world, s, t)
    game = bloc_game(model, world, b, t)
    outcome = list(game.stable)[0] if len(game.stable) else game.members.shape[0] - 1
    assert bands["draws"] == 2 and bands["failed"] == []
    for code in b.candidates:
        w_in, w_out = game.in_vs_out(code, [c for c in game.names(outcome) if c != code])
        got = bands["candidates"][code]
        assert got["prob_join_beats_out"] == float(w_in > w_out)
        assert got["join_minus_out_pp"]["p50"] == pytest.approx(w_in - w_out, abs=1e-9)
        assert got["join_minus_out_pp"]["p05"] == pytest.approx(got["join_minus_out_pp"]["p95"], abs=1e-12)
