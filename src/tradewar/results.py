"""Labelled results of a solve: per-country, per-sector and bilateral tables, JSON and CSV export.

A :class:`Result` pairs a validated :class:`~tradewar.solve.Equilibrium` with the labels of its
:class:`~tradewar.data.World`. Outcome arrays are labelled by shape (see docs/architecture.md):
``(N,)`` per country, ``(N, S)`` per country and sector, ``(N, N)`` bilateral ``[exporter, importer]``,
``(N, N, S)`` bilateral by sector. Percent changes end in ``_pct``; changes in percentage points end in
``_pp`` (``balance_gdp_change_pp``: the change in the trade balance, exports minus imports, as a share of
GDP; unlike ``deficit_change_pct`` it stays meaningful when the baseline balance is close to zero).

Beside welfare every family reports ``real_gdp_pct``, the change of value added at baseline prices (its
definition for each family is in the model's docstring), so that figures can be set beside published GDP
estimates. Money in US dollars: ``welfare_usd_bn`` is the equivalent variation, the welfare change times
the baseline income it deflates, and ``tariff_revenue_usd_bn`` the new tariff revenue, both in billions of
US dollars (converted from the World's ``units``; ``NaN``, JSON ``null``, when those are not US dollars).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._exceptions import TradewarError
from ._io import atomic_write, atomic_write_all, json_safe, json_writer
from .data._world import World
from .solve import Equilibrium

__all__ = ["Result", "CORE_FIELDS", "COMPARE_FIELDS", "model_parameters", "usd_bn_per_unit"]

#: Per-country fields printed first (in this order) when a model provides them.
CORE_FIELDS = (
    "welfare_pct",
    "real_wage_pct",
    "employment_pct",
    "price_index_pct",
    "exports_gdp_change_pct",
    "imports_gdp_change_pct",
    "balance_gdp_change_pp",
    "deficit_change_pct",
    "tariff_revenue_share",
)


#: Fields shown right after welfare: comparable with published GDP estimates and in US dollars.
COMPARE_FIELDS = ("real_gdp_pct", "welfare_usd_bn", "tariff_revenue_usd_bn")
#: Money levels in the World's units from which the US dollar fields are derived (not shown in tables).
LEVEL_FIELDS = ("income_baseline", "tariff_revenue")
#: Outcomes whose NaN is a value, not a failed solve: the percent change of a balance that was zero and left it.
NAN_MEANS_UNDEFINED = ("deficit_change_pct",)
_ORDER = (CORE_FIELDS[0], *COMPARE_FIELDS[:2], *CORE_FIELDS[1:], COMPARE_FIELDS[2])

_SCALES = {"": 1e-9, "thousand": 1e-6, "k": 1e-6, "thousands": 1e-6, "million": 1e-3, "millions": 1e-3,
           "mn": 1e-3, "m": 1e-3, "billion": 1.0, "billions": 1.0, "bn": 1.0, "b": 1.0}


def usd_bn_per_unit(units: str) -> float:
    """Billions of US dollars in one money unit of a World (``"USD million"`` gives 0.001).

    ``NaN`` when ``units`` is not an amount of US dollars (a currency or scale not recognised).

    Examples
    --------
    >>> usd_bn_per_unit("USD million"), usd_bn_per_unit("thousand US dollars"), usd_bn_per_unit("EUR million")
    (0.001, 1e-06, nan)
    """
    import re

    words = re.sub(r"\(.*?\)|[,;]", " ", str(units).lower()).split()
    words = [w for w in words if w not in ("current", "of", "in", "nominal")]
    text = " ".join(words)
    for cur in ("us dollars", "us dollar", "usd", "us$", "dollars"):
        if cur in text:
            rest = text.replace(cur, " ").split()
            if len(rest) <= 1 and (not rest or rest[0] in _SCALES):
                return _SCALES[rest[0] if rest else ""]
    return math.nan


def model_parameters(family: str, params: dict[str, Any], model: Any, world: World | None = None) -> dict[str, Any]:
    """Every parameter of a calibrated model: the given ``params`` over the family's defaults.

    Parameters left to calibration are replaced by the values it chose (ILMS ``psi``, ``eps_calib``,
    and the profit shares ``nu`` and pass-through terms ``phi``, one number when equal across countries,
    else ``{code: value}``).
    """
    import dataclasses
    import inspect

    out: dict[str, Any] = {}
    if family in ("ilms", "armington"):
        from .models.ilms import ILMSParams, armington

        base = armington() if family == "armington" else ILMSParams()
        out = dataclasses.asdict(base.replace(**params))
        for name in ("eps", "kappa", "psi", "beta"):
            if hasattr(model, name):
                out[name] = float(getattr(model, name))
        if out.get("eps_calib") is None:
            out["eps_calib"] = out["eps"]
        for name in ("nu", "phi"):
            a = np.asarray(getattr(model, name, []), dtype=float).reshape(-1)
            if a.size and np.allclose(a, a[0]):
                out[name] = float(a[0])
            elif a.size and world is not None and a.size == world.n:
                out[name] = dict(zip(world.codes, a.tolist(), strict=True))
    else:
        import importlib

        try:
            mod = importlib.import_module(f"tradewar.models.{family}")
            sig = inspect.signature(mod.calibrate)
            out = {k: p.default for k, p in sig.parameters.items()
                   if p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is not inspect.Parameter.empty}
        except (ImportError, AttributeError):
            out = {}
        out.update(params)
        if hasattr(model, "no_intermediates"):  # what the model used, not what was asked of data without a table
            out["intermediates"] = not bool(model.no_intermediates)
    return json_safe(out)  # type: ignore[return-value]


def baseline_tariffs_note(world: World) -> str:
    """What the baseline tariffs of ``world`` are, said in every result (``meta['baseline_tariffs']``).

    >>> from tradewar.data import load_world
    >>> baseline_tariffs_note(load_world("world2022s"))
    'zero: the data carry none, so every tariff of the scenario is the measure itself'
    """
    if not np.any(np.asarray(world.tariffs)):
        return "zero: the data carry none, so every tariff of the scenario is the measure itself"
    return "from the data"


#: What a result says about a deficit closure other than the default (``fixed``).
DEFICIT_NOTES = {
    "zero": "deficits removed first: changes are relative to a balanced-trade baseline",
    "gdp_share": "each deficit a constant share of its country's income",
}


def model_notes(meta: dict[str, Any]) -> list[str]:
    """Plain lines a result's table, report and captions show: intermediate inputs, baseline tariffs, deficits.

    >>> model_notes({"no_intermediates": False, "baseline_tariffs": "from the data"})
    ['with intermediate inputs (input-output links)', 'baseline tariffs are from the data']
    >>> model_notes({"deficits": "zero"})
    ['deficits removed first: changes are relative to a balanced-trade baseline']
    """
    out = []
    if "no_intermediates" in meta:
        out.append("without intermediate inputs (no input-output links)" if meta["no_intermediates"]
                   else "with intermediate inputs (input-output links)")
    if meta.get("baseline_tariffs"):
        out.append(f"baseline tariffs are {meta['baseline_tariffs']}")
    if meta.get("deficits") in DEFICIT_NOTES:
        out.append(DEFICIT_NOTES[meta["deficits"]])
    return out


def _clean(v: float) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


@dataclass(frozen=True, eq=False)
class Result:
    """The outcome of one scenario: labelled tables plus the solver's diagnostics."""

    world: World
    equilibrium: Equilibrium
    scenario: str = ""
    model: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    tariffs: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    #: Every parameter of the model with the values calibration chose (:func:`model_parameters`); the
    #: ``params`` of the JSON document. ``params`` holds only those the scenario set.
    model_params: dict[str, Any] = field(default_factory=dict)
    #: Export taxes the scenario applied (``[exporter, importer(, sector)]``, fractions levied by the
    #: exporter), or None where it has none.
    export_taxes: np.ndarray | None = None

    # --- diagnostics ---------------------------------------------------------------------------
    @property
    def converged(self) -> bool:
        return self.equilibrium.converged

    @property
    def max_residual(self) -> float:
        return self.equilibrium.max_residual

    @property
    def solve_seconds(self) -> float:
        return self.equilibrium.seconds

    def _fields(self, ndim_shape) -> dict[str, np.ndarray]:
        n = self.world.n
        out = {}
        for k, v in {**self.equilibrium.outcomes, **self.money()}.items():
            a = np.asarray(v)
            if k not in LEVEL_FIELDS and ndim_shape(a.shape, n):
                out[k] = a
        return out

    def money(self) -> dict[str, np.ndarray]:
        """``welfare_usd_bn`` and ``tariff_revenue_usd_bn`` (N,), billions of US dollars (module docstring).

        The equivalent variation is ``welfare_pct / 100`` times the baseline income the model's welfare
        deflates (``income_baseline``); both are ``NaN`` when the World's units are not US dollars.
        """
        oc = self.equilibrium.outcomes
        k = usd_bn_per_unit(self.world.units)
        out = {}
        if "income_baseline" in oc and "welfare_pct" in oc:
            out["welfare_usd_bn"] = np.asarray(oc["welfare_pct"], dtype=float) / 100.0 * np.asarray(
                oc["income_baseline"], dtype=float) * k
        if "tariff_revenue" in oc:
            out["tariff_revenue_usd_bn"] = np.asarray(oc["tariff_revenue"], dtype=float) * k
        return out

    def money_note(self) -> str | None:
        """Why the US dollar fields are empty (the World's units are not US dollars), or None."""
        if math.isnan(usd_bn_per_unit(self.world.units)) and "income_baseline" in self.equilibrium.outcomes:
            return (f"welfare_usd_bn and tariff_revenue_usd_bn are not given: the data's money units "
                    f"({self.world.units!r}) are not US dollars")
        return None

    def country_fields(self) -> list[str]:
        f = self._fields(lambda s, n: s == (n,))
        return [k for k in _ORDER if k in f] + sorted(k for k in f if k not in _ORDER)

    # --- tables --------------------------------------------------------------------------------
    def country_columns(self, codes=None) -> tuple[list[str], dict[str, np.ndarray]]:
        """The table of :meth:`countries` as NumPy columns, without pandas: the codes of its rows and
        ``{column: (rows,) array}`` (``name`` first, then :meth:`country_fields`).

        ``codes``: one code, a list (rows in its order) or None (every country, in the world's order).
        """
        w = self.world
        rows = [w.index(c) for c in ([codes] if isinstance(codes, str) else codes)] if codes is not None \
            else list(range(w.n))
        f = self._fields(lambda s, n: s == (n,))
        cols = {"name": np.array([w.names[i] for i in rows], dtype=object)}
        cols.update((k, f[k][rows]) for k in self.country_fields())
        return [w.codes[i] for i in rows], cols

    def countries(self, codes=None):
        """Per-country outcomes as a DataFrame indexed by country code (``name`` first)."""
        import pandas as pd

        index, cols = self.country_columns(codes)
        return pd.DataFrame(cols, index=pd.Index(index, name="country"))

    def sectors(self):
        """Per-(country, sector) outcomes as a long DataFrame, or None for one-sector models."""
        import pandas as pd

        if not self.world.has_sectors:
            return None
        S = self.world.n_sectors
        f = self._fields(lambda s, n: s == (n, S))
        if not f:
            return None
        idx = pd.MultiIndex.from_product([self.world.codes, self.world.sectors], names=["country", "sector"])
        return pd.DataFrame({k: v.reshape(-1) for k, v in f.items()}, index=idx)

    def bilateral(self, name: str = "flows_new"):
        """A bilateral outcome as an ``xarray.DataArray`` (dims ``exporter, importer[, sector]``)."""
        import xarray as xr

        if name not in self.equilibrium.outcomes:
            known = sorted(k for k, v in self.equilibrium.outcomes.items() if np.ndim(v) >= 2)
            raise TradewarError(f"bilateral: no outcome '{name}' (bilateral outcomes: {', '.join(known)})")
        a = np.asarray(self.equilibrium.outcomes[name])
        dims = ["exporter", "importer"] + (["sector"] if a.ndim == 3 else [])
        coords: dict[str, Any] = {"exporter": list(self.world.codes), "importer": list(self.world.codes)}
        if a.ndim == 3:
            coords["sector"] = list(self.world.sectors)
        return xr.DataArray(a, dims=dims, coords=coords, name=name)

    def _long(self, columns: dict[str, np.ndarray]):
        """A long table ``exporter, importer[, sector]`` of arrays shaped like the world's trade."""
        import pandas as pd

        shape = np.shape(self.world.trade)
        idx = np.indices(shape).reshape(len(shape), -1)
        codes = np.asarray(self.world.codes)
        df = pd.DataFrame({"exporter": codes[idx[0]], "importer": codes[idx[1]]})
        if len(shape) == 3:
            df["sector"] = np.asarray(self.world.sectors)[idx[2]]
        for k, v in columns.items():
            df[k] = np.broadcast_to(np.asarray(v, float), shape).reshape(-1)
        return df[df["exporter"] != df["importer"]].reset_index(drop=True)

    def tariff_table(self):
        """The tariffs the scenario applied, as a long DataFrame: ``exporter, importer[, sector],
        baseline_tariff, tariff`` (fractions, levied by the importer; own sales left out), and
        ``export_tax`` (levied by the exporter) where the scenario has export taxes."""
        t = self.world.tariffs if self.tariffs is None else self.tariffs
        cols = {"baseline_tariff": self.world.tariffs, "tariff": t}
        if self.export_taxes is not None:
            cols["export_tax"] = self.export_taxes
        return self._long(cols)

    def flows_base(self) -> np.ndarray:
        """The baseline flows that ``flows_new`` is compared with: the model's (``flows_base``), which differ
        from the data's when the model rebalanced trade first (``deficits = "zero"``), else the World's."""
        base = self.equilibrium.outcomes.get("flows_base")
        return np.asarray(self.world.trade if base is None else base, float)

    def flows_table(self):
        """Bilateral flows before and after, as a long DataFrame: ``exporter, importer[, sector],
        value_base, value_new, change_pct`` (the world's units; producer prices; own sales left out)."""
        if "flows_new" not in self.equilibrium.outcomes:
            raise TradewarError(f"model '{self.model}' does not report bilateral flows")
        new = np.asarray(self.equilibrium.outcomes["flows_new"], float)
        base = self.flows_base()
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(base > 0, 100.0 * (new / np.where(base > 0, base, 1.0) - 1.0), np.nan)
        return self._long({"value_base": base, "value_new": new, "change_pct": pct})

    def _repr_html_(self) -> str:
        """Jupyter's view: the scenario's title, one line of solver diagnostics, the per-country table."""
        import html

        eq = self.equilibrium
        title = self.meta.get("title") or self.scenario or "tradewar result"
        head = f"{self.scenario} ({self.model})" if self.scenario and self.model else (self.scenario or self.model)
        line = (f"{eq.status.message}: {eq.steps} steps, max residual {eq.max_residual:.1e} "
                f"(tolerance {eq.tol:.0e}), {eq.seconds:.2f} s")
        table = self.countries().to_html(float_format=lambda v: f"{v:.3g}", na_rep="n/a",
                                         classes="tradewar-result", border=0)
        return (f"<div><h4>{html.escape(str(title))}</h4><p><code>{html.escape(head)}</code> · "
                f"{html.escape(line)}</p>{table}</div>")

    # --- export --------------------------------------------------------------------------------
    def to_dict(self, codes=None, *, bilateral: bool = False) -> dict[str, Any]:
        """A JSON-ready document: diagnostics, ``countries`` (ISO3 -> fields) and, with sectors, ``sectors``.

        Values that are not finite numbers (a percent change of a zero base) are ``None`` (JSON ``null``).
        """
        eq = self.equilibrium
        w = self.world
        # from the arrays (:meth:`country_columns`), not the DataFrames of :meth:`countries` and :meth:`sectors`:
        # the strategic commands write this document and need pandas for nothing else
        index, cols = self.country_columns(codes)
        doc: dict[str, Any] = {
            "scenario": self.scenario,
            "model": self.model,
            "params": self.model_params or self.params,
            "converged": eq.converged,
            "status": eq.status.value,
            "max_residual": eq.max_residual,
            "steps": eq.steps,
            "solve_seconds": eq.seconds,
            "checks": eq.checks,
            "meta": self.meta if self.money_note() is None else {**self.meta, "money_note": self.money_note()},
            "countries": {c: {k: (v[r] if k == "name" else _clean(v[r])) for k, v in cols.items()}
                          for r, c in enumerate(index)},
        }
        S = w.n_sectors if w.has_sectors else 0
        sec = self._fields(lambda s, n: s == (n, S)) if S else {}
        if sec:
            doc["sectors"] = {
                w.codes[i]: {s: {k: _clean(v[i, j]) for k, v in sec.items()} for j, s in enumerate(w.sectors)}
                for i in sorted({w.index(c) for c in index})
            }
        if bilateral and "flows_new" in eq.outcomes:
            doc["flows_new"] = np.asarray(eq.outcomes["flows_new"]).tolist()
        return json_safe(doc)  # type: ignore[return-value]

    def outputs(self, json_path=None, csv_path=None, codes=None, *, tariffs_path=None, flows_path=None,
                **kw) -> list[tuple[Any, Any, str]]:
        """``(path, writer, mode)`` items for :func:`tradewar._io.atomic_write_all`: the JSON document, the
        per-country CSV and, for sectoral models, the per-sector CSV beside it (``<stem>_sectors<suffix>``);
        the applied tariffs (:meth:`tariff_table`) and bilateral flows (:meth:`flows_table`) as CSV."""
        from pathlib import Path

        items: list[tuple[Any, Any, str]] = []
        if tariffs_path is not None:
            tab = self.tariff_table()
            items.append((tariffs_path, lambda fh: tab.to_csv(fh, index=False), "w"))
        if flows_path is not None:
            flows = self.flows_table()
            items.append((flows_path, lambda fh: flows.to_csv(fh, index=False), "w"))
        if json_path is not None:
            items.append((json_path, json_writer(self.to_dict(codes, **kw)), "w"))
        if csv_path is not None:
            df = self.countries(codes)
            items.append((csv_path, lambda fh: df.to_csv(fh), "w"))
            sec = self.sectors()
            if sec is not None:
                p = Path(csv_path)
                items.append((p.with_name(p.stem + "_sectors" + p.suffix), lambda fh: sec.to_csv(fh), "w"))
        return items

    def write(self, json_path=None, csv_path=None, codes=None, **kw) -> list:
        """Write the JSON and CSV outputs together (``tariffs_path``, ``flows_path`` too): every file is
        complete, or none is written."""
        return atomic_write_all(self.outputs(json_path, csv_path, codes, **kw))

    def write_json(self, path, codes=None, **kw) -> None:
        """The JSON document of :meth:`to_dict`; non-finite numbers are written as ``null``."""
        atomic_write(path, json_writer(self.to_dict(codes, **kw)))

    def write_csv(self, path, codes=None) -> None:
        df = self.countries(codes)
        atomic_write(path, lambda fh: df.to_csv(fh))

    def write_sectors_csv(self, path) -> None:
        sec = self.sectors()
        if sec is not None:
            atomic_write(path, lambda fh: sec.to_csv(fh))
