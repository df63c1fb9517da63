"""Benchmark: start-up time of whole ``tradewar`` commands, measured as fresh processes.

    python benchmarks/bench_startup.py [--repeats 10] [--cold-repeats 3] [--load 0] [--json OUT] [CASE ...]

Each case runs the command line in a new Python process (as the ``tradewar`` console script does),
``--repeats`` times after one untimed warm-up, and reports the median and the minimum wall time,
as ``hyperfine`` would, and the median CPU time (user + system, all threads of the process; on a busy
machine it tells what the wall time would be on a quiet one). Cases (``NAME`` for the light commands,
``NAME-warm`` and ``NAME-cold`` for every command that solves) and targets:

* ``help``, ``scenarios``, ``data-info``: ``tradewar --help``, ``scenarios``, ``data info --country JPN``
  (< 1 s)
* ``run``: ``tradewar run liberation-day`` (warm < 1.5 s)
* ``optimal``, ``optimal-partner``: ``tradewar optimal liberation-day --country USA`` (``--instrument
  partner``), ``nash``: ``tradewar nash liberation-day``, ``talks``: ``tradewar talks liberation-day``,
  ``bloc``: ``tradewar bloc us-bloc-china`` (warm < 5 s)
* ``report``: ``tradewar report JPN`` (warm < 10 s), ``timeline``: ``tradewar timeline JPN``
* ``uncertainty``: 1000 draws of ``liberation-day``, in this process; ``sweep``: an 11-point grid
* ``bench``: ``tradewar bench`` (the ``ustr`` solve on the embedded world, 20 times)
* ``replicate-cp2015``, ``replicate-lashkaripour2021``, ``replicate-ilms2025``, ``replicate-ossa2014``: the
  replications on ``../shared/data`` (skipped where that folder is missing; lashkaripour2021 warm < 2 s)
* ``serve``: ``tradewar serve`` until it has answered its first request, ``POST /api/solve`` of the
  2 April 2025 preset (fetched with ``GET /api/presets/...`` once the server listens), on a free port of
  127.0.0.1 with a new, empty store each run (so that the answer is solved, not read from the store); the
  server is then stopped. Its wall time is the time to that first answer.

A ``-warm`` case shares its compilation cache with the untimed warm-up run; a ``-cold`` case is a
first-ever run: every repetition gets a new, empty ``TRADEWAR_CACHE_DIR``, and runs with
``JAX_LOG_COMPILES=1``: the sum of the "Finished XLA compilation" times JAX logs is its XLA compile time
(target < 5 s for ``optimal``, ``optimal-partner``, ``nash``, ``talks`` and ``bloc``). The caches and every file a
command writes live in a temporary folder (the working directory of the commands), so the user's
cache is neither used nor changed. ``PYTHONDONTWRITEBYTECODE`` is removed from the commands'
environment, so that, as in an installed package, tradewar's modules are not compiled from source on
every run. ``--load N`` starts N busy processes (pure Python loops) for the duration of the
measurements, to see the start-up on a machine whose cores are taken by other work. The script exits 1
when a command fails and prints (and with ``--json`` writes) the machine it ran on, with its load
average before and after, with the figures.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

from _machine import cpu_model

#: The console script's entry point, run in a fresh interpreter (older trees: the CLI module's).
ENTRY = (
    "import sys\n"
    "try:\n    from tradewar.__main__ import main\n"
    "except ImportError:\n    from tradewar.cli import main\n"
    "sys.argv[0] = 'tradewar'\nsys.exit(main())\n"
)

#: The shared data folder (relative to the repository root), used by the replications only.
SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"

#: name -> (command line, target of the warm run in seconds or None, data folder it needs or None).
COMMANDS: dict[str, tuple[list[str], float | None, Path | None]] = {
    "run": (["run", "liberation-day"], 1.5, None),
    "optimal": (["optimal", "liberation-day", "--country", "USA"], 5.0, None),
    "optimal-partner": (["optimal", "liberation-day", "--country", "USA", "--instrument", "partner"], 5.0, None),
    "nash": (["nash", "liberation-day"], 5.0, None),
    "talks": (["talks", "liberation-day"], 5.0, None),
    "bloc": (["bloc", "us-bloc-china"], 5.0, None),
    "report": (["report", "JPN", "--out", "report.html"], 10.0, None),
    "timeline": (["timeline", "JPN"], None, None),
    "uncertainty": (["uncertainty", "liberation-day", "--draws", "1000", "--seed", "1", "--scheduler", "none"],
                    None, None),
    "sweep": (["sweep", "liberation-day", "--grid", "JPN.tariff_on.CHN=0:0.5:11", "--scheduler", "none"], None, None),
    "replicate-cp2015": (["replicate", "cp2015", "--data", str(SHARED / "cp2015")], None, SHARED / "cp2015"),
    "replicate-lashkaripour2021": (
        ["replicate", "lashkaripour2021", "--data", str(SHARED / "tariffwar_cubes")], 2.0, SHARED / "tariffwar_cubes"),
    "replicate-ilms2025": (["replicate", "ilms2025", "--data", str(SHARED / "baci2023")], None, SHARED / "baci2023"),
    "replicate-ossa2014": (["replicate", "ossa2014", "--data", str(SHARED / "ossa2014")], None, SHARED / "ossa2014"),
    "bench": (["bench"], None, None),
    "serve": (["serve"], None, None),
}
#: The preset the ``serve`` case asks the server to solve.
SERVE_PRESET = "2025-04-02-liberation-day"

#: Commands whose first-ever XLA compile has a target (seconds).
COMPILE_TARGETS = {"optimal": 5.0, "optimal-partner": 5.0, "nash": 5.0, "talks": 5.0, "bloc": 5.0}
#: JAX's log line of one compilation (``JAX_LOG_COMPILES=1``).
_COMPILED = re.compile(r"Finished XLA compilation of .*? in ([0-9.eE+-]+) sec")

#: case -> (command line, target in seconds or None, "none" | "warm" | "cold", data folder or None).
CASES: dict[str, tuple[list[str], float | None, str, Path | None]] = {
    "help": (["--help"], 1.0, "none", None),
    "scenarios": (["scenarios"], 1.0, "none", None),
    "data-info": (["data", "info", "--country", "JPN"], 1.0, "none", None),
}
for _name, (_args, _target, _data) in COMMANDS.items():
    CASES[f"{_name}-warm"] = (_args, _target, "warm", _data)
    CASES[f"{_name}-cold"] = (_args, None, "cold", _data)


def machine() -> dict:
    """The machine and software the figures were measured on."""
    cpu = cpu_model()
    versions = {}
    for pkg in ("tradewar", "jax", "jaxlib", "numpy", "pandas"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu,
        "cores": usable,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "versions": versions,
    }


def _cpu_children() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _first_answer(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, float]:
    """:func:`_once` of ``tradewar serve``: the time until it has answered its first solve, then it is stopped."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    state = Path(tempfile.mkdtemp(prefix="state-", dir=cwd))  # empty: the answer is solved, not looked up
    log = cwd / "serve.log"
    env = dict(env, TRADEWAR_TOKEN="")
    cpu0, start = _cpu_children(), time.perf_counter()
    with open(log, "w") as err:
        proc = subprocess.Popen([sys.executable, "-c", ENTRY, *args, "--port", str(port), "--state", str(state)],
                                env=env, stdout=subprocess.DEVNULL, stderr=err, cwd=cwd)
        try:
            preset = None
            while preset is None:
                try:
                    with urllib.request.urlopen(f"{url}/api/presets/{SERVE_PRESET}", timeout=5) as r:
                        preset = r.read()
                except urllib.error.HTTPError as e:  # listening, but no such preset
                    raise RuntimeError(f"`tradewar {' '.join(args)}`: GET /api/presets/{SERVE_PRESET}: {e}") from None
                except OSError:  # not listening yet
                    if proc.poll() is not None:
                        raise RuntimeError(f"`tradewar {' '.join(args)}` exited {proc.returncode} before it listened") from None
                    if time.perf_counter() - start > 300:
                        raise RuntimeError(f"`tradewar {' '.join(args)}` did not listen within 300 s") from None
                    time.sleep(0.02)
            request = urllib.request.Request(f"{url}/api/solve", data=preset, method="POST",
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=300) as r:
                    answer = json.loads(r.read())
            except OSError as e:
                raise RuntimeError(f"`tradewar {' '.join(args)}`: POST /api/solve failed: {e}") from None
            seconds = time.perf_counter() - start
            if answer.get("cached") or not answer.get("converged"):
                raise RuntimeError(f"`tradewar {' '.join(args)}`: the first answer was not a converged new solve")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    cpu = _cpu_children() - cpu0
    return seconds, cpu, sum(float(x) for x in _COMPILED.findall(log.read_text(errors="replace")))


