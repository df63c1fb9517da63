"""Strategic layer: optimal tariffs, retaliation, Nash wars, bargaining, blocs and their commands.

Two small worlds keep compilation cheap: a symmetric three-country world (optimum, Nash, talks,
retaliation, gradients) and an asymmetric four-country world (blocs: 2 candidates, brute force).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from tradewar import ScenarioError
from tradewar.data import World
from tradewar.models.ilms import armington, calibrate
from tradewar.policy import Retaliation, apply_retaliation
from tradewar.solve import Shock, solve_model

runner = CliRunner()

X3 = np.array([[10.0, 2.0, 2.0], [2.0, 10.0, 2.0], [2.0, 2.0, 10.0]])
X4 = np.array([[30.0, 3.0, 2.0, 1.5], [4.0, 25.0, 2.5, 2.0], [2.0, 3.0, 20.0, 1.0], [1.5, 2.5, 1.0, 15.0]])


@pytest.fixture(scope="module")
def w3():
    return World(codes=("USA", "CHN", "JPN"), trade=X3, gdp=X3.sum(axis=0))


@pytest.fixture(scope="module")
def m3(w3):
    return calibrate(w3, armington(4.0))


@pytest.fixture(scope="module")
def w4():
    return World(codes=("USA", "CHN", "JPN", "KOR"), trade=X4, gdp=X4.sum(axis=0))


@pytest.fixture(scope="module")
def m4(w4):
    return calibrate(w4, armington(4.0))


def _welfare(model, t):
    return np.asarray(solve_model(model, Shock(t=np.asarray(t)), options=None).outcomes["welfare_pct"]) / 100 + 1


def _write_world(folder, world):
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["exporter," + ",".join(world.codes)]
    lines += [c + "," + ",".join(repr(float(v)) for v in row) for c, row in zip(world.codes, world.trade, strict=True)]
    (folder / "trade.csv").write_text("\n".join(lines) + "\n")
    (folder / "gdp.csv").write_text("country,gdp\n" + "".join(f"{c},{float(g)!r}\n" for c, g in zip(world.codes, world.gdp, strict=True)))


# --- optimum and gradients ---------------------------------------------------------------------------
def test_optimal_uniform_tariff_zero_gradient_and_no_better_point(m3):
    from tradewar.strategy._batch import welfare_of_tariffs
    from tradewar.strategy._optimal import optimal_tariff

    r = optimal_tariff(m3, 0, "uniform")
    assert r.converged and r.grad_norm < 1e-8 and 0.05 < r.values[0] < 1.0
    tau = r.values[0]
    steps = np.array([-0.05, -0.01, -1e-3, 1e-3, 0.01, 0.05])
    T = np.stack([np.where(np.arange(3)[:, None] * 0 + (np.arange(3)[None, :] == 0) & (np.eye(3) == 0), tau + h, 0.0)
                  for h in steps])
    W = welfare_of_tariffs(m3, T, tol=1e-11)
    assert np.all(W[:, 0] <= r.own_welfare + 1e-12)


def test_welfare_jacobian_matches_finite_differences(m3):
    import jax.numpy as jnp

    from tradewar.strategy._bargain import _pair
    from tradewar.strategy._batch import welfare_jacobian, welfare_of_tariffs

    t = np.full((3, 3), 0.1)
    np.fill_diagonal(t, 0.0)
    p = _pair(t.shape, 0, 1, "uniform")
    u = np.log1p(np.array([0.15, 0.05]))
    _, J, W, sol = welfare_jacobian(m3, jnp.asarray(u), jnp.asarray(t), jnp.asarray(p.cells), jnp.asarray(p.groups),
                                    jnp.asarray([0, 1]), m3.initial_guess())
    h = 1e-5
    T = []
    for k in range(2):
        for s in (1, -1):
            uu = u.copy()
            uu[k] += s * h
            T.append(p.apply(t, np.expm1(uu)))
    Wf = welfare_of_tariffs(m3, np.stack(T), tol=1e-12)
    fd = np.array([(Wf[2 * k, [0, 1]] - Wf[2 * k + 1, [0, 1]]) / (2 * h) for k in range(2)]).T
    np.testing.assert_allclose(np.asarray(J), fd, rtol=1e-5, atol=1e-9)


def test_welfare_of_many_tariff_arrays_solves_each_with_the_one_solver_program(m3, monkeypatch):
    """The grids and coalitions of the strategic layer solve with the program of a single solve: the same welfare as
    a single solve and every check of it, and no batched program (which would be compiled and loaded as well)."""
    import tradewar.batch._solve as batch_solve
    from tradewar.strategy._batch import welfare_of_tariffs

    def no_batch(*a, **k):
        raise AssertionError("a batched solver program was called")

    monkeypatch.setattr(batch_solve, "_kernel", no_batch)
    T = np.stack([np.where(np.eye(3) == 0, r, 0.0) for r in (0.0, 0.1, 0.3, 2.0)])
    done = []
    W = welfare_of_tariffs(m3, T, chunk=3, progress=lambda d, n: done.append((d, n)))
    assert done == [(3, 4), (4, 4)]
    np.testing.assert_allclose(W, np.stack([_welfare(m3, t) for t in T]), rtol=0, atol=1e-10)
    assert np.all(W[0] == pytest.approx(1.0, abs=1e-12))


# --- retaliation ---------------------------------------------------------------------------------------
def test_equal_value_and_mirror_on_any_subset(w4):
    t = np.zeros((4, 4))
    us, cn, jp, kr = range(4)
    t[cn, jp] = t[cn, kr] = t[cn, us] = 0.2  # JPN, KOR and the USA put 20% on China
    rule = Retaliation("equal_value", retaliators=["CHN"], aggressors=["JPN", "KOR"], max_rate=1.0)
    out = apply_retaliation(w4, rule, t)
    for m in (jp, kr):
        assert out[m, cn] == pytest.approx(min(0.2 * X4[cn, m] / X4[m, cn], 1.0))
    assert out[us, cn] == 0.0  # the USA is not in the subset of aggressors
    mirror = apply_retaliation(w4, Retaliation("mirror", retaliators=["CHN"], aggressors=["KOR"]), t)
    assert mirror[kr, cn] == pytest.approx(0.2) and mirror[jp, cn] == 0.0 and mirror[us, cn] == 0.0
    capped = apply_retaliation(w4, Retaliation("equal_value", retaliators=["CHN"], max_rate=0.1), t)
    assert np.all(capped[[us, jp, kr], cn] <= 0.1 + 1e-15)


def test_optimal_retaliation_is_a_best_response_and_respects_the_cap(m3, w3):
    from tradewar.strategy._retaliate import best_response, retaliate_optimally

    t = np.zeros((3, 3))
    t[1, 0] = t[1, 2] = 0.3  # the USA and Japan hit China
    rule = Retaliation("optimal", retaliators=["CHN"])
    out, found = retaliate_optimally(m3, w3, t, rule, details=True)
    br = found[1]
    assert br.converged and out[0, 1] == pytest.approx(out[2, 1]) and out[0, 1] > 0
    assert np.all(out[[0, 2]][:, [0, 2]] == t[[0, 2]][:, [0, 2]])  # nobody else moves
    assert br.own_welfare >= _welfare(m3, t)[1]
    again = best_response(m3, 1, t, "uniform", partners=[0, 2])
    assert again.values[0] == pytest.approx(out[0, 1], abs=1e-6)
    capped = retaliate_optimally(m3, w3, t, Retaliation("optimal", retaliators=["CHN"], max_rate=0.01))
    assert capped[0, 1] == pytest.approx(0.01)


# --- Nash and bargaining ----------------------------------------------------------------------------
def test_nash_symmetric_world_gives_symmetric_tariffs(m3):
    from tradewar.strategy._nash import nash

    r = nash(m3, [0, 1], "uniform", br_tol=1e-8)
    assert r.converged
    v = [float(np.asarray(x)[0]) for x in r.values.values()]
    assert v[0] == pytest.approx(v[1], abs=1e-6) and v[0] > 0
    assert r.certificate is not None and r.certificate.ok


def test_bargain_both_gain_and_lie_on_the_frontier(m3, w3):
    from tradewar.strategy._bargain import bargain, deal_frontier

    war = np.full((3, 3), 0.3)
    np.fill_diagonal(war, 0.0)
    deal = bargain(m3, w3, ("USA", "CHN"), threat=war, base_t=war)
    assert (deal.gains_pct > 0).all() and deal.certificate["both_gain"]
    assert deal.values[0] == pytest.approx(deal.values[1], abs=1e-4)  # symmetric parties, equal weights
    assert deal.certificate["gradient_cosine"] < -1 + 1e-6  # no direction raises both
    assert deal.certificate["local_joint_improvement_pct"] <= 1e-9
    fr = deal_frontier(m3, w3, ("USA", "CHN"), threat=war, base_t=war, n_points=9, grid=9)
    assert fr.mutual_gain()
    deal_w = 100 * (deal.welfare[[0, 1]] - 1)
    for p in fr.points:  # no frontier point dominates the deal
        assert not np.all(p["welfare_pct"] > deal_w + 1e-7)
    # and the deal is on the frontier curve: the frontier point of the same welfare of A gives B the same
    pts = sorted(fr.points, key=lambda p: p["welfare_pct"][0])
    xa = np.array([p["welfare_pct"][0] for p in pts])
    xb = np.array([p["welfare_pct"][1] for p in pts])
    assert np.interp(deal_w[0], xa, xb) == pytest.approx(deal_w[1], abs=2e-3)
    grid_w = fr.grid_welfare_pct.reshape(-1, 2)
    assert not np.any(np.all(grid_w > deal_w + 1e-7, axis=1))
    assert fr.highest_tariff_b_accepts["tariff"] is not None and fr.smallest_concession_for_a["cut"] is not None


def test_bargain_rejects_bad_inputs(m3, w3):
    from tradewar.strategy._bargain import bargain

    with pytest.raises(ScenarioError, match="unknown country"):
        bargain(m3, w3, ("USA", "XXX"))
    with pytest.raises(ScenarioError, match="need a model with sectors"):
        bargain(m3, w3, ("USA", "CHN"), instruments="sector")
    with pytest.raises(ScenarioError, match="weight"):
        bargain(m3, w3, ("USA", "CHN"), weight=1.0)


# --- blocs --------------------------------------------------------------------------------------------
def _small_bloc(**kw):
    from tradewar.strategy._blocs import Bloc

    args = dict(leader="USA", target="CHN", candidates=("JPN", "KOR"), member_tariff=0.2, carrot=0.05, stick=None,
                response="equal_value", max_rate=1.0, name="small")
    args.update(kw)
    return Bloc(**args)


def test_bloc_stability_matches_brute_force(m4, w4):
    from tradewar.strategy._blocs import bloc_game

    base = np.zeros((4, 4))
    base[1:, 0] = 0.25  # the USA's stick: 25% on everyone
    bloc = _small_bloc()
    game = bloc_game(m4, w4, bloc, base)
    us, cn = 0, 1
    cand = {"JPN": 2, "KOR": 3}
    W = {}
    for S in [(), ("JPN",), ("KOR",), ("JPN", "KOR")]:
        t = base.copy()
        for c in S:
            t[cand[c], us] = 0.05
            t[cn, cand[c]] += 0.2
        if S:
            t = apply_retaliation(w4, Retaliation("equal_value", retaliators=["CHN"], aggressors=list(S), max_rate=1.0),
                                  t, base=base)
        W[frozenset(S)] = _welfare(m4, t)
        np.testing.assert_allclose(game.welfare[game.index(S)], W[frozenset(S)], rtol=0, atol=1e-9)
    stable = []
    for S in W:
        internal = all(W[S][cand[c]] >= W[S - {c}][cand[c]] - 1e-9 for c in S)
        external = all(W[S][cand[c]] >= W[S | {c}][cand[c]] - 1e-9 for c in cand if c not in S)
        m = game.index(tuple(S))
        assert bool(game.internal[m]) == internal and bool(game.external[m]) == external
        if internal and external:
            stable.append(frozenset(S))
    assert {frozenset(s) for s in game.stable_coalitions()} == set(stable)
    w_in, w_out = game.in_vs_out("JPN", [])
    assert w_in == pytest.approx(100 * (W[frozenset({"JPN"})][2] - 1)) and w_out == pytest.approx(100 * (W[frozenset()][2] - 1))


def test_bloc_validation_errors(m4, w4):
    from tradewar.strategy._blocs import bloc_game

    with pytest.raises(ScenarioError, match="target CHN cannot be a member") as e:
        _small_bloc(candidates=("JPN", "CHN"))
    assert "\n" not in str(e.value)
    with pytest.raises(ScenarioError, match="unknown candidate country 'XYZ'"):
        bloc_game(m4, w4, _small_bloc(candidates=("JPN", "XYZ")), np.zeros((4, 4)))
    with pytest.raises(ScenarioError, match="export controls need a sectoral model"):
        bloc_game(m4, w4, _small_bloc(export_control=0.1), np.zeros((4, 4)))
    with pytest.raises(ScenarioError, match="at most 12"):
        _small_bloc(candidates=tuple(f"C{k:02d}" for k in range(13)))


def test_a_region_candidate_joins_with_all_its_countries():
    """On a world of countries, the candidate EU27 is its members acting together: each takes the measure and
    the offer, China answers each, and the candidate's welfare is their GDP-weighted mean."""
    from tradewar.strategy._blocs import bloc_game

    rng = np.random.default_rng(5)
    X = rng.uniform(1.0, 4.0, (5, 5)) + np.diag([40.0, 40.0, 20.0, 15.0, 12.0])
    w = World(codes=("USA", "CHN", "JPN", "DEU", "FRA"), trade=X, gdp=X.sum(axis=0))
    m = calibrate(w, armington(4.0))
    base = np.zeros((5, 5))
    base[1:, 0] = 0.25
    game = bloc_game(m, w, _small_bloc(candidates=("JPN", "EU27")), base)
    assert game.groups == (("JPN",), ("DEU", "FRA"))
    t = base.copy()
    for c in (3, 4):
        t[c, 0] = 0.05  # the carrot on each member
        t[1, c] += 0.2  # each member's tariff on China
    t = apply_retaliation(w, Retaliation("equal_value", retaliators=["CHN"], aggressors=["DEU", "FRA"], max_rate=1.0),
                          t, base=base)
    W = _welfare(m, t)
    eu = game.index(["EU27"])
    np.testing.assert_allclose(game.welfare[eu], W, rtol=0, atol=1e-9)
    gdp = w.gdp[3:]
    expected = 100 * ((W[3:] * gdp).sum() / gdp.sum() - 1)
    assert game.candidate_pct(eu, "EU27") == pytest.approx(expected, abs=1e-9)
    w_in, w_out = game.in_vs_out("EU27", [])
    none = game.welfare[0][3:]
    assert w_in == pytest.approx(expected, abs=1e-9) and w_out == pytest.approx(100 * ((none * gdp).sum() / gdp.sum() - 1))
    assert game.welfare_pct(eu)["EU27"] == pytest.approx(expected, abs=1e-9)
    with pytest.raises(ScenarioError, match="DEU is in two candidates, DEU and EU27"):
        bloc_game(m, w, _small_bloc(candidates=("DEU", "EU27")), base)
    with pytest.raises(ScenarioError, match="unknown candidate country 'ROW'.*none of its countries in this world"):
        bloc_game(m, w, _small_bloc(candidates=("JPN", "ROW")), base)


