"""Deficit closures (fixed, zero, gdp_share) for every family, and the plausibility bounds of a result.

With ``deficits = "zero"`` the deficits are removed first (Dekle-Eaton-Kortum) and the global tariff wars
that have no admissible equilibrium with fixed deficits on world2023 solve for every ILMS variant; every
closure returns ones at the baseline policy and passes the accounting checks; ``gdp_share`` and ``fixed``
are the same model when trade is balanced. An impossible equilibrium caused by a fixed surplus names the
closure that solves it; an admissible but implausible one (beyond +-25% welfare or employment) is a
TradewarWarning naming the countries.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from typer.testing import CliRunner

from tradewar._exceptions import InadmissibleError, ScenarioError, TradewarWarning
from tradewar.data import World
from tradewar.models import ilms
from tradewar.solve import Shock, SolverOptions, Status, solve_model

VARIANTS = {
    "income_tax": ilms.ILMSParams(),
    "lump_sum": ilms.ILMSParams(revenue_use="lump_sum"),
    "armington": ilms.armington(),
}
CLOSURES = ("fixed", "zero", "gdp_share")


@pytest.fixture(scope="session")
def zero_models(world2023):
    return {name: ilms.calibrate(world2023, p.replace(deficits="zero")) for name, p in VARIANTS.items()}


@pytest.fixture(scope="session")
def closure_models(world2023):
    p = VARIANTS["income_tax"]
    return {d: ilms.calibrate(world2023, p.replace(deficits=d)) for d in CLOSURES}


def _uniform(n: int, rate: float) -> np.ndarray:
    return rate * (1.0 - np.eye(n))


def _valid(eq) -> None:
    opts = SolverOptions()
    assert eq.status is Status.SUCCESS
    assert eq.max_residual <= opts.tol
    assert all(v <= opts.check_tol for v in eq.checks.values()), eq.checks
    assert eq.admissibility and all(v > 0 for v in eq.admissibility.values()), eq.admissibility


def _quiet(model, shock, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TradewarWarning)
        return solve_model(model, shock, **kw)


# --- the zero closure -----------------------------------------------------------------------------------
def test_zero_closure_balances_the_baseline(world2023, zero_models):
    for m in zero_models.values():
        assert m.deficits == "zero"
        # the new baseline has no deficits: T = E - Y - R0 (with profits nu, not the flows' balance)
        assert float(np.max(np.abs(m.T)) / np.sum(m.E)) < 1e-9
    # in the textbook model (no profits) that is balanced trade in the flows
    X = np.asarray(zero_models["armington"].X)
    off = X * (1.0 - np.eye(world2023.n))
    assert np.max(np.abs(off.sum(0) - off.sum(1))) / X.sum() < 1e-9
    # the balanced world is a different baseline: the largest surplus of the data is gone
    fixed = ilms.calibrate(world2023, VARIANTS["income_tax"])
    k = int(np.argmin(fixed.T / fixed.Y))
    assert float(fixed.T[k] / fixed.Y[k]) < -0.1
    assert abs(float(zero_models["income_tax"].T[k])) < 1e-9 * float(fixed.Y[k])


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("rate", [3.0, 10.0])
def test_global_war_solves_with_zero_deficits(world2023, zero_models, variant, rate):
    # with fixed deficits these wars have no admissible equilibrium (tests/test_robust.py)
    eq = _quiet(zero_models[variant], Shock(t=_uniform(world2023.n, rate)), codes=world2023.codes)
    _valid(eq)
    w = eq.outcomes["welfare_pct"]
    assert np.all(w < 0) and np.all(w > -100.0)  # everybody loses from a global war
    us, vn = world2023.index("USA"), world2023.index("VNM")
    assert -10.0 < w[us] < -1.0  # a large, closed economy loses little
    assert w[vn] < -30.0  # a small, open one a lot


@pytest.mark.parametrize("closure", CLOSURES)
def test_zero_shock_returns_ones(world2023, closure_models, closure):
    m = closure_models[closure]
    eq = solve_model(m, m.baseline_shock(), codes=world2023.codes)
    _valid(eq)
    for k in ("welfare_pct", "real_wage_pct", "employment_pct", "price_index_pct"):
        assert np.max(np.abs(eq.outcomes[k])) < 1e-8, k


@pytest.mark.parametrize("closure", CLOSURES)
def test_closures_keep_the_accounts(world2023, closure_models, closure):
    m = closure_models[closure]
    eq = solve_model(m, Shock(t=_uniform(world2023.n, 0.25)), codes=world2023.codes)
    _valid(eq)  # Walras' law, world budget, income = expenditure, ...
    assert eq.checks["walras"] < 1e-10
    # the deficit of every country, read from its budget E' = R + Y' + D', is the closure's
    s = m._state(eq.y, Shock(t=_uniform(world2023.n, 0.25)))
    Y1 = np.asarray(s["Yn"])
    D1 = np.asarray(s["Eh"] * m.E - s["R"]) - Y1
    T, Y = np.asarray(m.T), np.asarray(m.Y)
    scale = 1e-9 * float(np.sum(m.E))
    assert abs(D1.sum()) < scale  # deficits sum to zero
    if closure == "fixed":  # D'_i = T_i sum Y' / sum Y
        np.testing.assert_allclose(D1, T * Y1.sum() / Y.sum(), atol=scale)
    if closure == "zero":
        assert np.max(np.abs(D1)) < scale
    if closure == "gdp_share":  # D'_i = Y'_i (d_i - dbar'): the shares move by one common term
        shift = D1 / Y1 - T / Y
        np.testing.assert_allclose(shift, np.full_like(shift, shift[0]), atol=1e-9)
        assert shift[0] == pytest.approx(-np.sum(T / Y * Y1) / Y1.sum(), abs=1e-12)


def test_closures_differ_where_deficits_matter(world2023, closure_models):
    t = _uniform(world2023.n, 0.25)
    w = {d: solve_model(m, Shock(t=t)).outcomes["welfare_pct"] for d, m in closure_models.items()}
    vn = world2023.index("VNM")
    assert abs(w["fixed"][vn] - w["gdp_share"][vn]) > 0.5
    assert abs(w["fixed"][vn] - w["zero"][vn]) > 0.5


def test_gdp_share_equals_fixed_with_balanced_trade(world2023):
    X = np.asarray(world2023.trade, dtype=float)
    w = World(codes=world2023.codes, trade=(X + X.T) / 2, gdp=np.asarray(world2023.gdp))
    t = _uniform(w.n, 0.5)
    # equal profit shares: with calibrated ones (the USA's differs) T = E - Y - R0 is not zero even here
    for p in (ilms.ILMSParams(nu=0.1), ilms.ILMSParams(nu=0.1, beta=0.49)):
        out = {}
        for d in CLOSURES:
            m = ilms.calibrate(w, p.replace(deficits=d))
            assert float(np.max(np.abs(m.T)) / np.sum(m.E)) < 1e-12
            eq = solve_model(m, Shock(t=t))
            _valid(eq)
            out[d] = eq.outcomes["welfare_pct"]
        np.testing.assert_allclose(out["gdp_share"], out["fixed"], atol=1e-8)
        np.testing.assert_allclose(out["zero"], out["fixed"], atol=1e-8)


def test_zero_closure_with_input_output(world2023):
    m = ilms.calibrate(world2023, ilms.ILMSParams(beta=0.49, deficits="zero"))
    assert float(np.max(np.abs(m.T)) / np.sum(m.E)) < 1e-9
    eq = solve_model(m, m.baseline_shock())
    _valid(eq)
    assert np.max(np.abs(eq.outcomes["welfare_pct"])) < 1e-8
    _valid(_quiet(m, Shock(t=_uniform(world2023.n, 3.0))))


def test_unknown_closure_is_refused():
    with pytest.raises(ScenarioError, match=r"parameter 'deficits'.*'balanced'"):
        ilms.ILMSParams(deficits="balanced")


# --- the error and the warning ---------------------------------------------------------------------------
def test_inadmissible_error_names_the_closure(world2023):
    # the textbook model with fixed deficits has no equilibrium in a 1000% war (Vietnam's surplus); zero solves it
    fixed = ilms.calibrate(world2023, ilms.armington())
    t = _uniform(world2023.n, 10.0)
    with pytest.raises(InadmissibleError) as err:
        solve_model(fixed, Shock(t=t), codes=world2023.codes)
    msg = str(err.value)
    assert "(VNM)" in msg
    assert "VNM's trade surplus is held fixed at" in msg and "of its income (deficits = \"fixed\")" in msg
    assert msg.endswith('try deficits = "zero" (trade balanced first)')
    zero = ilms.calibrate(world2023, ilms.armington().replace(deficits="zero"))
    _valid(_quiet(zero, Shock(t=t), codes=world2023.codes))


def test_no_closure_advice_when_the_deficit_is_not_the_cause(world2023):
    # a 70% subsidy on every US import: impossible whatever the closure (the USA runs a deficit)
    us = world2023.index("USA")
    t = np.zeros((world2023.n, world2023.n))
    t[:, us] = -0.7
    t[us, us] = 0.0
    with pytest.raises(InadmissibleError) as err:
        solve_model(ilms.calibrate(world2023, ilms.ILMSParams()), Shock(t=t), codes=world2023.codes)
    assert "deficits" not in str(err.value)


def test_implausible_result_is_a_warning(world2023, closure_models):
    # a global 100% war on the default model solves, but some countries' welfare moves far beyond 25%
    t = _uniform(world2023.n, 1.0)
    with pytest.warns(TradewarWarning) as rec:
        eq = solve_model(closure_models["fixed"], Shock(t=t), codes=world2023.codes, what="global 100% war")
    _valid(eq)
    msgs = [str(r.message) for r in rec if issubclass(r.category, TradewarWarning)]
    assert len(msgs) == 1
    w = eq.outcomes["welfare_pct"]
    worst = world2023.codes[int(np.argmax(np.abs(w)))]
    assert msgs[0].startswith("global 100% war: implausible result outside the plausibility bounds")
    assert f"{worst} welfare {w[world2023.index(worst)]:+.1f}%" in msgs[0]
    assert "fixed trade surplus of" in msgs[0]
    assert msgs[0].endswith('likely cause: deficits held fixed (deficits = "fixed"): try deficits = "zero" (see the '
                            "deficit closures in the documentation, docs/models.md)")


def test_plausible_result_is_quiet(world2023, closure_models):
    with warnings.catch_warnings():
        warnings.simplefilter("error", TradewarWarning)
        solve_model(closure_models["fixed"], Shock(t=_uniform(world2023.n, 0.1)), codes=world2023.codes)


def test_plausibility_bounds_unit():
    from tradewar._plausible import BOUNDS, warn_implausible

    assert BOUNDS == {"welfare_pct": 25.0, "employment_pct": 25.0}
    out = {"welfare_pct": np.array([1.0, -30.0, 24.9]), "employment_pct": np.array([0.0, 2.0, 26.0])}
    with pytest.warns(TradewarWarning, match=r"BBB welfare -30\.0%; CCC employment \+26\.0%; likely cause: a very "):
        assert warn_implausible(object(), out, ("AAA", "BBB", "CCC")) == ["BBB", "CCC"]


# --- the other families ---------------------------------------------------------------------------------
def _sectoral_world(seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(1, 3, (4, 4, 2))
    X[np.arange(4), np.arange(4)] *= 6
    codes = ("AAA", "BBB", "CCC", "DDD")
    return World(codes=codes, trade=X, gdp=X.sum(axis=(1, 2)), tariffs=np.full_like(X, 0.05),
                 extras={"theta": np.array([4.0, 6.0]), "sigma": np.array([3.0, 5.0])})


@pytest.mark.parametrize("family", ["caliendo_parro", "ossa"])
def test_sectoral_families_take_every_closure(family):
    from tradewar.models._registry import build_model

    w = _sectoral_world()
    off = (1.0 - np.eye(w.n))[:, :, None] * np.ones(2)
    welfare = {}
    for d in CLOSURES:
        m = build_model(family, w, {"deficits": d})
        assert m.deficits == d
        eq = solve_model(m, Shock(t=np.asarray(m.t0 if family == "caliendo_parro" else m.t)))
        _valid(eq)
        assert np.max(np.abs(eq.outcomes["welfare_pct"])) < 1e-8
        eq = solve_model(m, Shock(t=0.05 + 0.5 * off))
        _valid(eq)
        welfare[d] = eq.outcomes["welfare_pct"]
        if family == "caliendo_parro" and d == "zero":  # balanced before and after: no change, not +100%
            np.testing.assert_array_equal(eq.outcomes["deficit_change_pct"], 0.0)
    assert not np.allclose(welfare["fixed"], welfare["gdp_share"], atol=1e-3)
    assert not np.allclose(welfare["fixed"], welfare["zero"], atol=1e-3)


def test_ossa_refuses_nx_new_with_a_closure():
    from tradewar._exceptions import CalibrationError
    from tradewar.models import ossa

    w = _sectoral_world()
    with pytest.raises(CalibrationError, match="give either nx_new .* or deficits = 'fixed', not both"):
        ossa.calibrate(w, nx_new=np.zeros(w.n), deficits="fixed")


# --- scenarios and the command line ---------------------------------------------------------------------
WAR = """name = "global-war"
[data]
source = "world2023"
[model]
family = "{family}"
[[tariffs]]
type = "uniform"
importer = "*"
rate = {rate}
"""


def test_cli_deficits_override_and_json_params(tmp_path):
    from tradewar.cli import app

    f = tmp_path / "war.toml"
    f.write_text(WAR.format(family="ilms", rate=3.0))
    out = tmp_path / "war.json"
    r = CliRunner().invoke(app, ["run", str(f), "--deficits", "zero", "--json", str(out)])
    assert r.exit_code == 0, r.output
    assert "deficits removed first: changes are relative to a balanced-trade baseline" in r.output
    doc = json.loads(out.read_text())
    assert doc["params"]["deficits"] == "zero" and doc["meta"]["deficits"] == "zero"
    # without the override: the fixed default, refused with the advice
    r = CliRunner().invoke(app, ["run", str(f)])
    assert r.exit_code == 3
    assert 'try deficits = "zero"' in r.output
    r = CliRunner().invoke(app, ["run", str(f), "--deficits", "balanced"])
    assert r.exit_code == 2 and "deficits" in r.output and "Traceback" not in r.output


def test_cli_prints_one_warning_line(tmp_path):
    from tradewar.cli import app

    f = tmp_path / "war.toml"
    f.write_text(WAR.format(family="ilms", rate=1.0))
    out = tmp_path / "war.json"
    r = CliRunner().invoke(app, ["run", str(f), "--json", str(out)])
    assert r.exit_code == 0, r.output
    lines = [ln for ln in r.output.splitlines() if ln.startswith("warning:") and "implausible" in ln]
    assert len(lines) == 1 and 'try deficits = "zero"' in lines[0]
    assert json.loads(out.read_text())["params"]["deficits"] == "fixed"


def test_batch_of_zero_deficit_models_equals_single_solves(world2023):
    # each member is rebalanced with its own parameters, so every array of the stacked models varies
    from tradewar.batch.sweep import BatchSetup, solve_batch

    t = _uniform(world2023.n, 0.3)
    st = BatchSetup(world=world2023, family="armington", params={"deficits": "zero"}, t=t, x=None, name="zero")
    eps = np.array([3.0, 5.0])
    ds = solve_batch(st, params={"eps": eps}, chunk=2)
    assert ds.attrs["failed"] == 0
    for k, e in enumerate(eps):
        m = ilms.calibrate(world2023, ilms.armington(float(e)).replace(deficits="zero"))
        ref = _quiet(m, Shock(t=t)).outcomes["welfare_pct"]
        np.testing.assert_allclose(ds.welfare_pct.isel(draw=k).values, ref, rtol=0, atol=1e-8)
