"""Memory this process may still take, for the checks that refuse work which cannot fit."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["available_mib"]


def available_mib() -> float | None:
    """Memory this process may still take (MiB): ``MemAvailable`` of ``/proc/meminfo`` (free pages
    elsewhere), capped by the control group's limit where one is set; None when unknown."""
    avail = None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) / 1024.0
                    break
    except (OSError, ValueError):
        pass
    if avail is None:
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
            return None
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit != "max":
            used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
            avail = min(avail, (int(limit) - used) / 2**20)
    except (OSError, ValueError):
        pass
    return avail
