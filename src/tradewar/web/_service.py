"""What each endpoint computes: a call of the library on a validated request, and the request's cache key.

Nothing here computes economics: scenarios are solved by :func:`tradewar.run_scenario`, the
strategic documents come from :mod:`tradewar.strategy._documents` (the same as the CLI's ``--json``),
timelines from :func:`tradewar.report.timeline.timeline`, reports from :func:`tradewar.report.build_report`
and figures from :mod:`tradewar.report.charts`. Datasets are chosen by name among those the operator
registered (:class:`Datasets`); a client never gives a file path.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from .._exceptions import ScenarioError

__all__ = ["Datasets", "cache_key", "solve", "strategic", "timeline_doc", "report_html", "figures_of"]

Progress = Callable[[float, str], None] | None

def _embedded() -> dict[str, str]:
    from ..data._readers import EMBEDDED as NAMES

    return {name: name for name in NAMES}


#: The worlds that ship with the package, each served under its own name.
EMBEDDED = _embedded()


@dataclass(frozen=True)
class Datasets:
    """Dataset names and their sources: the embedded worlds and those the operator registered."""

    sources: dict[str, str]

    @classmethod
    def with_embedded(cls, registered: dict[str, str] | None = None) -> Datasets:
        out = dict(EMBEDDED)
        for name, folder in (registered or {}).items():
            out[name] = str(Path(folder).expanduser().resolve())
        return cls(out)

    def names(self) -> list[str]:
        return list(self.sources)

    def resolve(self, name: str, key: str = "data.source") -> str:
        """The source of the dataset ``name``; a path or an unknown name is a :class:`ScenarioError`."""
        choose = ", ".join(self.sources)
        if not isinstance(name, str) or any(ch in name for ch in "/\\:") or name.startswith(".") or "~" in name:
            raise ScenarioError(f"key '{key}': datasets are chosen by name, not by path (choose from {choose}; "
                                "the operator adds data with tradewar serve --data NAME=DIR)")
        if name not in self.sources:
            raise ScenarioError(f"key '{key}': unknown dataset '{name}' (choose from {choose})")
        return self.sources[name]


def server_scenario(s, datasets: Datasets):
    """The scenario with its ``[data] source`` resolved to a registered dataset; file references refused."""
    for k in ("gdp", "tariffs", "elasticities"):
        if getattr(s.data, k) is not None:
            raise ScenarioError(f"key 'data.{k}': file paths are not accepted by the server (register the data "
                                "with tradewar serve --data NAME=DIR and choose it in 'data.source')")
    if s.path is not None:
        raise ScenarioError("key 'path': file paths are not accepted by the server")
    src = datasets.resolve(s.data.source)
    return s.model_copy(update={"data": s.data.model_copy(update={"source": src})})


def cache_key(kind: str, request: dict[str, Any]) -> str:
    """The key of a request: its kind, its canonical JSON (datasets by name) and the package version."""
    text = json.dumps({"kind": kind, "request": request, "version": __version__}, sort_keys=True,
                      separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@functools.lru_cache(maxsize=16)
def _load(source: str):
    from ..data import load_world

    return load_world(source)


def world_of(s):
    """The world of a checked scenario, read once per dataset and kept (a World is immutable).

    Scenarios that aggregate regions get theirs from :func:`tradewar.scenario.scenario_world`.
    """
    if s.data.aggregate:
        from ..scenario import scenario_world

        return scenario_world(s)
    return _load(s.data.source)


def _csv(df) -> str:
    return df.to_csv()


def solve(s, *, bilateral: bool = False):
    """Solve a scenario (already checked by :func:`server_scenario`): ``(doc, csv, result)``."""
    from .._run import run_scenario

    res = run_scenario(s, world=world_of(s))
    return res.to_dict(bilateral=bilateral), _csv(res.countries()), res


def figures_of(res, focus: str) -> dict[str, Any]:
    """The report's world map and welfare bars of a result (Plotly JSON; the map's geometry as a placeholder).

    ``tariffs`` gives the tariffs applied in the solve on the focus country's imports from each partner
    and on its exports to each (averaged over sectors in sectoral worlds).
    """
    import numpy as np

    from ..report import charts
    from ..report.html import GEO_PLACEHOLDER, figure_json

    k = res.world.index(focus)
    out: dict[str, Any] = {"map": figure_json(charts.world_map([res], focus, geojson=GEO_PLACEHOLDER)),
                           "bars": figure_json(charts.welfare_bars([res], focus)), "focus": res.world.codes[k]}
    if res.tariffs is not None:
        t3 = np.asarray(res.tariffs, dtype=float)
        t = t3.mean(axis=2) if t3.ndim == 3 else t3
        codes = res.world.codes
        out["tariffs"] = {"on_imports_from": {c: float(t[j, k]) for j, c in enumerate(codes) if j != k},
                          "faced_in": {c: float(t[k, j]) for j, c in enumerate(codes) if j != k}}
        if t3.ndim == 3 and res.world.sectors:
            out["tariffs"]["on_imports_from_by_sector"] = {
                s: {c: float(t3[j, k, n]) for j, c in enumerate(codes) if j != k}
                for n, s in enumerate(res.world.sectors)}
    sec = sectors_of(res, res.world.codes[k])
    if sec is not None:
        out["sectors"] = sec
    return out


def sectors_of(res, focus: str) -> dict[str, Any] | None:
    """The sectoral answer of a result, from the report's sectors section (None in a one-sector world).

    ``output_employment``: gross output and employment by sector (% change) of the focus country, the
    USA and China (:func:`tradewar.report._sectors.sector_table`); ``cars``: the focus country's car
    exports to the USA, with the US tariff on them (:func:`tradewar.report._sectors.car_exports_table`)
    and their 2022 level.
    """
    from .._io import json_safe
    from ..report._sectors import CARS, car_exports_table, sector_table

    w = res.world
    oc = res.equilibrium.outcomes
    if not w.sectors or len(w.sectors) < 2 or "gross_output_pct" not in oc or "sector_employment_pct" not in oc:
        return None
    codes = [c for c in dict.fromkeys((focus, "USA", "CHN")) if c in w.codes]
    tab = sector_table(res, codes)
    out: dict[str, Any] = {"sectors": list(w.sectors), "countries": codes,
                           "output_employment": {col: [float(v) for v in tab[col]] for col in tab.columns}}
    if CARS in w.sectors and focus != "USA" and "USA" in w.codes:
        row = car_exports_table([res], focus).iloc[0]
        base = float(res.flows_base()[w.index(focus), w.index("USA"), w.sectors.index(CARS)]) / 1000.0
        out["cars"] = {"exporter": focus, "importer": "USA", "sector": CARS, "tariff_pct": float(row["tariff_pct"]),
                       "change_pct": float(row["change_pct"]), "level_usd_bn": float(row["level_usd_bn"]),
                       "base_usd_bn": base}
    return json_safe(out)


def frontier_figure(doc: dict[str, Any], result) -> dict[str, Any] | None:
    """The report's deal-frontier chart of a talks document (None without a frontier)."""
    import numpy as np

    from ..report import charts
    from ..report.html import figure_json

    if "frontier" not in doc:
        return None
    a, b = list(doc["gains_pct"])
    pts = [(p["welfare_pct"][a], p["welfare_pct"][b]) for p in doc["frontier"]["points"]]
    front = np.array([[np.nan if x is None else x, np.nan if y is None else y] for x, y in pts], dtype=float)
    front = front.reshape(-1, 2)
    threat = doc["threat_welfare_pct"]
    deal = doc["countries"]
    points = {"threat": (threat[a], threat[b])}
    if not doc.get("no_deal"):
        points["Nash bargain"] = (deal[a]["welfare_pct"], deal[b]["welfare_pct"])
    note = charts.sources_line(result, extra="Frontier: efficient pairs of the two parties' tariffs on each other; "
                               "every other tariff as in the scenario")
    return figure_json(charts.frontier_chart(front, points, a, b, note))


