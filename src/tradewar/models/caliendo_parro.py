r"""Multi-sector trade model with input-output links: Caliendo & Parro (2015), exact hat algebra.

Caliendo, L. and Parro, F. (2015), "Estimates of the Trade and Welfare Effects of NAFTA",
*Review of Economic Studies* 82(1): 1-44, section 3 (the equilibrium in relative changes)
and section 4 (the welfare decomposition).

Dimensions and units
--------------------
Countries ``n, i`` (N), sectors ``j, k`` (S). Bilateral arrays are ``[exporter i, importer n,
sector j]`` (the project's order; the paper writes ``pi_nij`` importer first). Money is in the
units of the :class:`~tradewar.data.World` it was calibrated from; the numeraire of every
counterfactual is world value added (``sum_n w_n L_n`` is held at its baseline value), so deficits
held "fixed" are fixed as a share of world GDP. A hat ``x^`` is new/old.

Parameters (all from the data, see :func:`calibrate`)
------------------------------------------------------
``theta_j`` trade elasticity; ``gamma_nj`` value-added share of gross output (``va_share``);
``gamma_n^{kj}`` cost share of input sector ``k`` in the gross output of sector ``j``, so that
``gamma_nj + sum_k gamma_n^{kj} = 1`` (stored as ``gio[n, k, j]``; the data extra ``io_shares`` is
the share of ``k`` in the *intermediate* spending of ``j``, columns summing to one as in the
paper's ``IO.txt``, and ``gamma_n^{kj} = io_shares[n, k, j] * (1 - gamma_nj)``); ``alpha_nj`` final
demand shares; baseline trade shares ``pi_inj``, expenditure ``X_nj`` (gross of tariffs), tariffs
``tau_inj`` levied by importer ``n``; value added ``VA_n = w_n L_n``; deficit ``D_n``.

Equilibrium in changes (tariffs ``tau -> tau'``, export taxes ``0 -> x'``)
-----------------------------------------------------------------------
With ``kappa^_inj = (1 + tau'_inj)(1 + x'_inj) / (1 + tau_inj)``::

    c^_ij   = w^_i^{gamma_ij} prod_k P^_ik^{gamma_i^{kj}}                       (input bundle cost)
    P^_nj   = [ sum_i pi_inj (kappa^_inj c^_ij)^(-theta_j) ]^(-1/theta_j)      (sectoral price index)
    pi'_inj = pi_inj (kappa^_inj c^_ij / P^_nj)^(-theta_j)                      (trade shares)
    Y'_ij   = sum_n X'_nj pi'_inj / ((1 + tau'_inj)(1 + x'_inj))                (gross output, producer prices)
    X'_nj   = sum_k gamma_n^{jk} Y'_nk + alpha_nj I'_n                          (goods market clearing)
    I'_n    = w^_n VA_n + sum_ij tau'_inj X'_nj pi'_inj / (1 + tau'_inj)       (income: wages + tariff revenue
              + sum_jm x'_nmj Y-flows_nmj + D'_n                                 + export-tax revenue + deficit)
    w^_n VA_n = sum_j gamma_nj Y'_nj                                            (labour market clearing)
    sum_n w^_n VA_n = sum_n VA_n                                                (numeraire)

Deficit closures (``deficits``)::

    fixed      D'_n = D_n                        (in units of world value added, the numeraire)
    zero       D'_n = 0, after a first solve at the baseline tariffs with D' = 0 whose equilibrium becomes
               the baseline (the paper's two-step; changes are relative to that balanced world)
    gdp_share  D'_n = w^_n VA_n (d_n - dbar'),  d_n = D_n / VA_n,  dbar' = sum_k d_k w^_k VA_k / sum_k w^_k VA_k
               (a constant share of the country's value added; ``dbar'``, 0 at the baseline, keeps world
               deficits summing to zero)

These are the paper's equilibrium conditions in relative changes (section 3.1), with trade
balance written as labour-market clearing (equivalent given the expenditure equations; one
of the N conditions is redundant by Walras' law and the numeraire closes the system).

Export taxes (``Shock.x``) are the ad-valorem equivalent of an export tax or of an export
control: a wedge between the price the importer pays (before its tariff) and the producer
price. Their revenue accrues to the exporting country's income as a lump sum, like tariff
revenue to the importer. The baseline has no export taxes.

Unknowns ``y = [ln w^ (N), ln P^ (N*S), (X'_nj - X_nj) / X_n (N*S)]`` (zeros = baseline); each
residual is relative (prices in logs, expenditure over the country's total expenditure, labour
market over value added). Newton steps are matrix-free (``preferred_method = "newton_krylov"``):
every array is at most ``N^2 S`` or ``N S^2`` elements.

Welfare and its decomposition (section 4)
-----------------------------------------
``W^_n = I^_n / P^_n`` with ``P_n = prod_j P_nj^{alpha_nj}`` (real income). Its exact
differential is the paper's decomposition::

    I_n dln W_n = sum_j sum_i [E_nij dln c_nj - M_nij dln c_ij]          (terms of trade)
                + sum_j sum_i tau_nij M_nij (dln M_nij - dln c_ij)      (volume of trade)

(E exports of n to i, M imports of n from i, at producer prices; with export taxes the
terms of trade use f.o.b. prices ``c (1 + x)`` and the volume of trade gains the term
``x E (dln E - dln c)``).

Outcomes give it in two forms:

* ``tot_pct``, ``vot_pct`` (and ``*_by_partner_pct`` (N, N) ``[country, partner]``,
  ``*_by_sector_pct`` (N, S)): **the paper's form**, discrete changes with baseline weights,
  ``ToT_n = sum_ij [E_nij (c^_nj - 1) - M_nij (c^_ij - 1)] / I_n`` and
  ``VoT_n = sum_ij tau_nij M_nij (M^_nij - c^_ij) / I_n``; their sum ``welfare_cp_pct`` is the
  welfare change the paper's tables report (for NAFTA it reproduces the published figures).
  It is a first-order approximation: with large tariff cuts it can differ a lot from the
  exact change (Mexico: 1.31% against an exact real-income change of about 0.0%).
* ``welfare_pct`` is the exact change of real income; with ``decomposition_nodes > 0`` the
  differential is integrated exactly along the straight path from the old to the new policy
  (Gauss-Legendre nodes, each an equilibrium and its tangent by implicit differentiation):
  ``tot_exact_pct`` + ``vot_exact_pct`` = ``welfare_pct`` (log parts scaled by
  ``(W^ - 1) / ln W^``), ``decomposition_gap`` = quadrature error of ln W^.

Real GDP and money
------------------
``real_gdp_pct`` is value added in quantities valued at baseline prices (double deflation): gross output
deflated by the cost of the input bundle (the producer price at baseline productivity), less intermediate
inputs deflated by their sectoral price indices, summed over sectors::

    real GDP^_n = sum_j [Y'_nj / c^_nj - sum_k gamma_n^{kj} Y'_nj / P^_nk] / VA_n

Labour is fixed and paid the same in every sector, so it is 0 without intermediates and 0 to first
order with them; it moves (at second order) as sectors use more or fewer inputs per worker. Money in the
World's units: ``income_baseline`` (N,) the baseline income ``I_n`` that welfare deflates (the equivalent
variation is ``welfare_pct / 100 * income_baseline``), ``tariff_revenue`` (N,) the new tariff revenue,
``flows_base`` (N, N, S) the baseline flows at producer prices that ``flows_new`` is compared with (the
balanced world's with ``deficits = "zero"``).

Examples
--------
>>> import numpy as np
>>> from tradewar.data._world import World
>>> from tradewar.solve import Shock, solve_model
>>> rng = np.random.default_rng(0)
>>> w = World(codes=("AAA", "BBB", "CCC"), trade=rng.uniform(1, 2, (3, 3, 2)), gdp=np.ones(3),
...           extras={"theta": np.array([4.0, 6.0])})
>>> m = calibrate(w)
>>> m.no_intermediates
True
>>> eq = solve_model(m, Shock(t=np.asarray(m.t0)))
>>> bool(np.allclose(eq.outcomes["welfare_pct"], 0.0, atol=1e-10))
True
"""

