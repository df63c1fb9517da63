"""Bounded load on ``tradewar serve``: many ``POST /api/solve`` with varied tariffs, a few at a time.

Starts a server on 127.0.0.1 (a free port, a fresh state folder), waits until it has compiled its
solvers, then sends ``--requests`` solves of the 2 April 2025 preset on world2023, each with a
different tariff of Japan on China and of the USA on Japan (so none is answered from the store),
``--concurrency`` at a time, and prints throughput, p50/p99 latency and the error count. Only the
local machine is contacted.

    python benchmarks/serve_load.py --requests 500 --concurrency 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _scenario(base: dict, k: int, n: int) -> dict:
    """The preset with Japan's tariff on China and the USA's on Japan varied over the run."""
    jpn_on_chn = round(0.60 * k / max(n - 1, 1), 6)
    usa_on_jpn = round(0.10 + 0.40 * ((k * 7919) % n) / max(n - 1, 1), 6)
    layers = [{"type": "pair", "importer": "JPN", "exporter": "CHN", "rate": jpn_on_chn, "mode": "set"},
              {"type": "pair", "importer": "USA", "exporter": "JPN", "rate": usa_on_jpn, "mode": "set"}]
    return {**base, "name": f"load-{k}", "tariffs": [*base["tariffs"], *layers]}


async def _run(url: str, base: dict, n: int, concurrency: int) -> tuple[list[float], list[str], float]:
    sem = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=120.0, limits=limits) as client:

        async def one(k: int) -> None:
            async with sem:
                t0 = time.perf_counter()
                try:
                    r = await client.post("/api/solve", json=_scenario(base, k, n))
                    ok = r.status_code == 200 and r.json().get("converged") is True
                    if not ok:
                        errors.append(f"{r.status_code}: {r.text[:120]}")
                except httpx.HTTPError as e:
                    errors.append(f"{type(e).__name__}: {e}")
                latencies.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        await asyncio.gather(*(one(k) for k in range(n)))
        wall = time.perf_counter() - t0
    return latencies, errors, wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2, help="--workers of the server")
    ap.add_argument("--queue", type=int, default=64, help="--queue of the server")
    ap.add_argument("--json", dest="json_out", default=None, help="also write the figures as JSON here")
    args = ap.parse_args()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="tradewar-load-") as state:
        env = {**os.environ, "TRADEWAR_TOKEN": ""}
        proc = subprocess.Popen([sys.executable, "-m", "tradewar", "serve", "--host", "127.0.0.1", "--port", str(port),
                                 "--state", state, "--workers", str(args.workers), "--queue", str(args.queue)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        try:
            t0 = time.monotonic()
            while True:
                try:
                    base = httpx.get(url + "/api/presets/2025-04-02-liberation-day", timeout=2.0).json()
                    break
                except httpx.TransportError:
                    if proc.poll() is not None or time.monotonic() - t0 > 120:
                        raise SystemExit("the server did not start") from None
                    time.sleep(0.2)
            warm = time.perf_counter()
            r = httpx.post(url + "/api/solve", json=_scenario(base, args.requests, args.requests + 1), timeout=120.0)
            r.raise_for_status()
            warm = time.perf_counter() - warm
            lat, errors, wall = asyncio.run(_run(url, base, args.requests, args.concurrency))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    lat.sort()
    q = statistics.quantiles(lat, n=100, method="inclusive")
    doc = {"requests": args.requests, "concurrency": args.concurrency, "server_workers": args.workers,
           "first_solve_seconds": warm, "wall_seconds": wall, "throughput_per_second": args.requests / wall,
           "p50_seconds": q[49], "p99_seconds": q[98], "max_seconds": lat[-1], "errors": len(errors),
           "cpus": os.cpu_count(), "load_average_1min": os.getloadavg()[0]}
    print(f"{args.requests} solves, {args.concurrency} at a time, server with {args.workers} workers: "
          f"{doc['throughput_per_second']:.1f} solves/s, p50 {1e3 * doc['p50_seconds']:.0f} ms, "
          f"p99 {1e3 * doc['p99_seconds']:.0f} ms, max {1e3 * doc['max_seconds']:.0f} ms, errors {len(errors)} "
          f"(first solve {doc['first_solve_seconds']:.1f} s; {doc['cpus']} CPUs, load {doc['load_average_1min']:.1f})")
    for e in errors[:5]:
        print("  error:", e)
    if args.json_out:
        with open(args.json_out, "w") as fh:
            json.dump(doc, fh, indent=1)


if __name__ == "__main__":
    main()
