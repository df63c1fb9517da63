"""Requests as stored jobs on the worker pool: the glue between the routes, the store and the runner.

A solve or a report runs at once on a worker and the request waits for it (:meth:`Jobs.run_now`, 504
past the time limit); a strategic command is a background job (:meth:`Jobs.submit`, 202 and the job;
200 when an identical request already finished). Either way the store keeps the job, its progress and
its result under the request's cache key.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse

from .._exceptions import TradewarError
from . import _service as svc
from ._config import ServeConfig
from ._errors import NotFound, first_line
from ._models import JobInfo
from ._runner import Cancelled, Full, Runner, wait
from ._store import Store

__all__ = ["Jobs"]


class Jobs:
    """The jobs of one server: ``store`` keeps them, ``runner`` runs them under ``config``'s time limits."""

    def __init__(self, store: Store, runner: Runner, config: ServeConfig):
        self.store = store
        self.runner = runner
        self.config = config

    def get(self, jid: str):
        """The stored job ``jid`` (404 when there is none)."""
        job = self.store.get(jid)
        if job is None:
            raise NotFound(f"unknown job '{jid}'")
        return job

    def run_now(self, job, compute: Callable, stored: Callable, what: str):
        """Run ``compute(ticket)`` on a worker within the time limit and wait for it.

        The job is finished in the store with ``stored(value)`` (document, CSV) or failed with the error's
        first line; past the time limit the answer is a 504 response (the late value is not stored).
        """
        store, runner, limit = self.store, self.runner, self.config.solve_seconds

        def work(ticket):
            try:
                value = compute(ticket)
                ticket.progress(1.0, "saving")  # a value that comes after the time limit is not saved
            except Cancelled:
                raise
            except Exception as e:
                store.fail(job.id, first_line(e))
                raise
            store.finish(job.id, *stored(value))
            return value

        try:
            fut = runner.submit(job.id, work, time_limit=limit)
        except Full:
            store.fail(job.id, "busy: not started")
            raise
        try:
            return wait(fut, limit)
        except (concurrent.futures.TimeoutError, Cancelled) as e:  # Cancelled: time limit, DELETE or shutdown
            if not isinstance(e, Cancelled):  # the work stops at its next solve and frees its worker
                reason = f"time limit of {limit:g} s reached"
                if not runner.cancel(job.id, reason, "failed"):
                    # not marked here: marked before, or its ticket gone because the watchdog took the queued
                    # job and has yet to mark it; the store must say why before the answer goes (the first
                    # reason is kept, and a finished job stays finished)
                    store.fail(job.id, reason, "failed")
            why = (store.get(job.id).error if store.get(job.id) else None) or str(e)  # the store says why
            late = not isinstance(e, Cancelled) or why.startswith("time limit")
            detail = f"the {what} ran past the time limit of {limit:g} s" if late else \
                f"the {what} was stopped: {why}"
            return JSONResponse({"detail": detail}, status_code=504)

    def submit(self, kind: str, request: dict[str, Any], work: Callable, status_code: int = 202):
        """Queue ``work(progress) -> (document, csv, figures)`` as a background job of ``kind``; the answer is the job."""
        store = self.store
        key = svc.cache_key(kind, request)
        hit = store.find(key)
        if hit is not None:
            return JSONResponse(JobInfo(**hit.to_dict()).model_dump(), status_code=200)
        job = store.create(kind, key, request)

        def run(ticket):
            try:
                doc, csv, figs = work(ticket.progress)
                ticket.progress(1.0, "saving")  # a result that comes after the time limit is not saved
            except Cancelled:
                return None
            except TradewarError as e:
                store.fail(job.id, first_line(e))
                return None
            except Exception as e:  # noqa: BLE001 - a bug: the job says so instead of staying 'running'
                store.fail(job.id, f"internal error: {type(e).__name__}: {first_line(e)}")
                return None
            store.finish(job.id, doc, csv, figs)
            return None

        try:
            self.runner.submit(job.id, run)
        except Full:
            store.fail(job.id, "busy: not started")
            raise
        return JSONResponse(JobInfo(**self.get(job.id).to_dict()).model_dump(), status_code=status_code)
