"""The JSON documents of the strategic commands, shared by the CLI (``--json``) and the web API.

Each builder runs one strategic computation on a prepared scenario and returns a :class:`Outcome`:
``doc`` is the document (the per-country fields of ``tradewar run`` for the solve of the tariffs found,
plus ``tariffs`` and ``certificate``; the bloc game adds ``coalitions``, ``stable`` and ``candidates``;
talks add ``gains_pct`` and the deal ``frontier``), ``result`` the labelled
:class:`~tradewar.results.Result` of that solve, and ``parts`` the library objects behind it (for
printing). A computation that does not converge, or whose certificate fails, raises
:class:`~tradewar._exceptions.ConvergenceError` (the CLI's exit 3). ``progress(fraction, message)``,
when given, is told how far the computation is (``fraction`` in [0, 1]).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np

from .._exceptions import ConvergenceError, DataError, ScenarioError
from .._i18n import N_, _
from .._io import json_safe

__all__ = ["Outcome", "prepare_strategic", "optimal_document", "nash_document", "talks_document", "bloc_document",
           "INSTRUMENTS"]

INSTRUMENTS = ("uniform", "partner", "sector", "partner_sector")

Progress = Callable[[float, str], None] | None


@dataclass(frozen=True)
class Outcome:
    """A strategic document, the result of the solve at the tariffs found, and the objects behind it."""

    doc: dict[str, Any]
    result: Any
    parts: dict[str, Any] = field(default_factory=dict)


#: The instruments in words, for titles and progress lines (the option values stay as they are).
INSTRUMENT_WORDS = {"uniform": N_("uniform"), "partner": N_("per-partner"), "sector": N_("per-sector"),
                    "partner_sector": N_("per-partner-and-sector")}


def instrument_words(name: str) -> str:
    """The instrument ``name`` in words, in the running language."""
    return _(INSTRUMENT_WORDS.get(name, name))


def _say(progress: Progress, fraction: float, message: str) -> None:
    if progress is not None:
        progress(float(min(max(fraction, 0.0), 1.0)), message)


def failed(what: str, diagnostics: dict[str, Any]) -> ConvergenceError:
    """The error of a strategic computation that did not converge or whose certificate failed."""
    return ConvergenceError(f"{what}; no result written", json_safe(diagnostics))  # type: ignore[arg-type]


def prepare_strategic(s, world=None):
    """World, calibrated model and starting tariffs of a scenario for the strategic layer: ``(world, model, t)``.

    Retaliation by the ``optimal`` rule is played first; export-tax layers are refused.
    """
    from ..scenario import prepare

    world, model, t, x, rule = prepare(s, world)
    if x is not None:
        raise ScenarioError(f"scenario '{s.name}': the strategic commands do not handle export-tax layers")
    if rule.rule == "optimal":
        from ._retaliate import retaliate_optimally

        t = retaliate_optimally(model, world, t, rule)
    return world, model, t


def index_of(world, code: str, option: str) -> int:
    """The row of ``code`` in ``world``; an unknown code is a :class:`ScenarioError` naming ``option``."""
    try:
        return world.index(code)
    except DataError as e:
        raise ScenarioError(f"option '{option}': {e}") from None


def by_code(cert: dict[str, Any], world) -> dict[str, Any]:
    """A certificate's per-player dicts keyed by country code (models without codes key them by index)."""
    def key(k):
        return world.codes[int(k)] if str(k).isdigit() and int(k) < world.n else k

    return {k: ({key(p): v for p, v in x.items()} if isinstance(x, dict) else x) for k, x in cert.items()}


def labels(world, instrument: str, country: int) -> list[str]:
    """Readable labels of a country's instrument values (``all``, partner codes, sectors)."""
    from ._objective import make_instrument

    shape = world.tariffs.shape
    inst = make_instrument(SimpleNamespace(codes=world.codes, sectors=world.sectors), shape, [country], instrument)
    return [lab.split("<-", 1)[1] for lab in inst.labels]


