"""Caliendo-Parro model: invariants, one-sector limit, gradients, replication and sectoral readers."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from tradewar._exceptions import DataError
from tradewar.data._sectoral import aggregate_sectors, read_cp2015, read_sectoral_long
from tradewar.data._world import World
from tradewar.models.caliendo_parro import calibrate
from tradewar.solve import Shock, SolverOptions, find_root, solve_model

from .conftest import assert_printed, reference, shared_dir


def random_world(seed: int, n: int = 4, s: int = 3, io: bool = True) -> World:
    rng = np.random.default_rng(seed)
    trade = rng.uniform(0.5, 3.0, (n, n, s))
    trade[np.arange(n), np.arange(n)] *= rng.uniform(3, 8, (n, s))
    tariffs = rng.uniform(0.0, 0.15, (n, n, s))
    tariffs[np.arange(n), np.arange(n)] = 0.0
    extras = {"theta": rng.uniform(2.0, 9.0, s)}
    if io:
        shares = rng.uniform(0.0, 1.0, (n, s, s))
        extras["io_shares"] = shares / shares.sum(axis=1, keepdims=True)
        extras["va_share"] = rng.uniform(0.3, 0.8, (n, s))
    codes = tuple(f"C{chr(65 + k)}{chr(65 + k)}" for k in range(n))
    return World(codes=codes, trade=trade, gdp=np.ones(n), tariffs=tariffs, extras=extras, sectors=tuple(f"s{k}" for k in range(s)))


@pytest.mark.parametrize("deficits", ["fixed", "zero"])
def test_zero_shock_returns_ones(deficits):
    m = calibrate(random_world(0), deficits=deficits)
    eq = solve_model(m, m.zero_shock(), SolverOptions(tol=1e-12))
    assert eq.converged
    np.testing.assert_allclose(np.asarray(eq.y), 0.0, atol=1e-12)
    w = np.asarray(m.welfare(eq.y, m.zero_shock()))
    np.testing.assert_allclose(w, 1.0, atol=1e-12)
    for key in ("welfare_pct", "real_wage_pct", "price_index_pct", "tot_pct", "vot_pct"):
        np.testing.assert_allclose(eq.outcomes[key], 0.0, atol=1e-10)
    np.testing.assert_allclose(eq.outcomes["sector_price_pct"], 0.0, atol=1e-10)


def test_prepared_shock_gives_the_same_residual():
    """``prepare_shock`` computes the policy's (N, N, S) arrays once for a solve; the equations are unchanged."""
    m = calibrate(random_world(3))
    rng = np.random.default_rng(4)
    mask = (1 - np.eye(m.n))[:, :, None]
    shock = Shock(t=np.asarray(m.t0) + rng.uniform(0.0, 0.3, m.t0.shape) * mask,
                  x=rng.uniform(0.0, 0.1, m.t0.shape) * mask)
    y = jnp.asarray(rng.normal(0.0, 0.05, np.size(m.initial_guess())))
    for sh in (shock, Shock(t=shock.t)):
        np.testing.assert_array_equal(np.asarray(m.residual(y, m.prepare_shock(sh))), np.asarray(m.residual(y, sh)))


def test_direct_krylov_solve_computes_no_dense_jacobian_ahead():
    """The damped Newton stages behind a matrix-free solve use a dense Jacobian; nothing of size n x n may run
    at the top of the compiled solver (XLA hoists the invariant parts of such a Jacobian out of loops that a
    converged direct solve never enters)."""
    import re

    m = calibrate(random_world(0))
    n = int(np.size(m.initial_guess()))
    text = jax.jit(lambda m, y0, s: find_root(m.residual, y0, s, 1e-10, 60, "newton_krylov")).lower(
        m, m.initial_guess(), Shock(t=np.asarray(m.t0) * 1.1)).compile().as_text()
    entry = text[text.index("\nENTRY"):]
    entry = entry[: entry.index("\n}\n")]
    assert re.search(rf"f64\[{n},{n}\]", text)  # the dense stages are in the program
    assert not re.search(rf"f64\[{n},{n}\]", entry)


@settings(deadline=None, max_examples=4, phases=[Phase.explicit, Phase.generate])
@given(seed=st.integers(0, 10_000))
def test_market_clearing_random_worlds(seed):
    # fixed sizes: every example reuses one compiled solver
    n, s, io, deficits = 3, 2, True, "fixed"
    w = random_world(seed, n, s, io)
    m = calibrate(w, deficits=deficits, decomposition_nodes=6)
    rng = np.random.default_rng(seed + 1)
    t = np.asarray(m.t0) + rng.uniform(0.0, 0.3, (n, n, s)) * (1 - np.eye(n))[:, :, None]
    x = rng.uniform(0.0, 0.1, (n, n, s)) * (1 - np.eye(n))[:, :, None]
    eq = solve_model(m, Shock(t=t, x=x), SolverOptions(tol=1e-11))
    assert eq.converged
    assert all(v <= 1e-10 for v in eq.checks.values()), eq.checks
    o = eq.outcomes
    # income = expenditure and the exact decomposition adds up to the welfare change
    np.testing.assert_allclose(o["tot_exact_pct"] + o["vot_exact_pct"], o["welfare_pct"], atol=1e-6)
    np.testing.assert_allclose(o["tot_by_partner_pct"].sum(axis=1), o["tot_pct"], atol=1e-12)
    assert m.no_intermediates == (not io)


