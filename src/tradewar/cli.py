"""The ``tradewar`` command: a thin Typer layer over the library.

Commands parse arguments, call public functions, print Rich tables, and map errors to exit
codes: bad input (``DataError``, ``ScenarioError``, ``CalibrationError``) -> 2 with one line and no
traceback; an unconverged solve (``ConvergenceError``) -> 3 with its diagnostics. Heavy modules
(JAX, the models) are imported inside the commands so that ``tradewar --help`` starts fast.
"""

from __future__ import annotations

import functools
import importlib
import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ._i18n import N_, _, current, language, resolve

#: ``-h`` is an alias of ``--help`` on every command.
CONTEXT = {"help_option_names": ["-h", "--help"]}


def _plain(text: str | None) -> str | None:
    """Help text shown as written: Rich would take ``[uncertainty]`` or ``[exporter, importer]`` for markup."""
    from rich.markup import escape

    return escape(text) if text else text


def _untyped_flags(params, ctx):
    """Give on/off flags an empty type label (Typer's help would show them as taking a ``<bool>`` value)
    and escape help texts (once) so that Rich prints brackets as written."""
    for p in params:
        if getattr(p, "is_flag", False) and p.metavar is None:
            p.metavar = ""
        if getattr(p, "help", None) and not getattr(p, "_tw_plain", False):
            p.help = _plain(p.help)
            p._tw_plain = True
    help_opt = ctx.command.get_help_option(ctx) if ctx is not None else None
    if help_opt is not None and help_opt.metavar is None:
        help_opt.metavar = ""
    return params


#: Options whose value is a file to write (``report --out`` too; ``sweep --out`` is a folder).
FILE_OPTIONS = ("--json", "--csv", "--html", "--tariffs-out", "--flows-out")


def _file_option_naming_a_folder(args: list[str]) -> str | None:
    """The message for an output-file option written with a trailing '/' (a folder), else None.

    Checked on the raw arguments: the parsed ``Path`` has lost the slash, and ``--json out/`` would
    write a file named ``out``.
    """
    names = FILE_OPTIONS + (("--out", "-o") if args[:1] == ["report"] else ())
    for k, a in enumerate(args):
        opt, eq, val = a.partition("=")
        if opt in names:
            value = val if eq else (args[k + 1] if k + 1 < len(args) else "")
            if value.endswith("/"):
                return f"option '{opt}': {value}: ends with '/', so it names a folder; give a file name"
    return None


class _Group(typer.core.TyperGroup):
    """The command group: usage errors in one line (exit 2), help pages list flags without a value type."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:  # recent Typer bundles its own copy of Click
            from typer._click.exceptions import ClickException, UsageError
        except ImportError:  # pragma: no cover - older Typer on Click
            from click.exceptions import ClickException, UsageError

        raw = list(sys.argv[1:] if args is None else args)
        folder_out = _file_option_naming_a_folder(raw)
        if folder_out is not None:
            err_console.print(f"[bold red]error:[/] {_plain(folder_out)}", highlight=False, soft_wrap=True)
            sys.exit(2)
        try:  # the language of the tables and headings: $TRADEWAR_LANG (report also has --lang)
            lang = resolve(None)
        except ValueError as e:
            err_console.print(f"[bold red]error:[/] {_plain(str(e))}", highlight=False, soft_wrap=True)
            sys.exit(2)
        try:
            with language(lang):
                rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except ClickException as e:
            if type(e).__name__ != "NoArgsIsHelpError":  # the help page was printed already
                ctx = getattr(e, "ctx", None)
                hint = f" (see '{ctx.command_path} -h')" if isinstance(e, UsageError) and ctx is not None else ""
                first = (e.format_message().strip().splitlines() or [type(e).__name__])[0]
                err_console.print(f"[bold red]error:[/] {_plain(first)}{_plain(hint)}", highlight=False,
                                  soft_wrap=True)
            sys.exit(e.exit_code)
        sys.exit(rv if isinstance(rv, int) else 0)

    def get_params(self, ctx):
        return _untyped_flags(super().get_params(ctx), ctx)

    def get_command(self, ctx, cmd_name):
        cmd = super().get_command(ctx, cmd_name)
        if cmd is not None and not isinstance(cmd, _Group):
            _untyped_flags(cmd.params, None)
            sub = typer.Context(cmd, parent=ctx, info_name=cmd_name)
            help_opt = cmd.get_help_option(sub)
            if help_opt is not None and help_opt.metavar is None:
                help_opt.metavar = ""
        return cmd


app = typer.Typer(
    name="tradewar",
    help="Tariff wars, trade talks and trade blocs in general equilibrium.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings=CONTEXT,
    cls=_Group,
)


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"tradewar {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Tariff wars, trade talks and trade blocs in general equilibrium."""


