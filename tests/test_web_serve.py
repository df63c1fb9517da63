"""``tradewar serve`` left running: jobs that stop when told, bounded resources, retention, shutdown, guards.

Every test asserts what happened (a status, a count, a slot free again), never how long it took: waits
poll for a state with a generous ceiling.
"""

from __future__ import annotations

import os
import threading
import time
import warnings

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from tradewar._cancel import Cancelled, cancellable, checkpoint
from tradewar.web import ServeConfig, create_app
from tradewar.web._runner import Full, Runner
from tradewar.web._store import Store

PRESET = "2025-04-02-liberation-day"


def _client(tmp_path, **kw) -> TestClient:
    return TestClient(create_app(ServeConfig(state=tmp_path, **kw)), base_url="http://127.0.0.1")


def _until(cond, what: str, timeout: float = 300.0):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        got = cond()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


def _spin(release: threading.Event | None = None):
    """A job that never ends by itself: it only stops at a checkpoint (or when released)."""

    def work(ticket):
        while release is None or not release.is_set():
            checkpoint()
            time.sleep(0.005)
        return "released"

    return work


@pytest.fixture(scope="module")
def preset():
    from tradewar.scenario import load_scenario

    return load_scenario(PRESET).model_dump(mode="json", exclude={"path"})


# --- cooperative stop -------------------------------------------------------------------------------------
def test_checkpoint_outside_a_job_does_nothing_and_inside_raises_what_the_check_says():
    checkpoint()
    stop = threading.Event()

    def check():
        if stop.is_set():
            raise Cancelled("asked to stop")

    with cancellable(check):
        checkpoint()
        stop.set()
        with pytest.raises(Cancelled, match="asked to stop"):
            checkpoint()
    checkpoint()  # the check belongs to the block
    assert not issubclass(Cancelled, Exception)  # `except Exception` in the library cannot swallow a stop


class _LateWatchdogStore(Store):
    """A store whose writes from the watchdog thread come late, as on a busy machine."""

    def fail(self, jid: str, error: str, status: str = "failed") -> bool:
        if threading.current_thread().name == "tradewar-watchdog":
            time.sleep(0.5)
        return super().fail(jid, error, status)


def test_a_job_past_its_time_limit_stops_and_frees_its_slot(tmp_path):
    store = _LateWatchdogStore(tmp_path)  # the job is marked failed before its slot is free, whoever stops it
    runner = Runner(store, workers=1, queue=0, time_limit=0.05)
    try:
        job = store.create("test", "k1", {})
        fut = runner.submit(job.id, _spin())
        with pytest.raises(Full):  # the one slot is taken
            runner.submit("other", _spin())
        with pytest.raises(Cancelled, match="time limit of 0.05 s reached"):
            fut.result(timeout=300)
        _until(lambda: runner.busy() == 0, "the slot is free")
        got = store.get(job.id)
        assert got.status == "failed" and got.error == "time limit of 0.05 s reached"
        again = store.create("test", "k2", {})
        release = threading.Event()
        fut = runner.submit(again.id, _spin(release), time_limit=600)  # the slot is taken again: no 503
        release.set()
        assert fut.result(timeout=300) == "released"
    finally:
        runner.shutdown(0)
        store.close()


def test_a_solve_past_its_time_limit_is_failed_in_the_store_before_the_answer(tmp_path):
    """The watchdog may have taken the queued job and not yet marked it when the request gives up waiting: the
    request marks it itself, so that the 504 never leaves a job the store still calls queued."""
    from concurrent.futures import Future

    from tradewar.web._jobs import Jobs

    class Taken:  # the runner's state once the watchdog has taken the ticket: nothing left to cancel here
        def submit(self, job_id, work, time_limit=None):
            return Future()  # never runs

        def cancel(self, job_id, why="", status="cancelled"):
            return False

    store = Store(tmp_path)
    try:
        jobs = Jobs(store, Taken(), ServeConfig(state=tmp_path, solve_seconds=0.05))
        job = store.create("solve", "k", {})
        r = jobs.run_now(job, lambda ticket: None, lambda value: ({}, ""), "solve")
        assert r.status_code == 504
        got = store.get(job.id)
        assert (got.status, got.error) == ("failed", "time limit of 0.05 s reached")
    finally:
        store.close()


