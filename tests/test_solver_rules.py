"""The rules around the solver: one acceptance rule, exit 3 for an unconverged replication, runtime errors
that are not infeasible points, validated sweep members and resume fingerprints, input-output shares,
the umask, the optimistix contract of the damped Newton solver and the Newton loop's iterations (those of
optimistix's solvers)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tradewar._exceptions import ConvergenceError, DataError, ScenarioError
from tradewar.cli import app
from tradewar.solve import ARMIJO_SLOPE, Status, accepted, verdict

runner = CliRunner()


# --- one acceptance rule -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, kwargs, expected",
    [
        ((1e-12, 0, 1e-10), {}, "success"),
        ((1e-12, 1, 1e-10), {}, "success"),  # out of steps, but at a root: accepted
        ((1e-3, 1, 1e-10), {}, "max_steps_reached"),
        ((1e-3, 2, 1e-10), {}, "diverged"),
        ((float("nan"), 0, 1e-10), {}, "nonfinite"),
        ((float("inf"), 1, 1e-10), {}, "nonfinite"),
        ((1e-12, 0, 1e-10), {"finite": False}, "nonfinite"),
        ((1e-12, 0, 1e-10), {"check_error": 1e-6, "check_tol": 1e-8}, "failed_checks"),
        ((1e-12, 0, 1e-10), {"check_error": float("nan"), "check_tol": 1e-8}, "failed_checks"),
        ((1e-12, 0, 1e-10), {"margin": 0.0}, "inadmissible"),
        ((1e-12, 0, 1e-10), {"margin": float("nan")}, "inadmissible"),
        ((1e-3, 2, 1e-10), {"margin": -1.0}, "diverged"),  # the residual is judged first
        ((1e-12, 0, 1e-10), {"check_error": 1e-9, "check_tol": 1e-8, "margin": 0.1}, "success"),
    ],
)
def test_verdict_table(args, kwargs, expected):
    assert str(verdict(*args, **kwargs)) == expected
    assert accepted(*args, **kwargs) is (expected == "success")
    # a batch is judged elementwise by the same rule
    batch = {k: v if k == "check_tol" else np.asarray([v]) for k, v in kwargs.items()}
    assert verdict(np.asarray([args[0]]), np.asarray([args[1]]), args[2], **batch).tolist() == [expected]


@pytest.mark.parametrize(
    "margins, expected",
    [
        ({"wage": [0.5, 2.0], "shares": [0.1]}, 0.1),
        ({"wage": [0.5, float("inf")]}, -np.inf),  # a non-finite entry is not a margin
        ({"wage": [0.5, float("nan")]}, -np.inf),
        ({"wage": [-0.2, 1.0]}, -0.2),
        ({"wage": []}, np.inf),
        ({}, np.inf),
    ],
)
def test_smallest_margin(margins, expected):
    from tradewar.solve import smallest_margin

    assert float(smallest_margin({k: jnp.asarray(v, dtype=float) for k, v in margins.items()})) == expected


_number = st.sampled_from([0.0, 1e-12, 1e-9, 1e-3, -0.1, 1.0, float("nan"), float("inf"), -float("inf")])


@settings(max_examples=300, deadline=None)
@given(res=_number, code=st.sampled_from([0, 1, 2, 1.0, 1.5, float("nan")]), finite=st.booleans(), err=st.none() | _number,
       margin=st.none() | _number, numpy_scalars=st.booleans())
def test_verdict_of_one_solve_is_the_batch_rule(res, code, finite, err, margin, numpy_scalars):
    """One solve's numbers (Python or NumPy scalars) are judged as the same solve in a batch of one."""
    wrap = (lambda v: v if v is None else np.float64(v)) if numpy_scalars else (lambda v: v)
    one = verdict(wrap(res), np.asarray(code)[()] if numpy_scalars else code, 1e-10, finite=np.bool_(finite) if numpy_scalars
                  else finite, check_error=wrap(err), check_tol=1e-8, margin=wrap(margin))
    batch = verdict(np.array([res]), np.array([code]), 1e-10, finite=np.array([finite]),
                    check_error=None if err is None else np.array([err]), check_tol=1e-8,
                    margin=None if margin is None else np.array([margin]))
    assert isinstance(one, str)
    assert batch.tolist() == [one]
    assert Status(one).value == one


