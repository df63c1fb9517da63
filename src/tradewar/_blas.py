"""One process-wide BLAS thread limit shared by concurrent solves.

threadpoolctl changes the thread count of the BLAS library for the whole process, and its context
manager restores the count it found on entry. Two solves on two threads that each limit BLAS would
interleave: the second finds the first's limit, restores it on exit, and BLAS keeps one thread for
good. :func:`limited` counts the holders instead: the first to enter sets the limit and remembers the
original counts, later ones share it, and the last to leave restores the original. While any solve
holds the limit, every solve of the process runs under it (the first holder's count wins).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["limited", "holders"]

_lock = threading.Lock()
_holders = 0
_restore: Any = None


def holders() -> int:
    """How many solves hold the limit now."""
    return _holders


@contextlib.contextmanager
def limited(controller: Callable[[], Any], threads: int) -> Iterator[None]:
    """Hold the process-wide BLAS limit of ``threads`` (``controller()`` gives the ThreadpoolController)."""
    global _holders, _restore
    with _lock:
        if _holders == 0:
            _restore = controller().limit(limits=int(threads), user_api="blas")
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0:
                restore, _restore = _restore, None
                restore.restore_original_limits()
