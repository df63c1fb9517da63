"""The strategic commands' compiled programs are stored: a second process compiles none of the slow ones again.

Each round runs every strategic command in one fresh Python process with ``JAX_LOG_COMPILES=1`` and the
persistent-cache log of JAX at DEBUG, against one new ``TRADEWAR_CACHE_DIR``. A program is identified by
its persistent-cache key (the hash of the compiled module and the compile options). The first round
says which programs took longer than :data:`SLOW` seconds to compile; the second round must find every
one of them again (its stored executable loaded, or its key found in JAX's cache) and compile none, compile
no operation of JAX outside tradewar's programs and import no pandas (0.2-0.3 s: the embedded world is stored
as read, the tables are built from arrays). A program holding a host callback is never written to the cache; the first round names it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import tradewar

#: A program that took longer than this to compile the first time must never be compiled again.
SLOW = 0.5

COMMANDS = [
    ["run", "liberation-day"],
    ["optimal", "liberation-day", "--country", "USA"],
    ["optimal", "liberation-day", "--country", "USA", "--instrument", "partner"],
    ["nash", "liberation-day"],
    ["talks", "liberation-day"],
    ["bloc", "us-bloc-china"],
]

ROUND = """
import logging, sys
handler = logging.StreamHandler(sys.stderr)
handler.setFormatter(logging.Formatter("%(message)s"))
for name in ("jax._src.compiler", "tradewar._jax"):
    logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger(name).addHandler(handler)
from tradewar.cli import main
for args in {commands!r}:
    sys.argv = ["tradewar", *args]
    try:
        main()
        code = 0
    except SystemExit as e:
        code = e.code or 0
    print("command", " ".join(args), "exit", code, file=sys.stderr, flush=True)
print("pandas imported:", "pandas" in sys.modules, file=sys.stderr)
"""

MISS = re.compile(r"PERSISTENT COMPILATION CACHE MISS for '([^']+)' with key '([^']+)'")
HIT = re.compile(r"Persistent compilation cache hit for '([^']+)' with key '([^']+)'")
LOADED = re.compile(r"Loaded the stored executable of '([^']+)'")
#: The code's digest that names a stored program in JAX's logs (``jit__solved_0123456789ab``).
DIGEST = re.compile(r"_[0-9a-f]{12}$")
DONE = re.compile(r"Finished XLA compilation of (\S+) in ([0-9.eE+-]+) sec")
CALLBACK = re.compile(r"Not writing persistent cache entry for '([^']+)' because it uses host callbacks")


def _round(cache, commands) -> str:
    env = dict(os.environ, TRADEWAR_CACHE_DIR=str(cache), JAX_LOG_COMPILES="1", COLUMNS="160", TERM="dumb")
    code = ROUND.format(commands=commands)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    failed = [line for line in proc.stderr.splitlines() if line.startswith("command ") and not line.endswith(" exit 0")]
    assert not failed, "\n".join(failed) + "\n" + proc.stderr[-3000:]
    return proc.stderr


def compiles(log: str) -> tuple[dict[str, tuple[str, float]], set[str], list[str], set[str]]:
    """Programs compiled (cache key -> (name, seconds)), keys found in the cache, programs with host callbacks, and
    the names of programs whose stored executables were loaded."""
    compiled: dict[str, tuple[str, float]] = {}
    hits: set[str] = set()
    callbacks: list[str] = []
    loaded: set[str] = set()
    pending: tuple[str, str] | None = None
    for line in log.splitlines():
        if m := LOADED.search(line):
            loaded.add(m.group(1))
        elif m := MISS.search(line):
            pending = (m.group(1), m.group(2))
        elif m := HIT.search(line):
            hits.add(m.group(2))
            pending = None
        elif (m := DONE.search(line)) and pending is not None:
            compiled[pending[1]] = (pending[0], float(m.group(2)))
            pending = None
        elif m := CALLBACK.search(line):
            callbacks.append(m.group(1))
    return compiled, hits, callbacks, loaded


def test_log_parser_pairs_each_miss_with_its_compile_time():
    log = "\n".join([
        "PERSISTENT COMPILATION CACHE MISS for 'jit_a' with key 'jit_a-1'",
        "Finished XLA compilation of jit(a) in 0.7 sec",
        "Persistent compilation cache hit for 'jit_b' with key 'jit_b-2'",
        "Finished XLA compilation of jit(b) in 0.3 sec",
        "Not writing persistent cache entry for 'jit_c' because it uses host callbacks (e.g. from jax.debug.print)",
        "Loaded the stored executable of 'jit_d_0123456789ab'",
    ])
    assert compiles(log) == ({"jit_a-1": ("jit_a", 0.7)}, {"jit_b-2"}, ["jit_c"], {"jit_d_0123456789ab"})


def test_second_run_of_every_strategic_command_compiles_nothing_slow(tmp_path):
    first, _, callbacks, _ = compiles(_round(tmp_path, COMMANDS))
    slow = {key: v for key, v in first.items() if v[1] > SLOW}
    assert slow, "the first round compiled no slow program: the log format of JAX changed"
    held = sorted({name for name in callbacks if any(v[0] == name for v in slow.values())})
    assert not held, f"programs with host callbacks (never stored): {', '.join(held)}"
    log = _round(tmp_path, COMMANDS)
    again, hits, _, loaded = compiles(log)
    assert "pandas imported: False" in log.splitlines(), "a warm command imported pandas"
    recompiled = sorted(f"{slow[key][0]} ({slow[key][1]:.1f} s the first time)" for key in again if key in slow)
    assert not recompiled, f"compiled again in a new process: {', '.join(recompiled)}"
    # each found again: its executable loaded from the programs' folder, or from JAX's cache
    missing = sorted(name for key, (name, _) in slow.items() if key not in hits and name not in loaded)
    assert not missing, f"neither loaded nor found in JAX's cache: {', '.join(missing)}"
    # nor an operation of JAX run outside tradewar's programs (``jnp.asarray`` of host data, indexing a JAX
    # array): each is compiled in every process, 5 to 35 ms a shape
    assert not (eager := eager_ops(again)), f"operations compiled outside a program: {', '.join(eager)}"


def eager_ops(compiled: dict[str, tuple[str, float]]) -> list[str]:
    """The compiled programs that are no function of tradewar (``jit_NAME`` with no ``def NAME(`` in its source)."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in Path(tradewar.__file__).parent.rglob("*.py"))
    names = {DIGEST.sub("", name) for name, _ in compiled.values()}
    return sorted(name for name in names if f"def {name.removeprefix('jit_')}(" not in source)


def test_eager_ops_are_told_from_programs():
    assert eager_ops({"k1": ("jit__welfare_at", 0.01), "k2": ("jit_convert_element_type", 0.01),
                      "k3": ("jit_stage", 0.01), "k4": ("jit__solved", 0.1),
                      "k5": ("jit__solved_0123456789ab", 0.1)}) == ["jit_convert_element_type", "jit_stage"]