def test_verdict_is_elementwise():
    got = verdict(np.array([1e-12, 1e-3, 1e-3, np.nan, 1e-12]), np.array([0, 1, 2, 0, 0]), 1e-10,
                  margin=np.array([1.0, 1.0, 1.0, 1.0, -1.0]))
    assert got.tolist() == ["success", "max_steps_reached", "diverged", "nonfinite", "inadmissible"]


def test_sweep_statuses_follow_the_rule():
    from tradewar.batch.sweep import _statuses

    raw = {
        "max_residual": np.array([1e-12, 1e-3, 1e-12, 1e-12, 1e-12]),
        "code": np.array([0, 1, 0, 0, 0]),
        "out": {"welfare_pct": np.array([1.0, 1.0, np.nan, 1.0, 1.0])},
        "checks": {"walras": np.array([0.0, 0.0, 0.0, 1e-3, 0.0])},
        "margin": np.array([1.0, 1.0, 1.0, 1.0, -0.5]),
    }
    got = _statuses(raw, 1e-10, 1e-8).tolist()
    assert got == ["success", "max_steps_reached", "nonfinite", "failed_checks", "inadmissible"]


def test_solve_model_uses_the_rule():
    from tradewar.data._world import World
    from tradewar.models.ilms import ILMSParams, calibrate
    from tradewar.solve import Shock, SolverOptions, solve_model

    X = np.array([[0.0, 3.0, 2.0], [4.0, 0.0, 1.0], [2.0, 2.0, 0.0]])
    world = World(codes=("USA", "BBB", "CCC"), names=("USA", "B", "C"), trade=X, gdp=np.array([20.0, 15.0, 10.0]))
    m = calibrate(world, ILMSParams(nu=0.1))
    t = np.full((3, 3), 0.4)
    np.fill_diagonal(t, 0.0)
    eq = solve_model(m, Shock(t=t), SolverOptions(max_steps=1), throw=False)
    assert not eq.converged
    assert eq.status.value == str(verdict(eq.max_residual, 1 if eq.status is Status.MAX_STEPS else 2, eq.tol))
    assert eq.checks == {} and eq.outcomes == {} and eq.admissibility == {}  # no equilibrium, nothing to report
    ok = solve_model(m, Shock(t=t))
    assert ok.converged and accepted(ok.max_residual, 0, ok.tol, check_error=max(ok.checks.values()),
                                     check_tol=1e-8, margin=min(ok.admissibility.values()))
    # what the solver's program computed at the root, unstacked, is what the model gives there
    shock = Shock(t=jnp.asarray(t))
    want_checks, want_margins = m.checks(ok.y, shock), m.admissibility(ok.y, shock)
    assert sorted(ok.checks) == sorted(want_checks)
    for k, v in want_checks.items():
        assert ok.checks[k] == pytest.approx(float(v), rel=1e-9, abs=1e-15), k
    for k, v in want_margins.items():
        assert ok.admissibility[k] == pytest.approx(float(jnp.min(v)), rel=1e-12), k
    want = m.outcomes(ok.y, shock)
    assert sorted(ok.outcomes) == sorted(want)
    for k, v in want.items():
        assert ok.outcomes[k].shape == v.shape, k
        np.testing.assert_allclose(ok.outcomes[k], np.asarray(v), rtol=1e-12, atol=1e-14, err_msg=k)


def test_packed_arrays_come_back_by_name():
    from tradewar.solve import _packed, _unpacked

    arrays = {"b": jnp.arange(3.0), "a": jnp.asarray(2.5), "m": jnp.eye(2), "c": -jnp.arange(3.0),
              "k": jnp.arange(3), "e": jnp.zeros(0), "z": jnp.asarray(-1.0), "n": jnp.ones((2, 2))}
    groups = _packed(arrays)
    assert len(groups) == 6  # (3,) float, () float, (3,) int, (0,) float; the matrices alone
    got = _unpacked(jax.tree.map(np.asarray, groups))
    assert sorted(got) == sorted(arrays)
    for k, v in arrays.items():
        assert got[k].shape == v.shape and got[k].dtype == v.dtype, k
        np.testing.assert_array_equal(got[k], np.asarray(v), err_msg=k)


