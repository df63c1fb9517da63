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
                try:
                    for lib in blas:
                        _set(lib, self._threads)
                except BaseException:
                    _put_back()
                    raise
            _holders += 1

    def __exit__(self, *exc: object) -> None:
        global _holders
        with _lock:
            _holders -= 1
            if _holders == 0:
                _put_back()


def _put_back() -> None:
    """Every BLAS library to the count it had before the first holder (under ``_lock``)."""
    try:
        for lib, count in _restore:
            _set(lib, count)
    finally:
        _restore.clear()


def _set(lib: Any, threads: int) -> None:
    """Set one library's thread count from whichever thread holds ``_lock``.

    threadpoolctl lets only the first thread that set OpenBLAS's process-wide pool (its "controlling thread")
    change it later and silently ignores the others, but the first holder and the last, which restores, are
    often different threads of a server. ``_lock`` already keeps them from interleaving, so the controlling
    thread is cleared around each call.
    """
    release = getattr(type(lib), "clear_controlling_thread", None)
    if release is not None:
        release(force=True)
    try:
        lib.set_num_threads(threads)
    finally:
        if release is not None:
            release(force=True)
