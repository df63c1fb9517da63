"""The ``tradewar`` command (console script and ``python -m tradewar``).

Interrupts are routed first (:mod:`tradewar._interrupt`, a few light imports), before the command
line and its dependencies are imported, so that Ctrl-C or SIGTERM during start-up also ends in one
line and exit status 130.
"""

from __future__ import annotations


def main() -> None:
    """Route SIGINT/SIGTERM, then run :func:`tradewar.cli.main`."""
    from ._interrupt import install

    install()
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
