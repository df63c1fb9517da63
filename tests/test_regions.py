"""Scenarios written for a world of regions (world2023: EU27, ROW) on a world of countries (``--data``)."""

from __future__ import annotations

import numpy as np
import pytest

from tradewar import ScenarioError
from tradewar.data import EU27_MEMBERS, World
from tradewar.scenario import Scenario, load_scenario, policy_arrays

from .conftest import shared_dir


def countries(world2023) -> World:
    """A world of countries: world2023's, its EU27 as three members, and TWN and COL for its ROW."""
    codes = (*(c for c in world2023.codes if c not in ("EU27", "ROW")), "DEU", "FRA", "ITA", "TWN", "COL")
    n = len(codes)
    return World(codes=codes, trade=np.ones((n, n)) + np.eye(n), gdp=np.full(n, float(n + 1)))


def test_preset_regions_become_their_countries(world2023):
    w = countries(world2023)
    s = load_scenario("liberation-day").with_data("elsewhere")
    t, _, _ = policy_arrays(s, w)
    us = w.index("USA")
    for eu in ("DEU", "FRA", "ITA"):
        assert t[w.index(eu), us] == pytest.approx(0.2)  # the rate on EU27
    assert t[w.index("TWN"), us] == pytest.approx(0.164) and t[w.index("COL"), us] == pytest.approx(0.164)  # ROW
    assert t[w.index("JPN"), us] == pytest.approx(0.241) and t[w.index("BRA"), us] == pytest.approx(0.089)
    assert t[w.index("USA"), w.index("CHN")] == pytest.approx(0.046)


def test_importing_region_does_not_tax_its_own_members(world2023):
    s = Scenario(name="eu", tariffs=[{"type": "uniform", "importer": "EU27", "rate": 0.1},
                                     {"type": "partner", "importer": "USA", "rates": {"EU27": 0.3, "FRA": 0.05}}],
                 retaliation={"rule": "mirror", "retaliators": ["EU27"], "aggressors": ["USA"]})
    w = countries(world2023)
    t, _, _ = policy_arrays(s, w)
    eu = [w.index(c) for c in ("DEU", "FRA", "ITA")]
    others = [k for k in range(w.n) if k not in eu]
    assert np.all(t[np.ix_(eu, eu)] == 0.0)  # intra-EU trade was the region's own sales
    us = w.index("USA")
    assert t[w.index("DEU"), us] == pytest.approx(0.3) and t[w.index("FRA"), us] == pytest.approx(0.05)  # explicit wins
    # every member levies 10% on non-members, and mirrors the US tariff on its own goods
    assert t[us, w.index("DEU")] == pytest.approx(0.3) and t[us, w.index("FRA")] == pytest.approx(0.05)
    assert np.all(t[np.ix_([k for k in others if k != us], eu)] == pytest.approx(0.1))


def test_unknown_codes_still_name_the_key(world2023):
    s = load_scenario("liberation-day").with_data("elsewhere")
    bad = s.model_copy(update={"tariffs": [*s.tariffs, s.tariffs[1].model_copy(update={"rates": {"XXA": 0.1}})]})
    bad._file = s._file
    with pytest.raises(ScenarioError, match=r"key 'tariffs\.3\.rates'.*unknown country code 'XXA'"):
        policy_arrays(bad, countries(world2023))


def test_row_needs_a_world_that_has_it(world2023):
    s = Scenario(name="row", data={"source": "nowhere"}, tariffs=[{"type": "partner", "importer": "USA",
                                                                   "rates": {"ROW": 0.1}}])
    with pytest.raises(ScenarioError, match="unknown country code 'ROW'"):
        policy_arrays(s, countries(world2023))


def _eu_scenario(*layers, **kw) -> Scenario:
    return Scenario(name="eu", tariffs=list(layers), **kw).with_data("elsewhere")


def test_layers_on_every_importer_leave_trade_inside_a_region_alone(world2023):
    w = countries(world2023)
    eu = [w.index(c) for c in ("DEU", "FRA", "ITA")]
    row = [w.index(c) for c in ("TWN", "COL")]
    s = _eu_scenario({"type": "partner", "importer": "*", "rates": {"EU27": 0.2}},
                     {"type": "pair", "exporter": "ROW", "rate": 0.3},
                     {"type": "uniform", "importer": "ROW", "rate": 0.05, "exclude": ["EU27"]})
    t, _, _ = policy_arrays(s, w)
    assert np.all(t[np.ix_(eu, eu)] == 0.0) and np.all(t[np.ix_(row, row)] == 0.0)  # the regions' own sales
    us, jp = w.index("USA"), w.index("JPN")
    assert np.allclose(t[eu, us], 0.2) and np.allclose(t[eu, jp], 0.2) and np.allclose(t[row, us], 0.3)
    assert np.allclose(t[us, row], 0.05) and np.allclose(t[np.ix_(eu, row)], 0.2)  # the first layer; the third excludes EU


def test_a_member_importer_never_taxes_its_own_region(world2023):
    w = countries(world2023)
    s = _eu_scenario({"type": "partner", "importer": "FRA", "rates": {"EU27": 0.1, "USA": 0.2}})
    t, _, _ = policy_arrays(s, w)
    fr = w.index("FRA")
    assert t[w.index("USA"), fr] == pytest.approx(0.2) and t[w.index("DEU"), fr] == 0.0