data_app = typer.Typer(help="Inspect trade data.", no_args_is_help=True, context_settings=CONTEXT, cls=_Group)
app.add_typer(data_app, name="data")

# Piped output (files, CI logs) gets wide tables instead of Rich's 80-column default.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

REPLICATIONS = {
    "ilms2025": "Ignatenko, Macedoni, Lashkaripour & Simonovska (2025): Liberation Day tariffs, 194 countries",
    "cp2015": "Caliendo & Parro (2015): NAFTA, 31 regions x 40 sectors with input-output links",
    "ossa2014": "Ossa (2014): optimal tariffs, Nash war and trade talks, 7 regions x 33 industries",
    "lashkaripour2021": "Lashkaripour (2021): global Nash tariff war on the tariffwar cubes (WIOD 2014, ICIO 2022)",
}


def _fail(message: str, code: int) -> None:
    from rich.markup import escape

    # messages quote keys such as [data] and shapes such as [exporter, importer]: not markup
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Print a tradewar warning as one ``warning:`` line on stderr (other warnings as Python does)."""
    import warnings

    from ._exceptions import TradewarWarning

    if issubclass(category, TradewarWarning):
        from rich.markup import escape

        err_console.print(f"[bold yellow]warning:[/] {escape(str(message))}", highlight=False, soft_wrap=True)
    else:
        err_console.print(warnings.formatwarning(message, category, filename, lineno, line).rstrip(), highlight=False)


def handle_errors(fn):
    """Turn library errors into one line on stderr and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import warnings

        from ._exceptions import ConvergenceError, TradewarError, TradewarWarning

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", TradewarWarning)
                warnings.showwarning = _show_warning
                return fn(*args, **kwargs)
        except ConvergenceError as e:
            _fail(f"{e} [diagnostics: {json.dumps(e.diagnostics, default=str)}]", 3)
        except TradewarError as e:
            _fail(str(e).splitlines()[0] if str(e) else type(e).__name__, 2)
        except FileNotFoundError as e:
            _fail(f"{e.filename}: no such file or folder", 2)
        except PermissionError as e:
            _fail(f"{e.filename}: permission denied", 2)
        except UnicodeDecodeError as e:
            _fail(f"an input file is not UTF-8 text ({e.reason} at byte {e.start}); save it as UTF-8", 2)
        except OSError as e:
            _fail(f"{e.filename or 'input/output'}: {e.strerror or type(e).__name__}", 2)

    return wrapper


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        if not math.isfinite(v):
            return "n/a"
        return f"{v:,.2f}" if abs(v) < 1e5 else f"{v:,.0f}"
    return str(v)


def _explain_na(df) -> None:
    """Say what an ``n/a`` cell of a printed table means (a value that is not a finite number)."""
    import numpy as np

    num = df.select_dtypes("number")
    if num.size and not np.isfinite(num.to_numpy(dtype=float)).all():
        console.print("[dim]n/a: not defined for this country (a change relative to a zero baseline value, "
                      "e.g. a country without trade)[/]")


def _column_format(values) -> str:
    """One number format per column: no decimals when the column holds large values, else two."""
    import numpy as np

    a = np.asarray(values, dtype=float)
    a = a[np.isfinite(a)]
    return ",.0f" if a.size and np.abs(a).max() >= 1e5 else ",.2f"


