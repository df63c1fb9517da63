"""The parameters of every model family as strict pydantic schemas.

One schema per family, keyed by ``family`` (the scenario file's ``[model]`` table): types, ranges
and allowed values are checked here, before any data are read, and every error names the
parameter. This module imports no JAX, so scenario files validate without loading the models.

Admissible values:

- ``ilms``: ``eps`` (trade elasticity) > 0; ``kappa`` (labour-supply elasticity) >= 0; ``psi``
  (scale elasticity) >= 0 or unset (``0.67 / eps_calib``); ``nu`` (profit share) in [0, 1), a list of
  them (one per country) or ``"calibrate"``; ``phi`` (tariff pass-through term) > 0, a list of them
  or unset (computed from ``nu``, then >= 1); ``phi_shift`` such that ``phi - phi_shift`` stays > 0
  (below 1 when ``phi`` is computed): with ``phi <= 0`` a tariff would lower the price of the goods
  it taxes, which no model of the family means; ``eps_calib`` > 0 or unset; ``revenue_use`` one of
  ``income_tax``, ``lump_sum``; ``beta`` (labour share of value added) in (0, 1]; ``deficits`` (the
  closure of the trade deficits) one of ``fixed``, ``zero``, ``gdp_share``.
- ``armington``: ``eps`` > 0, ``revenue_use`` and ``deficits`` (the other ILMS parameters are fixed at
  ``kappa = psi = nu = 0``, ``phi = 1``).
- ``caliendo_parro``: ``deficits`` ``fixed``, ``zero`` or ``gdp_share``; ``decomposition_nodes`` an integer >= 0;
  ``tol`` in (0, 1e-3]; ``method`` ``newton``, ``chord`` or ``newton_krylov``; ``intermediates``
  ``true`` (the data's input-output table, when it has one) or ``false`` (no intermediate inputs).
- ``ossa``: ``sigma`` a list of elasticities > 1 (one per sector); ``lambda_`` a list of lists of
  weights >= 0 (country x sector); ``nx_new`` a list of net exports (one per country);
  ``objective`` ``welfare`` or ``government``; ``deficits`` ``zero``, ``fixed`` or ``gdp_share`` (not
  together with ``nx_new``).

Examples
--------
>>> validate_params("ilms", {"eps": 8, "revenue_use": "lump_sum"})["eps"]
8.0
>>> validate_params("ilms", {"phi": -3})
Traceback (most recent call last):
...
tradewar._exceptions.ScenarioError: model 'ilms': parameter 'phi': must be > 0 (a tariff must raise the price of the goods it taxes), got -3
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, field_validator, model_validator

from .._exceptions import ScenarioError

__all__ = [
    "FAMILY_SCHEMAS",
    "ILMSSchema",
    "ArmingtonSchema",
    "CaliendoParroSchema",
    "OssaSchema",
    "validate_params",
    "error_message",
]

#: A finite real number (an int is accepted; text and booleans are not).
Real = Annotated[float, Strict(), Field(allow_inf_nan=False)]
RevenueUse = Literal["income_tax", "lump_sum"]
#: Closures of the trade deficits in a counterfactual (see each family's module docstring).
Deficits = Literal["fixed", "zero", "gdp_share"]


def _number(v: Any, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        try:
            import numpy as np

            if isinstance(v, np.generic) and np.issubdtype(type(v), np.number):
                return float(v)
        except ImportError:  # pragma: no cover - numpy is a dependency
            pass
        raise ValueError(f"{what} must be a number, got {v!r}")
    x = float(v)
    if not math.isfinite(x):
        raise ValueError(f"{what} must be finite, got {v!r}")
    return x


def _numbers(v: Any, what: str) -> float | tuple[float, ...]:
    """A number or a flat sequence of numbers (lists, tuples, NumPy arrays)."""
    if hasattr(v, "tolist") and not isinstance(v, str):
        v = v.tolist()
    if isinstance(v, list | tuple):
        if not v:
            raise ValueError(f"{what} is an empty list")
        return tuple(_number(x, what) for x in v)
    return _number(v, what)


def _each(v: float | tuple[float, ...]) -> tuple[float, ...]:
    return v if isinstance(v, tuple) else (v,)


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as e:
            err = e.errors()[0]
            key = ".".join(str(k) for k in err["loc"] if isinstance(k, str))
            where = f"parameter '{key}': " if key else ""
            raise ScenarioError(f"{type(self).__name__}: {where}{error_message(err, type(self))}") from None

    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    def params(self) -> dict[str, Any]:
        """The parameters given explicitly (lists as tuples), without ``family``."""
        out = {}
        for k in self.model_fields_set - {"family"}:
            v = getattr(self, k)
            out[k] = tuple(tuple(x) if isinstance(x, list) else x for x in v) if isinstance(v, list) else v
        return dict(sorted(out.items()))


class ILMSSchema(_Schema):
    """The ILMS family (Ignatenko, Macedoni, Lashkaripour & Simonovska 2025), see the module docstring."""

    family: Literal["ilms"] = "ilms"
    eps: Annotated[Real, Field(gt=0)] = 4.0
    kappa: Annotated[Real, Field(ge=0)] = 0.5
    psi: Annotated[Real, Field(ge=0)] | None = None
    nu: Any = "calibrate"
    phi: Any = None
    eps_calib: Annotated[Real, Field(gt=0)] | None = None
    phi_shift: Real = 0.0
    revenue_use: RevenueUse = "income_tax"
    beta: Annotated[Real, Field(gt=0, le=1)] = 1.0
    deficits: Deficits = "fixed"

    @field_validator("nu", mode="before")
    @classmethod
    def _nu(cls, v: Any) -> Any:
        if isinstance(v, str):
            if v != "calibrate":
                raise ValueError(f"must be a number in [0, 1), a list of them, or 'calibrate'; got {v!r}")
            return v
        out = _numbers(v, "the profit share")
        bad = [x for x in _each(out) if not 0 <= x < 1]
        if bad:
            raise ValueError(f"profit shares must lie in [0, 1), got {bad[0]:g}")
        return out

    @field_validator("phi", mode="before")
    @classmethod
    def _phi(cls, v: Any) -> Any:
        if v is None:
            return None
        out = _numbers(v, "phi")
        bad = [x for x in _each(out) if not x > 0]
        if bad:
            raise ValueError(f"must be > 0 (a tariff must raise the price of the goods it taxes), got {bad[0]:g}")
        return out

    @model_validator(mode="after")
    def _shifted_phi(self) -> ILMSSchema:
        low = 1.0 if self.phi is None else min(_each(self.phi))
        if not low - self.phi_shift > 0:
            raise ValueError(
                f"phi_shift = {self.phi_shift:g} leaves phi - phi_shift = {low - self.phi_shift:g} <= 0; "
                "phi - phi_shift must stay > 0 (phi is at least 1 when computed from nu)"
            )
        return self


class ArmingtonSchema(_Schema):
    """The Armington / Eaton-Kortum special case of the ILMS family."""

    family: Literal["armington"] = "armington"
    eps: Annotated[Real, Field(gt=0)] = 4.0
    revenue_use: RevenueUse = "lump_sum"
    deficits: Deficits = "fixed"


class CaliendoParroSchema(_Schema):
    """The Caliendo-Parro (2015) multi-sector model with input-output links."""

    family: Literal["caliendo_parro"] = "caliendo_parro"
    deficits: Deficits = "fixed"
    decomposition_nodes: Annotated[int, Strict(), Field(ge=0, le=64)] = 0
    tol: Annotated[Real, Field(gt=0, le=1e-3)] = 1e-11
    method: Literal["newton", "chord", "newton_krylov"] = "newton_krylov"
    intermediates: Annotated[bool, Strict()] = True


class OssaSchema(_Schema):
    """The Ossa (2014) multi-industry model with profits and political-economy weights."""

    family: Literal["ossa"] = "ossa"
    sigma: list[Annotated[Real, Field(gt=1)]] | None = None
    lambda_: list[list[Annotated[Real, Field(ge=0)]]] | None = None
    nx_new: list[Real] | None = None
    objective: Literal["welfare", "government"] | None = None
    deficits: Deficits = "zero"

    @field_validator("sigma", "lambda_", "nx_new", mode="before")
    @classmethod
    def _arrays(cls, v: Any) -> Any:
        return v.tolist() if hasattr(v, "tolist") else v


FAMILY_SCHEMAS: dict[str, type[_Schema]] = {
    "ilms": ILMSSchema,
    "armington": ArmingtonSchema,
    "caliendo_parro": CaliendoParroSchema,
    "ossa": OssaSchema,
}


def error_message(err: dict[str, Any], schema: type[BaseModel] | None = None) -> str:
    """A plain message for one pydantic error (no "Value error," prefix; unknown keys list the allowed)."""
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    kind = err["type"]
    got = err.get("input")
    if kind == "extra_forbidden":
        allowed = ", ".join(k for k in (schema.model_fields if schema else {}) if k != "family")
        return "unknown key" + (f" (allowed: {allowed})" if allowed else "")
    if kind == "literal_error":
        return f"{msg}, got {got!r}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal", "finite_number"):
        return f"{msg}, got {got!r}"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"{msg}, got {got!r}"
    return msg


def validate_params(family: str, params: dict[str, Any]) -> dict[str, Any]:
    """Validate the parameters of ``family``; returns them (numbers as floats, lists as tuples).

    Raises :class:`~tradewar.ScenarioError` naming the family and the parameter.
    """
    schema = FAMILY_SCHEMAS.get(family)
    if schema is None:
        raise ScenarioError(f"unknown model family '{family}' (choose from {', '.join(FAMILY_SCHEMAS)})")
    if not isinstance(params, dict):
        raise ScenarioError(f"model '{family}': parameters must be a dict of name -> value, got {type(params).__name__}")
    try:
        spec = schema.model_validate({k: v for k, v in params.items() if k != "family"})
    except ValidationError as e:
        err = e.errors()[0]
        key = ".".join(str(k) for k in err["loc"] if isinstance(k, str))
        where = f"parameter '{key}': " if key else ""
        raise ScenarioError(f"model '{family}': {where}{error_message(err, schema)}") from None
    return spec.params()
