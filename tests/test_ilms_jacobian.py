"""The closed-form Jacobian of the ILMS residual (``ILMSModel.residual_jacobian``) against forward-mode AD.

Every variant the formula covers (labour supply on or off, roundabout production, revenue use, deficit
closures) at a point away from the baseline and the root, with baseline tariffs and per-country profit
shares; and its own derivatives (the solver differentiates it at the root), against those of ``jax.jacfwd``.
"""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from tradewar.data._world import World
from tradewar.models.ilms import ILMSParams, calibrate
from tradewar.solve import Shock

N = 5
VARIANTS = list(itertools.product((1.0, 0.6), ("income_tax", "lump_sum"), ("fixed", "gdp_share", "zero"), (0.5, 0.0)))


def _world(seed: int = 7) -> World:
    rng = np.random.default_rng(seed)
    X = rng.uniform(1.0, 10.0, (N, N))
    np.fill_diagonal(X, rng.uniform(20.0, 60.0, N))
    gdp = X.sum(0) * rng.uniform(0.8, 1.2, N)  # deficits and surpluses
    t0 = 0.1 * rng.uniform(0.0, 1.0, (N, N))
    np.fill_diagonal(t0, 0.0)
    codes = ("USA",) + tuple(f"C{k:02d}" for k in range(1, N))
    return World(codes=codes, names=codes, trade=X, gdp=gdp, tariffs=t0)


def _case(beta, revenue, deficits, kappa, seed=1):
    rng = np.random.default_rng(seed)
    nu = tuple(rng.uniform(0.0, 0.3, N))
    m = calibrate(_world(), ILMSParams(eps=3.5, kappa=kappa, nu=nu, beta=beta, revenue_use=revenue, deficits=deficits))
    t = np.asarray(m.t0) + rng.uniform(0.0, 0.4, (N, N))
    np.fill_diagonal(t, 0.0)
    y = jnp.asarray(rng.normal(0.0, 0.15, m.n_unknowns))
    return m, Shock(t=jnp.asarray(t)), y


@pytest.mark.parametrize("beta,revenue,deficits,kappa", VARIANTS)
def test_jacobian_matches_forward_mode(beta, revenue, deficits, kappa):
    m, shock, y = _case(beta, revenue, deficits, kappa)
    closed = np.asarray(m.residual_jacobian(y, shock))
    ad = np.asarray(jax.jacfwd(m.residual)(y, shock))
    assert closed.shape == ad.shape == (m.n_unknowns, m.n_unknowns)
    assert np.abs(ad).max() > 0.1
    np.testing.assert_allclose(closed, ad, rtol=0, atol=1e-12 * np.abs(ad).max())


@pytest.mark.parametrize("beta,revenue,deficits,kappa",
                         [(1.0, "income_tax", "fixed", 0.5), (0.6, "income_tax", "gdp_share", 0.5),
                          (1.0, "lump_sum", "zero", 0.0), (0.6, "lump_sum", "fixed", 0.0)])
def test_jacobian_derivatives_match_forward_mode(beta, revenue, deficits, kappa):
    """Directional derivatives of the Jacobian in the unknowns, the tariffs and the model's arrays."""
    m, shock, y = _case(beta, revenue, deficits, kappa, seed=2)
    rng = np.random.default_rng(3)
    dy = jnp.asarray(rng.normal(size=y.shape))
    dt = jnp.asarray(rng.normal(size=shock.t.shape) * (1.0 - np.eye(N)))
    dm = jax.tree.map(lambda a: jnp.asarray(rng.normal(size=np.shape(a))) * jnp.abs(a), m)

    def closed(model, yy, t):
        return model.residual_jacobian(yy, Shock(t=t))

    def ad(model, yy, t):
        return jax.jacfwd(model.residual)(yy, Shock(t=t))

    primals, tangents = (m, y, shock.t), (dm, dy, dt)
    d_closed = np.asarray(jax.jvp(closed, primals, tangents)[1])
    d_ad = np.asarray(jax.jvp(ad, primals, tangents)[1])
    assert np.abs(d_ad).max() > 0.1
    np.testing.assert_allclose(d_closed, d_ad, rtol=0, atol=1e-11 * np.abs(d_ad).max())


@pytest.mark.parametrize("revenue,deficits", list(itertools.product(("income_tax", "lump_sum"), ("fixed", "gdp_share", "zero"))))
def test_structured_newton_solve_is_the_dense_solve(revenue, deficits):
    """``newton_solve(newton_factor(y))`` (Schur complement on the labour block) solves ``J x = r`` exactly."""
    m, shock, y = _case(1.0, revenue, deficits, 0.5)
    assert m.newton_structured
    J = np.asarray(m.residual_jacobian(y, shock))
    r = np.random.default_rng(4).normal(size=m.n_unknowns)
    x = np.asarray(m.newton_solve(m.newton_factor(y, shock), jnp.asarray(r)))
    np.testing.assert_allclose(x, np.linalg.solve(J, r), rtol=0, atol=1e-11 * np.abs(x).max())
    assert np.abs(J @ x - r).max() < 1e-12