# --- the batched strategy evaluator ----------------------------------------------------------------
class _Sol:
    def __init__(self, residual, code):
        self.max_residual, self.result_code, self.value = jnp.asarray(residual), jnp.asarray(code), jnp.zeros(2)


class _Model:
    def initial_guess(self):
        return jnp.zeros(2)


def test_evaluator_lets_runtime_errors_through(monkeypatch):
    """Out of memory (or any other failure of the runtime) is not an infeasible point: it propagates."""
    from tradewar.strategy import _batch

    def oom(*args, **kwargs):
        raise jax.errors.JaxRuntimeError("RESOURCE_EXHAUSTED: Out of memory while trying to allocate 93 GiB")

    monkeypatch.setattr(_batch, "welfare_jacobian", oom)
    ev = _batch.WelfareEvaluator(_Model(), [0], [0], np.zeros((2, 2)), [0])
    with pytest.raises(jax.errors.JaxRuntimeError, match="RESOURCE_EXHAUSTED"):
        ev(np.zeros(1))


@pytest.mark.parametrize("residual, code, finite, ok", [(1e-13, 0, True, True), (1e-3, 1, True, False),
                                                       (1e-3, 2, True, False), (1e-13, 0, False, False)])
def test_evaluator_judges_the_solver_status(monkeypatch, residual, code, finite, ok):
    from tradewar.strategy import _batch

    J = np.ones((1, 1)) if finite else np.full((1, 1), np.nan)
    monkeypatch.setattr(_batch, "welfare_jacobian",
                        lambda *a, **k: (np.ones(1), J, np.ones(2), _Sol(residual, code)))
    ev = _batch.WelfareEvaluator(_Model(), [0], [0], np.zeros((2, 2)), [0])
    assert (ev(np.zeros(1)) is not None) is ok
    assert ev.count == (1 if ok else 2)  # a failed point is retried once from the model's own start


# --- replications exit 3 when a solve did not converge ---------------------------------------------
@pytest.mark.parametrize("study, doc", [
    ("cp2015", {"converged": False, "max_residual": 0.3, "solve_seconds": 1.0, "countries": {}}),
    ("ilms2025", {"cases": {"ustr": {"converged": True}, "optimal": {"converged": False, "max_residual": 1.0}}}),
])
def test_replicate_exits_3_without_convergence(tmp_path, monkeypatch, study, doc):
    import importlib

    mod = importlib.import_module(f"tradewar.replicate.{study}")
    monkeypatch.setattr(mod, "run", lambda data, progress=None: doc)
    out = tmp_path / "r.json"
    r = runner.invoke(app, ["replicate", study, "--data", str(tmp_path), "--json", str(out)])
    assert r.exit_code == 3, r.output
    assert "did not converge" in r.output and "Traceback" not in r.output
    assert not out.exists()


@pytest.mark.parametrize("command", ["sweep", "uncertainty"])
def test_batch_commands_exit_3_when_nothing_converged(monkeypatch, tmp_path, command):
    from types import SimpleNamespace

    import tradewar.batch.sweep
    import tradewar.batch.uncertainty

    if command == "sweep":
        ds = SimpleNamespace(attrs={"failed": 3}, status=np.array(["diverged"] * 3))
        monkeypatch.setattr(tradewar.batch.sweep, "sweep", lambda *a, **k: ds)
        args = ["sweep", "liberation-day", "--grid", "eps=3:5:3", "--scheduler", "none"]
    else:
        doc = {"draws": 2, "failed": [{"index": 0}, {"index": 1}], "countries": {}, "params": {}}
        monkeypatch.setattr(tradewar.batch.uncertainty, "uncertainty", lambda *a, **k: SimpleNamespace(doc=doc))
        args = ["uncertainty", "liberation-day", "--scheduler", "none", "--json", str(tmp_path / "u.json")]
    r = runner.invoke(app, args)
    assert r.exit_code == 3, r.output
    assert "converged; no result written" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "u.json").exists()