from __future__ import annotations

from typing import Any, ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import _jax  # float64; the baseline guess
from .._exceptions import CalibrationError
from .._jax import on_device
from ..policy._shock import PreparedShock, policy_arrays
from ..solve import Shock, accepted, find_root, root_of
from ._balances import deficit_change_pct

__all__ = ["CaliendoParro", "calibrate", "final_demand_shares", "rebase"]

_EPS = 1e-300
#: Input-output shares may fall below zero by rounding, down to ``-IO_SHARE_ROUNDING`` (the published
#: Caliendo-Parro table holds one share of -0.00085); anything more negative is an error in the data.
IO_SHARE_ROUNDING = 1e-3


class CaliendoParro(eqx.Module):
    """Calibrated Caliendo-Parro model (frozen). Build it with :func:`calibrate`.

    Arrays (float64): ``theta`` (S,), ``gva`` (N, S) value-added shares, ``gio`` (N, S_in, S_out)
    cost shares of inputs in gross output, ``alpha`` (N, S), ``pi`` (N, N, S) baseline trade shares
    ``[exporter, importer, sector]``, ``t0`` (N, N, S) baseline tariffs, ``X`` (N, S) baseline
    expenditure gross of tariffs, ``VA`` (N,), ``D`` (N,) baseline deficits, ``D_new`` (N,)
    deficits imposed in the counterfactual (``D`` when fixed, zeros when zero; unused with
    ``gdp_share``, whose deficits follow value added: :meth:`deficits_new`).
    """

    theta: jax.Array
    gva: jax.Array
    gio: jax.Array
    alpha: jax.Array
    pi: jax.Array
    t0: jax.Array
    X: jax.Array
    VA: jax.Array
    D: jax.Array
    D_new: jax.Array
    codes: tuple[str, ...] = eqx.field(static=True)
    sectors: tuple[str, ...] = eqx.field(static=True)
    no_intermediates: bool = eqx.field(static=True, default=False)
    deficits: str = eqx.field(static=True, default="fixed")
    decomposition_nodes: int = eqx.field(static=True, default=0)
    tol: float = eqx.field(static=True, default=1e-11)
    preferred_method: str = eqx.field(static=True, default="newton_krylov")
    #: Policies may set export taxes (``Shock.x``): the solver passes them as an array, zeros for none.
    export_tax_policy: ClassVar[bool] = True

    # ------------------------------------------------------------------ sizes and baseline
    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def s(self) -> int:
        return self.X.shape[1]

    @property
    def meta(self) -> dict[str, Any]:
        """Metadata a result can report (no intermediates, deficit treatment, sizes)."""
        return {
            "model": "caliendo_parro",
            "no_intermediates": self.no_intermediates,
            "deficits": self.deficits,
            "countries": self.n,
            "sectors": self.s,
        }

    def _scale(self):
        return jnp.maximum(self.X.sum(axis=1), _EPS)

    def flows(self) -> jax.Array:
        """Baseline flows at producer prices ``[exporter, importer, sector]``."""
        return self.pi * self.X[None, :, :] / (1.0 + self.t0)

    def gross_output(self) -> jax.Array:
        return self.flows().sum(axis=1)

    def income(self) -> jax.Array:
        rev = (self.pi * self.X[None] * self.t0 / (1.0 + self.t0)).sum(axis=(0, 2))
        return self.VA + rev + self.D

    def initial_guess(self) -> jax.Array:
        return _jax.zeros(self.n + 2 * self.n * self.s)

    def zero_shock(self) -> Shock:
        """The baseline policy (no change): baseline tariffs, no export taxes."""
        return Shock(t=self.t0)

    # ------------------------------------------------------------------ equations
    def _unpack(self, y):
        n, s = self.n, self.s
        u = y[:n]
        p = y[n : n + n * s].reshape(n, s)
        e = y[n + n * s :].reshape(n, s)
        return u, p, e

    def _tariff_arrays(self, shock):
        """The (N, N, S) arrays of the equations that depend on the policy only: ``A = pi kappa^-theta``, the
        producer-price flows per unit ``A / ((1+t)(1+x))``, ``A t/(1+t)`` and ``x A / ((1+t)(1+x))``."""
        t1 = jnp.asarray(shock.t)
        x1 = jnp.zeros_like(t1) if shock.x is None else jnp.asarray(shock.x)
        kap = (1.0 + t1) * (1.0 + x1) / (1.0 + self.t0)
        A = self.pi * kap ** (-self.theta)  # pi_inj kappa^-theta   (N, N, S)
        prod = A / ((1.0 + t1) * (1.0 + x1))  # producer-price wedge
        return t1, x1, A, prod, A * (t1 / (1.0 + t1)), prod * x1

    def prepare_shock(self, shock):
        """``shock`` with :meth:`_tariff_arrays` computed once, for the many evaluations of one solve.

        The solver calls it once for each policy it solves at and passes the result as the shock to this
        model's residual, which then gives exactly what it gives with ``shock``; inside the solver's nested
        loops these arrays (a power over (N, N, S)) were otherwise computed at several places per solve.
        """
        return PreparedShock.of(shock, self._tariff_arrays)

    def _core(self, y, shock) -> dict[str, jax.Array]:
        u, p, e = self._unpack(y)
        theta = self.theta
        t1, x1, A, prod, A_rev, prod_x = policy_arrays(shock, self._tariff_arrays)
        lc = self.gva * u[:, None] + jnp.einsum("nkj,nk->nj", self.gio, p)  # ln c^ (N, S)
        b = jnp.exp(-theta * lc)  # c^_ij^-theta
        Q = jnp.einsum("inj,ij->nj", A, b)  # P^_nj^-theta
        Xn = self.X + e * self._scale()[:, None]  # X'_nj
        z = Xn / Q
        Yn = b * jnp.einsum("inj,nj->ij", prod, z)  # Y'_ij
        Rt = jnp.einsum("inj,ij,nj->n", A_rev, b, z)
        Rx = jnp.einsum("inj,ij,nj->i", prod_x, b, z)
        wh = jnp.exp(u)
        Dn = self.deficits_new(wh)
        In = wh * self.VA + Rt + Rx + Dn
        return dict(u=u, p=p, lc=lc, b=b, Q=Q, Xn=Xn, z=z, prod=prod, A=A, Yn=Yn, Rt=Rt, Rx=Rx, In=In, wh=wh,
                    t1=t1, x1=x1, Dn=Dn)

    def deficit_shares(self) -> jax.Array:
        """Baseline trade deficit over value added, ``D_n / VA_n`` (N,): negative for a surplus."""
        return self.D / self.VA

    def deficits_new(self, wh) -> jax.Array:
        """The counterfactual deficits ``D'`` (N,) given the wage changes ``w^`` (N,) (module docstring)."""
        if self.deficits == "gdp_share":
            va1 = wh * self.VA
            d = self.D / self.VA
            return va1 * (d - (d * va1).sum() / va1.sum())
        return self.D_new

    def residual(self, y, shock) -> jax.Array:
        c = self._core(y, shock)
        r_p = c["p"] + jnp.log(c["Q"]) / self.theta
        inter = jnp.einsum("njk,nk->nj", self.gio, c["Yn"])
        r_x = (c["Xn"] - inter - self.alpha * c["In"][:, None]) / self._scale()[:, None]
        va_new = c["wh"] * self.VA
        tot_va = self.VA.sum()
        r_w = ((self.gva * c["Yn"]).sum(axis=1) - va_new) / self.VA + (va_new.sum() - tot_va) / tot_va
        return jnp.concatenate([r_w, r_p.ravel(), r_x.ravel()])

    def flows_new(self, y, shock) -> jax.Array:
        c = self._core(y, shock)
        return c["prod"] * c["b"][:, None, :] * c["z"][None, :, :]

    def welfare(self, y, shock) -> jax.Array:
        """Real income change ``W^_n = I^_n / P^_n`` (N,), new/old."""
        c = self._core(y, shock)
        lp = (self.alpha * c["p"]).sum(axis=1)
        return c["In"] / self.income() * jnp.exp(-lp)

    # ------------------------------------------------------------------ accounting
    def checks(self, y, shock) -> dict[str, jax.Array]:
        """Accounting errors relative to world expenditure (all ~0 at a solution)."""
        c = self._core(y, shock)
        world = c["Xn"].sum()
        f = c["prod"] * c["b"][:, None, :] * c["z"][None, :, :]
        sales = f.sum(axis=1)  # producer revenue by (exporter, sector)
        inter = jnp.einsum("njk,nk->nj", self.gio, c["Yn"])
        # sectoral market clearing: expenditure on (n, j) = sum of what sources receive + taxes
        gross = (c["A"] * c["b"][:, None, :] * c["z"][None, :, :])  # X' pi' by (i, n, j)
        mc = jnp.max(jnp.abs(gross.sum(axis=0) - c["Xn"])) / world
        supply = jnp.max(jnp.abs(sales - c["Yn"])) / world
        # income = expenditure: total spending = intermediates + final = income + intermediates
        inc_exp = jnp.max(jnp.abs(c["Xn"].sum(axis=1) - inter.sum(axis=1) - c["In"])) / world
        # labour income = value added of production; trade balance = deficit
        lab = jnp.max(jnp.abs((self.gva * c["Yn"]).sum(axis=1) - c["wh"] * self.VA)) / world
        imports = f.sum(axis=(0, 2)) - jnp.einsum("nnj->n", f)
        exports_fob = (f * (1.0 + c["x1"])).sum(axis=(1, 2)) - jnp.einsum("nnj->n", f)
        imports_fob = (f * (1.0 + c["x1"])).sum(axis=(0, 2)) - jnp.einsum("nnj->n", f)
        del imports
        walras = jnp.abs(c["Dn"].sum()) / world + jnp.max(
            jnp.abs(imports_fob - exports_fob - c["Dn"])
        ) / world
        return {
            "market_clearing": jnp.maximum(mc, supply),
            "income_expenditure": inc_exp,
            "labour_market": lab,
            "walras": walras,
        }

    def admissibility(self, y, shock) -> dict[str, jax.Array]:
        """Margins that are positive in an economically possible equilibrium.

        Wages, income and real income hats (N,); total expenditure ``sum_j X'_nj`` relative to the
        baseline (N,); sectoral expenditure shares ``X'_nj / sum_j X'_nj`` in [0, 1]
        (:func:`tradewar.solve.share_margin`, smallest over sectors, (N,)).
        """
        from ..solve import share_margin

        c = self._core(y, shock)
        lp = (self.alpha * c["p"]).sum(axis=1)
        income = c["In"] / self.income()
        total = c["Xn"].sum(axis=1)
        return {
            "wage": c["wh"],
            "income": income,
            "real_income": income * jnp.exp(-lp),
            "expenditure": total / self._scale(),
            "expenditure_shares": jnp.min(share_margin(c["Xn"] / total[:, None]), axis=1),
        }

    # ------------------------------------------------------------------ outcomes
    def outcomes(self, y, shock) -> dict[str, jax.Array]:
        """Per-country (N,), per country-sector (N, S) and bilateral outcomes (see module doc)."""
        c = self._core(y, shock)
        f_new = c["prod"] * c["b"][:, None, :] * c["z"][None, :, :]
        f_old = self.flows()
        lp = (self.alpha * c["p"]).sum(axis=1)
        I0 = self.income()
        W = c["In"] / I0 * jnp.exp(-lp)
        Y0 = self.gross_output()
        off = 1.0 - jnp.eye(self.n)[:, :, None]
        ex0 = (f_old * off).sum(axis=(1, 2))
        im0 = (f_old * off).sum(axis=(0, 2))
        ex1 = (f_new * off).sum(axis=(1, 2))
        im1 = (f_new * off).sum(axis=(0, 2))
        va1 = c["wh"] * self.VA
        out = {
            "welfare_pct": 100.0 * (W - 1.0),
            "real_wage_pct": 100.0 * (c["wh"] * jnp.exp(-lp) - 1.0),
            "wage_pct": 100.0 * (c["wh"] - 1.0),
            "price_index_pct": 100.0 * jnp.expm1(lp),
            "income_pct": 100.0 * (c["In"] / I0 - 1.0),
            "tariff_revenue_share": c["Rt"] / c["In"],
            "export_tax_revenue_share": c["Rx"] / c["In"],
            "exports_gdp_change_pct": 100.0 * ((ex1 / va1) / (ex0 / self.VA) - 1.0),
            "imports_gdp_change_pct": 100.0 * ((im1 / va1) / (im0 / self.VA) - 1.0),
            "deficit_change_pct": deficit_change_pct(self.D, c["Dn"], self.VA),
            "balance_gdp_change_pp": 100.0 * ((ex1 - im1) / va1 - (ex0 - im0) / self.VA),
            "sector_price_pct": 100.0 * jnp.expm1(c["p"]),
            "gross_output_pct": 100.0 * jnp.where(Y0 > 0, c["Yn"] / jnp.where(Y0 > 0, Y0, 1.0) - 1.0, 0.0),
            # labour is the one factor and its cost share of gross output is fixed: L^_nj = Y^_nj / w^_n
            "sector_employment_pct": 100.0 * jnp.where(
                Y0 > 0, c["Yn"] / jnp.where(Y0 > 0, Y0, 1.0) / c["wh"][:, None] - 1.0, 0.0),
            "real_gdp_pct": 100.0 * (self.real_value_added(c) / self.VA - 1.0),
            "income_baseline": I0,
            "tariff_revenue": c["Rt"],
            "flows_base": f_old,
            "flows_new": f_new,
        }
        # the paper's decomposition (discrete changes, baseline weights), as its tables report it
        x1 = c["x1"]
        ch = jnp.exp(c["lc"])
        p_fob = ch[:, None, :] * (1.0 + x1)  # c^ (1 + x') of (exporter, importer, sector)
        T = f_old * (p_fob - 1.0)
        tot = (T - jnp.swapaxes(T, 0, 1)) / I0[:, None, None]  # [n, partner, sector]
        M1_fob = f_new * (1.0 + x1)
        vot = jnp.swapaxes(self.t0 * (M1_fob - f_old * p_fob), 0, 1) / I0[:, None, None]
        out.update(
            {
                "tot_pct": 100.0 * tot.sum(axis=(1, 2)),
                "vot_pct": 100.0 * vot.sum(axis=(1, 2)),
                "welfare_cp_pct": 100.0 * (tot + vot).sum(axis=(1, 2)),
                "tot_by_partner_pct": 100.0 * tot.sum(axis=2),
                "vot_by_partner_pct": 100.0 * vot.sum(axis=2),
                "tot_by_sector_pct": 100.0 * tot.sum(axis=1),
                "vot_by_sector_pct": 100.0 * vot.sum(axis=1),
            }
        )
        if self.decomposition_nodes > 0:
            out.update(self.decomposition(y, shock))
        return out

    def real_value_added(self, c) -> jax.Array:
        """Value added at baseline prices (N,), World units: gross output over ``c^`` less inputs over ``P^``."""
        go = (c["Yn"] * jnp.exp(-c["lc"])).sum(axis=1)
        inputs = jnp.einsum("nkj,nj,nk->n", self.gio, c["Yn"], jnp.exp(-c["p"]))
        return go - inputs

    def decomposition(self, y, shock) -> dict[str, jax.Array]:
        """Terms-of-trade and volume-of-trade parts of the welfare change, total, by partner and by sector.

        Exact integral of the paper's differential decomposition along the straight path of
        policies from the baseline to ``shock`` (see the module docstring). Returns percent
        contributions that add up to ``welfare_pct``: ``tot_exact_pct``, ``vot_exact_pct`` (N,),
        ``tot_exact_by_partner_pct``, ``vot_exact_by_partner_pct`` (N, N) ``[country, partner]``,
        ``tot_exact_by_sector_pct``, ``vot_exact_by_sector_pct`` (N, S), and ``decomposition_gap``
        (N,), ln W^ minus the sum of the log parts (quadrature error).
        """
        t1 = jnp.asarray(shock.t)
        x1 = jnp.zeros_like(t1) if shock.x is None else jnp.asarray(shock.x)
        nodes, weights = np.polynomial.legendre.leggauss(self.decomposition_nodes)
        s_nodes = jnp.asarray(0.5 * (nodes + 1.0))
        w_nodes = jnp.asarray(0.5 * weights)
        y_sol = jax.lax.stop_gradient(y)

        def state(s, y_guess):
            sh = Shock(t=self.t0 + s * (t1 - self.t0), x=s * x1)
            ys = find_root(self.residual, y_guess, sh, self.tol, 60, self.preferred_method).value
            c = self._core(ys, sh)
            f = c["prod"] * c["b"][:, None, :] * c["z"][None, :, :]  # producer-price flows
            return f, c["lc"], c["In"], sh.t, sh.x

        def integrand(s):
            y_guess = s * y_sol
            (f, lc, I_, t_, x_), (df, dlc, _, _, dx_) = jax.jvp(
                lambda ss: state(ss, y_guess), (s,), (jnp.ones_like(s),)
            )
            V = f * (1.0 + x_)  # f.o.b. values
            dV = df * (1.0 + x_) + f * dx_
            dlp = dlc[:, None, :] + dx_ / (1.0 + x_)  # dln f.o.b. price of (exporter, importer, sector)
            T = V * dlp
            tot = T - jnp.swapaxes(T, 0, 1)  # [n, i, j]: exports of n to i minus imports of n from i
            m_term = t_ * (dV - V * dlp)  # tariff part, indexed [exporter i, importer n, j]
            x_term = x_ * (df - f * dlc[:, None, :])  # export-tax part, [exporter n, importer i, j]
            vot = jnp.swapaxes(m_term, 0, 1) + x_term  # [n, partner, j]
            return tot / I_[:, None, None], vot / I_[:, None, None]

        tot_g, vot_g = jax.vmap(integrand)(s_nodes)
        tot = jnp.tensordot(w_nodes, tot_g, axes=1)  # (N, N, S) log contributions
        vot = jnp.tensordot(w_nodes, vot_g, axes=1)
        lw = jnp.log(self.welfare(y, shock))
        factor = jnp.where(jnp.abs(lw) > 1e-12, jnp.expm1(lw) / jnp.where(jnp.abs(lw) > 1e-12, lw, 1.0), 1.0 + lw / 2)
        k = 100.0 * factor[:, None]
        return {
            "tot_exact_pct": k[:, 0] * tot.sum(axis=(1, 2)),
            "vot_exact_pct": k[:, 0] * vot.sum(axis=(1, 2)),
            "tot_exact_by_partner_pct": k * tot.sum(axis=2),
            "vot_exact_by_partner_pct": k * vot.sum(axis=2),
            "tot_exact_by_sector_pct": k * tot.sum(axis=1),
            "vot_exact_by_sector_pct": k * vot.sum(axis=1),
            "decomposition_gap": lw - tot.sum(axis=(1, 2)) - vot.sum(axis=(1, 2)),
        }


