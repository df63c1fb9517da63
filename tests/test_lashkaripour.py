"""The global tariff war of Lashkaripour (2021): closed-form Jacobian, invariants, agreement with the peer package."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from typer.testing import CliRunner

from tradewar.cli import app
from tradewar.models.tariffwar import from_spending, global_war
from tradewar.solve import Shock

from .conftest import reference, shared_dir


def _small(seed=0, n=5, s=3):
    """A random 5-country, 3-sector world: tariff-inclusive spending, tariffs, elasticities, labels."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.5, 2.0, (n, n, s)) + 4.0 * np.eye(n)[:, :, None]
    t = rng.uniform(0.0, 0.3, (n, n, s))
    t[np.arange(n), np.arange(n)] = 0.0
    return X, t, np.array([2.0, 4.0, 8.0])[:s], tuple(f"C{k}" for k in range(n)), tuple(f"s{k}" for k in range(s))


@pytest.mark.parametrize(("nash", "war"), [(False, True), (True, True), (True, False)])
def test_closed_form_jacobian_matches_forward_mode(nash, war):
    X, t, eps, codes, sectors = _small()
    m = from_spending(X, t, eps, codes, sectors, nash=nash, war=war)
    rng = np.random.default_rng(1)
    y = 0.1 * rng.standard_normal(3 * m.n if nash else 2 * m.n)
    if nash:
        y[2 * m.n :] = rng.uniform(0.1, 0.6, m.n)
    y, tt = jnp.asarray(y), jnp.asarray(t)

    @jax.jit
    def jacobians(y, tt):
        plain = jax.jacfwd(lambda v: m._residual(v, tt))(y)
        fwd = jax.jacfwd(lambda v: m.residual(v, Shock(t=tt)))(y)  # through the custom JVP
        rev = jax.jacrev(lambda v: m.residual(v, Shock(t=tt)))(y)
        d_plain = jax.jacfwd(lambda T: m._residual(y, T))(tt)
        d_custom = jax.jacfwd(lambda T: m.residual(y, Shock(t=T)))(tt)
        return plain, m.jacobian(y, tt), fwd, rev, d_plain, d_custom

    plain, closed, fwd, rev, d_plain, d_custom = jacobians(y, tt)
    np.testing.assert_allclose(closed, plain, atol=1e-13)
    np.testing.assert_allclose(fwd, plain, atol=1e-13)
    np.testing.assert_allclose(rev, plain, atol=1e-13)
    # derivatives in the tariffs of the shock still flow (used by the balancing step)
    np.testing.assert_allclose(d_custom, d_plain, atol=1e-13)
    if not (nash and war):  # in the war the tariffs are unknowns: the shock's tariffs do not enter
        assert np.abs(d_plain).max() > 1e-3


def test_balancing_in_the_wars_unknowns_is_the_plain_equilibrium():
    """The balancing step of global_war solves the war's system with the tariff unknowns held at zero: the
    same wages and incomes as the two-block system, every tariff unknown zero."""
    from tradewar.solve import SolverOptions, solve_model

    X, t, eps, codes, sectors = _small(seed=3)
    opts = SolverOptions(tol=1e-12, method="newton")
    plain = from_spending(X, t, eps, codes, sectors)
    held = from_spending(X, t, eps, codes, sectors, nash=True, war=False)
    shock = Shock(t=jnp.asarray(0.5 * t))  # a real change, so the equilibrium moves
    a = solve_model(plain, shock, opts, plausible=False)
    b = solve_model(held, shock, opts, plausible=False)
    n = plain.n
    assert np.abs(np.asarray(a.y)).max() > 1e-3
    np.testing.assert_allclose(np.asarray(b.y)[: 2 * n], np.asarray(a.y), atol=1e-12)
    np.testing.assert_array_equal(np.asarray(b.y)[2 * n :], 0.0)
    np.testing.assert_allclose(b.outcomes["welfare_pct"], a.outcomes["welfare_pct"], atol=1e-10)


@pytest.fixture(scope="module")
def wiod_is():
    from tradewar.data import load_world
    from tradewar.replicate.lashkaripour2021 import cube_inputs

    world = load_world(shared_dir("tariffwar_cubes") / "WIOD2014.mat", elasticities="IS")
    X, t, eps = cube_inputs(world, "WIOD2014.mat")
    return world, X, t, eps, global_war(X, t, eps, world.codes, world.sectors)


def test_war_invariants(wiod_is):
    world, X, t, eps, res = wiod_is
    Xb = res.spending_balanced
    sales = Xb / (1.0 + t)
    scale = Xb.sum()
    # step 1: every deficit is zero; the data's deficits were not
    np.testing.assert_allclose((sales.sum(axis=(1, 2)) - sales.sum(axis=(0, 2))) / scale, 0.0, atol=1e-13)
    raw = X / (1.0 + t)
    assert np.abs(raw.sum(axis=(1, 2)) - raw.sum(axis=(0, 2))).max() / X.sum() > 1e-3
    # the balanced world is its own equilibrium: zero residual and zero welfare change at the baseline
    m = from_spending(Xb, t, eps, world.codes, world.sectors)
    np.testing.assert_allclose(np.asarray(m.residual(m.initial_guess(), m.zero_shock())), 0.0, atol=1e-10)
    np.testing.assert_allclose(np.asarray(m.welfare(m.initial_guess(), m.zero_shock())), 1.0, atol=1e-12)
    # step 2: the tariffs are the formula at the new equilibrium, tau - 1 in (0, 1]
    assert np.all(res.nash_tariff > 0) and np.all(res.nash_tariff <= 1.0)
    m2 = from_spending(Xb, t, eps, world.codes, world.sectors, nash=True)
    core = m2._core(jnp.asarray(res.war.y), jnp.asarray(t))
    np.testing.assert_allclose(np.asarray(m2._formula(core["lam1"], core["sales"])) - 1.0, res.nash_tariff,
                               atol=1e-10)
    assert max(res.war.checks.values()) < 1e-12 and max(res.balanced.checks.values()) < 1e-12
    # a tariff war lowers world real income
    assert np.sum(res.welfare_pct * Xb.sum(axis=(0, 2))) < 0


