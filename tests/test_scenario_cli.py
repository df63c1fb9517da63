"""Scenario files, policy layers, results export and the command line (through Typer's CliRunner)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import tradewar
from tradewar import ScenarioError, run_scenario
from tradewar.cli import app
from tradewar.policy import Layer, Retaliation, apply_layers, apply_retaliation
from tradewar.scenario import list_presets, load_scenario

runner = CliRunner()


def test_public_api_is_curated():
    for name in tradewar.__all__:
        assert getattr(tradewar, name) is not None
    assert "load_world" in tradewar.__all__ and "run_scenario" in tradewar.__all__


def test_presets_load_and_are_dated():
    names = {s.name for s in list_presets()}
    assert {"2025-04-02-liberation-day", "2025-04-09-pause-escalation", "2025-05-12-geneva-truce"} <= names
    assert not {"liberation-day", "china-escalation", "geneva-truce"} & names  # aliases, listed once


def test_liberation_day_tariffs(world2023):
    s = load_scenario("liberation-day")
    from tradewar.scenario import prepare

    world, _, t, _, _ = prepare(s, world2023)
    us, cn = world.index("USA"), world.index("CHN")
    # effective rates over each partner's goods (the sectoral twin averaged; tests/test_presets_2025.py)
    assert t[world.index("JPN"), us] == pytest.approx(0.241)
    assert t[cn, us] == pytest.approx(0.534) and t[world.index("HKG"), us] == pytest.approx(0.534)
    assert t[world.index("GBR"), us] == pytest.approx(0.114)  # the 10% floor, 25% on cars and steel
    assert t[world.index("CAN"), us] == pytest.approx(0.125) and t[world.index("MEX"), us] == pytest.approx(0.122)
    assert t[us, us] == 0.0
    # the counter-tariffs in force on 2 April: China's of February-March, Canada's; nobody else's
    assert t[us, cn] == pytest.approx(0.046) and t[us, world.index("CAN")] == pytest.approx(0.031)
    off = np.delete(t, [us, cn, world.index("CAN")], axis=1)
    assert np.all(off == 0.0)


def test_escalation_rates(world2023):
    from tradewar.scenario import prepare

    world, _, t, _, _ = prepare(load_scenario("china-escalation"), world2023)
    us, cn, jp = world.index("USA"), world.index("CHN"), world.index("JPN")
    assert t[cn, us] == pytest.approx(1.089) and t[us, cn] == pytest.approx(1.296) and t[jp, us] == pytest.approx(0.163)


def test_layers_floor_exemption_and_mirror():
    from tradewar.data import World

    w = World(codes=("USA", "JPN", "CHN", "CAN"), trade=np.ones((4, 4)) * 2.0, gdp=np.ones(4) * 10)
    t = apply_layers(
        w,
        [
            Layer("uniform", importer="USA", rate=0.05),
            Layer("floor", importer="USA", rate=0.10),
            Layer("exemption", importer="USA", exporters=["CAN"]),
            Layer("pair", importer="USA", exporter="CHN", rate=0.30, mode="set"),
        ],
    )
    assert t[:, 0].tolist() == pytest.approx([0.0, 0.10, 0.30, 0.0])
    m = apply_retaliation(w, Retaliation("mirror", retaliators=["CHN"]), t)
    assert m[0, 2] == pytest.approx(0.30) and m[0, 1] == 0.0  # only China answers
    with pytest.raises(ScenarioError, match="above -100%"):
        apply_layers(w, [Layer("uniform", importer="USA", rate=-1.5, mode="set")])
    with pytest.raises(tradewar.DataError, match="unknown country code 'XXX'"):
        apply_layers(w, [Layer("pair", importer="USA", exporter="XXX", rate=0.1)])


def test_equal_value_matches_the_hit_value():
    from tradewar.data import World

    X = np.array([[0.0, 10.0, 5.0], [40.0, 0.0, 3.0], [2.0, 1.0, 0.0]])
    w = World(codes=("USA", "CHN", "JPN"), trade=X, gdp=np.ones(3) * 100)
    t = apply_layers(w, [Layer("partner", importer="USA", rates={"CHN": 0.2, "JPN": 0.1})])
    r = apply_retaliation(w, Retaliation("equal_value", retaliators=["CHN", "JPN"]), t)
    # China: rho * X[USA, CHN] = 0.2 * X[CHN, USA]
    assert r[0, 1] * X[0, 1] == pytest.approx(0.2 * X[1, 0])
    assert r[0, 2] * X[0, 2] == pytest.approx(0.1 * X[2, 0])
    capped = apply_retaliation(w, Retaliation("equal_value", max_rate=0.5), t)
    assert capped[0, 1] == pytest.approx(0.5)


def test_run_scenario_result_tables(world2023):
    r = run_scenario("liberation-day", world=world2023)
    assert r.converged and r.max_residual <= 1e-10
    df = r.countries(["JPN", "USA"])
    assert list(df.index) == ["JPN", "USA"]
    assert {"welfare_pct", "real_wage_pct", "employment_pct", "tariff_revenue_share"} <= set(df.columns)
    doc = r.to_dict()
    assert doc["converged"] is True and set(doc["countries"]) == set(world2023.codes)
    flows = r.bilateral()
    assert flows.dims == ("exporter", "importer") and flows.sel(exporter="JPN", importer="USA") > 0


def _cells(v):
    v = float(v)
    return v if np.isfinite(v) else None


@pytest.mark.parametrize("preset", ["liberation-day", "2025-04-03-us-car-tariffs-sectoral"])
def test_the_json_document_holds_the_result_tables(preset):
    """``to_dict`` builds its tables from the arrays: they are the DataFrames of ``countries`` and ``sectors``."""
    r = run_scenario(preset)
    for codes in (None, ["JPN", "USA", "JPN"], "CHN"):
        doc, df = r.to_dict(codes), r.countries(codes)
        assert list(doc["countries"]) == list(dict.fromkeys(df.index))
        for c, row in df.iterrows():
            assert doc["countries"][c] == {k: (v if k == "name" else _cells(v)) for k, v in row.items()}
        sec = r.sectors()
        assert ("sectors" in doc) == (sec is not None)
        if sec is not None:
            assert list(doc["sectors"]) == [c for c in r.world.codes if c in set(df.index)]
            for (c, s), row in sec.loc[list(doc["sectors"])].iterrows():
                assert doc["sectors"][c][s] == {k: _cells(v) for k, v in row.items()}


def _write(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_scenario_errors_name_key_and_line(tmp_path):
    p = _write(tmp_path, 'name = "x"\n\n[[tariffs]]\ntype = "uniform"\nimporter = "USA"\nrate = -2.0\n')
    with pytest.raises(ScenarioError) as e:
        load_scenario(p)
    msg = str(e.value)
    assert "tariffs.0.rate" in msg and "line 6" in msg and str(p) in msg and "\n" not in msg
    p = _write(tmp_path, 'name = "x"\n[model]\nfamily = "nope"\n', "m.toml")
    with pytest.raises(ScenarioError, match=r"model.family.*line 3"):
        load_scenario(p)
    p = _write(tmp_path, 'name = "x"\nbogus = 1\n', "b.toml")
    with pytest.raises(ScenarioError, match="bogus.*unknown key"):
        load_scenario(p)
    p = _write(tmp_path, 'name = "x\n', "c.toml")
    with pytest.raises(ScenarioError, match="invalid TOML"):
        load_scenario(p)
    with pytest.raises(ScenarioError, match="unknown scenario 'no-such-preset'"):
        load_scenario("no-such-preset")


def test_cli_run_writes_json_and_csv(tmp_path):
    out, csv = tmp_path / "r.json", tmp_path / "r.csv"
    res = runner.invoke(app, ["run", "liberation-day", "--countries", "JPN,USA,CHN", "--json", str(out), "--csv", str(csv)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert set(doc["countries"]) == {"JPN", "USA", "CHN"} and doc["converged"]
    assert doc["countries"]["USA"]["welfare_pct"] > 0 > doc["countries"]["CHN"]["welfare_pct"]
    assert csv.read_text().startswith("country,name,welfare_pct")
    assert "JPN" in res.output and "welfare" in res.output


def test_cli_bad_input_is_one_line_exit_2(tmp_path):
    p = _write(tmp_path, 'name = "x"\n[[tariffs]]\ntype = "uniform"\nimporter = "USA"\nrate = -2.0\n')
    out = tmp_path / "never.json"
    res = runner.invoke(app, ["run", str(p), "--json", str(out)])
    assert res.exit_code == 2
    assert "Traceback" not in res.output and not out.exists()
    res = runner.invoke(app, ["run", "no-such-preset"])
    assert res.exit_code == 2 and "unknown scenario" in res.output
    # a data file with a negative flow
    trade = tmp_path / "trade.csv"
    trade.write_text("exporter,importer,value\nUSA,JPN,5\nJPN,USA,-3\n")
    gdp = tmp_path / "gdp.csv"
    gdp.write_text("country,gdp\nUSA,100\nJPN,50\n")
    res = runner.invoke(app, ["data", "info", str(trade)])
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_cli_scenarios_and_data_info():
    res = runner.invoke(app, ["scenarios"])
    assert res.exit_code == 0 and "liberation-day" in res.output
    res = runner.invoke(app, ["data", "info", "--country", "JPN"])
    assert res.exit_code == 0 and "32 countries" in res.output and "CHN" in res.output


def test_unconverged_solve_raises_with_diagnostics(world2023):
    from tradewar.models.ilms import calibrate
    from tradewar.solve import Shock, SolverOptions, solve_model

    m = calibrate(world2023)
    t = np.zeros((world2023.n, world2023.n))
    t[:, world2023.index("USA")] = 1.0
    t[world2023.index("USA"), world2023.index("USA")] = 0.0
    with pytest.raises(tradewar.ConvergenceError) as e:
        solve_model(m, Shock(t=t), SolverOptions(max_steps=1))
    assert e.value.diagnostics["status"] in ("max_steps_reached", "diverged")
    eq = solve_model(m, Shock(t=t), SolverOptions(max_steps=1), throw=False)
    assert not eq.converged and eq.outcomes == {}