def test_cp2015_raises_when_its_solve_fails(monkeypatch, tmp_path):
    """``cp2015.run`` lets the solver raise: a solve that fails never becomes a document (on a small world)."""
    import tradewar.data._sectoral as sectoral
    import tradewar.solve as solve
    from tradewar.replicate import cp2015

    from .test_caliendo_parro import random_world

    w = random_world(1, n=4)
    w = w.replace(codes=("CAN", "MEX", "USA", "ROW"), names=("CAN", "MEX", "USA", "ROW"),
                  extras={**dict(w.extras), "tariffs2005": np.asarray(w.tariffs) * 0.1})
    monkeypatch.setattr(sectoral, "read_cp2015", lambda folder: w)
    assert cp2015.run(tmp_path)["countries"]["MEX"]  # the small world solves ...
    real = solve.solve_model

    def one_step(model, shock, options=None, **kw):
        if kw.get("what") == "cp2015 NAFTA":
            options = solve.SolverOptions(tol=1e-11, max_steps=1, method="newton")
        return real(model, shock, options, **kw)

    monkeypatch.setattr(solve, "solve_model", one_step)
    with pytest.raises(ConvergenceError, match="cp2015 NAFTA"):  # ... and one that does not raises
        cp2015.run(tmp_path)


# --- sweeps: validated members, fingerprints of contents --------------------------------------------
def test_sweep_members_are_validated(world2023):
    from tradewar.batch.sweep import ModelFactory

    f = ModelFactory("ilms", world2023, {})
    with pytest.raises(ScenarioError, match="model 'ilms': parameter 'eps'"):
        f({"eps": -1.0})
    with pytest.raises(ScenarioError, match="model 'ilms': parameter 'kappa'"):
        f({"kappa": float("nan")})
    assert float(f({"eps": 5.0}).eps) == 5.0


def test_resume_fingerprint_follows_data_contents_and_version(monkeypatch, world2023):
    import tradewar
    from tradewar.batch import sweep

    class Seen(Exception):
        pass

    def run_chunks(*args, fingerprint, **kwargs):
        raise Seen(fingerprint)

    monkeypatch.setattr("tradewar.batch._chunks.run_chunks", run_chunks)
    base = sweep.setup("liberation-day")

    def fp(st):
        monkeypatch.setattr(sweep, "_cached_setup", lambda *a: st)
        with pytest.raises(Seen) as seen:
            sweep.run_members("liberation-day", params={"eps": [4.0, 5.0]}, chunk=2)
        return seen.value.args[0]

    first = fp(base)
    assert fp(base) == first  # the same inputs: the same fingerprint
    trade = np.array(base.world.trade, dtype=float)
    trade[0, 1] *= 1.0 + 1e-9  # one cell of a data file changed, same path
    changed = sweep.BatchSetup(world=base.world.replace(trade=trade), family=base.family, params=base.params,
                               t=base.t, x=base.x, name=base.name, scenario=base.scenario)
    assert fp(changed) != first
    monkeypatch.setattr(tradewar, "__version__", tradewar.__version__ + ".post1")
    assert fp(base) != first


# --- input-output shares ----------------------------------------------------------------------------
@pytest.mark.parametrize("share, ok", [(-0.0005, True), (-0.005, False), (-0.01, False)])
def test_negative_io_shares(share, ok):
    from tradewar.models.caliendo_parro import calibrate

    from .test_caliendo_parro import random_world

    w = random_world(0)
    io = np.array(w.extras["io_shares"])  # (country, input sector, output sector)
    io[1, 0, 2] = share
    io[1, 1:, 2] *= (1.0 - share) / io[1, 1:, 2].sum()  # the column still sums to one
    w = w.replace(extras={**dict(w.extras), "io_shares": io})
    if ok:
        calibrate(w)
    else:
        with pytest.raises(DataError, match=r"country CBB, output sector s2: input shares must be >= 0 \(rounding "
                                            r"down to -0.001 is tolerated\)"):
            calibrate(w)


