"""The ``tradewar`` command: a thin Typer layer over the library, one module per command group.

Commands parse arguments, call public functions, print Rich tables, and map errors to exit
codes: bad input (``DataError``, ``ScenarioError``, ``CalibrationError``) -> 2 with one line and no
traceback; an unconverged solve (``ConvergenceError``) -> 3 with its diagnostics. Heavy modules
(JAX, the models) are imported inside the commands so that ``tradewar --help`` starts fast.

``_app`` holds what every command shares (the Typer app, consoles, error handling, tables); ``run``,
``scenarios``, ``data`` and ``replicate`` define their commands on it when imported; ``strategy``
(optimal, nash, talks, bloc), ``report`` (report, timeline), ``batch`` (uncertainty, sweep) and
``serve`` register theirs through ``register(app, console, err_console, handle_errors)``.
"""

from __future__ import annotations

import sys

from . import batch, data, replicate, report, run, scenarios, serve, strategy  # noqa: F401 - define the commands
from ._app import LABELS, _fmt, _plain, app, console, err_console, frame_table, handle_errors, result_frame

__all__ = ["app", "main", "LABELS", "console", "err_console", "frame_table", "result_frame", "handle_errors", "_fmt", "_plain"]

for _group in (strategy, report, batch, serve):
    _group.register(app, console, err_console, handle_errors)


def main() -> None:
    """Entry point of the console script.

    Ctrl-C and SIGTERM stop the command at once with one line and exit status 130 (see
    :mod:`tradewar._interrupt`). An exception that is not a known input or solver error is a bug: it
    is shown as one line with a hint; ``TRADEWAR_DEBUG=1`` shows the full traceback instead.
    """
    import os

    from .._interrupt import install

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
