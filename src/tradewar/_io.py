"""Safe file output: check output paths before the work, write atomically, clean up on interrupt.

Every output goes through :func:`atomic_write` (one file) or :func:`atomic_write_all` (several files
that are written together or not at all): the content is written to a hidden temporary file beside
the target, given the mode the user's umask asks for, and renamed into place only once every file
of the group is complete. Only regular files are ever replaced: a folder, a symbolic link, a device
(``/dev/full``) or a pipe at the target is refused with :class:`OutputError`.

Temporary files in flight are kept in a registry so that an interrupt (Ctrl-C, SIGTERM) can remove
them (:func:`discard_inflight`) before the process leaves; :func:`commit_lock` is held while the
renames happen, so an interrupt sees either every file of a group in place or none of them.
"""

from __future__ import annotations

import contextlib
import functools
import os
import stat
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO

from ._exceptions import TradewarError

__all__ = [
    "OutputError",
    "atomic_write",
    "atomic_write_all",
    "check_output_folder",
    "check_output_path",
    "check_output_paths",
    "commit_lock",
    "discard_inflight",
    "inflight",
    "json_safe",
    "json_writer",
]

Writer = Callable[[IO], None]


class OutputError(TradewarError, ValueError):
    """An output path cannot be written: a folder, a device, a link, inside a file, or not writable."""


#: Temporary files being written by this process (removed on interrupt).
_INFLIGHT: set[str] = set()
_REGISTRY_LOCK = threading.Lock()
#: Held while staged files are renamed into place.
commit_lock = threading.RLock()


def _where(path: Path, option: str | None) -> str:
    return f"option '{option}': {path}" if option else str(path)


def _umask() -> int:
    """The process's umask, read without changing it: ``Umask:`` of ``/proc/self/status`` (Linux).

    Elsewhere the only way to read it is to set it and put it back; that is done once per process
    (:func:`_umask_by_setting`), so a thread creating a file cannot meet a temporary mask more than once.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return _umask_by_setting()  # pragma: no cover - systems without /proc


@functools.cache
def _umask_by_setting() -> int:  # pragma: no cover - systems without /proc
    with _REGISTRY_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _file_mode() -> int:
    """The mode of a new file under the process's umask (``0o666 & ~umask``)."""
    return 0o666 & ~_umask()


def check_output_path(path: str | os.PathLike, option: str | None = None) -> Path:
    """Raise :class:`OutputError` unless ``path`` can be written as a regular file; return it as a Path.

    Refused: an empty path; a folder, symbolic link, device or pipe at the path; a parent that is a
    file (``file.txt/out.json``); a folder in which no file can be created (``/proc``, read-only).
    Missing parent folders are allowed (they are created when the file is written) if the nearest
    existing ancestor is a writable folder. Nothing is left behind by the check.
    """
    raw = os.fspath(path)
    if not str(raw).strip():
        raise OutputError(f"{'option ' + repr(option) + ': ' if option else ''}the output path is empty")
    p = Path(raw)
    where = _where(p, option)
    if str(raw).endswith(("/", os.sep)):
        raise OutputError(f"{_where(Path(raw), option)}/: ends with '/', so it names a folder; give a file name")
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        raise OutputError(f"{where}: a parent of this path is a file, not a folder") from None
    except OSError as e:
        raise OutputError(f"{where}: cannot be written ({e.strerror})") from None
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise OutputError(f"{where}: is a symbolic link; refusing to replace it (give the real path)")
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{where}: is a folder; give a file name")
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(f"{where}: is not a regular file (a device or pipe); refusing to replace it")
    parent = p.parent
    ancestor = parent
    while not ancestor.exists():
        if ancestor.is_symlink():  # a dangling link in the way
            raise OutputError(f"{where}: the folder {ancestor} is a broken symbolic link")
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(f"{where}: {ancestor} is a file, not a folder")
    if ancestor != parent:
        if not os.access(ancestor, os.W_OK | os.X_OK):
            raise OutputError(f"{where}: cannot create the folder {parent} (permission denied)")
        return p
    try:
        with _REGISTRY_LOCK:
            fd, probe = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".probe", dir=parent)
            _INFLIGHT.add(probe)
    except OSError as e:
        raise OutputError(f"{where}: cannot write in the folder {parent} ({e.strerror or type(e).__name__})") from None
    os.close(fd)
    _discard(probe)
    return p


def check_output_folder(path: str | os.PathLike, option: str | None = None) -> Path:
    """Raise :class:`OutputError` unless ``path`` is a folder files can be written in, or can be created."""
    raw = os.fspath(path)
    if not str(raw).strip():
        raise OutputError(f"{'option ' + repr(option) + ': ' if option else ''}the output folder is empty")
    p = Path(raw)
    if p.exists() and not p.is_dir():
        raise OutputError(f"{_where(p, option)}: is a file, not a folder")
    check_output_path(p / "probe.out", option)
    return p


