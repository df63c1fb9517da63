r"""The global tariff war of Lashkaripour (2021): multi-sector Armington, every country's Nash tariff.

Lashkaripour, A. (2021), "The cost of a global tariff war: A sufficient statistics approach",
*Journal of International Economics* 131: 103489, and its MATLAB package *tariffwar*, whose
conventions are followed exactly here.

Dimensions and data
-------------------
Countries ``j, i, n`` (N), sectors ``k`` (S); arrays ``[exporter j, importer i, sector k]``.
``X[j, i, k]`` is the *tariff-inclusive* spending of importer ``i`` on sector-``k`` goods from
``j`` (domestic sales on the diagonal), ``t[j, i, k]`` the applied tariff levied by ``i``;
``sigma_k = epsilon_k + 1`` with ``epsilon_k`` the trade elasticity. From the data::

    lambda[j,i,k] = X[j,i,k] / sum_n X[n,i,k]            (expenditure shares)
    Y_i    = sum_{j,k} X[j,i,k]                          (total expenditure)
    R_i    = sum_{j,k} X[i,j,k] / (1 + t[i,j,k])         (sales = wage bill)
    e[i,k] = sum_j X[j,i,k] / Y_i                        (Cobb-Douglas sector shares)

Equilibrium in changes (hats are new/old; new tariffs ``t'``)
-------------------------------------------------------------
::

    lambda'[j,i,k] = lambda[j,i,k] (k^_jik w^_j)^(1-sigma_k) / sum_n lambda[n,i,k] (k^_nik w^_n)^(1-sigma_k),
                     k^_jik = (1 + t'[j,i,k]) / (1 + t[j,i,k])
    w^_j R_j     = sum_{i,k} lambda'[j,i,k] e[i,k] Y^_i Y_i / (1 + t'[j,i,k])      (wages, j < N)
    sum_j R_j (w^_j - 1) = 0                                                   (numeraire, replaces j = N)
    Y^_i Y_i     = w^_i R_i + sum_{j,k} t'[j,i,k] / (1 + t'[j,i,k]) lambda'[j,i,k] e[i,k] Y^_i Y_i
                                                                               (budget: balanced trade)

so every deficit is zero in the new equilibrium ("step 1, balance trade" of the package uses the
data's tariffs ``t' = t``; the balanced flows ``X' = lambda' e Y^ Y`` are the baseline of the war).

Nash tariffs (``nash=True``): each country ``n`` levies one uniform tariff ``tau_n - 1`` on every
partner and sector, set by the sufficient-statistics formula at the new equilibrium::

    tau_n = 1 + 1 / max(E_n, 1),   E_n = sum_k (sigma_k - 1) sum_{i != n} chi[n,i,k] (1 - lambda'[n,i,k]),
    chi[n,i,k] = (n's sales to i in sector k) / (n's total sales abroad)

and the unknowns ``(w^, Y^, tau)`` solve the joint system by Newton's method (one root-finding
problem for the fixed point "tariffs = formula(equilibrium(tariffs))").

Welfare::

    P^_ik = (sum_j lambda[j,i,k] (k^_jik w^_j)^(1-sigma_k))^(1/(1-sigma_k)),  P^_i = prod_k P^_ik^e[i,k],
    W^_i  = Y^_i / P^_i     (welfare_pct = 100 (W^_i - 1))

This is the Caliendo-Parro economy without intermediate inputs and with trade balanced, in the
reduced form of the package (2N or 3N unknowns instead of N + 2NS).

Real GDP (``real_gdp_pct``): sales at producer prices deflated by the producer price ``w^`` (labour is
the one factor, fixed, with constant productivity), ``w^_i R_i / (w^_i R_i) - 1``: 0 in every
equilibrium, a tariff war changes real income here only through prices and revenue. Money in the data's
units: ``income_baseline`` (N,) expenditure ``Y_i``, ``tariff_revenue`` (N,) the new revenue, ``flows_base``
(N, N, S) the baseline sales ``lambda e Y / (1 + t)``.

Examples
--------
>>> import numpy as np
>>> from tradewar.solve import find_root
>>> rng = np.random.default_rng(1)
>>> X = rng.uniform(1.0, 2.0, (3, 3, 2)) + 5 * np.eye(3)[:, :, None]
>>> m = from_spending(X, np.zeros_like(X), np.array([4.0, 6.0]), ("AAA", "BBB", "CCC"), ("a", "b"))
>>> root = find_root(m.residual, m.initial_guess(), m.zero_shock(), 1e-12, 40, "newton")
>>> bool(root.max_residual < 1e-12)
True
>>> c = {k: float(v) for k, v in m.checks(root.value, m.zero_shock()).items()}
>>> max(c.values()) < 1e-12  # trade balanced, budgets hold
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_derivatives import SymbolicZero

from .. import _jax  # float64, on_device
from .._exceptions import CalibrationError
from ..solve import Shock

__all__ = ["TariffWar", "WarResult", "from_spending", "from_world", "global_war"]


class TariffWar(eqx.Module):
    """The multi-sector Armington economy of Lashkaripour (2021) in changes (frozen).

    Arrays (float64): ``lam`` (N, N, S) expenditure shares ``[exporter, importer, sector]``,
    ``e`` (N, S) sector shares of expenditure, ``Y`` (N,) expenditure, ``R`` (N,) sales net of
    tariffs, ``t0`` (N, N, S) baseline tariffs, ``sigma`` (S,) CES elasticities (``epsilon + 1``).
    ``nash``: the unknowns include each country's uniform tariff, set by the optimal-tariff formula.
    Unknowns ``y = [ln w^ (N), ln Y^ (N)(, tau - 1 (N))]``; zeros = baseline wages and incomes.
    ``war`` (scalar, only with ``nash``): 1 for the war; 0 holds the tariff unknowns at zero and applies the
    shock's tariffs instead, so that the balancing step of :func:`global_war` is the same program as the
    war (one compiled solver per size, not two).
    """

    lam: jax.Array
    e: jax.Array
    Y: jax.Array
    R: jax.Array
    t0: jax.Array
    sigma: jax.Array
    y_start: jax.Array
    war: jax.Array
    codes: tuple[str, ...] = eqx.field(static=True)
    sectors: tuple[str, ...] = eqx.field(static=True)
    nash: bool = eqx.field(static=True, default=False)
    preferred_method: str = eqx.field(static=True, default="newton")

    @property
    def n(self) -> int:
        return self.Y.shape[0]

    @property
    def meta(self) -> dict[str, Any]:
        return {"model": "tariffwar", "nash": self.nash, "countries": self.n, "sectors": self.e.shape[1],
                "no_intermediates": True, "deficits": "zero"}

    def zero_shock(self) -> Shock:
        """The baseline tariffs (the shock of the balancing step)."""
        return Shock(t=self.t0)

    def with_nash(self) -> TariffWar:
        """The same economy with every country's uniform tariff among the unknowns."""
        X = np.asarray(self.lam) * (np.asarray(self.e) * np.asarray(self.Y)[:, None])[None]
        return TariffWar(
            lam=self.lam, e=self.e, Y=self.Y, R=self.R, t0=self.t0, sigma=self.sigma,
            y_start=jnp.asarray(_start(X, np.asarray(self.t0), np.asarray(self.sigma) - 1.0, True)),
            war=jnp.asarray(1.0),
            codes=self.codes, sectors=self.sectors, nash=True, preferred_method=self.preferred_method,
        )

    # ------------------------------------------------------------------ equations
    def _tariffs(self, y, t) -> jax.Array:
        if not self.nash:
            return jnp.asarray(t)
        tau = y[2 * self.n :]
        off = 1.0 - jnp.eye(self.n)
        return jnp.where(self.war > 0, (tau[None, :] * off)[:, :, None] * jnp.ones_like(self.t0), jnp.asarray(t))

    def _core(self, y, t) -> dict[str, jax.Array]:
        n = self.n
        lw = y[:n]
        wh = jnp.exp(lw)
        Yh = jnp.exp(y[n : 2 * n])
        g = 1.0 - self.sigma
        l1 = jnp.log1p(jnp.asarray(t))
        inv1 = 1.0 / (1.0 + jnp.asarray(t))
        if self.nash:
            tau = y[2 * n :]
            off = 1.0 - jnp.eye(n)
            l1_war = (off * jnp.log1p(tau)[None, :])[:, :, None]  # ln(1 + t'), constant across sectors
            l1 = jnp.where(self.war > 0, l1_war, l1)
            inv1 = jnp.where(self.war > 0, jnp.exp(-l1_war), inv1)
        a = self.lam * jnp.exp(g * (l1 - jnp.log1p(self.t0) + lw[:, None, None]))  # (N, N, S)
        D = a.sum(axis=0)  # P^_ik^(1 - sigma_k)
        lam1 = a / D[None]
        Xn = lam1 * (self.e * (Yh * self.Y)[:, None])[None]  # new spending [j, i, k]
        sales = Xn * inv1
        rev = (Xn - sales).sum(axis=(0, 2))
        lnP = (self.e * jnp.log(D) / g).sum(axis=1)
        return dict(wh=wh, Yh=Yh, D=D, lam1=lam1, Xn=Xn, sales=sales, rev=rev, lnP=lnP)

    def _E(self, lam1, sales):
        """``E_n`` of the optimal-tariff formula and the abroad sales ``S_n`` (N,)."""
        off = (1.0 - jnp.eye(self.n))[:, :, None]
        abroad = sales * off
        S = abroad.sum(axis=(1, 2))
        E = ((self.sigma - 1.0)[None, None, :] * abroad * (1.0 - lam1)).sum(axis=(1, 2)) / S
        return E, S

    def _formula(self, lam1, sales) -> jax.Array:
        """``tau_n = 1 + 1 / max(E_n, 1)`` at the shares ``lam1`` and sales (N,)."""
        return 1.0 + 1.0 / jnp.maximum(self._E(lam1, sales)[0], 1.0)

    def _residual(self, y, t, c=None) -> jax.Array:
        c = self._core(y, t) if c is None else c
        r_w = c["sales"].sum(axis=(1, 2)) / self.R - c["wh"]
        r_norm = (self.R * (c["wh"] - 1.0)).sum() / self.R.sum()
        r_w = r_w.at[-1].set(r_norm)
        r_y = (c["wh"] * self.R + c["rev"]) / self.Y - c["Yh"]
        parts = [r_w, r_y]
        if self.nash:
            target = jnp.where(self.war > 0, self._formula(c["lam1"], c["sales"]) - 1.0, 0.0)
            parts.append(y[2 * self.n :] - target)
        return jnp.concatenate(parts)

    def residual(self, y, shock) -> jax.Array:
        """Scaled residuals: wages over sales ``R``, budgets over ``Y``, tariffs (fractions).

        Forward-mode derivatives in ``y`` use the closed-form Jacobian :meth:`jacobian` (a
        ``custom_jvp``), so a dense Newton step costs ``O(N^3 S)`` instead of ``N`` passes over
        the ``N^2 S`` arrays.
        """
        return _residual(self, y, jnp.asarray(shock.t))

    def jacobian(self, y, t, c=None) -> jax.Array:
        """The Jacobian of the residual with respect to ``y`` in closed form ((2N or 3N) squared)."""
        n = self.n
        c = self._core(y, t) if c is None else c
        s, q, wh = c["sales"], c["lam1"], c["wh"]
        g = (1.0 - self.sigma)[None, None, :]
        eye = jnp.eye(n)
        sg = s * g
        # wage rows (exporter j): d sum_ik s[j,i,k] / d ln w_m, d ln Y_i
        Jw_w = jnp.diag(sg.sum(axis=(1, 2)) / self.R - wh) - jnp.einsum("jik,mik->jm", sg, q) / self.R[:, None]
        Jw_y = s.sum(axis=2) / self.R[:, None]
        # budget rows (importer i): r_y = (w^ R - M) / Y with M_i = sum_jk s[j,i,k]
        s_imp = s.sum(axis=0)  # (i, k)
        dM_w = sg.sum(axis=2).T - jnp.einsum("ik,mik->im", s_imp * g[0], q)
        Jy_w = jnp.diag(wh * self.R / self.Y) - dM_w / self.Y[:, None]
        Jy_y = -jnp.diag(s.sum(axis=(0, 2)) / self.Y)
        norm_w = (self.R * wh / self.R.sum())[None, :]
        if not self.nash:
            Jw_w = jnp.concatenate([Jw_w[:-1], norm_w])
            Jw_y = Jw_y.at[-1].set(0.0)
            return jnp.block([[Jw_w, Jw_y], [Jy_w, Jy_y]])
        off = 1.0 - eye
        h = 1.0 / (1.0 + y[2 * n :])  # 1 / (1 + t'_i)
        qd = jnp.einsum("iik->ik", q)
        o = off[:, :, None] - 1.0 + qd[None]  # d ln lambda'[j,i,k] / d tau_i = g_k h_i o[j,i,k]
        dls_tau = (g * o - off[:, :, None]) * h[None, :, None]  # d ln s[j,i,k] / d tau_i
        war = self.war > 0  # when balancing, the tariff unknowns move nothing and stay zero
        Jw_t = jnp.where(war, (s * dls_tau).sum(axis=2) / self.R[:, None], 0.0)
        Jy_t = jnp.where(war, -jnp.diag((s * dls_tau).sum(axis=(0, 2)) / self.Y), 0.0)
        Jw = jnp.concatenate([jnp.concatenate([Jw_w, Jw_y, Jw_t], axis=1)[:-1],
                              jnp.concatenate([norm_w, jnp.zeros((1, 2 * n))], axis=1)])
        # tariff rows: r_t = tau - 1 / max(E, 1)
        E, S = self._E(q, s)
        cs = (self.sigma - 1.0)[None, None, :]
        so = s * off[:, :, None]
        alpha = so * (cs * (1.0 - 2.0 * q) - E[:, None, None]) / S[:, None, None]
        beta = so * (cs * (1.0 - q) - E[:, None, None]) / S[:, None, None]
        ag = alpha * g
        dE_w = jnp.diag(ag.sum(axis=(1, 2))) - jnp.einsum("nik,mik->nm", ag, q)
        dE_y = beta.sum(axis=2)
        dE_t = ((ag * o).sum(axis=2) - beta.sum(axis=2)) * h[None, :]
        k = jnp.where(E > 1.0, 1.0 / E**2, 0.0)[:, None]
        Jt = jnp.where(war, jnp.concatenate([k * dE_w, k * dE_y, eye + k * dE_t], axis=1),
                       jnp.concatenate([jnp.zeros((n, 2 * n)), eye], axis=1))
        Jy = jnp.concatenate([Jy_w, Jy_y, Jy_t], axis=1)
        return jnp.concatenate([Jw, Jy, Jt])

    def initial_guess(self) -> jax.Array:
        """Baseline wages and incomes; in the war, the formula's tariffs at the baseline shares."""
        return self.y_start

    # ------------------------------------------------------------------ results
    def welfare(self, y, shock) -> jax.Array:
        """``W^_i = Y^_i / P^_i`` (N,), new/old."""
        c = self._core(y, shock.t)
        return c["Yh"] * jnp.exp(-c["lnP"])

    def balanced_spending(self, y, shock) -> jax.Array:
        """The new tariff-inclusive spending ``X' = lambda' e Y^ Y`` ``[exporter, importer, sector]``."""
        return self._core(y, shock.t)["Xn"]

    def outcomes(self, y, shock) -> dict[str, jax.Array]:
        c = self._core(y, shock.t)
        W = c["Yh"] * jnp.exp(-c["lnP"])
        out = {
            "welfare_pct": 100.0 * (W - 1.0),
            "real_wage_pct": 100.0 * (c["wh"] * jnp.exp(-c["lnP"]) - 1.0),
            "wage_pct": 100.0 * (c["wh"] - 1.0),
            "income_pct": 100.0 * (c["Yh"] - 1.0),
            "price_index_pct": 100.0 * jnp.expm1(c["lnP"]),
            "tariff_revenue_share": c["rev"] / (c["Yh"] * self.Y),
            "real_gdp_pct": 100.0 * (c["sales"].sum(axis=(1, 2)) / c["wh"] / self.R - 1.0),
            "income_baseline": self.Y,
            "tariff_revenue": c["rev"],
            "flows_base": self.lam * (self.e * self.Y[:, None])[None] / (1.0 + self.t0),
            "flows_new": c["sales"],
        }
        if self.nash:
            out["nash_tariff"] = y[2 * self.n :]
        return out

    def checks(self, y, shock) -> dict[str, jax.Array]:
        """Accounting errors relative to world expenditure (all ~0 at a solution)."""
        c = self._core(y, shock.t)
        world = (c["Yh"] * self.Y).sum()
        s = c["sales"]
        dom = jnp.einsum("nnk->n", s)
        balance = jnp.max(jnp.abs((s.sum(axis=(1, 2)) - dom) - (s.sum(axis=(0, 2)) - dom))) / world
        wages = jnp.max(jnp.abs(s.sum(axis=(1, 2)) - c["wh"] * self.R)) / world
        spend = jnp.max(jnp.abs(c["Xn"].sum(axis=(0, 2)) - c["Yh"] * self.Y)) / world
        return {"trade_balance": balance, "walras": wages, "income_expenditure": spend}