def strategic(kind: str, s, params: dict[str, Any], datasets: Datasets, progress: Progress = None):
    """Run ``optimal``, ``nash``, ``talks`` or ``bloc``: ``(doc, csv, figures)``."""
    from ..strategy import _documents as D

    if kind == "bloc":
        from ..strategy._blocs import load_bloc

        if any(ch in params["bloc"] for ch in "/\\.") :
            raise ScenarioError("key 'bloc': bloc presets are chosen by name, not by path")
        bloc = load_bloc(params["bloc"])
        out = D.bloc_document(bloc, data=datasets.resolve(params.get("dataset") or "world2023", "dataset"),
                              progress=progress)
        return out.doc, _csv(out.result.countries()), None
    world, model, t = D.prepare_strategic(s, world_of(s))
    if kind == "optimal":
        out = D.optimal_document(s, world, model, t, params["country"], params["instrument"], params["lower"],
                                 progress=progress)
    elif kind == "nash":
        out = D.nash_document(s, world, model, t, params["players"], params["instrument"], params["lower"],
                              params["max_rounds"], params["tol"], progress=progress)
    elif kind == "talks":
        threat: Any = params["threat"]
        if threat not in ("current", "nash"):
            raise ScenarioError(f"key 'threat': '{threat}' is not one of current, nash")
        out = D.talks_document(s, world, model, t, params["parties"], threat, params["instruments"],
                               params["weight"], params["lower"], params["frontier"], progress=progress)
    else:  # pragma: no cover - routes name the kinds
        raise ValueError(kind)
    figs = None
    if kind == "talks":
        f = frontier_figure(out.doc, out.result)
        figs = None if f is None else {"frontier": f}
    return out.doc, _csv(out.result.countries()), figs


