"""Parameter distributions of a scenario's ``[uncertainty]`` table, and their draws.

A scenario declares::

    [uncertainty]
    draws = 1000                      # Monte Carlo draws
    seed = 7

    [uncertainty.params.eps]          # trade elasticity: a truncated normal
    dist = "truncnormal"
    mean = 4.0
    sd = 1.5
    low = 1.5
    high = 10.0

    [uncertainty.params.theta]        # a sector-level parameter, scaled by one common factor per draw
    dist = "lognormal"
    median = 1.0
    sigma = 0.3
    relative = true                   # the draw multiplies the calibrated value
    joint = true                      # one draw for every sector (false: one per sector)

Distributions (``dist``): ``normal`` (``mean``, ``sd``), ``lognormal`` (``median``, ``sigma`` of the
log), ``truncnormal`` (``mean``, ``sd``, ``low``, ``high``), ``uniform`` (``low``, ``high``),
``triangular`` (``low``, ``mode``, ``high``), ``values`` (a list to resample with equal or given
``weights``; each value may be a whole sector vector, e.g. a published set of elasticities).

Every draw is the inverse distribution function of a uniform number, so Monte Carlo draws (uniforms
from NumPy's PCG64 generator seeded with ``seed``) and the quasi-random points of a Sobol analysis map
through the same :meth:`Dist.ppf`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["UncertaintySpec", "Dist", "sample", "from_uniform", "DEFAULT_SPECS"]


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    relative: bool = False
    joint: bool = True

    def ppf(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError


class Normal(_Base):
    dist: Literal["normal"]
    mean: float
    sd: float = Field(ge=0)

    def ppf(self, u):
        from scipy.special import ndtri

        return self.mean + self.sd * ndtri(u)


class LogNormal(_Base):
    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(ge=0)

    def ppf(self, u):
        from scipy.special import ndtri

        return self.median * np.exp(self.sigma * ndtri(u))


class TruncNormal(_Base):
    dist: Literal["truncnormal"]
    mean: float
    sd: float = Field(ge=0)
    low: float
    high: float

    @model_validator(mode="after")
    def _bounds(self):
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self

    def ppf(self, u):
        if self.sd == 0:
            return np.full_like(u, min(max(self.mean, self.low), self.high), dtype=float)
        from scipy.stats import truncnorm

        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)


class Uniform(_Base):
    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _bounds(self):
        if not self.low <= self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        return self

    def ppf(self, u):
        return self.low + u * (self.high - self.low)


class Triangular(_Base):
    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _bounds(self):
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"need low <= mode <= high, got {self.low}, {self.mode}, {self.high}")
        return self

    def ppf(self, u):
        a, c, b = self.low, self.mode, self.high
        if b == a:
            return np.full_like(u, a, dtype=float)
        fc = (c - a) / (b - a)
        return np.where(u < fc, a + np.sqrt(u * (b - a) * (c - a)), b - np.sqrt((1 - u) * (b - a) * (b - c)))


class Values(_Base):
    dist: Literal["values"]
    values: list[float] | list[list[float]] = Field(min_length=1)
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _shape(self):
        if self.values and isinstance(self.values[0], list) and len({len(v) for v in self.values}) != 1:
            raise ValueError("every vector in 'values' must have the same length")
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"'weights' has {len(self.weights)} entries for {len(self.values)} values")
            if any(not w >= 0 for w in self.weights) or not sum(self.weights) > 0:
                raise ValueError("'weights' must be non-negative and not all zero")
        return self

    @property
    def vector(self) -> bool:
        return isinstance(self.values[0], list)

    def ppf(self, u):
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights, float)
        cum = np.cumsum(w) / w.sum()
        idx = np.minimum(np.searchsorted(cum, u, side="right"), len(self.values) - 1)
        return np.asarray(self.values, float)[idx]


Dist = Annotated[Normal | LogNormal | TruncNormal | Uniform | Triangular | Values, Field(discriminator="dist")]


class UncertaintySpec(BaseModel):
    """The ``[uncertainty]`` table: draws, seed and one distribution per parameter."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    draws: int = Field(default=1000, ge=1, le=100_000_000)
    seed: int = Field(default=0, ge=0)
    params: dict[str, Dist] = Field(default_factory=dict)


#: Distributions used when a scenario has no ``[uncertainty]`` table: the trade elasticity (ILMS:
#: lognormal around the scenario's value, 90% of draws within a factor 1.8 of it, about 2.2 to 7.2
#: for eps = 4, the range of published estimates) and, for the ILMS family, the labour-supply
#: elasticity (uniform within +-50% of its value). Sector-level elasticities scale by one common factor.
DEFAULT_SPECS: dict[str, dict[str, dict[str, Any]]] = {
    "ilms": {"eps": {"dist": "lognormal", "median": 1.0, "sigma": 0.35, "relative": True},
             "kappa": {"dist": "uniform", "low": 0.5, "high": 1.5, "relative": True}},
    "armington": {"eps": {"dist": "lognormal", "median": 1.0, "sigma": 0.35, "relative": True}},
    "caliendo_parro": {"theta": {"dist": "lognormal", "median": 1.0, "sigma": 0.35, "relative": True}},
    "ossa": {"sigma": {"dist": "uniform", "low": 0.9, "high": 1.1, "relative": True}},
}


def _width(d: Any, base: Any) -> int:
    """Number of uniforms a parameter takes per draw: 1, or one per sector (``joint = false``)."""
    b = np.asarray(base, float)
    if isinstance(d, Values) or d.joint or b.ndim == 0:
        return 1
    return b.size


def from_uniform(params: dict[str, Any], bases: dict[str, Any], U: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Parameter values from uniforms ``U[name]`` (B, width): ``(B,)`` numbers or ``(B, S)`` vectors."""
    out = {}
    for name, d in params.items():
        u = np.clip(U[name], 1e-12, 1 - 1e-12)
        base = np.asarray(bases[name], float)
        v = d.ppf(u[:, 0] if (isinstance(d, Values) or u.shape[1] == 1) else u)
        v = np.asarray(v, float)
        if base.ndim == 0:
            if v.ndim != 1:
                raise ValueError(f"parameter '{name}' is a number but its values are vectors")
            out[name] = base * v if d.relative else v
            continue
        S = base.size
        if v.ndim == 1:
            v = np.repeat(v[:, None], S, axis=1)
        if v.shape[1] != S:
            raise ValueError(f"parameter '{name}' has {S} sectors but its values have {v.shape[1]}")
        out[name] = base[None, :] * v if d.relative else v
    return out


def widths(params: dict[str, Any], bases: dict[str, Any]) -> dict[str, int]:
    return {k: _width(d, bases[k]) for k, d in params.items()}


def sample(params: dict[str, Any], bases: dict[str, Any], draws: int, seed: int) -> dict[str, np.ndarray]:
    """``draws`` Monte Carlo values of every parameter (sorted by name, one PCG64 stream from ``seed``)."""
    rng = np.random.default_rng(seed)
    wd = widths(params, bases)
    U = {name: rng.random((draws, wd[name])) for name in sorted(params)}
    return from_uniform(params, bases, U)
