"""Tests of the one-sector ILMS model family (``tradewar.models.ilms``) and the ilms2025 replication.

Identities are checked from the solver's outputs against formulas written out here, not
against the model's own intermediate arrays.
"""

from __future__ import annotations

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

from .conftest import assert_printed, decimals, reference, shared_dir

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
    [ILMSParams(), ILMSParams(revenue_use="lump_sum"), armington(4.0), ILMSParams(beta=0.49)],
    ids=["ilms", "ilms_lump_sum", "armington", "ilms_io"],
)
def test_zero_shock_world2023(params):
    _assert_zero_shock(_world2023(), params)


@pytest.mark.parametrize(
    "params",
    [ILMSParams(), armington(4.0), ILMSParams(nu=0.2, revenue_use="lump_sum"), ILMSParams(nu=0.2, beta=0.49)],
    ids=["ilms", "armington", "ilms_nu", "ilms_io"],
)
@pytest.mark.parametrize("diagonal", [False, True], ids=["no_diag", "diag"])
@pytest.mark.parametrize("t0", [0.0, 0.3], ids=["t0=0", "t0>0"])
def test_zero_shock_synthetic(params, diagonal, t0):
    _assert_zero_shock(_synthetic(5, seed=3, diagonal=diagonal, t0=t0), params)


# --- accounting identities on random worlds --------------------------------------------------------
@st.composite
def random_case(draw):
    # one size: the identities do not depend on it, and each size and closure is a program to compile
    # (a two-country world: test_symmetric_countries)
    n = 4
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.1, 10.0, (n, n)) * (rng.uniform(size=(n, n)) < 0.9)  # some zero flows
    X[np.arange(n), (np.arange(n) + 1) % n] += 1.0  # every country exports and imports something
    diagonal = draw(st.booleans())
    if diagonal:
        np.fill_diagonal(X, rng.uniform(1.0, 100.0, n))
    else:
        np.fill_diagonal(X, 0.0)
    # income at least the country's trade: a deficit held fixed stays a share of income that can still be
    # paid under tariffs up to 100% (a larger one can leave no admissible equilibrium)
    gdp = (X.sum(0) + X.sum(1)) * rng.uniform(1.0, 5.0, n)
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


# --- roundabout production (beta < 1) ---------------------------------------------------------------
@pytest.mark.parametrize("revenue", ["income_tax", "lump_sum"])
@pytest.mark.parametrize("t0", [0.0, 0.2], ids=["t0=0", "t0>0"])
def test_input_output_equations(revenue, t0):
    """The input-output model of ILMS (2025), every equation written out here and checked on the solution.

    Unknowns ``w^, E^, L^, P^`` from the outputs; the data construction from the completed flows; the
    equations with ``c_j = w^_j^beta P^_j^(1-beta)``, ``e_j = (w^_j/P^_j)^(1-beta)``.
    """
    beta, nu = 0.49, np.array([0.05, 0.1, 0.2, 0.15, 0.3])
    world = _synthetic(5, seed=7, diagonal=True, t0=t0)
    p = ILMSParams(nu=tuple(nu), beta=beta, revenue_use=revenue)
    m = calibrate(world, p)
    # data: the completed flows with the diagonal grossed up by 1/beta
    c = complete_world(world, tuple(nu))
    X = c.X.copy()
    X[np.diag_indices(5)] /= beta
    tb = c.t0
    E = ((1 + tb) * X).sum(0)
    R0 = (tb * X).sum(0)
    V0 = ((1 - nu)[None, :] * X).sum(1)
    Y = beta * V0 + nu * X.sum(0)
    T = E - (Y + (1 - beta) * V0) - R0
    for name, a, b in (("X", m.X, X), ("E", m.E, E), ("Y", m.Y, Y), ("T", m.T, T)):
        np.testing.assert_allclose(np.asarray(a), b, rtol=1e-13, err_msg=name)
    rng = np.random.default_rng(4)
    t = rng.uniform(0.0, 0.6, (5, 5))
    np.fill_diagonal(t, 0.0)
    eq = solve_model(m, Shock(t=t))
    assert eq.converged and eq.max_residual <= 1e-10 and eq.steps >= 2
    assert m.n_unknowns == 15
    h = _hats(eq)
    w, L, P, Eh = h["wage_pct"], h["employment_pct"], h["price_index_pct"], h["expenditure_pct"]
    eps, kappa, psi, phi = float(m.eps), float(m.kappa), float(m.psi), np.asarray(m.phi)
    lam = (1 + tb) * X / E[None, :]
    cost = w**beta * P ** (1 - beta)
    e = (w / P) ** (1 - beta)
    A = lam * ((cost / (e * L) ** psi) ** (-eps))[:, None] * ((1 + t) / (1 + tb)) ** (-eps * phi[None, :])
    S = A.sum(0)
    E1 = Eh * E
    Xn = A / S[None, :] * E1[None, :] / (1 + t)
    np.testing.assert_allclose(eq.outcomes["flows_new"], Xn, rtol=1e-9)
    R = (t * Xn).sum(0)
    Y1 = w * L * Y
    share = Y1.sum() / Y.sum()
    scale = E.sum()
    # income, budget, labour supply, prices, numeraire
    income = beta * ((1 - nu)[None, :] * Xn).sum(1) + nu * Xn.sum(0)
    np.testing.assert_allclose(income, Y1, rtol=1e-9, atol=1e-10 * scale)
    inter = (1 - beta) * ((1 - nu)[None, :] * Xn).sum(1)
    np.testing.assert_allclose(E1, R + Y1 + inter + T * share, rtol=1e-9, atol=1e-10 * scale)
    tau_hat = (1 - R0 / Y) / (1 - R / Y1) if revenue == "income_tax" else 1.0
    np.testing.assert_allclose(L, (tau_hat * w / P) ** kappa, rtol=1e-9)
    np.testing.assert_allclose(P, (Eh / w) ** (1 - phi) * S ** (-1 / eps), rtol=1e-9)
    assert abs(((w - 1) * Y).sum()) <= 1e-10 * Y.sum()
    # welfare with final spending Ec = Y + T + R0
    Ec = Y + T + R0
    tau = R / Y1 if revenue == "income_tax" else 0.0
    delta = Ec / (Ec - kappa * (1 - tau) * Y / (1 + kappa))
    Ec_hat = (R + Y1 + T * share) / Ec
    W = delta * Ec_hat / P + (1 - delta) * w * L / P
    np.testing.assert_allclose(1 + eq.outcomes["welfare_pct"] / 100, W, rtol=1e-9)
    assert eq.checks["prices"] <= 1e-10