def frame_table(df, title: str = "", index_name: str | None = None) -> Table:
    """A Rich table from a DataFrame (index first); each numeric column has one format, NaN shows as n/a."""
    table = Table(title=title, header_style="bold", title_justify="left")
    head = index_name or (df.index.name or "")
    table.add_column(_(head) if head else "", style="bold")  # headings in the CLI's language
    fmts = {}
    for c in df.columns:
        table.add_column(_(str(c)) if str(c) else "", justify="left" if c == "name" else "right")
        if df[c].dtype.kind == "f":
            fmts[c] = _column_format(df[c])
    tr = current()
    for idx, row in df.iterrows():
        cells = []
        for c, v in zip(df.columns, row.tolist(), strict=True):
            if c in fmts and isinstance(v, float):
                cells.append(format(v, fmts[c]) if math.isfinite(v) else _("n/a"))
            elif c == "name" and isinstance(v, str) and tr.lang != "en":  # the index holds the ISO3 codes
                cells.append(tr.country(str(idx), v))
            else:
                cells.append(_fmt(v))
        table.add_row(str(idx), *cells)
    return table


#: Short column labels for the per-country table (English; :func:`frame_table` shows them translated).
LABELS = {
    "welfare_pct": N_("welfare %"),
    "real_gdp_pct": N_("real GDP %"),
    "welfare_usd_bn": N_("welfare USD bn"),
    "real_wage_pct": N_("real wage %"),
    "employment_pct": N_("employment %"),
    "price_index_pct": N_("prices %"),
    "exports_gdp_change_pct": N_("exports/GDP %"),
    "imports_gdp_change_pct": N_("imports/GDP %"),
    "balance_gdp_change_pp": N_("balance/GDP Δpp"),
    "tariff_revenue_share": N_("tariff rev. % of E"),
    "tariff_revenue_usd_bn": N_("tariff rev. USD bn"),
    "tot_pct": N_("ToT %"),
    "vot_pct": N_("VoT %"),
}
#: Headings of the tables besides the outcome labels, for the catalogue.
_HEADINGS = (N_("country"), N_("sector"), N_("partner"), N_("name"), N_("gdp"), N_("exports"), N_("imports"),
             N_("balance"), N_("trade % of GDP"), N_("balance % of GDP"), N_("% of its exports"),
             N_("% of its imports"), N_("% of its trade"), N_("date"), N_("model"), N_("data"), N_("title"),
             N_("base scenario"), N_("candidates"))


def result_frame(res, codes=None, *, full: bool = False):
    """The per-country table of a Result, sorted by welfare, with short labels."""
    df = res.countries(codes).sort_values("welfare_pct", ascending=False)
    cols = [c for c in df.columns if c in LABELS] if not full else [c for c in df.columns if c != "name"]
    df = df[cols].copy()
    if "tariff_revenue_share" in df.columns:  # shown as a percentage of expenditure
        df["tariff_revenue_share"] = 100.0 * df["tariff_revenue_share"]
    return df.rename(columns=LABELS)


def _require_data(s, data: str | None) -> None:
    """A one-line error for a preset that runs only on a dataset given with ``--data``."""
    from ._exceptions import ScenarioError
    from .scenario import needs_data

    if data is None and needs_data(s):
        raise ScenarioError(f"preset '{s.name}' needs a sectoral dataset: add --data DIR (e.g. an ADB-MRIO "
                            "folder, a WIOD or Caliendo-Parro folder)")


def _codes(countries: str | None) -> list[str] | None:
    """The codes of a comma-separated option, as written (checked against the world by the caller)."""
    if countries is None:
        return None
    return [c.strip() for c in countries.split(",")]


GDP_HELP = "GDP table (country,gdp) of a long trade table given with --data."
DEFICITS_HELP = ("Deficit closure replacing the scenario's: fixed (held at the baseline), zero (removed first; "
                 "changes relative to balanced trade) or gdp_share (a constant share of each country's income).")


def _with_deficits(s, deficits: str | None):
    """The scenario with ``[model] deficits`` replaced (validated by the family's schema)."""
    if deficits is None:
        return s
    from .models._params import validate_params

    params = validate_params(s.model.family, {**s.model.params(), "deficits": deficits})
    model = type(s.model)(**{k: list(v) if isinstance(v, tuple) else v for k, v in params.items()})
    out = s.model_copy(update={"model": model})
    out._file = s._file
    return out