def test_eu27_names_the_members_in_a_world_written_for():
    w = World(codes=("USA", "DEU", "FRA", "JPN"), trade=np.ones((4, 4)) + np.eye(4), gdp=np.full(4, 5.0))
    s = Scenario(name="own", data={"source": "nowhere"},
                 tariffs=[{"type": "partner", "importer": "USA", "rates": {"EU27": 0.2, "JPN": 0.1}}])
    t, _, _ = policy_arrays(s, w)
    assert t[1, 0] == t[2, 0] == pytest.approx(0.2) and t[3, 0] == pytest.approx(0.1)


def test_a_region_without_countries_is_a_located_error(world2023):
    codes = (*(c for c in world2023.codes if c not in ("EU27", "ROW")), "DEU")
    n = len(codes)
    w = World(codes=codes, trade=np.ones((n, n)) + np.eye(n), gdp=np.full(n, float(n + 1)))
    with pytest.raises(ScenarioError, match=r"key 'tariffs\.0\.rates', line \d+: region ROW has no countries"):
        policy_arrays(load_scenario("liberation-day").with_data("elsewhere"), w)


def test_the_world_written_for_survives_serialisation():
    s = load_scenario("liberation-day").with_data("elsewhere")
    assert s.data.written_for == "world2023"
    assert Scenario.model_validate_json(s.model_dump_json()).data.written_for == "world2023"
    assert s.with_data("again").data.written_for == "world2023"


@pytest.mark.shared
@pytest.mark.slow  # the 194-country programs: .ci/run runs it after the README command
def test_liberation_day_on_194_countries():
    from tradewar import run_scenario

    data = shared_dir("baci2023")
    res = run_scenario(load_scenario("liberation-day").with_data(str(data)))
    w = res.world
    assert w.n == 194
    t, us = np.asarray(res.tariffs), w.index("USA")
    eu = [c for c in EU27_MEMBERS if c in w.codes]
    assert len(eu) == 27 and np.allclose(t[w.indices(eu), us], 0.2)
    assert t[w.index("COL"), us] == pytest.approx(0.164)  # in world2023's ROW
    assert np.all(np.diag(t) == 0.0)


@pytest.mark.shared
@pytest.mark.slow
def test_uncertainty_on_194_countries():
    """Batches rebuild the scenario from its JSON on each worker: the world it was written for goes along."""
    from tradewar.batch.uncertainty import uncertainty

    s = load_scenario("liberation-day").with_data(str(shared_dir("baci2023")))
    u = uncertainty(s, draws=4, flip=False, scheduler="none")
    assert u.draws.sizes["country"] == 194 and u.draws.sizes["draw"] == 4
    assert np.all(u.draws["welfare_pct"].sel(country="USA").to_numpy() > 0)  # the US gains at every draw


@pytest.mark.shared
@pytest.mark.slow
def test_bloc_preset_on_194_countries(tmp_path):
    """The shipped bloc's candidate EU27 is the 27 EU members on a world of countries, joining together."""
    import json

    from typer.testing import CliRunner

    from tradewar.cli import app

    out = tmp_path / "bloc.json"
    r = CliRunner().invoke(app, ["bloc", "us-bloc-china", "--data", str(shared_dir("baci2023")), "--json", str(out)])
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert "EU27" in doc["candidates"] and len(doc["coalitions"]) == 1024
    eu = doc["candidates"]["EU27"]
    assert -5.0 < eu["no_bloc_pct"] < 0.0  # the 2 April schedule costs the EU (world2023: -0.35%)
    grand = doc["coalitions"][-1]["welfare_pct"]
    assert "EU27" in grand and "DEU" in grand and len(grand) == 195
    # the leader's offer to a member (the carrot, 10%) or the 2 April schedule's 20% on the EU, trade-weighted
    joined = "EU27" in doc["coalition"]
    assert doc["tariffs"]["USA on EU27"] == pytest.approx(0.10 if joined else 0.20)
    if joined:
        assert doc["tariffs"]["EU27 on CHN"] == pytest.approx(0.2)  # every member's tariff on China


def test_exports_to_the_eu_on_a_world_of_countries(world2023):
    """The report's partner EU27 is the EU members together where the world has them: a number, never n/a."""
    from types import SimpleNamespace

    from tradewar.report.timeline import export_change_pct

    w = countries(world2023)
    base = np.asarray(w.trade, dtype=float)
    new = base.copy()
    jp, de, fr = w.index("JPN"), w.index("DEU"), w.index("FRA")
    new[jp, de] *= 1.5
    new[de, fr] *= 0.5
    res = SimpleNamespace(world=w, equilibrium=SimpleNamespace(outcomes={"flows_new": new}), flows_base=lambda: base)
    eu = [w.index(c) for c in ("DEU", "FRA", "ITA")]
    assert export_change_pct(res, "JPN", "EU27") == pytest.approx(100 * (new[jp, eu].sum() / base[jp, eu].sum() - 1))
    others = [w.index(c) for c in ("FRA", "ITA")]  # Germany's exports to the EU leave out its own sales
    assert export_change_pct(res, "DEU", "EU27") == pytest.approx(100 * (new[de, others].sum() / base[de, others].sum() - 1))
    assert np.isnan(export_change_pct(res, "JPN", "XXX"))


def test_a_region_code_on_a_world_of_countries_says_to_name_them(world2023):
    from tradewar._exceptions import DataError

    w = countries(world2023)
    with pytest.raises(DataError, match=r"unknown country code 'EU27'.*region of world2023 .* name them \(DEU, FRA, ITA"):
        w.index("EU27")
    with pytest.raises(DataError, match="ROW is a region of world2023: name the countries"):
        w.index("ROW")
    with pytest.raises(DataError, match=r"'EU' .*did you mean EU27\?"):  # a world of regions has the code
        world2023.index("EU")
