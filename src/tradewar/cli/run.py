"""The ``run`` command: solve a scenario and print, write or export its outcomes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .._i18n import _, current
from ._app import (
    DEFICITS_HELP,
    GDP_HELP,
    SECTOR_LABELS,
    TARIFFS_HELP,
    _codes,
    _explain_na,
    _on_data,
    _with_deficits,
    app,
    console,
    frame_table,
    handle_errors,
    result_frame,
)


# --- run -------------------------------------------------------------------------------------------
@app.command()
@handle_errors
def run(
    scenario: Annotated[str, typer.Argument(help="A preset name (see `tradewar scenarios`) or a TOML file.")],
    countries: Annotated[str | None, typer.Option(help="Comma-separated codes to show, e.g. JPN,USA,CHN.")] = None,
    data: Annotated[str | None, typer.Option(help="Data source replacing the scenario's (folder or file).")] = None,
    gdp: Annotated[str | None, typer.Option(help=GDP_HELP)] = None,
    tariffs: Annotated[str | None, typer.Option(help=TARIFFS_HELP)] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the results as JSON.")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write the per-country table as CSV.")] = None,
    by_sector: Annotated[bool, typer.Option("--by-sector", help="Also print per-sector tables.")] = False,
    all_countries: Annotated[bool, typer.Option("--all", help="Show every country.")] = False,
    deficits: Annotated[str | None, typer.Option(help=DEFICITS_HELP, metavar="fixed|zero|gdp_share")] = None,
    tariffs_out: Annotated[Path | None, typer.Option(
        "--tariffs-out", help="Write the tariffs the scenario applied (exporter,importer[,sector],baseline_tariff,"
        "tariff) as CSV.")] = None,
    flows_out: Annotated[Path | None, typer.Option(
        "--flows-out", help="Write bilateral flows before and after (by sector where the model has sectors) as "
        "CSV.")] = None,
) -> None:
    """Solve a scenario and print the outcomes of its countries (--all: every country), sorted by welfare."""
    from .._io import check_not_inputs, check_output_paths
    from .._run import run_scenario
    from ..scenario import (
        check_option_codes,
        load_scenario,
        output_countries,
        scenario_inputs,
        scenario_world,
    )

    sectors_csv = csv_out.with_name(csv_out.stem + "_sectors" + csv_out.suffix) if csv_out and csv_out.name else None
    outs = [("--json", json_out), ("--csv", csv_out), ("--csv", sectors_csv), ("--tariffs-out", tariffs_out),
            ("--flows-out", flows_out)]
    check_output_paths(outs)
    s = _on_data(_with_deficits(load_scenario(scenario), deficits), data, gdp, tariffs)
    check_not_inputs(outs, scenario_inputs(s))
    world = scenario_world(s)
    codes = check_option_codes(world, _codes(countries), "--countries") or (
        None if all_countries else output_countries(s, world)
    )
    with console.status(_("solving {scenario} ...").format(scenario=s.name), spinner="dots"):
        res = run_scenario(s, world=world)
    df = result_frame(res, codes)
    title = _("{title} — model {family}, {n} countries").format(title=current().text(s.title) or s.name,
                                                                 family=s.model.family,
                                                                 n=res.world.n)
    console.print(frame_table(df, title, "country"))
    hidden = res.world.n - len(df.index)
    if hidden > 0:
        console.print("[dim]" + _("{hidden} of {n} countries not shown; --all shows every country, --countries A,B,C "
                                  "chooses them").format(hidden=hidden, n=res.world.n) + "[/]")
    _explain_na(df)
    if res.money_note():
        console.print(f"[dim]{res.money_note()}[/]")
    from rich.markup import escape

    from ..results import model_notes

    for line in model_notes(res.meta):
        console.print(f"[dim]{escape(_(line))}[/]", highlight=False)
    if "tot_pct" in res.equilibrium.outcomes and "tot_exact_pct" not in res.equilibrium.outcomes:
        console.print("[dim]" + escape(_(
            "ToT % and VoT %: Caliendo & Parro's split with baseline weights, a first-order approximation whose sum "
            "is not the welfare change (and whose VoT is zero where baseline tariffs are); [model] "
            "decomposition_nodes = 6 splits the welfare change exactly (tot_exact_pct, vot_exact_pct in --json)"))
            + "[/]", highlight=False)
    if by_sector:
        sec = res.sectors()
        if sec is None:
            console.print("[dim]" + _("the model has no sector dimension") + "[/]")
        else:
            keep = codes or list(res.world.codes)
            for c in keep:
                console.print(frame_table(sec.loc[c].rename(columns=SECTOR_LABELS),
                                          _("{country} by sector").format(country=c), "sector"))
    console.print("[dim]" + _("converged in {steps} iterations, max residual {residual}, {seconds} s; checks {checks}").format(
        steps=res.equilibrium.steps, residual=f"{res.max_residual:.1e}", seconds=f"{res.solve_seconds:.3f}",
        checks=", ".join(f"{k}={v:.0e}" for k, v in res.equilibrium.checks.items())) + "[/]")
    if json_out or csv_out or tariffs_out or flows_out:
        for path in res.write(json_out, csv_out, codes, tariffs_path=tariffs_out, flows_path=flows_out):
            console.print(_("wrote {path}").format(path=path))
