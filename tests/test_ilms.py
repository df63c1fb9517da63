"""Tests of the one-sector ILMS model family (``tradewar.models.ilms``) and the ilms2025 replication.

Identities are checked from the solver's outputs against formulas written out here, not
against the model's own intermediate arrays.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradewar._exceptions import CalibrationError, ConvergenceError, ScenarioError
from tradewar.data._world import World
from tradewar.models.ilms import (
    NU_TARGETS,
    ILMSParams,
    armington,
    calibrate,
    complete_world,
    delta_optimal,
    phi_from_nu,
    two_region_nu,
)
from tradewar.solve import Shock, SolverOptions, find_root, solve_model

BACI = Path(__file__).resolve().parents[2] / "shared" / "data" / "baci2023"
PAPER_CASES = (
    "ustr",
    "ustr_lump_sum",
    "ustr_partial_passthrough",
    "optimal",
    "ustr_reciprocal",
    "ustr_optimal_retaliation",
    "optimal_optimal_retaliation",
    "ustr_eps8",
    "ustr_ek",
)
HAT_FIELDS = ("welfare_pct", "real_wage_pct", "employment_pct", "price_index_pct", "wage_pct", "expenditure_pct")


def _world2023() -> World:
    from tradewar.data import load_world

    return load_world("world2023")


def _synthetic(n: int = 4, seed: int = 0, diagonal: bool = False, t0: float = 0.0) -> World:
    rng = np.random.default_rng(seed)
    X = rng.uniform(1.0, 10.0, (n, n))
    if diagonal:
        np.fill_diagonal(X, rng.uniform(20.0, 60.0, n))
    else:
        np.fill_diagonal(X, 0.0)
    gdp = X.sum(0) + X.sum(1) + rng.uniform(10.0, 40.0, n)
    tariffs = None
    if t0:
        tariffs = t0 * rng.uniform(0.0, 1.0, (n, n))
        np.fill_diagonal(tariffs, 0.0)
    codes = ("USA",) + tuple(f"C{k:02d}" for k in range(1, n))
    return World(codes=codes, names=codes, trade=X, gdp=gdp, tariffs=tariffs)


def _hats(eq) -> dict[str, np.ndarray]:
    return {k: 1.0 + eq.outcomes[k] / 100.0 for k in HAT_FIELDS}


# --- zero shock ----------------------------------------------------------------------------------
def _assert_zero_shock(world: World, params: ILMSParams) -> None:
    m = calibrate(world, params)
    eq = solve_model(m, m.baseline_shock())
    assert eq.converged and eq.max_residual <= 1e-12
    for k, h in _hats(eq).items():
        np.testing.assert_allclose(h, 1.0, rtol=0, atol=1e-12, err_msg=k)
    for k in ("exports_gdp_change_pct", "imports_gdp_change_pct", "deficit_change_pct"):
        np.testing.assert_allclose(eq.outcomes[k], 0.0, rtol=0, atol=1e-10, err_msg=k)
    np.testing.assert_allclose(eq.outcomes["tariff_revenue_share"], np.asarray(m.R0 / m.E), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(eq.outcomes["flows_new"], np.asarray(m.X), rtol=1e-12, atol=1e-12 * float(m.X.max()))


@pytest.mark.parametrize(
    "params",
    [ILMSParams(), ILMSParams(revenue_use="lump_sum"), armington(4.0)],
    ids=["ilms", "ilms_lump_sum", "armington"],
)
def test_zero_shock_world2023(params):
    _assert_zero_shock(_world2023(), params)


@pytest.mark.parametrize(
    "params",
    [ILMSParams(), armington(4.0), ILMSParams(nu=0.2, revenue_use="lump_sum")],
    ids=["ilms", "armington", "ilms_nu"],
)
@pytest.mark.parametrize("diagonal", [False, True], ids=["no_diag", "diag"])
@pytest.mark.parametrize("t0", [0.0, 0.3], ids=["t0=0", "t0>0"])
def test_zero_shock_synthetic(params, diagonal, t0):
    _assert_zero_shock(_synthetic(5, seed=3, diagonal=diagonal, t0=t0), params)


# --- accounting identities on random worlds --------------------------------------------------------
@st.composite
def random_case(draw):
    n = draw(st.integers(2, 6))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.1, 10.0, (n, n)) * (rng.uniform(size=(n, n)) < 0.9)  # some zero flows
    X[np.arange(n), (np.arange(n) + 1) % n] += 1.0  # every country exports and imports something
    diagonal = draw(st.booleans())
    if diagonal:
        np.fill_diagonal(X, rng.uniform(1.0, 100.0, n))
    else:
        np.fill_diagonal(X, 0.0)
    gdp = (X.sum(0) + X.sum(1)) * rng.uniform(0.5, 5.0, n)
    t = rng.uniform(0.0, 1.0, (n, n))
    np.fill_diagonal(t, 0.0)
    kind = draw(st.sampled_from(["armington", "ilms"]))
    revenue = draw(st.sampled_from(["income_tax", "lump_sum"]))
    if kind == "armington":
        params = armington(draw(st.sampled_from([2.0, 4.0, 8.0])), revenue_use=revenue)
    else:
        params = ILMSParams(nu=float(rng.uniform(0.0, 0.3)), revenue_use=revenue)
    codes = tuple(f"C{k:02d}" for k in range(n))
    return World(codes=codes, names=codes, trade=X, gdp=gdp), t, params


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(random_case())
def test_accounting_identities(case):
    world, t, params = case
    m = calibrate(world, params)
    eq = solve_model(m, Shock(t=t))
    assert eq.converged and eq.max_residual <= 1e-10
    assert eq.checks and all(v <= 1e-8 for v in eq.checks.values()), eq.checks
    o = eq.outcomes
    E, Y, T, nu = (np.asarray(a) for a in (m.E, m.Y, m.T, m.nu))
    Xn = o["flows_new"]
    h = _hats(eq)
    E1 = h["expenditure_pct"] * E
    Y1 = h["wage_pct"] * h["employment_pct"] * Y
    R = o["tariff_revenue_share"] * E
    scale = E.sum()
    # spending on goods, gross of tariffs, equals new expenditure
    np.testing.assert_allclose(((1.0 + t) * Xn).sum(0), E1, rtol=1e-9, atol=1e-10 * scale)
    # tariff revenue
    np.testing.assert_allclose((t * Xn).sum(0), R, rtol=1e-9, atol=1e-10 * scale)
    # income: sales net of the profit share of destinations, plus profits on own imports
    income = ((1.0 - nu)[None, :] * Xn).sum(1) + nu * Xn.sum(0)
    np.testing.assert_allclose(income, Y1, rtol=1e-9, atol=1e-10 * scale)
    # budget with deficits held at their share of world income
    np.testing.assert_allclose(E1, R + Y1 + T * Y1.sum() / Y.sum(), rtol=1e-9, atol=1e-10 * scale)
    # numeraire and world balance
    assert abs((E * (h["price_index_pct"] - 1.0)).sum()) <= 1e-10 * scale
    assert abs(E1.sum() - Y1.sum() - R.sum()) <= 1e-10 * scale


# --- Armington: the ACR formula ----------------------------------------------------------------
@pytest.mark.parametrize("revenue", ["lump_sum", "income_tax"])
@pytest.mark.parametrize("eps", [2.5, 4.0])
def test_acr_real_wage_armington(revenue, eps):
    """In Armington, ``w^_i/P^_i = (lambda'_ii/lambda_ii)^(-1/eps)`` for any tariff change (domestic sales untaxed)."""
    world = _synthetic(6, seed=11, diagonal=True, t0=0.2)
    m = calibrate(world, armington(eps, revenue_use=revenue))
    rng = np.random.default_rng(5)
    t = rng.uniform(0.0, 0.8, (6, 6))
    np.fill_diagonal(t, 0.0)
    eq = solve_model(m, Shock(t=t))
    E, X, t0 = np.asarray(m.E), np.asarray(m.X), np.asarray(m.t0)
    Xn = eq.outcomes["flows_new"]
    lam0 = np.diag((1 + t0) * X) / E
    lam1 = np.diag((1 + t) * Xn) / ((1 + t) * Xn).sum(0)
    np.testing.assert_allclose(1 + eq.outcomes["real_wage_pct"] / 100, (lam1 / lam0) ** (-1 / eps), rtol=1e-10)


def test_acr_gains_from_trade_autarky_limit():
    """Prohibitive tariffs take welfare to autarky, ``W^_i -> lambda_ii^(1/eps)`` (ACR), as revenue vanishes.

    Trade is balanced (symmetric flows): with deficits held fixed there is no autarky limit.
    """
    eps = 4.0
    rng = np.random.default_rng(2)
    X = rng.uniform(1.0, 10.0, (4, 4))
    X = X + X.T
    np.fill_diagonal(X, rng.uniform(20.0, 60.0, 4))
    codes = ("AAA", "BBB", "CCC", "DDD")
    m = calibrate(World(codes=codes, names=codes, trade=X, gdp=X.sum(1)), armington(eps, revenue_use="lump_sum"))
    np.testing.assert_allclose(np.asarray(m.T), 0.0, atol=1e-12)
    t = np.full((4, 4), 100.0)  # import shares fall by 101^-4: about 1e-8 of spending
    np.fill_diagonal(t, 0.0)
    eq = solve_model(m, Shock(t=t))
    lam = np.diag(np.asarray(m.X)) / np.asarray(m.E)
    W = 1 + eq.outcomes["welfare_pct"] / 100
    assert np.all(eq.outcomes["tariff_revenue_share"] < 1e-7)
    np.testing.assert_allclose(W, lam ** (1 / eps), rtol=1e-7)
    assert np.all(W < 1)


# --- symmetry --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params",
    [ILMSParams(nu=0.2), ILMSParams(nu=0.2, revenue_use="lump_sum"), armington()],
    ids=["ilms", "ilms_lump_sum", "armington"],
)
def test_symmetric_countries(params):
    """Two identical countries facing a symmetric shock get identical results (also next to a third)."""
    X = np.array([[50.0, 8.0, 3.0], [8.0, 50.0, 3.0], [2.0, 2.0, 70.0]])
    world = World(codes=("AAA", "BBB", "CCC"), names=("A", "B", "C"), trade=X, gdp=np.array([58.0, 58.0, 80.0]))
    m = calibrate(world, params)
    t = np.array([[0.0, 0.25, 0.1], [0.25, 0.0, 0.1], [0.4, 0.4, 0.0]])
    eq = solve_model(m, Shock(t=t))
    for k, v in eq.outcomes.items():
        v = np.asarray(v)
        if v.ndim == 1:
            np.testing.assert_allclose(v[0], v[1], rtol=1e-10, atol=1e-12, err_msg=k)
    Xn = eq.outcomes["flows_new"]
    np.testing.assert_allclose(Xn[[1, 0, 2]][:, [1, 0, 2]], Xn, rtol=1e-10)
    # two countries alone: the numeraire puts both price indices at 1
    two = World(codes=("AAA", "BBB"), names=("A", "B"), trade=X[:2, :2], gdp=np.array([58.0, 58.0]))
    m2 = calibrate(two, params)
    eq2 = solve_model(m2, Shock(t=np.array([[0.0, 0.3], [0.3, 0.0]])))
    for k, v in eq2.outcomes.items():
        if np.ndim(v) == 1 and k != "deficit_change_pct":  # no baseline deficit: 0/0
            assert v[0] == pytest.approx(v[1], rel=1e-10, abs=1e-12), k
    np.testing.assert_allclose(eq2.outcomes["price_index_pct"], 0.0, atol=1e-10)