def from_spending(X, t, eps, codes, sectors, *, nash: bool = False, war: bool = True) -> TariffWar:
    """The model whose baseline is the tariff-inclusive spending ``X`` ``[exporter, importer, sector]``.

    ``t`` applied tariffs (same shape, fraction), ``eps`` (S,) trade elasticities (``sigma = eps + 1``).
    Every importer must spend on every sector (``sum_j X[j, i, k] > 0``). ``war=False`` (with ``nash``):
    the tariff unknowns stay zero and the shock's tariffs apply, the equilibrium of ``nash=False`` in the
    war's unknowns (see :class:`TariffWar`).
    """
    X = np.asarray(X, float)
    t = np.asarray(t, float)
    eps = np.asarray(eps, float)
    n, _, s = X.shape
    tot = X.sum(axis=0)  # (N_i, S)
    if np.any(tot <= 0):
        i, k = (int(v) for v in np.argwhere(tot <= 0)[0])
        raise CalibrationError(f"country {codes[i]}, sector {sectors[k]}: no spending; expenditure shares undefined")
    lam = X / tot[None]
    Y = X.sum(axis=(0, 2))
    R = (X / (1.0 + t)).sum(axis=(1, 2))
    if np.any(R <= 0):
        raise CalibrationError(f"country {codes[int(np.flatnonzero(R <= 0)[0])]}: no sales")
    e = tot / Y[:, None]
    # device_put copies the NumPy arrays as they are; jnp.asarray would compile a small program
    # for every new shape, in every process (a few milliseconds each, dozens per replication)
    f = jax.device_put
    war = bool(nash and war)
    return TariffWar(lam=f(lam), e=f(e), Y=f(Y), R=f(R), t0=f(t), sigma=f(eps + 1.0),
                     y_start=f(_start(X, t, eps, nash, war)), war=f(np.float64(war)), codes=tuple(codes),
                     sectors=tuple(sectors), nash=nash)


