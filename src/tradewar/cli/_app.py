"""The ``tradewar`` command line's shared parts: the Typer app, consoles, error handling, tables.

Commands parse arguments, call public functions, print Rich tables, and map errors to exit
codes: bad input (``DataError``, ``ScenarioError``, ``CalibrationError``) -> 2 with one line and no
traceback; an unconverged solve (``ConvergenceError``) -> 3 with its diagnostics. Heavy modules
(JAX, the models) are imported inside the commands so that ``tradewar --help`` starts fast.
"""

from __future__ import annotations

import functools
import json
import math
import sys
from dataclasses import dataclass, field
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from .._i18n import N_, _, current, language, resolve

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
        from .. import __version__

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


def _show_warning(message, category, filename, lineno, file=None, line=None, seen: set | None = None) -> None:
    """Print a tradewar warning as one ``warning:`` line on stderr (other warnings as Python does).

    With ``seen`` (the warnings a command has printed so far), a warning already printed is not printed again:
    a command may solve the same equilibrium, or check the same input, more than once.
    """
    import warnings

    from .._exceptions import TradewarWarning

    if seen is not None:
        key = (category, str(message))
        if key in seen:
            return
        seen.add(key)
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

        from .._exceptions import ConvergenceError, TradewarError, TradewarWarning

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", TradewarWarning)
                warnings.showwarning = functools.partial(_show_warning, seen=set())
                return fn(*args, **kwargs)
        except ConvergenceError as e:
            _fail(f"{e}{_brief(e.diagnostics)}", 3)
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


@dataclass(frozen=True)
class Columns:
    """A table as the CLI prints it, without pandas: row labels, a heading for them and named columns (lists or
    NumPy arrays, one value a row). :func:`frame_table` and :func:`_explain_na` take it or a DataFrame; its
    length is its number of rows, and :meth:`to_frame` gives the DataFrame.

    >>> t = Columns(index=["JPN", "USA"], columns={"welfare %": [-0.1, 0.2]}, index_name="country")
    >>> len(t), float(t.to_frame().loc["USA", "welfare %"])
    (2, 0.2)
    """

    index: list[str]
    columns: dict[str, Any] = field(default_factory=dict)
    index_name: str = ""

    def __len__(self) -> int:
        return len(self.index)

    def to_frame(self):
        """The table as a pandas DataFrame (rows labelled by :attr:`index`, named :attr:`index_name`)."""
        import pandas as pd

        df = pd.DataFrame({c: list(v) for c, v in self.columns.items()}, index=list(self.index))
        df.index.name = self.index_name or None
        return df


def _parts(df) -> tuple[list, str, dict[str, list], set[str]]:
    """Row labels, their heading, the columns as lists of Python values and the names of the float columns."""
    import numpy as np

    if isinstance(df, Columns):
        arrays = {c: np.asarray(v) for c, v in df.columns.items()}
        return list(df.index), df.index_name, {c: a.tolist() for c, a in arrays.items()}, {
            c for c, a in arrays.items() if a.dtype.kind == "f"}
    rows = [row.tolist() for _, row in df.iterrows()]  # as pandas gives a row (an all-number row as floats)
    values = [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in df.columns]
    return list(df.index), df.index.name or "", dict(zip(df.columns, values, strict=True)), {
        c for c in df.columns if df[c].dtype.kind == "f"}


def _explain_na(df) -> None:
    """Say what an ``n/a`` cell of a printed table means (a value that is not a finite number)."""
    _, _, cols, _ = _parts(df)
    numbers = [v for col in cols.values() for v in col if isinstance(v, int | float) and not isinstance(v, bool)]
    if not all(math.isfinite(v) for v in numbers):
        console.print("[dim]n/a: not defined for this country (a change relative to a zero baseline value, "
                      "e.g. a country without trade)[/]")


def _column_format(values) -> str:
    """One number format per column: no decimals when the column holds large values, two for most, and as
    many as show two digits of its largest value when that is below 0.1 (at most six): a column of small
    changes (real GDP in the sectoral model) is not a column of zeros.

    >>> _column_format([2e5, 1.0]), _column_format([1.5, -0.2]), _column_format([0.012, -0.003]), _column_format([1e-16])
    (',.0f', ',.2f', ',.4f', ',.2f')
    """
    import math

    import numpy as np

    a = np.asarray(values, dtype=float)
    a = np.abs(a[np.isfinite(a)])
    top = float(a.max()) if a.size else 0.0
    if top >= 1e5:
        return ",.0f"
    if 1e-6 <= top < 0.1:  # below, the column is zero up to rounding
        return f",.{min(6, 1 - math.floor(math.log10(top)) + 1)}f"
    return ",.2f"


