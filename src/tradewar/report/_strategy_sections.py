"""The bloc and deal sections, fed by :mod:`tradewar.strategy` when it provides the functions they need.

``strategy(*names)`` returns the public functions of :mod:`tradewar.strategy`. A section that cannot be
built for the data raises :class:`~tradewar.report.sections.Unavailable`; in the deal section, a tariff
war, bargain or frontier whose solver does not converge (:class:`~tradewar.ConvergenceError`) is named in
a note and the rest of the section is kept. Any other error is a bug and stops the report.

* Bloc: the shipped bloc ``us-bloc-china`` (the USA offers members a 10% tariff instead of the 2 April
  schedule, members put 20% on China, China answers every member with an equal-value tariff), reduced to
  the report's country and two other candidates so that every coalition is solved in one batch.
* Deal: the US tariff on the country at the last step of the timeline (15% for Japan) against the
  2 April threat (24% for Japan) and against the Nash tariff war of the two, on the US–country welfare
  frontier; every other tariff as at the last step.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .._i18n import _, current
from . import charts
from ._context import Unavailable
from .html import esc, table_html
from .timeline import focus_codes

BLOC = "us-bloc-china"
OTHER_CANDIDATES = ("EU27", "KOR", "GBR", "JPN")


def _welfare_pct(model, t) -> np.ndarray:
    """W^ - 1 in percent of every country at tariffs ``t`` (one validated solve)."""
    from ..solve import Shock, solve_model

    eq = solve_model(model, Shock(t=np.asarray(t, dtype=np.float64)), None, what="report deal point")
    return np.asarray(eq.outcomes["welfare_pct"], dtype=float)


# --- bloc -------------------------------------------------------------------------------------------
def bloc(ctx: Any, strategy) -> str | None:
    import pandas as pd

    load_bloc, prepare_bloc, bloc_game = strategy("load_bloc", "prepare_bloc", "bloc_game")
    c = ctx.country
    b = load_bloc(BLOC)
    # on a world of countries (--data) the candidates that are regions of world2023 (EU27) are left out
    have = ctx.world.codes
    if c in b.candidates:
        others = [k for k in OTHER_CANDIDATES if k in b.candidates and k != c and k in have][:2]
        cands = (c, *others)
    elif c in (b.leader, b.target):
        cands = tuple(k for k in OTHER_CANDIDATES if k in b.candidates and k in have)[:3]
    else:
        raise Unavailable(_("{country} is not a candidate of the bloc '{bloc}' ({candidates})").format(
            country=c, bloc=b.name, candidates=", ".join(b.candidates)))
    small = dataclasses.replace(b, candidates=cands)
    ctx.say("bloc game")
    world, model, base_t, base_scenario = prepare_bloc(small, data=ctx.data)
    game = bloc_game(model, world, small, base_t)
    show = [k for k in dict.fromkeys([*focus_codes(c), *cands]) if k in world.codes]
    rows, labels = [], []
    for m in range(game.members.shape[0]):
        names = game.names(m)
        label = _("no bloc") if not names else " + ".join(names)
        wp = game.welfare_pct(m)
        rows.append({k: wp[k] for k in show} | {"stable": _("yes") if m in game.stable else _("no")})
        labels.append(label)
    df = pd.DataFrame(rows, index=pd.Index(labels, name=_("coalition")))
    # the preset's question is a candidate's; the bloc's leader or target reads what the coalitions do to it
    role = "" if c in cands else " " + esc(_(
        "For {country}, the bloc's {role}: how each coalition of the candidates changes its welfare.").format(
        country=current().named(c), role=_("leader") if c == b.leader else _("target")))
    body = [
        f"<p class='lead'>{esc(current().text(b.title))}{role} "
        f"{esc(charts.joined(current(), current().text(b.notes), charts.written_for_note(base_scenario.data.written_for, world)))} "
        + esc(_(
            "Candidates here: {candidates} (the others stay out, facing the 2 April schedule). Welfare in % change "
            "from the 2023 baseline; a coalition is stable when no member gains by leaving and no outsider by "
            "joining.").format(candidates=", ".join(cands))) + "</p>",
        table_html(df, {k: "+.2f" for k in show}, header={"stable": _("stable")},
                   caption=esc(_("Payoffs of every coalition ({bloc}); the coalition lists the members besides the "
                                 "USA").format(bloc=b.name))),
    ]
    if c in cands:
        rest = [k for k in cands if k != c]
        j0, o0 = game.in_vs_out(c, [])
        j1, o1 = game.in_vs_out(c, rest)
        verdict = _("join") if j0 > o0 else _("stay out")
        tr = current()
        stable = "; ".join(("USA + " + " + ".join(s)) if s else _("no bloc") for s in game.stable_coalitions())
        choice = _("{country}'s choice.").format(country=tr.named(c))
        body.append(
            f"<p><b>{esc(choice)}</b> " + esc(_(
                "If the others stay out: joining gives {join}, staying neutral {out} (so {country} would {verdict}). "
                "If {others} join: {join_all} against {out_all}. Stable coalitions: {stable}.").format(
                join=tr.percent(j0), out=tr.percent(o0), country=tr.named(c), verdict=verdict,
                others=_(" and ").join(rest), join_all=tr.percent(j1), out_all=tr.percent(o1),
                stable=stable or _("none"))) + "</p>"
        )
    note = charts.sources_line(ctx.timeline[0], extra=_(
        "Bloc '{bloc}': members {tariff} on {target}, US carrot {carrot}, {target} answers with '{response}'").format(
        bloc=b.name, tariff=f"{b.member_tariff:.0%}", target=b.target, carrot=f"{b.carrot:.0%}", response=b.response))
    fig = charts.payoff_chart(df[show], _("The bloc choice: welfare under each coalition"), note,
                              unit=_("welfare, % change"), xtitle=_("members of the US-led bloc besides the USA"))
    body.append(ctx.figure("bloc", fig))
    return "".join(body)


# --- deal -------------------------------------------------------------------------------------------
def _bilateral_war(model, world, ia: int, ib: int, t0, strategy, *, tol: float = 1e-6, max_rounds: int = 40):
    """The Nash tariff war of ``ia`` and ``ib`` on each other only (uniform rates, >= 0), from ``t0``.

    Alternating best responses (``tradewar.strategy.best_response`` restricted to the other party) until
    neither rate moves by more than ``tol``; every other tariff stays as in ``t0``. Raises
    :class:`~tradewar.ConvergenceError` when the rates have not settled after ``max_rounds``.
    Returns ``(label, welfare_pct (N,))``.
    """
    from .._exceptions import ConvergenceError

    a, b = world.codes[ia], world.codes[ib]
    (best_response,) = strategy("best_response")
    t = np.array(t0, dtype=np.float64)
    for _round in range(max_rounds):
        old = (t[ib, ia], t[ia, ib])
        t = np.asarray(best_response(model, ia, t, "uniform", partners=[ib], lower=0.0).tariffs, dtype=np.float64)
        t = np.asarray(best_response(model, ib, t, "uniform", partners=[ia], lower=0.0).tariffs, dtype=np.float64)
        if max(abs(t[ib, ia] - old[0]), abs(t[ia, ib] - old[1])) < tol:
            break
    else:
        raise ConvergenceError(f"the {a}-{b} tariff war did not settle in {max_rounds} rounds",
                               {"rounds": max_rounds, "tol": tol})
    label = _("Nash war ({a} {ta} on {b}, {b} {tb} on {a})").format(a=a, b=b, ta=f"{t[ib, ia]:.0%}",
                                                                    tb=f"{t[ia, ib]:.0%}")
    return label, _welfare_pct(model, t)


def deal(ctx: Any, strategy) -> str | None:
    import pandas as pd

    from .._exceptions import ConvergenceError
    from ..scenario import load_scenario, prepare

    c = ctx.country
    partner = "USA" if c != "USA" else "JPN"
    a, b = "USA", (c if c != "USA" else partner)
    last = ctx.timeline[-1]
    s = load_scenario(last.scenario) if last.meta.get("title") is not None else None
    if s is None:
        raise Unavailable(_("the last step is not a scenario file"))
    s = s.with_data(ctx.data)
    world, model, t, _x, rule = prepare(s, last.world)
    if world.has_sectors or "us_2025_04_02" not in world.schedules:
        raise Unavailable(_("the deal section needs one-sector data with the 2 April 2025 US schedule"))
    if b not in world.codes:
        raise Unavailable(_("{country} is not in the data").format(country=b))
    ia, ib = world.index(a), world.index(b)
    base = np.asarray(last.tariffs if last.tariffs is not None else t, dtype=np.float64)
    deal_rate = float(base[ib, ia])
    threat_rate = max(float(world.schedules["us_2025_04_02"][ib]), 0.10)
    threat = base.copy()
    threat[ib, ia] = threat_rate
    ctx.say("deal: threat and deal points")
    w_deal = _welfare_pct(model, base)
    w_threat = _welfare_pct(model, threat)
    points = {
        _("{rate} threat (2 April)").format(rate=f"{threat_rate:.0%}"): (w_threat[ia], w_threat[ib]),
        f"{deal_rate:.0%} ({current().date(last.meta.get('date')) or last.scenario})": (w_deal[ia], w_deal[ib]),
    }
    rows = {k: {a: v[0], b: v[1]} for k, v in points.items()}
    notes = []
    if not ctx.extras.get("full"):
        notes.append(_("The Nash tariff war and the Nash bargaining solution are computed with "
                       "tradewar report --full (about 15 s more)."))
    else:
        try:
            ctx.say("deal: tariff war between the two")
            label, w_war = _bilateral_war(model, world, ia, ib, threat, strategy)
            points[label] = (w_war[ia], w_war[ib])
            rows[label] = {a: w_war[ia], b: w_war[ib]}
        except ConvergenceError as e:  # keep the section: say what did not converge
            notes.append(_("Nash war not computed ({reason}).").format(reason=str(e).splitlines()[0]))
        try:
            (bargain,) = strategy("bargain")
            from ..strategy._documents import bargain_settled

            ctx.say("deal: Nash bargain")
            nb = bargain(model, world, (a, b), threat=threat, base_t=threat, lo=0.0)  # tariffs, as `talks`
            if not bargain_settled(nb.certificate):
                raise ConvergenceError(f"the optimiser {nb.certificate.get('status')} with projected gradient "
                                       f"{nb.certificate.get('grad_norm', float('nan')):.1e}")
            w_nb = 100.0 * (np.asarray(nb.welfare, dtype=float) - 1.0)
            label = _("Nash bargain from the {threat} threat ({a} {ta} on {b}, {b} {tb} on {a})").format(
                threat=f"{threat_rate:.0%}", a=a, b=b, ta=f"{nb.values[0]:.0%}", tb=f"{nb.values[1]:.0%}")
            points[label] = (w_nb[ia], w_nb[ib])
            rows[label] = {a: w_nb[ia], b: w_nb[ib]}
        except ConvergenceError as e:
            notes.append(_("Nash bargain not computed ({reason}).").format(reason=str(e).splitlines()[0]))
    front = np.zeros((0, 2))
    try:
        (deal_frontier,) = strategy("deal_frontier")
        ctx.say("deal: frontier")
        fr = deal_frontier(model, world, (a, b), threat=threat, base_t=threat, n_points=9, grid=9, lo=0.0)
        front = np.array([p["welfare_pct"] for p in fr.points], dtype=float).reshape(-1, 2)
    except Unavailable as e:
        notes.insert(0, _("Frontier not available: {reason}.").format(reason=e))
    except ConvergenceError as e:
        notes.insert(0, _("Frontier not computed ({reason}).").format(reason=str(e).splitlines()[0]))
    df = pd.DataFrame(rows).T
    df.index.name = _("outcome")
    note = charts.sources_line(last, extra=(_("Frontier: efficient pairs of the two uniform tariffs on each other; ")
                                            if front.size else "") + _("every other tariff as at the last step"))
    body = [
        "<p class='lead'>" + esc(_(
            "What {a} and {b} could agree on: the welfare frontier over their uniform tariffs on each other, with "
            "the {threat} US threat of 2 April, the {deal} of the last step, and (with --full) a tariff war between "
            "the two. Every other tariff stays as at the last step, so the threat point differs from the 2 April "
            "step of the timeline, when every partner faced the schedule. Welfare in % change from the 2023 "
            "baseline.").format(a=current().named(a), b=current().named(b), threat=f"{threat_rate:.0%}",
                                deal=f"{deal_rate:.0%}")) + "</p>",
        table_html(df, {a: "+.3f", b: "+.3f"}, caption=esc(_("Welfare of {a} and {b}, %").format(
            a=current().named(a), b=current().named(b)))),
        "".join(f"<p class='unavailable'>{esc(n)}</p>" for n in notes),
        ctx.figure("deal", charts.frontier_chart(front, points, a, b, note)),
    ]
    return "".join(body)
