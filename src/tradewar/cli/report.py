"""The ``tradewar report`` and ``tradewar timeline`` commands (registered by :mod:`tradewar.cli`)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer, console, err_console, handle_errors) -> None:
    """Add ``report`` and ``timeline`` to the Typer ``app``."""

    def _steps(scenarios: str | None):
        if not scenarios:
            return None
        return [s.strip() for s in scenarios.split(",") if s.strip()]

    @app.command()
    @handle_errors
    def report(
        country: Annotated[str, typer.Argument(help="ISO3 code of the country, e.g. JPN.")] = "JPN",
        scenarios: Annotated[str | None, typer.Option(help="Comma-separated steps (presets or files); "
                                                      "default: the 2025 timeline.")] = None,
        data: Annotated[str | None, typer.Option(help="Data source replacing the scenarios' (folder or file).")] = None,
        sectoral_data: Annotated[str | None, typer.Option("--sectoral-data", help="Multi-sector data folder for "
                                                          "the car-tariff section (e.g. ADB-MRIO).")] = None,
        out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")] = Path("report.html"),
        png: Annotated[Path | None, typer.Option("--png", help="Also write every chart as PNG into this folder, "
                                                 "the map and the bars once per step too (NAME_step1.png, ...; needs "
                                                 "kaleido and Chrome/Chromium).")] = None,
        full: Annotated[bool, typer.Option("--full", help="Also the slower analyses (Nash war and Nash bargain "
                                           "in the deal section).")] = False,
        draws: Annotated[int, typer.Option(min=0, help="Monte Carlo draws for the uncertainty section's 90% bands "
                                           "(0: point estimates only).")] = 0,
        lang: Annotated[str | None, typer.Option("--lang", metavar="en|ja|zh", help="Language of the report and "
                                                 "of its five numbers: en (English), ja (Japanese), zh (Simplified "
                                                 "Chinese); default: $TRADEWAR_LANG, else en.")] = None,
    ) -> None:
        """Write a self-contained HTML report of the 2025 tariff war for COUNTRY and print its five numbers."""
        from .._i18n import resolve
        from .._io import check_output_folder, check_output_paths

        try:
            lang = resolve(lang)
        except ValueError as e:
            raise typer.BadParameter(str(e), param_hint="'--lang'") from None
        check_output_paths([("--out", out)])  # before anything slow, imports included
        if png is not None:
            check_output_folder(png, "--png")
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        from ..report import build_report
        from ..report.sections import SECTIONS
        from ..report.timeline import DEFAULT_TIMELINE

        steps = _steps(scenarios)
        if png is not None:  # fail before the long part if PNG export cannot work
            try:
                import kaleido  # noqa: F401
            except ImportError:
                from .._exceptions import TradewarError

                raise TradewarError("--png needs the package 'kaleido' (pip install kaleido) and a Chrome/Chromium "
                                    "browser") from None
        from .._io import check_not_inputs
        from ..scenario import load_scenario, scenario_inputs

        # the report never writes over a file it reads: a step's scenario file or data, --data, --sectoral-data
        inputs = [("the --data source", data), ("the --sectoral-data folder", sectoral_data)]
        for step in steps or ():
            inputs += scenario_inputs(load_scenario(step))
        check_not_inputs([("--out", out), ("--png", png)], inputs)
        total = len(steps or DEFAULT_TIMELINE) + len(SECTIONS)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                      console=err_console, transient=True, disable=not err_console.is_terminal) as prog:
            task = prog.add_task(f"report {country.upper()}", total=total)

            def progress(msg: str) -> None:
                if msg.startswith(("solving", "section")):
                    prog.advance(task)
                prog.update(task, description=msg)

            rep = build_report(country, scenarios=steps, data=data, sectoral_data=sectoral_data, progress=progress,
                               full=full, draws=draws, lang=lang)
        path = rep.write(out)
        from rich.cells import cell_len
        from rich.markup import escape

        from .._i18n import _, language

        with language(lang) as tr:
            console.print(_("wrote {path}  ({size} MB, opens offline)").format(path=path,
                                                                             size=f"{len(rep.html) / 1e6:.1f}"))
            title = _("{country} in the 2025 tariff war").format(country=tr.country(rep.country, rep.country))
            unit = _("% change from the baseline")
            console.print(f"[bold]{escape(title)}[/] ({escape(unit)}):")
            for s in rep.summary.values():
                v = tr.percent(s.value)
                pad = " " * max(0, 48 - cell_len(s.label))  # CJK characters take two cells
                band = f" {s.band_text()}" if s.band else ""
                console.print(f"  {escape(s.label)}{pad} {v:>9}{escape(band)}", highlight=False)
            titles = {sid: title for sid, title, _fn in SECTIONS}
            for sid, why in rep.unavailable().items():
                console.print(f"[dim]  {escape(_(titles.get(sid, sid)))}: {escape(why)}[/]", highlight=False)
        if png is not None:
            with console.status("writing PNG files ...", spinner="dots"):
                paths = rep.write_pngs(png)
            with language(lang):
                console.print(_("wrote {n} PNG files to {path}").format(n=len(paths), path=png))

    @app.command("timeline")
    @handle_errors
    def timeline_cmd(
        country: Annotated[str, typer.Argument(help="ISO3 code of the country, e.g. JPN.")] = "JPN",
        scenarios: Annotated[str | None, typer.Option(help="Comma-separated steps; default: the 2025 timeline.")] = None,
        data: Annotated[str | None, typer.Option(help="Data source replacing the scenarios' (folder or file).")] = None,
    ) -> None:
        """Solve the dated 2025 presets in order and show how each step moved COUNTRY."""
        from rich.table import Table

        from .._i18n import _, current
        from ..report.timeline import DEFAULT_TIMELINE, METRICS, focus_codes, partners_for, timeline

        steps = _steps(scenarios) or list(DEFAULT_TIMELINE)
        with console.status("solving ...", spinner="dots") as st:
            tl = timeline(country, steps, data=data, progress=lambda m: st.update(m))
        c = tl.country
        partners = partners_for(c)
        df = tl.table(c, partners)
        cols = [*METRICS, *[f"exports_to_{p}_pct" for p in partners], "d_welfare_pct"]
        tr = current()
        # "real GDP %", as the run table writes it: lower case but for the acronym
        labels = {k: (v[0][0].lower() + v[0][1:] if tr.lang == "en" else _(v[0])) + " %" for k, v in METRICS.items()}
        labels |= {f"exports_to_{p}_pct": _("exports to {partner} %").format(partner=p) for p in partners}
        labels["d_welfare_pct"] = _("Δ welfare pp")
        table = Table(title=_("{country}: the 2025 tariff timeline (% change from the baseline; Δ = change from the "
                              "previous step)").format(country=c), header_style="bold", title_justify="left")
        # in English a step named after its date (2025-04-02-liberation-day) needs no date column
        dated = tr.lang != "en" or not all(str(n).startswith(str(d)) for n, d in zip(df.index, df["date"], strict=True))
        if dated:
            table.add_column(_("date"), no_wrap=True)
        table.add_column(_("step"), style="bold", no_wrap=True, min_width=max(len(str(n)) for n in df.index))
        for k in cols:
            if k in df.columns:
                table.add_column(labels[k], justify="right")
        for name, row in df.iterrows():
            cells = []
            for k in cols:
                if k in df.columns:
                    v = row[k]
                    cells.append(_("n/a") if not math.isfinite(v) else _signed(v))
            table.add_row(*([tr.date(row["date"])] if dated else []), str(name), *cells)
        console.print(table)
        ft = tl.focus_table("welfare_pct", focus_codes(c, tl[0].world.codes))
        t2 = Table(title=_("Welfare of the focus economies, %"), header_style="bold", title_justify="left")
        t2.add_column(_("step"), style="bold", no_wrap=True)
        for k in ft.columns:
            t2.add_column(k, justify="right")
        for name, row in ft.iterrows():
            t2.add_row(str(name), *[_("n/a") if not math.isfinite(v) else _signed(v) for v in row.tolist()])
        console.print(t2)


def _signed(v: float) -> str:
    """``v`` with its sign and two decimals; a change that rounds to zero is ``0.00``, never ``-0.00``."""
    text = f"{v:+.2f}"
    return "0.00" if text in ("+0.00", "-0.00") else text