def test_a_real_strategic_job_times_out_and_the_server_takes_the_next_one(tmp_path, preset):
    # a limit no real job meets: with the programs loaded by earlier tests, this Nash war takes well under 0.1 s
    with _client(tmp_path, workers=1, queue=0, job_seconds=0.001) as c:
        r = c.post("/api/nash", json={"scenario": preset, "players": ["USA", "CHN"]})
        assert r.status_code == 202, r.text
        job = _until(lambda: (j := c.get(f"/api/jobs/{r.json()['id']}").json())["status"] not in ("queued", "running")
                     and j, "the job ended")
        assert job["status"] == "failed" and job["error"] == "time limit of 0.001 s reached"
        _until(lambda: c.app.state.runner.busy() == 0, "the worker is free")
        r = c.post("/api/nash", json={"scenario": preset, "players": ["USA", "JPN"]})
        assert r.status_code == 202, r.text


def test_no_503_once_every_job_was_deleted(tmp_path, preset):
    with _client(tmp_path, workers=1, queue=1) as c:
        # the worker and the queue's one place, held by jobs that end only when stopped (a real solve can end
        # before it is deleted)
        held = []
        for k in range(2):
            job = c.app.state.store.create("nash", f"held-{k}", {})
            c.app.state.runner.submit(job.id, _spin())
            held.append(job.id)
        assert c.post("/api/nash", json={"scenario": preset, "players": ["USA", "KOR"]}).status_code == 503
        for j in reversed(held):
            assert c.delete(f"/api/jobs/{j}").json()["status"] == "cancelled"
        _until(lambda: c.app.state.runner.busy() == 0, "every slot is free")
        r = c.post("/api/nash", json={"scenario": preset, "players": ["USA", "KOR"]})
        assert r.status_code == 202, r.text
        c.delete(f"/api/jobs/{r.json()['id']}")


def test_a_solve_and_a_report_past_their_time_limit_free_their_worker(tmp_path, preset):
    with _client(tmp_path, workers=1, queue=0, solve_seconds=0.001) as c:
        assert c.post("/api/solve", json=preset).status_code == 504
        _until(lambda: c.app.state.runner.busy() == 0, "the solve's worker is free")
        r = c.get(f"/api/report/JPN?sections=exposure&steps={PRESET}")
        assert r.status_code == 504 and "time limit" in r.json()["detail"]
        _until(lambda: c.app.state.runner.busy() == 0, "the report's worker is free")
        kinds = {(j["kind"], j["status"], j["error"]) for j in c.app.state.store.query("SELECT * FROM jobs")}
        assert kinds == {("solve", "failed", "time limit of 0.001 s reached"),
                         ("report", "failed", "time limit of 0.001 s reached")}