# ---------------------------------------------------------------------------- calibration


def final_demand_shares(X, Y, gio, VA, R, D):
    """Final-demand shares as Caliendo & Parro build them.

    ``alpha_nj = (X_nj - sum_k gamma_n^{jk} Y_nk) / I_n`` with ``I_n = VA_n + R_n + D_n`` (value added
    plus tariff revenue minus the trade surplus); negative shares are set to zero and the rest
    renormalised to sum to one. ``X`` (N, S) expenditure gross of tariffs, ``Y`` (N, S) gross
    output, ``gio`` (N, S_in, S_out) cost shares in gross output.

    Examples
    --------
    >>> import numpy as np
    >>> a = final_demand_shares(np.array([[3.0, 1.0]]), np.array([[2.0, 2.0]]), np.zeros((1, 2, 2)),
    ...                         np.array([4.0]), np.array([0.0]), np.array([0.0]))
    >>> a.tolist()
    [[0.75, 0.25]]
    """
    X = np.asarray(X, float)
    inter = np.einsum("njk,nk->nj", np.asarray(gio, float), np.asarray(Y, float))
    income = np.asarray(VA, float) + np.asarray(R, float) + np.asarray(D, float)
    a = (X - inter) / income[:, None]
    a = np.where(a > 0, a, 0.0)
    tot = a.sum(axis=1, keepdims=True)
    if np.any(tot <= 0):
        bad = int(np.flatnonzero(tot[:, 0] <= 0)[0])
        raise CalibrationError(f"country {bad}: no positive final demand (expenditure below intermediate use)")
    return a / tot


