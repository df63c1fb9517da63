"""The HTTP API of ``tradewar serve`` (the endpoints listed in :mod:`tradewar.web.app`), as one router.

Every endpoint validates its request, names it by a cache key and hands the computation to the library
through :mod:`tradewar.web._service`: solves and reports run at once within the time limit, strategic
commands and timelines are background jobs (:class:`~tradewar.web._jobs.Jobs`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

from .._exceptions import DataError
from ..scenario import Scenario
from . import _service as svc
from ._errors import ERRORS, NOT_FOUND, NotFound, short
from ._jobs import Jobs
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

__all__ = ["api_router", "preset", "is_preset"]


def is_preset(name: str) -> bool:
    """A preset's name (no path, no name too long for a file system), of a preset that exists."""
    from ..scenario import preset_path

    if not isinstance(name, str) or not 0 < len(name) <= 200 or any(ch in name for ch in "/\\\0"):
        return False
    try:
        return preset_path(name) is not None
    except (OSError, ValueError):
        return False


def preset(name: str) -> Scenario:
    """The scenario preset ``name``, without its file path (404 when there is none)."""
    from ..scenario import load_scenario

    if not is_preset(name):
        raise NotFound(f"unknown preset '{short(name)}'")
    s = load_scenario(name)
    return s.model_copy(update={"path": None})


def canonical(s: Scenario) -> dict[str, Any]:
    """A scenario as the JSON its cache key is made of."""
    return s.model_dump(mode="json", exclude={"path"})


