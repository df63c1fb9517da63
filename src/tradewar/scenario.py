"""Scenario files: TOML validated with pydantic, turned into world + model + policy.

A scenario file::

    name = "liberation-day"
    title = "US reciprocal tariffs of 2 April 2025"
    notes = "What was simplified."
    date = "2025-04-02"

    [data]
    source = "world2023"          # embedded data, or a folder/file path (relative to this file)

    [model]
    family = "ilms"               # ilms | armington | caliendo_parro | ossa
    eps = 4.0                     # any parameter of the family

    [[tariffs]]                   # layers, applied in order (tradewar.policy)
    type = "schedule"
    name = "us_2025_04_02"
    importer = "USA"
    floor = 0.10

    [retaliation]
    rule = "none"                 # none | mirror | reciprocal | equal_value | optimal
    retaliators = ["CHN"]         # default: every country hit
    max_rate = 1.0

    [output]
    countries = ["JPN", "USA", "CHN"]

Errors name the file, the key and its line.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._exceptions import ScenarioError

__all__ = ["Scenario", "load_scenario", "list_presets", "preset_path", "run_scenario", "prepare"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataSpec(_Strict):
    source: str = "world2023"
    elasticities: str | None = None
    year: int | None = None
    aggregate: dict[str, str] | None = None


class ModelSpec(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    family: Literal["ilms", "armington", "caliendo_parro", "ossa"] = "ilms"

    def params(self) -> dict[str, Any]:
        return {k: (tuple(v) if isinstance(v, list) else v) for k, v in (self.model_extra or {}).items()}


class TariffLayer(_Strict):
    type: Literal["baseline", "schedule", "uniform", "partner", "pair", "floor", "exemption"]
    importer: str | None = None
    rate: float | None = Field(default=None, gt=-1.0)
    rates: dict[str, float] = Field(default_factory=dict)
    exporters: list[str] | None = None
    exporter: str | None = None
    exclude: list[str] = Field(default_factory=list)
    sectors: list[str | int] | None = None
    name: str | None = None
    floor: float | None = Field(default=None, gt=-1.0)
    mode: Literal["set", "add"] = "add"
    export_tax: bool = False

    @field_validator("rates")
    @classmethod
    def _rates_above_minus_one(cls, v: dict[str, float]) -> dict[str, float]:
        for k, r in v.items():
            if not r > -1.0:
                raise ValueError(f"rate for {k} is {r}: tariffs must stay above -100% (-1.0)")
        return v


class RetaliationSpec(_Strict):
    rule: Literal["none", "mirror", "reciprocal", "equal_value", "optimal"] = "none"
    retaliators: list[str] | None = None
    aggressors: list[str] | None = None
    max_rate: float | None = Field(default=None, gt=0)
    instrument: Literal["uniform", "partner", "sector", "partner_sector"] = "uniform"


class OutputSpec(_Strict):
    countries: list[str] | None = None


class Scenario(_Strict):
    """A validated scenario (see the module docstring for the file format)."""

    name: str
    title: str = ""
    notes: str = ""
    date: str | None = None
    data: DataSpec = DataSpec()
    model: ModelSpec = ModelSpec()
    tariffs: list[TariffLayer] = Field(default_factory=list)
    retaliation: RetaliationSpec = RetaliationSpec()
    output: OutputSpec = OutputSpec()
    path: str | None = None

    def with_data(self, source: str | None) -> Scenario:
        """The same scenario on another data source (``None`` keeps it)."""
        if source is None:
            return self
        return self.model_copy(update={"data": self.data.model_copy(update={"source": str(source)}), "path": None})


_PRESET_DIR = Path(__file__).parent / "presets"


def list_presets() -> list[Scenario]:
    """The scenario presets shipped with the package, sorted by date then name."""
    out = [load_scenario(p) for p in sorted(_PRESET_DIR.glob("*.toml"))]
    return sorted(out, key=lambda s: (s.date or "", s.name))


def preset_path(name: str) -> Path | None:
    p = _PRESET_DIR / f"{name}.toml"
    return p if p.is_file() else None


def _line_of(text: str, loc: tuple) -> int | None:
    """Best-effort line number of the key at ``loc`` in the TOML ``text``."""
    keys = [k for k in loc if isinstance(k, str)]
    idx = [k for k in loc if isinstance(k, int)]
    lines = text.splitlines()
    start = 0
    if keys and keys[0] in ("tariffs",):
        # the n-th [[tariffs]] table
        heads = [n for n, ln in enumerate(lines) if ln.strip() == "[[tariffs]]"]
        if idx and idx[0] < len(heads):
            start = heads[idx[0]]
    elif keys:
        for n, ln in enumerate(lines):
            if ln.strip() == f"[{keys[0]}]":
                start = n
                break
    target = keys[-1] if keys else None
    if target is None:
        return start + 1 if start else None
    pat = re.compile(rf"^\s*{re.escape(target)}\s*=")
    for n in range(start, len(lines)):
        if pat.match(lines[n]):
            return n + 1
    return start + 1 if start else None


def load_toml(source: str | Path, model: type[BaseModel], preset_dir: Path, what: str = "scenario") -> BaseModel:
    """Read a TOML file (or the preset ``preset_dir/<source>.toml``) and validate it with ``model``.

    Every failure is one :class:`ScenarioError` line naming the file, the key and its line. The
    validated document gets ``name`` (default: the file's stem) and, if the model has it, ``path``.
    """
    p = Path(source)
    if not p.suffix and not p.exists():
        pp = preset_dir / f"{source}.toml"
        if not pp.is_file():
            names = ", ".join(sorted(q.stem for q in preset_dir.glob("*.toml")))
            raise ScenarioError(f"unknown {what} '{source}': not a file and not a preset ({names})")
        p = pp
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise ScenarioError(f"{p}: cannot read {what} file ({e.strerror})") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{p}: invalid TOML: {e}") from None
    raw.setdefault("name", p.stem)
    if "path" in model.model_fields:
        raw["path"] = str(p)
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        err = e.errors()[0]
        loc = tuple(err["loc"])
        key = ".".join(str(k) for k in loc)
        line = _line_of(text, loc)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "literal_error":
            msg = f"{msg}, got {err.get('input')!r}"
        raise ScenarioError(f"{p}: key '{key}'" + (f", line {line}" if line else "") + f": {msg}") from None


def load_scenario(source: str | Path) -> Scenario:
    """Load a preset by name or a TOML file by path; raises :class:`ScenarioError` on bad input."""
    return load_toml(source, Scenario, _PRESET_DIR, "scenario")  # type: ignore[return-value]


def _data_source(s: Scenario) -> str:
    src = s.data.source
    if src != "world2023" and s.path and not Path(src).is_absolute():
        cand = Path(s.path).parent / src
        if cand.exists():
            return str(cand)
    return src


def prepare(s: Scenario, world=None):
    """World, calibrated model and policy arrays of a scenario: ``(world, model, t, x)``."""
    import numpy as np

    from .data import load_world
    from .models._registry import build_model
    from .policy import Retaliation, apply_layers, apply_retaliation

    if world is None:
        world = load_world(_data_source(s), **({"elasticities": s.data.elasticities} if s.data.elasticities else {}))
        if s.data.aggregate:
            from .data import aggregate

            # intra-region flows are domestic sales only if the source had domestic sales;
            # otherwise calibration builds them (as for world2023, which drops intra-EU trade)
            world = aggregate(world, s.data.aggregate, keep_domestic=world.has_domestic())
    model = build_model(s.model.family, world, s.model.params())
    tariff_layers = [ly for ly in s.tariffs if not ly.export_tax]
    tax_layers = [ly for ly in s.tariffs if ly.export_tax]
    layers = [_layer(ly) for ly in tariff_layers]
    t = apply_layers(world, layers)
    rule = Retaliation(
        rule=s.retaliation.rule,
        retaliators=s.retaliation.retaliators,
        aggressors=s.retaliation.aggressors,
        max_rate=s.retaliation.max_rate,
        instrument=s.retaliation.instrument,
    )
    if rule.rule != "optimal":
        t = apply_retaliation(world, rule, t)
    x = None
    if tax_layers:
        if s.model.family != "caliendo_parro":
            raise ScenarioError(f"scenario '{s.name}': export taxes need model family 'caliendo_parro'")
        # export-tax layers reuse the layer grammar with importer/exporter roles as written
        x = apply_layers(world, [_layer(ly) for ly in tax_layers], base=np.zeros_like(world.tariffs))
    return world, model, t, x, rule


def _layer(ly: TariffLayer):
    from .policy import Layer

    return Layer(
        kind=ly.type,
        importer=ly.importer,
        rate=ly.rate,
        rates=ly.rates,
        exporters=ly.exporters,
        exporter=ly.exporter,
        exclude=tuple(ly.exclude),
        sectors=ly.sectors,
        name=ly.name,
        floor=ly.floor,
        mode=ly.mode,
    )


def run_scenario(s: Scenario | str | Path, *, world=None, options=None, data: str | None = None):
    """Solve a scenario and return a labelled :class:`~tradewar.results.Result`.

    Examples
    --------
    >>> r = run_scenario("liberation-day")
    >>> r.converged and r.countries().loc["USA", "welfare_pct"] > 0
    True
    """
    import numpy as np

    from .results import Result
    from .solve import Shock, solve_model

    if not isinstance(s, Scenario):
        s = load_scenario(s)
    s = s.with_data(data)
    world, model, t, x, rule = prepare(s, world)
    if rule.rule == "optimal":
        from .strategy import retaliate_optimally

        t = retaliate_optimally(model, world, t, rule)
    shock = Shock(t=np.asarray(t), x=None if x is None else np.asarray(x))
    eq = solve_model(model, shock, options, what=f"scenario '{s.name}'")
    return Result(
        world=world,
        equilibrium=eq,
        scenario=s.name,
        model=s.model.family,
        params=s.model.params(),
        tariffs=np.asarray(t),
        meta={"title": s.title, "date": s.date, "notes": s.notes, "data": s.data.source,
              **dict(getattr(model, "meta", {}) or {})},
    )
