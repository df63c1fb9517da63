"""The Ossa (2014) model, its data reader and the strategic layer on the 7 x 33 data (Ossa 2014, AER 104(12))."""

from __future__ import annotations

import shutil

import jax.numpy as jnp
import numpy as np
import pytest

from tradewar._exceptions import CalibrationError, DataError, ScenarioError
from tradewar.models.ossa import calibrate
from tradewar.solve import Shock, solve_model

from .conftest import assert_printed, decimals, reference, shared_dir

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def world():
    from tradewar.data._ossa import read_ossa2014

    return read_ossa2014(shared_dir("ossa2014"))


@pytest.fixture(scope="module")
def model(world):
    return calibrate(world)


def test_reader(world):
    assert world.codes == ("BRA", "CHN", "EU", "IND", "JPN", "ROW", "USA")
    assert world.trade.shape == (7, 7, 33) and world.tariffs.shape == (7, 7, 33)
    assert world.extras["sigma"].shape == (33,) and world.extras["pe_weight_lambda"].shape == (7, 33)
    assert abs(world.extras["sigma"].mean() - 3.42) < 0.01
    assert "lambda_" not in world.extras  # political-economy weights are opt-in
    assert abs(world.trade.sum() / 1e6 - 33.2) < 0.1  # README: world total 33.2 trillion USD


def test_reader_errors(tmp_path):
    from tradewar.data._ossa import read_ossa2014

    d = tmp_path / "ossa"
    shutil.copytree(shared_dir("ossa2014"), d)
    p = d / "bilateral.csv"
    lines = p.read_text().splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0] + ",abc"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"bilateral\.csv: field 'tariff_factual', row 6: not a number") as e:
        read_ossa2014(d)
    assert "\n" not in str(e.value)
    lines[5] = lines[5].replace("BRA,", "XXX,", 1)
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"field 'exporter', row 6: unknown region 'XXX'"):
        read_ossa2014(d)
    (d / "sectors.csv").unlink()
    with pytest.raises(DataError, match="sectors.csv: file not found"):
        read_ossa2014(d)


def test_calibration_errors(world):
    with pytest.raises(CalibrationError, match="sigma has shape"):
        calibrate(world, sigma=np.ones(3) * 3)
    with pytest.raises(CalibrationError, match="must be > 1"):
        calibrate(world, sigma=np.ones(33))


def test_factual_tariffs_return_ones(model):
    eq = solve_model(model, Shock(model.t))
    np.testing.assert_allclose(eq.y, 0.0, atol=1e-10)
    np.testing.assert_allclose(eq.outcomes["welfare_pct"], 0.0, atol=1e-7)
    np.testing.assert_allclose(eq.outcomes["flows_new"], np.asarray(model.X), rtol=1e-9)
    assert all(v <= 1e-12 for v in eq.checks.values())


def test_counterfactual_adds_up(model):
    rng = np.random.default_rng(0)
    t = np.asarray(model.t) + rng.uniform(0.0, 0.5, size=model.t.shape)
    t[np.arange(7), np.arange(7), :] = 0.0
    eq = solve_model(model, Shock(jnp.asarray(t)))
    assert set(eq.checks) >= {"flows_add_up", "profits", "income_expenditure", "market_clearing", "walras"}
    assert all(v <= 1e-12 for v in eq.checks.values()), eq.checks
    o = eq.outcomes
    assert o["flows_new"].shape == (7, 7, 33) and o["sector_price_pct"].shape == (7, 33)
    # numeraire: world labour income unchanged
    L = np.asarray(model.L)
    np.testing.assert_allclose((L * (1 + o["wage_pct"] / 100)).sum(), L.sum(), rtol=1e-12)
    # tariff revenue share = sum t' X' / E'
    Xn = o["flows_new"]
    E1 = np.asarray(model.E) * (1 + o["expenditure_pct"] / 100)
    np.testing.assert_allclose(o["tariff_revenue_share"], (t * Xn).sum(axis=(0, 2)) / E1, rtol=1e-10)


def test_export_taxes_rejected(model):
    with pytest.raises(ScenarioError, match="export taxes"):
        model.residual(model.initial_guess(), Shock(model.t, model.t))


