"""The settings of ``tradewar serve`` (:class:`ServeConfig`); no web framework is needed to read them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["LOCAL_HOSTS", "ServeConfig"]

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
