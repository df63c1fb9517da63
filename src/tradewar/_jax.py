"""JAX set-up: float64 everywhere, CPU, and the persistent compilation cache.

Imported lazily by the numerical modules so that ``tradewar --help`` stays fast.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)


def _cache_dir() -> Path | None:
    env = os.environ.get("TRADEWAR_CACHE_DIR")
    if env == "":
        return None
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tradewar" / "jax"


_dir = _cache_dir()
if _dir is not None:
    try:
        _dir.mkdir(parents=True, exist_ok=True)
        jax.config.update("jax_compilation_cache_dir", str(_dir))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.2)
    except OSError:  # a read-only home must not stop a solve
        pass

import jax.numpy as jnp  # noqa: E402

__all__ = ["jax", "jnp"]