def test_input_output_welfare_is_real():
    """Welfare and real wages do not depend on the numeraire: doubling every nominal unknown changes nothing."""
    world = _synthetic(4, seed=2, diagonal=True)
    m = calibrate(world, ILMSParams(nu=0.1, beta=0.6))
    t = np.full((4, 4), 0.25)
    np.fill_diagonal(t, 0.0)
    eq = solve_model(m, Shock(t=t))
    y = np.asarray(eq.y).copy()
    y[:4] += np.log(2.0)  # w^ doubled
    y[8:] += np.log(2.0)  # P^ doubled (L^ unchanged)
    s = Shock(t=t)
    np.testing.assert_allclose(np.asarray(m.welfare(y, s)), np.asarray(m.welfare(eq.y, s)), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(m.residual(y, s))[1:], np.asarray(m.residual(eq.y, s))[1:], atol=1e-12)


def test_beta_one_is_the_core_model():
    """``beta = 1`` is the model without intermediates: the same unknowns and the same numbers."""
    world = _synthetic(5, seed=3, diagonal=True)
    m1 = calibrate(world, ILMSParams(nu=0.2))
    assert m1.n_unknowns == 10 and not m1.roundabout
    near = calibrate(world, ILMSParams(nu=0.2, beta=1.0 - 1e-9))
    assert near.n_unknowns == 15 and near.roundabout
    t = np.full((5, 5), 0.3)
    np.fill_diagonal(t, 0.0)
    a, b = solve_model(m1, Shock(t=t)), solve_model(near, Shock(t=t))
    np.testing.assert_allclose(a.outcomes["welfare_pct"], b.outcomes["welfare_pct"], atol=1e-6)
    np.testing.assert_allclose(a.outcomes["real_wage_pct"], b.outcomes["real_wage_pct"], atol=1e-6)


def test_beta_from_a_scenario_file(tmp_path):
    """``[model] beta = 0.49`` in a scenario file solves the input-output model on world2023."""
    from tradewar import run_scenario

    text = """name = "io-test"
[data]
source = "world2023"
[model]
family = "ilms"
beta = {beta}
[[tariffs]]
type = "uniform"
importer = "USA"
rate = 0.2
"""
    results = {}
    for beta in (0.49, 1.0):
        path = tmp_path / f"io_{beta}.toml"
        path.write_text(text.format(beta=beta))
        res = run_scenario(path)
        assert res.converged
        results[beta] = res.countries()["welfare_pct"]
    io, core = results[0.49], results[1.0]
    assert io.index.equals(core.index) and io.loc["USA"] > 0
    assert abs(io.loc["USA"] - core.loc["USA"]) > 0.05  # intermediates change the answer


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
IO_CASES = ("io_ustr", "io_optimal", "io_ustr_reciprocal", "io_ustr_optimal_retaliation")
#: decimals the paper prints these fields with where the JSON dropped a trailing zero (``-0.20``)
FIELD_DECIMALS = {"welfare_pct": 2, "employment_pct": 2}