def api_router(datasets: svc.Datasets, jobs: Jobs) -> APIRouter:
    """The API's routes for one server: its ``datasets`` and its ``jobs`` (store and worker pool)."""
    router = APIRouter()
    store = jobs.store
    runner = jobs.runner

    # --- data and presets ------------------------------------------------------------------------
    @router.get("/api/datasets", response_model=list[DatasetInfo], tags=["data"])
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

    @router.get("/api/presets", response_model=list[PresetInfo], tags=["data"])
    def list_presets_(lang: Literal["en", "ja", "zh"] = Query(
            "en", description="language of the titles: en, ja (Japanese) or zh (Chinese)")) -> list[PresetInfo]:
        """The scenario presets this server can solve (the dated 2025 steps first, by date) and the bloc presets.

        A preset whose data the server does not hold (one written for ``tradewar run NAME --data DIR``) is
        not listed: every preset listed here solves through ``POST /api/solve``. ``lang`` translates the
        titles; names stay as they are, since they are what ``POST /api/solve`` takes.
        """
        from .._i18n import translator
        from ..scenario import list_bloc_presets, list_presets, needs_data, preset_aliases

        tr = translator(lang)

        ps = [s for s in list_presets() if s.data.source in datasets.sources and not needs_data(s)]
        dated = [s for s in ps if s.date and s.date.startswith("2025")]
        rest = [s for s in ps if s not in dated]
        out = [PresetInfo(name=s.name, title=tr.text(s.title), date=s.date, model=s.model.family, data=s.data.source,
                          needs_data=needs_data(s), aliases=preset_aliases(s.name)) for s in dated + rest]
        out += [PresetInfo(name=b["name"], title=tr.text(str(b.get("title", ""))), date=None, model="", data="",
                           needs_data=False, aliases=[], kind="bloc") for b in list_bloc_presets()]
        return out

    @router.get("/api/presets/{name}", response_model=Scenario, responses=NOT_FOUND, tags=["data"])
    def get_preset(name: str) -> Scenario:
        """A scenario preset as JSON (the schema of the TOML files)."""
        return preset(name)

    @router.get("/api/schema/scenario", tags=["data"])
    def scenario_schema() -> dict[str, Any]:
        """The JSON Schema of a scenario."""
        return Scenario.model_json_schema()

    # --- solve -----------------------------------------------------------------------------------
    @router.post("/api/solve", response_model=SolveResult, responses={**ERRORS, 504: {"model": ErrorInfo}},
                 tags=["solve"])
    def solve(
        scenario: Annotated[Scenario, Body()],
        bilateral: Annotated[bool, Query(description="Add the new bilateral flows (exporter x importer).")] = False,
        figures: Annotated[str | None, Query(min_length=2, max_length=8, pattern=r"^[A-Za-z][A-Za-z0-9_]*$",
                                             description="Add the report's map and bars with this focus country.")] = None,
    ):
        """Solve a scenario: the same fields as ``tradewar run --json`` and the id of the stored result."""
        s = svc.server_scenario(scenario, datasets)
        request = {"scenario": canonical(scenario), "bilateral": bilateral}
        key = svc.cache_key("solve", request)
        if figures is None:
            hit = store.find(key)
            if hit is not None:
                got = store.result(hit.id)
                if got is not None:
                    return {**got[0], "id": hit.id, "cached": True}
        job = store.create("solve", key, request)
        got = jobs.run_now(job, lambda ticket: svc.solve(s, bilateral=bilateral), lambda v: (v[0], v[1]), "solve")
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
        request = {"scenario": canonical(req.scenario), **params}
        return jobs.submit(kind, request, lambda progress: svc.strategic(kind, s, params, datasets, progress))

    JOB = {200: {"model": JobInfo, "description": "An identical request already finished"},
           202: {"model": JobInfo, "description": "The job, queued"}, **ERRORS}

    @router.post("/api/optimal", status_code=202, responses=JOB, tags=["strategy"])
    def optimal(req: OptimalRequest):
        """The tariffs that maximise a country's welfare (``tradewar optimal``), as a background job."""
        return _strategic("optimal", req, {"country": req.country.upper(), "instrument": req.instrument,
                                           "lower": req.lower})

    @router.post("/api/nash", status_code=202, responses=JOB, tags=["strategy"])
    def nash(req: NashRequest):
        """The Nash equilibrium of a tariff war (``tradewar nash``), as a background job."""
        return _strategic("nash", req, {"players": [p.upper() for p in req.players], "instrument": req.instrument,
                                        "lower": req.lower, "max_rounds": req.max_rounds, "tol": req.tol})

    @router.post("/api/talks", status_code=202, responses=JOB, tags=["strategy"])
    def talks(req: TalksRequest):
        """Nash bargaining and the deal frontier of two parties (``tradewar talks``), as a background job."""
        return _strategic("talks", req, {"parties": [p.upper() for p in req.parties], "threat": req.threat,
                                         "instruments": req.instruments, "weight": req.weight, "lower": req.lower,
                                         "frontier": req.frontier})

    @router.post("/api/bloc", status_code=202, responses=JOB, tags=["strategy"])
    def bloc(req: BlocRequest):
        """A bloc game (``tradewar bloc``), as a background job."""
        from ..strategy._blocs import list_blocs

        datasets.resolve(req.dataset, "dataset")
        if req.bloc not in list_blocs():
            return JSONResponse({"detail": f"key 'bloc': unknown bloc preset '{req.bloc}' (choose from "
                                 f"{', '.join(list_blocs())})"}, status_code=422)
        svc.check_bloc(req.bloc, datasets.resolve(req.dataset, "dataset"), req.dataset)
        params = {"bloc": req.bloc, "dataset": req.dataset}
        return jobs.submit("bloc", params, lambda progress: svc.strategic("bloc", None, params, datasets, progress))

    @router.post("/api/timeline", status_code=202, responses=JOB, tags=["strategy"])
    def timeline(req: TimelineRequest):
        """The dated presets solved in order for a country (``tradewar timeline``), as a background job."""
        from ..report._sectors import WORLD2022S_TIMELINE
        from ..report.timeline import DEFAULT_TIMELINE
        from ..scenario import PRESET_ALIASES, load_scenario

        src = datasets.resolve(req.dataset, "dataset")
        steps = list(req.steps or (WORLD2022S_TIMELINE if req.dataset == "world2022s" else DEFAULT_TIMELINE))
        for k, st in enumerate(steps):
            if not is_preset(st):
                return JSONResponse({"detail": f"key 'steps.{k}': unknown preset '{short(st)}' (steps are preset "
                                     "names)"}, status_code=422)
        steps = [PRESET_ALIASES.get(st, st) for st in steps]
        world = svc._load(src)
        for k, st in enumerate(steps):
            family = load_scenario(st).model.family
            kind = "one-sector" if family in ("ilms", "armington") else "sectoral"
            if (kind == "one-sector") == world.has_sectors:  # every step runs on the dataset asked for
                return JSONResponse({"detail": f"key 'steps.{k}': preset '{st}' uses the {kind} model '{family}' "
                                     f"and dataset '{req.dataset}' has {world.n_sectors} sector(s); choose a "
                                     f"{kind} dataset"}, status_code=422)

        try:
            world.index(req.country)
        except DataError as e:
            return JSONResponse({"detail": f"key 'country': {e}"}, status_code=422)
        params = {"country": req.country.upper(), "steps": steps, "dataset": req.dataset}

        def work(progress):
            doc, csv = svc.timeline_doc(params["country"], steps, src, progress)
            return doc, csv, None

        return jobs.submit("timeline", params, work)

    @router.get("/api/jobs/{job_id}", response_model=JobInfo, responses=NOT_FOUND, tags=["jobs"])
    def job_status(job_id: str) -> JobInfo:
        """Status and progress of a job."""
        return JobInfo(**jobs.get(job_id).to_dict())

    @router.delete("/api/jobs/{job_id}", response_model=JobInfo, responses=NOT_FOUND, tags=["jobs"])
    def cancel_job(job_id: str) -> JobInfo:
        """Cancel a queued or running job (a finished job is left as it is)."""
        jobs.get(job_id)
        runner.cancel(job_id)
        return JobInfo(**jobs.get(job_id).to_dict())

    @router.get("/api/results/{job_id}", responses={**NOT_FOUND, 409: {"model": ErrorInfo},
                                                    200: {"content": {"application/json": {}, "text/csv": {}}}},
                tags=["jobs"])
    def job_result(job_id: str, format: Literal["json", "csv"] = "json", figures: bool = False):
        """The result of a finished job: its JSON document, or the per-country table as CSV."""
        job = jobs.get(job_id)
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
    @router.get("/api/report/{country}", response_class=HTMLResponse,
                responses={**ERRORS, 504: {"model": ErrorInfo}}, tags=["report"])
    def report(country: str, dataset: str = "world2023", steps: str | None = Query(None, max_length=2000),
               sections: str | None = Query(None, max_length=200),
               lang: Literal["en", "ja", "zh"] = Query("en", description="en, ja (Japanese) or zh (Chinese)")):
        """The self-contained HTML report of ``tradewar report`` for a country (``steps``, ``sections``: comma lists;
        ``lang``: its language)."""
        from ..report.sections import SECTIONS

        src = datasets.resolve(dataset, "dataset")
        step_list = [x.strip() for x in steps.split(",") if x.strip()] if steps else None
        for k, st in enumerate(step_list or []):
            if not is_preset(st):
                return JSONResponse({"detail": f"query parameter 'steps': unknown preset '{short(st)}' (item {k + 1})"},
                                    status_code=422)
        ids = [sid for sid, _, _ in SECTIONS]
        sec_list = [x.strip() for x in sections.split(",") if x.strip()] if sections else None
        for x in sec_list or []:
            if x not in ids:
                return JSONResponse({"detail": f"query parameter 'sections': unknown section '{x}' (choose from "
                                     f"{', '.join(ids)})"}, status_code=422)

        try:
            svc._load(src).index(country)
        except DataError as e:
            return JSONResponse({"detail": f"path parameter 'country': {e}"}, status_code=422)
        request = {"country": country.upper(), "dataset": dataset, "steps": step_list, "sections": sec_list}
        if lang != "en":  # English keeps the cache keys it had before there were languages
            request["lang"] = lang
        key = svc.cache_key("report", request)
        hit = store.find(key)
        if hit is not None and (got := store.result(hit.id)) is not None:
            return HTMLResponse(got[0]["html"])
        job = store.create("report", key, request)
        got = jobs.run_now(job, lambda ticket: svc.report_html(country.upper(), step_list, src, sec_list,
                                                               ticket.progress, lang=lang),
                           lambda html: ({"html": html}, ""), "report")
        return got if isinstance(got, JSONResponse) else HTMLResponse(got)

    return router