def test_optimal_retaliation_with_sector_instrument_needs_sectors(m3, w3):
    from tradewar.strategy._retaliate import retaliate_optimally

    t = np.zeros((3, 3))
    t[1, 0] = 0.3
    with pytest.raises(ScenarioError, match="needs a model with sectors"):
        retaliate_optimally(m3, w3, t, Retaliation("optimal", instrument="sector"))


def test_japan_bloc_preset_loads():
    from tradewar.scenario import load_scenario
    from tradewar.strategy._blocs import list_blocs, load_bloc

    b = load_bloc("us-bloc-china")
    assert "us-bloc-china" in list_blocs()
    assert b.candidates == ("JPN", "EU27", "KOR", "GBR", "CAN", "MEX", "AUS", "IND", "VNM", "CHE")
    assert (b.leader, b.target, b.member_tariff, b.carrot, b.stick, b.response, b.max_rate) == (
        "USA", "CHN", 0.2, 0.1, None, "equal_value", 1.0)
    s = load_scenario(b.scenario)
    assert s.tariffs[0].name == "us_2025_04_02" and s.tariffs[0].floor == 0.10


# --- command line -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def files(tmp_path_factory, w3, w4):
    d = tmp_path_factory.mktemp("strategy")
    _write_world(d / "w3", w3)
    _write_world(d / "w4", w4)
    (d / "s3.toml").write_text('name = "s3"\n[data]\nsource = "w3"\n[model]\nfamily = "armington"\n'
                               '[[tariffs]]\ntype = "uniform"\nimporter = "*"\nrate = 0.3\n')
    (d / "s3opt.toml").write_text('name = "s3opt"\n[data]\nsource = "w3"\n[model]\nfamily = "armington"\n'
                                  '[[tariffs]]\ntype = "pair"\nexporter = "CHN"\nimporter = "USA"\nrate = 0.3\n'
                                  '[[tariffs]]\ntype = "pair"\nexporter = "CHN"\nimporter = "JPN"\nrate = 0.3\n'
                                  '[retaliation]\nrule = "optimal"\nretaliators = ["CHN"]\n')
    (d / "s4.toml").write_text('name = "s4"\n[data]\nsource = "w4"\n[model]\nfamily = "armington"\n'
                               '[[tariffs]]\ntype = "uniform"\nimporter = "USA"\nrate = 0.25\n')
    bloc = ('name = "small"\nscenario = "s4.toml"\nleader = "USA"\ntarget = "CHN"\ncandidates = [{c}]\n'
            '[members]\ntariff = 0.2\n[leader_offer]\ncarrot = 0.05\n[response]\nrule = "equal_value"\nmax_rate = 1.0\n')
    (d / "bloc.toml").write_text(bloc.format(c='"JPN", "KOR"'))
    (d / "bad_bloc.toml").write_text(bloc.format(c='"JPN", "CHN"'))
    return d


