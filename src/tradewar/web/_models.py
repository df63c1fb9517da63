"""Request and response models of the HTTP API. Scenarios are :class:`tradewar.scenario.Scenario` itself."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..scenario import Scenario

__all__ = ["OptimalRequest", "NashRequest", "TalksRequest", "BlocRequest", "TimelineRequest", "JobInfo",
           "SolveResult", "ErrorInfo", "DatasetInfo", "PresetInfo"]

Instrument = Literal["uniform", "partner", "sector", "partner_sector"]


class _Request(BaseModel):
    # strict: ``"lower": false`` or ``"max_rounds": "5"`` is refused rather than read as 0 or 5
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


def _distinct(codes: list[str]) -> list[str]:
    """Country codes, each once (compared without case)."""
    seen: set[str] = set()
    for c in codes:
        if c.upper() in seen:
            raise ValueError(f"'{c.upper()}' is listed twice: each country plays once")
        seen.add(c.upper())
    return codes


class OptimalRequest(_Request):
    """The tariffs that maximise ``country``'s welfare, everyone else's as in the scenario."""

    scenario: Scenario
    country: str = Field("USA", min_length=2, max_length=8, description="The country choosing its tariffs (ISO3).")
    instrument: Instrument = "uniform"
    lower: float = Field(-1.0, ge=-1.0, le=1.0, description="Lowest tariff allowed (fraction; 0: no subsidies).")


class NashRequest(_Request):
    """The Nash equilibrium of a tariff war among ``players`` (iterated best responses)."""

    scenario: Scenario
    # a plain default (pydantic copies it per request) so that the API's schema shows it
    players: list[str] = Field(["USA", "CHN"], min_length=2, max_length=8,
                               description="The players (ISO3 codes); default USA and CHN.")
    instrument: Instrument = "uniform"
    lower: float = Field(-1.0, ge=-1.0, le=1.0)
    max_rounds: int = Field(100, ge=0, le=1000, description="Best-response rounds before giving up.")
    tol: float = Field(1e-6, gt=0.0, le=0.1, description="Convergence tolerance on tariff moves (fraction).")

    _players = field_validator("players")(_distinct)


class TalksRequest(_Request):
    """Nash bargaining between two parties over their tariffs on each other, and the deal frontier."""

    scenario: Scenario
    parties: list[str] = Field(["USA", "JPN"], min_length=2, max_length=2,
                               description="The two parties (ISO3 codes); default USA and JPN.")
    threat: Literal["current", "nash"] = "current"
    instruments: Literal["uniform", "sector"] = "uniform"
    weight: float = Field(0.5, gt=0.0, lt=1.0, description="Bargaining weight of the first party.")
    lower: float = Field(0.0, ge=-0.99, le=1.0, description="Lowest tariff searched (fraction; below 0 the deal "
                         "may subsidise imports).")
    frontier: bool = True

    _parties = field_validator("parties")(_distinct)


class BlocRequest(_Request):
    """A bloc game: every coalition of the bloc preset's candidates, its stability, who gains and who loses."""

    bloc: str = Field("us-bloc-china", min_length=1, max_length=100, description="A bloc preset by name.")
    dataset: str = Field("world2023", min_length=1, max_length=100)


class TimelineRequest(_Request):
    """The dated presets solved in order, and how each step moved ``country``."""

    country: str = Field("JPN", min_length=2, max_length=8)
    steps: list[str] | None = Field(None, max_length=20, description="Preset names (default: the 2025 timeline).")
    dataset: str = Field("world2023", min_length=1, max_length=100)


class JobInfo(BaseModel):
    """A background job."""

    id: str
    kind: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: float
    message: str
    error: str | None
    created: float
    updated: float
    request: dict[str, Any]


class SolveResult(BaseModel):
    """The result of one solve: the fields of ``tradewar run --json`` plus the stored result's ``id``."""

    model_config = ConfigDict(extra="allow")

    id: str
    cached: bool
    scenario: str
    model: str
    params: dict[str, Any]
    converged: bool
    status: str
    max_residual: float
    steps: int
    solve_seconds: float
    checks: dict[str, Any]
    meta: dict[str, Any]
    countries: dict[str, dict[str, Any]]


class ErrorInfo(BaseModel):
    """One line saying what is wrong (the same words as the CLI)."""

    detail: str


class DatasetInfo(BaseModel):
    name: str
    embedded: bool
    countries: int | None = None
    sectors: int | None = None


class PresetInfo(BaseModel):
    name: str
    title: str
    date: str | None
    model: str
    data: str
    needs_data: bool
    aliases: list[str]
    kind: Literal["scenario", "bloc"] = "scenario"