def check_bloc(name: str, source: str, dataset: str) -> None:
    """Refuse, before it is queued, a bloc game whose base scenario's model cannot run on the dataset."""
    from ..scenario import load_scenario
    from ..strategy._blocs import load_bloc

    bloc = load_bloc(name)
    family = load_scenario(bloc.scenario).model.family if bloc.scenario else None
    world = _load(source)
    if family in ("ilms", "armington") and world.has_sectors:
        raise ScenarioError(f"key 'dataset': bloc '{name}' plays on the one-sector model '{family}', and dataset "
                            f"'{dataset}' has {world.n_sectors} sectors; choose a one-sector dataset (world2023)")


def check_strategic(kind: str, s, params: dict[str, Any]) -> None:
    """Fast checks of a strategic request before it is queued (country codes of the options)."""
    from ..scenario import check_codes
    from ..strategy._documents import index_of

    world = world_of(s)
    check_codes(s, world)
    codes = {"optimal": [("country", [params.get("country")])], "nash": [("players", params.get("players") or [])],
             "talks": [("parties", params.get("parties") or [])]}.get(kind, [])
    for key, vals in codes:
        for c in vals:
            index_of(world, str(c), key)


def timeline_doc(country: str, steps: list[str], dataset_source: str, progress: Progress = None):
    """The dated steps solved in order for ``country``: ``(doc, csv)`` (as ``tradewar timeline``)."""
    from ..report.timeline import partners_for, timeline

    n = max(len(steps), 1)
    done = [0]

    def say(msg: str) -> None:
        if progress is not None:
            progress(done[0] / n, msg)
        done[0] += 1

    tl = timeline(country, steps, data=None if dataset_source == "world2023" else dataset_source, progress=say)
    c = tl.country
    df = tl.table(c, partners_for(c))
    doc = {"country": c, "steps": [{"scenario": str(k), **{kk: v for kk, v in row.items()}} for k, row in df.iterrows()],
           "results": {r.scenario: r.to_dict() for r in tl}}
    w = tl[0].world
    from ..report._sectors import CARS, car_exports_table

    if w.sectors and CARS in w.sectors and c != "USA" and "USA" in w.codes:  # as in the report's sectors section
        cars = car_exports_table(tl, c)
        doc["cars"] = {"exporter": c, "importer": "USA", "base_usd_bn": float(
            tl[0].flows_base()[w.index(c), w.index("USA"), w.sectors.index(CARS)]) / 1000.0,
            "steps": [{"scenario": str(k), **row} for k, row in cars.to_dict(orient="index").items()]}
    from .._io import json_safe

    return json_safe(doc), df.to_csv()


def report_html(country: str, steps: list[str] | None, dataset_source: str, sections: list[str] | None,
                progress: Progress = None, lang: str = "en") -> str:
    """The self-contained HTML report of ``tradewar report`` for ``country``, in ``lang`` (en, ja, zh)."""
    from ..report import build_report

    def say(msg: str) -> None:
        if progress is not None:
            progress(0.0, msg)

    rep = build_report(country, scenarios=steps, data=None if dataset_source == "world2023" else dataset_source,
                       sections=sections, progress=say, lang=lang)
    return rep.html