def _json(path):
    doc = json.loads(path.read_text())
    assert set(doc["countries"]) >= {"USA", "CHN"} and "welfare_pct" in doc["countries"]["USA"]
    assert "tariffs" in doc and "certificate" in doc
    return doc


def test_cli_optimal_and_nash(files):
    from tradewar.cli import app

    out = files / "opt.json"
    r = runner.invoke(app, ["optimal", str(files / "s3.toml"), "--country", "USA", "--json", str(out)])
    assert r.exit_code == 0, r.output
    doc = _json(out)
    assert doc["certificate"]["converged"] and doc["tariffs"]["values"]["all"] > 0
    out = files / "nash.json"
    r = runner.invoke(app, ["nash", str(files / "s3.toml"), "--players", "USA,CHN", "--json", str(out)])
    assert r.exit_code == 0, r.output
    doc = _json(out)
    assert doc["certificate"]["ok"] and doc["tariffs"]["USA"]["all"] == pytest.approx(doc["tariffs"]["CHN"]["all"], abs=1e-6)


def test_cli_talks_and_bloc(files):
    from tradewar.cli import app

    out = files / "talks.json"
    r = runner.invoke(app, ["talks", str(files / "s3.toml"), "--parties", "USA,CHN", "--threat", "current",
                            "--json", str(out)])
    assert r.exit_code == 0, r.output
    doc = _json(out)
    assert doc["certificate"]["both_gain"] and "frontier" in doc
    out = files / "bloc.json"
    r = runner.invoke(app, ["bloc", str(files / "bloc.toml"), "--json", str(out)])
    assert r.exit_code == 0, r.output
    doc = _json(out)
    assert len(doc["coalitions"]) == 4 and isinstance(doc["stable"], list)
    assert {"members", "welfare_pct"} <= set(doc["coalitions"][0])


