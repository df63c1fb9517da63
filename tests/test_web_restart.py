"""Restart safety of ``tradewar serve``: a finished result survives a crash, an interrupted job is marked failed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

httpx = pytest.importorskip("httpx", reason="the web extra is not installed")
pytest.importorskip("fastapi", reason="the web extra is not installed")


#: Seconds before a request, a start or a job counts as hung. A guard against a server that never answers,
#: not a timing check: the test asserts what the server does, at any machine load.
HANG = 600.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(state, port: int, log) -> subprocess.Popen:
    env = {**os.environ, "TRADEWAR_TOKEN": ""}
    return subprocess.Popen([sys.executable, "-m", "tradewar", "serve", "--port", str(port), "--state", str(state),
                             "--no-warm", "--workers", "1"], stdout=log, stderr=subprocess.STDOUT, env=env)


def _ready(url: str, proc: subprocess.Popen, timeout: float = HANG) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited with status {proc.returncode}")
        try:
            if httpx.get(url + "/api/datasets", timeout=HANG).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not start")


def _wait(url: str, jid: str, until, timeout: float = HANG) -> dict:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        job = httpx.get(f"{url}/api/jobs/{jid}", timeout=HANG).json()
        if until(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {jid}: {job}")


def test_kill_during_a_job_and_restart(tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    state = tmp_path / "state"
    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log:
        proc = _start(state, port, log)
        try:
            _ready(url, proc)
            r = httpx.post(url + "/api/timeline", json={"country": "JPN", "steps": ["2025-04-02-liberation-day"]},
                           timeout=HANG)
            assert r.status_code == 202
            first = _wait(url, r.json()["id"], lambda j: j["status"] not in ("queued", "running"))
            assert first["status"] == "done", first
            doc = httpx.get(f"{url}/api/results/{first['id']}", timeout=HANG).json()
            csv = httpx.get(f"{url}/api/results/{first['id']}?format=csv", timeout=HANG).text
            preset = httpx.get(url + "/api/presets/2025-04-02-liberation-day", timeout=HANG).json()
            r = httpx.post(url + "/api/nash", json={"scenario": preset, "players": ["USA", "CHN"]}, timeout=HANG)
            assert r.status_code == 202
            second = _wait(url, r.json()["id"], lambda j: j["status"] == "running")
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=HANG)
        assert proc.returncode == -signal.SIGKILL
        proc = _start(state, port, log)
        try:
            _ready(url, proc)
            again = httpx.get(f"{url}/api/jobs/{first['id']}", timeout=HANG).json()
            assert again["status"] == "done" and again["updated"] == first["updated"]
            assert httpx.get(f"{url}/api/results/{first['id']}", timeout=HANG).json() == doc
            assert httpx.get(f"{url}/api/results/{first['id']}?format=csv", timeout=HANG).text == csv
            failed = httpx.get(f"{url}/api/jobs/{second['id']}", timeout=HANG).json()
            assert failed["status"] == "failed" and failed["error"].startswith("interrupted: the server stopped")
            r = httpx.get(f"{url}/api/results/{second['id']}", timeout=HANG)
            assert r.status_code == 409 and "failed" in r.json()["detail"]
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=HANG)
    assert "1 job(s) interrupted by the last stop were marked failed" in log_path.read_text()
