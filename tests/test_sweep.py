"""Sweeps: grid syntax, the labelled result, the heatmap, and a killed run resumed to the same result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from typer.testing import CliRunner

from tradewar._exceptions import ScenarioError
from tradewar.batch.sweep import heatmap_figure, load_run, parse_grid, sweep
from tradewar.cli import app

PRESET = "liberation-day"
CODES = ("JPN", "USA", "CHN")


@pytest.mark.parametrize(
    "text,why",
    [
        ("JPN.tariff_on.CHN", "expected KEY=VALUES"),
        ("JPN.tariff_on.CHN=0:0.5", "key 'JPN.tariff_on.CHN': values '0:0.5'"),
        ("JPN.tariff_on.CHN=0:0.5:x", "key 'JPN.tariff_on.CHN': values"),
        ("JPN.tariff_on.CHN=0:0.5:1", "key 'JPN.tariff_on.CHN': COUNT"),
        ("JPN.tariff_on.CHN=a,b", "key 'JPN.tariff_on.CHN': values 'a,b'"),
        ("JPN.tariff_on.XXX=0,1", "key 'JPN.tariff_on.XXX': country 'XXX' is not in"),
        ("JPN.tariff_on.JPN=0,1", "own sales"),
        ("JPN.tariff_on.CHN=-1:0:3", "above -100%"),
        ("JPN.tarif_on.CHN=0,1", "key 'JPN.tarif_on.CHN': expected IMPORTER.tariff_on.EXPORTER"),
        ("eps=1,nan", "key 'eps': values must be finite"),
    ],
)
def test_malformed_grid_is_one_line_naming_the_key(text, why):
    with pytest.raises(ScenarioError) as err:
        parse_grid(text, CODES)
    assert why in str(err.value) and str(err.value).startswith(f"--grid '{text}'")
    assert "\n" not in str(err.value)


def test_grid_errors_exit_2_in_one_line():
    r = CliRunner().invoke(app, ["sweep", PRESET, "--grid", "JPN.tariff_on.CHN=0:0.5", "--scheduler", "none"])
    assert r.exit_code == 2 and "JPN.tariff_on.CHN" in r.stderr and "Traceback" not in r.stderr
    r = CliRunner().invoke(app, ["sweep", PRESET, "--grid", "elasticity=1,2", "--scheduler", "none"])
    assert r.exit_code == 2 and "key 'elasticity': not a parameter" in r.stderr
    assert [ln for ln in r.stderr.splitlines() if ln.startswith("error:")] == r.stderr.strip().splitlines()[-1:]
    assert all(ln.startswith(("warning: ", "error: ")) for ln in r.stderr.strip().splitlines())


def test_grid_values():
    assert parse_grid("jpn.tariff_on.chn=0:0.5:11").values == tuple(np.linspace(0, 0.5, 11))
    g = parse_grid("USA.tariff_on.JPN=0.1,0.2")
    assert (g.importer, g.exporter, g.values) == ("USA", "JPN", (0.1, 0.2))
    assert parse_grid("kappa=0.5:0.5:1").values == (0.5,)


def test_sweep_is_a_labelled_array_of_single_solves():
    from tradewar.batch.sweep import setup
    from tradewar.solve import Shock, solve_model

    ds = sweep(PRESET, ["JPN.tariff_on.USA=0:0.3:2", "CHN.tariff_on.USA=0.1,0.5"], chunk=4)
    assert ds.welfare_pct.dims == ("JPN.tariff_on.USA", "CHN.tariff_on.USA", "country")
    assert ds.attrs["failed"] == 0 and (ds.status == "success").all()
    st = setup(PRESET)
    w = st.world
    t = st.t.copy()
    t[w.index("USA"), w.index("JPN")] = 0.3
    t[w.index("USA"), w.index("CHN")] = 0.1
    ref = solve_model(st.factory()({}), Shock(t=t)).outcomes["welfare_pct"]
    got = ds.welfare_pct.sel({"JPN.tariff_on.USA": 0.3, "CHN.tariff_on.USA": 0.1})
    np.testing.assert_allclose(got.values, ref, rtol=0, atol=1e-9)
    fig = heatmap_figure(ds, "JPN")
    assert fig.data[0].type == "heatmap" and np.asarray(fig.data[0].z).shape == (2, 2)
    # tariff axes in percent and in words, not the grid's keys and fractions
    assert fig.layout.yaxis.title.text == "JPN's tariff on USA, %" and 30.0 in np.asarray(fig.data[0].y)
    assert fig.data[0].colorbar.title.text == "welfare, % change"


GRID = ["--grid", "JPN.tariff_on.CHN=0:0.5:25", "--grid", "USA.tariff_on.JPN=0.1:0.3:8"]


def test_killed_sweep_resumes_to_the_same_result(tmp_path):
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "tradewar.cli", "sweep", PRESET, *GRID, "--scheduler", "none", "--chunk", "4",
           "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    manifest = out / "_manifest.json"
    done = 0
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if manifest.is_file():
                try:
                    done = len(json.loads(manifest.read_text())["done"])
                except (json.JSONDecodeError, KeyError):  # replaced while read: read again
                    done = 0
                if done >= 1:
                    break
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(30)
    doc = json.loads(manifest.read_text())
    total = doc["chunks"]
    assert total == 50
    assert 1 <= len(doc["done"]) < total, "the run was killed part-way"
    with pytest.raises(ScenarioError, match="run incomplete"):
        load_run(out)
    r = CliRunner().invoke(app, ["sweep", PRESET, *GRID, "--scheduler", "none", "--chunk", "4", "--out", str(out)])
    assert r.exit_code == 2 and "--resume" in r.stderr
    r = CliRunner().invoke(app, ["sweep", PRESET, *GRID, "--scheduler", "none", "--chunk", "4", "--out", str(out),
                                 "--resume"])
    assert r.exit_code == 0, r.output + r.stderr
    resumed = load_run(out)
    straight = sweep(PRESET, [GRID[1], GRID[3]], chunk=4)
    for k in ("welfare_pct", "real_wage_pct", "max_residual", "steps"):
        np.testing.assert_array_equal(resumed[k].values, straight[k].values)
    assert resumed.welfare_pct.dims == straight.welfare_pct.dims
    other = ["--grid", "JPN.tariff_on.CHN=0:0.5:24", "--grid", "USA.tariff_on.JPN=0.1:0.3:8"]
    r = CliRunner().invoke(app, ["sweep", PRESET, *other, "--scheduler", "none", "--chunk", "4", "--out", str(out),
                                 "--resume"])
    assert r.exit_code == 2 and "different run" in r.stderr


def test_unknown_country_in_a_grid_is_one_line_from_the_command():
    r = CliRunner().invoke(app, ["sweep", PRESET, "--grid", "JPN.tariff_on.XXX=0,1", "--scheduler", "none"])
    assert r.exit_code == 2
    assert "--grid 'JPN.tariff_on.XXX=0,1': key 'JPN.tariff_on.XXX': country 'XXX' is not in" in r.stderr


def test_grid_tariffs_are_answered_by_the_scenario_retaliation_rule():
    """A point of the grid is the scenario with that tariff: China's mirror follows the swept US rate, and a rate
    the grid sets on the retaliator itself keeps its value."""
    from tradewar import run_scenario
    from tradewar.scenario import Scenario

    layers = [{"type": "uniform", "importer": "USA", "rate": 0.25, "exclude": ["CAN", "MEX"]}]
    rule = {"rule": "mirror", "retaliators": ["CHN"], "aggressors": ["USA"]}
    war = Scenario(name="war", tariffs=layers, retaliation=rule)
    ds = sweep(war, ["USA.tariff_on.CHN=0.1,0.2,0.3,0.4"])  # four points: the chunk width of the other sweeps here
    for rate in (0.1, 0.4):
        point = Scenario(name="point", retaliation=rule,
                         tariffs=[*layers, {"type": "partner", "importer": "USA", "rates": {"CHN": rate}}])
        res = run_scenario(point).countries()["welfare_pct"]
        got = ds.welfare_pct.sel({"USA.tariff_on.CHN": rate})
        for c in ("USA", "CHN", "JPN"):
            assert float(got.sel(country=c)) == pytest.approx(res[c], abs=1e-9), (rate, c)
    both = sweep(war, ["USA.tariff_on.CHN=0.3,0.4", "CHN.tariff_on.USA=0.05,0.1"])
    fixed = Scenario(name="fixed", tariffs=[*layers, {"type": "partner", "importer": "USA", "rates": {"CHN": 0.4}},
                                            {"type": "partner", "importer": "CHN", "rates": {"USA": 0.05}}])
    usa = float(both.welfare_pct.sel({"USA.tariff_on.CHN": 0.4, "CHN.tariff_on.USA": 0.05, "country": "USA"}))
    assert usa == pytest.approx(run_scenario(fixed).countries()["welfare_pct"]["USA"], abs=1e-9)


def test_sweep_and_uncertainty_take_another_dataset(tmp_path):
    """``--data`` replaces the scenario's data in the batch commands as in the others; a thinned table says so."""
    import json

    folder = tmp_path / "w5"
    folder.mkdir()
    codes = ("USA", "CHN", "JPN", "KOR", "MEX")
    X = np.array([[50.0, 4, 3, 2, 5], [6, 80, 4, 3, 2], [3, 3, 40, 2, 1], [2, 3, 2, 30, 1], [6, 1, 1, 1, 20]])
    (folder / "trade.csv").write_text("exporter," + ",".join(codes) + "\n" + "".join(
        c + "," + ",".join(f"{v:g}" for v in row) + "\n" for c, row in zip(codes, X, strict=True)))
    (folder / "gdp.csv").write_text("country,gdp\n" + "".join(f"{c},{v:g}\n" for c, v in zip(codes, X.sum(0), strict=True)))
    scen = tmp_path / "war.toml"
    scen.write_text('name = "war"\n[[tariffs]]\ntype = "partner"\nimporter = "USA"\nrates = { CHN = 0.3 }\n'
                    '[uncertainty]\ndraws = 4\nseed = 3\n[uncertainty.params.eps]\ndist = "lognormal"\n'
                    'median = 4.0\nsigma = 0.2\n')
    args = ["sweep", str(scen), "--grid", "USA.tariff_on.CHN=0:0.5:30", "--grid", "eps=3:5:15", "--scheduler", "none",
            "--out", str(tmp_path / "run")]
    r = CliRunner().invoke(app, [*args, "--data", str(folder)])
    assert r.exit_code == 0, r.output
    assert "shown: 21 of 30 rows and 11 of 15 columns" in r.output and "│ 0.5 " in r.output
    # the same data under another spelling of their path: the same run, which --resume finds finished
    r = CliRunner().invoke(app, [*args, "--data", str(folder / ".." / "w5"), "--resume"])
    assert r.exit_code == 0, r.output
    # the table in the language of TRADEWAR_LANG
    r = CliRunner().invoke(app, [*args, "--data", str(folder), "--resume"], env={"TRADEWAR_LANG": "zh"})
    assert r.exit_code == 0, r.output
    assert "war:USA 的福利 %(450 个点,失败 0 个)" in r.output and "显示:30 行中的 21 行" in r.output
    assert "welfare" not in r.output and "wrote" not in r.output and "已写入" in r.output
    out = tmp_path / "mc.json"
    r = CliRunner().invoke(app, ["uncertainty", str(scen), "--data", str(folder), "--no-flip", "--scheduler", "none",
                                 "--json", str(out)])
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert sorted(doc["countries"]) == sorted(codes)
    r = CliRunner().invoke(app, ["uncertainty", str(scen), "--data", str(folder), "--no-flip", "--scheduler", "none"],
                           env={"TRADEWAR_LANG": "ja"})
    assert r.exit_code == 0, r.output
    assert "war:4 回の抽出による経済厚生 %(シード 3)" in r.output and "平均" in r.output and "失敗した抽出 0 回" in r.output
    assert "welfare" not in r.output and "mean" not in r.output
    # KOR and MEX trade in balance at the baseline: their deficit's percent change is undefined (NaN), which is
    # no failed draw
    assert doc["failed"] == []