def test_scenario_with_optimal_retaliation(files):
    from tradewar import run_scenario

    res = run_scenario(str(files / "s3opt.toml"))
    t = res.tariffs
    assert res.converged and t[0, 1] == pytest.approx(t[2, 1]) and t[0, 1] > 0.05  # China answers both
    assert t[0, 2] == 0.0 and t[2, 0] == 0.0


def test_cli_errors_are_one_line(files):
    from tradewar.cli import app

    cases = [
        ["optimal", str(files / "s3.toml"), "--country", "XXX"],
        ["bloc", str(files / "bad_bloc.toml")],
        ["bloc", "no-such-bloc"],
        ["talks", str(files / "s3.toml"), "--parties", "USA"],
    ]
    for args in cases:
        r = runner.invoke(app, args)
        assert r.exit_code == 2, (args, r.output)
        assert r.output.strip().count("\n") == 0 and "error" in r.output, r.output


# --- replication: the numerical optimal tariff of ILMS (2025) ----------------------------------------
@pytest.mark.slow
def test_optimal_numeric_beats_closed_form(world2023):
    from tradewar.replicate import ilms2025

    doc = ilms2025.run(world2023, cases=["optimal", "optimal_numeric"])["cases"]
    closed, numeric = doc["optimal"], doc["optimal_numeric"]
    assert numeric["closed_form_us_tariff"] == pytest.approx(closed["us_tariff"])
    w_closed = closed["countries"]["USA"]["welfare_pct"]
    w_numeric = numeric["countries"]["USA"]["welfare_pct"]
    assert w_numeric >= w_closed - 1e-9  # at least as good for the USA
    assert numeric["us_tariff"] == pytest.approx(closed["us_tariff"], abs=0.05)  # and close to it
    assert w_numeric - w_closed < 0.05  # percentage points
    assert numeric["gradient_norm"] < 1e-8