def _once(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, float]:
    """Wall time, CPU time (user + system, all threads) and XLA compile time (as JAX logs it) of one run."""
    if args[:1] == ["serve"]:
        return _first_answer(args, env, cwd)
    cpu0, start = _cpu_children(), time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", ENTRY, *args], env=env, capture_output=True, text=True, cwd=cwd)
    seconds, cpu = time.perf_counter() - start, _cpu_children() - cpu0
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [""]
        raise RuntimeError(f"`tradewar {' '.join(args)}` exited {proc.returncode}: {tail[0]}")
    return seconds, cpu, sum(float(x) for x in _COMPILED.findall(proc.stderr))


def measure(name: str, repeats: int, cold_repeats: int, scratch: Path) -> dict:
    """Time one case: one untimed warm-up, then the timed repetitions."""
    args, target, cache, data = CASES[name]
    row = {"case": name, "command": "tradewar " + " ".join(args), "cache": cache, "target_seconds": target}
    if data is not None and not data.is_dir():
        return {**row, "skipped": f"no data folder {data}"}
    env = dict(os.environ, COLUMNS="160", TERM="dumb")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode: let the warm-up write it
    work = scratch / name
    work.mkdir(parents=True, exist_ok=True)
    runs: list[tuple[float, float, float]] = []
    if cache == "cold":
        env["JAX_LOG_COMPILES"] = "1"
        for i in range(cold_repeats):
            env["TRADEWAR_CACHE_DIR"] = str(scratch / f"{name}-{i}")
            runs.append(_once(args, env, work))
    else:
        env["TRADEWAR_CACHE_DIR"] = str(scratch / f"{name}-cache")
        _once(args, env, work)
        runs = [_once(args, env, work) for _ in range(repeats)]
    times = [w for w, _, _ in runs]
    med = statistics.median(times)
    compiled = {}
    if cache == "cold":
        xla = [x for _, _, x in runs]
        target = COMPILE_TARGETS.get(name.removesuffix("-cold"))
        compiled = {"xla_compile_seconds": [round(x, 3) for x in xla], "xla_compile_target_seconds": target,
                    "xla_compile_meets_target": None if target is None else max(xla) < target}
    return {
        **row,
        **compiled,
        "runs": len(times),
        "median_seconds": med,
        "min_seconds": min(times),
        "max_seconds": max(times),
        "median_cpu_seconds": statistics.median(c for _, c, _ in runs),
        "meets_target": None if target is None else med < target,
        "load_average_after": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def _spin() -> None:  # pragma: no cover - runs in a child process
    while True:
        pass


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", nargs="*", metavar="CASE",
                    help=f"cases to run: {', '.join(CASES)}; a command name runs both its cases (default: all)")
    ap.add_argument("--repeats", type=int, default=10, help="timed runs per case after one warm-up")
    ap.add_argument("--cold-repeats", type=int, default=3, help="timed first-ever runs (each with an empty cache)")
    ap.add_argument("--load", type=int, default=0, help="busy processes competing for the cores while measuring")
    ap.add_argument("--json", type=Path, default=None, help="write the figures as JSON")
    ns = ap.parse_args(argv)
    if ns.repeats < 1 or ns.cold_repeats < 1 or ns.load < 0:
        ap.error("--repeats and --cold-repeats must be at least 1, --load at least 0")
    unknown = [c for c in ns.cases if c not in CASES and c not in COMMANDS]
    if unknown:
        ap.error(f"unknown case {unknown[0]!r} (choose from {', '.join(CASES)})")
    names = [n for c in ns.cases for n in ((f"{c}-cold", f"{c}-warm") if c in COMMANDS else (c,))] or list(CASES)

    info = machine()
    load = f", load average {info['load_average'][0]:.2f}" if info["load_average"] else ""
    print(f"{info['cpu']}, {info['cores']} cores, Python {info['python']}, JAX {info['versions']['jax']}{load}")
    spinners = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(ns.load)]
    for p in spinners:
        p.start()
    rows = []
    try:
        with tempfile.TemporaryDirectory(prefix="tradewar-bench-") as tmp:
            for name in names:
                row = measure(name, ns.repeats, ns.cold_repeats, Path(tmp))
                rows.append(row)
                if "skipped" in row:
                    print(f"{name:32s} skipped: {row['skipped']}")
                    continue
                verdict = "" if row["target_seconds"] is None else (
                    f"target < {row['target_seconds']:g} s  {'ok' if row['meets_target'] else 'MISSED'}")
                if "xla_compile_seconds" in row:
                    xla = row["xla_compile_seconds"]
                    verdict += ("; " if verdict else "") + f"XLA compile {min(xla):.2f}-{max(xla):.2f} s" + (
                        "" if row["xla_compile_target_seconds"] is None else
                        f" (target < {row['xla_compile_target_seconds']:g} s  "
                        f"{'ok' if row['xla_compile_meets_target'] else 'MISSED'})")
                print(
                    f"{name:32s} {row['cache']:5s} median {row['median_seconds']:7.3f} s  "
                    f"min {row['min_seconds']:7.3f} s  cpu {row['median_cpu_seconds']:7.3f} s  ({row['runs']} runs)  "
                    f"load {row['load_average_after']:.1f}  {verdict}", flush=True
                )
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        for p in spinners:
            p.terminate()
            p.join()
    if ns.json:
        ns.json.write_text(json.dumps({"machine": info, "load_processes": ns.load, "cases": rows}, indent=2) + "\n")
        print(f"wrote {ns.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
