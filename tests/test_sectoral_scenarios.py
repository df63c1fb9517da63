"""Sectoral scenario files: tariffs and export controls by sector name, on a dataset the user points to."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from tradewar import ScenarioError, run_scenario
from tradewar.cli import app
from tradewar.data import load_world
from tradewar.scenario import load_scenario, prepare

from .conftest import shared_dir

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def adb():
    return load_world(shared_dir("adbmrio44x19_2017_2023"))


def test_transport_tariff_cells(adb):
    s = load_scenario("us-transport-25")
    world, _, t, x, _ = prepare(s, adb)
    us, tr = world.index("USA"), world.sectors.index("Transport equipment")
    added = t - np.asarray(world.tariffs)
    assert added[world.index("JPN"), us, tr] == pytest.approx(0.25)
    assert added[world.index("CAN"), us, tr] == 0.0 and added[world.index("MEX"), us, tr] == 0.0
    assert np.count_nonzero(added) == world.n - 3  # every partner but CAN, MEX (and the USA itself)
    assert x is None


def test_export_control_reduces_japanese_machinery_sales_to_china(adb):
    base = run_scenario("us-transport-25", world=adb)
    ctrl = run_scenario("us-transport-25-jpn-export-control", world=adb)
    j, c = adb.index("JPN"), adb.index("CHN")
    m = adb.sectors.index("Machinery n.e.c.")
    f0 = base.bilateral().values[j, c, m]
    f1 = ctrl.bilateral().values[j, c, m]
    assert ctrl.converged and f1 < 0.5 * f0
    sec = ctrl.sectors()
    assert sec is not None and ("JPN", "Transport equipment") in sec.index


def test_sector_names_resolve_by_unique_prefix_and_reject_unknown(adb):
    from tradewar.policy import Layer, apply_layers

    t = apply_layers(adb, [Layer("uniform", importer="USA", rate=0.1, sectors=["Machinery"])])
    assert np.count_nonzero(t - np.asarray(adb.tariffs)) == adb.n - 1
    with pytest.raises(ScenarioError, match="ambiguous"):
        apply_layers(adb, [Layer("uniform", importer="USA", rate=0.1, sectors=["Transport"])])
    with pytest.raises(ScenarioError, match="unknown sector 'Cars'"):
        apply_layers(adb, [Layer("uniform", importer="USA", rate=0.1, sectors=["Cars"])])


def test_cli_by_sector_json(tmp_path):
    out = tmp_path / "s.json"
    d = shared_dir("adbmrio44x19_2017_2023")
    res = CliRunner().invoke(
        app, ["run", "us-transport-25", "--data", str(d), "--countries", "JPN,USA", "--by-sector", "--json", str(out)]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert set(doc["sectors"]) == {"JPN", "USA"}
    assert doc["sectors"]["JPN"]["Transport equipment"]["gross_output_pct"] < 0
    assert "by sector" in res.output


def test_export_taxes_need_a_sectoral_model(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(
        'name = "x"\n[[tariffs]]\ntype = "pair"\nexporter = "JPN"\nimporter = "CHN"\nrate = 0.5\nexport_tax = true\n'
    )
    with pytest.raises(ScenarioError, match="export taxes need model family 'caliendo_parro'"):
        run_scenario(p)