def test_a_bargain_is_settled_only_at_a_vanishing_gradient():
    from tradewar.strategy._documents import BARGAIN_GRAD_TOL, bargain_settled

    assert bargain_settled({"status": "converged", "grad_norm": 1.0})
    assert bargain_settled({"status": "stalled", "grad_norm": BARGAIN_GRAD_TOL / 10})
    assert not bargain_settled({"status": "stalled", "grad_norm": 1e-3})
    assert not bargain_settled({"status": "stalled"})
    assert not bargain_settled({"status": "max_steps_reached", "grad_norm": 0.0})


def test_cli_strategic_commands_follow_tradewar_lang(files):
    """Titles, headings and notes of optimal, nash, talks and bloc in the language of ``TRADEWAR_LANG``."""
    from tradewar._i18n import translator
    from tradewar.cli import app

    ja, zh = translator("ja"), translator("zh")
    r = runner.invoke(app, ["optimal", str(files / "s3.toml"), "--country", "USA"], env={"TRADEWAR_LANG": "ja"})
    assert r.exit_code == 0, r.output
    assert ja.gettext("Outcomes at the optimum of {country}").format(country="USA") in r.output
    assert "USA の最適関税(一律)" in r.output and "全相手国" in r.output and "収束、勾配ノルム" in r.output
    assert "Optimal" not in r.output and "tariff %" not in r.output and "welfare %" not in r.output
    r = runner.invoke(app, ["nash", str(files / "s3.toml"), "--players", "USA,CHN"], env={"TRADEWAR_LANG": "zh"})
    assert r.exit_code == 0, r.output
    assert zh.gettext("Outcomes at the Nash equilibrium") in r.output and "纳什均衡关税(统一,s3)" in r.output
    assert "Nash" not in r.output and "certificate" not in r.output
    r = runner.invoke(app, ["talks", str(files / "s3.toml"), "--parties", "USA,CHN", "--threat", "current"],
                      env={"TRADEWAR_LANG": "ja"})
    assert r.exit_code == 0, r.output
    assert "ナッシュ交渉 USA-CHN" in r.output and "威嚇点:現行関税" in r.output and "合意のフロンティア:" in r.output
    assert "USA の対CHN関税" in r.output and "threat" not in r.output and "welfare" not in r.output
    r = runner.invoke(app, ["bloc", str(files / "bloc.toml")], env={"TRADEWAR_LANG": "zh"})
    assert r.exit_code == 0, r.output
    assert "个联盟中有" in r.output and zh.gettext("candidate") in r.output and "coalition" not in r.output
    r = runner.invoke(app, ["bloc", str(files / "bloc.toml")], env={"TRADEWAR_LANG": "en"})
    assert "stable coalition(s) of 4" in r.output and "welfare % in" in r.output