def test_two_bloc_games_at_once_both_finish():
    """Two batched solves on two threads (the server's two workers) once waited on each other for ever."""
    from tradewar.strategy._blocs import load_bloc
    from tradewar.strategy._documents import bloc_document

    bloc = load_bloc("us-bloc-china")
    want = bloc_document(bloc, data="world2023").doc["stable"]
    got: dict[int, object] = {}
    ts = [threading.Thread(target=lambda k=k: got.__setitem__(k, bloc_document(bloc, data="world2023").doc["stable"]),
                           daemon=True) for k in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(600)
    assert not any(t.is_alive() for t in ts) and got == {k: want for k in range(3)}


# --- bounded resources ----------------------------------------------------------------------------------------
def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open files through /proc")
def test_200_timeouts_leave_files_threads_and_connections_as_they_were(tmp_path, preset):
    with _client(tmp_path, workers=2, queue=4, solve_seconds=0.001) as c:
        for _ in range(10):  # the request threads, the workers and the watchdog exist from here on
            assert c.post("/api/solve", json=preset).status_code == 504
        _until(lambda: c.app.state.runner.busy() == 0, "idle")
        store = c.app.state.store
        fds, threads, conns = _fds(), threading.active_count(), store.connections()
        for _ in range(200):
            assert c.post("/api/solve", json=preset).status_code == 504
        _until(lambda: c.app.state.runner.busy() == 0, "idle")
        # the pool may have opened the rest of its connections (a database, WAL and index file each); nothing else
        assert store.connections() <= 4
        assert _fds() <= fds + 3 * (store.connections() - conns) + 2, (fds, _fds(), conns, store.connections())
        assert threading.active_count() <= threads + 2
        assert not [t for t in threading.enumerate() if isinstance(t, threading.Timer)]
        assert c.app.state.store.counts()["jobs"] == 210


def test_concurrent_solves_share_one_blas_limit_and_the_last_restores_it():
    """Two solves on two threads, interleaved (a enters, b enters, a leaves, b leaves): the limit is set once
    and restored once, by the last to leave, to the counts found before (threadpoolctl's own context would
    restore b's view, one thread, for good)."""
    from tradewar import _blas

    calls = []

    class Library:  # threadpoolctl's controller of one library
        def __init__(self, name, user_api, threads):
            self.name, self.user_api, self._threads = name, user_api, threads

        @property
        def num_threads(self):
            return self._threads

        def set_num_threads(self, n):
            calls.append((self.name, n))
            self._threads = n

    libraries = [Library("openblas", "blas", 2), Library("openmp", "openmp", 4), Library("mkl", "blas", 3)]

    class Controller:
        lib_controllers = libraries

    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def a():
        with _blas.limited(Controller, 1):
            a_in.set()
            b_in.wait(60)
        seen["a left"] = (list(calls), _blas.holders())
        a_out.set()

    def b():
        a_in.wait(60)
        with _blas.limited(Controller, 1):
            b_in.set()
            a_out.wait(60)
        seen["b left"] = (list(calls), _blas.holders())

    ts = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    limit = [("openblas", 1), ("mkl", 1)]  # BLAS libraries only
    assert seen["a left"] == (limit, 1)  # b still holds it: nothing restored
    assert seen["b left"] == ([*limit, ("openblas", 2), ("mkl", 3)], 0)  # each to the count it had
    assert [lib.num_threads for lib in libraries] == [2, 4, 3]


def test_the_blas_limit_is_set_and_restored_by_different_threads_of_the_real_libraries():
    """The same interleaving with the process's own BLAS libraries: a server's first holder and last holder are
    different threads, and threadpoolctl lets only OpenBLAS's "controlling thread" change its pool."""
    from tradewar import _blas
    from tradewar.solve import _blas_controller

    def counts():
        return [lib.num_threads for lib in _blas_controller().lib_controllers if lib.user_api == "blas"]

    before = counts()
    assert before and max(before) > 1  # something to limit (the machine has two cores or more)
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def a():
        with _blas.limited(_blas_controller, 1):
            seen["a inside"] = counts()
            a_in.set()
            b_in.wait(60)
        a_out.set()

    def b():
        a_in.wait(60)
        with _blas.limited(_blas_controller, 1):
            b_in.set()
            a_out.wait(60)
            seen["b inside, a gone"] = counts()

    ts = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert seen == {"a inside": [1] * len(before), "b inside, a gone": [1] * len(before)}
    assert counts() == before
    # and a third thread, the first holder now, can set the limit again
    got = []
    t = threading.Thread(target=lambda: got.append(_blas.limited(_blas_controller, 1).__enter__() or counts()))
    t.start()
    t.join(60)
    assert got == [[1] * len(before)]
    _blas.limited(_blas_controller, 1).__exit__(None, None, None)
    assert counts() == before and _blas.holders() == 0


# --- retention -------------------------------------------------------------------------------------------------
def _done(store: Store, doc, key="k") -> str:
    job = store.create("solve", key, {})
    assert store.finish(job.id, doc, "country\n")
    return job.id


def test_keep_days_and_max_store(tmp_path):
    store = Store(tmp_path / "a", keep_days=2)
    old = _done(store, {"x": 1})
    running = store.create("nash", "r", {}).id
    assert store.prune(now=time.time() + 86400) == 0
    assert store.prune(now=time.time() + 3 * 86400) == 1
    assert store.get(old) is None and store.result(old) is None
    assert store.get(running).status == "queued"  # unfinished jobs are never pruned
    store.close()

    store = Store(tmp_path / "b", max_bytes=1_000_000)
    ids = [_done(store, {"blob": f"{k:04d}" + "x" * 100_000}) for k in range(40)]
    assert store.size() <= 1_000_000 + 200_000  # at most one result over the limit, until the next prune
    assert store.result(ids[-1]) is not None and store.get(ids[0]) is None  # the newest kept, the oldest gone
    store.close()


def test_report_scripts_are_stored_once(tmp_path):
    store = Store(tmp_path)
    lib = "/* plotly */" + "var x = 1;" * 50_000
    pages = [f"<!DOCTYPE html><html><script>{lib}</script><p>report {k}</p><script>small()</script></html>"
             for k in range(5)]
    first = _done(store, {"html": pages[0]})
    size_one = store.size()
    ids = [first] + [_done(store, {"html": p}) for p in pages[1:]]
    assert store.counts()["assets"] == 1
    assert store.size() - size_one < len(lib)  # four more reports added less than one copy of the script
    for jid, page in zip(ids, pages, strict=True):
        assert store.result(jid)[0]["html"] == page  # given back exactly
    store.close()
    store = Store(tmp_path, keep_days=0)  # every finished job (and then the script) goes
    assert store.counts() == {"jobs": 0, "results": 0, "assets": 0}
    store.close()


# --- shutdown -------------------------------------------------------------------------------------------------
def test_shutdown_fails_queued_jobs_waits_for_running_ones_then_fails_the_rest(tmp_path):
    store = Store(tmp_path)
    runner = Runner(store, workers=1, queue=2)
    release = threading.Event()
    ids = [store.create("t", f"k{k}", {}).id for k in range(3)]
    futs = [runner.submit(ids[0], _spin(release))] + [runner.submit(j, _spin()) for j in ids[1:]]
    _until(lambda: runner.running() == 1, "the first job runs")
    done = threading.Thread(target=runner.shutdown, args=(600,))
    done.start()
    _until(lambda: all(store.get(j).status == "failed" for j in ids[1:]), "the queued jobs are failed")
    assert store.get(ids[1]).error.startswith("the server shut down before the job started")
    assert runner.busy() == 1  # their slots are free; the running job is waited for
    with pytest.raises(Full, match="shutting down"):
        runner.submit("late", _spin())
    release.set()  # the running job ends within the wait
    done.join(300)
    assert futs[0].result(timeout=1) == "released" and store.get(ids[0]).status == "running"  # not failed: it finished

    runner = Runner(store, workers=1, queue=0)
    jid = store.create("t", "k9", {}).id
    fut = runner.submit(jid, _spin())
    _until(lambda: runner.running() == 1, "the job runs")
    assert runner.shutdown(0.0) == 1  # a job still running after the wait is failed, and stops
    assert store.get(jid).error.startswith("the server shut down before the job finished")
    with pytest.raises(Cancelled):
        fut.result(timeout=300)
    store.close()


# --- guards ----------------------------------------------------------------------------------------------------
def test_host_header_allow_list(tmp_path):
    with _client(tmp_path) as c:
        for host in ("127.0.0.1:8000", "localhost:8000", "localhost", "[::1]:8000"):
            assert c.get("/api/datasets", headers={"Host": host}).status_code == 200, host
        r = c.get("/api/datasets", headers={"Host": "rebound.example:8000"})
        assert r.status_code == 400 and "host 'rebound.example:8000' is not served here" in r.json()["detail"]
        assert "--allow-host" in r.json()["detail"]
    with _client(tmp_path, allowed_hosts=("127.0.0.1", "*.example.org")) as c:
        assert c.get("/api/datasets", headers={"Host": "trade.example.org"}).status_code == 200
        assert c.get("/api/datasets", headers={"Host": "example.org.evil"}).status_code == 400


def test_duplicate_players_and_long_names_are_bad_input(tmp_path, preset):
    with _client(tmp_path) as c:
        r = c.post("/api/nash", json={"scenario": preset, "players": ["USA", "CHN", "usa"]})
        assert r.status_code == 422 and r.json()["detail"] == "key 'players': 'USA' is listed twice: each country plays once"
        r = c.post("/api/talks", json={"scenario": preset, "parties": ["JPN", "JPN"]})
        assert r.status_code == 422 and "key 'parties': 'JPN' is listed twice" in r.json()["detail"]
        assert c.app.state.store.counts()["jobs"] == 0  # refused in the request, never queued
        long = "x" * 300
        r = c.get(f"/api/presets/{long}")
        assert r.status_code == 404 and "unknown preset 'xxxx" in r.json()["detail"] and "(300 characters)" in r.text
        r = c.post("/api/timeline", json={"country": "JPN", "steps": [long]})
        assert r.status_code == 422 and r.json()["detail"].startswith("key 'steps.0': unknown preset")
        r = c.get(f"/api/report/JPN?steps={long}")
        assert r.status_code == 422 and r.json()["detail"].startswith("query parameter 'steps': unknown preset")
        r = c.post("/api/bloc", json={"bloc": long})
        assert r.status_code == 422


# --- signals ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sig", ["SIGHUP", "SIGTERM"])
def test_a_signal_stops_the_server_cleanly_and_fails_the_running_job(tmp_path, preset, sig):
    import signal
    import socket
    import sqlite3
    import subprocess
    import sys

    httpx = pytest.importorskip("httpx")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    state = tmp_path / "state"
    log = tmp_path / "server.log"
    env = {**os.environ, "TRADEWAR_TOKEN": ""}
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "tradewar", "serve", "--port", str(port), "--state", str(state),
                                 "--no-warm", "--workers", "1", "--shutdown-seconds", "0"], stdout=fh,
                                stderr=subprocess.STDOUT, env=env)
        try:
            def ready():
                assert proc.poll() is None, log.read_text()
                try:
                    return httpx.get(url + "/api/datasets", timeout=30.0).status_code == 200
                except httpx.TransportError:
                    return False

            _until(ready, "the server answers")
            jid = httpx.post(url + "/api/nash", json={"scenario": preset, "players": ["USA", "CHN"]},
                             timeout=60.0).json()["id"]
            _until(lambda: httpx.get(f"{url}/api/jobs/{jid}", timeout=30.0).json()["status"] == "running", "running")
            proc.send_signal(getattr(signal, sig))
            assert proc.wait(timeout=300) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    text = " ".join(log.read_text().split())
    assert f"tradewar: {sig} received: shutting down" in text and "tradewar: stopped" in text
    with sqlite3.connect(state / "tradewar.sqlite") as db:
        status, error = db.execute("SELECT status, error FROM jobs WHERE id=?", (jid,)).fetchone()
    assert status == "failed" and error.startswith("the server shut down before the job finished")


