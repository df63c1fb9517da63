"""The generic strategic core (instruments, gradients, optimal tariffs, Nash, talks) on tiny synthetic worlds."""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest

from tradewar._exceptions import ScenarioError
from tradewar.data._world import World
from tradewar.models.ossa import OssaModel, calibrate
from tradewar.solve import Shock, solve_model
from tradewar.strategy import certify, efficient_talks, make_instrument, nash, optimal_tariff
from tradewar.strategy._objective import log_welfare_value_and_grad, welfare_batch, welfare_vector


def _world(n=3, S=2, seed=0, tariff=0.05, symmetric=False):
    rng = np.random.default_rng(seed)
    X = rng.uniform(1.0, 3.0, size=(n, n, S))
    X = 0.5 * (X + X.transpose(1, 0, 2))  # balanced trade (the model imposes NX' = 0)
    dom = np.full((n, S), 10.0) if symmetric else rng.uniform(8.0, 14.0, size=(n, S))
    X[np.arange(n), np.arange(n), :] = dom
    t = np.full((n, n, S), tariff)
    t[np.arange(n), np.arange(n), :] = 0.0
    codes = tuple(f"C{k}" for k in range(n))
    sigma = np.linspace(3.0, 6.0, S)
    return World(codes=codes, names=codes, trade=X, gdp=X.sum(axis=(1, 2)), tariffs=t, extras={"sigma": sigma})


@pytest.fixture(scope="module")
def model3():
    return calibrate(_world())


class OneSector(eqx.Module):
    """A one-sector model with (N, N) tariffs, built on an S=1 Ossa model: checks the generic (N, N) path."""

    inner: OssaModel
    codes: tuple[str, ...] = eqx.field(static=True, default=())

    @property
    def tariffs(self):
        return self.inner.t[..., 0]

    def initial_guess(self):
        return self.inner.initial_guess()

    def _s(self, shock):
        return Shock(shock.t[..., None])

    def residual(self, y, shock):
        return self.inner.residual(y, self._s(shock))

    def welfare(self, y, shock):
        return self.inner.welfare(y, self._s(shock))

    def outcomes(self, y, shock):
        return self.inner.outcomes(y, self._s(shock))

    def checks(self, y, shock):
        return self.inner.checks(y, self._s(shock))


def test_instruments_shapes_and_errors(model3):
    shape = tuple(model3.t.shape)
    sizes = {k: make_instrument(model3, shape, [1], k).n_free for k in ("uniform", "partner", "sector", "partner_sector")}
    assert sizes == {"uniform": 1, "partner": 2, "sector": 2, "partner_sector": 4}
    inst = make_instrument(model3, shape, [1], "partner_sector")
    t = inst.apply(np.asarray(model3.t), np.arange(4) / 10)
    assert np.all(t[:, 1, :][[0, 2]] == (np.arange(4) / 10).reshape(2, 2))
    assert t[1, 1, 0] == 0.0 and np.all(t[:, [0, 2], :] == np.asarray(model3.t)[:, [0, 2], :])
    with pytest.raises(ScenarioError, match="needs a model with sectors"):
        make_instrument(model3, (3, 3), [0], "sector")
    with pytest.raises(ScenarioError, match="unknown instrument"):
        make_instrument(model3, shape, [0], "bilateral")
    with pytest.raises(ScenarioError, match="unknown country 'XXX'"):
        optimal_tariff(model3, "XXX")


def test_gradient_matches_finite_differences(model3):
    inst = make_instrument(model3, tuple(model3.t.shape), [0], "partner_sector")
    cells, groups = jnp.asarray(inst.cells), jnp.asarray(inst.groups)
    u = jnp.log1p(jnp.array([0.1, 0.3, 0.2, 0.05]))
    w = jnp.array([0.0, 1.0, 0.0])  # effect of country 0's tariffs on country 1's welfare
    _, g, _, _ = log_welfare_value_and_grad(model3, u, model3.t, cells, groups, w, model3.initial_guess())
    h = 1e-5
    fd = []
    for k in range(4):
        e = jnp.zeros(4).at[k].set(h)
        Wp, _ = welfare_vector(model3, u + e, model3.t, cells, groups, model3.initial_guess())
        Wm, _ = welfare_vector(model3, u - e, model3.t, cells, groups, model3.initial_guess())
        fd.append((np.log(Wp[1]) - np.log(Wm[1])) / (2 * h))
    np.testing.assert_allclose(np.asarray(g), fd, rtol=1e-6, atol=1e-10)