@pytest.mark.parametrize("beta,kappa", [(0.6, 0.5), (1.0, 0.0)])
def test_no_structured_newton_solve_without_a_labour_block_of_that_form(beta, kappa):
    m, _, _ = _case(beta, "income_tax", "fixed", kappa)
    assert not m.newton_structured


@pytest.mark.parametrize("deficits", ["fixed", "gdp_share"])
def test_solver_reaches_the_same_root_through_the_structured_and_the_dense_solve(deficits):
    from tradewar.solve import find_root

    m, shock, _ = _case(1.0, "income_tax", deficits, 0.5)
    y0 = m.initial_guess()
    structured = find_root(m.residual, y0, shock, 1e-12, 60, "chord")

    def residual(y, s):  # not the model's own method: the solver factorises the dense Jacobian
        return m.residual(y, s)

    dense = find_root(residual, y0, shock, 1e-12, 60, "chord")
    assert int(structured.result_code) == int(dense.result_code) == 0
    np.testing.assert_allclose(structured.value, dense.value, rtol=0, atol=1e-11)


@pytest.mark.parametrize("method,uses", [("chord", True), ("newton", False)])
def test_single_chord_solves_use_the_structured_factorisation_and_batches_the_dense_one(monkeypatch, method, uses):
    from tradewar import solve
    from tradewar.models.ilms import ILMSModel

    calls = []
    original = ILMSModel.newton_factor

    def counted(self, y, shock):
        calls.append(1)
        return original(self, y, shock)

    monkeypatch.setattr(ILMSModel, "newton_factor", counted)
    m, shock, _ = _case(1.0, "income_tax", "fixed", 0.5)
    jax.eval_shape(lambda: solve._primal((m.residual, m.initial_guess(), shock, 1e-10, 60, method, None)))
    assert bool(calls) is uses


@pytest.mark.parametrize("beta,kappa", [(1.0, 0.5), (0.6, 0.5), (1.0, 0.0)])
def test_prepared_shock_gives_the_same_equations(beta, kappa):
    """``prepare_shock`` only computes the tariffs' arrays ahead: residual, Jacobian and outcomes are identical."""
    m, shock, y = _case(beta, "income_tax", "gdp_share", kappa)
    prepared = m.prepare_shock(shock)
    np.testing.assert_array_equal(np.asarray(prepared.t), np.asarray(shock.t))
    for f in (m.residual, m.residual_jacobian, m.welfare):
        np.testing.assert_array_equal(np.asarray(f(y, prepared)), np.asarray(f(y, shock)))
    for k, v in m.outcomes(y, shock).items():
        np.testing.assert_array_equal(np.asarray(m.outcomes(y, prepared)[k]), np.asarray(v))


def test_solver_program_computes_the_tariff_arrays_once_per_policy():
    """The exponential over (N, N) of the tariffs appears twice in the compiled solver, once for the policy (before
    its loops) and once for a stage of the continuation (in that branch of its pass), not once per place the nested
    loops evaluate the equations (XLA cannot merge copies it hoisted from different loops)."""
    import re

    from tradewar.solve import find_root

    m, shock, _ = _case(1.0, "income_tax", "fixed", 0.5)
    text = jax.jit(lambda m, y0, s: find_root(m.residual, y0, s, 1e-10, 60, "chord")).lower(
        m, m.initial_guess(), shock).compile().as_text()
    assert len(re.findall(rf"= f64\[{N},{N}\]\{{1,0\}} exponential\(", text)) == 2


@pytest.mark.parametrize("beta,revenue,deficits,kappa", VARIANTS)
def test_residual_and_welfare_in_one_evaluation_are_the_two_methods(beta, revenue, deficits, kappa):
    m, shock, y = _case(beta, revenue, deficits, kappa)
    r, W = m.residual_and_welfare(y, shock)
    assert np.array_equal(np.asarray(r), np.asarray(m.residual(y, shock)))
    assert np.array_equal(np.asarray(W), np.asarray(m.welfare(y, shock)))
    assert np.abs(np.asarray(W) - 1.0).max() > 1e-3  # away from the baseline


def test_the_strategic_derivatives_are_the_same_with_one_evaluation_or_two(monkeypatch):
    """The Lagrangian's value, gradient and Hessian through the model's ``residual_and_welfare`` and through
    its separate ``residual`` and ``welfare`` (the path of models without it)."""
    from tradewar.strategy import _objective as obj

    m, shock, y = _case(1.0, "income_tax", "fixed", 0.5)
    t_base = np.asarray(shock.t)
    ins = obj.make_instrument(m, t_base.shape, [0, 2], "partner")
    u = jnp.asarray(np.log1p(ins.values(t_base)))
    w = jnp.asarray(np.eye(N)[0] + 0.5 * np.eye(N)[2])
    args = (m, y, u, jnp.asarray(t_base), jnp.asarray(ins.cells), jnp.asarray(ins.groups), w, np.True_)
    one = [np.asarray(a) for a in obj._derivatives.__wrapped__(*args)]
    monkeypatch.setattr(obj, "residual_and_welfare", lambda model, y, s: (model.residual(y, s), model.welfare(y, s)))
    two = [np.asarray(a) for a in obj._derivatives.__wrapped__(*args)]
    assert one[2].shape == (ins.n_free, ins.n_free) and np.abs(one[2]).max() > 1e-3
    for a, b in zip(one, two, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
