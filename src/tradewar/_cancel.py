"""Cooperative cancellation: long computations stop between solves when their caller asks them to.

A running XLA program cannot be interrupted, but the library's long computations are made of many
solves (a strategic search, a batch, a report). Each solve, optimiser step and batch chunk calls
:func:`checkpoint` first. Outside :func:`cancellable` it does nothing; inside, it calls the caller's
check, which raises :class:`Cancelled` when the work should stop (the server does this for a job that
was cancelled or ran past its time limit). The check is held in a context variable, so it applies to
the thread (or task) that installed it and to nothing else.

:class:`Cancelled` derives from :class:`BaseException`, like :class:`KeyboardInterrupt`: code that
turns an ``Exception`` into "this point is infeasible" must not swallow a request to stop.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

__all__ = ["Cancelled", "checkpoint", "cancellable"]


class Cancelled(BaseException):  # noqa: N818 - a signal to stop, like KeyboardInterrupt
    """The work was cancelled or ran past its time limit; ``str()`` says which."""


_CHECK: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar("tradewar_check", default=None)


def checkpoint() -> None:
    """Raise :class:`Cancelled` if the caller of the running computation asked it to stop."""
    check = _CHECK.get()
    if check is not None:
        check()


@contextlib.contextmanager
def cancellable(check: Callable[[], None]) -> Iterator[None]:
    """Run the body with ``check`` called at every :func:`checkpoint` (it raises :class:`Cancelled` to stop)."""
    token = _CHECK.set(check)
    try:
        yield
    finally:
        _CHECK.reset(token)
