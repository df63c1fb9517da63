"""Ctrl-C and SIGTERM: the command stops at once, prints one line, exits 130 and leaves no file.

A Nash war that runs for most of a minute (four players, tariffs by sector, the sectoral world) is interrupted in subprocesses at several moments: while the command
line and JAX are imported, while the solver compiles, while it iterates; a slow atomic write is
interrupted in the middle of writing. Times count from the moment the process has routed its signals
(seen in /proc, so the test needs Linux). Each run must end within a few seconds of the signal with
exit status 130, exactly one line on stderr and no output or temporary file in its folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")

#: Seconds before a command counts as hung (to start, or to stop after the signal). A guard, not a timing
#: check: what is asserted is how the command stops, at any machine load.
HANG = 600.0
#: (seconds after the command routed its signals, signal): importing the command line and JAX, compiling,
#: best-response rounds.
MOMENTS = [
    (0.0, signal.SIGINT),
    (0.3, signal.SIGTERM),
    (1.5, signal.SIGINT),
    (3.0, signal.SIGTERM),
    (6.0, signal.SIGINT),
]


def _routed(pid: int) -> bool:
    """True once the process blocks SIGINT and SIGTERM in its main thread (``SigBlk`` of /proc/PID/status).

    Before that moment the Python interpreter itself is starting, and a signal gets the default
    treatment of every Python program; the command routes its signals among its first imports.
    """
    want = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1))
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("SigBlk:"):
            return int(line.split()[1], 16) & want == want
    return False


def _interrupt(cmd: list[str], cwd: Path, delay: float, sig: int) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "120"}
    env.pop("TRADEWAR_DEBUG", None)
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + HANG
    while not _routed(p.pid):
        assert p.poll() is None and time.monotonic() < deadline, "the command did not start"
        time.sleep(0.005)
    time.sleep(delay)
    assert p.poll() is None, f"the command ended before the signal: {p.communicate()}"
    p.send_signal(sig)
    try:
        out, err = p.communicate(timeout=HANG)
    except subprocess.TimeoutExpired:  # pragma: no cover - the failure this test is for
        p.kill()
        out, err = p.communicate()
        pytest.fail(f"no exit {HANG:.0f} s after {signal.Signals(sig).name}: {err[-500:]}")
    return subprocess.CompletedProcess(cmd, p.returncode, out, err)


def _check(res: subprocess.CompletedProcess, folder: Path, sig: int) -> None:
    """The command stopped because of the signal: exit 130, one line, nothing left behind, no result written."""
    word = "interrupted" if sig == signal.SIGINT else "interrupted (SIGTERM)"
    assert res.returncode == 130, (res.returncode, res.stderr[-2000:])
    lines = [ln for ln in res.stderr.splitlines() if not ln.startswith("warning: ")]  # data warnings may come first
    assert lines == [f"error: {word}"], res.stderr[-2000:]
    assert "Traceback" not in res.stdout + res.stderr
    assert sorted(os.listdir(folder)) == [], "an interrupted run left files behind"


@pytest.mark.parametrize(("delay", "sig"), MOMENTS, ids=[f"{d}s-{signal.Signals(s).name}" for d, s in MOMENTS])
def test_interrupted_nash_war_leaves_nothing(tmp_path, delay, sig):
    work = tmp_path / "out"
    work.mkdir()
    # four players choosing a tariff by sector on the sectoral world: most of a minute even when warm
    cmd = [sys.executable, "-m", "tradewar", "nash", "2025-04-05-liberation-day-sectoral", "--players", "USA,CHN,JPN,EU27",
           "--instrument", "sector", "--json", str(work / "nash.json")]
    res = _interrupt(cmd, work, delay, sig)
    _check(res, work, sig)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_while_writing_removes_the_partial_file(tmp_path, sig):
    """A group of two files is being written (the first staged, the second half written) when the signal comes."""
    work = tmp_path / "out"
    work.mkdir()
    script = textwrap.dedent(
        f"""
        import sys, time
        from tradewar._interrupt import install
        from tradewar._io import atomic_write_all

        install()

        def slow(fh):
            fh.write("{{")
            fh.flush()
            print("writing", flush=True)
            time.sleep(30)
            fh.write("}}")

        atomic_write_all([({str(work / "a.json")!r}, lambda fh: fh.write("{{}}"), "w"),
                          ({str(work / "b.json")!r}, slow, "w")])
        """
    )
    env = {**os.environ}
    p = subprocess.Popen([sys.executable, "-c", script], cwd=work, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    assert p.stdout is not None
    assert p.stdout.readline().strip() == "writing"
    assert len(os.listdir(work)) == 2  # the two temporary files exist while writing
    p.send_signal(sig)
    out, err = p.communicate(timeout=HANG)  # the writer sleeps 30 s: an exit before that is the signal's
    _check(subprocess.CompletedProcess([], p.returncode, out, err), work, sig)
