"""The ``tradewar`` command (console script and ``python -m tradewar``).

Interrupts are routed first (:mod:`tradewar._interrupt`, a few light imports), before the command
line and its dependencies are imported, so that Ctrl-C or SIGTERM during start-up also ends in one
line and exit status 130.
"""

from __future__ import annotations


def collect_for_one_command() -> None:
    """Set CPython's garbage collector for a process that runs one command and ends.

    Importing JAX, equinox, pandas and pydantic creates over a million objects that live as long as the process,
    and the default thresholds (700, 10, 10) run full collections over them again and again while they are
    imported; the interpreter's exit collects them once more. A first generation of 50,000 objects keeps
    collecting the command's own garbage (a long ``serve`` or ``uncertainty`` included), and freezing the heap
    at exit (after the command's output is written and the exit handlers of JAX registered later have run)
    leaves it to the operating system: together about half a second of a warm ``tradewar run``.
    """
    import atexit
    import gc

    gc.set_threshold(50_000, 20, 20)
    atexit.register(gc.freeze)  # the first handler registered runs last


def main() -> None:
    """Route SIGINT/SIGTERM, set the garbage collector for one command, then run :func:`tradewar.cli.main`."""
    from ._interrupt import install

    install()
    collect_for_one_command()
    try:
        from .cli import main as cli_main
    except Exception as e:  # a broken installation: one line, the traceback with TRADEWAR_DEBUG=1
        import os
        import sys

        if os.environ.get("TRADEWAR_DEBUG"):
            raise
        first = (str(e).strip().splitlines() or [""])[0]
        sys.stderr.write(f"internal error: {type(e).__name__}: {first} (tradewar cannot start; rerun with "
                         "TRADEWAR_DEBUG=1 for the traceback)\n")
        sys.exit(1)
    cli_main()


if __name__ == "__main__":  # pragma: no cover
    main()
