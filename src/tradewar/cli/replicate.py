"""The ``replicate`` and ``bench`` commands: published studies and the solve timing."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated, Any

import typer

from ._app import REPLICATIONS, app, console, err_console, handle_errors


# --- replicate -------------------------------------------------------------------------------------
def _require_converged(study: str, doc: Any, where: str = "") -> None:
    """Raise ConvergenceError (exit 3) when any part of a replication document says it did not converge."""
    from .._exceptions import ConvergenceError

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
    from .._exceptions import ScenarioError
    from .._io import atomic_write, check_not_inputs, check_output_paths, json_writer

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
    """Time one solve of the Liberation Day (`ustr`) case: median of repeated solves after warm-up.

    The time is the whole solve as a caller gets it (checks, admissibility and outcomes included); the
    compiled program alone (solve, checks and outcomes, without the Python around it) is printed beside it.
    """
    from .._io import atomic_write, check_output_paths, json_writer
    from ..bench import bench_ustr

    check_output_paths([("--json", json_out)])
    with console.status("timing ...", spinner="dots"):
        doc = bench_ustr(data, repeats=repeats)
    console.print(
        f"median {doc['median_seconds'] * 1e3:.2f} ms per solve over {doc['repeats']} repeats, {doc['countries']} countries "
        f"(checks and outcomes included; the compiled program alone {doc['kernel_median_seconds'] * 1e3:.2f} ms, "
        f"{doc['steps']} steps)"
    )
    if json_out:
        atomic_write(json_out, json_writer(doc))
        console.print(f"wrote {json_out}")