def _start(X, t, eps, nash: bool, war: bool = True) -> np.ndarray:
    """Starting point (NumPy): zeros, and in the war ``tau - 1 = 1 / max(E, 1)`` at the baseline."""
    n = X.shape[0]
    if not nash:
        return np.zeros(2 * n)
    if not war:
        return np.zeros(3 * n)
    lam = X / X.sum(axis=0, keepdims=True)
    off = (1.0 - np.eye(n))[:, :, None]
    abroad = X / (1.0 + t) * off
    E = (eps[None, None, :] * abroad * (1.0 - lam)).sum(axis=(1, 2)) / abroad.sum(axis=(1, 2))
    return np.concatenate([np.zeros(2 * n), 1.0 / np.maximum(E, 1.0)])


def from_world(world, *, theta=None, nash: bool = False) -> TariffWar:
    """The model of a sectoral :class:`~tradewar.data.World` (flows at exporter prices, tariffs, ``extras['theta']``)."""
    trade = np.asarray(world.trade, float)
    t = np.asarray(world.tariffs, float)
    eps = np.asarray(world.extras["theta"] if theta is None else theta, float)
    return from_spending(trade * (1.0 + t), t, eps, world.codes, world.sectors, nash=nash)


@dataclass(frozen=True)
class WarResult:
    """The two steps of :func:`global_war`.

    ``balanced`` and ``war`` are the validated :class:`~tradewar.solve.Equilibrium` of each step;
    ``spending_balanced`` (N, N, S) the balanced baseline ``X_bal``; ``welfare_pct`` (N,) the war's
    welfare change against it; ``nash_tariff`` (N,) each country's uniform Nash tariff (fraction);
    ``seconds``: wall time of each step (``balance``, ``nash``).
    """

    codes: tuple[str, ...]
    balanced: Any
    war: Any
    spending_balanced: np.ndarray
    welfare_pct: np.ndarray
    nash_tariff: np.ndarray
    seconds: dict[str, float]


