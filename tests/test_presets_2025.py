"""The 2025 presets tell one story: one-sector and sectoral twins levy the same rates, Hong Kong pays China's US
rates, Canada and Mexico pay the IEEPA tariffs on their non-USMCA goods, and every preset says what it simplifies."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from tradewar import run_scenario
from tradewar.data import load_world
from tradewar.policy import apply_layers
from tradewar.scenario import _layer, list_bloc_presets, list_presets, load_scenario

ROOT = Path(__file__).resolve().parents[1]

#: one-sector preset (world2023) -> its sectoral twin (world2022s) and the importers whose rates they share.
#: On 2 April China had not yet answered with 34% (4 April): only the US rates are shared there.
TWINS = {
    "2025-04-02-liberation-day": ("2025-04-05-liberation-day-sectoral", ("USA",)),
    "2025-04-09-pause-escalation": ("2025-04-09-pause-escalation-sectoral", ("USA", "CHN", "CAN")),
    "2025-05-12-geneva-truce": ("2025-05-12-geneva-truce-sectoral", ("USA", "CHN", "CAN")),
    "2025-07-22-us-japan-deal": ("2025-07-22-us-japan-deal-sectoral", ("USA", "CHN", "CAN")),
}
SECTORAL_2025 = [s for s, _ in TWINS.values()] + ["2025-06-04-us-steel-aluminium-50-sectoral"]


@pytest.fixture(scope="module")
def worlds():
    return {"world2023": load_world("world2023"), "world2022s": load_world("world2022s")}


def _tariffs(name, worlds):
    """The preset's tariffs on its own data (layers only: every preset here has no retaliation rule)."""
    s = load_scenario(name)
    assert s.retaliation.rule == "none"
    w = worlds[s.data.source]
    return w, apply_layers(w, [_layer(ly) for ly in s.tariffs if not ly.export_tax])


def _rates_tool():
    spec = importlib.util.spec_from_file_location("one_sector_rates", ROOT / "tools" / "one_sector_rates.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_preset_loads_and_says_what_it_simplifies():
    presets = list_presets()
    assert {"2023-08-24-china-japan-seafood-ban-sectoral", "2024-12-02-chip-tool-export-controls-sectoral"} <= {
        s.name for s in presets}
    for s in presets:
        assert "Simplified" in s.notes, s.name
    for b in list_bloc_presets():
        assert b["notes"], b["name"]


@pytest.mark.parametrize("one", sorted(TWINS))
def test_one_sector_twin_levies_the_goods_weighted_rates_of_the_sectoral_preset(one, worlds):
    sectoral, importers = TWINS[one]
    w1, t1 = _tariffs(one, worlds)
    w2, t2 = _tariffs(sectoral, worlds)
    tool = _rates_tool()
    for imp in importers:
        want = tool.effective_rates(w2, t2, imp)
        i = w1.index(imp)
        partners = [c for c in w1.codes if c != imp] if imp == "USA" else ["USA"]
        for c in partners:
            # written in the preset to 0.1 percentage point
            assert t1[w1.index(c), i] == pytest.approx(want[c], abs=5.1e-4), (one, imp, c)
    # Hong Kong's rates are China's sector by sector (below), averaged with Hong Kong's own mix of goods here
    us = w1.index("USA")
    # Canada and Mexico pay the IEEPA tariffs on their non-USMCA goods and the car tariff on USMCA trade
    assert t1[w1.index("CAN"), us] > 0.05 and t1[w1.index("MEX"), us] > 0.05


@pytest.mark.parametrize("name", SECTORAL_2025)
def test_sectoral_presets_tax_hong_kong_as_china_and_never_services(name, worlds):
    w, t = _tariffs(name, worlds)
    us, k = w.index("USA"), w.sectors.index("Services")
    np.testing.assert_array_equal(t[w.index("HKG"), us], t[w.index("CHN"), us])
    assert np.all(t[:, :, k] == 0.0)
    can, mex = w.index("CAN"), w.index("MEX")
    goods = [j for j, s in enumerate(w.sectors) if s != "Services"]
    assert np.all(t[can, us, goods] > 0.0) and np.all(t[mex, us, goods] > 0.0)
    assert t[us, can, goods] == pytest.approx(np.full(len(goods), 0.031))  # Canada's counter-tariffs
    if name != "2025-04-05-liberation-day-sectoral":  # electronics exempt from the reciprocal tariffs from 11 April
        e = w.sectors.index("Electronics")
        assert t[w.index("JPN"), us, e] == 0.0 and t[w.index("CHN"), us, e] == pytest.approx(0.20)


def test_canada_and_mexico_lose_and_hong_kong_is_not_the_winner_of_liberation_day():
    r = run_scenario("2025-04-05-liberation-day-sectoral")
    wel = r.countries()["welfare_pct"]
    assert wel["CAN"] < 0 and wel["MEX"] < 0
    assert wel.idxmax() != "HKG"


def test_seafood_ban_and_chip_tool_controls(worlds):
    w = worlds["world2022s"]
    jpn, chn, hkg = w.index("JPN"), w.index("CHN"), w.index("HKG")
    _, t = _tariffs("2023-08-24-china-japan-seafood-ban-sectoral", worlds)
    food = w.sectors.index("Food")
    # the banned share s as a tariff equivalent (1 - s)^(-1/theta) - 1: China s = 31%, Hong Kong s = 7%
    theta = w.extras["theta"][food]
    assert t[jpn, chn, food] == pytest.approx(0.69 ** (-1 / theta) - 1, abs=5e-4)
    assert t[jpn, hkg, food] == pytest.approx(0.93 ** (-1 / theta) - 1, abs=5e-4)
    assert np.count_nonzero(t) == 4

    r = run_scenario("2024-12-02-chip-tool-export-controls-sectoral")
    m = w.sectors.index("Machinery")
    f = np.asarray(r.equilibrium.outcomes["flows_new"])
    for c in ("USA", "JPN", "EU27"):
        j = w.index(c)
        assert f[j, chn, m] < w.trade[j, chn, m], c  # controlled sales fall
    kor = w.index("KOR")
    assert f[kor, chn, m] > w.trade[kor, chn, m]  # an uncontrolled supplier sells more
    # the export taxes are in the table of applied measures, where --tariffs-out writes them
    tab = r.tariff_table().set_index(["exporter", "importer", "sector"])["export_tax"]
    assert tab[("USA", "CHN", "Machinery")] == pytest.approx(0.075) and tab[("KOR", "CHN", "Machinery")] == 0.0
    assert np.count_nonzero(tab.to_numpy()) == 3
