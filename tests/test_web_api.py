"""The HTTP API of ``tradewar serve`` through FastAPI's TestClient: endpoints, guard rails, the store, the schema."""

from __future__ import annotations

import functools
import io
import time
import warnings

import pytest
from hypothesis import HealthCheck, settings

pytest.importorskip("fastapi", reason="the web extra is not installed")

with warnings.catch_warnings():  # starlette's TestClient warns about its httpx transport on import
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from tradewar.web import ServeConfig, create_app

PRESET = "2025-04-02-liberation-day"


@functools.cache
def _library_bloc(name: str) -> dict:
    """The library's document of bloc preset ``name`` (what ``POST /api/bloc`` must return)."""
    from tradewar.strategy._blocs import load_bloc
    from tradewar.strategy._documents import bloc_document

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bloc_document(load_bloc(name)).doc


@functools.cache
def _library_welfare(name: str, country: str = "JPN") -> float:
    """The library's welfare change (%) of ``country`` under preset ``name``: what the API must return."""
    from tradewar import run_scenario

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(run_scenario(name).countries([country])["welfare_pct"].iloc[0])



def _client(tmp_path, **kw) -> TestClient:
    return TestClient(create_app(ServeConfig(state=tmp_path, **kw)), base_url="http://127.0.0.1")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with _client(tmp_path_factory.mktemp("state")) as c:
        yield c


@pytest.fixture(scope="module")
def preset(client):
    r = client.get(f"/api/presets/{PRESET}")
    assert r.status_code == 200
    return r.json()


def _with_layer(s, **layer):
    return {**s, "tariffs": [*s["tariffs"], layer]}


def _wait(client, jid, timeout=120.0):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        j = client.get(f"/api/jobs/{jid}").json()
        if j["status"] not in ("queued", "running"):
            return j
        time.sleep(0.2)
    raise AssertionError(f"job {jid} still {j['status']} after {timeout} s")


# --- data and presets -------------------------------------------------------------------------------
def test_datasets_and_presets(client, preset):
    assert client.get("/api/datasets").json() == [
        {"name": "world2023", "embedded": True, "countries": 32, "sectors": None},
        {"name": "world2022s", "embedded": True, "countries": 33, "sectors": 16}]
    ps = client.get("/api/presets").json()
    scen = [p for p in ps if p["kind"] == "scenario"]
    dated = [p["date"] for p in scen if p["date"] and p["date"].startswith("2025")]
    assert dated == sorted(dated) and [p["date"] for p in scen[: len(dated)]] == dated  # the dated steps first
    assert "us-bloc-china" in [p["name"] for p in ps if p["kind"] == "bloc"]
    from tradewar.scenario import load_scenario

    want = load_scenario(PRESET).model_dump(mode="json", exclude={"path"})
    assert {k: v for k, v in preset.items() if k != "path"} == want and preset["path"] is None
    assert client.get("/api/presets/liberation-day").json()["name"] == PRESET  # the alias
    from tradewar._i18n import translator

    for lang in ("ja", "zh"):  # titles in the asked language, names as POST /api/solve takes them
        local = client.get("/api/presets", params={"lang": lang}).json()
        assert [p["name"] for p in local] == [p["name"] for p in ps]
        for p, q in zip(ps, local, strict=True):
            assert q["title"] == translator(lang).text(p["title"])
            assert not p["title"] or q["title"] != p["title"], f"{p['name']}: title not translated into {lang}"
    assert client.get("/api/presets", params={"lang": "fr"}).status_code == 422
    r = client.get("/api/presets/no-such-thing")
    assert r.status_code == 404 and "unknown preset 'no-such-thing'" in r.json()["detail"]
    schema = client.get("/api/schema/scenario").json()
    assert {"tariffs", "model", "data", "retaliation"} <= set(schema["properties"])
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/solve", "/api/optimal", "/api/nash", "/api/talks", "/api/bloc", "/api/timeline",
              "/api/jobs/{job_id}", "/api/results/{job_id}", "/api/report/{country}"):
        assert p in paths


