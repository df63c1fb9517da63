"""Soak test of ``tradewar serve``: thousands of mixed requests against one server, resources before and after.

Starts one server on 127.0.0.1 (a free port, a fresh state folder, nothing else is contacted) with a
short job time limit, so that background jobs run past it, and sends ``--requests`` requests,
``--concurrency`` at a time, stopping early after ``--seconds``. The mix: solves on world2023 and on
world2022s with tariffs varied so that few come from the store; reports; bloc games and Nash wars
(six-player wars, which mostly run past the job time limit: time-outs); timelines; jobs cancelled right after they are
queued; job polls; and bad input (a rate written as a percentage, an unknown country, broken JSON, a
preset name of 300 characters, a player listed twice). Before the mix (after a warm-up round of every
kind), at each quarter and after the server is idle again it records the server's open files, threads,
resident memory and store size, and at the end the count of every answer by kind and status. Any 5xx
other than 503 (busy) and 504 (a solve past its limit) is an error, as is a job left unfinished.

    python benchmarks/serve_soak.py --requests 3000 --concurrency 8 --seconds 900
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

#: Relative weights of the kinds of request.
MIX = {"solve": 40, "solve_sectoral": 12, "report": 4, "bloc": 3, "nash": 5, "timeline": 5, "cancel": 6,
       "poll": 10, "bad": 15}
#: The answers each kind may get; anything else is counted as unexpected.
EXPECTED = {"solve": {200, 503, 504}, "solve_sectoral": {200, 503, 504}, "report": {200, 503, 504},
            "bloc": {200, 202, 503}, "nash": {202, 503}, "timeline": {200, 202, 503}, "cancel": {200, 503},
            "poll": {200, 404}, "bad": {404, 422}}  # poll 404: a finished job the retention policy deleted


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sample(pid: int, state: Path) -> dict:
    """Open files, threads, resident memory (MB) and store size (MB) of the server process."""
    status = Path(f"/proc/{pid}/status").read_text()
    field = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in status.splitlines())}
    store = sum(p.stat().st_size for p in state.glob("tradewar.sqlite*"))
    return {"open_files": len(os.listdir(f"/proc/{pid}/fd")), "threads": int(field["Threads"]),
            "rss_mb": int(field["VmRSS"].split()[0]) / 1024, "store_mb": store / 1e6}


def start(state: Path, port: int, *, workers: int = 2, queue: int = 32, job_seconds: float = 1.0,
          max_store_mb: float = 50.0) -> subprocess.Popen:
    """The server, with a short job time limit and a bounded store."""
    env = {**os.environ, "TRADEWAR_TOKEN": ""}
    return subprocess.Popen([sys.executable, "-m", "tradewar", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--state", str(state), "--no-warm", "--workers", str(workers), "--queue", str(queue),
                             "--job-seconds", str(job_seconds), "--max-store", str(max_store_mb),
                             "--keep-days", "1", "--shutdown-seconds", "5"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 300.0) -> None:
    t0 = time.monotonic()
    while True:
        try:
            if httpx.get(url + "/api/datasets", timeout=10.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() - t0 > timeout:
            raise RuntimeError("the server did not start")
        time.sleep(0.2)


class Soak:
    """Builds and sends the mixed requests; counts the answers by kind and status."""

    def __init__(self, client: httpx.AsyncClient, base: dict, sectoral: dict, seed: int = 0):
        self.client, self.base, self.sectoral = client, base, sectoral
        self.rng = random.Random(seed)
        self.counts: collections.Counter = collections.Counter()
        self.unexpected: list[str] = []
        self.jobs: list[str] = []
        self.outcomes: collections.Counter = collections.Counter()

    def _note(self, kind: str, r: httpx.Response) -> None:
        self.counts[(kind, r.status_code)] += 1
        if r.status_code not in EXPECTED[kind]:
            self.unexpected.append(f"{kind} {r.status_code}: {r.text[:160]}")
        if r.status_code in (200, 202) and kind in ("bloc", "nash", "timeline", "cancel"):
            self.jobs.append(r.json()["id"])

    def _varied(self, base: dict, k: int) -> dict:
        rate = round(self.rng.uniform(0.0, 0.6), 4)
        layer = {"type": "pair", "importer": "JPN", "exporter": "CHN", "rate": rate, "mode": "set"}
        return {**base, "name": f"soak-{k}", "tariffs": [*base["tariffs"], layer]}

    async def one(self, k: int, kind: str) -> None:
        c = self.client
        if kind == "solve":
            self._note(kind, await c.post("/api/solve", json=self._varied(self.base, k)))
        elif kind == "solve_sectoral":
            self._note(kind, await c.post("/api/solve?figures=JPN", json=self._varied(self.sectoral, k)))
        elif kind == "report":
            step = self.rng.choice(["2025-04-02-liberation-day", "2025-04-09-pause-escalation",
                                    "2025-05-12-geneva-truce"])
            self._note(kind, await c.get(f"/api/report/JPN?sections=exposure&steps={step}"))
        elif kind == "bloc":
            self._note(kind, await c.post("/api/bloc", json={"bloc": "us-bloc-china"}))
        elif kind == "nash":
            s = self._varied(self.base, k)
            players = ["USA", "CHN", "EU27", "JPN", "KOR", "MEX"]  # a long war: most run past the job time limit
            self._note(kind, await c.post("/api/nash", json={"scenario": s, "players": players, "instrument": "partner"}))
        elif kind == "timeline":
            step = self.rng.choice(["2025-04-02-liberation-day", "2025-07-22-us-japan-deal"])
            self._note(kind, await c.post("/api/timeline", json={"country": "JPN", "steps": [step]}))
        elif kind == "cancel":
            r = await c.post("/api/nash", json={"scenario": self._varied(self.base, k), "players": ["USA", "JPN"]})
            if r.status_code == 202:
                r = await c.delete(f"/api/jobs/{r.json()['id']}")
            self._note(kind, r)
        elif kind == "poll":
            if self.jobs:
                self._note(kind, await c.get(f"/api/jobs/{self.rng.choice(self.jobs)}"))
            else:
                self._note(kind, await c.get("/api/datasets"))
        else:
            bad = self.rng.randrange(5)
            if bad == 0:
                s = {**self.base, "tariffs": [*self.base["tariffs"], {"type": "pair", "importer": "JPN",
                                                                      "exporter": "CHN", "rate": 30}]}
                r = await c.post("/api/solve", json=s)
            elif bad == 1:
                s = {**self.base, "tariffs": [*self.base["tariffs"], {"type": "pair", "importer": "JPX",
                                                                      "exporter": "CHN", "rate": 0.1}]}
                r = await c.post("/api/solve", json=s)
            elif bad == 2:
                r = await c.post("/api/solve", content=b"{not json", headers={"content-type": "application/json"})
            elif bad == 3:
                r = await c.get("/api/presets/" + "x" * 300)
            else:
                r = await c.post("/api/nash", json={"scenario": self.base, "players": ["USA", "CHN", "USA"]})
            self._note(kind, r)

    async def idle(self, timeout: float) -> list[str]:
        """Wait until every job is finished; the ids of those still unfinished after ``timeout`` seconds."""
        t0 = time.monotonic()
        left = list(dict.fromkeys(self.jobs))
        while left and time.monotonic() - t0 < timeout:
            still = []
            for jid in left:
                r = await self.client.get(f"/api/jobs/{jid}")
                if r.status_code == 200 and r.json()["status"] in ("queued", "running"):  # 404: finished, pruned
                    still.append(jid)
            left = still
            if left:
                await asyncio.sleep(0.5)
        self.outcomes.clear()
        for jid in dict.fromkeys(self.jobs):
            r = await self.client.get(f"/api/jobs/{jid}")
            j = r.json() if r.status_code == 200 else {"kind": "any", "status": "deleted by retention", "error": ""}
            why = " (time limit)" if (j.get("error") or "").startswith("time limit") else ""
            self.outcomes[f"{j['kind']} {j['status']}{why}"] += 1
        return left


def kinds(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    names = list(MIX)
    return rng.choices(names, weights=[MIX[k] for k in names], k=n)


async def soak(url: str, pid: int, state: Path, n: int, concurrency: int, seconds: float, seed: int = 0) -> dict:
    """Warm up, send ``n`` mixed requests (at most ``seconds``), wait until idle; samples and counts."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=300.0, limits=limits) as client:
        base = (await client.get("/api/presets/2025-04-02-liberation-day")).json()
        sectoral = (await client.get("/api/presets/2025-07-22-us-japan-deal-sectoral")).json()
        s = Soak(client, base, sectoral, seed)
        for k, kind in enumerate(MIX):  # every kind once: compiled solvers, first connections, the watchdog
            await s.one(-1 - k, kind)
        # then a burst of every kind at once: the server's request threads and worker threads exist from here on
        await asyncio.gather(*(s.one(-100 - k, kind) for k, kind in enumerate(kinds(3 * concurrency, seed + 1))))
        await s.idle(600.0)
        warm_jobs = list(s.jobs)
        samples = {"before": sample(pid, state)}
        order = kinds(n, seed)
        sem = asyncio.Semaphore(concurrency)
        t0 = time.monotonic()
        sent = [0]
        quarter = max(1, n // 4)

        async def go(k: int, kind: str) -> None:
            async with sem:
                if time.monotonic() - t0 > seconds:
                    return
                try:
                    await s.one(k, kind)
                except httpx.HTTPError as e:
                    s.unexpected.append(f"{kind}: {type(e).__name__}: {e}")
                sent[0] += 1
                if sent[0] % quarter == 0 and sent[0] < n:
                    samples[f"after {sent[0]}"] = sample(pid, state)

        await asyncio.gather(*(go(k, kind) for k, kind in enumerate(order)))
        wall = time.monotonic() - t0
        s.jobs = s.jobs[len(warm_jobs):]  # the outcomes of the mix's own jobs
        unfinished = await s.idle(600.0)
        samples["after, idle"] = sample(pid, state)
        statuses = collections.Counter(st for (_, st) in s.counts.elements())
    return {"requests": sent[0], "concurrency": concurrency, "wall_seconds": wall, "samples": samples,
            "answers": {f"{k} {st}": v for (k, st), v in sorted(s.counts.items())},
            "statuses": dict(sorted(statuses.items())), "unexpected": s.unexpected, "unfinished_jobs": unfinished,
            "jobs": len(set(s.jobs)), "job_outcomes": dict(sorted(s.outcomes.items()))}


def run(n: int, concurrency: int, seconds: float, *, workers: int = 2, job_seconds: float = 1.0,
        max_store_mb: float = 50.0, seed: int = 0) -> dict:
    """Start a server, soak it, stop it (SIGTERM: a clean shutdown); the figures and the server's exit status."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="tradewar-soak-") as folder:
        state = Path(folder)
        proc = start(state, port, workers=workers, job_seconds=job_seconds, max_store_mb=max_store_mb)
        try:
            wait_ready(url, proc)
            doc = asyncio.run(soak(url, proc.pid, state, n, concurrency, seconds, seed))
        finally:
            proc.terminate()
            doc_exit = proc.wait(timeout=120)
        doc["server_exit"] = doc_exit
    doc.update({"cpus": os.cpu_count(), "load_average_1min": os.getloadavg()[0], "server_workers": workers,
                "job_seconds": job_seconds, "max_store_mb": max_store_mb})
    return doc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=900.0, help="stop sending after this long")
    ap.add_argument("--workers", type=int, default=2, help="--workers of the server")
    ap.add_argument("--job-seconds", type=float, default=1.0, help="--job-seconds of the server")
    ap.add_argument("--max-store", type=float, default=50.0, help="--max-store of the server (MB)")
    ap.add_argument("--json", dest="json_out", default=None, help="also write the figures as JSON here")
    args = ap.parse_args()
    doc = run(args.requests, args.concurrency, args.seconds, workers=args.workers, job_seconds=args.job_seconds,
              max_store_mb=args.max_store)
    print(f"{doc['requests']} requests, {doc['concurrency']} at a time, in {doc['wall_seconds']:.0f} s "
          f"({doc['cpus']} CPUs, load {doc['load_average_1min']:.1f}); server exit {doc['server_exit']}")
    print(f"{'':>14} {'open files':>10} {'threads':>8} {'RSS MB':>8} {'store MB':>9}")
    for when, s in doc["samples"].items():
        print(f"{when:>14} {s['open_files']:>10} {s['threads']:>8} {s['rss_mb']:>8.0f} {s['store_mb']:>9.1f}")
    print("answers:", ", ".join(f"{k}: {v}" for k, v in doc["answers"].items()))
    print("jobs at the end:", ", ".join(f"{k}: {v}" for k, v in doc["job_outcomes"].items()))
    print(f"unexpected answers: {len(doc['unexpected'])}; jobs: {doc['jobs']}, unfinished: {len(doc['unfinished_jobs'])}")
    for e in doc["unexpected"][:5]:
        print("  ", e)
    if args.json_out:
        with open(args.json_out, "w") as fh:
            json.dump(doc, fh, indent=1)


if __name__ == "__main__":
    main()