def test_cli_no_deal_reason_in_the_language_and_english_in_json(files, monkeypatch):
    """Where no tariffs make both parties better off than the threat, the reason is printed in the CLI's language
    from the answer's fields; the JSON keeps the English sentence."""
    from types import SimpleNamespace

    from tradewar.cli import app
    from tradewar.strategy import _bargain

    def no_deal(model, world, parties, instruments, threat, weight, t, lo=0.0, **kw):
        raise _bargain.NoDeal("talks USA-CHN: no tariffs between 0% and 100% make both better off than the threat "
                              "(current tariffs)", np.asarray(t), np.full(world.n, 1.001), "current tariffs", lo, 1.0)

    monkeypatch.setattr(_bargain, "bargain", no_deal)
    monkeypatch.setattr(_bargain, "deal_frontier", lambda *a, **k: SimpleNamespace(mutual_gain=lambda: []))
    out = files / "no_deal.json"
    r = runner.invoke(app, ["talks", str(files / "s3.toml"), "--parties", "USA,CHN", "--no-frontier", "--json", str(out)],
                      env={"TRADEWAR_LANG": "ja"})
    assert r.exit_code == 0, r.output
    assert "合意なし:0% から 100% までのどの関税でも、双方が威嚇点よりよくならない(現行関税)" in r.output
    assert "威嚇点での経済厚生 USA 0.100%、CHN 0.100%" in r.output and "no tariffs" not in r.output
    doc = json.loads(out.read_text())
    assert doc["no_deal"].startswith("talks USA-CHN: no tariffs between 0% and 100%") and doc["tariffs"]["deal"] is None
