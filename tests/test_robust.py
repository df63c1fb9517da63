"""The solver survives tariff wars, and never returns an impossible equilibrium as valid.

Layers: (b) invariants -- every solution passes the accounting checks and the admissibility margins;
(a) pinned values of this project's own solutions (world2023); (c) the derivative through a solve that
needed continuation against finite differences; the CP2015 part needs ../shared/data/cp2015.

The suite runs a representative subset of the robustness table of ``benchmarks/bench_robust.py``:
every uniform war size on world2023 for the three ILMS variants (solved, or refused as inadmissible),
the same on a balanced-trade copy of world2023 (all solved), the US-China embargo, and on CP2015 the
1000% war with balanced trade and the embargo. The full table (CP2015 at every size, both deficit
treatments) is the benchmark's.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

from tradewar._exceptions import ConvergenceError, InadmissibleError
from tradewar.data import World
from tradewar.models import ilms
from tradewar.solve import Shock, SolverOptions, Status, find_root, solve_model

from .conftest import shared_dir

RATES = (0.75, 1.0, 1.5, 3.0, 10.0)
VARIANTS = {
    "income_tax": ilms.ILMSParams(),
    "lump_sum": ilms.ILMSParams(revenue_use="lump_sum"),
    "armington": ilms.armington(),
}


@pytest.fixture(scope="module")
def models(world2023):
    return {name: ilms.calibrate(world2023, p) for name, p in VARIANTS.items()}


@pytest.fixture(scope="module")
def balanced_models(world2023):
    """world2023 with every bilateral flow replaced by the mean of both directions: trade is balanced."""
    X = np.asarray(world2023.trade, dtype=float)
    w = World(codes=world2023.codes, trade=(X + X.T) / 2, gdp=np.asarray(world2023.gdp))
    return w, {name: ilms.calibrate(w, p) for name, p in VARIANTS.items()}


def _uniform(n: int, rate: float) -> np.ndarray:
    return rate * (1.0 - np.eye(n))


def _valid(eq) -> None:
    opts = SolverOptions()
    assert eq.status is Status.SUCCESS
    assert eq.max_residual <= opts.tol
    assert all(v <= opts.check_tol for v in eq.checks.values()), eq.checks
    assert eq.admissibility and all(v > 0 for v in eq.admissibility.values()), eq.admissibility
    assert np.all(eq.outcomes["welfare_pct"] > -100.0)


# --- admissibility -----------------------------------------------------------------------------------
def test_uniform_us_import_subsidy_is_inadmissible(world2023, models):
    # a 70% subsidy on every US import: the solve converges, but US real income is negative (-143.5%)
    us = world2023.index("USA")
    t = np.zeros((world2023.n, world2023.n))
    t[:, us] = -0.7
    t[us, us] = 0.0
    with pytest.raises(InadmissibleError, match=r"real_income=-0\.435 \(USA\)") as err:
        solve_model(models["income_tax"], Shock(t=t), codes=world2023.codes)
    assert isinstance(err.value, ConvergenceError)
    diag = err.value.diagnostics
    assert diag["status"] == "inadmissible"
    assert diag["max_residual"] <= 1e-10
    assert diag["admissibility"]["real_income"] == pytest.approx(-0.43517194, abs=1e-6)
    eq = solve_model(models["income_tax"], Shock(t=t), throw=False)
    assert eq.status is Status.INADMISSIBLE and not eq.converged
    assert eq.outcomes["welfare_pct"][us] == pytest.approx(-143.517194, abs=1e-4)


def test_batched_welfare_refuses_an_inadmissible_member(world2023, models):
    # the bloc game and the bargaining searches evaluate welfare in batches: an impossible equilibrium
    # among them is an error naming the case, not a number
    from tradewar.strategy._batch import welfare_of_tariffs

    us = world2023.index("USA")
    t = np.zeros((world2023.n, world2023.n))
    t[:, us] = -0.7
    t[us, us] = 0.0
    with pytest.raises(InadmissibleError, match="tariff setting 2 of 2 is not economically possible"):
        welfare_of_tariffs(models["income_tax"], np.stack([np.zeros_like(t), t]))


def test_admissible_subsidy_still_solves(world2023, models):
    us = world2023.index("USA")
    t = np.zeros((world2023.n, world2023.n))
    t[:, us] = -0.1
    t[us, us] = 0.0
    for m in models.values():
        eq = solve_model(m, Shock(t=t))
        _valid(eq)
        assert eq.outcomes["welfare_pct"][us] < 0  # a subsidy hurts the country that pays for it


def test_every_model_family_exposes_admissibility():
    from tradewar.models.caliendo_parro import CaliendoParro
    from tradewar.models.ossa import OssaModel

    for cls in (ilms.ILMSModel, CaliendoParro, OssaModel):
        assert callable(getattr(cls, "admissibility", None)), cls.__name__


# --- war sizes on world2023 ----------------------------------------------------------------------------
# (variant, rate) -> (continuation stages, welfare change of the USA and of China, %); every direct
# Newton solve of a case with a stage failed with NaN before the solve had damping and continuation.
SOLVED = {
    ("income_tax", 0.75): (1, -0.20806417957273116, -10.915832670793169),
    ("income_tax", 1.0): (1, 0.5219562769841257, -14.347631559785977),
    ("income_tax", 1.5): (1, 2.4015371636841865, -21.428956850944815),
    ("lump_sum", 0.75): (0, -1.781666681475702, -10.862747718569043),
    ("lump_sum", 1.0): (1, -1.361199732197249, -14.104950018323237),
    ("lump_sum", 1.5): (1, -0.16849594442468474, -20.80245188355373),
    ("armington", 0.75): (0, 0.2317930789880629, -5.564182171085042),
    ("armington", 1.0): (0, 0.5996790604451796, -7.1852022607252986),
    ("armington", 1.5): (0, 1.5241603445322882, -10.214934445503731),
    ("armington", 3.0): (1, 4.728646441815565, -19.336930913654204),
}
# With deficits held at their share of world income, Malaysia and Vietnam (trade surpluses of 25% and
# 27% of GDP) must keep exporting on net whatever the tariffs: beyond these sizes the expenditure or
# real income of one of them is negative, so the model has no admissible equilibrium.
INADMISSIBLE = {("armington", 10.0)}


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("rate", RATES)
def test_uniform_war_world2023(world2023, models, variant, rate):
    m = models[variant]
    us, cn = world2023.index("USA"), world2023.index("CHN")
    shock = Shock(t=_uniform(world2023.n, rate))
    if (variant, rate) in SOLVED:
        stages, w_us, w_cn = SOLVED[(variant, rate)]
        eq = solve_model(m, shock, codes=world2023.codes)
        _valid(eq)
        assert eq.stages == stages
        assert eq.outcomes["welfare_pct"][[us, cn]] == pytest.approx([w_us, w_cn], abs=1e-7)
    elif (variant, rate) in INADMISSIBLE:
        # the message names the fixed surplus and the closure that solves these wars (see below)
        with pytest.raises(InadmissibleError, match=r"\(VNM\).*VNM's trade surplus is held fixed at \d+% of its "
                           r"income \(deficits = \"fixed\"\).*try deficits = \"zero\""):
            solve_model(m, shock, codes=world2023.codes)
    else:
        # the path from the baseline leaves the admissible region (Malaysia) before the target:
        # a solver failure that says how far it got and what is wrong there
        with pytest.raises(ConvergenceError, match=r"solved \d+%.*already impossible: real_income=\S+ \(MYS\); "
                           r"MYS's trade surplus is held fixed .*try deficits = \"zero\"") as err:
            solve_model(m, shock, codes=world2023.codes)
        assert not isinstance(err.value, InadmissibleError)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_war_size_solves_with_balanced_trade(balanced_models, variant):
    w, ms = balanced_models
    for rate in RATES:
        eq = solve_model(ms[variant], Shock(t=_uniform(w.n, rate)))
        _valid(eq)
    assert eq.stages >= 1  # the 1000% war needs the continuation
    us = w.index("USA")
    t = np.zeros((w.n, w.n))
    t[:, us] = 10.0  # a 1000% US tariff on every import
    t[us, us] = 0.0
    _valid(solve_model(ms[variant], Shock(t=t)))


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_us_china_embargo(world2023, models, variant):
    us, cn = world2023.index("USA"), world2023.index("CHN")
    t = np.zeros((world2023.n, world2023.n))
    t[us, cn] = t[cn, us] = 100.0  # 10,000% both ways
    eq = solve_model(models[variant], Shock(t=t))
    _valid(eq)
    w_us, w_cn = eq.outcomes["welfare_pct"][[us, cn]]
    assert -1.0 < w_us < 0 and -1.0 < w_cn < 0


def test_small_shock_takes_the_direct_path(world2023, models):
    eq = solve_model(models["income_tax"], Shock(t=_uniform(world2023.n, 0.1)))
    _valid(eq)
    assert eq.stages == 0


def test_ossa_model_continues_from_its_baseline():
    from tradewar.models.ossa import calibrate

    rng = np.random.default_rng(1)
    X = rng.uniform(1, 3, (5, 5, 3))
    X[np.arange(5), np.arange(5)] *= 8
    codes = ("AAA", "BBB", "CCC", "DDD", "EEE")
    w = World(codes=codes, trade=X, gdp=X.sum(axis=(1, 2)), tariffs=np.full_like(X, 0.05),
              extras={"sigma": np.array([2.5, 4.0, 6.0])})
    # net exports imposed at zero without balancing the data first: the baseline is not an equilibrium
    m = calibrate(w, nx_new=np.zeros(5))
    off = (1.0 - np.eye(5))[:, :, None] * np.ones(3)
    stages = []
    for rate in (1.0, 3.0, 10.0, 100.0):
        eq = solve_model(m, Shock(t=0.05 * (1.0 - off) + rate * off))
        _valid(eq)
        stages.append(eq.stages)
    assert stages == [0, 1, 0, 0]  # the direct Newton solve fails at 300% only


# --- batches and derivatives through the continuation ------------------------------------------------
def test_batch_and_gradient_through_the_continuation(world2023, models):
    from tradewar.strategy._batch import welfare_of_tariffs

    m = models["armington"]
    n = world2023.n
    us = world2023.index("USA")
    W = welfare_of_tariffs(m, np.stack([_uniform(n, 0.1), _uniform(n, 2.0)]))
    for k, rate in enumerate((0.1, 2.0)):
        eq = solve_model(m, Shock(t=_uniform(n, rate)))
        assert W[k] == pytest.approx(1 + eq.outcomes["welfare_pct"] / 100, abs=1e-9)

    off = 1.0 - np.eye(n)

    def w_us(rate):
        sh = Shock(t=rate * off)
        return m.welfare(find_root(m.residual, m.initial_guess(), sh, 1e-12, 60, "newton").value, sh)[us]

    sol = find_root(m.residual, m.initial_guess(), Shock(t=2.0 * off), 1e-12, 60, "newton")
    assert int(sol.stages) >= 1 and int(sol.result_code) == 0
    g = float(jax.grad(w_us)(2.0))
    h = 1e-5
    fd = (float(w_us(2.0 + h)) - float(w_us(2.0 - h))) / (2 * h)
    assert g == pytest.approx(fd, rel=1e-5, abs=1e-9)


# --- CP2015 ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cp2015():
    from tradewar.data._sectoral import read_cp2015
    from tradewar.models.caliendo_parro import calibrate

    world = read_cp2015(shared_dir("cp2015"))
    return world, calibrate(world, deficits="zero")


@pytest.mark.shared
@pytest.mark.slow
def test_cp2015_thousand_percent_war_and_embargo(cp2015):
    world, m = cp2015
    t0 = np.asarray(m.t0)
    off = (1.0 - np.eye(world.n))[:, :, None]
    eq = solve_model(m, Shock(t=t0 * (1.0 - off) + 10.0 * off), codes=world.codes)
    _valid(eq)
    assert eq.stages >= 1
    us, cn = world.index("USA"), world.index("CHN")
    t = t0.copy()
    t[us, cn] = t[cn, us] = 100.0
    eq = solve_model(m, Shock(t=t), codes=world.codes)
    _valid(eq)
    assert eq.outcomes["welfare_pct"][cn] < eq.outcomes["welfare_pct"][us] < 0