# --- gradient through the solver ---------------------------------------------------------------------
def test_gradient_us_welfare_uniform_tariff():
    import jax
    import jax.numpy as jnp

    world = _world2023()
    m = calibrate(world, ILMSParams())
    us = world.index("USA")
    mask = np.zeros((world.n, world.n))
    mask[:, us] = 1.0
    mask[us, us] = 0.0
    mask = jnp.asarray(mask)
    y0 = m.initial_guess()

    def us_welfare(tau):
        shock = Shock(t=m.t0 + tau * mask)
        root = find_root(m.residual, y0, shock, 1e-12, 60)
        return m.welfare(root.value, shock)[us]

    tau = 0.2
    g = float(jax.grad(us_welfare)(tau))
    h = 1e-5
    fd = (float(us_welfare(tau + h)) - float(us_welfare(tau - h))) / (2 * h)
    assert g == pytest.approx(fd, rel=1e-6, abs=1e-9)
    assert g != 0.0


# --- calibration ---------------------------------------------------------------------------------
def test_two_region_nu_hits_targets():
    world = _world2023()
    X = np.array(world.trade)
    np.fill_diagonal(X, 0.0)
    us = world.index("USA")
    nu_rest, nu_us = two_region_nu(X, np.array(world.gdp), us)
    m = np.zeros((world.n, 2))
    m[:, 0] = 1.0
    m[us] = (0.0, 1.0)
    X2, Y2 = m.T @ X @ m, m.T @ np.array(world.gdp)
    nu = np.array([nu_rest, nu_us])
    E = Y2 + (1 - nu) * (X2.sum(0) - ((1 - nu)[None, :] * X2).sum(1))
    r1 = (E[0] - X2[1, 0]) / (E[0] - X2[1, 0] + X2[0, 1])
    r2 = (E[1] - X2[0, 1]) / (E[1] - X2[0, 1] + X2[1, 0])
    assert (1 - r1) * nu_us + r1 * nu_rest == pytest.approx(NU_TARGETS[0], abs=1e-12)
    assert r2 * nu_us + (1 - r2) * nu_rest == pytest.approx(NU_TARGETS[1], abs=1e-12)
    c = complete_world(world, "calibrate")
    assert c.nu[us] == pytest.approx(nu_us) and c.nu[0 if us else 1] == pytest.approx(nu_rest)
    np.testing.assert_allclose(c.E, c.X.sum(0), rtol=1e-14)
    np.testing.assert_allclose(c.Y + c.T, c.E, rtol=1e-12)
    mod = calibrate(world)
    np.testing.assert_allclose(np.asarray(mod.phi), phi_from_nu(c.nu, 4.0))
    assert float(mod.psi) == pytest.approx(0.67 / 4.0)