def test_government_welfare(world, model):
    eq = solve_model(model, Shock(model.t * 2))
    # with weights one, G^ equals W^ (up to the tiny purged imbalances)
    np.testing.assert_allclose(eq.outcomes["government_welfare_pct"], eq.outcomes["welfare_pct"], atol=1e-6)
    pe = calibrate(world, lambda_=world.extras["pe_weight_lambda"])
    assert pe.objective == "government" and model.objective == "welfare"
    eq2 = solve_model(pe, Shock(pe.t * 2))
    np.testing.assert_allclose(100 * (np.asarray(pe.welfare(eq2.y, Shock(pe.t * 2))) - 1),
                               eq2.outcomes["government_welfare_pct"], atol=1e-12)


def test_welfare_gradient_vs_finite_differences(model):
    import jax

    from tradewar.solve import find_root

    def w_usa(x):
        t = model.t.at[:, 6, 28].add(x)  # US tariffs on motor vehicles from everyone (incl. its own cell)
        t = t.at[6, 6, 28].set(0.0)
        sol = find_root(model.residual, model.initial_guess(), Shock(t), 1e-12, 60)
        return model.welfare(sol.value, Shock(t))

    g = jax.jacrev(lambda x: w_usa(x))(0.1)
    h = 1e-5
    fd = (np.asarray(w_usa(0.1 + h)) - np.asarray(w_usa(0.1 - h))) / (2 * h)
    np.testing.assert_allclose(np.asarray(g), fd, rtol=1e-5, atol=1e-10)


def test_optimal_tariffs_one_region(model):
    from tradewar.strategy import certify, optimal_tariff

    r = optimal_tariff(model, "USA", "partner_sector", lower=0.0, tol=1e-9)
    assert r.converged and r.values.shape == (198,) and r.grad_norm <= 1e-9
    assert np.all(r.values >= 0.0) and r.own_welfare > 1.0
    cert = certify(model, r.tariffs, ["USA"], "partner_sector", lower=0.0, steps=(0.01, 0.1))
    assert cert.max_deviation_gain["USA"] <= 1e-12 and cert.n_deviations["USA"] >= 2 * 198
    assert 0.3 < np.median(r.values) < 1.0  # profit shifting and terms of trade: high optimal tariffs


def test_nash_and_talks_reduced(model):
    """Reduced problem (one uniform tariff per region): Nash FOCs, no profitable deviations, equal talks gains."""
    from tradewar.strategy import efficient_talks, make_instrument, nash
    from tradewar.strategy._objective import welfare_batch

    war = nash(model, instrument="uniform", lower=0.0, tol=1e-8)
    assert war.converged and war.certificate.ok
    assert all(v <= 1e-8 for v in war.certificate.grad_norm.values())
    assert np.all(war.welfare < 1.0)  # everyone loses in the war
    r = efficient_talks(model, instrument="sector", lower=0.0, base_t=war.tariffs)
    assert r.converged and np.ptp(r.gains) <= 1e-9 and r.gain > 0
    # coarse search over uniform tariffs (a subset of the sector instrument): the smallest gain at each point
    inst = make_instrument(model, tuple(model.t.shape), list(range(7)), "uniform")
    rng = np.random.default_rng(1)
    V = np.vstack([rng.uniform(0.0, 0.6, size=(200, 7)), np.linspace(0, 0.6, 13)[:, None] * np.ones((1, 7))])
    W, res = welfare_batch(model, jnp.log1p(jnp.asarray(V)), jnp.asarray(war.tariffs), jnp.asarray(inst.cells),
                           jnp.asarray(inst.groups), model.initial_guess())
    assert np.all(np.asarray(res) <= 1e-9)
    best = float(np.max(np.min(np.asarray(W) / war.welfare - 1.0, axis=1)))
    assert r.gain >= best - 1e-12


