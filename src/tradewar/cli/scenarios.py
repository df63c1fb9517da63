"""The ``scenarios`` commands: list the presets, show one."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from .._i18n import _, current
from ._app import CONTEXT, _Group, app, console, handle_errors

# --- scenarios -------------------------------------------------------------------------------------
scenarios_app = typer.Typer(help="The scenario and bloc presets shipped with tradewar.", context_settings=CONTEXT,
                            cls=_Group, invoke_without_command=True)
app.add_typer(scenarios_app, name="scenarios")


@scenarios_app.callback(invoke_without_command=True)
@handle_errors
def scenarios(ctx: typer.Context) -> None:
    """List the scenario and bloc presets shipped with tradewar (`tradewar scenarios show NAME` prints one)."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.markup import escape

    from ..scenario import list_bloc_presets, list_presets, needs_data, preset_aliases

    presets = list_presets()
    names = {s.name for s in presets}
    table = Table(title=_("Scenario presets (tradewar run NAME)"), header_style="bold", title_justify="left")
    # names are what the user types: never cut, the title wraps instead
    table.add_column(_("name"), no_wrap=True, min_width=max(len(s.name) for s in presets))
    table.add_column(_("date"), no_wrap=True)
    table.add_column(_("model"), no_wrap=True)
    table.add_column(_("data"), max_width=26, overflow="fold")
    table.add_column(_("title"), ratio=1)
    for s in presets:
        aka = preset_aliases(s.name)
        name = s.name + ("\n[dim]" + escape(_("(also {names})").format(names=", ".join(aka))) + "[/]" if aka else "")
        if needs_data(s):
            twin = f"{s.name}-sectoral"
            data = "[yellow]needs --data[/]" + ("\n[dim]" + escape(_("(embedded twin: {twin})").format(twin=twin)) + "[/]"
                                                if twin in names else "")
        else:
            data = s.data.source
        table.add_row(name, current().date(s.date), s.model.family, data, escape(current().text(s.title)))
    console.print(table)
    console.print("[dim]" + escape(_("needs --data: a sectoral dataset (e.g. an ADB-MRIO folder) given with --data DIR; "
                                     "its embedded twin runs the same measures on world2022s. `tradewar scenarios show "
                                     "NAME` prints a preset's TOML.")) + "[/]")
    blocs = Table(title=_("Bloc presets (tradewar bloc NAME)"), header_style="bold", title_justify="left")
    bloc_presets = list_bloc_presets()
    blocs.add_column(_("name"), no_wrap=True, min_width=max((len(b["name"]) for b in bloc_presets), default=4))
    for c in ("base scenario", "candidates", "title"):
        blocs.add_column(_(c))
    for b in bloc_presets:
        blocs.add_row(b["name"], str(b.get("scenario", "")), ", ".join(b.get("candidates", [])), escape(current().text(str(b.get("title", "")))))
    console.print(blocs)


@scenarios_app.command("show")
@handle_errors
def scenarios_show(
    name: Annotated[str, typer.Argument(help="A scenario preset (or alias), or a bloc preset.")],
) -> None:
    """Print the TOML of a preset: its measures, model, data and notes, ready to copy and edit."""
    from .._exceptions import ScenarioError
    from ..scenario import _PRESET_DIR, preset_path

    p = preset_path(name) or ((_PRESET_DIR / "blocs" / f"{name}.toml") if len(name) < 200 else None)
    if p is None or not p.is_file():
        known = sorted(q.stem for q in _PRESET_DIR.glob("*.toml")) + sorted(q.stem for q in (_PRESET_DIR / "blocs").glob("*.toml"))
        import difflib

        close = difflib.get_close_matches(name, known, n=3)
        raise ScenarioError(f"unknown preset '{name[:80]}'" + (f" (did you mean {', '.join(close)}?)" if close else
                                                               "; `tradewar scenarios` lists them"))
    typer.echo(p.read_text(encoding="utf-8"), nl=False)
