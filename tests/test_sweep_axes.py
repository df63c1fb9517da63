"""A sweep over one axis is a line: solved, labelled by its axis, written and read back."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from tradewar.batch.sweep import load_run
from tradewar.cli import app


def test_one_axis_sweep_is_labelled_by_its_axis(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, ["sweep", "liberation-day", "--grid", "JPN.tariff_on.CHN=0:0.5:3", "--out", "run1",
                                   "--scheduler", "none", "--html", "line.html"])
    assert res.exit_code == 0, res.stderr
    ds = load_run(tmp_path / "run1")
    assert ds.welfare_pct.dims == ("JPN.tariff_on.CHN", "country")
    np.testing.assert_allclose(ds["JPN.tariff_on.CHN"].values, [0.0, 0.25, 0.5])
    assert (ds.status.values == "success").all()
    # the points differ: the axis really moved Japan's tariff on China
    jpn = ds.welfare_pct.sel(country="JPN").values
    assert np.ptp(jpn) > 0.01
    assert (tmp_path / "line.html").stat().st_size > 1000


def test_resume_solves_a_truncated_part_again(tmp_path, monkeypatch):
    from tradewar._exceptions import ScenarioError

    monkeypatch.chdir(tmp_path)
    args = ["sweep", "liberation-day", "--grid", "eps=3:5:6", "--chunk", "3", "--out", "run", "--scheduler", "none"]
    assert CliRunner().invoke(app, args).exit_code == 0
    whole = load_run(tmp_path / "run")
    part = tmp_path / "run" / "part-00000.parquet"
    part.write_bytes(part.read_bytes()[:100])  # a copy cut short, as by a full disk
    with pytest.raises(ScenarioError, match="damaged or truncated"):
        load_run(tmp_path / "run")
    res = CliRunner().invoke(app, [*args, "--resume"])
    assert res.exit_code == 0, res.stderr
    again = load_run(tmp_path / "run")
    np.testing.assert_array_equal(again.welfare_pct.values, whole.welfare_pct.values)
