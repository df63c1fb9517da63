"""The embedded worlds as read, stored in the cache folder so that later processes skip the reading.

Reading ``world2023`` or ``world2022s`` parses their CSV files with pandas: importing pandas alone takes
0.2-0.3 s, more than the rest of a warm ``tradewar run``. The first process that reads an embedded world
stores the :class:`World` it got (arrays in a NumPy ``.npz``, no pickles; names, codes and provenance as
JSON in it) in ``<cache>/worlds`` (:func:`tradewar._cache.cache_dir`); later processes load it, which
takes milliseconds and needs NumPy only. A stored world is found only for the same dataset files, reader
options, source code of tradewar, versions of NumPy and pandas and table of country names (country_converter's);
a file that cannot be read, or that is not a plain file of this user (a link, or a file whose owner a mount
maps to another user), is read from the data again and replaced. Storing a world removes that world's files
written by other versions, but those of the :data:`KEEP_OTHER_VERSIONS` most recent ones. With caching off
(``TRADEWAR_CACHE_DIR=""``) every process reads the data.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .._cache import cache_dir, private_folder, source_digest
from ._world import World

__all__ = ["stored_world"]

#: ``World`` fields kept as JSON; the arrays are ``trade``, ``gdp``, ``tariffs`` and the prefixed maps below.
_TEXT_FIELDS = ("codes", "names", "sectors", "source", "units")
_MAPS = {"schedules": "schedule:", "extras": "extra:"}


def _file_stamp(path: str | None) -> str:
    """Path, size and modification time of a file (changed by any reinstall of its package), or ``-``."""
    try:
        st = os.stat(path) if path else None
    except OSError:
        st = None
    return "-" if st is None else f"{path}:{st.st_size}:{st.st_mtime_ns}"


def _versions() -> str:
    """What the reading depends on besides the dataset's files: tradewar's source, NumPy, pandas (its
    installed files, found without importing it) and country_converter's table of names."""
    import importlib.util

    from ._world import _country_data_path

    spec = importlib.util.find_spec("pandas")
    return hashlib.sha256(
        f"{source_digest()} numpy=={np.__version__} pandas={_file_stamp(spec and spec.origin)} "
        f"names={_file_stamp(_country_data_path())}".encode()
    ).hexdigest()[:12]


def _path(name: str, options: dict[str, Any]) -> Path | None:
    """Where the world ``name`` read with ``options`` is stored (``<name>-<versions>-<key>.npz``); None when
    caching is off or the options are not plain values."""
    folder = cache_dir()
    if folder is None or not all(isinstance(v, str | int | float | bool) for v in options.values()):
        return None
    versions = _versions()
    h = hashlib.sha256(f"{name} {sorted(options.items())!r}".encode())
    data = resources.files("tradewar.data").joinpath(name)
    for entry in sorted(data.iterdir(), key=lambda e: e.name):
        if entry.is_file():
            h.update(entry.name.encode())
            h.update(entry.read_bytes())
    return folder / "worlds" / f"{name}-{versions}-{h.hexdigest()[:32]}.npz"


def _load(path: Path) -> World | None:
    try:  # the file itself, never what a link points to, and only one of this user's
        fh = open(os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)), "rb")
    except OSError:
        return None
    try:
        with fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid():
                return None
            with np.load(fh, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                arrays = {k: z[k] for k in z.files if k != "meta"}
        maps = {field: {key: arrays[prefix + key] for key in meta[field]} for field, prefix in _MAPS.items()}
        return World(trade=arrays["trade"], gdp=arrays["gdp"], tariffs=arrays["tariffs"],
                     **{f: meta[f] if f in ("source", "units") else tuple(meta[f]) for f in _TEXT_FIELDS}, **maps)
    except Exception:  # an unreadable, truncated or foreign file: read from the data again and replaced
        return None


#: Versions other than the current one whose stored worlds are kept (the newest first): two installations of
#: tradewar sharing a cache folder then keep their files, and an edited source tree leaves no more than these.
KEEP_OTHER_VERSIONS = 2


def _remove_old(folder: Path, name: str, versions: str) -> None:
    """Remove the stored files of the world ``name`` written by versions other than ``versions``, but those of
    the :data:`KEEP_OTHER_VERSIONS` most recently written ones (and every file named in an older form)."""
    by_version: dict[str, list[Path]] = {}
    for old in folder.glob(f"{name}-*.npz"):
        parts = old.name[len(name) + 1 : -len(".npz")].split("-")
        if len(parts) == 1:  # <name>-<key>.npz: written before files were named by their versions
            old.unlink(missing_ok=True)
        elif len(parts) == 2 and parts[0] != versions:
            by_version.setdefault(parts[0], []).append(old)
    newest = sorted(by_version, key=lambda v: max(p.stat().st_mtime for p in by_version[v]), reverse=True)
    for v in newest[KEEP_OTHER_VERSIONS:]:
        for old in by_version[v]:
            old.unlink(missing_ok=True)


def _store(path: Path, world: World) -> None:
    from .._exceptions import TradewarError
    from .._io import atomic_write

    arrays = {"trade": world.trade, "gdp": world.gdp, "tariffs": world.tariffs}
    meta: dict[str, Any] = {f: list(getattr(world, f)) if f not in ("source", "units") else getattr(world, f)
                            for f in _TEXT_FIELDS}
    for field, prefix in _MAPS.items():
        values = dict(getattr(world, field))
        meta[field] = list(values)
        arrays.update((prefix + k, np.asarray(v)) for k, v in values.items())
    if any(a.dtype == object for a in arrays.values()):
        return
    try:
        private_folder(path.parent)
        if path.is_symlink():  # not ours to follow; the folder is private, so the name is ours to reuse
            path.unlink()
        atomic_write(path, lambda fh: np.savez(fh, meta=np.array(json.dumps(meta)), **arrays), "wb")
        name, versions, _ = path.name.rsplit("-", 2)
        _remove_old(path.parent, name, versions)
    except (OSError, TradewarError):  # a read-only cache, a folder in the way: the next process reads the data
        return


def stored_world(name: str, options: dict[str, Any], read: Callable[[], World]) -> World:
    """The embedded world ``name`` read with ``options``: stored if it was, else ``read()`` and stored."""
    path = _path(name, options)
    if path is None:
        return read()
    world = _load(path)
    if world is None:
        world = read()
        _store(path, world)
    return world
