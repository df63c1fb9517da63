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
from pathlib import Path
from typing import Any

__all__ = ["limited", "holders", "load_lapack"]

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


#: SciPy's Cython wrappers of BLAS and LAPACK, whose function pointers JAX's CPU kernels call.
_LAPACK_MODULES = ("scipy.linalg.cython_blas", "scipy.linalg.cython_lapack")
_load_lock = threading.Lock()


def load_lapack() -> None:
    """Load the BLAS and LAPACK that JAX's CPU kernels call (SciPy's Cython wrappers) into the process.

    ``import scipy.linalg.cython_lapack`` first runs ``scipy.linalg``'s ``__init__``, which imports the whole
    of ``scipy.linalg`` (about 0.1 s, more than most solves of a command). The two extension modules are
    loaded by themselves instead and registered under their names, where a later ``import scipy.linalg``
    finds them. Where SciPy is laid out otherwise, the usual import runs.
    """
    import sys

    with _load_lock:
        if all(name in sys.modules for name in _LAPACK_MODULES):
            return
        try:
            _load_extensions()
        except Exception:  # an unexpected layout: the usual import, which raises a real error itself
            import scipy.linalg.cython_blas  # noqa: F401
            import scipy.linalg.cython_lapack  # noqa: F401


def _load_extensions() -> None:
    import importlib.machinery
    import importlib.util
    import sys

    scipy = importlib.util.find_spec("scipy")
    if scipy is None or not scipy.submodule_search_locations:
        raise ImportError("scipy")
    folders = [str(Path(p) / "linalg") for p in scipy.submodule_search_locations]
    # The import system's own lock of each module name, so that a thread importing the same module meanwhile
    # waits for it and then finds it whole; the module is registered only once it has run.
    module_lock = importlib._bootstrap._ModuleLockManager
    for name in _LAPACK_MODULES:
        with module_lock(name):
            if name in sys.modules:
                continue
            spec = importlib.machinery.PathFinder.find_spec(name, folders)
            if spec is None or not isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
                raise ImportError(name)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            sys.modules[name] = module