def check_not_inputs(
    outputs: Iterable[tuple[str, str | os.PathLike | None]], inputs: Iterable[tuple[str, str | os.PathLike | None]]
) -> None:
    """Raise :class:`OutputError` when an output would replace an input of the same command.

    ``outputs`` are ``(option, path)``; ``inputs`` are ``(what, path)`` of files or folders read. An
    output may not be an input file (compared after resolving links), nor an existing file inside an
    input folder (a data folder's own tables).
    """
    ins = []
    for what, path in inputs:
        if path is None or not str(path).strip() or not os.path.exists(path):
            continue
        ins.append((what, Path(os.path.realpath(path)), Path(path)))
    for option, path in outputs:
        if path is None or not str(path).strip():
            continue
        out = Path(os.path.realpath(path))
        for what, real, given in ins:
            inside = real.is_dir() and out.exists() and real in out.parents
            if out == real or inside:
                raise OutputError(
                    f"{_where(Path(path), option)}: is {what} ({given}) read by this command; "
                    "choose another output path"
                )


def check_output_paths(paths: Iterable[tuple[str, str | os.PathLike | None]]) -> None:
    """Check every given ``(option, path)`` pair (``None`` paths are skipped) and that no two are the same."""
    seen: dict[str, str] = {}
    for option, path in paths:
        if path is None:
            continue
        p = check_output_path(path, option)
        key = os.path.abspath(p)
        if key in seen:
            raise OutputError(f"options '{seen[key]}' and '{option}' name the same file {p}")
        seen[key] = option


def _register(tmp: str) -> None:
    with _REGISTRY_LOCK:
        _INFLIGHT.add(tmp)


def _unregister(tmp: str) -> None:
    with _REGISTRY_LOCK:
        _INFLIGHT.discard(tmp)


@contextlib.contextmanager
def inflight(paths: Iterable[str | os.PathLike]):
    """Register files written by other means (e.g. by a plotting library) as temporary for the block."""
    names = [os.fspath(p) for p in paths]
    for n in names:
        _register(n)
    try:
        yield
    finally:
        for n in names:
            _unregister(n)


def discard_inflight() -> None:
    """Remove every temporary file this process is writing (called on interrupt)."""
    with _REGISTRY_LOCK:
        names = list(_INFLIGHT)
        _INFLIGHT.clear()
    for tmp in names:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _stage(target: Path, write: Writer, mode: str) -> str:
    """Write a temporary file beside ``target`` with ``write`` and return its name (registered)."""
    check_output_path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _REGISTRY_LOCK:  # created and registered at once: an interrupt sees both or neither
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        _INFLIGHT.add(tmp)
    try:
        try:
            st = os.stat(target)
            perm = stat.S_IMODE(st.st_mode)
        except FileNotFoundError:
            perm = _file_mode()
        os.fchmod(fd, perm)
        with os.fdopen(fd, mode, **({"encoding": "utf-8"} if "b" not in mode else {})) as fh:
            write(fh)
            fh.flush()
    except BaseException:
        _discard(tmp)
        raise
    return tmp


def _discard(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass
    _unregister(tmp)


def atomic_write_all(items: Sequence[tuple[str | os.PathLike, Writer, str]]) -> list[Path]:
    """Write several files together: each ``(path, write, mode)`` is staged, then all are renamed.

    If any write fails, no target is touched and no temporary file is left. Targets must be regular
    files or absent (see :func:`check_output_path`).
    """
    targets = [Path(p) for p, _, _ in items]
    staged: list[str] = []
    try:
        for target, (_, write, mode) in zip(targets, items, strict=True):
            staged.append(_stage(target, write, mode))
        with commit_lock:
            for target in targets:
                check_output_path(target)
            for tmp, target in zip(staged, targets, strict=True):
                os.replace(tmp, target)
                _unregister(tmp)
    except BaseException:
        for tmp in staged:
            _discard(tmp)
        raise
    return targets


def atomic_write(path: str | os.PathLike, write: Writer, mode: str = "w") -> Path:
    """Call ``write(fh)`` on a temporary file and move it to ``path`` only if it succeeded."""
    return atomic_write_all([(path, write, mode)])[0]


def json_safe(v: object) -> object:
    """A JSON-ready copy of ``v``: NumPy values to Python, tuples to lists, NaN and infinities to ``None``."""
    import math

    if isinstance(v, dict):
        return {str(k): json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_safe(x) for x in v]
    tolist = getattr(v, "tolist", None)
    if tolist is not None and not isinstance(v, (str, bytes)):
        return json_safe(tolist())
    if isinstance(v, bool) or v is None or isinstance(v, (str, int)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(v)
    return f if math.isfinite(f) else None


def json_writer(doc: object) -> Writer:
    """A writer for :func:`atomic_write` that dumps ``doc`` as strict JSON (non-finite numbers as ``null``)."""
    import json

    clean = json_safe(doc)
    text = json.dumps(clean, indent=2, allow_nan=False)
    return lambda fh: fh.write(text + "\n")
