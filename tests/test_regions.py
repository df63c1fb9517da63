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
    bad._file, bad._written_for = s._file, s._written_for
    with pytest.raises(ScenarioError, match=r"key 'tariffs\.3\.rates'.*unknown country code 'XXA'"):
        policy_arrays(bad, countries(world2023))


def test_row_needs_a_world_that_has_it(world2023):
    s = Scenario(name="row", data={"source": "nowhere"}, tariffs=[{"type": "partner", "importer": "USA",
                                                                   "rates": {"ROW": 0.1}}])
    with pytest.raises(ScenarioError, match="unknown country code 'ROW'"):
        policy_arrays(s, countries(world2023))


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
