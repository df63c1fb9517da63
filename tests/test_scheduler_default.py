"""The batch commands' default scheduler ``auto``: a small run stays in this process.

A Dask LocalCluster costs seconds before its first chunk and solves one chunk on one worker, so a run of
a few chunks of the default size is solved in this process; a larger one goes to the local cluster, and an
explicit ``--scheduler`` keeps its meaning.
"""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from tradewar.batch import _chunks
from tradewar.batch._chunks import pick_scheduler
from tradewar.cli import app

runner = CliRunner()


class _ClusterStarted(Exception):
    pass


@pytest.fixture
def no_cluster(monkeypatch):
    """Starting a Dask client raises :class:`_ClusterStarted` (and records the scheduler asked for)."""
    asked: list[str] = []

    def client(scheduler, workers):
        asked.append(scheduler)
        raise _ClusterStarted(scheduler)

    monkeypatch.setattr(_chunks, "_client", client)
    return asked


@pytest.mark.parametrize(("members", "fit", "workers", "expected"), [
    (1000, 1024, 2, "none"),  # the default liberation-day run: one chunk
    (1024, 1024, 16, "none"),  # one chunk is solved by one worker however many there are
    (2048, 1024, 2, "none"),  # two chunks: both are the probes solved here
    (3 * 1024, 1024, 16, "none"),  # one chunk after the probes: a worker would only be slower
    (3 * 1024 + 1, 1024, 2, "local"),  # two after the probes: the time of the second says whether it pays
    (10_000, 1024, 2, "local"),
    (10_000, 1024, 1, "none"),  # one worker cannot share the chunks
])
def test_auto_picks_by_chunks_and_workers(members, fit, workers, expected):
    assert pick_scheduler("auto", members, fit, workers) == expected


def test_auto_without_dask_or_memory_stays_in_process(monkeypatch):
    import importlib.util

    from tradewar import _memory

    monkeypatch.setattr(_chunks.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(_memory, "available_mib", lambda: _chunks.WORKER_MIB * 2.5)
    assert pick_scheduler("auto", 50_000, 1024) == "local"
    monkeypatch.setattr(_memory, "available_mib", lambda: _chunks.WORKER_MIB * 1.5)  # two workers do not fit
    assert pick_scheduler("auto", 50_000, 1024) == "none"
    monkeypatch.undo()
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "distributed" else real(name, *a))
    assert pick_scheduler("auto", 50_000, 1024, 2) == "none"


def test_auto_on_one_core_stays_in_process(monkeypatch):
    monkeypatch.setattr(_chunks.os, "cpu_count", lambda: 1)
    assert pick_scheduler("auto", 10_000, 1024) == "none"


@pytest.mark.parametrize("explicit", ["none", "local", "tcp://127.0.0.1:8786"])
def test_explicit_scheduler_keeps_its_meaning(explicit):
    assert pick_scheduler(explicit, 1, 1024, 8) == explicit


@pytest.mark.parametrize("command", ["sweep", "uncertainty"])
def test_cli_default_is_auto(command):
    res = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "[default: auto]" in res.stdout and "auto (local when" in res.stdout


def test_small_sweep_runs_in_process_by_default(no_cluster):
    res = runner.invoke(app, ["sweep", "liberation-day", "--grid", "JPN.tariff_on.CHN=0:0.5:3"])
    assert res.exit_code == 0, res.output
    assert no_cluster == []


def test_small_uncertainty_runs_in_process_by_default(no_cluster):
    res = runner.invoke(app, ["uncertainty", "liberation-day", "--draws", "8", "--no-flip"])
    assert res.exit_code == 0, res.output
    assert no_cluster == []


def test_auto_runs_more_than_one_chunk_on_the_local_cluster(no_cluster, monkeypatch):
    from tradewar.batch.sweep import run_members

    # a budget of a few members per chunk: 64 draws fill several default chunks (two rounds saved on two
    # workers); a cluster that cost nothing to start would pay whatever the first chunk took
    monkeypatch.setattr(_chunks, "CLUSTER_START_SECONDS", 0.0)
    with pytest.raises(_ClusterStarted):
        run_members("liberation-day", params={"eps": np.linspace(3.0, 5.0, 64)}, scheduler="auto", workers=2,
                    memory_bytes=2 * 2**20)
    assert no_cluster == ["local"]