def _published_rows(table: dict, case: str) -> list[tuple[str, str, float]]:
    """``(who, field, printed)`` of one case of a published table (``who``: a country or ``nonUS``)."""
    return [(who, f, p) for who, fields in table[case].items() for f, p in fields.items()]


def _assert_published(doc_case: dict, table: dict, case: str, label: str) -> None:
    for who, f, p in _published_rows(table, case):
        row = doc_case["nonUS"] if who == "nonUS" else doc_case["countries"][who]
        value = row[f] if f in row else doc_case[f]  # the case's tariffs (fractions) are beside the rows
        assert_printed(value, p, decimals(p, FIELD_DECIMALS.get(f, 0)), f"{label}, {case}, {who} {f}")


@pytest.fixture(scope="module")
def paper_doc():
    from tradewar.replicate import ilms2025

    baci = shared_dir("baci2023")
    msgs: list[str] = []
    doc = ilms2025.run(baci, progress=msgs.append, cases=PAPER_CASES)
    assert len(msgs) == len(PAPER_CASES) + 1
    return doc


@pytest.mark.shared
def test_replication_cases_converge(paper_doc):
    from rich.table import Table

    from tradewar.replicate import ilms2025

    assert list(paper_doc["cases"]) == list(PAPER_CASES)
    for case in paper_doc["cases"].values():
        assert case["converged"] is True and case["max_residual"] <= 1e-10
        assert case["solve_seconds"] > 0
        assert len(case["countries"]) == 194
        assert case["nonUS_weights"] == "expenditure"
        assert set(case["nonUS"]) == set(ilms2025.FIELDS)
        for v in case["countries"].values():
            assert set(v) == set(ilms2025.FIELDS)
    tables = ilms2025.render(paper_doc)
    assert tables and all(isinstance(t, Table) for t in tables)
    assert tables[0].row_count == 2 * len(PAPER_CASES)


@pytest.mark.shared
@pytest.mark.parametrize("name", PAPER_CASES)
def test_replication_matches_published_tables(paper_doc, name):
    """ILMS (2025), the row of case ``name`` in Table 1 (``ustr``, ``optimal``), Table 2 (the retaliation
    cases) or Table 9 (``ustr_lump_sum``, ``ustr_partial_passthrough``, ``ustr_eps8``, ``ustr_ek``): every
    cell of ``../shared/reference/ilms2025.json`` for the USA, the expenditure-weighted non-US average and
    the countries of the paper's map output, at the precision the paper prints it.
    """
    table = reference("ilms2025")
    assert _published_rows(table, name), name
    _assert_published(paper_doc["cases"][name], table, name, "ILMS (2025) Tables 1, 2, 9")


@pytest.mark.shared
def test_ustr_ek_keeps_elastic_labour(paper_doc):
    """``ustr_ek`` sets only ``nu = 0`` and ``phi = 1``: employment still moves (kappa = 0.5), unlike Armington."""
    us = paper_doc["cases"]["ustr_ek"]["countries"]["USA"]
    assert abs(us["employment_pct"]) > 0.01


def _bracket(base, case_for_rate, rates, table, case, label):
    """Each published cell lies between the values of two solves (at ``rates``) widened by its printed half-unit.

    The outcomes move monotonically with one uniform tariff, so this says that some rate between the two
    reproduces every printed cell at once.
    """
    import numpy as np

    from tradewar.replicate import ilms2025

    docs = [ilms2025._solve(case, case_for_rate(r), base) for r in rates]
    for who, f, p in _published_rows(table, case):
        vals = [d["nonUS"][f] if who == "nonUS" else d["countries"][who][f] for d in docs]
        half = 0.5 * 10.0 ** -decimals(p, FIELD_DECIMALS.get(f, 0))
        lo, hi = min(vals), max(vals)
        assert lo - half - 1e-9 <= p <= hi + half + 1e-9, (
            f"{label}, {case}, {who} {f}: published {p} is not between {np.round(vals, 4).tolist()} at {rates}"
        )