def test_one_solver_program_with_and_without_export_taxes():
    """A policy without export taxes is solved as one with zero export taxes: the two share the stored program."""
    from tradewar import _jax, solve

    def programs():
        return {k for k in _jax._PROGRAMS if k[0] is solve._solved}

    m = calibrate(random_world(7, 3, 2, True), deficits="fixed", decomposition_nodes=6)
    off = (1 - np.eye(3))[:, :, None]
    plain = solve_model(m, Shock(t=np.asarray(m.t0) + 0.1 * off))
    known = programs()
    taxed = solve_model(m, Shock(t=np.asarray(m.t0) + 0.1 * off, x=0.05 * off * np.ones((3, 3, 2))))
    zero = solve_model(m, Shock(t=np.asarray(m.t0) + 0.1 * off, x=np.zeros((3, 3, 2))))
    assert programs() == known
    assert plain.converged and taxed.converged
    np.testing.assert_array_equal(plain.outcomes["welfare_pct"], zero.outcomes["welfare_pct"])
    assert not np.allclose(plain.outcomes["welfare_pct"], taxed.outcomes["welfare_pct"])


def _armington(X, t0, t1, theta):
    """Independent one-sector Armington model with tariffs and fixed deficits (scipy)."""
    from scipy.optimize import root

    n = X.shape[0]
    E = (X * (1 + t0)).sum(axis=0)
    pi = X * (1 + t0) / E
    Y = X.sum(axis=1)
    D = X.sum(axis=0) - X.sum(axis=1)
    R0 = (X * t0).sum(axis=0)
    kap = (1 + t1) / (1 + t0)

    def eqs(lw):
        w = np.exp(lw)
        a = pi * (w[:, None] * kap) ** (-theta)
        P = a.sum(axis=0)
        pin = a / P
        En = (w * Y + D) / (1 - (pin * t1 / (1 + t1)).sum(axis=0))
        sales = (pin * En / (1 + t1)).sum(axis=1)
        r = sales / Y - w
        r[-1] = (w * Y).sum() / Y.sum() - 1
        return r, En, P

    sol = root(lambda lw: eqs(lw)[0], np.zeros(n), tol=1e-14)
    w = np.exp(sol.x)
    _, En, P = eqs(sol.x)
    Phat = P ** (-1 / theta)
    return En / (Y + R0 + D) / Phat, w / Phat


def test_one_sector_equals_armington():
    rng = np.random.default_rng(3)
    n = 5
    X = rng.uniform(1, 4, (n, n)) + np.diag(rng.uniform(10, 20, n))
    t0 = rng.uniform(0, 0.1, (n, n)) * (1 - np.eye(n))
    t1 = t0.copy()
    t1[1:, 0] += 0.25
    w = World(codes=("AAA", "BBB", "CCC", "DDD", "EEE"), trade=X, gdp=X.sum(axis=1), tariffs=t0,
              extras={"theta": np.array([5.0])})
    m = calibrate(w)
    assert m.no_intermediates and m.meta["no_intermediates"]
    eq = solve_model(m, Shock(t=t1[:, :, None]))
    W_ref, rw_ref = _armington(X, t0, t1, 5.0)
    np.testing.assert_allclose(eq.outcomes["welfare_pct"], 100 * (W_ref - 1), atol=1e-8)
    np.testing.assert_allclose(eq.outcomes["real_wage_pct"], 100 * (rw_ref - 1), atol=1e-8)


def test_welfare_gradient_matches_finite_differences():
    m = calibrate(random_world(7, 3, 2))
    t_base = jnp.asarray(m.t0)

    def welfare(tau):
        sh = Shock(t=t_base.at[1, 0, 1].set(tau))
        y = find_root(m.residual, m.initial_guess(), sh, 1e-13, 60, "newton_krylov").value
        return m.welfare(y, sh)[0]

    tau = 0.2
    g = float(jax.jit(jax.grad(welfare))(tau))
    f = jax.jit(welfare)
    h = 1e-5
    fd = (float(f(tau + h)) - float(f(tau - h))) / (2 * h)
    assert abs(g - fd) <= 1e-6 * max(1.0, abs(fd)), (g, fd)


def test_aggregate_identical_sectors_keeps_equilibrium():
    w = random_world(11, 3, 2)
    ex = dict(w.extras)
    ex["theta"] = np.array([4.0, 4.0])
    w = w.replace(extras=ex)
    g = aggregate_sectors(w, {"s0": "all", "s1": "all"})
    assert g.sectors == ("all",)
    np.testing.assert_allclose(g.trade[:, :, 0], w.trade.sum(axis=2))
    np.testing.assert_allclose(g.extras["io_shares"].sum(axis=1), 1.0)


