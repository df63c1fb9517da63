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


def test_every_field_of_a_world_is_stored():
    import dataclasses

    from tradewar.data._world import World

    stored = {"trade", "gdp", "tariffs", *_stored._TEXT_FIELDS, *_stored._MAPS}
    assert {f.name for f in dataclasses.fields(World)} == stored


def test_storing_a_world_removes_its_files_of_older_versions_only(tmp_path, monkeypatch):
    monkeypatch.setenv("TRADEWAR_CACHE_DIR", str(tmp_path))
    folder = tmp_path / "worlds"
    folder.mkdir()
    versions = [f"{k:012x}" for k in range(1, 5)]  # written in this order, the last most recently
    files = [folder / f"world2023-{v}-{'1' * 32}.npz" for v in versions]
    older_form = folder / f"world2023-{'2' * 32}.npz"
    other_world = folder / f"world2022s-{versions[0]}-{'1' * 32}.npz"
    for k, p in enumerate([*files, older_form, other_world]):
        p.write_bytes(b"stale")
        os.utime(p, (1_000_000 + k, 1_000_000 + k))
    load_world("world2023")
    kept = sorted(p.name for p in folder.glob("world2023-*.npz"))
    assert kept == sorted([_stored._path("world2023", {}).name, files[2].name, files[3].name])
    assert _stored.KEEP_OTHER_VERSIONS == 2 and other_world.exists()


def test_a_link_in_place_of_a_stored_world_is_not_read_and_is_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("TRADEWAR_CACHE_DIR", str(tmp_path))
    load_world("world2023")
    path = _stored._path("world2023", {})
    target = tmp_path / "elsewhere.npz"
    path.rename(target)
    path.symlink_to(target)
    assert _stored._load(target) is not None and _stored._load(path) is None
    _same(load_world("world2023"), _read_embedded("world2023"))
    assert not path.is_symlink() and _stored._load(path) is not None


def test_the_key_follows_pandas_and_the_table_of_names(monkeypatch):
    import importlib.util

    from tradewar.data._world import _country_data_path

    pandas_file, names_file = importlib.util.find_spec("pandas").origin, _country_data_path()
    stamps = {pandas_file: "a", names_file: "a"}
    monkeypatch.setattr(_stored, "_file_stamp", lambda p: stamps.get(p, "other"))
    first = _stored._path("world2023", {})
    stamps[pandas_file] = "b"
    second = _stored._path("world2023", {})
    stamps[names_file] = "b"
    third = _stored._path("world2023", {})
    assert len({first, second, third}) == 3


def test_the_key_follows_a_reinstalled_file(tmp_path):
    f = tmp_path / "x.py"
    f.write_text("a")
    before = _stored._file_stamp(str(f))
    f.write_text("ab")
    assert _stored._file_stamp(str(f)) != before
    resized = _stored._file_stamp(str(f))
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 1_000_000_000))  # same size, rewritten later
    assert _stored._file_stamp(str(f)) != resized
    assert _stored._file_stamp(str(tmp_path / "missing")) == _stored._file_stamp(None) == "-"


def test_without_a_home_folder_caching_is_off(monkeypatch):
    from pathlib import Path

    from tradewar import _cache

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    for name in ("TRADEWAR_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert _cache.cache_dir() is None
    assert _stored._path("world2023", {}) is None
