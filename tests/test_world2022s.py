"""The embedded sectoral world world2022s: provenance, contents, elasticity sets, the sectoral 2025 presets."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tradewar import run_scenario
from tradewar._exceptions import DataError
from tradewar.cli import app
from tradewar.data import load_world
from tradewar.scenario import load_scenario

from .conftest import shared_dir

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def w22():
    return load_world("world2022s")


def test_contents_and_sanity_figures(w22):
    assert (w22.n, w22.n_sectors) == (33, 16)
    assert w22.codes[:4] == ("USA", "CHN", "JPN", "EU27") and w22.codes[-2:] == ("TWN", "ROW")
    assert "Motor vehicles" in w22.sectors and "Other transport equipment" in w22.sectors
    usa, jpn = w22.index("USA"), w22.index("JPN")
    cars = w22.sectors.index("Motor vehicles")
    assert w22.trade[jpn, usa, cars] == pytest.approx(48035.6)
    assert w22.trade[jpn, usa].sum() == pytest.approx(149564.0, abs=0.5)
    assert w22.has_domestic() and np.all(w22.tariffs == 0.0)  # no tariffs are shipped
    assert "OECD Inter-Country Input-Output tables, 2023 edition (CC BY 4.0)" in w22.source
    assert "OECD (2025), Input-Output Tables, 2025 edition, http://oe.cd/icio; aggregated by tradewar" in w22.source
    # elasticities: Caliendo-Parro by default, the other sets selectable
    assert w22.extras["theta"][cars] == pytest.approx(1.115)
    fgo = load_world("world2022s", elasticities="fgo")
    assert fgo.extras["theta"][cars] == pytest.approx(8.955)
    assert "Fontagne" in fgo.source
    assert w22.schedules["us_2025_04_02"][w22.index("TWN")] == pytest.approx(0.32)
    with pytest.raises(DataError, match=r"world2022s: field 'elasticities': unknown elasticity set 'XYZ'"):
        load_world("world2022s", elasticities="XYZ")


def test_build_script_reproduces_the_shipped_flows(w22):
    cube = shared_dir("tariffwar_cubes") / "ICIO2022.mat"
    spec = importlib.util.spec_from_file_location("build_world2022s", ROOT / "tools" / "build_world2022s.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    flows, el = mod.build(cube)
    got = flows.set_index(["exporter", "importer", "sector"])["value"]
    e, i, s = (np.array([w22.codes.index(c) for c in got.index.get_level_values(0)]),
               np.array([w22.codes.index(c) for c in got.index.get_level_values(1)]),
               np.array([w22.sectors.index(c) for c in got.index.get_level_values(2)]))
    np.testing.assert_allclose(w22.trade[e, i, s], got.to_numpy(), atol=0.051)
    assert w22.trade.sum() == pytest.approx(got.sum(), rel=1e-9)
    np.testing.assert_allclose(el.set_index("sector").loc[list(w22.sectors), "CP"], w22.extras["theta_CP"])


def test_car_tariff_preset_runs_on_world2022s(w22):
    s = load_scenario("2025-04-03-us-car-tariffs-sectoral")
    assert s.data.source == "world2022s"
    r = run_scenario(s, world=w22)
    assert r.converged and r.meta["no_intermediates"] is False and r.model_params["intermediates"] is True
    usa, jpn, cars = w22.index("USA"), w22.index("JPN"), w22.sectors.index("Motor vehicles")
    f = r.equilibrium.outcomes["flows_new"]
    # Japan's car exports to the USA fall; Mexico's (10% on USMCA trade) fall less
    assert f[jpn, usa, cars] < 0.8 * w22.trade[jpn, usa, cars]
    mex = w22.index("MEX")
    assert f[jpn, usa, cars] / w22.trade[jpn, usa, cars] < f[mex, usa, cars] / w22.trade[mex, usa, cars]
    # steel and aluminium at 25% from every partner, cars 25% (10% from Canada and Mexico)
    t = r.tariffs
    metals = w22.sectors.index("Basic metals")
    assert t[jpn, usa, cars] == 0.25 and t[mex, usa, cars] == 0.10 and t[mex, usa, metals] == 0.25
    assert max(r.equilibrium.checks.values()) < 1e-8


def test_japan_deal_preset_tariffs(w22):
    from tradewar.scenario import prepare

    _, _, t, _, _ = prepare(load_scenario("2025-07-22-us-japan-deal-sectoral"), w22)
    usa, jpn, chn, gbr = (w22.index(c) for c in ("USA", "JPN", "CHN", "GBR"))
    k = {s: w22.sectors.index(s) for s in ("Motor vehicles", "Basic metals", "Machinery", "Mining and energy")}
    assert t[jpn, usa, k["Motor vehicles"]] == pytest.approx(0.15)
    assert t[jpn, usa, k["Machinery"]] == pytest.approx(0.15)
    assert t[jpn, usa, k["Basic metals"]] == pytest.approx(0.50)
    assert t[gbr, usa, k["Basic metals"]] == pytest.approx(0.25)
    assert t[chn, usa, k["Machinery"]] == pytest.approx(0.30)
    assert t[chn, usa, k["Basic metals"]] == pytest.approx(0.70)
    assert t[chn, usa, k["Mining and energy"]] == pytest.approx(0.20)
    assert t[usa, chn, k["Machinery"]] == pytest.approx(0.10)


def test_cli_run_and_data_info():
    runner = CliRunner()
    r = runner.invoke(app, ["run", "2025-04-03-us-car-tariffs-sectoral", "--countries", "JPN,USA"])
    assert r.exit_code == 0, r.output
    assert "JPN" in r.output
    assert "with intermediate inputs (input-output links)" in r.output and "baseline tariffs are zero" in r.output
    r = runner.invoke(app, ["data", "info", "world2022s"])
    assert r.exit_code == 0, r.output
    assert "OECD Inter-Country Input-Output tables" in r.output and "16 sectors" in r.output
    assert "OECD (2025), Input-Output Tables, 2025 edition, http://oe.cd/icio" in " ".join(r.output.split())


def test_report_always_has_its_sectors_section():
    from tradewar.report import build_report
    from tradewar.report._sectors import WORLD2022S_TIMELINE

    rep = build_report("JPN", sections=["sectors"])
    assert "sectors" not in rep.unavailable()
    html = rep.html
    assert "JPN: car exports to the USA, step by step" in html
    # the caption's baseline is the one the rows change from: base x (1 + change) = the first row's value
    import re

    base = float(re.search(r"2022 baseline ([\d,.]+)\)</caption>", html).group(1).replace(",", ""))
    i = html.index("JPN: car exports to the USA, step by step")
    change, level = (float(v) for v in re.search(r"<td class='num[^']*'>[\d.]+</td><td class='num[^']*'>([+-][\d.]+)"
                                                   r"</td><td class='num[^']*'>([\d.,]+)</td>", html[i:]).groups())
    assert base * (1 + change / 100) == pytest.approx(level, abs=0.06)
    assert "with intermediate inputs" in html and "without intermediate inputs" not in html
    assert "OECD (2023), Inter-Country Input-Output tables" in html
    assert "OECD (2025), Input-Output Tables, 2025 edition, http://oe.cd/icio; aggregated by tradewar" in html
    assert "baseline tariffs are zero" in html
    assert "JPN employment %" in html and "CHN output %" in html and "USA output %" in html
    assert all(name in html for name in WORLD2022S_TIMELINE)
    assert "sectors_gross_output_pct" in rep.figures


# --- the input-output structure (OECD national input-output tables, 2022) --------------------------
def _build_module():
    spec = importlib.util.spec_from_file_location("build_world2022s", ROOT / "tools" / "build_world2022s.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_input_output_shares_are_embedded(w22):
    va, io = w22.extras["va_share"], w22.extras["io_shares"]
    assert va.shape == (33, 16) and io.shape == (33, 16, 16)
    jpn, cars = w22.index("JPN"), w22.sectors.index("Motor vehicles")
    # the OECD table: Japan's motor vehicles use intermediates worth 73.5% of output at basic prices
    assert round(100.0 * (1.0 - va[jpn, cars]), 1) == 73.5
    assert np.all((va > 0) & (va < 1))
    np.testing.assert_allclose(io.sum(axis=1), 1.0, atol=1e-9)  # columns: shares of intermediate spending
    assert np.all(io >= 0)
    # cars buy most from cars (parts) in Japan; GDP is value added, below gross output
    assert io[jpn, :, cars].argmax() == cars
    assert np.all(w22.gdp < w22.trade.sum(axis=(1, 2)))


def test_build_script_reproduces_the_shipped_io_shares():
    import pandas as pd

    va, io, notes = _build_module().build_io(shared_dir("oecd_iot2022"))
    assert notes == ["CHL Motor vehicles: no output in the tables; world coefficients used"]
    folder = ROOT / "src" / "tradewar" / "data" / "world2022s"
    key = ["country", "input_sector", "output_sector"]
    pd.testing.assert_frame_equal(va.reset_index(drop=True), pd.read_csv(folder / "va_share.csv"), atol=1e-12)
    pd.testing.assert_frame_equal(io.set_index(key).sort_index(), pd.read_csv(folder / "io_shares.csv").set_index(key)
                                  .sort_index(), atol=1e-12)


#: The US car tariff of 3 April 2025 as first measured on world2022s: 25% on cars from all but Canada and
#: Mexico, 25% on basic metals from all.
CARS_2025 = """name = "cars"
[data]
source = "world2022s"
[model]
family = "caliendo_parro"
[[tariffs]]
type = "uniform"
importer = "USA"
rate = 0.25
sectors = ["Basic metals"]
[[tariffs]]
type = "uniform"
importer = "USA"
rate = 0.25
sectors = ["Motor vehicles"]
exclude = ["CAN", "MEX"]
"""


def test_intermediates_by_default_and_on_request(w22, tmp_path):
    import json

    from tradewar.models import caliendo_parro

    assert not caliendo_parro.calibrate(w22).no_intermediates
    assert caliendo_parro.calibrate(w22, intermediates=False).no_intermediates
    f = tmp_path / "cars_flat.toml"
    f.write_text(CARS_2025.replace("[model]", "[model]\nintermediates = false", 1))
    (tmp_path / "cars.toml").write_text(CARS_2025)
    flat = run_scenario(f, world=w22)
    full = run_scenario(tmp_path / "cars.toml", world=w22)
    assert full.meta["no_intermediates"] is False and full.model_params["intermediates"] is True
    assert flat.meta["no_intermediates"] is True and flat.model_params["intermediates"] is False
    jpn_flat = flat.countries().loc["JPN", "welfare_pct"]
    jpn_full = full.countries().loc["JPN", "welfare_pct"]
    assert round(jpn_flat, 3) == -0.019  # the model without intermediate inputs, as it was first shipped
    assert jpn_full < 1.5 * jpn_flat < 0  # supply chains: Japan loses more with input-output links
    out = tmp_path / "r.json"
    r = CliRunner().invoke(app, ["run", str(f), "--countries", "JPN", "--json", str(out)])
    assert r.exit_code == 0, r.output
    assert "without intermediate inputs" in r.output and "baseline tariffs are zero" in r.output
    doc = json.loads(out.read_text())
    assert doc["params"]["intermediates"] is False and doc["meta"]["no_intermediates"] is True
    assert "zero" in doc["meta"]["baseline_tariffs"]
    f.write_text(CARS_2025.replace("[model]", '[model]\nintermediates = "no"', 1))
    r = CliRunner().invoke(app, ["run", str(f)])
    assert r.exit_code != 0 and "intermediates" in r.output and "Traceback" not in r.output