@pytest.mark.shared
def test_cp2015_replication_matches_table2():
    """Caliendo & Parro (2015), Table 2 (``../shared/reference/cp2015.json``): for MEX, CAN and USA the
    welfare change, its terms-of-trade and volume-of-trade parts and the real wage, percent, at the two
    decimals the paper prints.

    The split of each part between the NAFTA partners and the rest of the world (printed by
    ``tradewar replicate cp2015``) is not in the table: it must add up to the part.
    """
    from tradewar.replicate import cp2015

    table = reference("cp2015")
    doc = cp2015.run(shared_dir("cp2015"))
    assert doc["converged"] and doc["max_residual"] <= 1e-10
    assert list(doc["countries"]) == ["MEX", "CAN", "USA"]
    codes = [k for k in table if not k.startswith("_")]
    assert codes == ["MEX", "CAN", "USA"]
    for code in codes:
        for field, printed in table[code].items():
            assert_printed(doc["countries"][code][field], printed, 2, f"Caliendo-Parro (2015) Table 2, {code} {field}")
        row = doc["countries"][code]
        assert row["tot_nafta_pct"] + row["tot_row_pct"] == pytest.approx(row["tot_pct"], abs=1e-9)
        assert row["vot_nafta_pct"] + row["vot_row_pct"] == pytest.approx(row["vot_pct"], abs=1e-9)


# ----------------------------------------------------------------------------- readers
def _one_line(exc: pytest.ExceptionInfo, *parts: str) -> None:
    msg = str(exc.value)
    assert "\n" not in msg
    for p in parts:
        assert p in msg, msg


@pytest.mark.shared
def test_cp2015_reader_rejects_bad_cell(tmp_path):
    for f in shared_dir("cp2015").glob("*.txt"):
        (tmp_path / f.name).write_text(f.read_text())
    lines = (tmp_path / "B.txt").read_text().splitlines()
    cells = lines[2].split("\t")
    cells[4] = "abc"
    lines[2] = "\t".join(cells)
    (tmp_path / "B.txt").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as e:
        read_cp2015(tmp_path)
    _one_line(e, "B.txt", "column 5", "row 3")


def test_long_reader_rejects_malformed(tmp_path):
    f = tmp_path / "flows.csv"
    f.write_text("exporter,importer,sector,value\nUSA,USA,a,5\nUSA,MEX,a,-1\n")
    with pytest.raises(DataError) as e:
        read_sectoral_long(f, theta=4.0)
    _one_line(e, "flows.csv", "'value'", "row 2")
    f.write_text("exporter,importer,sector,value\nUSA,USA,a,5\nUSA,USA,a,1\n")
    with pytest.raises(DataError) as e:
        read_sectoral_long(f, theta=4.0)
    _one_line(e, "flows.csv", "row 2", "duplicate")
    f.write_text("exporter,importer,sector,value\nUSA,USA,a,5\nMEX,MEX,a,1\n")
    sec = tmp_path / "sectors.csv"
    sec.write_text("sector,theta\na,x\n")
    with pytest.raises(DataError) as e:
        read_sectoral_long(f, sectors_path=sec)
    _one_line(e, "sectors.csv", "'theta'", "row 1")
    cs = tmp_path / "cs.csv"
    cs.write_text("country,sector,va_share\nUSA,a,0.5\nMEX,b,0.5\n")
    sec.write_text("sector,theta\na,4\n")
    with pytest.raises(DataError) as e:
        read_sectoral_long(f, sectors_path=sec, country_sector_path=cs)
    _one_line(e, "cs.csv", "'sector'", "row 2")
    f.write_text("exporter,importer,value\nUSA,USA,5\n")
    with pytest.raises(DataError) as e:
        read_sectoral_long(f, theta=4.0)
    _one_line(e, "flows.csv", "'sector'")


def test_long_reader_with_io_runs(tmp_path):
    f = tmp_path / "flows.csv"
    rows = ["exporter,importer,sector,value,tariff"]
    for e in ("USA", "MEX"):
        for i in ("USA", "MEX"):
            for s in ("a", "b"):
                rows.append(f"{e},{i},{s},{10 if e == i else 2},{0 if e == i else 0.05}")
    f.write_text("\n".join(rows) + "\n")
    cs = tmp_path / "cs.csv"
    cs.write_text("country,sector,va_share\nUSA,a,0.5\nUSA,b,0.6\nMEX,a,0.4\nMEX,b,0.7\n")
    io = tmp_path / "io.csv"
    io.write_text("country,input_sector,output_sector,share\n" + "".join(
        f"{c},{k},{j},{0.5}\n" for c in ("USA", "MEX") for k in "ab" for j in "ab"))
    w = read_sectoral_long(f, theta=[4.0, 6.0], country_sector_path=cs, io_path=io)
    m = calibrate(w)
    assert not m.no_intermediates
    t = np.asarray(m.t0).copy()
    t[1, 0, 0] = 0.25
    eq = solve_model(m, Shock(t=t))
    assert eq.converged and eq.outcomes["welfare_pct"].shape == (2,)