def _world_arrays(world):
    """Arrays of a sectoral World: flows, tariffs, theta, value-added and IO shares, alpha."""
    from .._exceptions import DataError

    trade = np.asarray(world.trade, float)
    if trade.ndim == 2:
        trade = trade[:, :, None]
        tariffs = np.asarray(world.tariffs, float)[:, :, None]
        sectors = ("all",)
    else:
        tariffs = np.asarray(world.tariffs, float)
        sectors = tuple(world.sectors)
    n, _, s = trade.shape
    ex = dict(world.extras)
    if "theta" not in ex:
        if world.trade.ndim == 2:
            raise DataError(f"model 'caliendo_parro' needs sectoral data (flows by sector, input-output shares, trade "
                            f"elasticities by sector); these data have {world.n} countries and one sector: give a "
                            "sectoral dataset (an ADB-MRIO or OECD ICIO folder, world2022s) or a one-sector model")
        raise DataError("World: field 'extras.theta' (trade elasticity by sector) is missing")
    theta = np.asarray(ex["theta"], float)
    if theta.ndim > 1 or theta.size not in (1, s):
        raise DataError(f"World: field 'extras.theta': {theta.size} trade elasticities for a world of {s} sectors; "
                        f"give one number or {s} (one per sector, in the world's order)")
    theta = np.broadcast_to(theta.reshape(-1), (s,)).copy()
    bad = np.flatnonzero(~np.isfinite(theta) | (theta <= 0))
    if bad.size:
        raise DataError(f"World: field 'extras.theta', sector {sectors[bad[0]]}: must be positive, got {theta[bad[0]]}")
    no_inter = "io_shares" not in ex
    if no_inter:
        gva = np.ones((n, s))
        gio = np.zeros((n, s, s))
    else:
        gva = np.asarray(ex["va_share"], float).reshape(n, s)
        io = np.asarray(ex["io_shares"], float).reshape(n, s, s)
        if np.any(~np.isfinite(gva) | (gva <= 0) | (gva > 1)):
            k = np.argwhere(~np.isfinite(gva) | (gva <= 0) | (gva > 1))[0]
            raise DataError(
                f"World: field 'extras.va_share', country {world.codes[k[0]]}, sector {sectors[k[1]]}: "
                f"must be in (0, 1], got {gva[tuple(k)]}"
            )
        colsum = io.sum(axis=1)
        ok = (np.abs(colsum - 1) <= 1e-5) | ((colsum == 0) & (gva >= 1))
        negative = ~np.isfinite(io) | (io < -IO_SHARE_ROUNDING)
        if np.any(negative) or not np.all(ok):
            k = np.argwhere(negative)[0][[0, 2]] if np.any(negative) else np.argwhere(~ok)[0]
            raise DataError(
                f"World: field 'extras.io_shares', country {world.codes[k[0]]}, output sector {sectors[k[1]]}: "
                f"input shares must be >= 0 (rounding down to -{IO_SHARE_ROUNDING:g} is tolerated) and sum to one "
                "over input sectors (or to zero where va_share is 1)"
            )
        io = io / np.where(colsum > 0, colsum, 1.0)[:, None, :]  # exact normalisation (data round to 1e-6)
        gio = io * (1.0 - gva)[:, None, :]
    return trade, tariffs, theta, gva, gio, no_inter, sectors, ex