def result_of(s, world, model, t, what: str, x=None):
    """The labelled result of the found tariffs (the same solve and fields as ``tradewar run``)."""
    from ..results import Result, model_parameters
    from ..solve import Shock, solve_model

    eq = solve_model(model, Shock(t=np.asarray(t), x=None if x is None else np.asarray(x)), what=what)
    return Result(world=world, equilibrium=eq, scenario=s.name, model=s.model.family,
                  params=s.model.params(), model_params=model_parameters(s.model.family, s.model.params(), model, world),
                  tariffs=np.asarray(t), meta={"title": s.title, "date": s.date, "data": s.data.source})


def _instrument(instrument: str, option: str) -> None:
    if instrument not in INSTRUMENTS:
        raise ScenarioError(f"option '{option}': '{instrument}' is not one of {', '.join(INSTRUMENTS)}")


def optimal_document(s, world, model, t, country: str, instrument: str = "uniform", lower: float = -1.0,
                     progress: Progress = None) -> Outcome:
    """The tariffs that maximise ``country``'s welfare, everyone else's as in the scenario (``tradewar optimal``)."""
    from ._nash import certify
    from ._optimal import optimal_tariff

    _instrument(instrument, "--instrument")
    c = index_of(world, country, "--country")
    what = _("optimal {instrument} tariff of {country}").format(instrument=instrument_words(instrument),
                                                                 country=world.codes[c])
    _say(progress, 0.0, what)
    r = optimal_tariff(model, c, instrument, base_t=t, lower=lower,
                       progress=lambda step, pg: _say(progress, 0.5 * step / (step + 4),
                                                      what + _(": iteration {step}, gradient {gradient}").format(
                                                          step=step, gradient=f"{pg:.0e}")))
    _say(progress, 0.5, _("checking unilateral deviations"))
    cert = certify(model, r.tariffs, [c], instrument, lower=lower, grad_tol=1e-6)
    if not (r.converged and cert.ok):
        raise failed(f"the optimal tariff of {world.codes[c]} was not found ({r.status}, gradient norm "
                     f"{r.grad_norm:.1e}, best deviation gain {max(cert.max_deviation_gain.values()):.1e})",
                     {"status": r.status, "iterations": r.iterations, "grad_norm": r.grad_norm,
                      "certificate_ok": cert.ok})
    labs = labels(world, instrument, c)
    res = result_of(s, world, model, r.tariffs, f"optimal tariff of {world.codes[c]}")
    doc = res.to_dict()
    doc["converged"] = bool(res.converged and r.converged and cert.ok)
    doc["tariffs"] = {"country": world.codes[c], "instrument": instrument,
                      "values": dict(zip(labs, np.asarray(r.values).tolist(), strict=True))}
    doc["certificate"] = {"status": r.status, "converged": r.converged, "grad_norm": r.grad_norm,
                          "iterations": r.iterations, "evaluations": r.evaluations,
                          "deviations": by_code(cert.to_dict(), world)}
    _say(progress, 1.0, _("done"))
    return Outcome(json_safe(doc), res, {"optimum": r, "certificate": cert, "labels": labs, "country": c})  # type: ignore[arg-type]


