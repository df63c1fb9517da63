"""Shared fixtures: the embedded world and the path of the shared development data."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_dir(name: str) -> Path:
    """A dataset folder of ../shared/data, or skip the test when it is absent."""
    p = SHARED / name
    if not p.is_dir():
        pytest.skip(f"shared dataset {name} not available")
    return p


@pytest.fixture(scope="session")
def world2023():
    from tradewar.data import load_world

    return load_world("world2023")
