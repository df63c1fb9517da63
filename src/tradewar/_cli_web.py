"""The ``tradewar serve`` command (registered by :mod:`tradewar.cli`): the web app and HTTP API.

FastAPI and uvicorn are imported inside the command, so ``tradewar --help`` stays fast and the
command says how to install them when the ``web`` extra is missing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer


def _datasets(items: list[str] | None) -> dict[str, str]:
    """``NAME=DIR`` options as a dict; a malformed item or a missing folder is a one-line error."""
    from ._exceptions import ScenarioError

    out: dict[str, str] = {}
    for item in items or []:
        name, sep, folder = item.partition("=")
        name = name.strip()
        if not sep or not name or not folder.strip():
            raise ScenarioError(f"option '--data': give NAME=DIR (e.g. adb=../data/adb2022), got '{item}'")
        if not name.replace("-", "").replace("_", "").isalnum() or name == "world2023":
            raise ScenarioError(f"option '--data': '{name}' cannot name a dataset (letters, digits, - and _; "
                                "world2023 is embedded)")
        p = Path(folder.strip()).expanduser()
        if not p.exists():
            raise ScenarioError(f"option '--data': {p}: no such file or folder")
        out[name] = str(p.resolve())
    return out


def default_state() -> Path:
    """The default state folder: the user's data directory (platformdirs), e.g. ``~/.local/share/tradewar``."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("tradewar", appauthor=False))


def register(app: typer.Typer, console, err_console, handle_errors) -> None:
    """Add ``serve`` to the Typer ``app``."""

    @app.command()
    @handle_errors
    def serve(
        host: Annotated[str, typer.Option(help="Address to listen on (default: this machine only).")] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
        state: Annotated[Path | None, typer.Option(help="Folder of the job and result store (SQLite); default: "
                                                   "the user's data folder.")] = None,
        data: Annotated[list[str] | None, typer.Option(help="Register a dataset NAME=DIR that clients choose by "
                                                       "name (repeatable).")] = None,
        token: Annotated[str | None, typer.Option(help="Require this token on every request (default: env "
                                                  "TRADEWAR_TOKEN; none when unset).")] = None,
        workers: Annotated[int, typer.Option(min=1, max=64, help="Computations at once.")] = 2,
        queue: Annotated[int, typer.Option(min=0, max=10_000, help="Computations waiting beyond them (then "
                                           "503).")] = 16,
        solve_seconds: Annotated[float, typer.Option("--solve-seconds", min=0.1, help="Time limit of a solve or "
                                                     "report, in seconds.")] = 60.0,
        job_seconds: Annotated[float, typer.Option("--job-seconds", min=1.0, help="Time limit of a background "
                                                   "job, in seconds.")] = 1800.0,
        max_body: Annotated[int, typer.Option("--max-body", min=1024, help="Largest request body, in bytes.")] = 262_144,
        cors: Annotated[list[str] | None, typer.Option(help="An origin allowed to call the API from a browser "
                                                       "(repeatable; none by default).")] = None,
        warm: Annotated[bool, typer.Option(help="Compile the solvers at start-up.")] = True,
    ) -> None:
        """Serve the web app and the HTTP API (FastAPI; needs the 'web' extra)."""
        from ._exceptions import TradewarError

        try:
            import uvicorn

            from .web import ServeConfig, create_app
        except ImportError as e:
            raise TradewarError(f"tradewar serve needs the web extra ({e.name} is missing): "
                                "pip install 'tradewar[web]'") from None
        datasets = _datasets(data)
        token = token or os.environ.get("TRADEWAR_TOKEN") or None
        folder = state if state is not None else default_state()
        config = ServeConfig(state=folder, datasets=datasets, token=token, workers=workers, queue=queue,
                             solve_seconds=solve_seconds, job_seconds=job_seconds, max_body=max_body,
                             cors_origins=tuple(cors or ()), warm=warm)
        web = create_app(config)
        n = web.state.store.interrupted
        shown = "localhost" if host in ("127.0.0.1", "::1") else host
        err_console.print(f"tradewar serving on http://{shown}:{port}/  (state {folder}; datasets "
                          f"{', '.join(['world2023', *datasets])}; token {'required' if token else 'not set'})",
                          highlight=False, soft_wrap=True)
        if n:
            err_console.print(f"[yellow]{n} job(s) interrupted by the last stop were marked failed[/]", highlight=False)
        uvicorn.run(web, host=host, port=port, log_level="warning", access_log=False)