@pytest.mark.shared
@pytest.mark.slow
def test_replication_input_output_cases():
    """ILMS (2025) Table 4, the one-sector input-output rows (``beta = 0.49``), from ``ilms2025_io.json``.

    * ``io_ustr`` and ``io_ustr_reciprocal``: every published cell at its printed precision.
    * ``io_optimal``: the project's case is the true optimal uniform US tariff; it is pinned to the
      reference's ``io_optimal_reference`` (17.93%, USA +2.282%). The paper's printed row
      (``io_optimal_published``, USA +2.15%) comes from the replication package applying the last partner's
      discriminatory optimum uniformly, an effective uniform tariff of about 12.6%: every printed cell is
      reproduced by a uniform US tariff between 12.5% and 12.7%.
    * ``io_ustr_optimal_retaliation``: the project's case is the joint optimum of the 193 retaliation tariffs,
      a different question (its figures are not published); the paper's row comes from its own retaliation
      rule, reproduced cell by cell by a uniform retaliation tariff on US goods between 28% and 29%.

    Also: the non-US average is weighted by GDP and the numerical optima are first-order optimal.
    """
    from tradewar.replicate import ilms2025

    table = reference("ilms2025_io")
    baci = shared_dir("baci2023")
    doc = ilms2025.run(baci, cases=IO_CASES)["cases"]
    for name in IO_CASES:
        case = doc[name]
        assert case["converged"] is True and case["max_residual"] <= 1e-10, name
        assert case["nonUS_weights"] == "gdp"
    for name in ("io_ustr", "io_ustr_reciprocal"):
        _assert_published(doc[name], table, name, "ILMS (2025) Table 4")
    _assert_published(doc["io_optimal"], table, "io_optimal_reference", "ILMS (2025) Table 4 reference optimum")
    assert doc["io_optimal"]["gradient_norm"] <= 1e-9
    assert doc["io_ustr_optimal_retaliation"]["gradient_norm"] <= 1e-9
    us = {k: doc[k]["countries"]["USA"]["welfare_pct"] for k in IO_CASES}
    assert us["io_optimal"] > us["io_ustr"]
    # the paper's rules for the two rows the project computes differently
    base = ilms2025.baseline(baci)
    m = ilms2025._io_model(base)
    uniform = lambda r: ilms2025.Case(m, ilms2025._uniform_us(base, r), weights="gdp")  # noqa: E731
    _bracket(base, uniform, (0.125, 0.127), table, "io_optimal_published", "ILMS (2025) Table 4 as printed")
    ustr = ilms2025.ustr_tariffs(base)
    retaliate = lambda r: ilms2025.Case(m, ilms2025._retaliate(base, ustr, r), weights="gdp")  # noqa: E731
    _bracket(base, retaliate, (0.28, 0.29), table, "io_ustr_optimal_retaliation", "ILMS (2025) Table 4 as printed")
    gdp = np.asarray(base.world.gdp, dtype=float)
    codes = list(doc["io_ustr"]["countries"])
    rest = np.array([c != "USA" for c in codes])
    w = np.array([doc["io_ustr"]["countries"][c]["welfare_pct"] for c in codes])
    assert doc["io_ustr"]["nonUS"]["welfare_pct"] == pytest.approx(w[rest] @ gdp[rest] / gdp[rest].sum(), rel=1e-12)


def test_replication_case_registry_and_errors(tmp_path):
    from tradewar._exceptions import DataError, ScenarioError
    from tradewar.replicate import ilms2025

    assert {"ustr", "optimal", "ustr_ek"} <= set(ilms2025.CASES)
    with pytest.raises(ScenarioError, match="unknown case"):
        ilms2025.run(tmp_path, cases=["nope"])
    with pytest.raises(DataError):
        ilms2025.run(tmp_path / "missing", cases=["ustr"])


def test_the_replication_table_shows_tariff_revenue_in_percent_of_expenditure_as_run_does():
    """The document keeps the share (0.0123); the table prints it in percent, as ``tradewar run`` does."""
    from rich.console import Console

    from tradewar.replicate import ilms2025

    us = {f: 1.0 for f in ilms2025.FIELDS} | {"tariff_revenue_share": 0.0123}
    non_us = {f: -0.5 for f in ilms2025.FIELDS} | {"tariff_revenue_share": 0.000456}
    doc = {"cases": {"ustr": {"converged": True, "countries": {"USA": us}, "nonUS": non_us}}}
    con = Console(width=400, record=True)
    con.print(*ilms2025.render(doc))
    lines = con.export_text().splitlines()
    header = next(ln for ln in lines if "welfare %" in ln)
    usa = next(ln for ln in lines if "│ USA" in ln)
    rest = next(ln for ln in lines if "│ non-US" in ln)
    assert "tariff rev. % of E" in header
    assert usa.split()[-2:] == ["1.23", "│"] and rest.split()[-2:] == ["0.05", "│"]
    assert "tariff revenue in percent of baseline expenditure" in " ".join(" ".join(lines).split())
