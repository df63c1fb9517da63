"""Chunks of batched solves: run in-process or on a Dask cluster, written to a Parquet dataset with a manifest.

A run is a list of chunks (each a batch of members, see :func:`tradewar.batch.sweep.solve_batch`) and a
*fingerprint* (everything that fixes the results: the scenario, the members, the chunk size, the
solver settings). With an output folder, every finished chunk is written as ``part-NNNNN.parquet`` and
recorded in ``_manifest.json``; both are written to a temporary file and renamed, so a killed run leaves
only whole files. ``resume=True`` reads the manifest, checks that the fingerprint is the same, and
computes only the chunks it does not list; the final table (the parts in chunk order) is the same as
that of an uninterrupted run, because each chunk is computed by the same compiled function on the same
members wherever and whenever it runs.

Schedulers: ``"none"`` (in this process), ``"local"`` (a ``dask.distributed.LocalCluster`` of
single-threaded worker processes, one per core by default) or ``"tcp://HOST:PORT"`` (an existing Dask
scheduler; its workers need tradewar installed). ``"auto"`` is ``"none"`` or ``"local"``: a run of too few
chunks of the default size for a cluster to pay (:func:`pick_scheduler`; a resumed run counts only the chunks it
has left) stays in this process; otherwise the first two chunks are solved here, the second timed (the first
pays the batch program's compilation or loading), and the rest go to a local cluster only where that time
says the cluster saves more than its start (:func:`cluster_pays`).
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .._exceptions import ScenarioError
from .._io import atomic_write

__all__ = ["run_chunks", "pick_scheduler", "cluster_pays", "MANIFEST", "read_parts", "read_meta"]

MANIFEST = "_manifest.json"


def _part(i: int) -> str:
    return f"part-{i:05d}.parquet"


def _load_manifest(out: Path) -> dict[str, Any] | None:
    p = out / MANIFEST
    if not p.is_file():
        return None
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ScenarioError(f"{p}: unreadable manifest ({e}); remove the folder to start again") from None


def _whole_part(path: Path, rows: Any) -> bool:
    """True when ``path`` is a readable Parquet file with ``rows`` rows."""
    import pyarrow.parquet as pq

    if not path.is_file():
        return False
    try:
        return pq.read_metadata(path).num_rows == rows
    except (OSError, ValueError, TypeError):  # pyarrow's ArrowInvalid is a ValueError
        return False


def _write_manifest(out: Path, doc: dict[str, Any]) -> None:
    atomic_write(out / MANIFEST, lambda fh: json.dump(doc, fh, indent=1, sort_keys=True))


def _write_part(out: Path, i: int, df) -> None:
    atomic_write(out / _part(i), lambda fh: df.to_parquet(fh, index=False), mode="wb")


def read_parts(out: str | Path):
    """The table of a finished run folder: its parts in chunk order (raises if the run is incomplete)."""
    import pandas as pd

    out = Path(out)
    man = _load_manifest(out)
    if man is None:
        raise ScenarioError(f"{out}: no {MANIFEST}; not a tradewar run folder")
    done = {int(k) for k in man["done"]}
    missing = [i for i in range(man["chunks"]) if i not in done]
    if missing:
        raise ScenarioError(f"{out}: run incomplete ({len(missing)} of {man['chunks']} chunks missing); "
                            "run it again with --resume")
    bad = [i for i in range(man["chunks"]) if not _whole_part(out / _part(i), man["done"][str(i)].get("rows"))]
    if bad:
        raise ScenarioError(f"{out / _part(bad[0])}: part file damaged or truncated ({len(bad)} of {man['chunks']}); "
                            "run it again with --resume, which solves those chunks again")
    return pd.concat([pd.read_parquet(out / _part(i)) for i in range(man["chunks"])], ignore_index=True)


def read_meta(out: str | Path) -> dict[str, Any]:
    """The ``meta`` a run stored in its manifest."""
    man = _load_manifest(Path(out))
    if man is None:
        raise ScenarioError(f"{out}: no {MANIFEST}; not a tradewar run folder")
    return dict(man.get("meta") or {})


#: Memory a local worker needs: the Python process with JAX and a world (about 600 MiB) plus one
#: chunk of the default size (256 MiB; :func:`tradewar.batch._solve.chunk_size`).
WORKER_MIB = 900


def _check_local_workers(n: int) -> None:
    """Refuse a local cluster this machine cannot hold: more workers than four per core, or more than
    its memory fits (a worker killed for memory is restarted by Dask, again and again)."""
    cores = os.cpu_count() or 1
    if n > 4 * cores:
        raise ScenarioError(f"--workers {n}: this machine has {cores} cores; a local cluster of more than "
                            f"{4 * cores} single-threaded workers only competes for them")
    from .._memory import available_mib

    avail = available_mib()
    if avail is None:  # pragma: no cover - not POSIX
        return
    if n * WORKER_MIB > avail:
        raise ScenarioError(f"--workers {n}: needs about {n * WORKER_MIB / 1024:.1f} GiB ({WORKER_MIB} MiB each) "
                            f"and {avail / 1024:.1f} GiB are free; use at most {max(1, int(avail // WORKER_MIB))}")


#: Chunks ``auto`` solves in this process before it decides: the first pays the batch program's compilation
#: or loading, the second is timed.
PROBE_CHUNKS = 2
#: Seconds a local cluster costs before its workers solve: processes importing JAX and loading the compiled
#: programs (2.5 s for the embedded world, 3.1 s for the 194 countries, measured on two cores).
CLUSTER_START_SECONDS = 3.0
#: A single-threaded worker's time for a chunk over this process's, which spreads one chunk over every core:
#: 1.2 for the embedded world, 1.45 for the 194 countries (two cores); the larger is taken.
WORKER_SLOWDOWN = 1.5


def pick_scheduler(scheduler: str, members: int, fit: int, workers: int | None = None) -> str:
    """The scheduler ``"auto"`` stands for before any chunk is timed (any other value is returned as given).

    The run is counted in chunks of ``fit`` members (the chunk of the default size, sized to memory:
    :func:`tradewar.batch._solve.chunk_size`). ``"auto"`` solves :data:`PROBE_CHUNKS` of them here first and
    a chunk is solved by one worker, so a cluster can pay only for two chunks or more after those (4 chunks
    or more in all) and two workers or more: ``"local"`` there, for :func:`run_chunks` to time the second
    chunk and ask :func:`cluster_pays`; else ``"none"``. ``"none"`` too where Dask is not installed, or where
    one worker per core would not fit in the free memory.

    >>> pick_scheduler("auto", 3000, 1024, 2), pick_scheduler("auto", 4000, 1024, 2), pick_scheduler("none", 5000, 1024)
    ('none', 'local', 'none')
    """
    if scheduler != "auto":
        return scheduler
    import importlib.util

    from .._memory import available_mib

    if importlib.util.find_spec("distributed") is None:  # the dask extra is optional: auto never needs it
        return "none"
    n = workers or os.cpu_count() or 1
    avail = available_mib()
    if workers is None and avail is not None and n * WORKER_MIB > avail:
        return "none"  # a cluster of one worker per core would not fit in memory: local would refuse it
    left = math.ceil(int(members) / max(1, int(fit))) - PROBE_CHUNKS
    return "local" if left >= 2 and n >= 2 else "none"


def cluster_pays(chunk_seconds: float, chunks: int, workers: int | None = None) -> str:
    """``"local"`` where ``chunks`` chunks of ``chunk_seconds`` each (as this process solves them) take longer here
    than on a local cluster of ``workers`` (one per core by default), its start and its slower workers counted;
    else ``"none"``.

    On two workers the cluster pays from about 12 s of work left (``chunks * chunk_seconds``):

    >>> cluster_pays(1.1, 2, 2), cluster_pays(1.1, 32, 2), cluster_pays(3.0, 8, 2)
    ('none', 'local', 'local')
    """
    n = workers or os.cpu_count() or 1
    here = chunks * chunk_seconds
    there = CLUSTER_START_SECONDS + math.ceil(chunks / n) * WORKER_SLOWDOWN * chunk_seconds
    return "local" if there < here else "none"


def _close_cluster(cluster) -> None:
    """Close a local cluster and remove its scratch folder (Dask leaves lock files there)."""
    import shutil

    try:
        cluster.close(timeout=30)
    finally:
        scratch = getattr(cluster, "_tradewar_scratch", None)
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


#: Address of the local cluster's HTTP server (health and metrics; no dashboard): a free port on the loopback.
LOCAL_HTTP = "127.0.0.1:0"


def _client(scheduler: str, workers: int | None):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - the dask extra is part of the test extra
        raise ScenarioError(f"--scheduler {scheduler}: Dask is not installed (pip install 'tradewar[dask]')") from None
    if scheduler == "local":
        n = workers or os.cpu_count() or 1
        _check_local_workers(n)
        import logging
        import tempfile

        # Dask's own notices ("worker process still alive ... killing" at a normal close) are not the
        # user's business; its errors still show
        for name in ("distributed", "distributed.nanny", "distributed.scheduler", "distributed.worker"):
            logging.getLogger(name).setLevel(logging.ERROR)
        scratch = tempfile.mkdtemp(prefix="tradewar-dask-")
        import dask

        # the scheduler's HTTP server on a free port of this machine only: Dask's default (even with
        # dashboard_address=None) is port 8787, taken by any other cluster running here
        with dask.config.set({"temporary-directory": scratch}):
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=LOCAL_HTTP,
                                   scheduler_kwargs={"dashboard": False}, local_directory=scratch)
        cluster._tradewar_scratch = scratch
        try:
            return Client(cluster), cluster
        except BaseException:
            _close_cluster(cluster)
            raise
    if scheduler.startswith("tcp://"):
        try:
            return Client(scheduler, timeout="10s"), None
        except OSError as e:
            raise ScenarioError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({e})") from None
    raise ScenarioError(f"--scheduler '{scheduler}': expected none, local or tcp://HOST:PORT")


def run_chunks(
    work: Callable[[Any], Any],
    payloads: Sequence[Any],
    *,
    fingerprint: str,
    scheduler: str = "none",
    out: str | Path | None = None,
    resume: bool = False,
    workers: int | None = None,
    meta: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
    sizes: Sequence[int] | None = None,
    fit: int = 1,
):
    """Run ``work(payload)`` (returning a DataFrame) for every chunk and return the concatenated table.

    ``out``: the run folder (Parquet parts and the manifest), or None to keep everything in memory.
    An existing run folder needs ``resume=True`` (and the same fingerprint). ``progress(done, total)``
    is called as chunks finish (chunks found done count as done from the start). ``meta`` (JSON) is
    kept in the manifest for readers of the folder. ``scheduler="auto"`` is :func:`pick_scheduler` over the
    members of the chunks still to be computed (``sizes``: the members of each chunk, one each by default) in
    chunks of ``fit`` members and, where that allows a cluster, :func:`cluster_pays` for the chunks left after
    :data:`PROBE_CHUNKS` solved here, at the time the last of those took; the table's ``attrs["scheduler"]``
    says where the chunks after those went (``"none"`` when nothing was left to solve).
    """
    import pandas as pd

    total = len(payloads)
    frames: dict[int, Any] = {}
    folder = Path(out) if out is not None else None
    manifest: dict[str, Any] = {"fingerprint": fingerprint, "chunks": total, "done": {}, "meta": meta or {}}
    if folder is not None:
        old = _load_manifest(folder)
        if old is not None:
            if not resume:
                raise ScenarioError(f"{folder}: holds a run already; pass --resume to finish it, or choose a new folder")
            if old.get("fingerprint") != fingerprint or old.get("chunks") != total:
                raise ScenarioError(f"{folder}: holds a different run (scenario, members, chunk size or solver "
                                    "settings differ); choose a new folder")
            # a part counts as done only if it is a whole Parquet file of the recorded rows (a truncated
            # or foreign file is solved again)
            manifest["done"] = {k: v for k, v in old["done"].items() if _whole_part(folder / v["file"], v.get("rows"))}
        elif folder.exists() and any(folder.iterdir()):
            raise ScenarioError(f"{folder}: exists and is not a tradewar run folder; choose a new folder")
        folder.mkdir(parents=True, exist_ok=True)
        _write_manifest(folder, manifest)
    pending = [i for i in range(total) if str(i) not in manifest["done"]]
    done_count = total - len(pending)
    if progress is not None:
        progress(done_count, total)

    def finish(i: int, df) -> None:
        nonlocal done_count
        if folder is not None:
            _write_part(folder, i, df)
            manifest["done"][str(i)] = {"file": _part(i), "rows": len(df)}
            _write_manifest(folder, manifest)
        else:
            frames[i] = df
        done_count += 1
        if progress is not None:
            progress(done_count, total)

    asked = scheduler
    scheduler = pick_scheduler(scheduler, sum(sizes[i] if sizes is not None else 1 for i in pending), fit, workers)
    if asked == "auto" and scheduler == "local":
        # enough chunks that a cluster could pay: the probes, solved here, say what a chunk costs (the last
        # one's solve alone: the first compiles or loads the program, and writing a part is the client's
        # work wherever the chunk is solved)
        for _k in range(min(PROBE_CHUNKS, len(pending))):
            i = pending.pop(0)
            start = time.perf_counter()
            df = work(payloads[i])
            seconds = time.perf_counter() - start
            finish(i, df)
        scheduler = cluster_pays(seconds, len(pending), workers)
    if scheduler == "none":
        for i in pending:
            finish(i, work(payloads[i]))
    elif pending:
        client, cluster = _client(scheduler, workers)
        try:
            from dask.distributed import as_completed

            futures = {client.submit(work, payloads[i], key=f"tradewar-chunk-{fingerprint[:12]}-{i}", pure=False): i
                       for i in pending}
            for fut in as_completed(list(futures)):
                finish(futures[fut], fut.result())
        finally:
            client.close()
            if cluster is not None:
                _close_cluster(cluster)
    if folder is not None:
        df = read_parts(folder)
    else:
        df = pd.concat([frames[i] for i in range(total)], ignore_index=True) if frames else pd.DataFrame()
    df.attrs["scheduler"] = scheduler if pending else "none"  # nothing left to solve ran nowhere
    return df