# --- the sectoral world ------------------------------------------------------------------------------------------
def test_every_listed_preset_solves_through_the_api(tmp_path):
    from tradewar.scenario import list_presets, needs_data

    with _client(tmp_path) as c:
        assert {d["name"]: d["sectors"] for d in c.get("/api/datasets").json()} == {"world2023": None, "world2022s": 16}
        listed = [p for p in c.get("/api/presets").json() if p["kind"] == "scenario"]
        names = {p["name"] for p in listed}
        # every preset of the package is listed, but those written for data the server does not hold
        assert names == {s.name for s in list_presets() if not needs_data(s)}
        assert {p["data"] for p in listed} == {"world2023", "world2022s"}
        for p in listed:
            s = c.get(f"/api/presets/{p['name']}").json()
            r = c.post("/api/solve?figures=JPN", json=s)
            assert r.status_code == 200, (p["name"], r.text)
            doc = r.json()
            assert doc["converged"] is True and doc["scenario"] == p["name"]
            assert ("sectors" in doc["figures"]) == (p["data"] == "world2022s"), p["name"]


def test_the_sectoral_answer_of_a_solve_and_of_the_2025_steps(tmp_path):
    from tradewar.report._sectors import WORLD2022S_TIMELINE

    with _client(tmp_path) as c:
        s = c.get("/api/presets/2025-07-22-us-japan-deal-sectoral").json()
        doc = c.post("/api/solve?figures=jpn", json=s).json()
        sec = doc["figures"]["sectors"]
        assert len(sec["sectors"]) == 16 and sec["countries"] == ["JPN", "USA", "CHN"]
        assert set(sec["output_employment"]) == {f"{c} {k} %" for c in ("JPN", "USA", "CHN") for k in ("output", "employment")}
        assert all(len(v) == 16 for v in sec["output_employment"].values())
        cars = sec["cars"]
        assert cars["tariff_pct"] == pytest.approx(15.0)  # the deal's all-in US tariff on Japan's cars
        assert cars["change_pct"] < 0
        assert cars["level_usd_bn"] == pytest.approx(cars["base_usd_bn"] * (1 + cars["change_pct"] / 100), rel=1e-9)
        by = doc["figures"]["tariffs"]["on_imports_from_by_sector"]
        assert set(by) == set(sec["sectors"]) and "USA" in by["Motor vehicles"]
        # a slider on one sector: Japan's tariff on US cars only
        s2 = {**s, "tariffs": [*s["tariffs"], {"type": "partner", "importer": "JPN", "rates": {"USA": 0.5}, "mode": "set",
                                               "sectors": ["Motor vehicles"]}]}
        t2 = c.post("/api/solve?figures=JPN", json=s2).json()["figures"]["tariffs"]["on_imports_from_by_sector"]
        assert t2["Motor vehicles"]["USA"] == pytest.approx(0.5) and t2["Food"]["USA"] == pytest.approx(by["Food"]["USA"])

        r = c.post("/api/timeline", json={"country": "JPN", "dataset": "world2022s"})
        assert r.status_code == 202 and r.json()["request"]["steps"] == list(WORLD2022S_TIMELINE)
        job = _until(lambda: (j := c.get(f"/api/jobs/{r.json()['id']}").json())["status"] not in ("queued", "running")
                     and j, "the timeline ended")
        assert job["status"] == "done", job["error"]
        steps = c.get(f"/api/results/{job['id']}").json()["cars"]["steps"]
        assert [x["scenario"] for x in steps] == list(WORLD2022S_TIMELINE)
        assert [round(x["tariff_pct"], 6) for x in steps] == [0, 25, 25, 25, 25, 25, 15]
        assert steps[-1]["change_pct"] == pytest.approx(cars["change_pct"], abs=1e-9)  # the same solve as above


# --- the soak benchmark, small ------------------------------------------------------------------------------------
@pytest.mark.slow  # a soak: .ci/run runs it after the README command
@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="reads the server's resources through /proc")
def test_a_small_soak_leaves_the_server_as_it_found_it():
    """``benchmarks/serve_soak.py`` with 120 mixed requests: only expected answers, every job finished, the
    server's open files and threads as after the warm-up (but for the rest of the store's bounded connection
    pool), and a clean exit on SIGTERM."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "serve_soak.py"
    spec = importlib.util.spec_from_file_location("serve_soak", path)
    soak = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(soak)
    doc = soak.run(120, 6, 600.0, job_seconds=2.0, max_store_mb=20.0)
    assert doc["unexpected"] == [] and doc["unfinished_jobs"] == [] and doc["server_exit"] == 0
    assert doc["requests"] == 120
    kinds = {k.split()[0] for k in doc["answers"]}
    assert {"solve", "solve_sectoral", "bad", "cancel"} <= kinds
    before, after = doc["samples"]["before"], doc["samples"]["after, idle"]
    assert after["open_files"] <= before["open_files"] + 3 * 4  # at most the rest of the 4 store connections
    assert after["threads"] <= before["threads"] + 2