def test_auto_times_a_chunk_before_starting_a_cluster(no_cluster, monkeypatch):
    """Many chunks that each take milliseconds: the cluster's start would cost more than they all do, so the
    chunks solved and timed here keep the run here. The time is the second chunk's: the first pays the
    program's compilation or loading."""
    from tradewar.batch.sweep import run_members

    asked, real = [], _chunks.cluster_pays

    def pays(seconds, chunks, workers=None):
        asked.append((seconds, chunks))
        return real(seconds, chunks, workers)

    monkeypatch.setattr(_chunks, "cluster_pays", pays)
    eps = np.linspace(3.0, 5.0, 64)
    ds = run_members("liberation-day", params={"eps": eps}, scheduler="auto", workers=2, memory_bytes=2 * 2**20)
    chunks = int(ds.attrs["chunks"])
    assert no_cluster == [] and ds.attrs["scheduler"] == "none" and chunks >= 6
    (seconds, left), = asked
    assert left == chunks - 2 and 0.0 < seconds < 1.0  # a chunk of a few draws: milliseconds, whatever was compiled
    ref = run_members("liberation-day", params={"eps": eps}, scheduler="none", memory_bytes=2 * 2**20)
    assert np.array_equal(ds.welfare_pct.values, ref.welfare_pct.values)


@pytest.mark.parametrize(("seconds", "chunks", "workers", "expected"), [
    (1.1, 11, 2, "none"),  # 400 draws on the 194 countries: 13 chunks of a second, 11 after the probes
    (1.1, 32, 2, "local"),  # 1,000 draws there
    (2.3, 2, 2, "none"),  # 4,096 draws of the embedded world
    (2.3, 8, 2, "local"),  # 10,240 draws of it
    (3.0, 8, 1, "none"),  # one worker is only slower
    (0.01, 1000, 2, "none"),  # a thousand chunks of milliseconds: less than the cluster's start
])
def test_the_cluster_pays_by_the_time_left(seconds, chunks, workers, expected):
    assert _chunks.cluster_pays(seconds, chunks, workers) == expected


def test_auto_records_where_the_run_went(no_cluster):
    from tradewar.batch.sweep import run_members

    ds = run_members("liberation-day", params={"eps": [3.0, 4.0]}, scheduler="auto", workers=2)
    assert ds.attrs["scheduler"] == "none" and no_cluster == []
    assert int(ds.attrs["failed"]) == 0


def test_explicit_local_starts_the_cluster_for_a_small_run(no_cluster):
    res = runner.invoke(app, ["sweep", "liberation-day", "--grid", "JPN.tariff_on.CHN=0:0.5:3",
                              "--scheduler", "local"])
    assert isinstance(res.exception, _ClusterStarted) and no_cluster == ["local"]


def test_resumed_run_counts_only_the_chunks_left(no_cluster, tmp_path):
    import json

    from tradewar.batch.sweep import run_members

    kw = dict(params={"eps": np.linspace(3.0, 5.0, 64)}, workers=2, memory_bytes=2 * 2**20, out=tmp_path / "run")
    whole = run_members("liberation-day", scheduler="none", **kw)
    assert whole.attrs["chunks"] >= 4  # enough chunks that auto sends the whole run to the cluster
    manifest = tmp_path / "run" / "_manifest.json"
    doc = json.loads(manifest.read_text())
    lost = doc["done"].pop("1")  # one chunk of the run was never written
    (tmp_path / "run" / lost["file"]).unlink()
    manifest.write_text(json.dumps(doc))
    resumed = run_members("liberation-day", scheduler="auto", resume=True, **kw)
    assert no_cluster == [] and resumed.attrs["scheduler"] == "none"
    np.testing.assert_array_equal(resumed.welfare_pct.values, whole.welfare_pct.values)
