"""The guards every request passes before a route sees it: the host allow-list, the token, the body limit.

ASGI middleware, installed by :func:`add_guards` in the order they check (the host first, then the
token, then the body's size); CORS headers only when the operator allows origins.
"""

from __future__ import annotations

import base64
import secrets

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from ._config import ServeConfig

__all__ = ["BodyLimit", "Token", "Hosts", "add_guards"]


class BodyLimit:
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


class Token:
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


class Hosts:
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


def add_guards(app: FastAPI, config: ServeConfig) -> None:
    """Install the guards of ``config`` on ``app`` (the last added is the outermost, checked first)."""
    app.add_middleware(BodyLimit, limit=config.max_body)
    if config.token:
        app.add_middleware(Token, token=config.token)
    app.add_middleware(Hosts, allowed=tuple(config.allowed_hosts))
    if config.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(config.cors_origins), allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "Content-Type"])
