"""Runs computations on a fixed number of worker threads, with a bounded queue, time limits and cancellation.

At most ``workers`` computations run at once (the solvers are compiled once per process and shared, so
threads keep them warm); up to ``queue`` more wait. A submission beyond that raises :class:`Full` (the
API answers 503 with ``Retry-After``).

Stopping is cooperative. A computation runs inside :func:`tradewar._cancel.cancellable` with its
ticket's check, so every solve, optimiser step and batch chunk of the library first asks whether the
job should go on; :meth:`Ticket.progress` asks too. The answer is :class:`Cancelled` once the job was
cancelled (``DELETE``, shutdown) or ran past its time limit: the work unwinds at its next solve and
its worker is free again. One watchdog thread per runner marks jobs that pass their deadline, without
a timer per job. A queued job that is cancelled leaves its slot at once; a running one leaves it when
it stops. A result that comes after the job was stopped is discarded
(:meth:`~tradewar.web._store.Store.finish` only completes unfinished jobs).
"""

from __future__ import annotations

import concurrent.futures
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .._cancel import Cancelled, cancellable
from ._store import Store

__all__ = ["Runner", "Ticket", "Full", "Cancelled"]


class Full(RuntimeError):
    """Every worker is busy and the queue is full (or the server is shutting down)."""


@dataclass
class Ticket:
    """A queued or running job: its id, its store, its deadline and the flag that stops it."""

    job_id: str
    store: Store
    stop: threading.Event = field(default_factory=threading.Event)
    why: str = ""
    #: ``time.monotonic()`` past which the job has run out of time
    deadline: float = math.inf
    limit: float = math.inf
    started: bool = False
    future: Future | None = None

    def check(self) -> None:
        """Raise :class:`Cancelled` when the job should stop (cancelled, or out of time)."""
        if not self.stop.is_set() and time.monotonic() > self.deadline:
            self.cancel(f"time limit of {self.limit:g} s reached", "failed")
        if self.stop.is_set():
            raise Cancelled(self.why or "cancelled")

    def progress(self, fraction: float, message: str) -> None:
        """Record progress; raises :class:`Cancelled` when the job should stop."""
        self.check()
        self.store.update(self.job_id, progress=float(fraction), message=str(message)[:200])

    def note(self, why: str) -> None:
        """Record why the job stops, unless a reason was given first."""
        if not self.stop.is_set() and not self.why:
            self.why = why

    def cancel(self, why: str, status: str = "cancelled") -> bool:
        """Mark the job in the store, then ask it to stop (the first reason given is kept): a job that sees the
        stop is already marked, so its slot is never free before its status is stored."""
        self.note(why)
        marked = self.store.fail(self.job_id, why, status=status)
        self.stop.set()
        return marked