def _build(trade, tariffs, theta, gva, gio, alpha, codes, sectors, *, no_inter, deficits, D_new=None, **kw):
    """A model whose baseline is the given flows (no equilibrium check)."""
    n, _, s = trade.shape
    X = (trade * (1.0 + tariffs)).sum(axis=0)  # expenditure gross of tariffs (N, S)
    pi = np.where(X[None] > 0, trade * (1.0 + tariffs) / np.where(X[None] > 0, X[None], 1.0), 0.0)
    empty = X <= 0  # no expenditure on a sector: domestic share 1 (any share would do)
    if np.any(empty):
        idx = np.arange(n)
        pi[idx[:, None], idx[:, None], np.arange(s)[None, :]] += np.where(empty, 1.0, 0.0)
    Y = trade.sum(axis=1)
    VA = (gva * Y).sum(axis=1)
    if np.any(VA <= 0):
        bad = int(np.flatnonzero(VA <= 0)[0])
        raise CalibrationError(f"country {codes[bad]}: no value added (no production in the data)")
    D = trade.sum(axis=(0, 2)) - trade.sum(axis=(1, 2))
    D_new = D if D_new is None else D_new
    f = lambda a: on_device(a, "float64")  # noqa: E731
    return CaliendoParro(
        theta=f(theta), gva=f(gva), gio=f(gio), alpha=f(alpha), pi=f(pi), t0=f(tariffs), X=f(X), VA=f(VA),
        D=f(D), D_new=f(D_new), codes=tuple(codes), sectors=tuple(sectors), no_intermediates=no_inter,
        deficits=deficits, **kw,
    )


