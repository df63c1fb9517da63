"""The Ossa (2014) model: multi-industry Krugman trade with a fixed number of firms (profit shifting).

R. Ossa, "Trade Wars and Trade Talks with Data", *American Economic Review* 104(12), 2014, 4104-4146.
Each industry ``s`` has CES demand with elasticity ``sigma_s`` over differentiated varieties, a fixed mass
of firms per country and industry (so industries earn profits ``X / sigma_s``), labour as the only factor
and Cobb-Douglas shares ``mu[j, s]`` of expenditure across industries. Tariffs are the policy.

Dimension order: arrays are ``[exporter i, importer j, industry s]`` (N, N, S); ``X[i, j, s]`` are flows
at exporter prices (net of tariffs, money units of the data, e.g. USD million), ``t[i, j, s]`` the
ad-valorem tariff (fraction) that importer ``j`` levies on ``i``. Hats are new/old ratios.

Baseline shares and levels (computed once by :func:`calibrate`)::

    alpha[i,j,s] = X[i,j,s] / sum_j X[i,j,s]                               (where i's sales of s go)
    gamma[i,j,s] = (1+t) X[i,j,s] / sum_i (1+t) X[i,j,s]                   (j's spending on s, gross)
    delta[i,s]   = sum_j ((sigma_s-1)/sigma_s) X[i,j,s] / sum_{j,s} ((sigma_s-1)/sigma_s) X[i,j,s]
    mu[j,s]      = sum_i (1+t) X[i,j,s] / E_j,   E_j = sum_{i,s} (1+t) X[i,j,s]
    Pi[i,s] = sum_j X[i,j,s] / sigma_s,  NX_i = sum_s (sum_j X[i,j,s] - sum_j X[j,i,s]),
    R_j = sum_{i,s} t X[i,j,s],  L_j = E_j + NX_j - R_j - sum_s Pi[j,s]    (labour income)

Equilibrium in changes for new tariffs ``t'`` (``tau^ = (1+t')/(1+t)``); unknowns ``y = [log E^ (N),
log w^ (N)]``::

    Q[j,s]   = 1 / sum_i gamma[i,j,s] (w^_i tau^[i,j,s])^(1-sigma_s)           (= P^[j,s]^(sigma_s-1))
    B[i,j,s] = w^_i^(1-sigma_s) tau^[i,j,s]^(-sigma_s) Q[j,s];   X'[i,j,s] = X[i,j,s] B[i,j,s] E^_j
    Pi^[i,s] = sum_j alpha[i,j,s] B[i,j,s] E^_j
    wages    w^_i = sum_s delta[i,s] Pi^[i,s]        for i = 0..N-2 (the last is dropped: Walras' law)
    budget   E^_j (1 - sum_{i,s} X[i,j,s] t'[i,j,s] B[i,j,s] / E_j)
                 = L_j w^_j / E_j - NX'_j / E_j + sum_s Pi[j,s] Pi^[j,s] / E_j    (NX' by the closure)
    numeraire sum_j L_j w^_j / sum_j L_j = 1          (replaces the dropped wage equation)
    P^[j,s] = Q[j,s]^(1/(sigma_s-1)),  P^_j = prod_s P^[j,s]^mu[j,s],  W^_j = E^_j / P^_j

Net exports of the counterfactual (``deficits``; ``Y_j = L_j + sum_s Pi[j,s]`` is income, GDP)::

    zero       NX'_j = 0 (the paper, which purges the deficits from its data first). Data with deficits
               are made balanced first (Dekle, Eaton & Kortum): a solve at the baseline tariffs with
               NX' = 0 whose flows become the baseline; changes are then relative to that world.
    fixed      NX'_j = NX_j (levels, in the numeraire: world labour income)
    gdp_share  NX'_j = Y'_j (s_j - sbar'),  s_j = NX_j / Y_j,  sbar' = sum_k s_k Y'_k / sum_k Y'_k
               (a constant share of the country's own income; ``sbar'``, 0 at the baseline, keeps world
               net exports summing to zero)

``nx_new`` imposes given levels instead (with the default closure only).

Government welfare with political-economy weights ``lambda_[j, s]`` (all ones = welfare)::

    G^_j = [sum_s lambda_[j,s] (sum_k X'[j,k,s] + delta'[j,s] R'_j)]
           / [sum_s lambda_[j,s] (sum_k X[j,k,s] + delta[j,s] R_j)] / P^_j

with ``delta'`` computed from ``X'`` and ``R'_j = sum_{i,s} t' X'[i,j,s]``.

Real GDP (``real_gdp_pct``): value added (sales, labour income plus profits) in quantities valued at
baseline prices. Every variety's producer price is the markup ``sigma_s/(sigma_s-1)`` over the wage, so the
quantity of industry ``s`` is its sales deflated by ``w^``::

    real GDP^_i = sum_{j,s} X'[i,j,s] / w^_i / sum_{j,s} X[i,j,s]

Labour is fixed, so it moves only as labour shifts between industries of different markups (profits per
worker differ). Money in the data's units: ``income_baseline`` (N,) baseline expenditure ``E_j`` (the
equivalent variation is ``welfare_pct / 100 * income_baseline``), ``tariff_revenue`` (N,) new revenue ``R'_j``,
``flows_base`` (N, N, S) the baseline flows ``X``.

Residuals are dimensionless: wage equations are relative to the wage, budgets relative to baseline
expenditure ``E_j``, so ``max |r| <= tol`` is a relative tolerance.
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import _jax  # float64; the baseline guess
from .._exceptions import CalibrationError, ScenarioError
from ..solve import Shock

__all__ = ["OssaModel", "calibrate"]


class OssaModel(eqx.Module):
    """The calibrated Ossa (2014) model (frozen; pure JAX methods; see the module docstring).

    Attributes
    ----------
    X, t : baseline flows at exporter prices and tariffs, ``[exporter, importer, industry]`` (N, N, S).
    sigma : (S,) elasticities of substitution.
    lambda_ : (N, S) political-economy weights ``[government j, industry s]``.
    nx_new : (N,) net exports NX' imposed in counterfactuals (levels, data units; zeros in the paper).
    alpha, gamma, delta, mu, E, Pi, NX, R, L : baseline shares and levels (module docstring).
    objective : ``"welfare"`` (``welfare`` returns W^) or ``"government"`` (returns G^ with ``lambda_``).
    codes, sectors : labels (static).

    Examples
    --------
    >>> import numpy as np
    >>> from tradewar.data._world import World
    >>> X = np.array([[[8.0, 3.0], [1.0, 2.0]], [[2.0, 1.0], [7.0, 5.0]]])
    >>> w = World(codes=("AAA", "BBB"), trade=X, gdp=X.sum(axis=(1, 2)), tariffs=np.full_like(X, 0.1),
    ...           extras={"sigma": np.array([3.0, 5.0])})
    >>> m = calibrate(w)
    >>> from tradewar.solve import Shock, solve_model
    >>> eq = solve_model(m, Shock(m.t))
    >>> [round(float(v), 8) for v in eq.outcomes["welfare_pct"]]
    [0.0, 0.0]
    """

    X: jax.Array
    t: jax.Array
    sigma: jax.Array
    lambda_: jax.Array
    nx_new: jax.Array
    alpha: jax.Array
    gamma: jax.Array
    delta: jax.Array
    mu: jax.Array
    E: jax.Array
    Pi: jax.Array
    NX: jax.Array
    R: jax.Array
    L: jax.Array
    objective: str = eqx.field(static=True, default="welfare")
    #: the closure of net exports (module docstring): ``"zero"`` and ``"fixed"`` impose ``nx_new``
    deficits: str = eqx.field(static=True, default="zero")
    codes: tuple[str, ...] = eqx.field(static=True, default=())
    sectors: tuple[str, ...] = eqx.field(static=True, default=())

    # --- protocol ---------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def tariffs(self) -> jax.Array:
        """Baseline tariffs (N, N, S): what the strategic layer perturbs."""
        return self.t

    def initial_guess(self) -> jax.Array:
        return _jax.zeros(2 * self.n)

    def _core(self, y: jax.Array, shock: Shock) -> dict[str, jax.Array]:
        if getattr(shock, "x", None) is not None:
            raise ScenarioError("Ossa (2014) model: export taxes (Shock.x) are not part of this model; pass x=None")
        n = self.n
        Ehat = jnp.exp(y[:n])
        what = jnp.exp(y[n:])
        t1 = shock.t
        sig = self.sigma[None, None, :]
        tauhat = (1.0 + t1) / (1.0 + self.t)
        wt = what[:, None, None] * tauhat
        Q = 1.0 / jnp.sum(self.gamma * wt ** (1.0 - sig), axis=0)  # (N, S) [j, s]
        B = what[:, None, None] ** (1.0 - sig) * tauhat ** (-sig) * Q[None, :, :]
        Pihat = jnp.sum(self.alpha * B * Ehat[None, :, None], axis=1)  # (N, S) [i, s]
        Phat_js = Q ** (1.0 / (self.sigma[None, :] - 1.0))
        Phat = jnp.exp(jnp.sum(self.mu * jnp.log(Phat_js), axis=1))
        Xnew = self.X * B * Ehat[None, :, None]
        return {"Ehat": Ehat, "what": what, "Q": Q, "B": B, "Pihat": Pihat, "Phat_js": Phat_js, "Phat": Phat,
                "Xnew": Xnew, "t1": t1, "nx": self.net_exports_new(what, Pihat)}

    def deficit_shares(self) -> jax.Array:
        """Baseline trade deficit over income, ``-NX_j / (L_j + sum_s Pi[j,s])`` (N,): negative for a surplus."""
        return -self.NX / (self.L + jnp.sum(self.Pi, axis=1))

    def net_exports_new(self, what: jax.Array, Pihat: jax.Array) -> jax.Array:
        """Net exports ``NX'`` (N,) of the counterfactual, by the closure (module docstring)."""
        if self.deficits != "gdp_share":
            return self.nx_new
        Y0 = self.L + jnp.sum(self.Pi, axis=1)
        Y1 = self.L * what + jnp.sum(self.Pi * Pihat, axis=1)
        s = self.NX / Y0
        return Y1 * (s - jnp.sum(s * Y1) / jnp.sum(Y1))

    def residual(self, y: jax.Array, shock: Shock) -> jax.Array:
        c = self._core(y, shock)
        Ehat, what, B, Pihat = c["Ehat"], c["what"], c["B"], c["Pihat"]
        wage = jnp.sum(self.delta * Pihat, axis=1) / what - 1.0  # (N,)
        numeraire = jnp.sum(self.L * what) / jnp.sum(self.L) - 1.0
        tariff_share = jnp.sum(self.X * c["t1"] * B, axis=(0, 2)) / self.E
        rhs = (self.L * what - c["nx"] + jnp.sum(self.Pi * Pihat, axis=1)) / self.E
        budget = Ehat * (1.0 - tariff_share) - rhs
        return jnp.concatenate([budget, wage[:-1], numeraire[None]])

    def _levels(self, y: jax.Array, shock: Shock) -> dict[str, jax.Array]:
        c = self._core(y, shock)
        Xn = c["Xnew"]
        t1 = c["t1"]
        sales_new = jnp.sum(Xn, axis=(1, 2))
        purchases_new = jnp.sum(Xn, axis=(0, 2))
        R_new = jnp.sum(t1 * Xn, axis=(0, 2))
        E_new = c["Ehat"] * self.E
        Pi_new = self.Pi * c["Pihat"]
        L_new = self.L * c["what"]
        lab = ((self.sigma - 1.0) / self.sigma)[None, None, :] * Xn
        delta_new = jnp.sum(lab, axis=1) / jnp.sum(lab, axis=(1, 2))[:, None]
        W = c["Ehat"] / c["Phat"]
        lam = self.lambda_
        num = jnp.sum(lam * (jnp.sum(Xn, axis=1) + delta_new * R_new[:, None]), axis=1)
        den = jnp.sum(lam * (jnp.sum(self.X, axis=1) + self.delta * self.R[:, None]), axis=1)
        G = num / den / c["Phat"]
        return {**c, "sales_new": sales_new, "purchases_new": purchases_new, "R_new": R_new, "E_new": E_new,
                "Pi_new": Pi_new, "L_new": L_new, "W": W, "G": G, "delta_new": delta_new}

    def welfare(self, y: jax.Array, shock: Shock) -> jax.Array:
        """W^ (N,) when ``objective == "welfare"``, the government welfare G^ when ``"government"``."""
        lv = self._levels(y, shock)
        return lv["G"] if self.objective == "government" else lv["W"]

    def outcomes(self, y: jax.Array, shock: Shock) -> dict[str, jax.Array]:
        """Per-country percent changes, levels and new flows (keys per docs/architecture.md).

        ``deficit_change_pct`` is the change of the trade deficit ``-NX`` in percent of baseline GDP
        (sales, ``L + Pi``); ``tariff_revenue_share`` is new revenue over new expenditure (level, fraction).
        """
        lv = self._levels(y, shock)
        gdp0 = jnp.sum(self.X, axis=(1, 2))
        gdp1 = lv["sales_new"]
        own = jnp.eye(self.n)[:, :, None]
        exp0 = jnp.sum(self.X * (1 - own), axis=(1, 2))
        imp0 = jnp.sum(self.X * (1 - own), axis=(0, 2))
        exp1 = jnp.sum(lv["Xnew"] * (1 - own), axis=(1, 2))
        imp1 = jnp.sum(lv["Xnew"] * (1 - own), axis=(0, 2))
        nx1 = lv["sales_new"] - lv["purchases_new"]
        pct = lambda h: 100.0 * (h - 1.0)  # noqa: E731
        return {
            "welfare_pct": pct(lv["W"]),
            "government_welfare_pct": pct(lv["G"]),
            "real_wage_pct": pct(lv["what"] / lv["Phat"]),
            "wage_pct": pct(lv["what"]),
            "expenditure_pct": pct(lv["Ehat"]),
            "price_index_pct": pct(lv["Phat"]),
            "sector_price_pct": pct(lv["Phat_js"]),
            "profits_pct": pct(lv["Pihat"]),
            "tariff_revenue_share": lv["R_new"] / lv["E_new"],
            "exports_gdp_change_pct": pct((exp1 / gdp1) / (exp0 / gdp0)),
            "imports_gdp_change_pct": pct((imp1 / gdp1) / (imp0 / gdp0)),
            "deficit_change_pct": 100.0 * (self.NX - nx1) / gdp0,
            "real_gdp_pct": pct(gdp1 / lv["what"] / gdp0),
            "income_baseline": self.E,
            "tariff_revenue": lv["R_new"],
            "flows_base": self.X,
            "flows_new": lv["Xnew"],
        }

    def checks(self, y: jax.Array, shock: Shock) -> dict[str, jax.Array]:
        """Accounting errors relative to world expenditure (all should be ~1e-12)."""
        lv = self._levels(y, shock)
        Xn, t1 = lv["Xnew"], lv["t1"]
        scale = jnp.sum(self.E)
        # spending on each industry adds up: sum_i (1+t') X' = mu E'
        flows = jnp.max(jnp.abs(jnp.sum((1 + t1) * Xn, axis=0) - self.mu * lv["E_new"][:, None])) / scale
        # profits are revenue / sigma
        profits = jnp.max(jnp.abs(jnp.sum(Xn, axis=1) / self.sigma[None, :] - lv["Pi_new"])) / scale
        # income = labour + profits + revenue - NX'
        budget = jnp.max(jnp.abs(lv["E_new"] - (lv["L_new"] + jnp.sum(lv["Pi_new"], axis=1) + lv["R_new"]
                                               - lv["nx"]))) / scale
        # labour market of every country (including the one whose equation was dropped)
        labour = jnp.sum(((self.sigma - 1.0) / self.sigma)[None, None, :] * Xn, axis=(1, 2))
        market = jnp.max(jnp.abs(labour - lv["L_new"])) / scale
        # Walras: trade balances equal NX'
        walras = jnp.max(jnp.abs(lv["sales_new"] - lv["purchases_new"] - lv["nx"])) / scale
        return {"flows_add_up": flows, "profits": profits, "income_expenditure": budget,
                "market_clearing": market, "walras": walras}

    def admissibility(self, y: jax.Array, shock: Shock) -> dict[str, jax.Array]:
        """Margins that are positive in an economically possible equilibrium (N,) each.

        Expenditure, wage and real-income hats, and income net of tariff revenue (labour income plus
        profits minus net exports ``NX'``) relative to baseline expenditure.
        """
        c = self._core(y, shock)
        net = (self.L * c["what"] - c["nx"] + jnp.sum(self.Pi * c["Pihat"], axis=1)) / self.E
        return {"expenditure": c["Ehat"], "wage": c["what"], "real_income": c["Ehat"] / c["Phat"], "net_income": net}