#: Agreement with the peer package tariffwar (``../shared/reference/tariffwar_peer.json``): welfare changes and
#: Nash tariffs in percentage points (the reference's own tolerance between two implementations; measured:
#: below 1e-7 pp on all three runs).
PEER_PP = 0.005


def _assert_peer(codes, welfare_pct, nash_tariff, run: str) -> None:
    peer = reference("tariffwar_peer")[run]
    assert list(peer) == list(codes), f"{run}: the countries differ from the peer's"
    for k, c in enumerate(codes):
        w, t = peer[c]["welfare_pct"], peer[c]["nash_tariff"]
        assert abs(float(welfare_pct[k]) - w) <= PEER_PP, f"tariffwar {run}, {c} welfare: {welfare_pct[k]:.6f} vs {w:.6f}"
        assert abs(100 * (float(nash_tariff[k]) - t)) <= PEER_PP, f"tariffwar {run}, {c} Nash tariff: {nash_tariff[k]} vs {t}"


def test_wiod2014_in_sample_matches_the_peer(wiod_is):
    """The global war on WIOD 2014 with the in-sample (IS) elasticities: every country's welfare change and Nash
    tariff as the MATLAB package tariffwar computes them under Octave."""
    world, *_, res = wiod_is
    assert len(world.codes) == 44 and res.war.max_residual < 1e-10
    _assert_peer(world.codes, res.welfare_pct, res.nash_tariff, "wiod2014_IS")


def test_wiod2014_u4_matches_the_peer():
    from tradewar.data import load_world
    from tradewar.replicate.lashkaripour2021 import cube_inputs

    world = load_world(shared_dir("tariffwar_cubes") / "WIOD2014.mat", elasticities="U4")
    X, t, eps = cube_inputs(world, "WIOD2014.mat")
    res = global_war(X, t, eps, world.codes, world.sectors)
    _assert_peer(world.codes, res.welfare_pct, res.nash_tariff, "wiod2014_U4")


def test_icio2022_in_sample_matches_the_peer():
    from tradewar.replicate.lashkaripour2021 import run_one

    doc = run_one(shared_dir("tariffwar_cubes") / "ICIO2022.mat", "IS")
    codes = list(doc["countries"])
    assert len(codes) == 81
    _assert_peer(codes, [doc["countries"][c]["welfare_pct"] for c in codes],
                 [doc["countries"][c]["nash_tariff"] for c in codes], "icio2022_IS")
    assert set(doc["seconds"]) == {"load", "balance", "nash", "total"}


def test_cli_needs_both_cubes(tmp_path):
    r = CliRunner().invoke(app, ["replicate", "lashkaripour2021", "--data", str(tmp_path)])
    assert r.exit_code == 2
    assert "WIOD2014.mat: file not found" in r.output
    assert "Traceback" not in r.output


def test_war_on_world2022s_does_not_depend_on_the_start():
    from tradewar.replicate.lashkaripour2021 import beyond

    b = beyond()
    free, y2025 = b["world2022s_CP"]["countries"], b["world2022s_from_2025_CP"]["countries"]
    assert len(free) == 33
    # the Nash tariffs are a property of the economy, not of the tariffs it starts from ...
    for c in free:
        assert y2025[c]["nash_tariff"] == pytest.approx(free[c]["nash_tariff"], abs=1e-8)
    # ... but the losses are measured from different baselines: China and Japan lose less from 2025
    assert y2025["CHN"]["welfare_pct"] > free["CHN"]["welfare_pct"]
    assert y2025["JPN"]["welfare_pct"] > free["JPN"]["welfare_pct"]
    assert all(v["welfare_pct"] < 0 for v in free.values())


def test_the_command_runs_two_at_a_time_and_gives_what_one_run_after_the_other_gives():
    """``run`` solves the runs and the war on world2022s on two threads; its document holds the runs in their
    order and, for each, the numbers of the same run alone."""
    from tradewar.replicate.lashkaripour2021 import RUNS, beyond, run, run_one

    doc = run(shared_dir("tariffwar_cubes"))
    assert list(doc["runs"]) == [name for name, _, _ in RUNS]
    for name, file_name, sets in RUNS:
        alone = run_one(shared_dir("tariffwar_cubes") / file_name, sets)["countries"]
        assert doc["runs"][name]["countries"] == alone, name
    assert {k: v["countries"] for k, v in doc["beyond"].items()} == {k: v["countries"] for k, v in beyond().items()}
