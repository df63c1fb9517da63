"""Shared fixtures: the embedded world, the shared development data and the published tables.

``../shared`` (beside the repository) holds the development data (``data/``) and the tables the papers
print (``reference/``). A clone without it skips the tests that need it, and the run ends with one line
saying how many were skipped and why; with ``TRADEWAR_REQUIRE_SHARED=1`` (set by ``.ci/run``) such a
test fails instead, so CI cannot pass without the replications.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

SHARED_ROOT = Path(__file__).resolve().parents[2] / "shared"
SHARED = SHARED_ROOT / "data"
REFERENCE = SHARED_ROOT / "reference"
REQUIRE = "TRADEWAR_REQUIRE_SHARED"
_TAG = "needs_shared"


def shared_required() -> bool:
    """True when a missing ``../shared`` must fail the run (CI) rather than skip."""
    return os.environ.get(REQUIRE, "").strip().lower() not in ("", "0", "false", "no")


def _missing(what: str, path: Path):
    if shared_required():
        pytest.fail(f"{what} is missing ({path}) and {REQUIRE} is set", pytrace=False)
    pytest.skip(f"shared: {what} not available")


def shared_dir(name: str) -> Path:
    """A dataset folder of ../shared/data; skip the test when it is absent (fail under TRADEWAR_REQUIRE_SHARED)."""
    p = SHARED / name
    if not p.is_dir():
        _missing(f"shared dataset {name}", p)
    return p


def reference(name: str) -> dict:
    """The published table ``../shared/reference/<name>.json`` (skip or fail like :func:`shared_dir`)."""
    p = REFERENCE / f"{name}.json"
    if not p.is_file():
        _missing(f"published table {name}.json", p)
    return json.loads(p.read_text())


def decimals(printed: float, at_least: int = 0) -> int:
    """Decimals a value of the reference files is printed with: JSON drops trailing zeros (``-0.20`` is ``-0.2``)."""
    text = repr(float(printed))
    return max(at_least, len(text.split(".")[1].rstrip("0")) if "." in text and "e" not in text else 0)


def assert_printed(value: float, printed: float, places: int, what: str) -> None:
    """``value`` rounds to ``printed`` at ``places`` decimals (half a unit of the last digit, plus float slack)."""
    assert abs(value - printed) <= 0.5 * 10.0**-places + 1e-9, (
        f"{what}: ours {value!r} does not round to the published {printed:.{places}f}"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A skip for want of ../shared is tagged (for the summary line) and is a failure under TRADEWAR_REQUIRE_SHARED."""
    rep = yield
    if not rep.skipped or hasattr(rep, "wasxfail"):
        return rep
    reason = str(rep.longrepr[2] if isinstance(rep.longrepr, tuple) else rep.longrepr)
    if "shared" not in item.keywords and "shared" not in reason.lower():
        return rep
    rep.user_properties.append((_TAG, reason))
    if shared_required():
        rep.outcome = "failed"
        rep.longrepr = f"{item.nodeid}: {reason} ({REQUIRE} is set: ../shared must be present)"
    return rep


def pytest_terminal_summary(terminalreporter):
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if any(k == _TAG for k, _ in r.user_properties)]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} replication and shared-data tests skipped: ../shared (the published tables and the "
            f"development data) is not beside this clone; CI sets {REQUIRE}=1 and fails instead."
        )


@pytest.fixture(scope="session")
def world2023():
    from tradewar.data import load_world

    return load_world("world2023")
