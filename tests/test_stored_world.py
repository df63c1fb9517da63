"""The embedded worlds as read are stored in the cache folder and loaded by later processes without pandas."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from tradewar._exceptions import DataError
from tradewar.data import _stored, load_world
from tradewar.data._readers import _read_embedded
from tradewar.data._world import _country_table, _iso3_names


def _same(a, b) -> None:
    for f in ("codes", "names", "sectors", "source", "units"):
        assert getattr(a, f) == getattr(b, f), f
    for f in ("trade", "gdp", "tariffs"):
        x, y = getattr(a, f), getattr(b, f)
        assert x.dtype == y.dtype and np.array_equal(x, y), f
    for f in ("schedules", "extras"):
        x, y = dict(getattr(a, f)), dict(getattr(b, f))
        assert list(x) == list(y), f
        assert all(x[k].dtype == y[k].dtype and np.array_equal(x[k], y[k]) for k in x), f


@pytest.mark.parametrize(("name", "options"), [("world2023", {}), ("world2022s", {}),
                                               ("world2022s", {"elasticities": "FGO"})])
def test_a_stored_world_is_the_world_read_from_its_files(tmp_path, monkeypatch, name, options):
    monkeypatch.setenv("TRADEWAR_CACHE_DIR", str(tmp_path))
    first = load_world(name, **options)
    path = _stored._path(name, options)
    assert path.is_file() and path.parent == tmp_path / "worlds"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    loaded = _stored._load(path)
    assert loaded is not None
    _same(loaded, _read_embedded(name, **options))
    _same(load_world(name, **options), first)


def test_another_option_or_dataset_is_stored_apart(tmp_path, monkeypatch):
    monkeypatch.setenv("TRADEWAR_CACHE_DIR", str(tmp_path))
    cp, fgo = load_world("world2022s"), load_world("world2022s", elasticities="FGO")
    assert not np.array_equal(cp.extras["theta"], fgo.extras["theta"])
    assert len(list((tmp_path / "worlds").glob("world2022s-*.npz"))) == 2
    assert _stored._path("world2022s", {}) != _stored._path("world2023", {})


def test_a_damaged_stored_world_is_read_again_and_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("TRADEWAR_CACHE_DIR", str(tmp_path))
    load_world("world2023")
    path = _stored._path("world2023", {})
    path.write_bytes(path.read_bytes()[:200])  # truncated
    assert _stored._load(path) is None
    _same(load_world("world2023"), _read_embedded("world2023"))
    assert _stored._load(path) is not None


def test_a_bad_option_raises_and_stores_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("TRADEWAR_CACHE_DIR", str(tmp_path))
    with pytest.raises(DataError, match="elasticit"):
        load_world("world2022s", elasticities="nope")
    assert not list(tmp_path.glob("worlds/*"))


def test_with_caching_off_nothing_is_stored(tmp_path, monkeypatch):
    monkeypatch.setenv("TRADEWAR_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _stored._path("world2023", {}) is None
    load_world("world2023")
    assert not list(tmp_path.rglob("*.npz"))


def test_a_later_process_loads_the_stored_world_without_pandas(tmp_path):
    code = ("import sys\nfrom tradewar.data import load_world\nw = load_world('world2022s')\n"
            "print(w.n, w.n_sectors, 'pandas' in sys.modules)\n")
    env = dict(os.environ, TRADEWAR_CACHE_DIR=str(tmp_path))
    out = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
           for _ in range(2)]
    assert all(p.returncode == 0 for p in out), [p.stderr for p in out]
    assert [p.stdout.split() for p in out] == [["33", "16", "True"], ["33", "16", "False"]]


def test_country_names_read_without_pandas_are_country_converters_table():
    df = _country_table().dropna(subset=["ISO3", "name_short"])
    assert _iso3_names() == {str(k): str(v) for k, v in zip(df["ISO3"], df["name_short"], strict=True)}
    assert _iso3_names()["JPN"] == "Japan"