def nash_document(s, world, model, t, players: list[str], instrument: str = "uniform", lower: float = -1.0,
                  max_rounds: int = 100, tol: float = 1e-6, progress: Progress = None) -> Outcome:
    """The Nash equilibrium of a tariff war among ``players`` (iterated best responses), certified (``tradewar nash``)."""
    from ._nash import certify
    from ._nash import nash as nash_war

    _instrument(instrument, "--instrument")
    idx = [index_of(world, p, "--players") for p in players]
    if len(set(idx)) < 2 or len(set(idx)) != len(idx):
        raise ScenarioError(f"option '--players': give two or more different countries, e.g. USA,CHN "
                            f"(got '{','.join(players)}')")
    rounds = [0]

    def say(msg):
        rounds[0] += 1
        _say(progress, 0.8 * rounds[0] / max(max_rounds, 1), str(msg))

    r = nash_war(model, idx, instrument, base_t=t, lower=lower, max_rounds=max_rounds, tol=tol,
                 br_tol=max(tol * 0.1, 1e-8), progress=say, certificate=False)
    _say(progress, 0.85, _("certifying the equilibrium"))
    # only a war that settled is certified (the checks are the slow part)
    certificate = certify(model, r.tariffs, idx, instrument, lower=lower, grad_tol=tol) if r.converged else None
    tariffs = {}
    for c in idx:
        code = world.codes[c]
        key = code if code in r.values else str(c)
        tariffs[code] = dict(zip(labels(world, instrument, c), np.asarray(r.values[key]).tolist(), strict=True))
    cert = by_code(certificate.to_dict(), world) if certificate is not None else {}
    if not r.converged or not cert.get("ok", False):
        why = (f"the best responses did not settle in {r.rounds} rounds (last move {r.max_move:.1e}, "
               f"--tol {tol:g}; raise --max-rounds)" if not r.converged else "its certificate failed (max "
               f"gradient {max(cert['grad_norm'].values()):.1e}, best deviation gain "
               f"{max(cert['max_deviation_gain'].values()):.1e})")
        raise failed(f"no Nash equilibrium: {why}", {"converged": r.converged, "rounds": r.rounds,
                                                     "max_move": r.max_move, "certificate_ok": cert.get("ok")})
    res = result_of(s, world, model, r.tariffs, "Nash equilibrium")
    doc = res.to_dict()
    doc["converged"] = bool(res.converged and r.converged and cert["ok"])
    doc["tariffs"] = tariffs
    doc["certificate"] = {"converged": r.converged, "rounds": r.rounds, "max_move": r.max_move, **cert}
    doc["welfare_vs_base_pct"] = {world.codes[c]: 100 * (r.welfare_vs_base[c] - 1) for c in idx}
    doc["welfare_vs_free_trade_pct"] = {world.codes[c]: 100 * (r.welfare_vs_free_trade[c] - 1) for c in idx}
    _say(progress, 1.0, _("done"))
    return Outcome(json_safe(doc), res, {"nash": r, "certificate": cert, "players": idx})  # type: ignore[arg-type]


#: Largest projected gradient of the bargaining objective (weighted log gains, per unit of tariff) at which
#: an optimiser that stopped in its line search ("stalled", usual at the optimum in double precision) has
#: settled; converged bargains on the embedded world and the test worlds end near 1e-8.
BARGAIN_GRAD_TOL = 1e-6


def bargain_settled(cert: dict[str, Any]) -> bool:
    """Whether a Nash bargain's optimiser settled: converged, or stalled with a vanishing projected gradient."""
    status = cert.get("status")
    return status == "converged" or (status == "stalled" and cert.get("grad_norm", float("inf")) <= BARGAIN_GRAD_TOL)


