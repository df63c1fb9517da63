"""Scenario files: TOML validated with pydantic, turned into world + model + policy.

A scenario file::

    name = "liberation-day"
    title = "US reciprocal tariffs of 2 April 2025"
    notes = "What was simplified."
    date = "2025-04-02"

    [data]
    source = "world2023"          # embedded data, or a folder/file path (relative to this file)
    # gdp = "gdp.csv"             # with a long trade table as source: its GDP table (country,gdp)
    # tariffs = "tariffs.csv"     # and optionally its baseline tariffs (exporter,importer,tariff)
    # written_for = "world2023"   # the world whose regions (EU27, ROW) the codes name; --data sets it

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

    [uncertainty]                 # Monte Carlo draws of parameters (tradewar.batch._distributions)
    draws = 1000
    seed = 7
    [uncertainty.params.eps]
    dist = "lognormal"
    median = 4.0
    sigma = 0.35

Rates are fractions (0.1 = 10%). A rate above 5 (500%) is refused as a likely percentage unless
the layer says ``unit = "fraction"`` (then it is taken as written: ``rate = 100`` is 10,000%); with
``unit = "percent"`` the layer's rates are percentages (``rate = 150`` is 150%). Own sales are never
taxed: a ``pair`` layer with ``exporter = importer``, or a layer of one importer that names it among
``exporters`` or ``rates``, is an error; layers on all partners leave own sales untaxed.
Model parameters are checked per family (:mod:`tradewar.models._params`). Country codes are
case-insensitive (stored upper case) and must exist in the world.

Errors name the file, the key and its line.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictFloat,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ._exceptions import DataError, ScenarioError, TradewarError
from .batch._distributions import UncertaintySpec
from .models._params import FAMILY_SCHEMAS, ILMSSchema, error_message

__all__ = ["Scenario", "load_scenario", "list_presets", "policy_arrays", "preset_path", "prepare"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as e:
            raise ScenarioError(f"{type(self).__name__}: {_describe(e)}") from None

    # validation of nested values (and of files) keeps pydantic's errors, located by load_toml
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]


def _describe(e: ValidationError) -> str:
    """``key 'a.b': message`` for the first error of a pydantic validation."""
    err = e.errors()[0]
    key = _key(tuple(err["loc"]))
    return (f"key '{key}': " if key else "") + error_message(err, _schema_of(tuple(err["loc"])))


def _key(loc: tuple) -> str:
    """Dotted key of a pydantic location, without the model family tag of ``[model]``."""
    if len(loc) > 1 and loc[0] == "model" and loc[1] in FAMILY_SCHEMAS:
        loc = loc[:1] + loc[2:]
    return ".".join(str(k) for k in loc)


def _schema_of(loc: tuple):
    if len(loc) > 1 and loc[0] == "model" and loc[1] in FAMILY_SCHEMAS:
        return FAMILY_SCHEMAS[loc[1]]
    return None


#: Above this a rate is taken for a percentage unless the layer declares its unit.
MAX_FRACTION = 5.0

Unit = Literal["fraction", "percent"]


def _code(v: Any) -> Any:
    """A country code as written, stripped and upper case (codes are case-insensitive)."""
    if isinstance(v, str):
        c = v.strip().upper()
        if not c:
            raise ValueError("empty country code")
        return c
    return v


class DataSpec(_Strict):
    source: str = "world2023"
    #: the data source whose regions (EU27, ROW) the scenario's codes name, where ``source`` has countries
    #: instead (:meth:`Scenario.with_data` sets it to the source it replaces; :func:`on_world`)
    written_for: str | None = None
    elasticities: str | None = None
    year: int | None = None
    aggregate: dict[str, str] | None = None
    gdp: str | None = None
    tariffs: str | None = None


#: The ``[model]`` table: one strict schema per family, chosen by ``family`` (default ``ilms``).
ModelSpec = Annotated[
    Union[tuple(FAMILY_SCHEMAS.values())],  # noqa: UP007 - a Union built from the registry of families
    Field(discriminator="family"),
]


def _rate_value(v: float | None, info: ValidationInfo, what: str) -> float | None:
    """A rate in the layer's unit as a fraction; refuses likely percentages and rates at or below -100%."""
    if v is None:
        return None
    unit = info.data.get("unit")
    r = v / 100.0 if unit == "percent" else float(v)
    if unit is None and r > MAX_FRACTION:
        raise ValueError(
            f"{what} {v:g} looks like a percentage: rates are fractions, so write {v / 100:g} for {v:g}% "
            f'(or add unit = "percent" to the layer; unit = "fraction" keeps {v:g} = {v * 100:,.0f}%)'
        )
    if not r > -1.0:
        raise ValueError(f"{what} {v:g} is at or below -100%: tariffs must stay above -1.0 (-100%)")
    return r