def test_cp2015_reader_rejects_negative_io_share(tmp_path):
    from tradewar.data._sectoral import read_cp2015

    from .conftest import shared_dir

    src = shared_dir("cp2015")
    for f in src.glob("*.txt"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    rows = (tmp_path / "IO.txt").read_text().splitlines()
    cells = rows[4].split()
    cells[2] = "-0.005"
    rows[4] = "\t".join(cells)
    (tmp_path / "IO.txt").write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"IO\.txt.*input shares must be in \[0, 1\] \(rounding down to -0\.001"):
        read_cp2015(tmp_path)


# --- the umask ---------------------------------------------------------------------------------------
def test_umask_is_read_without_changing_it(tmp_path):
    """Importing tradewar and writing files never calls ``os.umask`` (it would race other threads)."""
    code = """
import os, stat, sys
os.umask(0o027)
def boom(*a):
    raise AssertionError("os.umask called")
os.umask = boom
import tradewar, tradewar.cli
from tradewar._io import atomic_write, json_writer
p = sys.argv[1]
atomic_write(p, json_writer({"a": 1}))
print(oct(stat.S_IMODE(os.stat(p).st_mode)))
"""
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path / "x.json")], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "0o640"
    assert json.loads((tmp_path / "x.json").read_text()) == {"a": 1}


# --- optimistix: the contract DampedNewton relies on --------------------------------------------------
class DampedNewton(optx.AbstractGaussNewton):
    """Newton's method with a backtracking line search on the residual norm, as an optimistix solver.

    The step is the Newton step ``J dy = -r`` (optimistix's ``NewtonDescent``; for a square system the
    Gauss-Newton step is the Newton step); its length is halved until ``|r|^2/2`` falls by at least a
    tenth of the decrease its linearisation predicts (Armijo's rule, ``BacktrackingArmijo``). A trial
    point with non-finite values is rejected like one that does not decrease the residual, so the
    iterates stay where the equations are defined. ``tradewar.solve.find_root`` runs the same iteration
    (the same rule, steps and termination) in its own loop, which shares one traced Newton body with the
    direct solve; this class is that iteration for ``optimistix.root_find``, the reference the damped phase
    is checked against below.

    It fills the abstract fields of optimistix's ``AbstractGaussNewton`` (the documented way to build a
    solver of that family in optimistix 0.1): ``verbose`` is the logging callable ``**kwargs -> None`` that
    ``GaussNewton(verbose=False)`` also holds, here one that logs nothing. The pin ``optimistix<0.2`` and
    the test below guard that contract.
    """

    rtol: float
    atol: float
    norm: Callable = optx.max_norm
    descent: optx.NewtonDescent = optx.NewtonDescent()
    search: optx.BacktrackingArmijo = optx.BacktrackingArmijo(decrease_factor=0.5, slope=ARMIJO_SLOPE)
    verbose: Callable = eqx.field(static=True, default=lambda **kwargs: None)


def test_damped_newton_optimistix_contract():
    """``DampedNewton`` fills ``AbstractGaussNewton``'s fields; optimistix calls ``verbose`` with keywords only.

    Plain Newton diverges on ``arctan(y) = 0`` from ``y = 2``; the line search converges.
    """
    import importlib.metadata

    major, minor = (int(v) for v in importlib.metadata.version("optimistix").split(".")[:2])
    assert (major, minor) == (0, 1), "DampedNewton is written against optimistix 0.1 (pyproject pins <0.2)"
    calls = []

    def record(*args, **kwargs):
        assert not args
        assert all(isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) for v in kwargs.values())
        calls.append(sorted(kwargs))

    f = lambda y, _: jnp.arctan(y)  # noqa: E731
    y0 = jnp.array([2.0])
    plain = optx.root_find(f, optx.Newton(rtol=1e-10, atol=1e-10), y0, max_steps=50, throw=False)
    assert not bool(jnp.all(jnp.abs(plain.value) < 1e-8))
    sol = optx.root_find(f, DampedNewton(rtol=1e-10, atol=1e-10), y0, max_steps=50, throw=False)
    assert sol.result == optx.RESULTS.successful and abs(float(sol.value[0])) < 1e-8
    optx.root_find(f, DampedNewton(rtol=1e-10, atol=1e-10, verbose=record), y0, max_steps=50, throw=False)
    assert calls  # the logging hook is reached, with (label, value) pairs


