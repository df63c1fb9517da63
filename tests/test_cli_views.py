"""What a preset does, seen from the command line: its TOML, the tariffs it applied, the flows it moved,
and help pages that print brackets as written."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from tradewar.cli import app
from tradewar.scenario import preset_path

runner = CliRunner()


def test_scenarios_show_prints_the_preset_toml():
    res = runner.invoke(app, ["scenarios", "show", "liberation-day"])
    assert res.exit_code == 0, res.stderr
    assert res.stdout == preset_path("2025-04-02-liberation-day").read_text(encoding="utf-8")
    bloc = runner.invoke(app, ["scenarios", "show", "us-bloc-china"])
    assert bloc.exit_code == 0 and "candidates" in bloc.stdout


def test_scenarios_show_unknown_name_suggests_close_ones():
    res = runner.invoke(app, ["scenarios", "show", "2025-04-02-liberation-dai"])
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and "did you mean 2025-04-02-liberation-day" in res.stderr


def test_scenarios_marks_presets_with_an_embedded_twin():
    res = runner.invoke(app, ["scenarios"])
    assert res.exit_code == 0
    assert "needs --data" in res.stdout and "embedded twin:" in res.stdout


def test_run_writes_applied_tariffs_and_sectoral_flows(tmp_path):
    t, f = tmp_path / "t.csv", tmp_path / "f.csv"
    res = runner.invoke(app, ["run", "2025-04-03-us-car-tariffs-sectoral", "--countries", "JPN",
                              "--tariffs-out", str(t), "--flows-out", str(f)])
    assert res.exit_code == 0, res.stderr
    tar = pd.read_csv(t).set_index(["exporter", "importer", "sector"])
    assert tar.loc[("JPN", "USA", "Motor vehicles"), "tariff"] == pytest.approx(0.25)
    assert tar.loc[("USA", "JPN", "Motor vehicles"), "tariff"] == pytest.approx(0.0)
    assert not (tar.index.get_level_values(0) == tar.index.get_level_values(1)).any()
    flows = pd.read_csv(f).set_index(["exporter", "importer", "sector"])
    car = flows.loc[("JPN", "USA", "Motor vehicles")]
    assert car["value_new"] < car["value_base"]
    assert car["change_pct"] == pytest.approx(100 * (car["value_new"] / car["value_base"] - 1))
    # the paper's split of welfare is first order: the table says so, and how to get the exact one
    assert "first-order approximation" in res.output and "decomposition_nodes = 6" in res.output


@pytest.mark.parametrize("cmd", [["uncertainty"], ["sweep"], ["run"], ["optimal"], ["nash"], ["talks"], ["bloc"],
                                 ["report"], ["scenarios", "show"], ["data", "info"], ["replicate"]])
def test_help_prints_brackets_as_written(cmd):
    from tradewar.cli import _plain

    res = runner.invoke(app, [*cmd, "--help"], env={"COLUMNS": "400"})
    assert res.exit_code == 0
    assert "its  table" not in res.stdout and "the  table" not in res.stdout
    if cmd == ["uncertainty"]:
        assert "[uncertainty] table" in res.stdout
    assert _plain("[data]") != "[data]"


def test_ossa_family_runs_from_the_command_line(tmp_path):
    from tests.conftest import shared_dir

    data = shared_dir("ossa2014")
    p = tmp_path / "ossa.toml"
    p.write_text('[model]\nfamily = "ossa"\n[[tariffs]]\ntype = "uniform"\nimporter = "USA"\nrate = 0.25\n')
    res = runner.invoke(app, ["run", str(p), "--data", str(data), "--json", str(tmp_path / "o.json")])
    assert res.exit_code == 0, res.stderr
    import json

    doc = json.loads((tmp_path / "o.json").read_text())
    assert doc["model"] == "ossa" and doc["converged"]
    # a 25% tariff on every partner: the USA gains on its terms of trade, every partner loses
    assert doc["countries"]["USA"]["welfare_pct"] > 0
    assert all(v["welfare_pct"] < 0 for c, v in doc["countries"].items() if c != "USA")


@pytest.mark.parametrize("cmd", [["run"], ["optimal"], ["nash"], ["talks"], ["uncertainty"], ["bloc"],
                                 ["scenarios", "show"], ["sweep", "--grid", "eps=3,4"]])
def test_a_name_longer_than_a_file_name_is_one_line(cmd):
    head = cmd[:2] if cmd[0] == "scenarios" else cmd[:1]
    res = runner.invoke(app, [*head, "a" * 300, *cmd[len(head):]])
    assert res.exit_code == 2, res.output
    assert res.stderr.count("\n") == 1 and "a" * 300 not in res.stderr, res.stderr
    assert "too long" in res.stderr or "unknown preset 'aaa" in res.stderr, res.stderr
    assert "File name too long" not in res.stderr and "presets/" not in res.stderr


def test_nash_and_optimal_explain_their_columns_and_keep_their_titles_whole(tmp_path, monkeypatch):
    """The Nash table says what "welfare vs base" and "vs free trade" measure and why a player can end
    above free trade; the optimal tariff's title is a line of its own, not squeezed into a column."""
    from tests.test_cli_bad_inputs import _small_scenario

    monkeypatch.chdir(tmp_path)
    _small_scenario(tmp_path)
    res = runner.invoke(app, ["nash", "small.toml", "--players", "USA,CHN"], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert "welfare vs base: % change from the equilibrium at the scenario's tariffs" in text
    assert "vs free trade: % change from a world with no tariffs at all" in text
    assert "can end above free trade" in text
    res = runner.invoke(app, ["optimal", "small.toml", "--country", "USA"], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    assert any(ln.startswith("Optimal uniform tariff of USA (small)") for ln in res.stdout.splitlines()), res.stdout


@pytest.mark.parametrize("preset", ["liberation-day", "2025-04-03-us-car-tariffs-sectoral"])
def test_the_per_country_table_is_the_result_sorted_by_welfare_as_pandas_would_show_it(preset):
    """``result_frame`` builds the CLI's table from the result's arrays (no pandas); the same table from the
    DataFrame of ``Result.countries`` prints the same, and a value that is not finite prints as n/a."""
    from rich.console import Console

    from tradewar import run_scenario
    from tradewar.cli import LABELS, frame_table, result_frame
    from tradewar.cli._app import Columns

    def printed(table) -> str:
        con = Console(width=250, record=True)
        con.print(frame_table(table, "t", "country"))
        return con.export_text()

    res = run_scenario(preset)
    for codes in (None, ["JPN", "USA", "CHN"]):
        df = res.countries(codes).sort_values("welfare_pct", ascending=False)
        df = df[[c for c in df.columns if c in LABELS]].copy()
        df["tariff_revenue_share"] *= 100.0
        table = result_frame(res, codes)
        assert isinstance(table, Columns) and table.index == list(df.index) and len(table) == len(df.index)
        assert printed(table) == printed(df.rename(columns=LABELS))
        assert printed(table.to_frame()) == printed(table)
    w = Columns(index=["A", "B", "C"], columns={"welfare %": [1.0, float("nan"), 3.0]}, index_name="country")
    assert "n/a" in printed(w) and "nan" not in printed(w).lower().replace("n/a", "")


def test_talks_by_default_searches_tariffs_not_subsidies(tmp_path):
    """The default deal keeps both tariffs at or above zero, both parties gain, and the table says what it shows."""
    import json

    out = tmp_path / "talks.json"
    res = runner.invoke(app, ["talks", "liberation-day", "--json", str(out)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.stderr
    doc = json.loads(out.read_text())
    deal, threat = doc["tariffs"]["deal"], doc["tariffs"]["threat"]
    assert min(deal.values()) >= 0.0 and 0.0 < deal["USA on JPN"] < threat["USA on JPN"]
    assert doc["gains_pct"]["USA"] > 0 and doc["gains_pct"]["JPN"] > 0
    assert "bargaining weight of USA 0.5" in res.stdout and "not the bargaining weight" in res.stdout
    assert "the threat's own rate" in res.stdout  # at the current tariffs Japan does not retaliate


def test_bloc_says_how_many_gain_and_lose():
    res = runner.invoke(app, ["bloc", "us-bloc-china"], env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.stderr
    text = " ".join(ln.strip() for ln in res.stdout.splitlines())  # the console wraps long lines
    line = text[text.index("vs no bloc"):]
    import re

    n_gain, n_lose = map(int, re.match(r"vs no bloc \((\d+) gain, (\d+) lose", line).groups())
    gain, lose = re.match(r".*gain: (.*); lose: (.*) \(largest loss", line).groups()
    for n, listed in ((n_gain, gain), (n_lose, lose)):
        cut = re.search(r" and (\d+) more$", listed)
        shown = len(listed[: cut.start()].split(", ")) if cut else len(listed.split(", "))
        assert shown == min(n, 12) and (int(cut.group(1)) if cut else 0) == n - shown


def test_sector_tables_have_labels_and_small_columns_keep_their_digits():
    res = runner.invoke(app, ["run", "2025-04-05-liberation-day-sectoral", "--by-sector", "--countries", "JPN"],
                        env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.stderr
    out = res.stdout
    assert "gross output %" in out and "gross_output_pct" not in out and "tot_by_sector_pct" not in out
    assert "-0.00 " not in out  # a small negative is printed with its digits, or as 0.00
