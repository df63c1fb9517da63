"""The user's cache folder of tradewar and the digest of tradewar's source, for what it stores there.

Two kinds of files live in the folder (``TRADEWAR_CACHE_DIR``; by default ``~/.cache/tradewar/jax``, or
under ``XDG_CACHE_HOME``; the empty string turns caching off): compiled and traced programs
(:mod:`tradewar._jax`) and the embedded worlds as read (:mod:`tradewar.data._stored`). Each is found again
only by the same source code of tradewar (:func:`source_digest`), so an edited or upgraded tradewar never
reads what another version wrote. The folder is private to the user (0700).
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

__all__ = ["cache_dir", "private_folder", "source_digest"]


def cache_dir() -> Path | None:
    """The cache folder (not created), or None where ``TRADEWAR_CACHE_DIR`` is the empty string or, unset, no
    home folder can be found (caching is then off)."""
    env = os.environ.get("TRADEWAR_CACHE_DIR")
    if env == "":
        return None
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:
            return None
    return Path(base) / "tradewar" / "jax"


def private_folder(folder: Path) -> Path:
    """``folder`` created private to the user (and made so if it is ours and open to others)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = folder.stat()
    if st.st_mode & 0o077 and st.st_uid == os.getuid():
        folder.chmod(0o700)
    return folder


@functools.cache
def source_digest() -> str:
    """SHA-256 of tradewar's Python source files (their paths and contents)."""
    h = hashlib.sha256()
    root = Path(__file__).parent
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()
