"""A sweep over one axis is a line: solved, labelled by its axis, written and read back."""

from __future__ import annotations

import numpy as np
from typer.testing import CliRunner

from tradewar.cli import app
from tradewar.sweep import load_run


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
