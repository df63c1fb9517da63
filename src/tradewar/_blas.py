"""One process-wide BLAS thread limit shared by concurrent solves.

threadpoolctl changes the thread count of the BLAS library for the whole process, and its context
manager restores the count it found on entry. Two solves on two threads that each limit BLAS would
interleave: the second finds the first's limit, restores it on exit, and BLAS keeps one thread for
good. :class:`limited` counts the holders instead: the first to enter sets the limit and remembers the
original counts, later ones share it, and the last to leave restores the original. While any solve
holds the limit, every solve of the process runs under it (the first holder's count wins).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["limited", "holders"]

_lock = threading.Lock()
_holders = 0
#: (library controller, its thread count before the first holder set the limit), for every BLAS library
_restore: list[tuple[Any, int]] = []


def holders() -> int:
    """How many solves hold the limit now."""
    return _holders


class limited:
    """Hold the process-wide BLAS limit of ``threads`` (``controller()`` gives the ThreadpoolController).

    A context manager. The count of each BLAS library is read and set through threadpoolctl's controller of
    that library, once per library: its ``limit`` and ``restore_original_limits`` would first list every
    library of the process again, which took more than a tenth of a small solve's time outside its program.
    """

    __slots__ = ("_controller", "_threads")

    def __init__(self, controller: Callable[[], Any], threads: int) -> None:
        self._controller = controller
        self._threads = int(threads)

    def __enter__(self) -> None:
        global _holders
        with _lock:
            if _holders == 0:
                blas = [lib for lib in self._controller().lib_controllers if lib.user_api == "blas"]
                _restore[:] = [(lib, lib.num_threads) for lib in blas]
                for lib in blas:
                    lib.set_num_threads(self._threads)
            _holders += 1

    def __exit__(self, *exc: object) -> None:
        global _holders
        with _lock:
            _holders -= 1
            if _holders == 0:
                for lib, count in _restore:
                    lib.set_num_threads(count)
                _restore.clear()