class Runner:
    """The worker pool of the server (see the module docstring)."""

    def __init__(self, store: Store, workers: int = 2, queue: int = 16, time_limit: float = 600.0):
        self.store = store
        self.workers = max(1, int(workers))
        self.queue = max(0, int(queue))
        self.time_limit = float(time_limit)
        self._pool: ThreadPoolExecutor | None = None
        self._tickets: dict[str, Ticket] = {}
        self._cond = threading.Condition()
        self._closing = False
        self._watchdog: threading.Thread | None = None

    def start(self) -> None:
        """Take jobs again after :meth:`shutdown` (an application's lifespan may start more than once)."""
        with self._cond:
            self._closing = False

    def busy(self) -> int:
        """Jobs running or waiting (the slots taken)."""
        with self._cond:
            return len(self._tickets)

    def running(self) -> int:
        """Jobs running now."""
        with self._cond:
            return sum(t.started for t in self._tickets.values())

    def submit(self, job_id: str, work: Callable[[Ticket], Any], time_limit: float | None = None) -> Future:
        """Queue ``work(ticket)`` for the job; the future holds what it returns. Raises :class:`Full`."""
        limit = self.time_limit if time_limit is None else float(time_limit)
        ticket = Ticket(job_id, self.store, deadline=time.monotonic() + limit, limit=limit)
        with self._cond:
            if self._closing:
                raise Full("the server is shutting down")
            if len(self._tickets) >= self.workers + self.queue:
                raise Full(f"{self.workers} computations running and {self.queue} waiting")
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="tradewar-solve")
            if self._watchdog is None:
                self._watchdog = threading.Thread(target=self._watch, name="tradewar-watchdog", daemon=True)
                self._watchdog.start()
            self._tickets[job_id] = ticket
            pool = self._pool
            self._cond.notify_all()

        def run() -> Any:
            with self._cond:
                if ticket.stop.is_set() or self._tickets.get(job_id) is not ticket:
                    raise Cancelled(ticket.why or "cancelled")
                ticket.started = True
            try:
                ticket.check()
                self.store.update(job_id, status="running")
                with cancellable(ticket.check):
                    return work(ticket)
            finally:
                self._leave(ticket)

        try:
            ticket.future = pool.submit(run)
        except RuntimeError:
            self._leave(ticket)
            raise
        return ticket.future

    def _leave(self, ticket: Ticket) -> None:
        with self._cond:
            if self._tickets.get(ticket.job_id) is ticket:
                del self._tickets[ticket.job_id]
            self._cond.notify_all()

    def cancel(self, job_id: str, why: str = "cancelled by the client", status: str = "cancelled") -> bool:
        """Stop a queued or running job; False when it is not here. A queued job frees its slot at once."""
        with self._cond:
            ticket = self._tickets.get(job_id)
            if ticket is None:
                return False
            queued = not ticket.started
            if queued:  # never started now (run() finds it gone), with this reason
                del self._tickets[job_id]
                self._cond.notify_all()
            ticket.note(why)  # under the lock, where run() looks for it
        marked = ticket.cancel(why, status)
        if queued and ticket.future is not None:
            ticket.future.cancel()  # after the store says why: a caller waiting on it reads the reason there
        return marked

    def _watch(self) -> None:
        """Mark the jobs past their deadline (the work itself stops at its next checkpoint)."""
        while True:
            with self._cond:
                if self._closing and not self._tickets:
                    self._watchdog = None  # under the lock: the next submit starts another
                    return
                now = time.monotonic()
                live = [t for t in self._tickets.values() if not t.stop.is_set()]
                late = [t for t in live if t.deadline <= now]
                if not late:
                    nxt = min((t.deadline for t in live), default=math.inf)
                    self._cond.wait(timeout=None if math.isinf(nxt) else min(max(nxt - now, 0.01), 3600.0))
                    continue
            for t in late:
                self.cancel(t.job_id, f"time limit of {t.limit:g} s reached", "failed")

    def shutdown(self, grace: float = 30.0) -> int:
        """Stop taking jobs, fail the queued ones, wait up to ``grace`` seconds for the running ones and fail
        those still running (they stop at their next solve). Returns how many jobs were failed."""
        with self._cond:
            self._closing = True
            queued = [t for t in self._tickets.values() if not t.started]
        failed = sum(self.cancel(t.job_id, "the server shut down before the job started; submit it again",
                                 "failed") for t in queued)
        end = time.monotonic() + max(0.0, float(grace))
        with self._cond:
            self._cond.wait_for(lambda: not self._tickets, timeout=max(0.0, end - time.monotonic()))
            left = list(self._tickets.values())
            pool, self._pool = self._pool, None
        for t in left:
            failed += t.cancel(f"the server shut down before the job finished (waited {grace:g} s); submit it again",
                               "failed")
        with self._cond:
            self._cond.notify_all()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        return failed


def wait(fut: Future, timeout: float) -> Any:
    """``fut.result(timeout)``; a future cancelled before it started raises :class:`Cancelled`."""
    try:
        return fut.result(timeout=timeout)
    except concurrent.futures.CancelledError:
        raise Cancelled("cancelled before it started") from None
