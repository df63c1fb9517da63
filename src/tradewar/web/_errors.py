"""How the web app answers errors: one line naming the field, with the status the OpenAPI schema declares.

Bad input (a scenario the loader refuses, a solve that does not converge, an unknown field) is 422, an
unknown job, result, preset or asset 404, a full queue 503 with ``Retry-After``. :func:`openapi_schema`
describes every 422 as the one-line :class:`~tradewar.web._models.ErrorInfo` it is.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from .._exceptions import ConvergenceError, TradewarError
from ._models import ErrorInfo
from ._runner import Full

__all__ = ["ERRORS", "NOT_FOUND", "NotFound", "short", "first_line", "validation_message", "add_error_handlers",
           "openapi_schema"]

ERRORS = {422: {"model": ErrorInfo, "description": "Bad input (one line naming the field)"},
          503: {"model": ErrorInfo, "description": "Busy: every worker and the queue are taken (see Retry-After)"}}
NOT_FOUND = {404: {"model": ErrorInfo, "description": "No such job, result or preset"}}


class NotFound(Exception):
    """No such job, result, preset or asset: answered 404 with the message."""


def short(text: str, n: int = 60) -> str:
    """A name quoted back to the client, cut to ``n`` characters."""
    text = str(text)
    return text if len(text) <= n else f"{text[:n]}… ({len(text)} characters)"


def first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def validation_message(exc: RequestValidationError) -> str:
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
    if where == "body" and not key and err.get("type") == "missing":
        return "the request has no JSON body: send the request's fields as a JSON object"
    if where in ("query", "path"):
        return f"{where} parameter '{key}': {msg}"
    return (f"key '{key}': " if key else "") + msg


def add_error_handlers(app: FastAPI) -> None:
    """Answer the library's errors, a full queue and unknown names in one line each."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return JSONResponse({"detail": validation_message(exc)}, status_code=422)

    @app.exception_handler(ConvergenceError)
    async def _unconverged(request: Request, exc: ConvergenceError):
        return JSONResponse({"detail": first_line(exc)}, status_code=422)

    @app.exception_handler(TradewarError)
    async def _bad_input(request: Request, exc: TradewarError):
        return JSONResponse({"detail": first_line(exc)}, status_code=422)

    @app.exception_handler(Full)
    async def _full(request: Request, exc: Full):
        return JSONResponse({"detail": f"busy: {exc}; try again shortly"}, status_code=503,
                            headers={"Retry-After": "5"})

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound):
        return JSONResponse({"detail": str(exc)}, status_code=404)


def openapi_schema(app: FastAPI, token: bool) -> dict[str, Any]:
    """FastAPI's schema of ``app``, with every 422 answer described as the one-line :class:`ErrorInfo` it is
    (and 401 where a ``token`` guards the server)."""
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
                if token:
                    resp.setdefault("401", err("The token is missing or wrong"))
        for name in ("HTTPValidationError", "ValidationError"):
            doc["components"]["schemas"].pop(name, None)
        app.openapi_schema = doc
    return app.openapi_schema