def calibrate(
    world: Any,
    *,
    sigma: Any = None,
    lambda_: Any = None,
    nx_new: Any = None,
    objective: str | None = None,
    deficits: str = "zero",
) -> OssaModel:
    """Calibrate the Ossa (2014) model to a sectoral :class:`~tradewar.data.World`.

    Parameters
    ----------
    world : World with ``trade`` (N, N, S) at exporter prices including domestic sales on the diagonal
        (use Ossa's purged flows), ``tariffs`` (N, N, S) and ``extras["sigma"]`` (S,).
    sigma : (S,) elasticities overriding ``extras["sigma"]`` (each > 1); without both, the world's trade
        elasticities ``extras["theta"]`` give ``sigma = theta + 1`` (embedded ``world2022s``).
    lambda_ : (N, S) political-economy weights; default ``extras["lambda_"]`` if present, else ones.
    nx_new : (N,) counterfactual net exports (levels); default zeros (the paper's experiments).
    objective : ``"welfare"`` or ``"government"``; default ``"welfare"`` when the weights are all ones.
    deficits : the closure of net exports, ``"zero"`` (the paper; data with deficits are balanced first
        and changes are relative to that balanced world), ``"fixed"`` or ``"gdp_share"`` (module docstring).
    """
    from ..data._world import require_world

    require_world(world, "ossa.calibrate")
    X = np.asarray(world.trade, dtype=np.float64)
    if X.ndim != 3:
        raise CalibrationError("Ossa model: needs a sectoral world, trade [exporter, importer, sector] (N, N, S)")
    n, _, S = X.shape
    t = np.asarray(world.tariffs, dtype=np.float64)
    codes = tuple(world.codes)
    sectors = tuple(world.sectors)
    if sigma is None:
        if "sigma" in world.extras:
            sigma = world.extras["sigma"]
        elif "theta" in world.extras:
            # the data carry trade elasticities: in Ossa's CES demand the trade elasticity is sigma - 1
            sigma = np.broadcast_to(np.asarray(world.extras["theta"], dtype=np.float64), (S,)) + 1.0
        else:
            raise CalibrationError("Ossa model: the data have no elasticities (extras 'sigma' or 'theta'); give "
                                   "sigma = [...] in [model], one number > 1 per sector")
    sigma = np.asarray(sigma, dtype=np.float64)
    if sigma.shape != (S,):
        raise CalibrationError(f"Ossa model: sigma has shape {sigma.shape}, expected ({S},)")
    bad = np.flatnonzero(~np.isfinite(sigma) | (sigma <= 1.0))
    if bad.size:
        raise CalibrationError(f"Ossa model: sigma, sector {sectors[bad[0]]}: must be > 1, got {sigma[bad[0]]}")
    if lambda_ is None:
        lambda_ = world.extras.get("lambda_", np.ones((n, S)))
    lambda_ = np.asarray(lambda_, dtype=np.float64)
    if lambda_.shape != (n, S):
        raise CalibrationError(f"Ossa model: lambda_ has shape {lambda_.shape}, expected ({n}, {S})")
    if objective is None:
        objective = "welfare" if np.all(lambda_ == 1.0) else "government"
    if objective not in ("welfare", "government"):
        raise CalibrationError(f"Ossa model: objective must be 'welfare' or 'government', got {objective!r}")
    if deficits not in ("zero", "fixed", "gdp_share"):
        raise CalibrationError(f"Ossa model: deficits must be 'zero', 'fixed' or 'gdp_share', got {deficits!r}")
    if nx_new is not None and deficits != "zero":
        raise CalibrationError(f"Ossa model: give either nx_new (net exports imposed) or deficits = {deficits!r}, not both")
    given = nx_new is not None
    nx_new = np.zeros(n) if nx_new is None else np.asarray(nx_new, dtype=np.float64)
    if nx_new.shape != (n,):
        raise CalibrationError(f"Ossa model: nx_new has shape {nx_new.shape}, expected ({n},)")

    sales_is = X.sum(axis=1)  # (N, S)
    gross = (1.0 + t) * X
    spend_js = gross.sum(axis=0)  # (N, S) [j, s]
    for name, arr, who in (("sales", sales_is, "exporter"), ("expenditure", spend_js, "importer")):
        bad = np.argwhere(arr <= 0)
        if bad.size:
            i, s = bad[0]
            raise CalibrationError(
                f"Ossa model: {who} {codes[i]}, sector {sectors[s]}: zero {name} in the industry; "
                "drop the industry or add domestic sales"
            )
    alpha = X / sales_is[:, None, :]
    gamma = gross / spend_js[None, :, :]
    lab = ((sigma - 1.0) / sigma)[None, None, :] * X
    delta = lab.sum(axis=1) / lab.sum(axis=(1, 2))[:, None]
    E = spend_js.sum(axis=1)
    mu = spend_js / E[:, None]
    Pi = sales_is / sigma[None, :]
    NX = X.sum(axis=(1, 2)) - X.sum(axis=(0, 2))
    R = (t * X).sum(axis=(0, 2))
    L = E + NX - R - Pi.sum(axis=1)
    if np.any(L <= 0):
        i = int(np.argmin(L))
        raise CalibrationError(f"Ossa model: country {codes[i]}: non-positive labour income {L[i]:.4g}")
    if deficits == "fixed":
        nx_new = NX
    j = jnp.asarray
    model = OssaModel(
        X=j(X), t=j(t), sigma=j(sigma), lambda_=j(lambda_), nx_new=j(nx_new), alpha=j(alpha), gamma=j(gamma),
        delta=j(delta), mu=j(mu), E=j(E), Pi=j(Pi), NX=j(NX), R=j(R), L=j(L),
        objective=objective, deficits=deficits, codes=codes, sectors=sectors,
    )
    if deficits == "zero" and not given and np.max(np.abs(NX) / E) > BALANCED:
        from ..solve import solve_model

        # Dekle-Eaton-Kortum: the balanced world at the baseline tariffs becomes the baseline
        eq = solve_model(model, Shock(t=model.t), what='removing the trade deficits (deficits = "zero")', codes=codes,
                         plausible=False)
        balanced = world.replace(trade=np.asarray(eq.outcomes["flows_new"], dtype=np.float64))
        return calibrate(balanced, sigma=sigma, lambda_=lambda_, objective=objective, nx_new=np.zeros(n))
    return model


#: Net exports below this share of each country's expenditure count as balanced trade (the solver's tolerance).
BALANCED = 1e-10
