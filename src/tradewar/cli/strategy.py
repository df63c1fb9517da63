"""The strategic commands ``optimal``, ``nash``, ``talks`` and ``bloc`` (registered by :mod:`tradewar.cli`).

Each takes a scenario (preset or TOML file; ``bloc`` takes a bloc preset or file), prints Rich tables,
shows a progress bar on the slow parts (on stderr) and writes ``--json OUT`` with the per-country fields
of ``tradewar run`` (``{"countries": {ISO3: {...}}}``, from the solve of the tariffs found) plus
``"tariffs"`` and ``"certificate"``; ``bloc`` adds ``"coalitions"`` and ``"stable"``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from .._i18n import N_, _, current


def _codes(text: str) -> list[str]:
    return [c.strip().upper() for c in text.split(",") if c.strip()]


def _open_unit(name: str):
    """An option callback: the value must lie strictly between 0 and 1."""

    def check(value: float) -> float:
        if not 0.0 < value < 1.0:
            raise typer.BadParameter(f"must be strictly between 0 and 1, got {value:g}", param_hint=f"'{name}'")
        return value

    return check


def _positive(name: str):
    """An option callback: the value must be a finite number above 0."""

    def check(value: float) -> float:
        if not (math.isfinite(value) and value > 0.0):
            raise typer.BadParameter(f"must be a number above 0, got {value:g}", param_hint=f"'{name}'")
        return value

    return check


def _choice(name: str, options: tuple[str, ...]):
    """An option callback: the value must be one of ``options``."""

    def check(value: str) -> str:
        if value not in options:
            raise typer.BadParameter(f"'{value}' is not one of {', '.join(options)}", param_hint=f"'{name}'")
        return value

    return check


INSTRUMENTS = ("uniform", "partner", "sector", "partner_sector")

#: The optimiser's status in words.
_STATUS = {"converged": N_("converged"), "max_steps_reached": N_("iteration limit reached"), "stalled": N_("stalled")}


def instrument_words(name: str) -> str:
    from ..strategy._documents import instrument_words as words

    return words(name)


def _label(lab: str) -> str:
    """An instrument value's label in the CLI's language: ``all`` and ``A on B`` in words, codes and sectors kept."""
    head, sep, sector = lab.partition("/")
    if head == "all":
        head = _("all")
    elif " on " in head:
        a, _sep, b = head.partition(" on ")
        head = _("{a} on {b}").format(a=a, b=b)
    return head + sep + sector


def _write(path: Path, doc: dict[str, Any], console) -> None:
    from .._io import atomic_write, json_writer

    atomic_write(path, json_writer(doc))
    console.print(_("wrote {path}").format(path=path))


def _check_out(json_out: Path | None) -> None:
    from .._io import check_output_paths

    check_output_paths([("--json", json_out)])


def _progress(err_console):
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                    console=err_console, transient=True, disable=not err_console.is_terminal)


GDP_HELP = "GDP table (country,gdp) of a long trade table given with --data."
TARIFFS_HELP = "Baseline tariffs (exporter,importer,tariff) of a long trade table given with --data."


def _prepare(scenario: str, data: str | None, gdp: str | None = None, tariffs: str | None = None,
             outputs: tuple = (), countries: tuple = ()):
    """Scenario, world, calibrated model and tariffs of a strategic command. ``countries`` (pairs of an option
    and the codes it names) are checked against the world before the calibration, whose data warnings would
    otherwise come before their error."""
    from .._io import check_not_inputs
    from ..scenario import load_scenario, prepare, scenario_inputs, scenario_world
    from ..strategy._documents import index_of
    from ._app import _on_data

    s = _on_data(load_scenario(scenario), data, gdp, tariffs)
    check_not_inputs(outputs, scenario_inputs(s))
    world = scenario_world(s)
    for option, codes in countries:
        for c in codes:
            index_of(world, c, option)
    world, model, t, x, rule = prepare(s, world)
    if x is not None:
        from .._exceptions import ScenarioError

        raise ScenarioError(f"scenario '{s.name}': the strategic commands do not handle export-tax layers")
    if rule.rule == "optimal":
        from ..strategy._retaliate import retaliate_optimally

        t = retaliate_optimally(model, world, t, rule)
    return s, world, model, t


def register(app: typer.Typer, console, err_console, handle_errors) -> None:
    """Add ``optimal``, ``nash``, ``talks`` and ``bloc`` to the Typer ``app``."""
    from ._app import _explain_na, frame_table, result_frame

    def _show(res, codes, title):
        keep = [c for c in (codes or []) if c in res.world.codes] or None
        df = result_frame(res, keep)
        console.print(frame_table(df, title, "country"))
        _explain_na(df)

    # --- optimal -----------------------------------------------------------------------------------
    @app.command()
    @handle_errors
    def optimal(
        scenario: Annotated[str, typer.Argument(help="A preset name or a scenario TOML file (the others' tariffs).")],
        country: Annotated[str, typer.Option(help="The country choosing its tariffs (ISO3).")] = "USA",
        instrument: Annotated[str, typer.Option(callback=_choice("--instrument", INSTRUMENTS),
                                                help="uniform | partner | sector | partner_sector.")] = "uniform",
        lower: Annotated[float, typer.Option(min=-1.0, max=1.0, help="Lowest tariff allowed (fraction, -1 to 1; "
                                             "-1: none, 0: no subsidies).")] = -1.0,
        data: Annotated[str | None, typer.Option(help="Data source replacing the scenario's.")] = None,
        gdp: Annotated[str | None, typer.Option(help=GDP_HELP)] = None,
        tariffs: Annotated[str | None, typer.Option(help=TARIFFS_HELP)] = None,
        json_out: Annotated[Path | None, typer.Option("--json", help="Write the results as JSON.")] = None,
        draws: Annotated[int, typer.Option(min=0, help="Also the band of the optimal tariff over N draws of the "
                                           "scenario's parameter distributions (0: none).")] = 0,
        seed: Annotated[int | None, typer.Option(min=0, help="Seed of the draws (default: the scenario's).")] = None,
    ) -> None:
        """The tariffs that maximise the welfare of --country, everyone else's as in the scenario."""
        _check_out(json_out)  # before anything slow, imports included
        from ..strategy._documents import optimal_document

        s, world, model, t = _prepare(scenario, data, gdp, tariffs, outputs=[("--json", json_out)],
                                      countries=[("--country", [country])])
        from ..strategy._documents import index_of
        from ..strategy._optimal import COMPILE_SECONDS, _duration, check_cost, optimal_cost

        code = world.codes[index_of(world, country, "--country")]
        # refused before any solve when it cannot fit: the optimum, its certificate and the draws' optima
        cost = optimal_cost(model, instrument, base_t=t)
        seconds = cost.seconds + cost.certificate_seconds + draws * (cost.seconds - COMPILE_SECONDS)
        check_cost(cost, f"optimal {instrument} tariff of {code}" + (f" and {draws:,} draws" if draws else ""),
                   seconds=seconds, fewer="fewer --draws" if draws else None)
        about = _(" (about {duration})").format(duration=_duration(seconds)) if seconds > 60 else ""
        with _progress(err_console) as prog:
            task = prog.add_task(_("optimal {instrument} tariff of {country}").format(
                instrument=instrument_words(instrument), country=code) + about, total=2)
            out = optimal_document(s, world, model, t, country, instrument, lower,
                                   progress=lambda f, msg: prog.update(task, completed=2 * f, description=msg + about))
        r, cert, labels, c = (out.parts[k] for k in ("optimum", "certificate", "labels", "country"))
        from rich.table import Table

        heading = _("Optimal {instrument} tariff of {country}").format(instrument=instrument_words(instrument),
                                                                         country=world.codes[c])
        console.print(_("{heading} ({scenario})").format(heading=f"[bold]{heading}[/]",
                                                          scenario=current().text(s.title) or s.name))
        tab = Table(header_style="bold")
        tab.add_column(_("on"))
        tab.add_column(_("tariff %"), justify="right")
        for lab, v in zip(labels, r.values, strict=True):
            tab.add_row(_label(lab), f"{100 * v:.2f}")
        console.print(tab)
        if instrument == "uniform":
            import numpy as np

            own = np.delete(np.asarray(t)[:, c], c, axis=0)  # the scenario's tariffs of the chooser on the others
            if own.size and np.ptp(own) > 1e-9:
                console.print("[dim]" + _("uniform: one rate on every partner, in place of the scenario's rates of "
                                          "{country} (from {low}% to {high}%, its exemptions included); "
                                          "--instrument partner chooses a rate for each").format(
                    country=world.codes[c], low=f"{100 * own.min():.1f}", high=f"{100 * own.max():.1f}") + "[/]")
        res = out.result
        _show(res, s.output.countries, _("Outcomes at the optimum of {country}").format(country=world.codes[c]))
        console.print("[dim]" + _("{status}, gradient norm {norm}, {iterations} iterations; best deviation gain "
                                  "{gain}").format(status=_(_STATUS.get(r.status, r.status)), norm=f"{r.grad_norm:.1e}",
                                                   iterations=r.iterations,
                                                   gain=f"{max(cert.max_deviation_gain.values()):.1e}") + "[/]")
        bands = None
        if draws:
            from ..batch.uncertainty import optimal_bands

            with _progress(err_console) as prog:
                task = prog.add_task(_("optimum over {draws} draws").format(draws=draws), total=draws)
                bands = optimal_bands(s, c, draws=draws, seed=seed, instrument=instrument, base_t=t, lower=lower,
                                      progress=lambda d, n: prog.update(task, completed=d))
            bt = Table(title=_("Optimal tariff of {country} over {draws} draws (seed {seed}), %").format(
                country=world.codes[c], draws=bands["draws"], seed=bands["seed"]), header_style="bold",
                title_justify="left")
            bt.add_column(_("on"))
            for col in ("p05", "p50", "p95"):
                bt.add_column(col, justify="right")
            for lab, b in bands["tariff"].items():
                bt.add_row(_label(lab), *[("—" if b[q] is None else f"{100 * b[q]:.2f}")
                                                    for q in ("p05", "p50", "p95")])
            console.print(bt)
            if bands["failed"]:
                console.print("[yellow]" + _("{n} draws without a converged optimum: {draws}").format(
                    n=len(bands["failed"]), draws=bands["failed"][:10]) + "[/]")
        if json_out:
            doc = dict(out.doc)
            if bands is not None:
                doc["uncertainty"] = bands
            _write(json_out, doc, console)

    # --- nash --------------------------------------------------------------------------------------
    @app.command()
    @handle_errors
    def nash(
        scenario: Annotated[str, typer.Argument(help="A preset name or a scenario TOML file (starting tariffs).")],
        players: Annotated[str, typer.Option(help="Comma-separated players, e.g. USA,CHN.")] = "USA,CHN",
        instrument: Annotated[str, typer.Option(callback=_choice("--instrument", INSTRUMENTS),
                                                help="uniform | partner | sector | partner_sector.")] = "uniform",
        lower: Annotated[float, typer.Option(min=-1.0, max=1.0, help="Lowest tariff allowed (fraction, -1 to 1; "
                                             "0: no subsidies).")] = -1.0,
        max_rounds: Annotated[int, typer.Option(min=0, max=10_000, help="Best-response rounds before giving up.")] = 100,
        tol: Annotated[float, typer.Option(callback=_positive("--tol"),
                                           help="Convergence tolerance on tariff moves (fraction, > 0).")] = 1e-6,
        data: Annotated[str | None, typer.Option(help="Data source replacing the scenario's.")] = None,
        gdp: Annotated[str | None, typer.Option(help=GDP_HELP)] = None,
        tariffs: Annotated[str | None, typer.Option(help=TARIFFS_HELP)] = None,
        json_out: Annotated[Path | None, typer.Option("--json", help="Write the results as JSON.")] = None,
    ) -> None:
        """The Nash equilibrium of a tariff war among --players (iterated best responses), with its certificate."""
        _check_out(json_out)  # before anything slow, imports included
        import numpy as np

        from .._exceptions import ScenarioError
        from ..strategy._documents import nash_document

        named = [c.upper() for c in _codes(players)]
        if len(set(named)) < 2 or len(set(named)) != len(named):
            raise ScenarioError(f"option '--players': give two or more different countries, e.g. USA,CHN "
                                f"(got '{players}')")
        s, world, model, t = _prepare(scenario, data, gdp, tariffs, outputs=[("--json", json_out)],
                                      countries=[("--players", named)])
        from ..strategy._optimal import COMPILE_SECONDS, _duration, check_cost, optimal_cost

        # a round is one best response per player; the number of rounds is not known before the war,
        # so a round is what is estimated, shown and refused when it alone cannot fit
        n_players = max(1, len(set(_codes(players))))
        cost = optimal_cost(model, instrument, base_t=t)
        round_seconds = COMPILE_SECONDS + n_players * max(cost.seconds - COMPILE_SECONDS, 0.0)
        check_cost(cost, f"Nash {instrument} war of {n_players} players, one best-response round",
                   seconds=round_seconds)
        about = _(" (about {duration} a round)").format(duration=_duration(round_seconds)) if round_seconds > 60 else ""
        with _progress(err_console) as prog:
            task = prog.add_task(_("tariff war") + about, total=1.0)
            out = nash_document(s, world, model, t, _codes(players), instrument, lower, max_rounds, tol,
                                progress=lambda f, msg: prog.update(task, completed=f,
                                                                    description=str(msg)[:80] + about))
        r, cert, idx, doc = out.parts["nash"], out.parts["certificate"], out.parts["players"], out.doc
        from rich.table import Table

        title = (_("Nash {instrument} tariffs ({scenario}): converged in {rounds} rounds") if r.converged
                 else _("Nash {instrument} tariffs ({scenario}): NOT converged in {rounds} rounds"))
        tab = Table(title=title.format(instrument=instrument_words(instrument), scenario=s.name, rounds=r.rounds),
                    header_style="bold", title_justify="left")
        for col in (N_("player"), N_("tariffs %"), N_("welfare vs base %"), N_("welfare vs free trade %")):
            tab.add_column(_(col), justify="left" if col == "player" else "right")
        for c in idx:
            vals = np.asarray(list(doc["tariffs"][world.codes[c]].values()), dtype=float)
            shown = ", ".join(f"{100 * v:.1f}" for v in vals[:6]) + (" ..." if vals.size > 6 else "")
            tab.add_row(world.codes[c], shown, f"{100 * (r.welfare_vs_base[c] - 1):.3f}",
                        f"{100 * (r.welfare_vs_free_trade[c] - 1):.3f}")
        console.print(tab)
        others = _("everyone else keeps the scenario's tariffs") if len(idx) < world.n else _("every country plays")
        console.print("[dim]" + _(
            "welfare vs base: % change from the equilibrium at the scenario's tariffs, where the war starts; "
            "vs free trade: % change from a world with no tariffs at all. Only the players change their tariffs "
            "({others}), so a large player can end above free trade: its tariffs on every partner improve its "
            "terms of trade, and the countries that do not play do not answer them.").format(others=others) + "[/]")
        _show(out.result, s.output.countries, _("Outcomes at the Nash equilibrium"))
        console.print("[dim]" + _("certificate ok: max gradient {gradient}, best deviation gain {gain}").format(
            gradient=f"{max(cert['grad_norm'].values()):.1e}", gain=f"{max(cert['max_deviation_gain'].values()):.1e}")
            + "[/]")
        if json_out:
            _write(json_out, doc, console)

    def _check_threat(threat: str) -> None:
        """A ``--threat`` that is neither a choice, a preset nor a file: one line naming the option."""
        from .._exceptions import ScenarioError
        from ..scenario import preset_path

        if Path(threat).exists() or preset_path(threat) is not None:
            return
        import difflib

        close = difflib.get_close_matches(threat.lower(), ["current", "nash"], n=1, cutoff=0.6)
        raise ScenarioError(f"option '--threat': '{threat}' is not current, nash, a preset or a scenario file"
                            + (f"; did you mean {close[0]}?" if close else ""))

    # --- talks -------------------------------------------------------------------------------------
    @app.command()
    @handle_errors
    def talks(
        scenario: Annotated[str, typer.Argument(help="A preset name or a scenario TOML file (current tariffs).")],
        parties: Annotated[str, typer.Option(help="The two parties, e.g. USA,JPN.")] = "USA,JPN",
        threat: Annotated[str, typer.Option(help="current | nash | a scenario whose tariffs are the threat.")] = "current",
        instruments: Annotated[str, typer.Option("--instruments", "--instrument",
                                                 callback=_choice("--instruments", ("uniform", "sector")),
                                                 help="uniform | sector.")] = "uniform",
        weight: Annotated[float, typer.Option(callback=_open_unit("--weight"),
                                              help="Bargaining weight of the first party, in (0, 1).")] = 0.5,
        lower: Annotated[float, typer.Option(min=-0.99, max=1.0, help="Lowest tariff searched (fraction, -0.99 "
                                             "to 1; below 0 the deal may subsidise imports).")] = 0.0,
        frontier: Annotated[bool, typer.Option(help="Also trace the deal frontier and its two questions.")] = True,
        data: Annotated[str | None, typer.Option(help="Data source replacing the scenario's.")] = None,
        gdp: Annotated[str | None, typer.Option(help=GDP_HELP)] = None,
        tariffs: Annotated[str | None, typer.Option(help=TARIFFS_HELP)] = None,
        json_out: Annotated[Path | None, typer.Option("--json", help="Write the results as JSON.")] = None,
    ) -> None:
        """Nash bargaining between two parties over their tariffs on each other, and the deal frontier."""
        _check_out(json_out)  # before anything slow, imports included
        from .._exceptions import ScenarioError
        from ..strategy._documents import talks_document

        if threat not in ("current", "nash"):  # the threat scenario is read too: its files are no output
            _check_threat(threat)
            from .._io import check_not_inputs
            from ..scenario import load_scenario, scenario_inputs

            check_not_inputs([("--json", json_out)],
                             scenario_inputs(load_scenario(threat).with_data(data, gdp=gdp, tariffs=tariffs)))
        named = [c.upper() for c in _codes(parties)]
        if len(named) != 2 or named[0] == named[1]:
            raise ScenarioError(f"option '--parties': give two different countries, e.g. USA,JPN (got '{parties}')")
        s, world, model, t = _prepare(scenario, data, gdp, tariffs, outputs=[("--json", json_out)],
                                      countries=[("--parties", named)])
        thr: Any = threat
        if threat not in ("current", "nash"):
            _s2, w2, _m2, t_thr = _prepare(threat, data, gdp, tariffs)
            if w2.codes != world.codes:
                raise ScenarioError(f"option '--threat': scenario '{threat}' is on another world than '{s.name}'")
            thr = t_thr
        with _progress(err_console) as prog:
            task = prog.add_task(_("Nash bargaining"), total=1.0)
            out = talks_document(s, world, model, t, _codes(parties), thr, instruments, weight, lower, frontier,
                                 progress=lambda f, msg: prog.update(task, completed=f, description=msg))
        deal, fr, pair, (a, b) = (out.parts[k] for k in ("deal", "frontier", "pair", "parties"))
        from rich.table import Table

        A, B = world.codes[a], world.codes[b]
        if deal is None:
            from rich.markup import escape

            thr_w = out.doc["threat_welfare_pct"]
            e = out.parts["no_deal"]
            reason = _("no tariffs between {lo} and {hi} make both better off than the threat ({threat})").format(
                lo=f"{e.lo:.0%}", hi=f"{e.hi:.0%}", threat=_(e.note))
            console.print(_("{no_deal} {reason}; welfare at the threat {a} {wa}%, {b} {wb}%").format(
                no_deal="[bold]" + _("no deal:") + "[/]", reason=escape(reason), a=A, wa=f"{thr_w[A]:.3f}", b=B,
                wb=f"{thr_w[B]:.3f}"))
        else:
            heading = _("Nash bargaining {a}-{b}").format(a=A, b=B)
            console.print(_("{heading} ({scenario}; threat: {threat}; bargaining weight of {a} {weight})").format(
                heading=f"[bold]{heading}[/]", scenario=s.name, threat=_(deal.threat), a=A, weight=f"{weight:g}"))
            tab = Table(header_style="bold")
            tab.add_column(_("tariff"))
            tab.add_column(_("threat %"), justify="right")
            tab.add_column(_("deal %"), justify="right")
            for lab, v0, v in zip(deal.labels, pair.values(deal.threat_tariffs), deal.values, strict=True):
                tab.add_row(_label(lab), f"{100 * v0:.2f}", f"{100 * v:.2f}")
            console.print(tab)
            console.print(_("gains over the threat: {a} {ga} pp, {b} {gb} pp (welfare at the threat {wa}% and {wb}%)")
                          .format(a=A, ga=f"{deal.gains_pct[0]:+.4f}", b=B, gb=f"{deal.gains_pct[1]:+.4f}",
                                  wa=f"{100 * (deal.threat_welfare[a] - 1):.3f}",
                                  wb=f"{100 * (deal.threat_welfare[b] - 1):.3f}"))
        if fr is not None:
            pts = fr.points
            step = max(1, len(pts) // 15)
            # every point both prefer to the threat is shown; the others thinned to about 15
            shown = [p for k, p in enumerate(pts) if k % step == 0 or p["both_gain"] or k == len(pts) - 1]
            console.print(_(
                "{frontier}: the best {b} welfare for each {a} welfare (max a log W_{a} + (1 - a) log W_{b} over the "
                "weight a, not the bargaining weight); {shown} of {points} points shown, {both} of them better for "
                "both than the threat").format(frontier="[bold]" + _("Deal frontier") + "[/]", a=A, b=B,
                                               shown=len(shown), points=len(pts), both=len(fr.mutual_gain())))
            ft = Table(header_style="bold")
            for col in ("a", _("{a} on {b} %").format(a=A, b=B), _("{a} on {b} %").format(a=B, b=A),
                        _("{country} welfare %").format(country=A), _("{country} welfare %").format(country=B),
                        _("both gain")):
                ft.add_column(col, justify="right")
            for p in shown:
                v = p["values"]
                n_each = v.size // 2
                ft.add_row(f"{p['weight']:.3f}", f"{100 * v[:n_each].mean():.2f}", f"{100 * v[n_each:].mean():.2f}",
                           f"{p['welfare_pct'][0]:.3f}", f"{p['welfare_pct'][1]:.3f}", _("yes") if p["both_gain"] else "")
            console.print(ft)
            h, c = fr.highest_tariff_b_accepts, fr.smallest_concession_for_a
            hx = _("none") if h["tariff"] is None else (
                _("{tariff}% or more") if h["capped"] else "{tariff}%").format(tariff=f"{100 * h['tariff']:.2f}")
            at_threat, at_base = pair.values(t), pair.values(world.tariffs)
            if h["tariff"] is not None and not h["capped"] and threat == "current" \
                    and abs(h["tariff"] - at_threat[0]) < 5e-5 and abs(at_threat[1] - at_base[1]) < 5e-5:
                hx += _(", the threat's own rate ({b} does not retaliate at the threat, so any lower tariff is better "
                        "for it)").format(b=B)
            cx = _("none suffices") if c["cut"] is None else _("{cut} points").format(cut=f"{100 * c['cut']:.2f}")
            console.print(_("highest tariff {b} would accept on its goods rather than the threat ({b} not retaliating): "
                            "{tariff}").format(b=B, tariff=hx))
            console.print(_("smallest cut of {b}'s tariffs on {a} that leaves {a} as well off as at the threat ({a} back "
                            "at the baseline): {cut}").format(a=A, b=B, cut=cx))
        _show(out.result, s.output.countries,
              _("Outcomes at the deal") if deal is not None else _("Outcomes at the threat"))
        if json_out:
            _write(json_out, out.doc, console)

    # --- bloc --------------------------------------------------------------------------------------
    @app.command()
    @handle_errors
    def bloc(
        bloc_name: Annotated[str, typer.Argument(metavar="BLOC", help="A bloc preset (e.g. us-bloc-china) or a bloc TOML file.")],
        data: Annotated[str | None, typer.Option(help="Data source replacing the base scenario's.")] = None,
        gdp: Annotated[str | None, typer.Option(help=GDP_HELP)] = None,
        tariffs: Annotated[str | None, typer.Option(help=TARIFFS_HELP)] = None,
        json_out: Annotated[Path | None, typer.Option("--json", help="Write the results as JSON.")] = None,
        draws: Annotated[int, typer.Option(min=0, help="Also the probability, over N draws of the base scenario's "
                                           "parameter distributions, that joining beats staying out (0: none).")] = 0,
        seed: Annotated[int | None, typer.Option(min=0, help="Seed of the draws (default: the scenario's).")] = None,
    ) -> None:
        """Play a bloc game: every coalition of the candidates, its stability, who gains and who loses."""
        _check_out(json_out)  # before anything slow, imports included
        import numpy as np

        from .._io import check_not_inputs
        from ..strategy._blocs import load_bloc
        from ..strategy._documents import bloc_document

        b = load_bloc(bloc_name)
        # the files read are the bloc's own (a preset's too, named by its name) and its base scenario's
        inputs = [("the bloc file", b.path)]
        if b.scenario is not None:
            from ..scenario import load_scenario, scenario_inputs

            inputs += scenario_inputs(load_scenario(b.scenario).with_data(data, gdp=gdp, tariffs=tariffs))
        check_not_inputs([("--json", json_out)], inputs)
        K = len(b.candidates)
        with _progress(err_console) as prog:
            task = prog.add_task(_("{n} coalitions").format(n=2 ** K), total=1.0)
            out = bloc_document(b, data=data, gdp=gdp, tariffs=tariffs,
                                progress=lambda f, msg: prog.update(task, completed=f))
        game, outcome, s, world, t = (out.parts[k] for k in ("game", "outcome", "scenario", "world", "base_t"))
        from rich.table import Table

        stable = list(game.stable)
        tab = Table(title=_("{bloc}: {stable} stable coalition(s) of {n}").format(
            bloc=current().text(b.title) or b.name, stable=len(stable), n=2 ** K), header_style="bold",
            title_justify="left")
        tab.add_column(_("candidate"))
        for m in stable[:4]:
            tab.add_column(_("in") if len(stable) == 1 else f"#{m}", justify="center")
        tab.add_column(_("welfare % in"), justify="right")
        tab.add_column(_("welfare % out"), justify="right")
        tab.add_column(_("no bloc %"), justify="right")
        for k, code in enumerate(b.candidates):
            others = [c for c in game.names(outcome) if c != code]
            w_in, w_out = game.in_vs_out(code, others)
            tab.add_row(code, *[_("yes") if game.members[m, k] else "" for m in stable[:4]], f"{w_in:.3f}", f"{w_out:.3f}",
                        f"{game.candidate_pct(0, code):.3f}")
        console.print(tab)
        console.print("[dim]" + (_("welfare in/out: the candidate joining vs staying out, the others as in the first "
                                   "stable coalition") if stable else
                                 _("welfare in/out: the candidate joining vs staying out, the others as in the grand "
                                   "coalition (no coalition is stable)")) + "[/]")
        gl = game.gainers_losers(outcome)
        d = 100 * (game.welfare[outcome] - game.welfare[0])
        order = np.argsort(d)
        def few(codes: list[str]) -> str:
            # the largest changes first; a long list is cut and says how many it leaves out
            codes = sorted(codes, key=lambda c: -abs(d[world.index(c)]))
            return (", ".join(codes[:12]) + (_(" and {n} more").format(n=len(codes) - 12) if len(codes) > 12 else "")
                    ) or _("none")

        if outcome == 0:
            console.print(_("the stable coalition is no bloc: every tariff stays as in the base scenario")
                          if len(stable) == 1 else
                          _("the first of {n} stable coalitions is no bloc: every tariff stays as in the base scenario")
                          .format(n=len(stable)))
        else:
            console.print(_("vs no bloc ({gain} gain, {lose} lose; largest first), gain: {gainers}; lose: {losers} "
                            "(largest loss {loser} {loss} pp, largest gain {gainer} {most} pp)").format(
                gain=len(gl["gain"]), lose=len(gl["lose"]), gainers=few(gl["gain"]), losers=few(gl["lose"]),
                loser=world.codes[order[0]], loss=f"{d[order[0]]:+.3f}", gainer=world.codes[order[-1]],
                most=f"{d[order[-1]]:+.3f}"))
        res = out.result
        _show(res, s.output.countries, _("Outcomes with the stable coalition") if stable
              else _("Outcomes with the grand coalition"))
        console.print("[dim]" + _("{n} coalitions solved in {seconds} s").format(n=2 ** K, seconds=f"{game.seconds:.2f}")
                      + "[/]")
        bands = None
        if draws:
            from ..batch.uncertainty import bloc_bands

            with _progress(err_console) as prog:
                task = prog.add_task(_("bloc game over {draws} draws").format(draws=draws), total=draws)
                bands = bloc_bands(b, world, s, t, draws=draws, seed=seed,
                                   progress=lambda d, n: prog.update(task, completed=d))
            bt = Table(title=_("Joining vs staying out over {draws} draws (seed {seed})").format(
                draws=bands["draws"], seed=bands["seed"]), header_style="bold", title_justify="left")
            for col in (N_("candidate"), N_("P(join beats out)"), N_("gain p05 pp"), N_("gain p50 pp"), N_("gain p95 pp")):
                bt.add_column(_(col), justify="left" if col == "candidate" else "right")
            for code, v in bands["candidates"].items():
                g_ = v["join_minus_out_pp"]
                bt.add_row(code, "—" if v["prob_join_beats_out"] is None else f"{v['prob_join_beats_out']:.2f}",
                           *[("—" if g_[q] is None else f"{g_[q]:+.3f}") for q in ("p05", "p50", "p95")])
            console.print(bt)
            if bands["failed"]:
                console.print("[yellow]" + _("{n} draws whose bloc game did not solve").format(n=len(bands["failed"]))
                              + "[/]")
        if json_out:
            doc = dict(out.doc)
            if bands is not None:
                doc["uncertainty"] = bands
            _write(json_out, doc, console)
