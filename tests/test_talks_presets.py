"""``tradewar talks`` with its defaults answers on every preset: a bargain, or the finding that no
tariffs make both parties better off than the threat, with the deal frontier either way. Searches keep
to tariffs at which the model has an admissible equilibrium, and no message speaks of internal cases."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tradewar.cli import app
from tradewar.scenario import list_presets, needs_data

PRESETS = [s.name for s in list_presets() if not needs_data(s)]
ONE_SECTOR = [s.name for s in list_presets() if not needs_data(s) and s.data.source == "world2023"]


def _talks(tmp_path, name, *extra):
    out = tmp_path / "talks.json"
    res = CliRunner().invoke(app, ["talks", name, "--json", str(out), *extra])
    assert "case 0" not in res.output + res.stderr
    assert res.exit_code == 0, res.stderr
    return json.loads(out.read_text())


def _check(doc):
    a, b = list(doc["gains_pct"])
    assert doc["frontier"]["points"], "no frontier"
    if doc.get("no_deal"):
        assert doc["tariffs"]["deal"] is None
        # the claim can fail: no frontier point may leave both better off than the threat
        assert not any(p["both_gain"] for p in doc["frontier"]["points"])
    else:
        assert doc["converged"]
        assert doc["gains_pct"][a] > 0 and doc["gains_pct"][b] > 0


@pytest.mark.parametrize("name", ONE_SECTOR)
def test_talks_with_defaults_answers_on_one_sector_presets(tmp_path, name):
    _check(_talks(tmp_path, name))


#: Sectoral talks solve the 33 x 16 model some thousand times (about five minutes on two cores): the preset
#: of the deal the report's deal section is about.
SECTORAL = ["2025-07-22-us-japan-deal-sectoral"]


@pytest.mark.slow
@pytest.mark.parametrize("name", SECTORAL)
def test_talks_with_defaults_answers_on_sectoral_presets(tmp_path, name):
    _check(_talks(tmp_path, name))