def global_war(X, t, eps, codes, sectors, options=None, *, start=None) -> WarResult:
    """The tariffwar pipeline: balance trade at the applied tariffs, then the Nash tariff war.

    ``X`` (N, N, S) tariff-inclusive spending ``[exporter, importer, sector]``, ``t`` applied tariffs,
    ``eps`` (S,) trade elasticities. ``start``: tariffs of the balanced baseline when they differ from
    ``t`` (e.g. the 2025 US tariffs on top of the data's): step 1 then also moves tariffs from ``t`` to
    ``start``, and the war starts from there. Both steps go through :func:`tradewar.solve.solve_model`
    (dense Newton with the closed-form Jacobian; accounting checked), so a failed solve raises
    :class:`~tradewar.ConvergenceError`.
    """
    import time

    from ..solve import SolverOptions, solve_model

    opts = options or SolverOptions(tol=1e-10, method="newton")
    begin = time.perf_counter()
    # the balancing step in the war's unknowns: both steps run one stored program of this size
    step1 = from_spending(X, t, eps, codes, sectors, nash=True, war=False)
    shock1 = step1.zero_shock() if start is None else Shock(t=_jax.on_device(start, "float64"))
    bal = solve_model(step1, shock1, opts, what="tariffwar: balancing trade")
    t = np.asarray(shock1.t)
    Xb = np.asarray(bal.outcomes["flows_new"]) * (1.0 + t)  # X' = lambda' e Y^ Y, tariff-inclusive
    mid = time.perf_counter()
    step2 = from_spending(Xb, t, eps, codes, sectors, nash=True)
    war = solve_model(step2, step2.zero_shock(), opts, what="tariffwar: Nash tariff war")
    end = time.perf_counter()
    return WarResult(
        codes=tuple(codes), balanced=bal, war=war, spending_balanced=Xb,
        welfare_pct=np.asarray(war.outcomes["welfare_pct"]), nash_tariff=np.asarray(war.outcomes["nash_tariff"]),
        seconds={"balance": mid - begin, "nash": end - mid},
    )


def _is_zero(tree) -> bool:
    leaves = jax.tree_util.tree_leaves(tree, is_leaf=lambda x: isinstance(x, SymbolicZero))
    return all(isinstance(x, SymbolicZero) for x in leaves)


@jax.custom_jvp
def _residual(model: TariffWar, y, t):
    return model._residual(y, t)


@partial(_residual.defjvp, symbolic_zeros=True)
def _residual_jvp(primals, tangents):
    model, y, t = primals
    dmodel, dy, dt = tangents
    c = model._core(y, t)
    r = model._residual(y, t, c)
    out = jnp.zeros_like(r)
    if not isinstance(dy, SymbolicZero):
        out = out + model.jacobian(y, t, c) @ dy
    if not (_is_zero(dmodel) and _is_zero(dt)):
        inst = lambda x, p: jnp.zeros_like(p) if isinstance(x, SymbolicZero) else x  # noqa: E731
        dmodel = jax.tree_util.tree_map(inst, dmodel, model, is_leaf=lambda x: isinstance(x, SymbolicZero))
        _, extra = jax.jvp(lambda m, tt: m._residual(y, tt), (model, t), (dmodel, inst(dt, t)))
        out = out + extra
    return r, out