def test_directional_derivatives_in_chunks_equal_jacfwd():
    import jax

    from tradewar.strategy._objective import jvp_columns

    rng = np.random.default_rng(3)
    A = jnp.asarray(rng.standard_normal((5, 6)))

    def f(z):
        return jnp.tanh(A @ z) * jnp.sum(z**2)

    z = jnp.asarray(rng.standard_normal(6))
    D = jnp.asarray(rng.standard_normal((6, 37)))
    want = np.asarray(jax.jacfwd(f)(z) @ D)
    # at once; chunks of four, the last padded with three zero directions; chunks of one
    for entries, chunked in ((1, False), (1000, True), (5000, True)):
        got = jvp_columns(f, z, D, entries)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)
        program = str(eqx.filter_make_jaxpr(lambda zz, e=entries: jvp_columns(f, zz, D, e))(z)[0])
        assert ("scan" in program) is chunked
        # an array-valued function: its derivatives along the last axis, whichever way they are taken
        grid = jvp_columns(lambda zz: jnp.outer(f(zz)[:2], zz[:3]), z, D, entries)
        np.testing.assert_allclose(grid, np.asarray(jax.jacfwd(lambda zz: jnp.outer(f(zz)[:2], zz[:3]))(z) @ D),
                                   rtol=1e-13, atol=1e-13)


