"""Batched solves (tradewar.batch.sweep.solve_batch): equal to single solves, failures reported by index, every family.

Kernels are compiled once per (model structure, batched leaves, chunk width): the tests share chunk widths
4 (tariff batches) and 16 (parameter draws) with test_uncertainty and test_sweep.
"""

from __future__ import annotations

import numpy as np
import pytest

from tradewar.batch.sweep import BatchSetup, failures, setup, solve_batch
from tradewar.data import World
from tradewar.models.ilms import ILMSParams, calibrate
from tradewar.solve import Shock, solve_model

SCENARIO = "liberation-day"


@pytest.fixture(scope="module")
def st():
    return setup(SCENARIO)


@pytest.fixture(scope="module")
def st_fixed():
    """The preset with the data's deficits held fixed: calibration then depends on eps only through psi and phi."""
    from tradewar.scenario import load_scenario

    s = load_scenario(SCENARIO)
    return setup(s.model_copy(update={"model": s.model.model_copy(update={"deficits": "fixed"})}))


def test_stack_models_shares_equal_leaves(st_fixed):
    from tradewar.batch._solve import stack_models

    f = st_fixed.factory()
    stacked = stack_models([f({"eps": 3.0}), f({"eps": 5.0})])
    # eps changes psi = 0.67/eps and phi(eps); every other array is shared, not copied
    assert sum(a == 0 for a in stacked.axes) == 3
    assert np.asarray(stacked.model.eps).tolist() == [3.0, 5.0]
    assert stacked.model.X.ndim == 2  # shared (N, N), no member axis
    with pytest.raises(ValueError, match="static field"):
        stack_models([f({"kappa": 0.5}), f({"kappa": 0.0})])


def test_chunk_size_rule():
    from tradewar.batch._solve import chunk_size, pow2_at_least

    # 64 unknowns, 32 countries: 4*64^2 + 8*1024 + 4*1024 = 28,672 numbers = 229,376 bytes per member
    assert chunk_size(64, 32, 1024, memory_bytes=229_376 * 10) == 10
    assert chunk_size(64, 32, 1024) == 1024  # capped
    assert chunk_size(10_000, 100, 10_000, memory_bytes=2**20) == 1
    assert chunk_size(1000, 31, 31 * 31 * 40, method="newton_krylov", memory_bytes=2**30) > \
        chunk_size(1000, 31, 31 * 31 * 40, method="newton", memory_bytes=2**30)
    assert [pow2_at_least(b) for b in (1, 2, 3, 4, 5, 1000)] == [1, 2, 4, 4, 8, 1024]


def test_impossible_member_is_named_and_the_others_kept(st):
    from tradewar import run_scenario

    T = np.repeat(st.t[None], 3, axis=0)
    jpn, usa = st.world.index("JPN"), st.world.index("USA")
    T[1, usa, jpn] = -0.99  # Japan subsidises US goods 99%: no admissible equilibrium
    T[2, usa, jpn] = 0.25
    ds = solve_batch(st, tariffs=T, dim="scenario", chunk=4)
    assert ds.welfare_pct.dims == ("scenario", "country")
    bad = failures(ds)
    assert [f["index"] for f in bad] == [1] and ds.attrs["failed"] == 1
    assert bad[0]["status"] != "success" and bad[0]["message"]
    assert np.isnan(ds.welfare_pct.sel(scenario=1)).all()
    ref = run_scenario(SCENARIO).countries()["welfare_pct"]
    np.testing.assert_allclose(ds.welfare_pct.sel(scenario=0).values, ref.loc[list(ds.country.values)].values,
                               rtol=0, atol=1e-9)
    one = solve_model(st.factory()({}), Shock(t=T[2]))
    np.testing.assert_allclose(ds.welfare_pct.sel(scenario=2).values, one.outcomes["welfare_pct"], atol=1e-9)
    assert (ds.max_residual.sel(scenario=[0, 2]) <= 1e-10).all()
    assert (ds.check_error.sel(scenario=[0, 2]) <= 1e-8).all()


def test_parameter_draws_equal_single_calibrated_solves(st):
    eps = np.array([2.5, 4.0, 7.0])
    ds = solve_batch(st, params={"eps": eps}, chunk=16)
    assert ds.attrs["failed"] == 0
    np.testing.assert_array_equal(ds.param_eps.values, eps)
    for k, e in enumerate(eps):
        m = calibrate(st.world, ILMSParams(eps=float(e), deficits="zero"))  # the preset's closure
        ref = solve_model(m, Shock(t=st.t)).outcomes
        for f in ("welfare_pct", "real_wage_pct", "employment_pct"):
            np.testing.assert_allclose(ds[f].isel(draw=k).values, ref[f], rtol=0, atol=1e-9)
    # a higher trade elasticity weakens the US terms-of-trade gain (ILMS 2025, Table 3)
    usa = ds.welfare_pct.sel(country="USA").values
    assert usa[0] > usa[1] > usa[2] > 0


def _sectoral_world():
    rng = np.random.default_rng(3)
    X = rng.uniform(1.0, 4.0, (3, 3, 2))
    X[np.arange(3), np.arange(3)] += 12.0
    t = np.full_like(X, 0.05)
    t[np.arange(3), np.arange(3)] = 0.0
    return World(codes=("AAA", "BBB", "CCC"), trade=X, gdp=X.sum(axis=(1, 2)), tariffs=t, sectors=("s1", "s2"),
                 extras={"theta": np.array([4.0, 8.0]), "sigma": np.array([3.0, 5.0])})


@pytest.mark.parametrize("family,param", [("caliendo_parro", "theta"), ("ossa", "sigma")])
def test_sectoral_families_batch(family, param):
    from tradewar.models._registry import build_model

    w = _sectoral_world()
    t = np.array(w.tariffs)
    t[:, 0, :] += 0.2  # AAA raises its tariffs on everyone (own sales untouched below)
    t[0, 0, :] = 0.0
    st = BatchSetup(world=w, family=family, params={}, t=t, x=None, name=f"{family}-test")
    vals = np.array([[4.0, 8.0], [3.0, 6.0]]) if param == "theta" else np.array([[3.0, 5.0], [2.5, 6.0]])
    ds = solve_batch(st, params={param: vals}, chunk=2)
    assert ds.attrs["failed"] == 0, failures(ds)
    assert ds[f"param_{param}"].dims == ("draw", "sector")
    for k in range(2):
        wk = w.replace(extras={**dict(w.extras), param: vals[k]})
        m = build_model(family, wk, {})
        ref = solve_model(m, Shock(t=t)).outcomes["welfare_pct"]
        np.testing.assert_allclose(ds.welfare_pct.isel(draw=k).values, ref, rtol=0, atol=1e-8)
    assert not np.allclose(ds.welfare_pct.isel(draw=0), ds.welfare_pct.isel(draw=1))
