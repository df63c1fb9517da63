"""Ctrl-C and SIGTERM for the command line: stop at once, leave no partial file, exit 130.

:func:`install` blocks SIGINT and SIGTERM in the calling (main) thread, so that every thread started
afterwards (JAX/XLA's thread pools, Rich's refresh thread) inherits the block, and starts one daemon
thread that waits for either signal with :func:`signal.sigwait`. When one arrives, that thread takes
:data:`tradewar._io.commit_lock` (so no group of output files is half renamed), removes the temporary
files in flight, prints one line on stderr and ends the process with ``os._exit(130)``.

Python's own handler would only run in the main thread between bytecodes, that is after a running
XLA computation returns, and raising ``KeyboardInterrupt`` through JAX's threads at interpreter
teardown could crash the process; leaving with ``os._exit`` skips that teardown.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable

# imported here, not at signal time: an import in the waiting thread could block on the import lock
# held by the main thread
from ._io import commit_lock, discard_inflight

__all__ = ["install", "SIGNALS", "on_signal"]

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_installed = False
#: Set by a command that stops cleanly by itself (``tradewar serve``): called with the first signal
#: instead of leaving; a second signal leaves at once.
_handler: Callable[[int], None] | None = None


def _leave(signum: int) -> None:
    try:
        commit_lock.acquire(timeout=5.0)
        discard_inflight()
        name = "interrupted" if signum == signal.SIGINT else "interrupted (SIGTERM)"
        # on a terminal: clear the progress line and show the cursor a progress bar had hidden
        prefix = "\r\x1b[2K\x1b[?25h" if sys.stderr.isatty() else ""
        os.write(2, f"{prefix}error: {name}\n".encode())
    finally:
        os._exit(130)


def _wait() -> None:
    signum = signal.sigwait(set(SIGNALS))
    if _handler is not None:
        _handler(signum)
        signum = signal.sigwait(set(SIGNALS))
    _leave(signum)


def on_signal(handler: Callable[[int], None] | None) -> None:
    """Have the first SIGINT or SIGTERM call ``handler(signum)`` (on the waiting thread) instead of leaving."""
    global _handler
    _handler = handler


def install() -> None:
    """Route SIGINT and SIGTERM to a waiting thread that cleans up and exits 130 (idempotent; main thread only)."""
    global _installed
    if _installed or threading.current_thread() is not threading.main_thread():
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    threading.Thread(target=_wait, name="tradewar-signals", daemon=True).start()
    _installed = True