TARIFFS_HELP = "Baseline tariffs (exporter,importer,tariff) of a long trade table given with --data."


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
    from ._io import check_not_inputs, check_output_paths
    from ._run import run_scenario
    from .scenario import (
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
    s = _with_deficits(load_scenario(scenario), deficits)
    _require_data(s, data)
    s = s.with_data(data, gdp=gdp, tariffs=tariffs)
    check_not_inputs(outs, scenario_inputs(s))
    world = scenario_world(s)
    codes = check_option_codes(world, _codes(countries), "--countries") or (
        None if all_countries else output_countries(s, world)
    )
    with console.status(f"solving {s.name} ...", spinner="dots"):
        res = run_scenario(s, world=world)
    df = result_frame(res, codes)
    title = _("{title} — model {family}, {n} countries").format(title=s.title or s.name, family=s.model.family,
                                                                 n=res.world.n)
    console.print(frame_table(df, title, "country"))
    hidden = res.world.n - len(df)
    if hidden > 0:
        console.print(f"[dim]{hidden} of {res.world.n} countries not shown; --all shows every country, "
                      "--countries A,B,C chooses them[/]")
    _explain_na(df)
    if res.money_note():
        console.print(f"[dim]{res.money_note()}[/]")
    from rich.markup import escape

    from .results import model_notes

    for line in model_notes(res.meta):
        console.print(f"[dim]{escape(line)}[/]", highlight=False)
    if by_sector:
        sec = res.sectors()
        if sec is None:
            console.print("[dim]the model has no sector dimension[/]")
        else:
            keep = codes or list(res.world.codes)
            for c in keep:
                console.print(frame_table(sec.loc[c], f"{c} by sector", "sector"))
    console.print(
        f"[dim]converged in {res.equilibrium.steps} steps, max residual {res.max_residual:.1e}, "
        f"{res.solve_seconds:.3f} s; checks {', '.join(f'{k}={v:.0e}' for k, v in res.equilibrium.checks.items())}[/]"
    )
    if json_out or csv_out or tariffs_out or flows_out:
        for path in res.write(json_out, csv_out, codes, tariffs_path=tariffs_out, flows_path=flows_out):
            console.print(f"wrote {path}")


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

    from .scenario import list_bloc_presets, list_presets, needs_data, preset_aliases

    presets = list_presets()
    names = {s.name for s in presets}
    table = Table(title="Scenario presets (tradewar run NAME)", header_style="bold", title_justify="left")
    for c in ("name", "date", "model", "data", "title"):
        table.add_column(_(c))
    for s in presets:
        aka = preset_aliases(s.name)
        name = s.name + (f"\n[dim](also {', '.join(aka)})[/]" if aka else "")
        if needs_data(s):
            twin = f"{s.name}-sectoral"
            data = "[yellow]needs --data[/]" + (f"\n[dim](embedded twin: {twin})[/]" if twin in names else "")
        else:
            data = s.data.source
        table.add_row(name, s.date or "", s.model.family, data, escape(s.title))
    console.print(table)
    console.print("[dim]needs --data: a sectoral dataset (e.g. an ADB-MRIO folder) given with --data DIR; its "
                  "embedded twin runs the same measures on world2022s. `tradewar scenarios show NAME` prints a "
                  "preset's TOML.[/]")
    blocs = Table(title="Bloc presets (tradewar bloc NAME)", header_style="bold", title_justify="left")
    for c in ("name", "base scenario", "candidates", "title"):
        blocs.add_column(_(c))
    for b in list_bloc_presets():
        blocs.add_row(b["name"], str(b.get("scenario", "")), ", ".join(b.get("candidates", [])), str(b.get("title", "")))
    console.print(blocs)


@scenarios_app.command("show")
@handle_errors
def scenarios_show(
    name: Annotated[str, typer.Argument(help="A scenario preset (or alias), or a bloc preset.")],
) -> None:
    """Print the TOML of a preset: its measures, model, data and notes, ready to copy and edit."""
    from ._exceptions import ScenarioError
    from .scenario import _PRESET_DIR, preset_path

    p = preset_path(name) or ((_PRESET_DIR / "blocs" / f"{name}.toml") if len(name) < 200 else None)
    if p is None or not p.is_file():
        known = sorted(q.stem for q in _PRESET_DIR.glob("*.toml")) + sorted(q.stem for q in (_PRESET_DIR / "blocs").glob("*.toml"))
        import difflib

        close = difflib.get_close_matches(name, known, n=3)
        raise ScenarioError(f"unknown preset '{name[:80]}'" + (f" (did you mean {', '.join(close)}?)" if close else
                                                               "; `tradewar scenarios` lists them"))
    typer.echo(p.read_text(encoding="utf-8"), nl=False)


# --- data ------------------------------------------------------------------------------------------
@data_app.command("info")
@handle_errors
def data_info(
    source: Annotated[str, typer.Argument(help="world2023 (embedded), a data folder or a long-table file.")] = "world2023",
    country: Annotated[str | None, typer.Option(help="Show the largest partners of this country.")] = None,
    top: Annotated[int, typer.Option(min=1, help="How many countries/partners to list.")] = 10,
    gdp: Annotated[str | None, typer.Option(help="GDP table (country,gdp) of a long trade table.")] = None,
    tariffs: Annotated[str | None, typer.Option(help="Baseline tariffs (exporter,importer,tariff) of a long trade table.")] = None,
) -> None:
    """Summarise a world: countries, totals, largest economies and partners."""
    from .data import load_world

    w = load_world(source, **{k: v for k, v in (("gdp_path", gdp), ("tariffs_path", tariffs)) if v is not None})
    if country:
        w.index(country)
    x = w.bilateral()
    console.print(f"[bold]{w.source or source}[/]")
    console.print(
        f"{w.n} countries" + (f", {w.n_sectors} sectors" if w.has_sectors else "")
        + f"; world GDP {w.gdp.sum():,.0f}, international trade {w.exports().sum():,.0f}, "
        f"domestic sales {'present' if w.has_domestic() else 'absent (built at calibration)'}; units {w.units}"
    )
    summ = w.summary().sort_values("gdp", ascending=False).head(top)
    summ["trade % of GDP"] = 100.0 * (summ["exports"] + summ["imports"]) / summ["gdp"].where(summ["gdp"] > 0)
    summ["balance % of GDP"] = 100.0 * summ["balance"] / summ["gdp"].where(summ["gdp"] > 0)
    console.print(frame_table(summ, f"Largest {min(top, w.n)} economies ({w.units})", "country"))
    _print_balances(w, country)
    if country:
        p = w.partners(country, top)
        shares = {"export_share": "% of its exports", "import_share": "% of its imports", "trade_share": "% of its trade"}
        for k in shares:
            p[k] = 100.0 * p[k]
        p = p.rename(columns=shares)
        console.print(frame_table(p, f"Largest partners of {country.upper()} ({w.units}; shares in %)", "partner"))
    _explain_na(summ)
    del x


def _print_balances(w, country: str | None) -> None:
    """The trade balances beyond the calibration threshold, and that of ``country`` (in % of GDP)."""
    import numpy as np

    from .data._checks import MAX_BALANCE_TO_GDP, balances

    with np.errstate(divide="ignore", invalid="ignore"):
        share = 100.0 * balances(w)
    limit = 100.0 * MAX_BALANCE_TO_GDP
    over = [k for k in np.argsort(-np.abs(np.nan_to_num(share)), kind="stable") if abs(share[k]) > limit]
    listed = ", ".join(f"{w.codes[k]} {share[k]:+.1f}%" for k in over)
    console.print(f"trade balance beyond {limit:g}% of GDP (a warning at calibration): {listed}" if over
                  else f"no trade balance beyond {limit:g}% of GDP")
    if country:
        k = w.index(country)
        exp, imp = float(w.exports()[k]), float(w.imports()[k])
        console.print(f"{w.codes[k]}: exports {exp:,.0f}, imports {imp:,.0f}, trade balance {exp - imp:,.0f} "
                      f"{w.units} ({share[k]:+.1f}% of GDP)")


# --- replicate -------------------------------------------------------------------------------------
def _require_converged(study: str, doc: Any, where: str = "") -> None:
    """Raise ConvergenceError (exit 3) when any part of a replication document says it did not converge."""
    from ._exceptions import ConvergenceError

    if isinstance(doc, dict):
        if doc.get("converged") is False:
            raise ConvergenceError(f"replicate {study}: {where or 'the solve'} did not converge; no result written",
                                   {k: v for k, v in doc.items() if isinstance(v, (int, float, str, bool))})
        for k, v in doc.items():
            _require_converged(study, v, f"{where} {k}".strip())


@app.command()
@handle_errors
def replicate(
    study: Annotated[str, typer.Argument(help=f"One of: {', '.join(REPLICATIONS)}.")],
    data: Annotated[Path, typer.Option(help="Folder with the study's data.")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the results as JSON.")] = None,
) -> None:
    """Replicate a published study's counterfactuals on its data."""
    from ._exceptions import ScenarioError
    from ._io import atomic_write, check_not_inputs, check_output_paths, json_writer

    check_output_paths([("--json", json_out)])
    check_not_inputs([("--json", json_out)], [("the --data folder", data)])
    if study not in REPLICATIONS:
        raise ScenarioError(f"unknown study '{study}' (choose from {', '.join(REPLICATIONS)})")
    if not data.is_dir():
        raise ScenarioError(f"{data}: option '--data' must be a folder with the {study} data")
    mod = importlib.import_module(f"tradewar.replicate.{study}")
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err_console,
                  transient=True, disable=not err_console.is_terminal) as prog:
        task = prog.add_task(REPLICATIONS[study], total=None)
        doc = mod.run(data, progress=lambda msg: prog.update(task, description=msg))
    _require_converged(study, doc)
    for table in mod.render(doc):
        console.print(table)
    if json_out:
        atomic_write(json_out, json_writer(doc))
        console.print(f"wrote {json_out}")


# --- bench -----------------------------------------------------------------------------------------
@app.command()
@handle_errors
def bench(
    data: Annotated[Path | None, typer.Option(help="194-country folder (default: embedded 32 regions).")] = None,
    repeats: Annotated[int, typer.Option(min=1, max=100_000, help="Timed solves after warm-up.")] = 20,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the timing as JSON.")] = None,
) -> None:
    """Time one solve of the Liberation Day (`ustr`) case: median of repeated solves after warm-up."""
    from ._io import atomic_write, check_output_paths, json_writer
    from .bench import bench_ustr

    check_output_paths([("--json", json_out)])
    with console.status("timing ...", spinner="dots"):
        doc = bench_ustr(data, repeats=repeats)
    console.print(
        f"median {doc['median_seconds'] * 1e3:.2f} ms per solve over {doc['repeats']} repeats, {doc['countries']} countries"
    )
    if json_out:
        atomic_write(json_out, json_writer(doc))
        console.print(f"wrote {json_out}")


def _register_extensions() -> None:
    """Commands that live in their own modules (strategy, report) register themselves here."""
    for name in ("tradewar._cli_strategy", "tradewar._cli_report", "tradewar._cli_sweep", "tradewar._cli_web"):
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
            continue
        mod.register(app, console, err_console, handle_errors)


_register_extensions()


def main() -> None:
    """Entry point of the console script.

    Ctrl-C and SIGTERM stop the command at once with one line and exit status 130 (see
    :mod:`tradewar._interrupt`). An exception that is not a known input or solver error is a bug: it
    is shown as one line with a hint; ``TRADEWAR_DEBUG=1`` shows the full traceback instead.
    """
    import os

    from ._interrupt import install

    install()
    try:
        app(prog_name="tradewar")
    except Exception as e:
        if os.environ.get("TRADEWAR_DEBUG"):
            raise
        first = (str(e).strip().splitlines() or [""])[0]
        err_console.print(f"[bold red]internal error:[/] {type(e).__name__}: {first} (a bug in tradewar; rerun "
                          "with TRADEWAR_DEBUG=1 for the traceback and report it)", highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
