"""The batch commands ``uncertainty`` and ``sweep`` (registered by :mod:`tradewar.cli`).

Both solve many members of one scenario in chunks (``--chunk``, default sized to memory), in this process
(``--scheduler none``), on a Dask LocalCluster (``local``), on an existing Dask cluster (``tcp://HOST:PORT``)
or, by default (``auto``), on a LocalCluster when the run fills enough chunks for a cluster to pay and the time
of a chunk solved here says it saves more than its start, in this process otherwise, with a Rich progress bar on stderr. ``sweep --out DIR`` writes each chunk to a Parquet dataset
with a manifest; ``--resume`` finishes a killed run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .._i18n import N_, _, current
from .strategy import GDP_HELP, TARIFFS_HELP

#: The stages of a batch run, as its progress bar names them.
_STAGES = {"draws": N_("draws"), "flip": N_("flip points"), "sobol": N_("Sobol indices"), "chunks": N_("chunks")}

SCHEDULER_HELP = ("auto (local when the run fills 4 chunks of the default size or more and its second chunk, solved "
                  "and timed in this process, says the rest takes longer here than on a cluster; else in this "
                  "process), none (in this process), local (a Dask LocalCluster on this machine's cores) or "
                  "tcp://HOST:PORT.")


def _bar(err_console):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                    TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                    console=err_console, transient=True, disable=not err_console.is_terminal)


def _tracker(prog):
    """A ``progress(stage, done, total)`` callback showing chunks done, rate and time left."""
    import time

    tasks: dict[str, Any] = {}
    start: dict[str, float] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = prog.add_task(_(_STAGES.get(stage, stage)), total=total, rate="")
            start[stage] = time.perf_counter()
        dt = time.perf_counter() - start[stage]
        rate = _("{rate} chunks/s").format(rate=f"{done / dt:.2f}") if dt > 0 and done else ""
        prog.update(tasks[stage], completed=done, total=total, rate=rate)

    return update


def _check_scheduler(value: str) -> str:
    from .._exceptions import ScenarioError

    if value in ("auto", "none", "local") or value.startswith("tcp://"):
        return value
    raise ScenarioError(f"--scheduler '{value}': expected auto, none, local or tcp://HOST:PORT")


def _require_some_converged(command: str, failed: int, total: int, what: str) -> None:
    """Exit 3 (ConvergenceError) when no member of a batch converged; failed members of a batch with results
    are counted in the output and are NaN in its tables."""
    from .._exceptions import ConvergenceError

    if total and failed >= total:
        raise ConvergenceError(f"{command}: none of the {total} {what} converged; no result written",
                               {"failed": failed, "total": total})


def register(app: typer.Typer, console, err_console, handle_errors) -> None:
    """Add ``uncertainty`` and ``sweep`` to the Typer ``app``."""
    from rich.table import Table

    @app.command()
    @handle_errors
    def uncertainty(
        scenario: Annotated[str, typer.Argument(help="A preset name or a scenario TOML file (its [uncertainty] table).")],
        draws: Annotated[int | None, typer.Option(min=1, help="Monte Carlo draws (default: the scenario's).")] = None,
        seed: Annotated[int | None, typer.Option(min=0, help="Random seed (default: the scenario's).")] = None,
        sensitivity: Annotated[int, typer.Option(min=0, help="Sobol base samples N (N(D+2) solves; 0: skip).")] = 0,
        flip: Annotated[bool, typer.Option(help="Find the trade elasticity at which each welfare sign flips.")] = True,
        countries: Annotated[str | None, typer.Option(help="Comma-separated codes to show.")] = None,
        scheduler: Annotated[str, typer.Option(help=SCHEDULER_HELP)] = "auto",
        workers: Annotated[int | None, typer.Option(min=1, help="Workers of the local cluster (default: cores).")] = None,
        chunk: Annotated[int | None, typer.Option(min=1, help="Draws per chunk (default: sized to memory).")] = None,
        json_out: Annotated[Path | None, typer.Option("--json", help="Write the summary as JSON.")] = None,
        html: Annotated[Path | None, typer.Option(help="Write the tornado chart (needs --sensitivity) as HTML.")] = None,
        data: Annotated[str | None, typer.Option(help="Data source replacing the scenario's.")] = None,
        gdp: Annotated[str | None, typer.Option(help=GDP_HELP)] = None,
        tariffs: Annotated[str | None, typer.Option(help=TARIFFS_HELP)] = None,
    ) -> None:
        """Monte Carlo over the scenario's parameter distributions: bands, probability of a gain, flip points."""
        from .._exceptions import ScenarioError
        from .._io import check_not_inputs, check_output_paths
        from ..batch.uncertainty import uncertainty as run_uncertainty
        from ..scenario import load_scenario, scenario_inputs
        from ._app import _on_data

        check_output_paths([("--json", json_out), ("--html", html)])
        if html is not None and sensitivity == 0:
            raise ScenarioError("option '--html': the tornado chart needs Sobol indices; add --sensitivity N")
        _check_scheduler(scheduler)
        s = _on_data(load_scenario(scenario), data, gdp, tariffs)
        check_not_inputs([("--json", json_out), ("--html", html)], scenario_inputs(s))
        with _bar(err_console) as prog:
            res = run_uncertainty(s, draws=draws, seed=seed, flip=flip, sensitivity=sensitivity, scheduler=scheduler,
                                  workers=workers, chunk=chunk, progress=_tracker(prog))
        doc = res.doc
        _require_some_converged("uncertainty", len(doc["failed"]), int(doc["draws"]), "draws")
        codes = _codes(countries, doc) or [c for c in (s.output.countries or []) if c in doc["countries"]] \
            or list(doc["countries"])[:10]
        flip_key = f"{doc.get('flip_param')}_flip"
        table = Table(title=_("{title}: welfare % over {draws} draws (seed {seed})").format(
            title=current().text(s.title) or s.name, draws=doc["draws"], seed=doc["seed"]),
            header_style="bold", title_justify="left")
        heads = (_("country"), _("mean"), "p05", "p50", "p95", _("P(gain)")) + ((flip_key,) if flip else ())
        for k, col in enumerate(heads):
            table.add_column(col, justify="left" if k == 0 else "right")
        for c in codes:
            w = doc["countries"][c]["welfare_pct"]
            row = [c] + [_f(w[k]) for k in ("mean", "p05", "p50", "p95")] + [_f(w["prob_gain"])]
            if flip:
                v = doc["countries"][c].get(flip_key)
                row.append(_("none in range") if v is None else f"{v:.3f}")
            table.add_row(*row)
        console.print(table)
        dists = ", ".join(f"{k} ~ {v['dist']}" for k, v in doc["params"].items())
        console.print("[dim]" + _("parameters: {dists}; {n} failed draws").format(dists=dists, n=len(doc["failed"]))
                      + "[/]")
        for f in doc["failed"][:5]:
            console.print("[yellow]" + _("draw {index}: {status} (max residual {residual})").format(
                index=f["index"], status=f["status"], residual=f["max_residual"]) + "[/]")
        if "sensitivity" in doc and codes:
            sens = doc["sensitivity"]
            if sens.get("note"):
                console.print("[yellow]" + _("sensitivity: {failed} of {solves} solves failed: no indices (Saltelli's "
                                             "estimator needs every solve)").format(failed=sens["failed"],
                                                                                    solves=sens["solves"]) + "[/]")
            else:
                st = Table(title=_("Sobol total indices of welfare ({solves} solves)").format(solves=sens["solves"]),
                           header_style="bold", title_justify="left")
                st.add_column(_("country"))
                for p in sens["params"]:
                    st.add_column(p, justify="right")
                for c in codes:
                    st.add_row(c, *[_f(sens["countries"][c][p]["ST"]) for p in sens["params"]])
                console.print(st)
                if html:
                    from .._io import atomic_write
                    from ..batch.uncertainty import tornado_figure

                    fig = tornado_figure(sens, codes[0])
                    atomic_write(html, lambda fh: fh.write(fig.to_html(include_plotlyjs=True, full_html=True)))
                    console.print(_("wrote {path}").format(path=html))
        if json_out:
            from .strategy import _write

            _write(json_out, doc, console)

    @app.command()
    @handle_errors
    def sweep(
        scenario: Annotated[str, typer.Argument(help="A preset name or a scenario TOML file.")],
        grid: Annotated[list[str], typer.Option(help="KEY=START:STOP:COUNT or KEY=v1,v2,...; KEY is "
                                                "IMPORTER.tariff_on.EXPORTER or a model parameter (repeat).")],
        country: Annotated[str | None, typer.Option(help="Country of the table and heatmap (default: the "
                                                    "first importer on the grid).")] = None,
        out: Annotated[Path | None, typer.Option(help="Run folder: a Parquet dataset written chunk by chunk.")] = None,
        resume: Annotated[bool, typer.Option(help="Finish the run in --out, computing only missing chunks.")] = False,
        scheduler: Annotated[str, typer.Option(help=SCHEDULER_HELP)] = "auto",
        workers: Annotated[int | None, typer.Option(min=1, help="Workers of the local cluster (default: cores).")] = None,
        chunk: Annotated[int | None, typer.Option(min=1, help="Grid points per chunk (default: sized to memory).")] = None,
        html: Annotated[Path | None, typer.Option(help="Write the heatmap of the country's welfare as HTML.")] = None,
        data: Annotated[str | None, typer.Option(help="Data source replacing the scenario's.")] = None,
        gdp: Annotated[str | None, typer.Option(help=GDP_HELP)] = None,
        tariffs: Annotated[str | None, typer.Option(help=TARIFFS_HELP)] = None,
    ) -> None:
        """Solve the cartesian grid of tariff settings and parameters; a labelled array and a heatmap."""
        from .._exceptions import ScenarioError
        from .._io import check_not_inputs, check_output_folder, check_output_paths
        from ..batch.sweep import parse_grid
        from ..batch.sweep import sweep as run_sweep
        from ..scenario import load_scenario, scenario_inputs
        from ._app import _on_data

        check_output_paths([("--html", html)])
        if out is not None:
            check_output_folder(out, "--out")
        if resume and out is None:
            raise ScenarioError("--resume needs --out DIR (the folder of the run to finish)")
        _check_scheduler(scheduler)
        s = _on_data(load_scenario(scenario), data, gdp, tariffs)
        check_not_inputs([("--html", html), ("--out", out)], scenario_inputs(s))
        axes = [parse_grid(g) for g in grid]
        with _bar(err_console) as prog:
            track = _tracker(prog)
            ds = run_sweep(s, grid, scheduler=scheduler, out=out, resume=resume, chunk=chunk, workers=workers,
                           progress=lambda d, t: track("chunks", d, t))
        _require_some_converged("sweep", int(ds.attrs["failed"]), int(ds.status.size), "points")
        codes = list(ds.country.values)
        c = (country or next((a.importer for a in axes if a.importer), None) or codes[0]).upper()
        if c not in codes:
            raise ScenarioError(f"--country '{c}': not in the scenario's world")
        da = ds.welfare_pct.sel(country=c)
        title = _("{title}: welfare % of {country} ({points} points, {failed} failed)").format(
            title=current().text(s.title) or s.name, country=c, points=int(ds.status.size), failed=ds.attrs["failed"])
        if da.ndim == 1:
            t = Table(title=title, header_style="bold", title_justify="left")
            t.add_column(da.dims[0])
            t.add_column(_("welfare %"), justify="right")
            for x, v in zip(da[da.dims[0]].values, da.values, strict=True):
                t.add_row(f"{x:.4g}", _f(v))
        else:
            d0, d1 = da.dims[0], da.dims[1]
            da2 = da.isel({d: 0 for d in da.dims[2:]})
            t = Table(title=title + (_(" (other axes at their first value)") if da.ndim > 2 else ""),
                      header_style="bold", title_justify="left")
            t.add_column(f"{d0} \\ {d1}")
            cols, rows = da2[d1].values, da2[d0].values
            show, show_rows = _thinned(cols, 11), _thinned(rows, 21)
            for x in show:
                t.add_column(f"{x:.4g}", justify="right")
            for y in show_rows:
                t.add_row(f"{y:.4g}", *[_f(da2.sel({d0: y, d1: x}).item()) for x in show])
        console.print(t)
        if da.ndim > 1 and (len(show) < len(cols) or len(show_rows) < len(rows)):
            console.print("[dim]" + _("shown: {rows} of {all_rows} rows and {cols} of {all_cols} columns (evenly "
                                      "spaced, the last included); --html and --out hold every point").format(
                rows=len(show_rows), all_rows=len(rows), cols=len(show), all_cols=len(cols)) + "[/]")
        if out is not None:
            console.print(_("wrote {path} (Parquet dataset, {chunks} chunks; read it with tradewar.batch.load_run)")
                          .format(path=out, chunks=ds.attrs["chunks"]))
        if html:
            from .._io import atomic_write
            from ..batch.sweep import heatmap_figure

            fig = heatmap_figure(ds, c)
            atomic_write(html, lambda fh: fh.write(fig.to_html(include_plotlyjs=True, full_html=True)))
            console.print(_("wrote {path}").format(path=html))


def _thinned(values, most: int):
    """At most ``most`` of ``values``, evenly spaced, the first and the last among them."""
    import numpy as np

    if len(values) <= most:
        return values
    return values[np.unique(np.round(np.linspace(0, len(values) - 1, most)).astype(int))]


def _f(v: Any) -> str:
    import math

    if v is None:
        return "—"
    v = float(v)
    return "—" if not math.isfinite(v) else f"{v:.3f}"


def _codes(text: str | None, doc: dict[str, Any]) -> list[str] | None:
    from .._exceptions import ScenarioError

    if not text:
        return None
    out = [c.strip().upper() for c in text.split(",") if c.strip()]
    for c in out:
        if c not in doc["countries"]:
            from ..data._world import did_you_mean

            raise ScenarioError(f"--countries: '{c}' is not in the scenario's world{did_you_mean(c, list(doc['countries']))}")
    return out
