"""Warnings of the ``replicate`` command: each printed once, countries named by their codes.

The CLI prints a warning once per command however many times the library raises it, and the ilms2025
replication reports an implausible case once (not once per timed solve), naming the countries by ISO3.
"""

from __future__ import annotations

import re
import warnings

import pytest
from typer.testing import CliRunner

from tradewar import TradewarWarning
from tradewar.cli import app
from tradewar.cli._app import handle_errors

from .conftest import shared_dir

runner = CliRunner()
IMPLAUSIBLE = "implausible result outside the plausibility bounds"


def _warning_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning:")]


def test_cli_prints_each_distinct_warning_once(capsys):
    @handle_errors
    def command():
        for _ in range(4):
            warnings.warn("same thing", TradewarWarning, stacklevel=1)
            warnings.warn("same thing", TradewarWarning, stacklevel=2)  # another place, same text
        warnings.warn("other thing", TradewarWarning, stacklevel=1)

    command()
    assert _warning_lines(capsys.readouterr().err) == ["warning: same thing", "warning: other thing"]


def test_cli_forgets_warnings_between_commands(capsys):
    @handle_errors
    def command():
        warnings.warn("every command says it", TradewarWarning, stacklevel=1)

    command()
    command()
    assert _warning_lines(capsys.readouterr().err) == ["warning: every command says it"] * 2


@pytest.fixture(scope="module")
def io_ustr_warnings():
    """The warnings of the ilms2025 case ``io_ustr`` (implausible for a few countries with fixed surpluses)."""
    from tradewar.replicate import ilms2025

    baci = shared_dir("baci2023")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ilms2025.run(baci, cases=["io_ustr"])
    return [str(w.message) for w in caught if issubclass(w.category, TradewarWarning)]


@pytest.mark.shared
def test_ilms2025_warns_once_per_case(io_ustr_warnings):
    assert len([m for m in io_ustr_warnings if IMPLAUSIBLE in m]) == 1, io_ustr_warnings


@pytest.mark.shared
def test_ilms2025_warning_names_countries_by_code(io_ustr_warnings):
    (message,) = [m for m in io_ustr_warnings if IMPLAUSIBLE in m]
    assert "country #" not in message
    named = re.findall(r"(?:: |; )([A-Z]{3}) welfare", message)
    assert len(named) == 3 and "GIN" in named, message


@pytest.mark.shared
def test_replicate_command_prints_case_warning_once(monkeypatch):
    from tradewar.replicate import ilms2025

    monkeypatch.setattr(ilms2025, "CASES", {"io_ustr": ilms2025.CASES["io_ustr"]})
    result = runner.invoke(app, ["replicate", "ilms2025", "--data", str(shared_dir("baci2023"))])
    assert result.exit_code == 0, result.stderr
    lines = _warning_lines(result.stderr)
    assert len(lines) == 1 and IMPLAUSIBLE in lines[0], result.stderr
    assert "country #" not in lines[0] and "GIN welfare" in lines[0]
