"""The ``tradewar serve`` command (registered by :mod:`tradewar.cli`): the web app and HTTP API.

FastAPI and uvicorn are imported inside the command, so ``tradewar --help`` stays fast and the
command says how to install them when the ``web`` extra is missing.

Signals: SIGTERM, SIGINT and SIGHUP (the terminal closed) stop the server cleanly: it stops taking
requests, waits up to ``--shutdown-seconds`` for running jobs, marks the rest failed and exits 0; a
second SIGTERM or SIGINT leaves at once (exit 130; jobs left running are marked failed at the next start).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer


def _datasets(items: list[str] | None) -> dict[str, str]:
    """``NAME=DIR`` options as a dict; a malformed item or a missing folder is a one-line error."""
    from .._exceptions import ScenarioError

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


def read_token(token_file: Path | None) -> str | None:
    """The token: the first line of ``token_file``, else the ``TRADEWAR_TOKEN`` environment variable, else None.

    The token is never an argument of the command line, where every user of the machine sees it (``ps``).
    """
    from .._exceptions import ScenarioError

    if token_file is not None:
        try:
            text = token_file.expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ScenarioError(f"option '--token-file': {token_file}: {getattr(e, 'strerror', None) or e}") from None
        token = (text.strip().splitlines() or [""])[0].strip()
        if not token:
            raise ScenarioError(f"option '--token-file': {token_file} is empty")
        return token
    return os.environ.get("TRADEWAR_TOKEN", "").strip() or None


def allowed_hosts(host: str, extra: list[str] | None) -> tuple[str, ...]:
    """The ``Host`` names the server answers: this machine's, the address it listens on, and ``extra``."""
    from ..web._config import LOCAL_HOSTS

    out = list(LOCAL_HOSTS)
    if host not in ("0.0.0.0", "::", ""):
        out.append(host)
    out += [h.strip() for h in extra or [] if h.strip()]
    return tuple(dict.fromkeys(out))


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
        token_file: Annotated[Path | None, typer.Option("--token-file", help="Require the token in this file on "
                                                        "every request (default: the environment variable "
                                                        "TRADEWAR_TOKEN; none when unset).")] = None,
        allow_host: Annotated[list[str] | None, typer.Option("--allow-host", help="A name clients may use to reach "
                                                             "the server, besides localhost and --host (repeatable; "
                                                             "'*' allows any).")] = None,
        keep_days: Annotated[float | None, typer.Option("--keep-days", min=0.0, help="Delete finished jobs older "
                                                        "than this many days.")] = None,
        max_store: Annotated[float | None, typer.Option("--max-store", min=1.0, help="Largest store in MB: the oldest "
                                                        "finished jobs are deleted beyond it.")] = None,
        shutdown_seconds: Annotated[float, typer.Option("--shutdown-seconds", min=0.0, help="How long a stop waits "
                                                        "for running jobs.")] = 30.0,
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
        from .._exceptions import TradewarError

        try:
            import uvicorn  # noqa: F401  (checked here: the web extra)

            from ..web import ServeConfig, create_app
        except ImportError as e:
            raise TradewarError(f"tradewar serve needs the web extra ({e.name} is missing): "
                                "pip install 'tradewar[web]'") from None
        datasets = _datasets(data)
        token = read_token(token_file)
        hosts = allowed_hosts(host, allow_host)
        folder = state if state is not None else default_state()
        config = ServeConfig(state=folder, datasets=datasets, token=token, workers=workers, queue=queue,
                             solve_seconds=solve_seconds, job_seconds=job_seconds, max_body=max_body,
                             cors_origins=tuple(cors or ()), warm=warm, allowed_hosts=hosts, keep_days=keep_days,
                             max_store=None if max_store is None else int(max_store * 1e6),
                             shutdown_seconds=shutdown_seconds)
        web = create_app(config)
        n = web.state.store.interrupted
        shown = "localhost" if host in ("127.0.0.1", "::1") else host
        err_console.print(f"tradewar serving on http://{shown}:{port}/  (state {folder}; datasets "
                          f"{', '.join(web.state.datasets.names())}; token {'required' if token else 'not set'}; "
                          f"hosts {', '.join(hosts)})", highlight=False, soft_wrap=True)
        if not token and host not in ("127.0.0.1", "localhost", "::1"):
            err_console.print(f"[yellow]warning:[/] listening on {host} without a token: anyone who can reach this "
                              "machine can use the server; set TRADEWAR_TOKEN or --token-file", highlight=False,
                              soft_wrap=True)
        if n:
            err_console.print(f"[yellow]{n} job(s) interrupted by the last stop were marked failed[/]", highlight=False)
        _run(web, host, port, shutdown_seconds, err_console)


def _run(web, host: str, port: int, shutdown_seconds: float, err_console) -> None:
    """Run uvicorn until a signal; SIGTERM, SIGINT and SIGHUP stop it cleanly (see the module docstring)."""
    import signal
    import threading

    import uvicorn

    from .. import _interrupt

    server = uvicorn.Server(uvicorn.Config(web, host=host, port=port, log_level="warning", access_log=False,
                                           timeout_graceful_shutdown=max(1, int(shutdown_seconds))))

    def stop(signum: int) -> None:
        running = web.state.runner.running()
        err_console.print(f"tradewar: {signal.Signals(signum).name} received: shutting down (waiting up to "
                          f"{shutdown_seconds:g} s for {running} running job(s))", highlight=False, soft_wrap=True)
        server.should_exit = True

    _interrupt.on_signal(stop)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGHUP, lambda signum, frame: stop(signum))
    try:
        server.run()
    finally:
        _interrupt.on_signal(None)
    err_console.print("tradewar: stopped", highlight=False)
