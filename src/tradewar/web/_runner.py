"""Runs computations on a fixed number of worker threads, with a bounded queue, time limits and cancellation.

At most ``workers`` computations run at once (the solvers are compiled once per process and shared, so
threads keep them warm); up to ``queue`` more wait. A submission beyond that raises :class:`Full` (the
API answers 503 with ``Retry-After``). A computation is told about its progress through
:meth:`Ticket.progress`, which raises :class:`Cancelled` once the job was cancelled or ran past its time
limit; the job is then marked in the store, and whatever the computation returns later is discarded
(:meth:`~tradewar.web._store.Store.finish` only completes unfinished jobs).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ._store import Store

__all__ = ["Runner", "Ticket", "Full", "Cancelled"]


class Full(RuntimeError):
    """Every worker is busy and the queue is full."""


class Cancelled(RuntimeError):
    """The job was cancelled or ran past its time limit."""


@dataclass
class Ticket:
    """A running job: its id, its store, and the flag that stops it."""

    job_id: str
    store: Store
    stop: threading.Event = field(default_factory=threading.Event)
    why: str = ""
    #: ``time.monotonic()`` past which the job has run out of time (the timer may fire later on a busy machine)
    deadline: float = math.inf
    limit: float = math.inf

    def progress(self, fraction: float, message: str) -> None:
        """Record progress; raises :class:`Cancelled` when the job should stop (cancelled or out of time)."""
        if not self.stop.is_set() and time.monotonic() > self.deadline:
            self.cancel(f"time limit of {self.limit:g} s reached", "failed")
        if self.stop.is_set():
            raise Cancelled(self.why or "cancelled")
        self.store.update(self.job_id, progress=float(fraction), message=str(message)[:200])

    def cancel(self, why: str, status: str = "cancelled") -> bool:
        self.why = why
        self.stop.set()
        return self.store.fail(self.job_id, why, status=status)


class Runner:
    """The worker pool of the server (see the module docstring)."""

    def __init__(self, store: Store, workers: int = 2, queue: int = 16, time_limit: float = 600.0):
        self.store = store
        self.workers = max(1, int(workers))
        self.queue = max(0, int(queue))
        self.time_limit = float(time_limit)
        self._pool: ThreadPoolExecutor | None = None
        self._slots = threading.BoundedSemaphore(self.workers + self.queue)
        self._tickets: dict[str, Ticket] = {}
        self._lock = threading.Lock()

    def busy(self) -> int:
        """Jobs running or waiting."""
        with self._lock:
            return len(self._tickets)

    def submit(self, job_id: str, work: Callable[[Ticket], Any], time_limit: float | None = None) -> Future:
        """Queue ``work(ticket)`` for the job; the future holds what it returns. Raises :class:`Full`."""
        if not self._slots.acquire(blocking=False):
            raise Full(f"{self.workers} computations running and {self.queue} waiting")
        limit = self.time_limit if time_limit is None else float(time_limit)
        ticket = Ticket(job_id, self.store, deadline=time.monotonic() + limit, limit=limit)
        timer = threading.Timer(limit, ticket.cancel, args=(f"time limit of {limit:g} s reached", "failed"))
        timer.daemon = True
        with self._lock:
            self._tickets[job_id] = ticket

        def run() -> Any:
            try:
                if ticket.stop.is_set():
                    raise Cancelled(ticket.why or "cancelled")
                self.store.update(job_id, status="running")
                return work(ticket)
            finally:
                timer.cancel()
                with self._lock:
                    self._tickets.pop(job_id, None)
                self._slots.release()

        try:
            with self._lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="tradewar-solve")
                pool = self._pool
            fut = pool.submit(run)
        except RuntimeError:
            timer.cancel()
            with self._lock:
                self._tickets.pop(job_id, None)
            self._slots.release()
            raise
        timer.start()
        return fut

    def cancel(self, job_id: str, why: str = "cancelled by the client") -> bool:
        """Stop a queued or running job; False when it is not running here."""
        with self._lock:
            ticket = self._tickets.get(job_id)
        if ticket is None:
            return False
        return ticket.cancel(why)

    def shutdown(self) -> None:
        """Fail the jobs still here and stop the workers (a later :meth:`submit` starts new ones)."""
        with self._lock:
            tickets = list(self._tickets.values())
            pool, self._pool = self._pool, None
        for t in tickets:
            t.cancel("the server is shutting down", status="failed")
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