def talks_document(s, world, model, t, parties: list[str], threat: Any = "current", instruments: str = "uniform",
                   weight: float = 0.5, lower: float = 0.0, frontier: bool = True,
                   progress: Progress = None) -> Outcome:
    """Nash bargaining between two parties over their tariffs on each other, and the deal frontier (``tradewar talks``).

    ``threat`` is ``"current"``, ``"nash"`` or the tariff array of a threat scenario on the same world.
    """
    from ._bargain import NoDeal, _pair, bargain, deal_frontier

    if instruments not in ("uniform", "sector"):
        raise ScenarioError(f"option '--instruments': '{instruments}' is not one of uniform, sector")
    if not 0.0 < weight < 1.0:
        raise ScenarioError(f"option '--weight': must be strictly between 0 and 1, got {weight:g}")
    if len(parties) != 2:
        raise ScenarioError(f"option '--parties': give two countries, e.g. USA,JPN (got '{','.join(parties)}')")
    a, b = (index_of(world, p, "--parties") for p in parties)
    if a == b:
        raise ScenarioError(f"option '--parties': give two different countries (got '{','.join(parties)}')")
    _say(progress, 0.0, _("Nash bargaining"))
    fr = None
    try:
        deal = bargain(model, world, (a, b), instruments, threat, weight, t, lo=lower)
    except NoDeal as e:
        # the start search found no point both prefer; the frontier's sweep may: bargain from its best
        fr = deal_frontier(model, world, (a, b), instruments, e.threat_tariffs, t, lo=lower)
        both = fr.mutual_gain()
        if not both:
            return _no_deal_document(s, world, model, t, (a, b), instruments, e, lower, frontier, progress, fr)
        best = max(both, key=lambda p: weight * np.log(max(p["welfare_pct"][0] - fr.threat_welfare_pct[0], 1e-12))
                   + (1 - weight) * np.log(max(p["welfare_pct"][1] - fr.threat_welfare_pct[1], 1e-12)))
        deal = bargain(model, world, (a, b), instruments, threat, weight, t, lo=lower, start=best["values"])
    if not bargain_settled(deal.certificate):
        raise failed(f"the Nash bargain of {world.codes[a]} and {world.codes[b]} did not converge "
                     f"(optimiser {deal.certificate.get('status')}, {deal.certificate.get('iterations')} iterations, "
                     f"projected gradient {deal.certificate.get('grad_norm', float('nan')):.1e}, tolerance "
                     f"{BARGAIN_GRAD_TOL:.0e})", deal.certificate)
    _say(progress, 0.5, _("deal frontier"))
    if not frontier:
        fr = None
    elif fr is None:
        fr = deal_frontier(model, world, (a, b), instruments, deal.threat_tariffs, t, lo=lower)
    A, B = world.codes[a], world.codes[b]
    pair = _pair(t.shape, a, b, instruments)
    res = result_of(s, world, model, deal.tariffs, f"talks {A}-{B}")
    doc = res.to_dict()
    doc["converged"] = bool(res.converged and bargain_settled(deal.certificate))
    doc["tariffs"] = {"deal": dict(zip(deal.labels, np.asarray(deal.values).tolist(), strict=True)),
                      "threat": dict(zip(deal.labels, np.asarray(pair.values(deal.threat_tariffs)).tolist(),
                                         strict=True))}
    doc["certificate"] = deal.certificate
    doc["gains_pct"] = {A: deal.gains_pct[0], B: deal.gains_pct[1]}
    doc["threat_welfare_pct"] = {A: 100 * (deal.threat_welfare[a] - 1), B: 100 * (deal.threat_welfare[b] - 1)}
    if fr is not None:
        doc["frontier"] = _frontier_doc(fr, A, B)
    _say(progress, 1.0, _("done"))
    return Outcome(json_safe(doc), res, {"deal": deal, "frontier": fr, "pair": pair, "parties": (a, b)})  # type: ignore[arg-type]


def _no_deal_document(s, world, model, t, parties, instruments, e, lower, frontier, progress, fr=None) -> Outcome:
    """The talks document when no tariffs make both parties better off than the threat: the threat point,
    its outcomes and the deal frontier around it, ``deal`` None and the reason in ``no_deal``."""
    from ._bargain import _labels, _pair, deal_frontier

    a, b = parties
    A, B = world.codes[a], world.codes[b]
    _say(progress, 0.5, _("deal frontier"))
    if fr is None and frontier:
        fr = deal_frontier(model, world, (a, b), instruments, e.threat_tariffs, t, lo=lower)
    if not frontier:
        fr = None
    pair = _pair(t.shape, a, b, instruments)
    res = result_of(s, world, model, e.threat_tariffs, f"talks {A}-{B} (no deal: the threat)")
    doc = res.to_dict()
    threat_vals = np.asarray(pair.values(e.threat_tariffs)).tolist()
    doc["no_deal"] = str(e)
    doc["tariffs"] = {"deal": None, "threat": dict(zip(_labels(world, pair), threat_vals, strict=True))}
    doc["certificate"] = None
    doc["gains_pct"] = {A: None, B: None}
    doc["threat_welfare_pct"] = {A: 100 * (e.threat_welfare[a] - 1), B: 100 * (e.threat_welfare[b] - 1)}
    if fr is not None:
        doc["frontier"] = _frontier_doc(fr, A, B)
    _say(progress, 1.0, _("done"))
    return Outcome(json_safe(doc), res, {"deal": None, "frontier": fr, "pair": pair, "parties": (a, b),  # type: ignore[arg-type]
                                         "no_deal": e, "threat_tariffs": e.threat_tariffs})


