"""The FastAPI application of ``tradewar serve``: the HTTP API and the page (see :func:`create_app`).

Endpoints (OpenAPI at ``/openapi.json``):

* ``GET /api/datasets``, ``GET /api/presets``, ``GET /api/presets/{name}`` (a scenario as JSON, the schema
  of the TOML files, given at ``GET /api/schema/scenario``);
* ``POST /api/solve`` (a scenario -> the fields of ``tradewar run --json``; ``?figures=ISO3`` adds the
  report's map and bars, ``?bilateral=true`` the new bilateral flows);
* ``POST /api/optimal``, ``/api/nash``, ``/api/talks``, ``/api/bloc``, ``/api/timeline``: background jobs
  (202 and the job; 200 when an identical request already finished), ``GET /api/jobs/{id}``,
  ``DELETE /api/jobs/{id}``, ``GET /api/results/{id}`` (JSON, or ``?format=csv``);
* ``GET /api/report/{country}``: the HTML report of ``tradewar report``.

Guard rails: bad input is 422 with one line naming the field; a body over ``max_body`` bytes is 413; a
solve past its time limit is 504; when every worker is busy and the queue is full, 503 with
``Retry-After``; with a token set, every request needs it in the ``Authorization`` header (``Bearer
TOKEN``, or HTTP Basic with the token as the password, which a browser asks for once), else 401 (never
in a URL, where logs and browser histories would keep it). A request whose ``Host`` is not one of
``allowed_hosts`` is refused (400): a web page elsewhere cannot reach the server through a DNS name that
points at 127.0.0.1 (DNS rebinding). No CORS headers unless origins are allowed.

Jobs stop cooperatively when cancelled or out of time (:mod:`tradewar.web._runner`); on shutdown the
server waits up to ``shutdown_seconds`` for running jobs and marks the rest failed.

The app is assembled here from its parts: the settings (:mod:`~tradewar.web._config`), the guards
(:mod:`~tradewar.web._guards`), the error answers (:mod:`~tradewar.web._errors`), the API routes
(:mod:`~tradewar.web._routes`) over the jobs (:mod:`~tradewar.web._jobs`: the store and the worker pool),
and the page (:mod:`~tradewar.web._page`).
"""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI

from . import _service as svc
from ._config import LOCAL_HOSTS, ServeConfig
from ._errors import add_error_handlers, openapi_schema
from ._guards import add_guards
from ._jobs import Jobs
from ._page import page_router
from ._routes import api_router, preset
from ._runner import Runner
from ._store import Store

__all__ = ["LOCAL_HOSTS", "ServeConfig", "create_app"]


def create_app(config: ServeConfig) -> FastAPI:
    """The application for ``config`` (the store is opened, and interrupted jobs marked failed, here)."""
    from .. import __version__

    store = Store(config.state, keep_days=config.keep_days, max_bytes=config.max_store)
    runner = Runner(store, workers=config.workers, queue=config.queue, time_limit=config.job_seconds)
    datasets = svc.Datasets.with_embedded(config.datasets)

    def warm() -> None:
        try:
            svc.solve(svc.server_scenario(preset("2025-04-02-liberation-day"), datasets))
        except Exception:  # noqa: BLE001 - warming is best effort; the first request reports any error
            pass

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        runner.start()
        if config.warm:
            threading.Thread(target=warm, daemon=True, name="tradewar-warm").start()
        yield
        runner.shutdown(config.shutdown_seconds)
        store.close()

    # no /docs or /redoc: FastAPI serves them from a CDN, and the server works offline
    app = FastAPI(title="tradewar", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Tariff wars, trade talks and trade blocs in general equilibrium: the HTTP API of "
                              "`tradewar serve`. Scenarios use the schema of the TOML files (`/api/schema/scenario`).")
    app.state.store = store
    app.state.runner = runner
    app.state.config = config
    app.state.datasets = datasets
    add_guards(app, config)
    add_error_handlers(app)
    app.include_router(api_router(datasets, Jobs(store, runner, config)))
    app.include_router(page_router())
    app.openapi = lambda: openapi_schema(app, token=bool(config.token))  # type: ignore[method-assign]
    return app
