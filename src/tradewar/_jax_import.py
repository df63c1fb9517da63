"""The first import of JAX in a process, without JAX's scan of every installed package for a ROCm plugin.

JAX 0.10 looks for its ROCm plugin while it is imported (``jax._src.numpy.array_constructors``) by parsing the
metadata of every distribution installed in the environment (jax-ml/jax#37879): about 80 ms of every command
on 2 cores in an environment of 120 packages, more in larger ones. The plugin serves ROCm GPUs only, so where
``JAX_PLATFORMS`` names no ROCm platform (unset, tradewar sets ``cpu`` for its programs) the scan finds nothing JAX
could use. :func:`install`, called as tradewar is imported, puts a finder first on ``sys.meta_path`` that
waits for the import of ``jax``; it then removes itself and hands JAX's scan, and only that call, an empty list
of distributions. Every other caller of :func:`importlib.metadata.distributions` gets the real list.
"""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["install", "skips_scan"]

#: The module of JAX whose import scans the installed distributions.
SCANNER = "jax._src.numpy.array_constructors"


def skips_scan() -> bool:
    """Whether JAX's ROCm scan is skipped: ``JAX_PLATFORMS`` is unset (tradewar's programs run on the CPU) or
    names no ROCm platform."""
    return "rocm" not in os.environ.get("JAX_PLATFORMS", "cpu").lower()


def _hand_scanner_nothing() -> None:
    import importlib.metadata as md

    original = md.distributions

    def distributions(**kwargs: Any):
        if sys._getframe(1).f_globals.get("__name__") == SCANNER:
            md.distributions = original  # once: the scan runs when its module is first imported
            return iter(())
        return original(**kwargs)

    md.distributions = distributions


class _BeforeJax:
    """A meta path finder that acts on the first import of ``jax`` and finds nothing itself."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "jax":
            try:
                sys.meta_path.remove(self)
            except ValueError:
                pass
            if skips_scan():
                _hand_scanner_nothing()
        return None


def install() -> None:
    """Wait for the first import of JAX, where JAX is not imported yet (see the module's docstring)."""
    if "jax" not in sys.modules and not any(isinstance(f, _BeforeJax) for f in sys.meta_path):
        sys.meta_path.insert(0, _BeforeJax())