def _frontier_doc(fr, A: str, B: str) -> dict[str, Any]:
    return {
        "points": [{"weight": p["weight"], "tariffs": dict(zip(fr.labels, np.asarray(p["values"]).tolist(), strict=True)),
                    "welfare_pct": {A: p["welfare_pct"][0], B: p["welfare_pct"][1]},
                    "both_gain": p["both_gain"]} for p in fr.points],
        "highest_tariff_b_accepts": fr.highest_tariff_b_accepts,
        "smallest_concession_for_a": fr.smallest_concession_for_a,
        "grid_rates": fr.grid_rates, "grid_both_gain": fr.grid_both_gain,
    }


def bloc_document(bloc, data: str | None = None, progress: Progress = None, *, gdp: str | None = None,
                  tariffs: str | None = None) -> Outcome:
    """Play a bloc game: every coalition of the candidates, its stability, who gains and who loses (``tradewar bloc``).

    ``bloc`` is a :class:`~tradewar.strategy.Bloc`; ``data`` (with ``gdp`` and ``tariffs`` for a long trade
    table) replaces the base scenario's data source. The
    document's ``candidates`` give, for each candidate, its welfare joining and staying out (the others
    as in the first stable coalition, or the grand coalition when none is stable) and with no bloc.
    """
    from ._blocs import _weighted_rate, bloc_game, coalition_tariffs, prepare_bloc

    world, model, t, s = prepare_bloc(bloc, data=data, gdp=gdp, tariffs=tariffs)
    K = len(bloc.candidates)
    _say(progress, 0.0, _("{n} coalitions").format(n=2 ** K))
    game = bloc_game(model, world, bloc, t, progress=lambda d, n: _say(progress, 0.9 * d / max(n, 1),
                                                                        _("{done} of {n} coalitions").format(done=d, n=n)))
    stable = list(game.stable)
    outcome = stable[0] if stable else game.members.shape[0] - 1
    t_out, x_out = coalition_tariffs(world, model, bloc, t, game.members[outcome])
    T = t_out[None]
    res = result_of(s, world, model, t_out, f"bloc '{bloc.name}'", x_out)
    doc = res.to_dict()
    L, Tg = world.index(bloc.leader), world.index(bloc.target)
    mem = game.names(outcome)
    doc["coalition"] = list(mem)
    groups = dict(zip(bloc.candidates, game.groups, strict=True))

    def rate(c: str, exporter: bool, partner: int) -> float:
        # a region's rate: its countries' rates weighted by their baseline trade with the partner
        idx = world.indices(groups[c])
        return _weighted_rate(world, T[0], idx, partner) if exporter else _weighted_rate(world, T[0], partner, idx)

    doc["tariffs"] = {f"{bloc.leader} on {c}": rate(c, True, L) for c in bloc.candidates} | {
        f"{c} on {bloc.target}": rate(c, False, Tg) for c in mem} | {f"{bloc.target} on {c}": rate(c, True, Tg) for c in mem}
    doc["certificate"] = {"stability_tol": game.tol, "status": res.equilibrium.status.value,
                          "max_residual": res.max_residual, "coalitions_solved": int(game.members.shape[0])}
    g = game.to_dict()
    doc["coalitions"] = g["coalitions"]
    doc["stable"] = g["stable"]
    cands = {}
    for code in bloc.candidates:
        w_in, w_out = game.in_vs_out(code, [c for c in mem if c != code])
        cands[code] = {"welfare_in_pct": w_in, "welfare_out_pct": w_out,
                       "no_bloc_pct": game.candidate_pct(0, code)}
    doc["candidates"] = cands
    doc["bloc"] = {"name": bloc.name, "title": bloc.title, "leader": bloc.leader, "target": bloc.target}
    _say(progress, 1.0, _("done"))
    return Outcome(json_safe(doc), res, {"game": game, "outcome": outcome, "stable": stable, "scenario": s,  # type: ignore[arg-type]
                                         "world": world, "model": model, "base_t": t})  # type: ignore[arg-type]