def test_delta_optimal_formula():
    X = np.array([[5.0, 2.0, 1.0], [1.0, 6.0, 2.0], [2.0, 1.0, 7.0]])
    E = X.sum(0)
    nu = np.array([0.1, 0.2, 0.3])
    lam = X / E[None, :]
    num = X[0, 1] * (1 - nu[1]) * (1 - lam[0, 1]) + X[0, 2] * (1 - nu[2]) * (1 - lam[0, 2])
    assert delta_optimal(X, E, nu, 0) == pytest.approx(num / ((1 - nu[0]) * (E[0] - X[0, 0])))
    Y = np.array([9.0, 8.0, 7.0])
    assert delta_optimal(X, E, nu, 0, denom=Y) == pytest.approx(num / ((1 - nu[0]) * (Y[0] - X[0, 0])))


def test_calibration_errors():
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    w = World(codes=("AAA", "BBB"), names=("A", "B"), trade=X, gdp=np.array([1.0, 1.0]))
    with pytest.raises(CalibrationError, match="needs the USA"):
        calibrate(w, ILMSParams())
    with pytest.raises(ScenarioError, match="profit shares"):
        ILMSParams(nu=1.5)


def test_unconverged_solve_raises():
    world = _synthetic(4, seed=1)
    m = calibrate(world, ILMSParams(nu=0.1))
    t = np.full((4, 4), 0.5)
    np.fill_diagonal(t, 0.0)
    with pytest.raises(ConvergenceError) as err:
        solve_model(m, Shock(t=t), SolverOptions(max_steps=1))
    assert err.value.diagnostics["steps"] >= 1