# --- the solver's Newton loop: the iterations of optimistix ----------------------------------------
_A = np.random.default_rng(0).normal(size=(4, 4)) * 0.1 + np.eye(4)


def _smooth(y, a):
    return jnp.asarray(_A) @ y + 0.3 * jnp.tanh(y) - a + 0.05 * y**3


def _arctan(y, a):  # plain Newton diverges from |y| > 1.39; the line search converges
    return jnp.arctan(y) - a


@pytest.mark.parametrize(
    "phase, solver, f, y0",
    [
        ("_NEWTON", "Newton", _smooth, [0.0, 0.0, 0.0, 0.0]),
        ("_CHORD", "Chord", _smooth, [0.0, 0.0, 0.0, 0.0]),
        ("_STAGE", "DampedNewton", _smooth, [0.0, 0.0, 0.0, 0.0]),
        ("_STAGE", "DampedNewton", _arctan, [2.0, -3.0, 1.5, 0.2]),
        ("_NEWTON", "Newton", _arctan, [1.0, -1.0, 0.5, 0.2]),
    ],
)
def test_newton_phases_are_the_iterations_of_optimistix(phase, solver, f, y0):
    """Each phase of ``solve._newton`` takes the steps of its optimistix solver: same count, same value."""
    from tradewar import solve

    a = jnp.asarray([1.0, -2.0, 0.5, 3.0]) if f is _smooth else jnp.zeros(4)
    y0 = jnp.asarray(y0)
    value, code, k, r = jax.jit(
        lambda y0, a: solve._newton(f, y0, a, jnp.int32(getattr(solve, phase)), 1e-10, 60, "lu"))(y0, a)
    cls = DampedNewton if solver == "DampedNewton" else getattr(optx, solver)
    ref = optx.root_find(f, cls(rtol=1e-10, atol=1e-10), y0, a, max_steps=60, throw=False)
    assert ref.result == optx.RESULTS.successful and int(code) == 0
    assert int(k) == int(ref.stats["num_steps"])
    np.testing.assert_array_equal(np.asarray(value), np.asarray(ref.value))
    assert float(jnp.max(jnp.abs(f(value, a)))) < 1e-9
    # the residual the loop evaluated there (compiled: the rounding of its terms may differ)
    np.testing.assert_allclose(np.asarray(r), np.asarray(f(value, a)), rtol=0, atol=1e-14)


def test_newton_loop_limits_and_start_at_a_root():
    """Out of steps: code 1 after ``max_steps`` evaluations; the final phase takes none; a damped solve that
    starts at a root stops there after one evaluation."""
    from tradewar import solve

    run = jax.jit(lambda y0, p, n: solve._newton(_arctan, y0, jnp.zeros(4), p, 1e-10, n, "lu"), static_argnums=2)
    y0 = jnp.asarray([0.5, -0.5, 0.3, 0.1])
    value, code, k, r = run(y0, jnp.int32(solve._CHORD), 3)
    assert (int(code), int(k)) == (1, 3)
    np.testing.assert_allclose(np.asarray(r), np.asarray(_arctan(value, jnp.zeros(4))), rtol=0, atol=1e-14)
    value, code, k, r = run(y0, jnp.int32(solve._FINAL), 60)
    assert int(k) == 0 and np.array_equal(np.asarray(value), np.asarray(y0))
    np.testing.assert_allclose(np.asarray(r), np.asarray(_arctan(y0, jnp.zeros(4))), rtol=0, atol=1e-14)
    value, code, k, r = run(jnp.zeros(4), jnp.int32(solve._STAGE), 60)
    assert (int(code), int(k)) == (0, 1) and not np.any(np.asarray(value)) and not np.any(np.asarray(r))
    # a damped solve out of steps returns its last accepted point, with the residual there
    far = jnp.asarray([2.0, -3.0, 1.5, 0.2])
    for n in (1, 2, 3):
        value, code, k, r = run(far, jnp.int32(solve._STAGE), n)
        assert (int(code), int(k)) == (1, n)
        np.testing.assert_allclose(np.asarray(r), np.asarray(_arctan(value, jnp.zeros(4))), rtol=0, atol=1e-14)