@eqx.filter_jit
def _residual_at(model, y, shock):
    return model.residual(y, shock)


@eqx.filter_jit
def _flows_at(model, y, shock):
    return model.flows_new(y, shock)


def rebase(model: CaliendoParro, y, shock) -> CaliendoParro:
    """A model whose baseline is the equilibrium ``y`` of ``model`` under ``shock`` (its flows,
    tariffs and deficits ``D_new``); used for the zero-deficit two-step and to make an
    inconsistent data baseline an equilibrium."""
    f = np.asarray(_flows_at(model, y, shock))
    t = np.asarray(shock.t)
    if shock.x is not None and np.any(np.asarray(shock.x) != 0):
        raise CalibrationError("rebase: a baseline with export taxes is not supported")
    D_new = np.asarray(model.D_new)
    return _build(
        f, t, np.asarray(model.theta), np.asarray(model.gva), np.asarray(model.gio), np.asarray(model.alpha),
        model.codes, model.sectors, no_inter=model.no_intermediates, deficits=model.deficits, D_new=D_new,
        decomposition_nodes=model.decomposition_nodes, tol=model.tol, preferred_method=model.preferred_method,
    )


def calibrate(
    world,
    *,
    deficits: str = "fixed",
    decomposition_nodes: int = 0,
    tol: float = 1e-11,
    method: str = "newton_krylov",
    intermediates: bool = True,
) -> CaliendoParro:
    """Calibrate the Caliendo-Parro model to a sectoral :class:`~tradewar.data.World`.

    Parameters
    ----------
    world : ``trade`` ``[exporter, importer, sector]`` at producer prices (net of tariffs, diagonal =
        domestic sales), ``tariffs`` (same shape, levied by the importer, fraction), and ``extras``:
        ``theta`` (S,) trade elasticities (required); ``va_share`` (N, S) value-added share of gross
        output and ``io_shares`` (N, S_in, S_out), share of input ``k`` in the intermediate spending
        of sector ``j`` (sums to one over ``k``). Without ``io_shares`` the model has no intermediate
        inputs (gamma = 1) and ``model.no_intermediates`` is True. Optional ``alpha`` (N, S):
        final-demand shares (otherwise built as the paper does, :func:`final_demand_shares`).
        A one-sector world (N, N) is treated as S = 1.
    deficits : ``"fixed"`` - deficits held at their baseline value (in units of world value added);
        ``"zero"`` - the paper's two-step: a first solve removes all deficits at baseline tariffs and
        the returned model's baseline is that equilibrium (changes are relative to it);
        ``"gdp_share"`` - each deficit a constant share of the country's value added (module docstring).
    decomposition_nodes : Gauss-Legendre nodes of the welfare decomposition (0 = skip it).
    tol : tolerance of the solves made here and in the decomposition.
    method : solver method of the model (``preferred_method``), see :class:`tradewar.solve.SolverOptions`.
    intermediates : use the input-output table of the data (``va_share``, ``io_shares``) when it has
        one (default); ``False`` drops it (and the data's final-demand shares ``alpha``, which
        exclude intermediate use): value added = gross output (gamma = 1), no input-output links,
        ``model.no_intermediates`` True.

    When the data are not an exact equilibrium (negative final-demand shares set to zero, as in
    the paper), a first solve at baseline policies makes them one; zero shocks then return ones.
    """
    from .._exceptions import ConvergenceError
    from ..data._world import require_world

    require_world(world, "caliendo_parro.calibrate")
    if not isinstance(intermediates, bool):
        raise CalibrationError(f"calibrate: intermediates must be True or False, got {intermediates!r}")
    if not intermediates:
        world = world.replace(extras={k: v for k, v in world.extras.items() if k not in ("va_share", "io_shares", "alpha")})
    if deficits not in ("fixed", "zero", "gdp_share"):
        raise CalibrationError(f"calibrate: deficits must be 'fixed', 'zero' or 'gdp_share', got {deficits!r}")
    trade, tariffs, theta, gva, gio, no_inter, sectors, ex = _world_arrays(world)
    n, _, s = trade.shape
    Y = trade.sum(axis=1)
    X = (trade * (1.0 + tariffs)).sum(axis=0)
    R = (trade * tariffs).sum(axis=(0, 2))
    VA = (gva * Y).sum(axis=1)
    D = trade.sum(axis=(0, 2)) - trade.sum(axis=(1, 2))
    if "alpha" in ex:
        alpha = np.asarray(ex["alpha"], float).reshape(n, s)
    else:
        alpha = final_demand_shares(X, Y, gio, VA, R, D)
    kw = dict(decomposition_nodes=decomposition_nodes, tol=tol, preferred_method=method)
    model = _build(trade, tariffs, theta, gva, gio, alpha, world.codes, sectors, no_inter=no_inter,
                   deficits=deficits, D_new=np.zeros(n) if deficits == "zero" else None, **kw)
    shock = model.zero_shock()
    r0 = np.max(np.abs(np.asarray(_residual_at(model, model.initial_guess(), shock))))
    if r0 > tol:
        root = root_of(model, model.initial_guess(), shock, tol, 60, method)  # the stored solver program
        res = float(root.max_residual)
        # the baseline is rebased on this root, so it is accepted a little above the solve tolerance
        if not accepted(res, int(root.result_code), tol * 10, finite=bool(np.isfinite(np.asarray(root.value)).all())):
            raise ConvergenceError(
                f"calibrate: the baseline equilibrium ({'zero deficits' if deficits == 'zero' else 'data'}) "
                f"did not converge (max residual {res:.3g})"
            )
        model = rebase(model, root.value, shock)
    return model
