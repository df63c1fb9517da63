"""``python -m tradewar.cli``: the console script."""

from . import main

main()