def test_talks_coloured_hessian(model):
    """The talks' Hessian assembled from the coloured (compressed) L_uu equals the full one."""
    from tradewar.strategy._objective import make_instrument
    from tradewar.strategy._optimal import _Evaluator
    from tradewar.strategy._talks import _colouring, _TalksEvaluator

    inst = make_instrument(model, tuple(model.t.shape), [1, 6], "partner_sector")  # CHN, USA: 396 tariffs
    cells, groups = jnp.asarray(inst.cells), jnp.asarray(inst.groups)
    rng = np.random.default_rng(5)
    u = np.log1p(inst.values(model.t)) + rng.uniform(0.0, 0.5, inst.n_free)
    col = _colouring(model, u, model.t, cells, groups, model.initial_guess(), 1e-11, 60, 7)
    assert col is not None and col[2].shape == (6, 396)  # one direction per exporter instead of 396
    w = rng.uniform(0.2, 1.0, 7)
    full = _Evaluator(model, inst, model.t, w, model.initial_guess(), 1e-11, 60).hessian(u)
    coloured = _TalksEvaluator(model, inst, model.t, w, model.initial_guess(), 1e-11, 60, colouring=col).hessian(u)
    np.testing.assert_allclose(coloured, full, rtol=0, atol=1e-12 * np.max(np.abs(full)))


#: Ossa (2014) Tables 3-5 (``../shared/reference/ossa2014.json``, ``pe0``: without political-economy
#: weights, lambda = 1) -> the fields of ``tradewar replicate ossa2014``'s document
OSSA_FIELDS = {
    "optimal": {"welfare_own": "welfare_own_pct", "welfare_others_avg": "welfare_others_avg_pct",
                "median_optimal_tariff": "median_tariff_pct"},
    "nash": {"welfare": "welfare_pct", "median_nash_tariff": "median_tariff_pct"},
    "talks": {"welfare_from_nash": "welfare_from_nash_pct", "welfare_from_factual": "welfare_from_factual_pct"},
}
OSSA_TABLES = {"optimal": "Table 3", "nash": "Table 4", "talks": "Table 5"}
#: Largest difference (percentage points) between our median optimal or Nash tariff and the published one.
#: Every welfare figure matches at the printed precision; 10 of the 16 median tariffs do not (measured:
#: Table 3 EU 61.46 vs 61.3, JPN 59.41 vs 59.6, ROW 61.43 vs 61.5, average 58.85 vs 58.9; Table 4 CHN
#: 58.79 vs 58.6, EU 59.26 vs 59.1, IND 53.88 vs 54.5, JPN 58.15 vs 58.5, ROW 59.83 vs 59.7, average 57.98
#: vs 58.1). A median of 198 tariffs moves with the few cells near the middle; the welfare maximum is flat
#: in tariffs on small flows, so two solvers stopping at their own tolerances can disagree there without
#: any difference in welfare (JPN's median optimal tariff is 59.41 with our tolerance 1e-9 and 59.17 with
#: 1e-5; other definitions, such as medians with own cells or of sector means, match no better). The medians are held to the paper within this bound, and the cells that miss
#: the printed precision must be exactly these (a change either way shows up).
MEDIAN_TARIFF_GAP_PP = 0.7
KNOWN_MEDIAN_DIFFERENCES = {
    ("optimal", "EU"), ("optimal", "JPN"), ("optimal", "ROW"), ("optimal", "AVERAGE"),
    ("nash", "CHN"), ("nash", "EU"), ("nash", "IND"), ("nash", "JPN"), ("nash", "ROW"), ("nash", "AVERAGE"),
}


#: Cells of Ossa (2014) Table 3 with political-economy weights that miss one decimal, with the gap allowed
#: (measured: BRA median 54.26 vs 54.2, JPN own welfare 1.11 vs 1.0, JPN median 77.43 vs 77.5); the other
#: 21 cells match as printed. With weights the government's optimum is not the welfare optimum, so welfare
#: moves at first order with small differences in the tariffs (JPN's objective gains 2.6% where its
#: welfare gains 1.1%); the medians are as sensitive as without weights (see MEDIAN_TARIFF_GAP_PP).
PE1_KNOWN_DIFFERENCES: dict[tuple[str, str], float] = {
    ("BRA", "median_optimal_tariff"): 0.1,
    ("JPN", "welfare_own"): 0.15,
    ("JPN", "median_optimal_tariff"): 0.1,
}


@pytest.fixture(scope="module")
def ossa_doc():
    from tradewar.replicate import ossa2014

    return ossa2014.run(shared_dir("ossa2014"))