def test_hessian_in_chunks_equals_the_one_at_once_and_finite_differences(model3, monkeypatch):
    import tradewar.strategy._objective as obj

    inst = make_instrument(model3, tuple(model3.t.shape), [0], "partner_sector")
    cells, groups = jnp.asarray(inst.cells), jnp.asarray(inst.groups)
    u = jnp.log1p(jnp.array([0.1, 0.3, 0.2, 0.05]))
    w = jnp.array([1.0, 0.0, 0.0])
    y = welfare_vector(model3, u, model3.t, cells, groups, model3.initial_guess())[1].value
    args = (model3, y, u, model3.t, cells, groups, w, np.True_)
    derivatives = obj._derivatives.__wrapped__  # the traced function, outside the stored programs
    _, g, at_once = derivatives(*args)
    # the equilibrium's Jacobian (6 unknowns), dy/du and the Hessian's 4 directions, two at a time
    monkeypatch.setattr(obj, "AT_ONCE_ENTRIES", 0)
    monkeypatch.setattr(obj, "CHUNK_ENTRIES", 2 * int(model3.t.size))
    assert "scan" in str(eqx.filter_make_jaxpr(derivatives)(*args)[0])
    _, g2, chunked = derivatives(*args)
    np.testing.assert_allclose(g2, g, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(chunked, at_once, rtol=1e-12, atol=1e-14 * float(np.max(np.abs(at_once))))
    h, fd = 1e-5, []
    for k in range(4):
        e = jnp.zeros(4).at[k].set(h)
        gp = log_welfare_value_and_grad(model3, u + e, model3.t, cells, groups, w, model3.initial_guess())[1]
        gm = log_welfare_value_and_grad(model3, u - e, model3.t, cells, groups, w, model3.initial_guess())[1]
        fd.append((np.asarray(gp) - np.asarray(gm)) / (2 * h))
    np.testing.assert_allclose(np.asarray(chunked), np.stack(fd, axis=1), rtol=1e-5, atol=1e-8)


def test_newton_direction_solves_where_positive_definite_and_ascends_where_not():
    from tradewar.strategy._optimal import newton_direction

    rng = np.random.default_rng(4)
    M = rng.standard_normal((6, 6))
    A, g = M @ M.T + 6.0 * np.eye(6), rng.standard_normal(6)
    np.testing.assert_allclose(newton_direction(A, g), np.linalg.solve(A, g), rtol=1e-8)
    Q = np.linalg.qr(M)[0]
    lam = np.array([3.0, -2.0, 1.0, 0.5, -4.0, 2.0])  # indefinite: the step divides by |eigenvalues|
    want = Q @ ((Q.T @ g) / np.abs(lam))
    np.testing.assert_allclose(newton_direction(Q @ np.diag(lam) @ Q.T, g), want, rtol=1e-10, atol=1e-12)


def test_projected_newton_takes_steps_whose_rise_rounding_hides_when_they_bring_the_gradient_down():
    """Near the optimum a Newton step raises the value by less than its rounding: a value computed one unit in
    the last place lower must not stop the search (it did, one step short of the tolerance)."""
    from tradewar.strategy._optimal import _projected_newton

    u_star = np.array([0.2, -0.1])

    class Flat:  # the gradient of -|u - u*|^2 / 2; away from the start the value is `away`
        def __init__(self, away):
            self.start, self.away = None, away

        def value_grad(self, u):
            if self.start is None:
                self.start = u.copy()
            return (1.0 if np.array_equal(u, self.start) else self.away), -(u - u_star), np.ones(3)

        def hessian(self, u):
            return -np.eye(2)

    ulp_lower = np.nextafter(1.0, 0.0)
    u0 = u_star + np.array([3e-9, -2e-9])
    u, g, _, status, it = _projected_newton(Flat(ulp_lower), u0, -np.inf, -1.0, None, 1e-12, 20)
    assert status == "converged" and it == 1
    np.testing.assert_allclose(u, u_star, rtol=0, atol=1e-15)
    # a value that falls by more than rounding is a fall, however small the step
    assert _projected_newton(Flat(0.5), u0, -np.inf, -1.0, None, 1e-12, 20)[3] == "stalled"
    # a step that rises by more than rounding still needs the value to rise
    far = u_star + np.array([0.5, 0.0])
    assert _projected_newton(Flat(ulp_lower), far, -np.inf, -1.0, None, 1e-12, 20)[3] == "stalled"


@pytest.mark.parametrize("instrument", ["uniform", "partner", "sector", "partner_sector"])
def test_optimal_tariff_first_order_conditions(model3, instrument):
    r = optimal_tariff(model3, "C0", instrument, lower=-1.0, tol=1e-9)
    assert r.converged and r.grad_norm <= 1e-9
    assert np.all(r.values > -1.0) and r.own_welfare > 1.0
    cert = certify(model3, r.tariffs, [0], instrument, lower=-1.0, steps=(1e-3, 1e-2, 0.1))
    assert cert.max_deviation_gain["C0"] <= 1e-12
    # the equilibrium at the optimal tariffs is valid and gives the reported welfare
    eq = solve_model(model3, Shock(jnp.asarray(r.tariffs)))
    np.testing.assert_allclose(eq.outcomes["welfare_pct"], 100 * (r.welfare - 1), atol=1e-9)


def test_lbfgsb_agrees_with_newton(model3):
    a = optimal_tariff(model3, 1, "partner", lower=0.0, tol=1e-9)
    b = optimal_tariff(model3, 1, "partner", lower=0.0, tol=1e-7, method="lbfgsb", max_steps=2000)
    np.testing.assert_allclose(a.values, b.values, atol=1e-4)
    assert a.own_welfare >= b.own_welfare - 1e-12


def test_one_sector_model_with_square_tariffs():
    w = _world(n=3, S=1, seed=3)
    m = OneSector(inner=calibrate(w), codes=w.codes)
    r = optimal_tariff(m, "C2", "partner", lower=0.0)
    assert r.tariffs.shape == (3, 3) and r.converged and r.own_welfare > 1.0
    war = nash(m, instrument="uniform", lower=0.0, tol=1e-7)
    assert war.converged and war.certificate.ok


def test_symmetric_two_country_nash_is_symmetric():
    m = calibrate(_world(n=2, S=2, seed=5, symmetric=True))
    war = nash(m, instrument="sector", lower=0.0, tol=1e-8, damping=0.8)
    assert war.converged and war.certificate.ok
    np.testing.assert_allclose(war.values["C0"], war.values["C1"], atol=1e-6)
    np.testing.assert_allclose(war.welfare[0], war.welfare[1], atol=1e-9)
    assert np.all(war.values["C0"] > 0)


def test_nash_three_countries_certificate(model3):
    war = nash(model3, instrument="partner_sector", lower=0.0, tol=1e-8)
    assert war.converged and war.certificate.ok
    for code in war.players:
        assert war.certificate.grad_norm[code] <= 1e-8
        assert war.certificate.max_deviation_gain[code] <= 1e-9
    # mutual best responses: re-optimising any player from the equilibrium does not move it
    r = optimal_tariff(model3, "C1", "partner_sector", base_t=war.tariffs, lower=0.0)
    np.testing.assert_allclose(r.values, war.values["C1"], atol=1e-6)


def test_talks_equal_gains_beat_coarse_search():
    m = calibrate(_world(n=3, S=2, seed=1, tariff=0.4))
    r = efficient_talks(m, instrument="uniform", lower=0.0)
    assert r.converged
    assert np.ptp(r.gains) <= 1e-9 and r.gain > 0
    # coarse search over each party's uniform tariff: the smallest gain at any grid point
    inst = make_instrument(m, tuple(m.t.shape), [0, 1, 2], "uniform")
    grid = np.linspace(0.0, 0.6, 13)
    V = np.stack(np.meshgrid(grid, grid, grid, indexing="ij"), -1).reshape(-1, 3)
    W, res = welfare_batch(m, jnp.log1p(jnp.asarray(V)), m.t, jnp.asarray(inst.cells), jnp.asarray(inst.groups),
                           m.initial_guess())
    assert np.all(np.asarray(res) <= 1e-9)
    W0, _ = welfare_vector(m, jnp.zeros(0), m.t, jnp.zeros(0, int), jnp.zeros(0, int), m.initial_guess())
    best_equal = float(np.max(np.min(np.asarray(W) / np.asarray(W0) - 1.0, axis=1)))
    assert r.gain >= best_equal - 1e-12
    # richer instruments can only do better
    r2 = efficient_talks(m, instrument="partner_sector", lower=0.0)
    assert r2.converged and r2.gain >= r.gain - 1e-10
