"""Work size of optimal tariffs: estimated before any solve, refused with the estimate when it cannot fit."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tradewar._exceptions import ScenarioError
from tradewar.cli import app

STEEL = "2025-03-12-us-steel-aluminium-sectoral"  # world2022s: 33 regions x 16 sectors with input-output links


@pytest.fixture(scope="module")
def sectoral():
    from tradewar.scenario import load_scenario
    from tradewar.strategy._documents import prepare_strategic

    return prepare_strategic(load_scenario(STEEL))


def test_the_estimate_counts_instruments_and_unknowns(sectoral):
    from tradewar.strategy import optimal_cost
    from tradewar.strategy._optimal import PROGRAM_OVERHEAD_MIB, _residual_bytes_uncached

    world, model, t = sectoral
    n, s = len(world.codes), len(world.sectors)
    costs = {k: optimal_cost(model, k, base_t=t) for k in ("uniform", "sector", "partner", "partner_sector")}
    assert {k: c.instruments for k, c in costs.items()} == {"uniform": 1, "sector": s, "partner": n - 1,
                                                           "partner_sector": (n - 1) * s}
    assert all(c.unknowns == n + 2 * n * s for c in costs.values())
    # the residual's arrays, read from its traced program (kept by shape): the largest are (N, N, S)
    R = costs["uniform"].residual_bytes
    assert R == _residual_bytes_uncached(model, t) and R > 8 * n * n * s
    mem = [costs[k].memory_mib for k in ("uniform", "sector", "partner", "partner_sector")]
    sec = [costs[k].seconds for k in ("uniform", "sector", "partner", "partner_sector")]
    assert mem == sorted(mem) and sec == sorted(sec) and mem[0] < mem[-1]
    # measured on this preset (docs/scale.md): 75 MiB more than the process held; beyond the programs' own
    # overhead the estimate counts the dense matrices of 1,089 unknowns and 512 tariffs, about 44 MiB
    assert 32 < costs["partner_sector"].memory_mib - PROGRAM_OVERHEAD_MIB < 192
    assert costs["partner_sector"].certificate_seconds > costs["partner"].certificate_seconds
    assert costs["partner_sector"].alternatives == (("partner", n - 1), ("sector", s))
    assert costs["uniform"].alternatives == ()


def test_work_that_cannot_fit_is_one_line_with_its_estimate(sectoral):
    from tradewar.strategy import optimal_cost
    from tradewar.strategy._optimal import check_cost

    _, model, t = sectoral
    cost = optimal_cost(model, "partner_sector", base_t=t)
    check_cost(cost, "x", available=1e9)  # fits: nothing happens
    with pytest.raises(ScenarioError) as err:
        check_cost(cost, "optimal partner_sector tariff of USA", available=50.0)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith("optimal partner_sector tariff of USA: 512 tariffs on 1,089 equilibrium")
    assert "MiB of working memory" in msg and "50 MiB are available" in msg
    assert "partner (32 values) or sector (16 values)" in msg and "[data] aggregate" in msg
    with pytest.raises(ScenarioError) as err:
        check_cost(cost, "optimal", available=1e9, max_seconds=10.0, fewer="fewer --draws")
    assert "above the 10 s an optimisation may take; use fewer --draws, or the instrument partner" in str(err.value)
    check_cost(cost, "x", available=1e9, max_seconds=None)  # no time limit


def test_available_memory_is_read_from_the_system():
    from tradewar._memory import available_mib

    avail = available_mib()
    assert avail is None or avail > 0


def _no_solve(*args, **kwargs):
    raise AssertionError("a solve started before the work size was checked")


def test_the_python_api_refuses_with_the_same_line(sectoral, monkeypatch):
    import tradewar.strategy._optimal as opt
    from tradewar.strategy import optimal_tariff

    world, model, t = sectoral
    monkeypatch.setattr(opt, "available_mib", lambda: 50.0)
    monkeypatch.setattr(opt, "log_welfare_value_and_grad", _no_solve)
    with pytest.raises(ScenarioError) as err:
        optimal_tariff(model, "USA", "partner_sector", base_t=t)
    assert str(err.value).startswith("optimal partner_sector tariff of USA: 512 tariffs") and "50 MiB" in str(err.value)
    # the time limit of the API is a keyword (None: no limit); memory is always checked
    monkeypatch.setattr(opt, "available_mib", lambda: 1e9)
    with pytest.raises(ScenarioError, match="above the 1 s an optimisation may take"):
        optimal_tariff(model, "USA", "partner_sector", base_t=t, max_seconds=1.0)


@pytest.mark.parametrize(("args", "words"), [
    (["--instrument", "partner_sector"], ["512 tariffs on 1,089 equilibrium unknowns", "50 MiB are available",
                                          "partner (32 values) or sector (16 values)"]),
], ids=["partner-sector-without-memory"])
def test_the_command_refuses_before_any_solve(monkeypatch, tmp_path, args, words):
    import tradewar.strategy._documents as docs
    import tradewar.strategy._optimal as opt

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(opt, "available_mib", lambda: 50.0)
    monkeypatch.setattr(docs, "optimal_document", _no_solve)
    res = CliRunner().invoke(app, ["optimal", STEEL, "--country", "USA", *args, "--json", "o.json"])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if not ln.startswith("warning: ")]
    assert len(lines) == 1 and lines[0].startswith("error: optimal partner_sector tariff of USA: "), res.stderr
    assert all(w in lines[0] for w in words), lines[0]
    assert list(tmp_path.iterdir()) == []


def test_a_nash_round_that_cannot_fit_is_refused_before_any_solve(monkeypatch, tmp_path):
    import tradewar.strategy._documents as docs
    import tradewar.strategy._optimal as opt

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(opt, "available_mib", lambda: 50.0)
    monkeypatch.setattr(docs, "nash_document", _no_solve)
    res = CliRunner().invoke(app, ["nash", STEEL, "--players", "USA,CHN,JPN", "--instrument", "partner_sector",
                                   "--json", "n.json"])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if not ln.startswith("warning: ")]
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: Nash partner_sector war of 3 players, one best-response round: 512 tariffs")
    assert "50 MiB are available" in lines[0] and list(tmp_path.iterdir()) == []


def test_draws_that_would_run_for_days_are_refused(monkeypatch):
    import tradewar.batch.uncertainty as unc

    monkeypatch.setattr(unc, "optimal_bands", _no_solve)
    res = CliRunner().invoke(app, ["optimal", "liberation-day", "--draws", "100000000"])
    assert res.exit_code == 2, res.output
    line = res.stderr.strip()
    assert "\n" not in line and "optimal uniform tariff of USA and 100,000,000 draws: 1 tariff" in line
    assert " h, above the 60 min an optimisation may take; use fewer --draws" in line


def test_the_progress_reports_each_newton_step(tmp_path):
    from tests.test_cli_bad_inputs import _small_scenario
    from tradewar.scenario import load_scenario
    from tradewar.strategy._documents import optimal_document, prepare_strategic

    s = load_scenario(_small_scenario(tmp_path))
    world, model, t = prepare_strategic(s)
    seen = []
    optimal_document(s, world, model, t, "USA", "partner", progress=lambda f, msg: seen.append((f, msg)))
    steps = [msg for _, msg in seen if ": iteration " in msg]
    assert steps and steps[0].startswith("optimal per-partner tariff of USA: iteration 1, gradient ")
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and max(f for f, m in seen if m in steps) < 0.5