def _no_negative_zero(text: str) -> str:
    """``-0.00`` (a small negative rounded away) printed as ``0.00``."""
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def frame_table(df, title: str = "", index_name: str | None = None) -> Table:
    """A Rich table from a DataFrame or :class:`Columns` (index first); each float column has one format, NaN shows
    as n/a."""
    index, name, cols, floats = _parts(df)
    table = Table(title=title, header_style="bold", title_justify="left")
    head = index_name or name
    table.add_column(_(head) if head else "", style="bold")  # headings in the CLI's language
    fmts = {}
    for c in cols:
        table.add_column(_(str(c)) if str(c) else "", justify="left" if c == "name" else "right")
        if c in floats:
            fmts[c] = _column_format(cols[c])
    tr = current()
    for r, idx in enumerate(index):
        cells = []
        for c, col in cols.items():
            v = col[r]
            if c in fmts and isinstance(v, float):
                cells.append(_no_negative_zero(format(v, fmts[c])) if math.isfinite(v) else _("n/a"))
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
    "tot_exact_pct": N_("ToT % exact"),
    "vot_exact_pct": N_("VoT % exact"),
}
#: Column labels of the per-sector table (``run --by-sector``).
SECTOR_LABELS = {
    "gross_output_pct": N_("gross output %"),
    "sector_employment_pct": N_("employment %"),
    "sector_price_pct": N_("prices %"),
    "tot_by_sector_pct": N_("ToT %"),
    "vot_by_sector_pct": N_("VoT %"),
}
#: Headings of the tables besides the outcome labels, for the catalogue.
_HEADINGS = (N_("country"), N_("sector"), N_("partner"), N_("name"), N_("gdp"), N_("exports"), N_("imports"),
             N_("balance"), N_("trade % of GDP"), N_("balance % of GDP"), N_("% of its exports"),
             N_("% of its imports"), N_("% of its trade"), N_("date"), N_("model"), N_("data"), N_("title"),
             N_("base scenario"), N_("candidates"))


def result_frame(res, codes=None, *, full: bool = False) -> Columns:
    """The per-country table of a Result, sorted by welfare (largest first, n/a last), with short labels."""
    import numpy as np

    index, cols = res.country_columns(codes)
    order = np.argsort(-np.asarray(cols["welfare_pct"], dtype=float), kind="stable")  # NaN sorts last
    keep = [c for c in cols if c in LABELS] if not full else [c for c in cols if c != "name"]
    out = {}
    for c in keep:
        v = np.asarray(cols[c])[order]
        out[LABELS.get(c, c)] = 100.0 * v if c == "tariff_revenue_share" else v  # a percentage of expenditure
    return Columns(index=[index[i] for i in order], columns=out, index_name="country")


def _brief(diagnostics: dict[str, Any] | None) -> str:
    """`` [key value, ...]``: the scalar diagnostics of a failed solve (at most six), or ``""`` without any; the
    full record is in the exception (``TRADEWAR_DEBUG=1`` shows it)."""
    import os

    def show(v):
        return f"{v:.3g}" if isinstance(v, float) and math.isfinite(v) else str(v)

    if os.environ.get("TRADEWAR_DEBUG"):
        return f" [diagnostics: {json.dumps(diagnostics, default=str)}]"
    items = [(k, v) for k, v in (diagnostics or {}).items() if isinstance(v, (int, float, str, bool))]
    return f" [{', '.join(f'{k} {show(v)}' for k, v in items[:6])}]" if items else ""


def _on_data(s, data: str | None, gdp: str | None = None, tariffs: str | None = None):
    """The scenario on the data of ``--data`` (with ``--gdp``, ``--tariffs``) where given; a one-line error for a
    preset that runs only on a dataset given with ``--data``."""
    from .._exceptions import ScenarioError
    from ..scenario import needs_data

    if data is None and needs_data(s):
        raise ScenarioError(f"preset '{s.name}' needs a sectoral dataset: add --data DIR (e.g. an ADB-MRIO "
                            "folder, a WIOD or Caliendo-Parro folder)")
    return s.with_data(data, gdp=gdp, tariffs=tariffs)


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
    from typing import get_args

    from .._exceptions import ScenarioError
    from ..models._params import Deficits, validate_params

    if deficits not in get_args(Deficits):
        raise ScenarioError(f"option '--deficits': '{deficits}' is not one of {', '.join(get_args(Deficits))}")
    params = validate_params(s.model.family, {**s.model.params(), "deficits": deficits})
    model = type(s.model)(**{k: list(v) if isinstance(v, tuple) else v for k, v in params.items()})
    out = s.model_copy(update={"model": model})
    out._file = s._file
    return out
TARIFFS_HELP = "Baseline tariffs (exporter,importer,tariff) of a long trade table given with --data."