# --- the replication --------------------------------------------------------------------------------
@pytest.mark.shared
def test_replication_cases_converge():
    if not BACI.is_dir():
        pytest.skip(f"shared dataset baci2023 not available at {BACI.name}")
    from rich.table import Table

    from tradewar.replicate import ilms2025

    msgs: list[str] = []
    assert set(PAPER_CASES) <= set(ilms2025.CASES)
    doc = ilms2025.run(BACI, progress=msgs.append, cases=PAPER_CASES)
    assert list(doc["cases"]) == list(PAPER_CASES)
    assert len(msgs) == len(PAPER_CASES) + 1
    for name, case in doc["cases"].items():
        assert case["converged"] is True, name
        assert case["max_residual"] <= 1e-10, name
        assert case["solve_seconds"] > 0
        assert len(case["countries"]) == 194
        assert set(case["nonUS"]) == set(ilms2025.FIELDS)
        for v in case["countries"].values():
            assert set(v) == set(ilms2025.FIELDS)
    cases = doc["cases"]
    assert 0.0 < cases["optimal"]["us_tariff"] < 1.0
    assert 0.0 < cases["optimal_optimal_retaliation"]["us_tariff"] < 1.0
    r = cases["ustr_optimal_retaliation"]["retaliation_tariff"]
    assert r == cases["optimal_optimal_retaliation"]["retaliation_tariff"] and 0.0 < r < 1.0
    # the paper's qualitative findings: the USA gains without retaliation and loses with it
    assert cases["ustr"]["countries"]["USA"]["welfare_pct"] > 0 > cases["ustr"]["nonUS"]["welfare_pct"]
    assert cases["ustr_reciprocal"]["countries"]["USA"]["welfare_pct"] < 0
    assert cases["optimal"]["countries"]["USA"]["welfare_pct"] > cases["ustr"]["countries"]["USA"]["welfare_pct"]
    assert cases["ustr_ek"]["countries"]["USA"]["employment_pct"] == 0.0
    tables = ilms2025.render(doc)
    assert tables and all(isinstance(t, Table) for t in tables)
    assert tables[0].row_count == 2 * len(cases)


def test_replication_case_registry_and_errors(tmp_path):
    from tradewar._exceptions import DataError, ScenarioError
    from tradewar.replicate import ilms2025

    assert {"ustr", "optimal", "ustr_ek"} <= set(ilms2025.CASES)
    with pytest.raises(ScenarioError, match="unknown case"):
        ilms2025.run(tmp_path, cases=["nope"])
    with pytest.raises(DataError):
        ilms2025.run(tmp_path / "missing", cases=["ustr"])