# --- solve --------------------------------------------------------------------------------------------
def test_solve_matches_the_library_and_is_stored(client, preset):
    from tradewar import run_scenario

    r = client.post("/api/solve", json=preset)
    assert r.status_code == 200, r.text
    doc = r.json()
    want = run_scenario(PRESET).to_dict()
    assert set(want) <= set(doc) and doc["converged"] is True and doc["cached"] is False
    assert doc["countries"]["JPN"]["welfare_pct"] == pytest.approx(_library_welfare(PRESET), abs=1e-9)
    for code in ("USA", "CHN", "EU27"):
        assert doc["countries"][code]["welfare_pct"] == pytest.approx(want["countries"][code]["welfare_pct"], abs=1e-9)
    again = client.post("/api/solve", json=preset).json()  # an identical request comes from the store
    assert again["cached"] is True and again["id"] == doc["id"] and again["countries"] == doc["countries"]
    csv = client.get(f"/api/results/{doc['id']}?format=csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    import pandas as pd

    df = pd.read_csv(io.StringIO(csv.text), index_col="country")
    assert df.loc["JPN", "welfare_pct"] == pytest.approx(_library_welfare(PRESET), abs=1e-9)
    assert client.get(f"/api/results/{doc['id']}").json()["countries"] == doc["countries"]
    assert client.get(f"/api/jobs/{doc['id']}").json()["status"] == "done"


def test_warm_solve_with_figures_moves_japan(client, preset):
    """A new policy on a compiled model is solved (not served from the store); its timing is a benchmark's."""
    client.post("/api/solve", json=preset)  # compiled by now
    s = _with_layer(preset, type="pair", importer="JPN", exporter="CHN", rate=0.5, mode="set")
    r = client.post("/api/solve", json=s)
    assert r.status_code == 200 and r.json()["cached"] is False
    f = client.post("/api/solve?figures=jpn&bilateral=true", json=s).json()
    assert f["countries"]["JPN"]["welfare_pct"] == pytest.approx(r.json()["countries"]["JPN"]["welfare_pct"], abs=1e-12)
    assert f["countries"]["JPN"]["welfare_pct"] != pytest.approx(_library_welfare(PRESET), abs=1e-4)
    figs = f["figures"]
    assert figs["focus"] == "JPN" and figs["tariffs"]["on_imports_from"]["CHN"] == pytest.approx(0.5)
    assert figs["map"]["data"][0]["type"] == "choropleth" and isinstance(figs["map"]["data"][0]["geojson"], str)
    assert figs["bars"]["data"][0]["type"] == "bar"
    assert len(f["flows_new"]) == 32 and len(f["flows_new"][0]) == 32


# --- guard rails ----------------------------------------------------------------------------------------
def test_bad_field_in_the_words_of_the_cli(client, preset, tmp_path):
    from tradewar._exceptions import ScenarioError
    from tradewar.scenario import load_scenario

    r = client.post("/api/solve", json=_with_layer(preset, type="pair", importer="JPN", exporter="CHN", rate=30))
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail.startswith(f"key 'tariffs.{len(preset['tariffs'])}.rate': rate 30 looks like a percentage")
    f = tmp_path / "bad.toml"
    f.write_text('name = "bad"\n[[tariffs]]\ntype = "pair"\nimporter = "JPN"\nexporter = "CHN"\nrate = 30\n')
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    assert str(e.value).split(": ", 2)[-1] == detail.split(": ", 1)[1]  # the same message after the key
    cases = [
        ({**preset, "model": {"family": "ilms", "eps": -1}}, "key 'model.eps': Input should be greater than 0, got -1"),
        ({**preset, "model": {"family": "nope"}}, "key 'model.family': unknown model family 'nope'"),
        ({**preset, "colour": 1}, "key 'colour': unknown key"),
        (_with_layer(preset, type="pair", importer="JPX", exporter="CHN", rate=0.1), "unknown country code 'JPX'"),
    ]
    for body, words in cases:
        r = client.post("/api/solve", json=body)
        assert r.status_code == 422 and words in r.json()["detail"], r.text
    r = client.post("/api/solve", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "not valid JSON" in r.json()["detail"]


def test_datasets_by_name_only(client, preset):
    for src, words in [("nowhere", "unknown dataset 'nowhere' (choose from world2023, world2022s)"),
                       ("../shared/data/baci", "datasets are chosen by name, not by path"),
                       ("/etc", "datasets are chosen by name, not by path"),
                       ("C:\\data", "datasets are chosen by name, not by path")]:
        r = client.post("/api/solve", json={**preset, "data": {"source": src}})
        assert r.status_code == 422 and r.json()["detail"].startswith("key 'data.source': ") and words in r.json()["detail"]
    r = client.post("/api/solve", json={**preset, "data": {"source": "world2023", "gdp": "gdp.csv"}})
    assert r.status_code == 422 and "key 'data.gdp': file paths are not accepted" in r.json()["detail"]
    r = client.post("/api/solve", json={**preset, "name": "x" * 300})
    assert r.status_code == 422 and "name" in r.json()["detail"] and "200" in r.json()["detail"]
    r = client.post("/api/solve", json={**preset, "path": "/etc/passwd"})
    assert r.status_code == 422 and "key 'path'" in r.json()["detail"]
    r = client.post("/api/bloc", json={"bloc": "us-bloc-china", "dataset": "../x"})
    assert r.status_code == 422 and "key 'dataset': datasets are chosen by name" in r.json()["detail"]
    r = client.post("/api/bloc", json={"bloc": "../../etc/bloc"})
    assert r.status_code == 422 and "unknown bloc preset" in r.json()["detail"]
    r = client.post("/api/bloc", json={"bloc": "us-bloc-china", "dataset": "world2022s"})  # refused before queuing
    assert r.status_code == 422 and "key 'dataset': bloc 'us-bloc-china' plays on the one-sector model" in r.json()["detail"]
    r = client.post("/api/timeline", json={"steps": ["2025-04-03-us-car-tariffs-sectoral"]})  # world2023 by default
    assert r.status_code == 422 and "key 'steps.0': preset '2025-04-03-us-car-tariffs-sectoral' uses the sectoral " \
        "model 'caliendo_parro' and dataset 'world2023' has 1 sector(s)" in r.json()["detail"]
    r = client.post("/api/solve")
    assert r.status_code == 422 and r.json()["detail"].startswith("the request has no JSON body")
    r = client.post("/api/timeline", json={"country": "JAP"})
    assert r.status_code == 422 and r.json()["detail"].startswith("key 'country': unknown country code 'JAP'")
    assert "did you mean JPN?" in r.json()["detail"]
    r = client.get("/api/report/JAP")
    assert r.status_code == 422 and r.json()["detail"].startswith("path parameter 'country': unknown country code")
    r = client.post("/api/timeline", json={"steps": ["/tmp/x.toml"]})
    assert r.status_code == 422 and "key 'steps.0': unknown preset" in r.json()["detail"]


def test_oversize_body_is_refused(tmp_path, preset):
    with _client(tmp_path, max_body=4096) as c:
        big = {**preset, "notes": "x" * 5000}
        r = c.post("/api/solve", json=big)
        assert r.status_code == 413 and "over the limit of 4096 bytes" in r.json()["detail"]

        def chunks():  # no content-length: counted while read
            yield b'{"name": "'
            yield b"y" * 5000
            yield b'"}'

        r = c.post("/api/solve", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413


def test_time_limit_per_solve(tmp_path, preset):
    with _client(tmp_path, solve_seconds=0.001) as c:
        r = c.post("/api/solve", json=preset)
        assert r.status_code == 504 and r.json()["detail"] == "the solve ran past the time limit of 0.001 s"
        jobs = c.app.state.store.query("SELECT id, status, error FROM jobs")
        assert [(j["status"], j["error"]) for j in jobs] == [("failed", "time limit of 0.001 s reached")]
        assert c.app.state.store.result(jobs[0]["id"]) is None  # a late answer is not saved
        assert c.app.state.store.query("PRAGMA journal_mode")[0][0] == "wal"


def test_token_on_every_request(tmp_path):
    with _client(tmp_path, token="s3cret") as c:
        for path in ("/api/datasets", "/", "/openapi.json", "/assets/app.js"):
            r = c.get(path)
            assert r.status_code == 401 and r.json()["detail"].startswith("missing token"), path
        r = c.get("/api/datasets", headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 401 and r.json()["detail"].startswith("wrong token")
        assert c.get("/api/datasets", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert c.get("/", auth=("anyone", "s3cret")).status_code == 200  # a browser: HTTP Basic, the token as password
        assert c.get("/", auth=("anyone", "wrong")).status_code == 401
        assert c.get("/", headers={"Authorization": "Basic !!!"}).status_code == 401
        r = c.get("/")
        assert r.headers["www-authenticate"].startswith("Basic")  # the browser asks for it
        # never in a URL or another header: logs and histories keep URLs
        assert c.get("/?token=s3cret").status_code == 401
        assert c.get("/api/datasets", headers={"X-Tradewar-Token": "s3cret"}).status_code == 401
        assert "access-control-allow-origin" not in c.get("/api/datasets", headers={
            "Origin": "http://evil.example", "Authorization": "Bearer s3cret"}).headers


def test_queue_full_cancel_and_bloc_job(tmp_path):
    with _client(tmp_path, workers=1, queue=1) as c:
        first = c.post("/api/bloc", json={"bloc": "us-bloc-china"})
        assert first.status_code == 202 and first.json()["kind"] == "bloc"
        second = c.post("/api/timeline", json={"country": "JPN", "steps": [PRESET]})
        assert second.status_code == 202 and second.json()["status"] == "queued"
        third = c.post("/api/timeline", json={"country": "USA", "steps": [PRESET]})
        assert third.status_code == 503 and third.headers["retry-after"] == "5" and "busy" in third.json()["detail"]
        gone = c.delete(f"/api/jobs/{second.json()['id']}")
        assert gone.status_code == 200 and gone.json()["status"] == "cancelled"
        job = _wait(c, first.json()["id"])
        assert job["status"] == "done" and job["progress"] == 1.0, job["error"]
        doc = c.get(f"/api/results/{job['id']}").json()
        # the API's game is the library's: the same stable coalitions and Japan's choice
        lib = _library_bloc("us-bloc-china")
        assert doc["stable"] == lib["stable"] and doc["stable"]
        jpn = doc["candidates"]["JPN"]
        for k in ("welfare_in_pct", "welfare_out_pct"):
            assert jpn[k] == pytest.approx(lib["candidates"]["JPN"][k], abs=1e-9)
        assert jpn["no_bloc_pct"] == pytest.approx(_library_welfare("bloc-japan"), abs=1e-9)  # no bloc = the 2 April schedule
        assert len(doc["coalitions"]) == 2 ** 10 and doc["converged"] is True
        r = c.get(f"/api/results/{second.json()['id']}")
        assert r.status_code == 409 and "cancelled" in r.json()["detail"]
        again = c.post("/api/bloc", json={"bloc": "us-bloc-china"})
        assert again.status_code == 200 and again.json()["id"] == job["id"]  # from the store
        assert c.get("/api/jobs/nope").status_code == 404 and c.get("/api/results/nope").status_code == 404


def test_strategic_jobs_are_queued_and_cancelled(tmp_path, preset):
    import threading

    with _client(tmp_path, workers=1, queue=4) as c:
        release = threading.Event()
        c.app.state.runner.submit("held", lambda ticket: release.wait(60))  # the one worker is busy
        try:
            jobs = {
                "optimal": c.post("/api/optimal", json={"scenario": preset, "country": "usa"}),
                "nash": c.post("/api/nash", json={"scenario": preset, "players": ["USA", "CHN"]}),
                "talks": c.post("/api/talks", json={"scenario": preset, "parties": ["USA", "JPN"]}),
            }
            for kind, r in jobs.items():
                assert r.status_code == 202, r.text
                j = r.json()
                assert j["kind"] == kind and j["status"] == "queued" and j["request"]["scenario"]["name"] == PRESET
            assert jobs["optimal"].json()["request"]["country"] == "USA"
            for r in jobs.values():
                gone = c.delete(f"/api/jobs/{r.json()['id']}").json()
                assert gone["status"] == "cancelled" and gone["error"] == "cancelled by the client"
        finally:
            release.set()
        time.sleep(0.5)
        for r in jobs.values():  # a cancelled job never runs
            j = c.get(f"/api/jobs/{r.json()['id']}").json()
            assert j["status"] == "cancelled" and j["progress"] == 0.0
            assert c.get(f"/api/results/{j['id']}").status_code == 409


def test_strategic_jobs_check_their_input_first(client, preset):
    r = client.post("/api/optimal", json={"scenario": preset, "country": "XXX"})
    assert r.status_code == 422 and r.json()["detail"].startswith("option 'country': unknown country code 'XXX'")
    r = client.post("/api/nash", json={"scenario": preset, "players": ["USA"]})
    assert r.status_code == 422 and r.json()["detail"].startswith("key 'players': List should have at least 2 items")
    r = client.post("/api/talks", json={"scenario": preset, "weight": 1.5})
    assert r.status_code == 422 and r.json()["detail"].startswith("key 'weight': Input should be less than 1")
    r = client.post("/api/optimal", json={"scenario": {**preset, "data": {"source": "/x"}}})
    assert r.status_code == 422 and "key 'data.source'" in r.json()["detail"]
    r = client.post("/api/timeline", json={"country": "ZZZ", "steps": [PRESET]})
    assert r.status_code == 422 and "unknown country code 'ZZZ'" in r.json()["detail"]


def test_timeline_job(client):
    r = client.post("/api/timeline", json={"country": "jpn", "steps": [PRESET, "2025-04-09-pause-escalation"]})
    assert r.status_code == 202
    job = _wait(client, r.json()["id"])
    assert job["status"] == "done", job
    doc = client.get(f"/api/results/{job['id']}").json()
    assert [s["scenario"] for s in doc["steps"]] == [PRESET, "2025-04-09-pause-escalation"]
    assert doc["steps"][0]["welfare_pct"] == pytest.approx(_library_welfare(PRESET), abs=1e-9)
    assert client.get(f"/api/results/{job['id']}?format=csv").text.startswith("scenario,")


def test_report_endpoint(client):
    r = client.get(f"/api/report/JPN?sections=exposure&steps={PRESET}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.text.lstrip().startswith("<!DOCTYPE html>") and "JPN" in r.text
    r = client.get("/api/report/JPN?sections=nope")
    assert r.status_code == 422 and "unknown section 'nope'" in r.json()["detail"]
    r = client.get("/api/report/JPN?dataset=..%2Fx")
    assert r.status_code == 422 and "chosen by name" in r.json()["detail"]


def test_page_and_assets(client):
    page = client.get("/")
    assert page.status_code == 200 and "/assets/app.js" in page.text and "https://" not in page.text
    js = client.get("/assets/plotly.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000
    assert client.get("/assets/world.geojson").json()["type"] == "FeatureCollection"
    assert client.get("/assets/../app.py").status_code == 404
    assert client.get("/docs").status_code == 404  # FastAPI's docs pages load from a CDN: not served


# --- the live schema, property-based ---------------------------------------------------------------------
def _schema_tests():
    import schemathesis

    app = create_app(ServeConfig(state=_schema_state(), allowed_hosts=("testserver",)))  # the ASGI client's host
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    # bounded: the explicit examples and a few random cases per operation, not the coverage phase
    schema.config.phases.update(phases=["examples", "fuzzing"])
    return schema.include(path_regex=r"^/api/(datasets|presets|schema|jobs|results|solve)")


def _schema_state():
    import atexit
    import shutil
    import tempfile

    path = tempfile.mkdtemp(prefix="tradewar-schema-")
    atexit.register(shutil.rmtree, path, True)
    return path


schema = _schema_tests()


@schema.parametrize()
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_openapi_schema_holds(case):
    """No 5xx, documented status codes and content types, bodies that match the schema.

    Schema-valid scenarios may still be refused (422: a file path, an unknown dataset or country), so
    the acceptance of positive data is not checked. Extreme parameters (e.g. ``eps_calib = 5e-324``) make
    NumPy warn about overflow during calibration before the solve fails with a one-line 422; those numerical
    warnings of the library are not what this test is about.
    """
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    # a model family's first solve compiles it (seconds on a busy machine): a generous read timeout
    case.call_and_validate(checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                   response_schema_conformance], timeout=120)


# --- the command ------------------------------------------------------------------------------------------
def test_serve_command_defaults_and_bad_options(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import tradewar.cli.serve as cli_web
    from tradewar.cli import app

    calls = []
    monkeypatch.setattr(cli_web, "_run", lambda web, host, port, *a: calls.append((web, {"host": host, "port": port})))
    monkeypatch.setenv("TRADEWAR_TOKEN", "from-env")
    runner = CliRunner()
    r = runner.invoke(app, ["serve", "--state", str(tmp_path / "s"), "--no-warm", "--data", f"mine={tmp_path}"])
    assert r.exit_code == 0, r.output
    web, kw = calls[0]
    assert kw["host"] == "127.0.0.1" and kw["port"] == 8000  # this machine only unless --host
    assert web.state.config.token == "from-env" and web.state.config.datasets == {"mine": str(tmp_path.resolve())}
    assert web.state.config.cors_origins == () and "warning" not in r.output
    assert web.state.config.allowed_hosts == ("127.0.0.1", "localhost", "::1")
    web.state.store.close()
    # the token from a file, never from the command line; a server open to the network without one is warned about
    (tmp_path / "tok").write_text("from-file\n")
    r = runner.invoke(app, ["serve", "--state", str(tmp_path / "s"), "--no-warm", "--token-file", str(tmp_path / "tok"),
                            "--allow-host", "tradewar.example", "--keep-days", "7", "--max-store", "50"])
    assert r.exit_code == 0, r.output
    cfg = calls[-1][0].state.config
    assert cfg.token == "from-file" and cfg.allowed_hosts[-1] == "tradewar.example"
    assert cfg.keep_days == 7 and cfg.max_store == 50_000_000
    calls[-1][0].state.store.close()
    monkeypatch.delenv("TRADEWAR_TOKEN")
    r = runner.invoke(app, ["serve", "--state", str(tmp_path / "s"), "--no-warm", "--host", "0.0.0.0"])
    assert r.exit_code == 0 and "warning: listening on 0.0.0.0 without a token" in " ".join(r.output.split())
    calls[-1][0].state.store.close()
    r = runner.invoke(app, ["serve", "--state", str(tmp_path / "s"), "--token", "visible"])
    assert r.exit_code == 2 and "No such option" in r.output
    for args, words in [(["--data", "nonsense"], "option '--data': give NAME=DIR"),
                        (["--data", f"mine={tmp_path / 'nowhere'}"], "no such file or folder"),
                        (["--data", f"world2023={tmp_path}"], "cannot name a dataset"),
                        (["--token-file", str(tmp_path / "none")], "option '--token-file'")]:
        r = runner.invoke(app, ["serve", "--state", str(tmp_path / "s"), *args])
        assert r.exit_code == 2 and words in r.output and "Traceback" not in r.output, r.output


# --- strategic jobs to the end, on a small dataset the operator registered ----------------------------------
def _small_world(folder):
    folder.mkdir(parents=True, exist_ok=True)
    codes = ("USA", "CHN", "JPN")
    X = [[10.0, 2.0, 2.0], [2.0, 10.0, 2.0], [2.0, 2.0, 10.0]]  # the small world of test_strategy.py
    (folder / "trade.csv").write_text("exporter," + ",".join(codes) + "\n"
                                      + "".join(c + "," + ",".join(map(repr, row)) + "\n" for c, row in zip(codes, X, strict=True)))
    gdp = [sum(X[j][i] for j in range(3)) for i in range(3)]
    (folder / "gdp.csv").write_text("country,gdp\n" + "".join(f"{c},{g!r}\n" for c, g in zip(codes, gdp, strict=True)))


def test_optimal_and_talks_on_a_registered_dataset(tmp_path):
    from typer.testing import CliRunner

    from tradewar.cli import app

    _small_world(tmp_path / "small")
    s = {"name": "s3", "data": {"source": "small3"}, "model": {"family": "armington"},
         "tariffs": [{"type": "uniform", "importer": "*", "rate": 0.3}]}
    with _client(tmp_path / "state", datasets={"small3": str(tmp_path / "small")}) as c:
        assert [d["name"] for d in c.get("/api/datasets").json()] == ["world2023", "world2022s", "small3"]
        ids = {"optimal": c.post("/api/optimal", json={"scenario": s, "country": "USA"}).json()["id"],
               "talks": c.post("/api/talks", json={"scenario": s, "parties": ["USA", "CHN"], "frontier": True}).json()["id"]}
        docs = {}
        for kind, jid in ids.items():
            job = _wait(c, jid, timeout=300)
            assert job["status"] == "done", (job["error"], job["message"])
            docs[kind] = c.get(f"/api/results/{jid}?figures=true").json()
    # the same documents as the CLI's --json on the same data
    (tmp_path / "s3.toml").write_text('name = "s3"\n[data]\nsource = "small"\n[model]\nfamily = "armington"\n'
                                      '[[tariffs]]\ntype = "uniform"\nimporter = "*"\nrate = 0.3\n')
    r = CliRunner().invoke(app, ["optimal", str(tmp_path / "s3.toml"), "--country", "USA", "--json",
                                 str(tmp_path / "opt.json")])
    assert r.exit_code == 0, r.output
    import json

    cli = json.loads((tmp_path / "opt.json").read_text())
    web = docs["optimal"]
    assert web["tariffs"]["values"]["all"] == pytest.approx(cli["tariffs"]["values"]["all"], abs=1e-9)
    assert web["countries"]["USA"]["welfare_pct"] == pytest.approx(cli["countries"]["USA"]["welfare_pct"], abs=1e-9)
    assert 0.05 < web["tariffs"]["values"]["all"] < 1.0 and web["certificate"]["converged"]
    talks = docs["talks"]
    assert set(talks["gains_pct"]) == {"USA", "CHN"} and min(talks["gains_pct"].values()) >= -1e-9
    assert talks["figures"]["frontier"]["data"][0]["type"] == "scatter" and len(talks["frontier"]["points"]) > 2
