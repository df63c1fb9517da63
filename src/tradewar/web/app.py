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
"""

from __future__ import annotations

import base64
import concurrent.futures
import secrets
import threading
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Body, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from .._exceptions import ConvergenceError, TradewarError
from ..scenario import Scenario
from . import _service as svc
from ._models import (
    BlocRequest,
    DatasetInfo,
    ErrorInfo,
    JobInfo,
    NashRequest,
    OptimalRequest,
    PresetInfo,
    SolveResult,
    TalksRequest,
    TimelineRequest,
)
from ._runner import Cancelled, Full, Runner, wait
from ._store import Store

__all__ = ["ServeConfig", "create_app"]


#: The names of this machine a browser uses to reach a server on 127.0.0.1.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class ServeConfig:
    """Settings of the server.

    ``state``: folder of the SQLite store; ``datasets``: extra datasets ``{name: folder}``; ``token``: the
    shared secret every request must carry (None: none); ``workers``: computations at once; ``queue``:
    computations waiting beyond them; ``solve_seconds``: time limit of a solve or report; ``job_seconds``:
    time limit of a background job; ``max_body``: largest request body in bytes; ``cors_origins``:
    origins allowed to call the API from a browser (none by default); ``warm``: solve one scenario at
    start-up so the first request finds the solvers compiled; ``allowed_hosts``: the names a request's
    ``Host`` header may give (``*`` allows any; ``*.example.org`` a domain); ``keep_days``: finished jobs
    older than this are deleted; ``max_store``: bytes of live data in the store beyond which the oldest
    finished jobs are deleted; ``shutdown_seconds``: how long shutdown waits for running jobs.
    """

    state: Path
    datasets: dict[str, str] = field(default_factory=dict)
    token: str | None = None
    workers: int = 2
    queue: int = 16
    solve_seconds: float = 60.0
    job_seconds: float = 1800.0
    max_body: int = 256 * 1024
    cors_origins: tuple[str, ...] = ()
    warm: bool = False
    allowed_hosts: tuple[str, ...] = LOCAL_HOSTS
    keep_days: float | None = None
    max_store: int | None = None
    shutdown_seconds: float = 30.0


ERRORS = {422: {"model": ErrorInfo, "description": "Bad input (one line naming the field)"},
          503: {"model": ErrorInfo, "description": "Busy: every worker and the queue are taken (see Retry-After)"}}
NOT_FOUND = {404: {"model": ErrorInfo, "description": "No such job, result or preset"}}


def _short(text: str, n: int = 60) -> str:
    """A name quoted back to the client, cut to ``n`` characters."""
    text = str(text)
    return text if len(text) <= n else f"{text[:n]}… ({len(text)} characters)"


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def _validation_message(exc: RequestValidationError) -> str:
    """One line for the first error of a request, in the words of the scenario loader."""
    from ..models._params import FAMILY_SCHEMAS, error_message

    errs = exc.errors()
    if not errs:
        return "invalid request"
    err = errs[0]
    loc = tuple(err.get("loc", ()))
    where = loc[0] if loc and loc[0] in ("body", "query", "path", "header") else None
    loc = loc[1:] if where else loc
    if err.get("type") == "json_invalid":
        return f"the request body is not valid JSON ({err.get('msg', '')})"
    inner = loc[1:] if loc and loc[0] == "scenario" else loc
    prefix = loc[:1] if loc and loc[0] == "scenario" else ()
    schema = FAMILY_SCHEMAS.get(inner[1]) if len(inner) > 1 and inner[0] == "model" else None
    if err.get("type") == "union_tag_invalid" and inner == ("model",):
        fam = err.get("input", {}).get("family") if isinstance(err.get("input"), dict) else None
        inner = ("model", "family")
        msg = f"unknown model family {fam!r} (choose from {', '.join(FAMILY_SCHEMAS)})"
    else:
        msg = error_message(err, schema)
    if len(inner) > 1 and inner[0] == "model" and inner[1] in FAMILY_SCHEMAS:
        inner = inner[:1] + inner[2:]
    key = ".".join(str(k) for k in (*prefix, *inner))
    if where in ("query", "path"):
        return f"{where} parameter '{key}': {msg}"
    return (f"key '{key}': " if key else "") + msg


class _BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes is answered 413 before it reaches the app."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await self._too_large(send)
        seen = 0
        refused = False

        async def limited():
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.limit:
                    refused = True
                    await self._too_large(send)
                    return {"type": "http.disconnect"}
            return msg

        async def guarded_send(message):
            if not refused:
                await send(message)

        try:
            return await self.app(scope, limited, guarded_send)
        except Exception:
            if refused:  # the app stopped reading a body that was refused already
                return None
            raise

    async def _too_large(self, send):
        resp = JSONResponse({"detail": f"the request body is over the limit of {self.limit} bytes"}, status_code=413)
        await send({"type": "http.response.start", "status": 413, "headers": resp.raw_headers})
        await send({"type": "http.response.body", "body": resp.body})


class _Token:
    """ASGI middleware: every request must carry the token in its ``Authorization`` header, else 401.

    ``Bearer TOKEN`` for programs; ``Basic`` with the token as the password (any user name) for a
    browser, which asks for it once and sends it with every request of the page.
    """

    def __init__(self, app, token: str):
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        given = b""
        auth = headers.get(b"authorization", b"")
        scheme, _, value = auth.partition(b" ")
        if scheme.lower() == b"bearer":
            given = value.strip()
        elif scheme.lower() == b"basic":
            try:
                given = base64.b64decode(value.strip(), validate=True).partition(b":")[2]
            except ValueError:
                given = b""
        if not secrets.compare_digest(given, self.token):
            why = "missing" if not auth else "wrong"
            resp = JSONResponse({"detail": f"{why} token: this server needs its token on every request, in the "
                                 "Authorization header (Bearer TOKEN; a browser asks for it as the password)"},
                                status_code=401, headers={"WWW-Authenticate": 'Basic realm="tradewar", charset="UTF-8"'})
            return await resp(scope, receive, send)
        return await self.app(scope, receive, send)


class _Hosts:
    """ASGI middleware: a ``Host`` header that is not one of the allowed names is refused (400).

    A page on another site cannot then reach a server on 127.0.0.1 through a DNS name it controls
    (DNS rebinding): the browser sends that name as the host.
    """

    def __init__(self, app, allowed: tuple[str, ...]):
        self.app = app
        self.allowed = tuple(h.strip().lower().strip("[]") for h in allowed if h.strip())
        self.any = "*" in self.allowed

    def allows(self, host: str) -> bool:
        if self.any:
            return True
        for a in self.allowed:
            if host == a or (a.startswith("*.") and host.endswith(a[1:])):
                return True
        return False

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or self.any:
            return await self.app(scope, receive, send)
        raw = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1").strip().lower()
        host = raw[1:].partition("]")[0] if raw.startswith("[") else raw.rpartition(":")[0] if raw.count(":") == 1 else raw
        if not self.allows(host):
            resp = JSONResponse({"detail": f"host '{raw[:100]}' is not served here (allowed: {', '.join(self.allowed)}; "
                                 "the operator adds names with tradewar serve --allow-host NAME)"}, status_code=400)
            return await resp(scope, receive, send)
        return await self.app(scope, receive, send)


def _static(name: str) -> bytes:
    return resources.files("tradewar.web").joinpath("static", name).read_bytes()


def create_app(config: ServeConfig) -> FastAPI:
    """The application for ``config`` (the store is opened, and interrupted jobs marked failed, here)."""
    from contextlib import asynccontextmanager

    from .. import __version__

    store = Store(config.state, keep_days=config.keep_days, max_bytes=config.max_store)
    runner = Runner(store, workers=config.workers, queue=config.queue, time_limit=config.job_seconds)
    datasets = svc.Datasets.with_embedded(config.datasets)
    assets: dict[str, tuple[bytes, str]] = {}
    assets_lock = threading.Lock()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        runner.start()
        if config.warm:
            threading.Thread(target=_warm, daemon=True, name="tradewar-warm").start()
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
    app.add_middleware(_BodyLimit, limit=config.max_body)
    if config.token:
        app.add_middleware(_Token, token=config.token)
    app.add_middleware(_Hosts, allowed=tuple(config.allowed_hosts))  # the outermost: checked first
    if config.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(config.cors_origins), allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "Content-Type"])

    # --- errors ----------------------------------------------------------------------------------
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return JSONResponse({"detail": _validation_message(exc)}, status_code=422)

    @app.exception_handler(ConvergenceError)
    async def _unconverged(request: Request, exc: ConvergenceError):
        return JSONResponse({"detail": _first_line(exc)}, status_code=422)

    @app.exception_handler(TradewarError)
    async def _bad_input(request: Request, exc: TradewarError):
        return JSONResponse({"detail": _first_line(exc)}, status_code=422)

    @app.exception_handler(Full)
    async def _full(request: Request, exc: Full):
        return JSONResponse({"detail": f"busy: {exc}; try again shortly"}, status_code=503,
                            headers={"Retry-After": "5"})

    def _warm() -> None:
        try:
            svc.solve(svc.server_scenario(_preset("2025-04-02-liberation-day"), datasets))
        except Exception:  # noqa: BLE001 - warming is best effort; the first request reports any error
            pass

    def _preset(name: str) -> Scenario:
        from ..scenario import load_scenario

        if not _is_preset(name):
            raise _NotFound(f"unknown preset '{_short(name)}'")
        s = load_scenario(name)
        return s.model_copy(update={"path": None})

    class _NotFound(Exception):
        pass

    @app.exception_handler(_NotFound)
    async def _not_found(request: Request, exc: _NotFound):
        return JSONResponse({"detail": str(exc)}, status_code=404)

    def _is_preset(name: str) -> bool:
        """A preset's name (no path, no name too long for a file system), of a preset that exists."""
        from ..scenario import preset_path

        if not isinstance(name, str) or not 0 < len(name) <= 200 or any(ch in name for ch in "/\\\0"):
            return False
        try:
            return preset_path(name) is not None
        except (OSError, ValueError):
            return False

    def _job(jid: str):
        job = store.get(jid)
        if job is None:
            raise _NotFound(f"unknown job '{jid}'")
        return job

    def _run_job(kind: str, request: dict[str, Any], work, status_code: int = 202):
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
                store.fail(job.id, _first_line(e))
                return None
            except Exception as e:  # noqa: BLE001 - a bug: the job says so instead of staying 'running'
                store.fail(job.id, f"internal error: {type(e).__name__}: {_first_line(e)}")
                return None
            store.finish(job.id, doc, csv, figs)
            return None

        try:
            runner.submit(job.id, run)
        except Full:
            store.fail(job.id, "busy: not started")
            raise
        return JSONResponse(JobInfo(**_job(job.id).to_dict()).model_dump(), status_code=status_code)

    def _canonical(s: Scenario) -> dict[str, Any]:
        return s.model_dump(mode="json", exclude={"path"})

    # --- data and presets ------------------------------------------------------------------------
    @app.get("/api/datasets", response_model=list[DatasetInfo], tags=["data"])
    def list_datasets() -> list[DatasetInfo]:
        """The datasets a scenario can name in ``data.source``: the embedded worlds and the operator's.

        The size of an embedded world is given (economies, and sectors where it has more than one).
        """
        out = []
        for name in datasets.names():
            if name in svc.EMBEDDED:
                w = svc._load(name)
                out.append(DatasetInfo(name=name, embedded=True, countries=w.n,
                                       sectors=w.n_sectors if w.n_sectors > 1 else None))
            else:
                out.append(DatasetInfo(name=name, embedded=False))
        return out

    @app.get("/api/presets", response_model=list[PresetInfo], tags=["data"])
    def list_presets_() -> list[PresetInfo]:
        """The scenario presets this server can solve (the dated 2025 steps first, by date) and the bloc presets.

        A preset whose data the server does not hold (one written for ``tradewar run NAME --data DIR``) is
        not listed: every preset listed here solves through ``POST /api/solve``.
        """
        from ..scenario import list_bloc_presets, list_presets, needs_data, preset_aliases

        ps = [s for s in list_presets() if s.data.source in datasets.sources and not needs_data(s)]
        dated = [s for s in ps if s.date and s.date.startswith("2025")]
        rest = [s for s in ps if s not in dated]
        out = [PresetInfo(name=s.name, title=s.title, date=s.date, model=s.model.family, data=s.data.source,
                          needs_data=needs_data(s), aliases=preset_aliases(s.name)) for s in dated + rest]
        out += [PresetInfo(name=b["name"], title=str(b.get("title", "")), date=None, model="", data="",
                           needs_data=False, aliases=[], kind="bloc") for b in list_bloc_presets()]
        return out

    @app.get("/api/presets/{name}", response_model=Scenario, responses=NOT_FOUND, tags=["data"])
    def get_preset(name: str) -> Scenario:
        """A scenario preset as JSON (the schema of the TOML files)."""
        return _preset(name)

    @app.get("/api/schema/scenario", tags=["data"])
    def scenario_schema() -> dict[str, Any]:
        """The JSON Schema of a scenario."""
        return Scenario.model_json_schema()

    def _run_now(job, compute, stored, what: str):
        """Run ``compute(ticket)`` on a worker within the time limit and wait for it.

        The job is finished in the store with ``stored(value)`` (document, CSV) or failed with the error's
        first line; past the time limit the answer is a 504 response (the late value is not stored).
        """

        def work(ticket):
            try:
                value = compute(ticket)
                ticket.progress(1.0, "saving")  # a value that comes after the time limit is not saved
            except Cancelled:
                raise
            except Exception as e:
                store.fail(job.id, _first_line(e))
                raise
            store.finish(job.id, *stored(value))
            return value

        try:
            fut = runner.submit(job.id, work, time_limit=config.solve_seconds)
        except Full:
            store.fail(job.id, "busy: not started")
            raise
        try:
            return wait(fut, config.solve_seconds)
        except (concurrent.futures.TimeoutError, Cancelled) as e:  # Cancelled: time limit, DELETE or shutdown
            if not isinstance(e, Cancelled):  # the work stops at its next solve and frees its worker
                runner.cancel(job.id, f"time limit of {config.solve_seconds:g} s reached", "failed")
            why = (store.get(job.id).error if store.get(job.id) else None) or str(e)  # the store says why
            late = not isinstance(e, Cancelled) or why.startswith("time limit")
            detail = f"the {what} ran past the time limit of {config.solve_seconds:g} s" if late else \
                f"the {what} was stopped: {why}"
            return JSONResponse({"detail": detail}, status_code=504)

    # --- solve -----------------------------------------------------------------------------------
    @app.post("/api/solve", response_model=SolveResult, responses={**ERRORS, 504: {"model": ErrorInfo}},
              tags=["solve"])
    def solve(
        scenario: Annotated[Scenario, Body()],
        bilateral: Annotated[bool, Query(description="Add the new bilateral flows (exporter x importer).")] = False,
        figures: Annotated[str | None, Query(min_length=2, max_length=8, pattern=r"^[A-Za-z][A-Za-z0-9_]*$",
                                             description="Add the report's map and bars with this focus country.")] = None,
    ):
        """Solve a scenario: the same fields as ``tradewar run --json`` and the id of the stored result."""
        s = svc.server_scenario(scenario, datasets)
        request = {"scenario": _canonical(scenario), "bilateral": bilateral}
        key = svc.cache_key("solve", request)
        if figures is None:
            hit = store.find(key)
            if hit is not None:
                got = store.result(hit.id)
                if got is not None:
                    return {**got[0], "id": hit.id, "cached": True}
        job = store.create("solve", key, request)
        got = _run_now(job, lambda ticket: svc.solve(s, bilateral=bilateral), lambda v: (v[0], v[1]), "solve")
        if isinstance(got, JSONResponse):
            return got
        doc, _, res = got
        out = {**doc, "id": job.id, "cached": False}
        if figures is not None:
            out["figures"] = svc.figures_of(res, figures.upper())
        return out

    # --- background jobs -------------------------------------------------------------------------
    def _strategic(kind: str, req, params: dict[str, Any]):
        s = svc.server_scenario(req.scenario, datasets)
        svc.check_strategic(kind, s, params)
        request = {"scenario": _canonical(req.scenario), **params}
        return _run_job(kind, request, lambda progress: svc.strategic(kind, s, params, datasets, progress))

    JOB = {200: {"model": JobInfo, "description": "An identical request already finished"},
           202: {"model": JobInfo, "description": "The job, queued"}, **ERRORS}

    @app.post("/api/optimal", status_code=202, responses=JOB, tags=["strategy"])
    def optimal(req: OptimalRequest):
        """The tariffs that maximise a country's welfare (``tradewar optimal``), as a background job."""
        return _strategic("optimal", req, {"country": req.country.upper(), "instrument": req.instrument,
                                           "lower": req.lower})

    @app.post("/api/nash", status_code=202, responses=JOB, tags=["strategy"])
    def nash(req: NashRequest):
        """The Nash equilibrium of a tariff war (``tradewar nash``), as a background job."""
        return _strategic("nash", req, {"players": [p.upper() for p in req.players], "instrument": req.instrument,
                                        "lower": req.lower, "max_rounds": req.max_rounds, "tol": req.tol})

    @app.post("/api/talks", status_code=202, responses=JOB, tags=["strategy"])
    def talks(req: TalksRequest):
        """Nash bargaining and the deal frontier of two parties (``tradewar talks``), as a background job."""
        return _strategic("talks", req, {"parties": [p.upper() for p in req.parties], "threat": req.threat,
                                         "instruments": req.instruments, "weight": req.weight, "lower": req.lower,
                                         "frontier": req.frontier})

    @app.post("/api/bloc", status_code=202, responses=JOB, tags=["strategy"])
    def bloc(req: BlocRequest):
        """A bloc game (``tradewar bloc``), as a background job."""
        from ..strategy._blocs import list_blocs

        datasets.resolve(req.dataset, "dataset")
        if req.bloc not in list_blocs():
            return JSONResponse({"detail": f"key 'bloc': unknown bloc preset '{req.bloc}' (choose from "
                                 f"{', '.join(list_blocs())})"}, status_code=422)
        params = {"bloc": req.bloc, "dataset": req.dataset}
        return _run_job("bloc", params, lambda progress: svc.strategic("bloc", None, params, datasets, progress))

    @app.post("/api/timeline", status_code=202, responses=JOB, tags=["strategy"])
    def timeline(req: TimelineRequest):
        """The dated presets solved in order for a country (``tradewar timeline``), as a background job."""
        from ..report._sectors import WORLD2022S_TIMELINE
        from ..report.timeline import DEFAULT_TIMELINE
        from ..scenario import PRESET_ALIASES

        src = datasets.resolve(req.dataset, "dataset")
        steps = list(req.steps or (WORLD2022S_TIMELINE if req.dataset == "world2022s" else DEFAULT_TIMELINE))
        for k, st in enumerate(steps):
            if not _is_preset(st):
                return JSONResponse({"detail": f"key 'steps.{k}': unknown preset '{_short(st)}' (steps are preset "
                                     "names)"}, status_code=422)
        steps = [PRESET_ALIASES.get(st, st) for st in steps]

        svc._load(src).index(req.country)
        params = {"country": req.country.upper(), "steps": steps, "dataset": req.dataset}

        def work(progress):
            doc, csv = svc.timeline_doc(params["country"], steps, src, progress)
            return doc, csv, None

        return _run_job("timeline", params, work)

    @app.get("/api/jobs/{job_id}", response_model=JobInfo, responses=NOT_FOUND, tags=["jobs"])
    def job_status(job_id: str) -> JobInfo:
        """Status and progress of a job."""
        return JobInfo(**_job(job_id).to_dict())

    @app.delete("/api/jobs/{job_id}", response_model=JobInfo, responses=NOT_FOUND, tags=["jobs"])
    def cancel_job(job_id: str) -> JobInfo:
        """Cancel a queued or running job (a finished job is left as it is)."""
        _job(job_id)
        runner.cancel(job_id)
        return JobInfo(**_job(job_id).to_dict())

    @app.get("/api/results/{job_id}", responses={**NOT_FOUND, 409: {"model": ErrorInfo},
                                                 200: {"content": {"application/json": {}, "text/csv": {}}}},
             tags=["jobs"])
    def job_result(job_id: str, format: Literal["json", "csv"] = "json", figures: bool = False):
        """The result of a finished job: its JSON document, or the per-country table as CSV."""
        job = _job(job_id)
        got = store.result(job_id)
        if got is None:
            why = f": {job.error}" if job.error else ""
            return JSONResponse({"detail": f"job '{job_id}' is {job.status}, no result{why}"}, status_code=409)
        doc, csv, figs = got
        if format == "csv":
            return PlainTextResponse(csv, media_type="text/csv",
                                     headers={"Content-Disposition": f'attachment; filename="tradewar-{job_id[:8]}.csv"'})
        if figures and figs is not None:
            doc = {**doc, "figures": figs}
        return doc

    # --- report ----------------------------------------------------------------------------------
    @app.get("/api/report/{country}", response_class=HTMLResponse, responses={**ERRORS, 504: {"model": ErrorInfo}},
             tags=["report"])
    def report(country: str, dataset: str = "world2023", steps: str | None = Query(None, max_length=2000),
               sections: str | None = Query(None, max_length=200),
               lang: Literal["en", "ja", "zh"] = Query("en", description="en, ja (Japanese) or zh (Chinese)")):
        """The self-contained HTML report of ``tradewar report`` for a country (``steps``, ``sections``: comma lists;
        ``lang``: its language)."""
        from ..report.sections import SECTIONS

        src = datasets.resolve(dataset, "dataset")
        step_list = [x.strip() for x in steps.split(",") if x.strip()] if steps else None
        for k, st in enumerate(step_list or []):
            if not _is_preset(st):
                return JSONResponse({"detail": f"query parameter 'steps': unknown preset '{_short(st)}' (item {k + 1})"},
                                    status_code=422)
        ids = [sid for sid, _, _ in SECTIONS]
        sec_list = [x.strip() for x in sections.split(",") if x.strip()] if sections else None
        for x in sec_list or []:
            if x not in ids:
                return JSONResponse({"detail": f"query parameter 'sections': unknown section '{x}' (choose from "
                                     f"{', '.join(ids)})"}, status_code=422)

        svc._load(src).index(country)
        request = {"country": country.upper(), "dataset": dataset, "steps": step_list, "sections": sec_list}
        if lang != "en":  # English keeps the cache keys it had before there were languages
            request["lang"] = lang
        key = svc.cache_key("report", request)
        hit = store.find(key)
        if hit is not None and (got := store.result(hit.id)) is not None:
            return HTMLResponse(got[0]["html"])
        job = store.create("report", key, request)
        got = _run_now(job, lambda ticket: svc.report_html(country.upper(), step_list, src, sec_list, ticket.progress,
                                                           lang=lang),
                       lambda html: ({"html": html}, ""), "report")
        return got if isinstance(got, JSONResponse) else HTMLResponse(got)

    def openapi_schema() -> dict[str, Any]:
        """FastAPI's schema, with every 422 answer described as the one-line :class:`ErrorInfo` it is."""
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            ref = {"$ref": "#/components/schemas/ErrorInfo"}
            doc.setdefault("components", {}).setdefault("schemas", {})["ErrorInfo"] = ErrorInfo.model_json_schema()
            def err(text: str) -> dict[str, Any]:
                return {"description": text, "content": {"application/json": {"schema": ref}}}

            for ops in doc.get("paths", {}).values():
                for method, op in ops.items():
                    resp = op.setdefault("responses", {})
                    if "422" in resp:
                        resp["422"] = err("Bad input (one line naming the field)")
                    if method in ("post", "put", "patch"):
                        resp.setdefault("400", err("The request body cannot be read (e.g. not UTF-8)"))
                        resp.setdefault("413", err("The request body is over the size limit"))
                    if config.token:
                        resp.setdefault("401", err("The token is missing or wrong"))
            for name in ("HTTPValidationError", "ValidationError"):
                doc["components"]["schemas"].pop(name, None)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi_schema  # type: ignore[method-assign]

    # --- the page --------------------------------------------------------------------------------
    def _asset(name: str) -> tuple[bytes, str]:
        with assets_lock:
            if name not in assets:
                if name == "plotly.js":
                    from plotly.offline import get_plotlyjs

                    assets[name] = (get_plotlyjs().encode(), "text/javascript")
                elif name in ("i18n-ja.json", "i18n-zh.json"):  # the page's texts from the gettext catalogue
                    import json

                    from ._page_i18n import page_catalogue

                    doc = page_catalogue(name[5:7])
                    assets[name] = (json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode(),
                                    "application/json")
                elif name == "world.geojson":
                    import json

                    from ..report._geo import world_geojson

                    assets[name] = (json.dumps(world_geojson(), separators=(",", ":")).encode(), "application/json")
                else:
                    kind = {"js": "text/javascript", "css": "text/css", "html": "text/html"}[name.rsplit(".", 1)[1]]
                    assets[name] = (_static(name), kind)
            return assets[name]

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page():
        body, _ = _asset("index.html")
        return HTMLResponse(body, headers={"Content-Security-Policy": "default-src 'self'; script-src 'self' "
                                           "'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:"})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return Response(status_code=204)

    @app.get("/assets/{name}", include_in_schema=False)
    def asset(name: str):
        if name not in ("app.js", "app.css", "plotly.js", "world.geojson", "i18n.js", "i18n-ja.json", "i18n-zh.json"):
            raise _NotFound(f"no asset '{name}'")
        body, kind = _asset(name)
        return Response(body, media_type=kind, headers={"Cache-Control": "max-age=3600"})

    return app
