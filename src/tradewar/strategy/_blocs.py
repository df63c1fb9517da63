"""Trade blocs as data, and the coalition game of joining a bloc against a target.

A :class:`Bloc` says: a ``leader`` (e.g. the USA) invites ``candidates`` to join a bloc against a
``target`` (e.g. China). Each member puts its ``measure`` on the target (an additional tariff
``member_tariff`` over the base tariffs on the target's goods, and, in sectoral models with export
taxes, an ``export_control``: a tariff-equivalent tax on its exports to the target). The leader offers a
*carrot* to members (its tariffs on them become the world's baseline plus ``carrot``) and keeps a *stick*
for non-members (``stick=None``: the base tariffs, e.g. the April 2025 schedule; a number: the world's
baseline plus ``stick`` on every candidate that stays out). The target answers every member under
``response``: ``none``, ``mirror``, ``equal_value`` (:mod:`tradewar.policy`, capped by ``max_rate``) or
``optimal`` (its best response on the members' goods, :func:`tradewar.strategy.best_response`).

:func:`bloc_game` evaluates every coalition ``S`` of the (at most 12) candidates: the tariffs of all
``2^K`` coalitions are built at once with NumPy (the mirror and equal-value answers to one member depend
only on that member's measure and baseline flows, so coalition tariffs are sums of per-member changes)
and solved one after the other by the model's stored solver program (:mod:`tradewar.strategy._batch`; the
``optimal`` answer is a best response per coalition). With ``W_k(S)`` the welfare of country ``k``
(W^ relative to the model's baseline) when ``S`` is the bloc:

* internal stability: no member gains by leaving, ``W_k(S) >= W_k(S - k)`` for every ``k`` in ``S``;
* external stability: no outsider gains by joining, ``W_k(S) >= W_k(S + k)`` for every candidate ``k``
  outside ``S`` (d'Aspremont et al. 1983; ties count as stable, within ``tol``);
* a coalition is stable when it is both. Candidates decide alone, taking the others' choices as given.

A candidate may be a region the world lacks (``EU27`` on a world of countries, or a region of the world the
bloc's base scenario was written for): its countries then join or stay out together, as the EU's common
commercial policy has them do, each taking the member's measure and the leader's offer, and the group's
welfare ``W_k`` is the GDP-weighted mean of their W^ (:func:`candidate_members`).

Bloc files (TOML, presets in ``tradewar/presets/blocs``)::

    name = "us-bloc-china"
    scenario = "bloc-japan"        # base scenario: world, model and base tariffs (the stick)
    leader = "USA"
    target = "CHN"
    candidates = ["JPN", "EU27"]
    [members]
    tariff = 0.20                  # members' additional tariff on the target
    export_control = 0.0           # tariff-equivalent export tax on the target (sectoral models only)
    [leader_offer]
    carrot = 0.10                  # leader's additional tariff on members, over the world's baseline
    stick = "keep"                 # "keep" the base tariffs, or an additional rate on non-members
    [response]
    rule = "equal_value"           # none | mirror | equal_value | optimal
    max_rate = 1.0
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .._exceptions import ScenarioError

__all__ = ["Bloc", "BlocGame", "bloc_game", "candidate_members", "load_bloc", "prepare_bloc", "bloc_tariffs", "coalition_tariffs", "list_blocs", "MAX_CANDIDATES"]

MAX_CANDIDATES = 12
RESPONSES = ("none", "mirror", "equal_value", "optimal")
_BLOC_DIR = Path(__file__).resolve().parent.parent / "presets" / "blocs"


@dataclass(frozen=True)
class Bloc:
    """A bloc against a target (see the module docstring). Rates are fractions (0.2 = 20%)."""

    leader: str
    target: str
    candidates: tuple[str, ...]
    member_tariff: float = 0.0
    export_control: float = 0.0
    carrot: float = 0.0
    stick: float | None = None
    response: Literal["none", "mirror", "equal_value", "optimal"] = "none"
    max_rate: float | None = None
    instrument: str = "uniform"
    name: str = "bloc"
    title: str = ""
    notes: str = ""
    scenario: str | None = None
    path: str | None = None

    def __post_init__(self) -> None:
        where = f"bloc '{self.name}'" + (f" ({self.path})" if self.path else "")
        up = lambda c: str(c).upper()  # noqa: E731
        object.__setattr__(self, "leader", up(self.leader))
        object.__setattr__(self, "target", up(self.target))
        object.__setattr__(self, "candidates", tuple(up(c) for c in self.candidates))
        if not self.candidates:
            raise ScenarioError(f"{where}: no candidates")
        if len(set(self.candidates)) != len(self.candidates):
            dup = next(c for c in self.candidates if self.candidates.count(c) > 1)
            raise ScenarioError(f"{where}: candidate {dup} listed twice")
        if len(self.candidates) > MAX_CANDIDATES:
            raise ScenarioError(f"{where}: {len(self.candidates)} candidates; at most {MAX_CANDIDATES} (2^12 coalitions)")
        if self.target in self.candidates:
            raise ScenarioError(f"{where}: the target {self.target} cannot be a member or candidate of its own bloc")
        if self.leader in self.candidates:
            raise ScenarioError(f"{where}: the leader {self.leader} is a member by definition; remove it from candidates")
        if self.leader == self.target:
            raise ScenarioError(f"{where}: the leader and the target are both {self.leader}")
        if self.response not in RESPONSES:
            raise ScenarioError(f"{where}: unknown response rule '{self.response}' (use {', '.join(RESPONSES)})")
        for k in ("member_tariff", "carrot") + (("stick",) if self.stick is not None else ()):
            if not float(getattr(self, k)) > -1.0:
                raise ScenarioError(f"{where}: {k} = {getattr(self, k)}: tariffs must stay above -100%")
        if self.max_rate is not None and not self.max_rate > 0:
            raise ScenarioError(f"{where}: max_rate must be positive")

    def validate(self, world, model: Any = None) -> None:
        """Check the codes against ``world`` and the measures against ``model`` (one-line errors)."""
        where = f"bloc '{self.name}'"
        groups = candidate_members(self, world)
        for role, codes in (("leader", [self.leader]), ("target", [self.target]), ("candidate", self.candidates)):
            for c in codes:
                if c not in world.codes and not (role == "candidate" and groups[self.candidates.index(c)]):
                    import difflib

                    from ..data import REGION_CODES

                    close = difflib.get_close_matches(c, world.codes, n=3)
                    hint = (f"; {c} is a region of world2023, and the leader and the target are single economies"
                            if c in REGION_CODES and role != "candidate" else
                            f"; {c} is a region of world2023 with none of its countries in this world"
                            if c in REGION_CODES else (f"; did you mean {', '.join(close)}?" if close else ""))
                    raise ScenarioError(f"{where}: unknown {role} country '{c}' (this world has {world.n} countries){hint}")
        seen: dict[str, str] = {}
        for cand, g in zip(self.candidates, groups, strict=True):
            for c in g:
                if c in (self.leader, self.target):
                    raise ScenarioError(f"{where}: candidate {cand} includes {c}, the bloc's "
                                        f"{'leader' if c == self.leader else 'target'}")
                if c in seen:
                    raise ScenarioError(f"{where}: {c} is in two candidates, {seen[c]} and {cand}")
                seen[c] = cand
        if self.export_control and model is not None and not _supports_export_taxes(model, world):
            raise ScenarioError(
                f"{where}: export controls need a sectoral model with export taxes (family 'caliendo_parro'); "
                f"model {type(model).__name__} has none"
            )
        if self.response == "optimal" and self.instrument in ("sector", "partner_sector") and not world.has_sectors:
            raise ScenarioError(f"{where}: response instrument '{self.instrument}' needs a model with sectors")


def candidate_members(bloc: Bloc, world) -> tuple[tuple[str, ...], ...]:
    """The countries of ``world`` each candidate of ``bloc`` stands for: a code of ``world`` itself; a region
    that ``world`` lacks, its countries there (``EU27`` and ``EU`` the EU members; another region of the world
    the bloc's base scenario was written for, its countries as :func:`tradewar.scenario.on_world` finds them);
    ``()`` for a code that names nothing in ``world``."""
    found: dict[str, tuple[str, ...]] = {}
    if any(c not in world.codes for c in bloc.candidates):
        from ..scenario import _data_source, load_scenario, regions_in

        source = "world2023"
        if bloc.scenario is not None:
            try:
                s = load_scenario(bloc.scenario)
                source = s.data.written_for or _data_source(s)
            except ScenarioError:  # the bloc's own check of its scenario comes later, with its data
                pass
        found = regions_in(source, world, bloc.candidates)
    return tuple((c,) if c in world.codes else tuple(found.get(c, ())) for c in bloc.candidates)


def _weighted_rate(world, t: np.ndarray, exporters: Any, importers: Any) -> float:
    """The tariffs ``t[exporters, importers]`` (one side a region's countries, the other one country; every sector)
    as one rate, weighted by the baseline flows they tax (the plain mean where there are none)."""
    rates, flows = t[exporters, importers], np.asarray(world.trade, dtype=np.float64)[exporters, importers]
    return float((rates * flows).sum() / flows.sum()) if flows.sum() > 0 else float(np.mean(rates))


def _supports_export_taxes(model: Any, world) -> bool:
    flag = getattr(model, "supports_export_taxes", None)
    if flag is not None:
        return bool(flag)
    return world.has_sectors and "caliendo_parro" in type(model).__module__


# --- the TOML schema -------------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Members(_Strict):
    tariff: float = Field(default=0.0, gt=-1.0)
    export_control: float = Field(default=0.0, ge=0.0)


class _Offer(_Strict):
    carrot: float = Field(default=0.0, gt=-1.0)
    stick: float | Literal["keep"] = "keep"


class _Response(_Strict):
    rule: Literal["none", "mirror", "equal_value", "optimal"] = "none"
    max_rate: float | None = Field(default=None, gt=0)
    instrument: Literal["uniform", "partner", "sector", "partner_sector"] = "uniform"


class BlocFile(_Strict):
    """Schema of a bloc file (see the module docstring)."""

    name: str
    title: str = ""
    notes: str = ""
    scenario: str
    leader: str
    target: str
    candidates: list[str]
    members: _Members = _Members()
    leader_offer: _Offer = _Offer()
    response: _Response = _Response()
    path: str | None = None


def list_blocs() -> list[str]:
    """Names of the bloc presets shipped with tradewar."""
    return sorted(p.stem for p in _BLOC_DIR.glob("*.toml"))


def load_bloc(source: str | Path) -> Bloc:
    """Load a bloc preset by name or a bloc TOML file by path; :class:`ScenarioError` (one line) on bad input."""
    from ..scenario import load_toml

    f = load_toml(source, BlocFile, _BLOC_DIR, "bloc")
    p = Path(f.path or source)
    scen = f.scenario
    if Path(scen).suffix and not Path(scen).is_absolute():
        scen = str(p.parent / scen)
    stick = None if f.leader_offer.stick == "keep" else float(f.leader_offer.stick)
    return Bloc(
        leader=f.leader, target=f.target, candidates=tuple(f.candidates), member_tariff=f.members.tariff,
        export_control=f.members.export_control, carrot=f.leader_offer.carrot, stick=stick,
        response=f.response.rule, max_rate=f.response.max_rate, instrument=f.response.instrument,
        name=f.name, title=f.title, notes=f.notes, scenario=scen, path=str(p),
    )


def prepare_bloc(bloc: Bloc, *, data: str | None = None, gdp: str | None = None, tariffs: str | None = None):
    """``(world, model, base_t, scenario)`` of the bloc's base scenario (its tariffs are the stick).

    ``data``, ``gdp`` and ``tariffs`` replace the scenario's data (:meth:`~tradewar.Scenario.with_data`).
    """
    from ..scenario import load_scenario, prepare

    if bloc.scenario is None:
        raise ScenarioError(f"bloc '{bloc.name}': no base scenario")
    s = load_scenario(bloc.scenario).with_data(data, gdp=gdp, tariffs=tariffs)
    world, model, t, x, rule = prepare(s)
    if x is not None:
        raise ScenarioError(f"bloc '{bloc.name}': the base scenario '{s.name}' has export-tax layers; not supported")
    if rule.rule == "optimal":
        from ._retaliate import retaliate_optimally

        t = retaliate_optimally(model, world, t, rule)
    bloc.validate(world, model)
    return world, model, np.asarray(t, dtype=np.float64), s


# --- coalition tariffs -----------------------------------------------------------------------------
def _coalitions(K: int) -> np.ndarray:
    """All 2^K coalitions as a (2^K, K) boolean array; row ``m`` has bit ``k`` of ``m`` as member ``k``."""
    m = np.arange(2**K)[:, None]
    return ((m >> np.arange(K)[None, :]) & 1).astype(bool)


def _deltas(world, model, bloc: Bloc, base_t: np.ndarray):
    """Per-candidate tariff changes as a member and as an outsider, and the members' export taxes.

    Returns ``(d_in, d_out, x_in)`` of shape (K, *t.shape) each (``x_in`` None without export controls).
    """
    from ..policy import Retaliation, apply_retaliation

    t0 = np.asarray(model.t0 if hasattr(model, "t0") else world.tariffs, dtype=np.float64)
    L, T = world.index(bloc.leader), world.index(bloc.target)
    K = len(bloc.candidates)
    d_in = np.zeros((K,) + base_t.shape)
    d_out = np.zeros((K,) + base_t.shape)
    x_in = np.zeros((K,) + base_t.shape) if bloc.export_control else None
    for k, group in enumerate(candidate_members(bloc, world)):
        c = np.asarray(world.indices(group))  # the candidate's countries (one, or a region's)
        # carrot: the leader's tariffs on a member = world baseline + carrot
        d_in[k][c, L] = t0[c, L] + bloc.carrot - base_t[c, L]
        if bloc.stick is not None:
            d_out[k][c, L] = t0[c, L] + bloc.stick - base_t[c, L]
        # the member's measure on the target
        t_k = base_t.copy()
        t_k[T, c] = base_t[T, c] + bloc.member_tariff
        # the target's answer to this member alone (rules mirror/equal_value are additive across members)
        if bloc.response in ("mirror", "equal_value"):
            rule = Retaliation(rule=bloc.response, retaliators=[bloc.target], aggressors=list(group),
                               max_rate=bloc.max_rate)
            t_k = apply_retaliation(world, rule, t_k, base=base_t)
        d_in[k] += t_k - base_t
        if x_in is not None:
            x_in[k][c, T] = bloc.export_control
    return d_in, d_out, x_in


def bloc_tariffs(world, model, bloc: Bloc, base_t: Any, members: np.ndarray):
    """Tariff arrays (C, *shape) and export taxes (or None) of coalitions ``members`` (C, K) bool,
    before an ``optimal`` answer of the target."""
    base_t = np.asarray(base_t, dtype=np.float64)
    d_in, d_out, x_in = _deltas(world, model, bloc, base_t)
    M = np.asarray(members, dtype=np.float64)
    sub = "ck,k...->c..."
    T = base_t[None] + np.einsum(sub, M, d_in) + np.einsum(sub, 1.0 - M, d_out)
    X = None if x_in is None else np.einsum(sub, M, x_in)
    return T, X


def coalition_tariffs(world, model, bloc: Bloc, base_t: Any, members: Sequence[bool]):
    """Tariffs (and export taxes or None) of one coalition, with the target's answer (also ``optimal``)."""
    T, X = bloc_tariffs(world, model, bloc, base_t, np.asarray(members, dtype=bool)[None])
    t = T[0]
    if bloc.response == "optimal" and np.any(members):
        from ._retaliate import best_response

        groups = candidate_members(bloc, world)
        cidx = [i for g, m in zip(groups, members, strict=True) if m for i in world.indices(g)]
        t = np.asarray(best_response(model, world.index(bloc.target), t, bloc.instrument, partners=cidx,
                                     upper=bloc.max_rate).tariffs)
    return t, (None if X is None else X[0])


# --- the game ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BlocGame:
    """Every coalition of a bloc game (see the module docstring).

    members : (C, K) bool, coalition ``m`` has candidate ``k`` iff bit ``k`` of ``m`` is set.
    welfare : (C, N) W^ of every country (relative to the model's baseline) under each coalition.
    internal, external : (C,) stability verdicts; ``stable``: indices of the stable coalitions.
    join_gain_pct : (C, K) percentage-point gain of candidate ``k`` from being in rather than out,
        ``100 (W_k(S + k) - W_k(S - k))``, given the others' choices in coalition ``S``.
    candidate_welfare : (C, K) W^ of each candidate (a region's: the GDP-weighted mean of its countries').
    groups : the countries of each candidate (:func:`candidate_members`).
    """

    bloc: Bloc
    codes: tuple[str, ...]
    candidates: tuple[str, ...]
    members: np.ndarray
    welfare: np.ndarray
    internal: np.ndarray
    external: np.ndarray
    stable: tuple[int, ...]
    join_gain_pct: np.ndarray
    tol: float
    seconds: float
    target_rates: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    candidate_welfare: np.ndarray | None = None
    groups: tuple[tuple[str, ...], ...] = ()

    def index(self, members: Sequence[str]) -> int:
        """Row of the coalition with exactly these members."""
        want = {str(c).upper() for c in members}
        bad = want - set(self.candidates)
        if bad:
            raise ScenarioError(f"not candidates of bloc '{self.bloc.name}': {', '.join(sorted(bad))}")
        return int(sum(1 << k for k, c in enumerate(self.candidates) if c in want))

    def names(self, m: int) -> tuple[str, ...]:
        return tuple(c for k, c in enumerate(self.candidates) if self.members[m, k])

    def stable_coalitions(self) -> list[tuple[str, ...]]:
        return [self.names(m) for m in self.stable]

    def welfare_pct(self, m: int) -> dict[str, float]:
        """W% of every country under coalition ``m``, and of each candidate that is a region of countries."""
        out = {c: float(100.0 * (self.welfare[m, i] - 1.0)) for i, c in enumerate(self.codes)}
        return out | {c: self.candidate_pct(m, c) for c in self.candidates if c not in out}

    def candidate_pct(self, m: int, candidate: str) -> float:
        """W% of ``candidate`` (a region's: the GDP-weighted mean of its countries') under coalition ``m``."""
        k = self.candidates.index(candidate.upper())
        return float(100.0 * (self.candidate_welfare[m, k] - 1.0))

    def in_vs_out(self, country: str, others: Sequence[str]) -> tuple[float, float]:
        """``(W% joining, W% staying out)`` of candidate ``country`` when ``others`` are the other members."""
        rest = [c for c in others if c.upper() != country.upper()]
        m_in, m_out = self.index(rest + [country]), self.index(rest)
        return self.candidate_pct(m_in, country), self.candidate_pct(m_out, country)

    def gainers_losers(self, m: int, reference: int = 0) -> dict[str, list[str]]:
        """Countries whose welfare under coalition ``m`` is above / below that under ``reference`` (no bloc)."""
        d = self.welfare[m] - self.welfare[reference]
        return {
            "gain": [c for i, c in enumerate(self.codes) if d[i] > self.tol],
            "lose": [c for i, c in enumerate(self.codes) if d[i] < -self.tol],
        }

    def to_dict(self, codes: Sequence[str] | None = None) -> dict[str, Any]:
        """The game as JSON: every coalition with the welfare of ``codes`` (default every country) and of each
        candidate that is a region of countries."""
        keep = [*(codes or self.codes), *(c for c in self.candidates if c not in self.codes)]

        def welfare(m: int) -> dict[str, float]:
            wp = self.welfare_pct(m)
            return {c: wp[c] for c in keep if c in wp}

        coalitions = [
            {
                "members": list(self.names(m)),
                "internal_stable": bool(self.internal[m]),
                "external_stable": bool(self.external[m]),
                "welfare_pct": welfare(m),
            }
            for m in range(self.members.shape[0])
        ]
        return {
            "bloc": self.bloc.name,
            "leader": self.bloc.leader,
            "target": self.bloc.target,
            "candidates": list(self.candidates),
            "coalitions": coalitions,
            "stable": [list(self.names(m)) for m in self.stable],
            "stability_tol": self.tol,
            "seconds": self.seconds,
        }


def bloc_game(
    model: Any,
    world,
    bloc: Bloc,
    base_t: Any,
    *,
    chunk: int = 64,
    tol: float = 1e-9,
    progress: Callable[[int, int], None] | None = None,
) -> BlocGame:
    """Evaluate every coalition of ``bloc`` (at most 12 candidates); see the module docstring.

    ``base_t`` are the tariffs without any bloc (the stick on everyone); ``tol`` is the welfare tolerance
    (W^) of the stability comparisons; ``progress(done, total)`` is told after every ``chunk`` solves.

    Examples
    --------
    >>> import numpy as np
    >>> from tradewar.data import World
    >>> from tradewar.models.ilms import armington, calibrate
    >>> X = np.array([[20.0, 3, 2, 2], [3, 20, 2, 2], [2, 2, 20, 3], [2, 2, 3, 20]])
    >>> w = World(codes=("USA", "CHN", "JPN", "KOR"), trade=X, gdp=X.sum(0))
    >>> m = calibrate(w, armington(4.0))
    >>> b = Bloc(leader="USA", target="CHN", candidates=("JPN", "KOR"), member_tariff=0.2, carrot=0.0,
    ...          stick=0.3, response="equal_value", max_rate=1.0)
    >>> g = bloc_game(m, w, b, np.zeros((4, 4)))
    >>> g.members.shape, len(g.stable) >= 0
    ((4, 2), True)
    """
    from ._batch import welfare_of_tariffs

    start = time.perf_counter()
    bloc.validate(world, model)
    base_t = np.asarray(base_t, dtype=np.float64)
    K = len(bloc.candidates)
    members = _coalitions(K)
    T, X = bloc_tariffs(world, model, bloc, base_t, members)
    rates = None
    if bloc.response == "optimal":
        from ._retaliate import best_response, check_best_response

        tgt = world.index(bloc.target)
        groups = [world.indices(g) for g in candidate_members(bloc, world)]
        rates = np.full((members.shape[0], K), np.nan)
        for m in range(1, members.shape[0]):
            inside = [k for k in range(K) if members[m, k]]
            br = best_response(model, tgt, T[m], bloc.instrument, partners=[i for k in inside for i in groups[k]],
                               upper=bloc.max_rate)
            check_best_response(br, f"bloc '{bloc.name}': answer of {bloc.target} to coalition {m}")
            T[m] = br.tariffs
            rates[m, inside] = [_weighted_rate(world, np.asarray(br.tariffs), groups[k], tgt) for k in inside]
            if progress is not None:
                progress(m, 2 * members.shape[0])
        prog2 = None if progress is None else (lambda d, n: progress(members.shape[0] + d, 2 * members.shape[0]))
    else:
        prog2 = progress
    W = welfare_of_tariffs(model, T, X, chunk=chunk, progress=prog2, what=f"bloc '{bloc.name}'")
    groups = candidate_members(bloc, world)
    # each candidate's welfare: its own, or a region's GDP-weighted mean over its countries
    weights = np.zeros((K, world.n))
    gdp = np.asarray(world.gdp, dtype=np.float64)
    for k, g in enumerate(groups):
        idx = world.indices(g)
        weights[k, idx] = gdp[idx] / gdp[idx].sum()
    Wc = W @ weights.T
    rows = np.arange(members.shape[0])
    internal = np.ones(len(rows), bool)
    external = np.ones(len(rows), bool)
    join = np.zeros((len(rows), K))
    for k in range(K):
        bit = 1 << k
        with_k, without_k = rows | bit, rows & ~bit
        gain = Wc[with_k, k] - Wc[without_k, k]
        join[:, k] = 100.0 * gain
        is_in = members[:, k]
        internal &= ~is_in | (gain >= -tol)  # a member does not gain by leaving
        external &= is_in | (gain <= tol)  # an outsider does not gain by joining
    stable = tuple(int(m) for m in np.flatnonzero(internal & external))
    return BlocGame(
        bloc=bloc, codes=tuple(world.codes), candidates=bloc.candidates, members=members, welfare=W,
        internal=internal, external=external, stable=stable, join_gain_pct=join, tol=tol,
        seconds=time.perf_counter() - start, target_rates=rates, candidate_welfare=Wc, groups=groups,
    )
