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
    from .cli import main as cli_main

    cli_main()


if __name__ == "__main__":  # pragma: no cover
    main()