def _published_cells(doc):
    """``(table, region, published field, ours, published)`` for every cell of Tables 3-5 (``AVERAGE``: the mean)."""
    ref = reference("ossa2014")["pe0"]
    for table, fields in OSSA_FIELDS.items():
        for region, row in ref[table].items():
            for field, printed in row.items():
                ours = doc[table]
                value = (float(np.mean([ours[c][fields[field]] for c in ours])) if region == "AVERAGE"
                         else ours[region][fields[field]])
                yield table, region, field, value, printed


@pytest.mark.slow
def test_replication_full(ossa_doc):
    """Ossa (2014) Tables 3 (optimal tariffs), 4 (Nash war) and 5 (talks), every region and the average.

    Welfare changes at the paper's printed precision (one decimal); median tariffs at one decimal except the
    cells of :data:`KNOWN_MEDIAN_DIFFERENCES`, which are within :data:`MEDIAN_TARIFF_GAP_PP` (see there why).
    The command solves lambda = 1; Table 3 with political-economy weights (``pe1``) is checked by
    :func:`test_political_economy_optimal_tariffs_table3`, the weighted Nash and talks columns are not replicated.
    """
    import json

    from tradewar.replicate import ossa2014

    doc = ossa_doc
    json.dumps(doc)  # plain floats
    assert set(doc) == {"optimal", "nash", "talks", "seconds"}
    codes = ["BRA", "CHN", "EU", "IND", "JPN", "ROW", "USA"]
    assert list(doc["optimal"]) == codes and list(doc["nash"]) == codes and list(doc["talks"]) == codes
    assert set(doc["seconds"]) == {"optimal", "nash", "talks"}
    cells = list(_published_cells(doc))
    assert len(cells) == 8 * (3 + 2 + 2)
    missed = set()
    for table, region, field, value, printed in cells:
        what = f"Ossa (2014) {OSSA_TABLES[table]}, {region} {field}"
        if field.startswith("median") and (table, region) in KNOWN_MEDIAN_DIFFERENCES:
            assert abs(value - printed) <= MEDIAN_TARIFF_GAP_PP, f"{what}: ours {value:.2f}, published {printed}"
            if abs(value - printed) > 0.05 + 1e-9:
                missed.add((table, region))
        else:
            assert_printed(value, printed, decimals(printed, 1), what)
    assert missed == KNOWN_MEDIAN_DIFFERENCES, f"now at the printed precision: {KNOWN_MEDIAN_DIFFERENCES - missed}"
    assert len(ossa2014.render(doc)) == 4


@pytest.mark.slow
def test_political_economy_optimal_tariffs_table3(world, model):
    """Ossa (2014) Table 3 with political-economy weights (``pe1``): each region's optimal tariffs when its
    government weighs industries by ``pe_weight_lambda``, and the welfare (not the government's objective)
    they bring it and the others. One decimal, as printed; the Nash and talks columns with weights are not
    replicated. Known difference (see :data:`PE1_KNOWN_DIFFERENCES`).
    """
    from tradewar.solve import Shock
    from tradewar.strategy import optimal_tariff

    pe = calibrate(world, lambda_=world.extras["pe_weight_lambda"])
    ref = reference("ossa2014")["pe1"]["optimal"]
    rows = {}
    for c, code in enumerate(world.codes):
        r = optimal_tariff(pe, c, "partner_sector", lower=0.0, tol=1e-9)
        assert r.grad_norm <= 1e-7, (code, r.status, r.grad_norm)
        W = 1.0 + solve_model(model, Shock(r.tariffs)).outcomes["welfare_pct"] / 100.0
        rows[code] = {"welfare_own": 100.0 * (W[c] - 1.0),
                      "welfare_others_avg": 100.0 * (float(np.mean(np.delete(W, c))) - 1.0),
                      "median_optimal_tariff": 100.0 * float(np.median(r.values))}
    rows["AVERAGE"] = {k: float(np.mean([rows[c][k] for c in world.codes])) for k in rows[world.codes[0]]}
    missed = {}
    for region, fields in ref.items():
        for field, printed in fields.items():
            value = rows[region][field]
            if abs(value - printed) > 0.05 + 1e-9:
                missed[(region, field)] = round(value, 3)
    assert set(missed) == set(PE1_KNOWN_DIFFERENCES), f"Ossa (2014) Table 3 (pe1), not at one decimal: {missed}"
    for key, value in missed.items():
        assert abs(value - ref[key[0]][key[1]]) <= PE1_KNOWN_DIFFERENCES[key], (key, value)

