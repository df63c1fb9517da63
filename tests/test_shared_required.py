"""Without ../shared a clone skips the replications with one summary line; CI (TRADEWAR_REQUIRE_SHARED=1) fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

PROBE = '''
import pytest
from .conftest import reference, shared_dir

@pytest.mark.shared
def test_needs_data():
    shared_dir("no-such-dataset")

def test_needs_table():
    reference("no-such-table")

@pytest.mark.shared
@pytest.mark.skipif(True, reason="shared Ossa data not available")
def test_marked():
    pass

def test_plain():
    pass
'''


def _run(tmp_path: Path, required: str | None) -> subprocess.CompletedProcess:
    # a copy of this folder's conftest in a clone whose ../shared does not exist
    tests = tmp_path / "clone" / "repo" / "tests"
    tests.mkdir(parents=True)
    shutil.copy(HERE / "conftest.py", tests / "conftest.py")
    (tests / "__init__.py").write_text("")
    (tests.parent / "pytest.ini").write_text("[pytest]\nmarkers =\n    shared: needs ../shared\n")
    (tests / "test_probe.py").write_text(PROBE)
    env = {k: v for k, v in os.environ.items() if k != "TRADEWAR_REQUIRE_SHARED"}
    if required is not None:
        env["TRADEWAR_REQUIRE_SHARED"] = required
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                           "-W", "error", str(tests)], cwd=tests.parent, env=env,
                          capture_output=True, text=True, timeout=300)


def test_a_clone_without_shared_skips_with_one_line(tmp_path):
    r = _run(tmp_path, None)
    assert r.returncode == 0, r.stdout[-3000:]
    assert "1 passed, 3 skipped" in r.stdout
    lines = [ln for ln in r.stdout.splitlines() if "replication and shared-data tests skipped" in ln]
    assert lines == ["3 replication and shared-data tests skipped: ../shared (the published tables and the "
                     "development data) is not beside this clone; CI sets TRADEWAR_REQUIRE_SHARED=1 and fails instead."]


@pytest.mark.parametrize("value", ["1", "true"])
def test_ci_fails_without_shared(tmp_path, value):
    r = _run(tmp_path, value)
    assert r.returncode == 1, r.stdout[-3000:]
    assert "2 failed, 1 passed, 1 error" in r.stdout  # a skip at setup (skipif) becomes an error
    assert "TRADEWAR_REQUIRE_SHARED is set" in r.stdout
    assert "replication and shared-data tests skipped" not in r.stdout