class TariffLayer(_Strict):
    type: Literal["baseline", "schedule", "uniform", "partner", "pair", "floor", "exemption"]
    unit: Unit | None = None
    importer: str | None = None
    rate: StrictFloat | None = None
    rates: dict[str, StrictFloat] = Field(default_factory=dict)
    exporters: list[str] | None = None
    exporter: str | None = None
    exclude: list[str] = Field(default_factory=list)
    sectors: list[str | int] | None = None
    name: str | None = None
    floor: StrictFloat | None = None
    mode: Literal["set", "add"] = "add"
    export_tax: StrictBool = False

    @model_validator(mode="after")
    def _explicit_scope(self) -> TariffLayer:
        if self.type not in ("pair", "baseline") and self.importer is None:
            raise ValueError(
                f"a '{self.type}' layer needs 'importer': name the importing country, or write importer = \"*\" "
                "for every importer"
            )
        if self.sectors is not None and not self.sectors:
            raise ValueError("'sectors' is empty: list the sectors the layer applies to, or leave the key out "
                             "for every sector")
        return self

    @field_validator("importer", "exporter", mode="before")
    @classmethod
    def _one_code(cls, v: Any) -> Any:
        return _code(v)

    @field_validator("exporters", "exclude", mode="before")
    @classmethod
    def _codes(cls, v: Any) -> Any:
        return [_code(c) for c in v] if isinstance(v, list) else v

    @field_validator("rate")
    @classmethod
    def _rate(cls, v: float | None, info: ValidationInfo) -> float | None:
        return _rate_value(v, info, "rate")

    @field_validator("floor")
    @classmethod
    def _floor(cls, v: float | None, info: ValidationInfo) -> float | None:
        return _rate_value(v, info, "floor")

    @field_validator("rates")
    @classmethod
    def _rates(cls, v: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        out = {}
        for k, r in v.items():
            code = _code(k)
            if code == info.data.get("importer"):
                raise ValueError(f"{code} is the importer: own sales are never taxed; remove it from 'rates'")
            out[code] = _rate_value(r, info, f"rate for {code}")
        return out

    @field_validator("exporters")
    @classmethod
    def _not_own(cls, v: list[str] | None, info: ValidationInfo) -> list[str] | None:
        imp = info.data.get("importer")
        if v is not None and imp in v:
            raise ValueError(f"{imp} is the importer: own sales are never taxed; remove it from 'exporters'")
        return v

    @field_validator("exporter")
    @classmethod
    def _not_self(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is not None and v == info.data.get("importer"):
            raise ValueError(f"exporter {v} is the importer: own sales are never taxed (a pair needs two countries)")
        return v


class RetaliationSpec(_Strict):
    rule: Literal["none", "mirror", "reciprocal", "equal_value", "optimal"] = "none"
    retaliators: list[str] | None = None
    aggressors: list[str] | None = None
    max_rate: StrictFloat | None = Field(default=None, gt=0)
    instrument: Literal["uniform", "partner", "sector", "partner_sector"] = "uniform"

    @field_validator("retaliators", "aggressors", mode="before")
    @classmethod
    def _codes(cls, v: Any) -> Any:
        return [_code(c) for c in v] if isinstance(v, list) else v


class OutputSpec(_Strict):
    countries: list[str] | None = None

    @field_validator("countries", mode="before")
    @classmethod
    def _codes(cls, v: Any) -> Any:
        return [_code(c) for c in v] if isinstance(v, list) else v


class Scenario(_Strict):
    """A validated scenario (see the module docstring for the file format)."""

    name: str = Field(max_length=200)
    title: str = ""
    notes: str = ""
    date: str | None = None
    data: DataSpec = DataSpec()
    model: ModelSpec = ILMSSchema()
    tariffs: list[TariffLayer] = Field(default_factory=list)
    retaliation: RetaliationSpec = RetaliationSpec()
    output: OutputSpec = OutputSpec()
    uncertainty: UncertaintySpec | None = None
    path: str | None = None
    #: the file the scenario was read from (kept by :meth:`with_data`, for the lines of messages)
    _file: str | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _default_family(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("model"), dict) and "family" not in data["model"]:
            data = {**data, "model": {"family": "ilms", **data["model"]}}
        return data

    def with_data(self, source: str | None, *, gdp: str | None = None, tariffs: str | None = None) -> Scenario:
        """The same scenario on another data source (``None`` keeps it).

        ``gdp`` and ``tariffs`` name the GDP and baseline-tariff tables of a long trade table; a new
        ``source`` drops the scenario's own tables unless they are given again. Paths given here are
        taken as they are (relative to the working directory), not relative to the scenario file.
        """
        if source is None and gdp is None and tariffs is None:
            return self
        data = self.data
        if source is not None:
            own = self.data.written_for or _data_source(self)
            # the data it was written for, given again, leaves the scenario written for nothing else
            written = self.data.written_for if _same_source(str(source), own) else own
            data = data.model_copy(update={"source": str(source), "gdp": None, "tariffs": None,
                                           "written_for": written})
        elif self.path:
            # the scenario's own source, resolved against its file before the path is dropped
            data = data.model_copy(update={"source": _data_source(self), "gdp": _table(self, self.data.gdp),
                                           "tariffs": _table(self, self.data.tariffs)})
        upd = {k: str(v) for k, v in (("gdp", gdp), ("tariffs", tariffs)) if v is not None}
        out = self.model_copy(update={"data": data.model_copy(update=upd), "path": None})
        out._file = self._file
        return out


_PRESET_DIR = Path(__file__).parent / "presets"


#: Older preset names that still work, and the preset each one now names.
PRESET_ALIASES: dict[str, str] = {
    "liberation-day": "2025-04-02-liberation-day",
    "china-escalation": "2025-04-09-pause-escalation",
    "geneva-truce": "2025-05-12-geneva-truce",
}


def list_presets() -> list[Scenario]:
    """The scenario presets shipped with the package, sorted by date then name (aliases not repeated)."""
    out = [load_scenario(p) for p in sorted(_PRESET_DIR.glob("*.toml"))]
    return sorted(out, key=lambda s: (s.date or "", s.name))


def list_bloc_presets() -> list[dict[str, Any]]:
    """The bloc presets (``presets/blocs/*.toml``) as their raw TOML tables with ``name``, sorted by name.

    Read without validation or the strategy layer (which loads JAX); ``tradewar bloc NAME`` validates.
    """
    out = []
    for p in sorted((_PRESET_DIR / "blocs").glob("*.toml")):
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
        raw.setdefault("name", p.stem)
        out.append(raw)
    return out


def preset_aliases(name: str) -> list[str]:
    """The other names under which the preset ``name`` can be run."""
    return sorted(a for a, target in PRESET_ALIASES.items() if target == name)


def preset_path(name: str) -> Path | None:
    """The file of the preset ``name`` (or of the preset an alias names), or None."""
    key = name.strip().lower()
    p = _PRESET_DIR / f"{PRESET_ALIASES.get(key, key)}.toml"
    try:
        return p if p.is_file() else None
    except OSError:  # a name longer than the file system allows (ENAMETOOLONG) names no preset
        return None


def needs_data(s: Scenario) -> bool:
    """True for a preset whose data source is a placeholder: it runs only with ``--data`` (a sectoral dataset)."""
    if not s.path or Path(s.path).parent.resolve() != _PRESET_DIR.resolve():
        return False
    src = s.data.source
    return src not in ("world2023", "world2022s") and not (_PRESET_DIR / src).exists()


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


def load_toml(source: str | Path, model: type[BaseModel], preset_dir: Path, what: str = "scenario",
              aliases: dict[str, str] | None = None) -> BaseModel:
    """Read a TOML file (or the preset ``preset_dir/<source>.toml``) and validate it with ``model``.

    Preset names are case-insensitive; ``aliases`` maps other names to presets.

    Every failure is one :class:`ScenarioError` line naming the file, the key and its line. The
    validated document gets ``name`` (default: the file's stem) and, if the model has it, ``path``.
    """
    if not isinstance(source, str | os.PathLike):
        raise ScenarioError(f"{what} must be a preset name or a path to a TOML file, got {type(source).__name__}")
    if any(len(part) > 255 for part in Path(source).parts) or len(os.fspath(source)) > 4096:
        raise ScenarioError(f"{what} '{os.fspath(source)[:60]}...': name too long for a preset or a file name")
    aliases = aliases or {}
    p = Path(source)
    if not p.suffix and not p.exists():
        key = str(source).strip().lower()
        key = aliases.get(key, key)
        pp = preset_dir / f"{key}.toml"
        if not pp.is_file():
            import difflib

            names = sorted(q.stem for q in preset_dir.glob("*.toml")) + sorted(aliases)
            close = difflib.get_close_matches(key, names, n=3, cutoff=0.75)
            raise ScenarioError(f"unknown {what} '{source}': not a file and not a preset"
                                + (f"; did you mean {', '.join(close)}?" if close else f" ({', '.join(names)})"))
        p = pp
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise ScenarioError(f"{p}: cannot read {what} file ({e.strerror})") from None
    except UnicodeDecodeError as e:
        line = e.object[: e.start].count(b"\n") + 1
        raise ScenarioError(f"{p}: line {line}: not UTF-8 text ({e.reason}); save the {what} file as UTF-8") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{p}: invalid TOML: {e}") from None
    if not raw:
        raise ScenarioError(f"{p}: the {what} file is empty (no TOML keys); see `tradewar scenarios show NAME` "
                            "for a complete example")
    raw.setdefault("name", p.stem)
    if "path" in model.model_fields:
        raw["path"] = str(p)
    try:
        doc = model.model_validate(raw)
    except ValidationError as e:
        err = e.errors()[0]
        loc = tuple(err["loc"])
        if err["type"] == "union_tag_invalid" and loc == ("model",):
            loc = ("model", "family")
            msg = f"unknown model family {raw['model'].get('family')!r} (choose from {', '.join(FAMILY_SCHEMAS)})"
        else:
            msg = error_message(err, _schema_of(loc))
        key = _key(loc)
        line = _line_of(text, tuple(k for k in loc if k not in FAMILY_SCHEMAS))
        raise ScenarioError(f"{p}: key '{key}'" + (f", line {line}" if line else "") + f": {msg}") from None
    if isinstance(doc, Scenario):
        doc._file = str(p)
    return doc


def load_scenario(source: str | Path) -> Scenario:
    """Load a preset by name (or alias, see :data:`PRESET_ALIASES`) or a TOML file by path.

    Raises :class:`ScenarioError` on bad input.
    """
    return load_toml(source, Scenario, _PRESET_DIR, "scenario", PRESET_ALIASES)  # type: ignore[return-value]


def _data_source(s: Scenario) -> str:
    src = s.data.source
    if src != "world2023" and s.path and not Path(src).is_absolute():
        cand = Path(s.path).parent / src
        if cand.exists():
            return str(cand)
    return src


def _same_source(a: str, b: str) -> bool:
    """True where two data sources are one: the same name, or paths to the same file or folder."""
    if a == b:
        return True
    pa, pb = Path(a), Path(b)
    return pa.exists() and pb.exists() and pa.resolve() == pb.resolve()


def _table(s: Scenario, name: str | None) -> str | None:
    """A ``[data]`` table path (``gdp``, ``tariffs``), relative to the scenario file."""
    if name is None or not s.path or Path(name).is_absolute():
        return name
    return str(Path(s.path).parent / name)


def _long_tables(s: Scenario) -> dict[str, str]:
    """``gdp_path``/``tariffs_path`` for :func:`~tradewar.data.load_world` from ``[data] gdp``/``tariffs``."""
    out = {}
    if s.data.gdp is not None:
        out["gdp_path"] = _table(s, s.data.gdp)
    if s.data.tariffs is not None:
        out["tariffs_path"] = _table(s, s.data.tariffs)
    return out


def scenario_inputs(s: Scenario) -> list[tuple[str, str]]:
    """The files a scenario reads, as ``(what, path)``: its TOML file and the paths of its ``[data]`` table.

    Embedded datasets (``world2023``, ...) are not files and are left out. Commands refuse an output
    path that names one of these (:func:`tradewar._io.check_not_inputs`).
    """
    out = []
    if s._file or s.path:
        out.append(("the scenario file", str(s._file or s.path)))
    src = _data_source(s)
    if Path(src).exists():
        out.append(("the data source", src))
    for key, v in _long_tables(s).items():
        out.append((f"the {key.removesuffix('_path')} table", v))
    return out


def _fail_at(s: Scenario, loc: tuple, msg: str) -> ScenarioError:
    """A one-line error naming the scenario file, the key at ``loc`` and its line."""
    src = s._file or s.path
    line = None
    if src:
        try:
            line = _line_of(Path(src).read_text(encoding="utf-8"), loc)
        except (OSError, UnicodeDecodeError):
            line = None
    key = ".".join(str(k) for k in loc)
    head = f"{src}: " if src else f"scenario '{s.name}': "
    return ScenarioError(head + f"key '{key}'" + (f", line {line}" if line else "") + f": {msg}")


def on_world(s: Scenario, world) -> Scenario:
    """The scenario with each region code that ``world`` lacks written as the region's countries in ``world``.

    A scenario written for a world of regions (world2023: ``EU27``, ``ROW``) runs on a world of countries
    (``--data`` with a 194-country dataset): a rate on ``EU27`` becomes the same rate on each EU member, one
    on ``ROW`` the same rate on every country that is in none of the other regions of the world the scenario
    was written for (``[data] written_for``, set by :meth:`Scenario.with_data`), and an importing region
    becomes one importer per member that leaves its fellow members' goods alone. ``EU27`` and ``EU`` name the
    EU members in any world. A layer never taxes its importer's own goods through a region it belongs to.
    Trade inside each region of the world the scenario was written for stays at the baseline
    (:func:`_keep_inside_regions`): that world holds it as a region's own sales, which no layer could tax.
    Codes of ``world`` and unknown codes are left for :func:`check_codes`.
    """
    members = _region_members(s, world)
    if not members:
        return s

    def codes(cs, drop=()):
        return None if cs is None else [m for m in dict.fromkeys(m for c in cs for m in members.get(c, (c,)))
                                        if m not in drop]

    layers = []
    for ly in s.tariffs:
        for imp in members.get(ly.importer, (ly.importer,)) if ly.importer else (None,):
            # an importer that is one member of a region named in the layer leaves its fellow members alone
            drop = set(members.get(ly.importer, ())) | ({imp} if imp else set())
            rates: dict[str, float] = {}
            for c, r in ly.rates.items():
                if c in members:
                    rates.update({m: r for m in members[c] if m not in drop and m not in ly.rates})
                elif c not in drop:
                    rates[c] = r
            one = ly.model_copy(update={"importer": imp, "rates": rates, "exporters": codes(ly.exporters, drop),
                                        "exclude": list(dict.fromkeys([*codes(ly.exclude), *(drop - {imp})]))})
            if ly.exporter in members:  # a pair with a region: the rate on each of its countries
                layers.append(one.model_copy(update={"type": "uniform", "exporter": None,
                                                     "exporters": [m for m in members[ly.exporter] if m not in drop]}))
            elif ly.exporter is None or ly.exporter not in drop:
                layers.append(one)
    ret = s.retaliation.model_copy(update={"retaliators": codes(s.retaliation.retaliators),
                                           "aggressors": codes(s.retaliation.aggressors)})
    out = s.model_copy(update={"tariffs": layers, "retaliation": ret})
    out._file = s._file
    return out


def _region_members(s: Scenario, world, codes=None) -> dict[str, tuple[str, ...]]:
    """The region codes of ``s`` (or ``codes``) that ``world`` lacks, each with its countries in ``world`` (see
    :func:`on_world`)."""
    missing = {c for c in (_codes_of(s) if codes is None else codes) if c not in world.codes}
    return regions_in(s.data.written_for or _data_source(s), world, missing)


def regions_in(source: str, world, codes) -> dict[str, tuple[str, ...]]:
    """The ``codes`` that ``world`` lacks and that name a region of the data source ``source`` (``EU27`` and
    ``EU`` the EU in any world), each with its countries in ``world`` (empty where it has none)."""
    missing = {c for c in codes if c not in world.codes}
    if not missing:
        return {}
    from .data import EU27_MEMBERS

    groups = {r: g for r, g in _own_regions(source, tuple(world.codes)).items() if r in missing}
    eu = tuple(c for c in world.codes if c in EU27_MEMBERS)
    groups |= {r: eu for r in ("EU27", "EU") if r in missing and r not in groups}
    return groups


def _regions_of_own_world(s: Scenario, world) -> dict[str, tuple[str, ...]]:
    """The regions of the world ``s`` was written for that ``world`` lacks, each with its countries in ``world``.

    Empty where the scenario was written for ``world`` itself or its world cannot be read.
    """
    return _own_regions(s.data.written_for or _data_source(s), tuple(world.codes))


@functools.lru_cache(maxsize=8)
def _own_regions(source: str, codes: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """:func:`_regions_of_own_world` of the source ``source`` on a world of ``codes`` (kept: one scenario's
    check, expansion and regions' own trade all ask it)."""
    from .data._world import iso3_codes
    from .report._geo import region_of

    own = _own_codes(source)
    if own is None or set(own) <= set(codes):
        return {}
    out: dict[str, list[str]] = {r: [] for r in own if r not in codes and r not in iso3_codes()}
    for c in codes:
        r = region_of(c, own)
        if r is not None and r != c:
            out.setdefault(r, []).append(c)
    return {r: tuple(g) for r, g in out.items()}


@functools.lru_cache(maxsize=8)
def _own_codes(source: str) -> tuple[str, ...] | None:
    """The codes of the data source ``source`` (None where it cannot be read)."""
    from .data import load_world

    try:
        return tuple(load_world(source).codes)
    except (TradewarError, OSError):
        return None


def _keep_inside_regions(s: Scenario, world, t, base):
    """``t`` with trade inside each region of the world ``s`` was written for at ``base`` (see :func:`on_world`)."""
    import numpy as np

    groups = _regions_of_own_world(s, world) if s.data.written_for else {}
    if not groups:
        return t
    label = np.full(world.n, -1)
    for k, g in enumerate(groups.values()):
        label[world.indices(g)] = k
    inside = (label[:, None] == label[None, :]) & (label[:, None] >= 0)
    np.fill_diagonal(inside, False)
    t = np.array(t, dtype=float, copy=True)
    t[inside] = np.asarray(base, dtype=float)[inside]
    return t


def _code_places(s: Scenario) -> list[tuple[tuple, list[str]]]:
    """The country codes of a scenario, each place as ``(key, codes)`` (``("tariffs", 0, "rates")``, ...)."""
    places: list[tuple[tuple, list[str]]] = []
    for k, ly in enumerate(s.tariffs):
        if ly.importer not in (None, "*", "ALL"):
            places.append((("tariffs", k, "importer"), [ly.importer]))
        if ly.exporter is not None:
            places.append((("tariffs", k, "exporter"), [ly.exporter]))
        for key in ("exporters", "exclude"):
            places.append((("tariffs", k, key), list(getattr(ly, key) or [])))
        places.append((("tariffs", k, "rates"), list(ly.rates)))
    for key in ("retaliators", "aggressors"):
        places.append((("retaliation", key), list(getattr(s.retaliation, key) or [])))
    places.append((("output", "countries"), list(s.output.countries or [])))
    return places


def _codes_of(s: Scenario) -> set[str]:
    """Every country code a scenario's tariffs and retaliation name (its measures, not its output)."""
    return {c for loc, codes in _code_places(s) if loc[0] != "output" for c in codes}


def check_codes(s: Scenario, world) -> None:
    """Every country code of the scenario must be in ``world`` or name a region with countries in it
    (:func:`on_world`); the error names the key, line and close codes.

    One exception: when the data source was replaced (``--data``), ``[output] countries`` that are real
    ISO 3166 or region codes but absent from the new world are skipped (:func:`output_countries`).
    """
    regions = _region_members(s, world)
    for loc, codes in _code_places(s):
        for c in codes:
            if c in regions:
                if not regions[c]:
                    raise _fail_at(s, loc, f"region {c} has no countries in this world ({world.n} countries)")
                continue
            try:
                world.index(c)
            except DataError as e:
                if loc[0] == "output" and _replaced_data(s) and _real_code(c):
                    continue  # a real country the replacing data do not have: not shown
                raise _fail_at(s, loc, str(e)) from None


def _replaced_data(s: Scenario) -> bool:
    """True when the data source was replaced (:meth:`Scenario.with_data`) after the file was read."""
    return s.path is None and s._file is not None


def _real_code(code: str) -> bool:
    from .data import REGION_CODES
    from .data._world import iso3_codes

    return code in iso3_codes() or code in REGION_CODES


def output_countries(s: Scenario, world) -> list[str] | None:
    """The scenario's ``[output] countries`` present in ``world`` (None: all), after :func:`check_codes`."""
    if not s.output.countries:
        return None
    keep = [c for c in s.output.countries if c in world.codes]
    return keep or None


def scenario_world(s: Scenario):
    """The world of a scenario's ``[data]`` table: the source (with its long tables), aggregated if asked."""
    from .data import load_world
    from .data._readers import EMBEDDED

    src = _data_source(s)
    if not _replaced_data(s) and s.path and src == s.data.source and src not in EMBEDDED \
            and not Path(src).exists():
        # a source the scenario file names that does not exist: the file, key and line say where
        raise _fail_at(s, ("data", "source"), f"data source '{src}' not found; give 'world2023', 'world2022s', a data "
                       "folder or a long-table file (relative to the scenario file), or replace it with --data DIR")
    world = load_world(src, **_long_tables(s), **({"elasticities": s.data.elasticities} if s.data.elasticities else {}))
    if s.data.aggregate:
        from .data import aggregate

        # intra-region flows are domestic sales only if the source had domestic sales;
        # otherwise calibration builds them (as for world2023, which drops intra-EU trade)
        world = aggregate(world, s.data.aggregate, keep_domestic=world.has_domestic())
    return world


def check_option_codes(world, codes, option: str) -> list[str] | None:
    """Codes given on the command line (``option``), upper case, each checked against ``world``.

    Raises :class:`ScenarioError` naming the option, the unknown code and the close codes.
    """
    if codes is None:
        return None
    if isinstance(codes, str):
        codes = [c for c in codes.split(",")]
    out = []
    for c in codes:
        c = str(c).strip()
        if not c:
            raise ScenarioError(f"option '{option}': empty country code (give codes separated by commas, e.g. JPN,USA)")
        try:
            out.append(world.codes[world.index(c)])
        except DataError as e:
            raise ScenarioError(f"option '{option}': {e}") from None
    return out


def _needs_sectors(family: str, world) -> bool:
    """Whether ``family`` cannot calibrate on ``world`` for want of sectors: Ossa's model always needs them,
    Caliendo-Parro's unless the one-sector world gives its trade elasticity (``extras['theta']``)."""
    if world.has_sectors:
        return False
    return family == "ossa" or (family == "caliendo_parro" and "theta" not in world.extras)


def prepare(s: Scenario, world=None):
    """World, calibrated model and policy arrays of a scenario: ``(world, model, t, x)``.

    ``world`` (default: the scenario's ``[data]``) is a :class:`~tradewar.data.World` or a data source
    for :func:`~tradewar.data.load_world` (``"world2023"``, a folder or a file).
    """
    from .models._registry import build_model

    world = scenario_world(s) if world is None else _as_world(world)
    if _needs_sectors(s.model.family, world):  # before its layers' sectors are looked up
        raise ScenarioError(f"scenario '{s.name}': model '{s.model.family}' needs sectoral data (flows by "
                            f"sector); {s.data.source} has {world.n} countries and one sector: give a sectoral "
                            "dataset with --data (an ADB-MRIO or OECD ICIO folder, world2022s)")
    t, x, rule = policy_arrays(s, world)  # the scenario's own mistakes first, before calibration warns of the data
    model = build_model(s.model.family, world, s.model.params())
    return world, model, t, x, rule


def policy_arrays(s: Scenario, world):
    """The scenario's new tariffs, export taxes (None without) and retaliation rule on ``world``: ``(t, x, rule)``.

    What :func:`prepare` applies, without calibrating a model (for callers that solve their own model).
    """
    import numpy as np

    from .policy import Retaliation, apply_layers, apply_retaliation

    check_codes(s, world)
    written = s
    s = on_world(s, world)
    tariff_layers = [ly for ly in s.tariffs if not ly.export_tax]
    tax_layers = [ly for ly in s.tariffs if ly.export_tax]
    layers = [_layer(ly) for ly in tariff_layers]
    try:
        t = _keep_inside_regions(s, world, apply_layers(world, layers), world.tariffs)
    except ScenarioError as e:
        raise _locate_layer(written, world, e) from None
    rule = Retaliation(
        rule=s.retaliation.rule,
        retaliators=s.retaliation.retaliators,
        aggressors=s.retaliation.aggressors,
        max_rate=s.retaliation.max_rate,
        instrument=s.retaliation.instrument,
    )
    if rule.rule != "optimal":
        _check_retaliators(s, world, rule, t)
        t = apply_retaliation(world, rule, t)
    x = None
    if tax_layers:
        if s.model.family != "caliendo_parro":
            raise ScenarioError(f"scenario '{s.name}': export taxes need model family 'caliendo_parro'")
        # export-tax layers reuse the layer grammar with importer/exporter roles as written
        zero = np.zeros_like(world.tariffs)
        try:
            x = apply_layers(world, [_layer(ly) for ly in tax_layers], base=zero)
        except ScenarioError as e:
            raise _locate_layer(written, world, e) from None
        x = _keep_inside_regions(s, world, x, zero)
    return t, x, rule


def _locate_layer(s: Scenario, world, err: ScenarioError) -> ScenarioError:
    """``err`` of applying the layers of ``s``, located at the first layer that raises it alone (its key, line)."""
    import numpy as np

    from .policy import apply_layers

    for k, ly in enumerate(s.tariffs):
        one = on_world(s.model_copy(update={"tariffs": [ly]}), world)
        base = np.zeros_like(world.tariffs) if ly.export_tax else None
        try:
            apply_layers(world, [_layer(x) for x in one.tariffs], base=base)
        except ScenarioError as e:
            return _fail_at(s, ("tariffs", k), str(e))
    return err


def _check_retaliators(s: Scenario, world, rule, t) -> None:
    """Every listed retaliator must be hit by a tariff increase of an aggressor, or it answers nothing."""
    import numpy as np

    if rule.rule == "none" or not rule.retaliators:
        return
    added = np.asarray(t, float) - np.asarray(world.tariffs, float)
    hit = (added.sum(axis=2) if added.ndim == 3 else added) > 0  # hit[r, a]: a taxes r more
    np.fill_diagonal(hit, False)
    if rule.aggressors is not None:
        mask = np.zeros(world.n, dtype=bool)
        mask[world.indices(rule.aggressors)] = True
        hit &= mask[None, :]
    for code in rule.retaliators:
        if not hit[world.index(code)].any():
            raise _fail_at(s, ("retaliation", "retaliators"),
                           f"{code} is not hit by a tariff increase of any aggressor, so it has nothing to answer; "
                           "remove it from 'retaliators'")


def _as_world(world):
    """A :class:`~tradewar.data.World`, loading a data source given by name or path."""
    from .data import World, load_world

    if isinstance(world, World):
        return world
    if isinstance(world, str | Path):
        return load_world(world)
    raise ScenarioError(f"world must be a tradewar World or a data source name or path, got {type(world).__name__}")


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

