r"""One-sector exact hat algebra: the model family of Ignatenko, Macedoni, Lashkaripour & Simonovska (2025).

"Making America Great Again? The Economic Impacts of Liberation Day Tariffs", Journal of
International Economics. The textbook Armington / Eaton–Kortum model is the special case
``kappa = psi = nu = 0, phi = 1`` (:func:`armington`).

Notation (dimension order ``[exporter j, importer i]``; money in the World's units):
``X[j,i]`` flow from ``j`` to ``i`` at exporter prices; ``E_i`` expenditure (gross of tariffs);
``Y_i`` income; ``lambda_[j,i] = (1+t0[j,i]) X[j,i] / E_i``; ``t[j,i]`` the tariff importer ``i``
levies on ``j`` (fraction); hats are new/old ratios.

Parameters: ``eps`` trade elasticity; ``kappa`` labour-supply elasticity; ``psi`` scale
elasticity; ``nu_i`` profit share; ``phi_i`` tariff pass-through / markup term; revenue use
``income_tax`` (tariff revenue cuts income taxes) or ``lump_sum``; ``T_i = E_i - Y_i - R0_i`` the baseline
deficit (spending beyond income and tariff revenue: imports minus exports when ``nu = 0``) and ``D'_i`` the
deficit of the counterfactual, set by the closure ``deficits``
(below; by default ``T_i`` held at its share of world income, as in the paper).

Unknowns ``w^_i, E^_i, L^_i``. With baseline tariffs ``t0`` and new tariffs ``t``::

    A[j,i]   = lambda_[j,i] (w^_j L^_j^(-psi))^(-eps) ((1+t[j,i])/(1+t0[j,i]))^(-eps phi_i)
    lambda'  = A / sum_k A[k,i]
    P^_i     = (E^_i / w^_i)^(1-phi_i) (sum_k A[k,i])^(-1/eps)
    X'[j,i]  = lambda'[j,i] E^_i E_i / (1+t[j,i]);   R_i = sum_j t[j,i] X'[j,i];   Y'_i = w^_i L^_i Y_i
    income   sum_i (1-nu_i) X'[j,i] + nu_j sum_k X'[k,j] = Y'_j
    budget   E^_i E_i = R_i + Y'_i + D'_i
    labour   L^_i = (tau^_i w^_i / P^_i)^kappa,  tau^_i = (1 - R0_i/Y_i) / (1 - R_i/Y'_i)  (income tax; 1 lump sum)
    numeraire  sum_i E_i (P^_i - 1) = 0   (replaces the first income equation: Walras' law)
    welfare  delta_i = E_i / (E_i - kappa (1-tau_i) Y_i / (1+kappa)), tau_i = R_i / Y'_i (0 lump sum)
             W^_i = delta_i E^_i / P^_i + (1 - delta_i) w^_i L^_i / P^_i

Deficit closures (``ILMSParams.deficits``). The deficits of the counterfactual are::

    fixed      D'_i = T_i sum_k Y'_k / sum_k Y_k         (a constant share of world income; the paper)
    gdp_share  D'_i = Y'_i (d_i - dbar'),  d_i = T_i / Y_i,  dbar' = sum_k d_k Y'_k / sum_k Y'_k
               (a constant share of the country's own income; ``dbar'`` is one common correction that
               keeps world deficits summing to zero, 0 at the baseline and small after a shock)
    zero       D'_i = 0, after a first solve (Dekle, Eaton & Kortum 2007): at the baseline tariffs with
               D' = 0, whose equilibrium becomes the baseline (flows, E, Y, R0 recomputed from its
               flows X'); every change is then relative to that balanced-trade world, not to the data.

With ``fixed`` a country with a large surplus must go on exporting a fixed amount whatever the tariffs,
so in a large war its real income can fall to zero (no admissible equilibrium); ``zero`` and
``gdp_share`` let the surplus shrink with the country's income.

Solution method: the budget is linear in ``E^`` given ``w^, L^`` (revenue is the share
``1 - G_i/S_i`` of ``E'_i``, ``S_i = sum_k A[k,i]``, ``G_i = sum_k A[k,i]/(1+t[k,i])``), so ``E^`` is eliminated in
closed form and Newton's method runs on ``y = (log w^, log L^)``, 2N unknowns (N when ``kappa = 0``: then
``L^ = 1``). The residual holds the income equations (the first replaced by the numeraire) and labour supply.

Roundabout production (``beta < 1``; ILMS 2025, input-output model). ``beta`` is labour's share in the
cost of production; the rest is spent on the composite good, whose price index is ``P``. Data: on the
completed flows (above), domestic sales are grossed up for intermediate use and everything is recomputed::

    X_IO = X with X[i,i] / beta;   E_i = sum_j (1+t0[j,i]) X_IO[j,i];   lambda_ = (1+t0) X_IO / E
    V_j  = sum_i (1-nu_i) X_IO[j,i]                (sales net of the destinations' profit share)
    Y_j  = beta V_j + nu_j sum_k X_IO[k,j];        T_j = E_j - Y_j - (1-beta) V_j - R0_j

Unknowns ``w^, E^, L^, P^``. The unit cost is ``c_j = w^_j^beta P^_j^(1-beta)`` and the scale term uses
``e_j L^_j`` with ``e_j = (w^_j/P^_j)^(1-beta)``::

    A[j,i]   = lambda_[j,i] (c_j (e_j L^_j)^(-psi))^(-eps) ((1+t[j,i])/(1+t0[j,i]))^(-eps phi_i)
    income   beta sum_i (1-nu_i) X'[j,i] + nu_j sum_k X'[k,j] = Y'_j
    budget   E'_i = R_i + Y'_i + (1-beta) sum_k (1-nu_k) X'[i,k] + D'_i
    prices   P^_i = (E^_i / w^_i)^(1-phi_i) (sum_k A[k,i])^(-1/eps)
    numeraire  sum_i Y_i (w^_i - 1) = 0   (wages, as the paper's input-output model; welfare and every
               real outcome do not depend on the choice, nominal changes are measured in it)
    welfare  Ec_i = Y_i + T_i + R0_i final spending, Ec'_i = R_i + Y'_i + D'_i,
             delta_i = Ec_i / (Ec_i - kappa (1-tau_i) Y_i / (1+kappa)),
             W^_i = delta_i Ec'_i / (Ec_i P^_i) + (1 - delta_i) w^_i L^_i / P^_i

(labour supply, ``tau`` and the flows as above). ``E^`` is again eliminated in closed form: the
income equation gives ``V'_j = (Y'_j - nu_j M_j) / beta`` with ``M_j = sum_k X'[k,j]`` (imports at
exporter prices, ``E'_j G_j / S_j``), and the budget then reads
``M_j (1 + (1-beta) nu_j / beta) = Y'_j / beta + D'_j``: ``M``, hence ``E'``, follows from
``w^, L^`` directly, and the budget of country ``j`` holds exactly when its income equation does
(the budgets and the income equations sum to the same identity, so the one income equation replaced by
the numeraire holds by Walras' law with its budget). The price index is a fixed point (``P^`` enters
the costs), so Newton's method runs on ``y = (log w^, log L^, log P^)``, 3N unknowns (2N when
``kappa = 0``), the residual adding ``log P^`` minus the log of the price equation. With ``beta = 1``
these are the equations above, ``P^`` drops out of the unknowns, and the computation is the same.

With ``t0 = 0`` (the paper) ``tau^_i = 1/(1 - R_i/Y'_i)`` exactly as in the paper; the baseline
revenue ``R0`` generalises it to worlds with baseline tariffs, where ``T_i = E_i - Y_i - R0_i``.

Real GDP (``real_gdp_pct``): value added in quantities valued at baseline prices. Labour is the one
factor and output per worker, valued at baseline prices, is fixed: scale effects (``psi``) work through
the number of varieties, which national accounts value at baseline prices, not through the output of
each, and markups (``nu``, ``phi``) change prices, not quantities. So income deflated by the wage, the
price of a unit of labour's output, is labour input, with ``beta = 1``::

    real GDP^_i = Y'_i / (Y_i w^_i) = L^_i        (0 whenever kappa = 0: labour is then fixed)

With roundabout production value added is gross output less intermediates, each at baseline prices
(double deflation), per unit of baseline value added (a share ``beta`` of gross output): gross output per
worker changes as ``e_i = (w^_i/P^_i)^(1-beta)`` and intermediates per worker as ``w^_i/P^_i`` (Cobb-Douglas
cost minimisation), so ``real GDP^_i = L^_i (e_i - (1-beta) w^_i/P^_i) / beta``; it equals ``L^_i`` to
first order and falls a little below it when the relative price of labour moves either way.

Money outcomes, in the World's units: ``income_baseline`` (N,) the income that welfare deflates
(final spending ``Ec``, ``= E`` when ``beta = 1``), so the equivalent variation is
``welfare_pct / 100 * income_baseline``; ``tariff_revenue`` (N,) the new revenue ``R_i``. ``flows_base`` (N, N)
the baseline flows the changes start from (the data's, or the balanced world's with ``deficits = "zero"``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import _jax
from .._exceptions import CalibrationError, ScenarioError
from ..data._world import World
from ..policy._shock import PreparedShock, policy_arrays
from ._balances import deficit_change_pct

__all__ = [
    "ILMSParams",
    "ILMSModel",
    "calibrate",
    "armington",
    "complete_world",
    "input_output",
    "accounts",
    "balanced",
    "two_region_nu",
    "delta_optimal",
]

#: Targets of the two-region profit-share calibration (ILMS 2025): the spending-weighted profit
#: share of the rest of the world (0.12, weights r1) and of the USA (0.26, weights r2).
NU_TARGETS = (0.12, 0.26)


@dataclass(frozen=True)
class ILMSParams:
    """Parameters of the ILMS family.

    eps : trade elasticity (> 0). kappa : labour supply elasticity (>= 0).
    psi : scale elasticity; None = 0.67/eps_calib (the paper).
    nu : profit share, a number, an (N,) array, or ``"calibrate"`` (the paper's two-region
        calibration against the USA). phi : pass-through term, a number, an (N,) array, or
        None = ``(1+theta)/((1-nu_i) theta) - 1/theta`` with ``theta = eps_calib/0.67``.
    eps_calib : the elasticity used for ``psi``/``phi`` (None = ``eps``); ``ustr_eps8`` sets eps=8, eps_calib=4.
    phi_shift : subtracted from phi after calibration (partial pass-through: 0.75).
    revenue_use : ``"income_tax"`` (revenue cuts income taxes) or ``"lump_sum"``.
    beta : labour's share in the cost of production, ``0 < beta <= 1``; ``beta < 1`` adds roundabout
        production (the input-output model of ILMS 2025 uses 0.49) and puts the numeraire on wages.
    deficits : the closure of the trade deficits in the counterfactual (module docstring, "Deficit
        closures"): ``"fixed"`` (the paper: each deficit a constant share of world income), ``"zero"``
        (removed first, Dekle-Eaton-Kortum: changes are relative to the balanced-trade equilibrium) or
        ``"gdp_share"`` (each deficit a constant share of the country's own income).

    Values are checked on construction (ranges in :mod:`tradewar.models._params`); a bad one raises
    :class:`~tradewar.ScenarioError` naming the parameter.
    """

    eps: float = 4.0
    kappa: float = 0.5
    psi: float | None = None
    nu: float | str | tuple[float, ...] = "calibrate"
    phi: float | tuple[float, ...] | None = None
    eps_calib: float | None = None
    phi_shift: float = 0.0
    revenue_use: Literal["income_tax", "lump_sum"] = "income_tax"
    beta: float = 1.0
    deficits: Literal["fixed", "zero", "gdp_share"] = "fixed"

    def __post_init__(self) -> None:
        from dataclasses import asdict

        from ._params import validate_params

        validate_params("ilms", asdict(self))

    def replace(self, **kw) -> ILMSParams:
        return replace(self, **kw)


def armington(eps: float = 4.0, revenue_use: Literal["income_tax", "lump_sum"] = "lump_sum") -> ILMSParams:
    """The textbook Armington / Eaton–Kortum special case: ``kappa = psi = nu = 0, phi = 1``."""
    return ILMSParams(eps=eps, kappa=0.0, psi=0.0, nu=0.0, phi=1.0, revenue_use=revenue_use)


def _col(v):
    """``v`` (N,) over the rows of an (N, N) array: equation ``i``."""
    return v[:, None]


def _row(v):
    """``v`` (N,) over the columns of an (N, N) array: unknown ``k``."""
    return v[None, :]


def _diag_rank_one_solve(delta, u, v, b):
    """``(diag(delta) + u v^T)^{-1} b`` by the Sherman-Morrison formula; ``b`` is (N,) or (N, K)."""
    scale = delta if b.ndim == 1 else delta[:, None]
    db, du = b / scale, u / delta
    return db - (du[:, None] if b.ndim > 1 else du) * ((v @ db) / (1.0 + v @ du))


class ILMSModel(eqx.Module):
    """A calibrated ILMS economy (baseline arrays and parameters); the equations are its methods.

    Arrays: ``X`` (N,N) baseline flows at exporter prices (``X_IO`` when ``beta < 1``), ``t0`` (N,N)
    baseline tariffs, ``lambda_`` (N,N) expenditure shares, ``E, Y, T, R0, nu, phi`` (N,), ``Ec`` (N,)
    final spending ``E - (1-beta) V`` (``= E`` when ``beta = 1``).
    """

    X: jax.Array
    t0: jax.Array
    lambda_: jax.Array
    E: jax.Array
    Y: jax.Array
    T: jax.Array
    R0: jax.Array
    nu: jax.Array
    phi: jax.Array
    Ec: jax.Array
    #: eps, kappa, psi are 0-d arrays (leaves), so that models calibrated with different values stack
    #: for batched solves; ``labour`` (kappa != 0) fixes the number of unknowns and is static.
    eps: jax.Array
    kappa: jax.Array
    psi: jax.Array
    income_tax: bool = eqx.field(static=True)
    beta: float = eqx.field(static=True, default=1.0)
    labour: bool = eqx.field(static=True, default=True)
    #: the deficit closure (module docstring): ``"fixed"``, ``"zero"`` (the baseline is then balanced) or
    #: ``"gdp_share"``
    deficits: str = eqx.field(static=True, default="fixed")
    #: chord: one Jacobian factorisation reused (about 3x faster on the 194-country data), with a
    #: Newton restart when it does not converge (see tradewar.solve).
    preferred_method: str = eqx.field(static=True, default="chord")

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def roundabout(self) -> bool:
        """True with intermediate inputs (``beta < 1``): ``P^`` is then an unknown and wages the numeraire."""
        return self.beta != 1.0

    @property
    def n_unknowns(self) -> int:
        """Length of ``y``: ``log w^`` (N), ``log L^`` (N) when ``kappa > 0`` (else ``L^ = 1``), ``log P^`` (N) when ``beta < 1``."""
        return self.n * (1 + self.labour + self.roundabout)

    def initial_guess(self) -> jax.Array:
        return _jax.zeros(self.n_unknowns)

    def deficits_new(self, Yn):
        """The counterfactual deficits ``D'`` (N,) given incomes ``Y'`` (N,), by the closure (module docstring)."""
        if self.deficits == "zero":
            return jnp.zeros_like(Yn)
        if self.deficits == "gdp_share":
            d = self.T / self.Y
            return Yn * (d - (d * Yn).sum() / Yn.sum())
        return self.T * (Yn.sum() / self.Y.sum())

    def deficit_shares(self):
        """Baseline trade deficit over income, ``T_i / Y_i`` (N,): negative for a surplus."""
        return self.T / self.Y

    @property
    def meta(self) -> dict:
        """Metadata a result reports: the deficit closure."""
        return {"deficits": self.deficits}

    def baseline_shock(self):
        from ..solve import Shock

        return Shock(t=self.t0)

    # --- the equilibrium, as one pure function -------------------------------------------------
    def _tariff_arrays(self, shock):
        """The (N, N) arrays of the equations that depend on the tariffs only: ``B = lambda_ ((1+t)/(1+t0))^(-eps
        phi)`` (``A = B c``, module docstring), ``B/(1+t)`` and ``t B/(1+t)``."""
        t = shock.t
        # one log of the ratio: XLA's log1p on the CPU costs three times an exp, and two of them dominated
        B = self.lambda_ * jnp.exp(-self.eps * self.phi[None, :] * jnp.log((1.0 + t) / (1.0 + self.t0)))
        Bt = B / (1.0 + t)
        return B, Bt, t * Bt

    def prepare_shock(self, shock):
        """``shock`` with :meth:`_tariff_arrays` computed once, for the many evaluations of one solve.

        The solver calls it once for each policy it solves at and passes the result as the shock to this
        model's residual and factorisation, which then give exactly what they give with ``shock``. Computed at
        every evaluation inside the solver's nested loops, these arrays (an exponential over (N, N)) were
        computed several times per solve, as XLA cannot tell that its hoisted copies are the same.
        """
        return PreparedShock.of(shock, self._tariff_arrays)

    def _state(self, y, shock):
        # Unknowns: log w^ and (kappa > 0) log L^. E^ is eliminated in closed form: with
        # S_i = sum_k A[k,i], H_i = sum_k A[k,i] t[k,i]/(1+t[k,i]) and G_i = S_i - H_i, revenue is
        # R_i = E'_i H_i/S_i, so the budget E'_i = R_i + Y'_i + D'_i gives
        # E'_i = (Y'_i + D'_i) S_i/G_i. With beta < 1 (log P^ the last N unknowns) imports
        # at exporter prices are M_i = (Y'_i/beta + D'_i) / (1 + (1-beta) nu_i/beta) (module
        # docstring) and E'_i = M_i S_i/G_i.
        # A[j,i] = B[j,i] c_j with B fixed by the tariffs: every sum over partners is then a
        # matrix-vector product, so the Jacobian (a batch of JVPs) costs a few matrix products.
        n = self.n
        lw = y[:n]
        lL = y[n : 2 * n] if self.labour else jnp.zeros_like(lw)
        w, Lh = jnp.exp(lw), jnp.exp(lL)
        B, Bt, tBt = policy_arrays(shock, self._tariff_arrays)
        if self.roundabout:
            lP = y[n * (1 + self.labour) :]
            b = self.beta
            # log of c_j (e_j L^_j)^(-psi), c_j = w^_j^beta P^_j^(1-beta), e_j = (w^_j/P^_j)^(1-beta)
            c = jnp.exp(-self.eps * (b * lw + (1.0 - b) * lP - self.psi * ((1.0 - b) * (lw - lP) + lL)))
        else:
            c = jnp.exp(-self.eps * (lw - self.psi * lL))
        S = c @ B
        H = c @ tBt  # revenue share: R_i = E'_i H_i / S_i, exactly 0 where t = 0
        G = S - H
        Yn = w * Lh * self.Y
        Dn = self.deficits_new(Yn)
        if self.roundabout:
            imports = (Yn / b + Dn) / (1.0 + (1.0 - b) / b * self.nu)
        else:
            imports = Yn + Dn  # E'_i - R_i = sum_k X'[k,i]
        spend = imports / G  # E'_i / sum_k A[k,i]
        E1 = spend * S
        Eh = E1 / self.E
        R = spend * H
        Ph = (Eh / w) ** (1.0 - self.phi) * S ** (-1.0 / self.eps)
        extra = {}
        if self.roundabout:
            sales = c * (Bt @ ((1.0 - self.nu) * spend))  # V'_j = sum_i (1-nu_i) X'[j,i]
            sales_income = b * sales + self.nu * imports
            Ec1 = R + Yn + Dn
            # log P^ from the price equation; the unknown P^ is what the costs use
            extra = dict(lP_implied=(1.0 - self.phi) * jnp.log(Eh / w) - jnp.log(S) / self.eps, intermediates=(1.0 - b) * sales)
            Ph = jnp.exp(lP)
        else:
            sales_income = c * (Bt @ ((1.0 - self.nu) * spend)) + self.nu * imports
            Ec1 = E1
        if self.income_tax:
            tau_hat = (1.0 - self.R0 / self.Y) / (1.0 - R / Yn)
            tau = R / Yn
        else:
            tau_hat = jnp.ones_like(R)
            tau = jnp.zeros_like(R)
        return dict(w=w, Eh=Eh, Lh=Lh, Ph=Ph, c=c, Bt=Bt, spend=spend, imports=imports, R=R, Yn=Yn, Dn=Dn,
                    sales_income=sales_income, tau_hat=tau_hat, tau=tau, lw=lw, lL=lL, Ech=Ec1 / self.Ec, S=S, G=G,
                    H=H, **extra)

    def _flows(self, s):
        """New bilateral flows at exporter prices, ``X'[j,i]`` (N, N)."""
        return s["c"][:, None] * s["Bt"] * s["spend"][None, :]

    def _equations(self, y, shock):
        s = self._state(y, shock)
        income = (s["sales_income"] - s["Yn"]) / self.Y
        budget = s["Eh"] * self.E - s["R"] - s["Yn"] - s["Dn"]
        if self.roundabout:
            budget = budget - s["intermediates"]
            numeraire = (self.Y * (s["w"] - 1.0)).sum() / self.Y.sum()
        else:
            numeraire = (self.E * (s["Ph"] - 1.0)).sum() / self.E.sum()
        budget = budget / self.E
        labour = s["lL"] - self.kappa * (jnp.log(s["tau_hat"]) + s["lw"] - jnp.log(s["Ph"]))
        return s, income, budget, labour, numeraire

    def residual(self, y, shock):
        return self._residual_of(*self._equations(y, shock))

    def residual_and_welfare(self, y, shock):
        """``(residual(y, shock), welfare(y, shock))`` from one evaluation of the equilibrium's state: the
        strategic layer's Lagrangian (welfare plus multipliers times the residual) and its derivatives then
        trace the equations once, which makes their compiled program smaller. A subclass that changes
        :meth:`residual` or :meth:`welfare` must change this as well."""
        eq = self._equations(y, shock)
        return self._residual_of(*eq), self._welfare_of(eq[0])

    def _residual_of(self, s, income, budget, labour, numeraire):
        parts = [income.at[0].set(numeraire)]
        if self.labour:
            parts.append(labour)
        if self.roundabout:
            parts.append(jnp.log(s["Ph"]) - s["lP_implied"])
        return jnp.concatenate(parts)

    def residual_jacobian(self, y, shock):
        """``d residual / d y`` (n_unknowns, n_unknowns), in closed form; equal to ``jax.jacfwd(self.residual)``.

        The formula and its channels are described in :meth:`_jacobian_parts`.
        """
        return self._jacobian_parts(y, shock)[0]

    def _channels(self, y, shock):
        """The vectors and (N, N) arrays the Jacobian is made of (:meth:`_jacobian_parts`), in a dict.

        Every dependence on ``y`` passes through three channels: the cost terms ``log c`` (linear in ``y``),
        incomes ``log Y'`` (``log w^ + log L^``) and ``y`` itself (direct terms). In ``log c_k`` the
        derivatives of equation ``i`` are ``A'[k,i] (p_i + q_i t[k,i])`` with ``A'[k,i] = c_k B[k,i]/(1+t[k,i])``
        (``At``: the flows per unit of spending), except the effect of costs on sales through every
        destination's spending, ``(A' g) A'^T``; in ``log Y'_k`` they are diagonal plus one rank-one term (the
        deficit closure), plus ``A'`` scaled for sales. ``cx``/``vx`` are each unknown's effect on ``log c``
        and ``log Y'``; ``l0, l1, ld, lu`` the labour rows' coefficients on the cost and income channels.
        """
        s = self._state(y, shock)
        b, t = self.beta, shock.t
        eps, psi, kappa, phi, nu, Y = self.eps, self.psi, self.kappa, self.phi, self.nu, self.Y
        c, spend, imports, Yn, R = s["c"], s["spend"], s["imports"], s["Yn"], s["R"]
        S, G, H = s["S"], s["G"], s["H"]
        At = c[:, None] * s["Bt"]  # [k, i]: dG_i / dlog c_k; dS_i / dlog c_k = At (1+t), dH_i / dlog c_k = At t
        # imports = m (a Y' + D'): d imports_i / d log Y'_k = dm_i delta_ik + um_i vm_k (the deficit closure)
        a, m = (1.0, 1.0) if not self.roundabout else (1.0 / b, 1.0 / (1.0 + (1.0 - b) / b * nu))
        zero = jnp.zeros_like(Yn)
        if self.deficits == "zero":
            dd, ud, vm = zero, zero, zero
        elif self.deficits == "gdp_share":
            d = self.T / Y
            dbar = (d * Yn).sum() / Yn.sum()
            dd, ud, vm = Yn * (d - dbar), -Yn / Yn.sum(), (d - dbar) * Yn
        else:
            dd, ud, vm = zero, self.T / Y.sum(), Yn
        dm, um = m * (a * Yn + dd), m * ud
        # the price equation (1-phi_i)(log E^_i - log w^_i) - log S_i / eps, log E^ = log(imports S / G) - log E:
        # in log c, AtT (pa + pb (1+t^T)); in log Y', (1-phi) d log imports
        pa, pb = -(1.0 - phi) / G, (1.0 - phi) / S - 1.0 / (eps * S)
        qd, qu = (1.0 - phi) * dm / imports, (1.0 - phi) * um / imports
        # income: sales_j = c_j sum_i Bt[j,i] (1-nu_i) spend_i with spend = imports / G
        g, h = (1.0 - nu) * spend / G, (1.0 - nu) / G
        p = dict(s=s, At=At, vm=vm, dm=dm, um=um, pa=pa, pb=pb, qd=qd, qu=qu, g=g, h=h,
                 sales=c * (s["Bt"] @ ((1.0 - nu) * spend)), iu=(b * (At @ (h * um)) + nu * um) / Y,
                 idg=(nu * dm - Yn) / Y)
        # channels -> unknowns: (d log c / dx, d log Y' / dx) for x = log w^, log L^, log P^
        if self.roundabout:
            cw, cL, cP = -eps * (b - psi * (1.0 - b)), eps * psi, -eps * (1.0 - b) * (1.0 + psi)
        else:
            cw, cL, cP = -eps, eps * psi, 0.0
        p["xs"] = [("w", cw, 1.0)] + ([("L", cL, 1.0)] if self.labour else []) + ([("P", cP, 0.0)] if self.roundabout else [])
        if not self.roundabout:  # sum_i E_i (P^_i - 1) / sum E: weights E_i P^_i / sum E on d log P^_i
            wt = self.E * s["Ph"] / self.E.sum()
            p.update(wt=wt, num_c=At @ (wt * (pa + pb)) + (At * t) @ (wt * pb), num_v=wt * qd + (wt @ qu) * vm)
        if self.labour:
            # labour = log L^ - kappa (log tau^ + log w^ - log P^), log tau^ = const - log(1 - R/Y'); R = spend H
            if self.income_tax:
                rho, sig = -H * spend / (G * (Yn - R)), spend / (Yn - R)
                td, tu = (H * dm / G - R) / (Yn - R), H * um / (G * (Yn - R))
            else:
                rho, sig, td, tu = zero, zero, zero, zero
            if self.roundabout:  # P^ is an unknown of its own: no channel terms, a direct one
                p.update(l0=rho, l1=sig, ld=td, lu=tu, direct={"w": -kappa, "L": 1.0, "P": kappa})
            else:
                p.update(l0=rho - pa - pb, l1=sig - pb, ld=td - qd, lu=tu - qu, direct={"w": -kappa * (2.0 - phi), "L": 1.0})
        return p

    def _jacobian_parts(self, y, shock):
        """``(J, labour)``: the Jacobian of :meth:`residual_jacobian` and, with labour supply and ``beta = 1``, the
        labour block in the form :meth:`newton_factor` uses (else None).

        Each block is one elementwise pass over (N, N) arrays of :meth:`_channels`: a fraction of the work of
        forward-mode differentiation over all unknowns. It is plain JAX, so it can itself be differentiated
        (implicit differentiation at the root, second derivatives).
        """
        p = self._channels(y, shock)
        s, At, xs = p["s"], p["At"], p["xs"]
        n, b, t, phi, psi, kappa, Y = self.n, self.beta, shock.t, self.phi, self.psi, self.kappa, self.Y
        eye = jnp.eye(n, dtype=y.dtype)
        AtT, tT = At.T, t.T
        vm, dm = p["vm"], p["dm"]
        M = (At * _row(p["g"])) @ At.T

        def income_block(cx, vx):
            return _col(b / Y) * (cx * (eye * _col(p["sales"]) - M) + vx * At * _row(p["h"] * dm)) + vx * (
                _col(p["iu"]) * _row(vm) + eye * _col(p["idg"]))

        income = jnp.concatenate([income_block(cx, vx) for _, cx, vx in xs], axis=1)
        if self.roundabout:
            numeraire = jnp.zeros(self.n_unknowns, dtype=y.dtype).at[:n].set(Y * s["w"] / Y.sum())
        else:
            numeraire = jnp.concatenate(
                [cx * p["num_c"] + vx * p["num_v"] - (x == "w") * (1.0 - phi) * p["wt"] for x, cx, vx in xs])
        rows = [income.at[0].set(numeraire)]
        labour = None
        if self.labour:
            l0, l1, ld, lu, direct = p["l0"], p["l1"], p["ld"], p["lu"], p["direct"]
            if not self.roundabout:
                # d labour / d log L^ + psi d labour / d log w^: the cost channel cancels (log c moves with
                # log w^ - psi log L^), leaving a diagonal and the deficit closure's rank-one term
                labour = (1.0 - kappa * (psi * (2.0 - phi) + (1.0 + psi) * ld), -kappa * (1.0 + psi) * lu, vm)
            rows.append(jnp.concatenate([
                -kappa * (cx * AtT * (_col(l0) + _col(l1) * tT) + vx * (eye * _col(ld) + _col(lu) * _row(vm)))
                + eye * direct[x] for x, cx, vx in xs], axis=1))  # fmt: skip
        if self.roundabout:
            # log P^ - the price equation; it has log w^ with coefficient -(1-phi)
            direct = {"w": 1.0 - phi, "L": 0.0, "P": 1.0}
            pa, pb, qd, qu = p["pa"], p["pb"], p["qd"], p["qu"]
            rows.append(jnp.concatenate([
                -(cx * AtT * (_col(pa + pb) + _col(pb) * tT) + vx * (eye * _col(qd) + _col(qu) * _row(vm)))
                + eye * direct[x] for x, cx, vx in xs], axis=1))  # fmt: skip
        return jnp.concatenate(rows, axis=0), labour

    @property
    def newton_structured(self) -> bool:
        """True where :meth:`newton_factor` applies: labour supply (``kappa > 0``) without roundabout production."""
        return self.labour and not self.roundabout

    def newton_factor(self, y, shock):
        """The Newton system ``J dy = r`` at ``y`` factorised through its labour block; exact, cheaper than a dense LU.

        ``J = [[A, B], [C, D]]`` (income rows, then labour rows; columns ``log w^``, then ``log L^``). Costs
        enter through ``log c = -eps (log w^ - psi log L^)``, so with ``z`` the unknowns after the change of
        variables ``dlog w^ = z_w + psi z_L``, ``dlog L^ = z_L`` the labour rows lose the cost channel: their
        ``z_L`` block ``D' = D + psi C`` is a diagonal plus the deficit closure's rank-one term (labour supply
        responds to a country's own income and prices; see :meth:`_channels`), and so does the income rows'
        ``B' = B + psi A``, but for ``A'`` scaled for sales. Eliminating ``z_L`` leaves the N x N Schur
        complement ``A - B' D'^{-1} C``, whose dense part ``A' (diag(g) A'^T - diag(h dm) D'^{-1} C)`` (the
        sales term of ``A`` and the one of ``B' D'^{-1} C``) is one product of N x N matrices; then an LU of
        size N instead of one of size 2N, and each solve two triangular solves of size N. The blocks are built
        from the channels directly, never as the 2N x 2N Jacobian. Returns the factors for :meth:`newton_solve`.
        """
        p = self._channels(y, shock)
        n, phi, psi, kappa, Y, eps = self.n, self.phi, self.psi, self.kappa, self.Y, self.eps
        At, vm, iu, idg, ld, lu = p["At"], p["vm"], p["iu"], p["idg"], p["ld"], p["lu"]
        eye = jnp.eye(n, dtype=y.dtype)
        AtT, tT = At.T, shock.t.T
        hdm = p["h"] * p["dm"]
        # labour rows, log w^ columns (cost channel d log c / d log w^ = -eps)
        C = kappa * eps * AtT * (_col(p["l0"]) + _col(p["l1"]) * tT) - kappa * (
            eye * _col(ld) + _col(lu) * _row(vm)) + eye * p["direct"]["w"]
        delta, u = 1.0 - kappa * (psi * (2.0 - phi) + (1.0 + psi) * ld), -kappa * (1.0 + psi) * lu
        X = _diag_rank_one_solve(delta, u, vm, C)  # D'^{-1} C
        # B' = B + psi A: the cost channel cancels (d log c / d log L^ = -psi d log c / d log w^)
        b0 = (1.0 + psi) * p["num_v"] - psi * (1.0 - phi) * p["wt"]  # its numeraire row
        Bp = ((1.0 + psi) * (_col(1.0 / Y) * At * _row(hdm) + _col(iu) * _row(vm) + eye * _col(idg))).at[0].set(b0)
        K = eps * _col(p["g"]) * AtT - (1.0 + psi) * _col(hdm) * X
        schur = (_col(1.0 / Y) * (At @ K + At * _row(hdm)) + eye * _col(idg - eps * p["sales"] / Y)
                 + _col(iu) * _row(vm - (1.0 + psi) * (vm @ X)) - (1.0 + psi) * _col(idg) * X)
        numeraire = -eps * p["num_c"] + p["num_v"] - (1.0 - phi) * p["wt"]
        schur = schur.at[0].set(numeraire - b0 @ X)
        return jax.scipy.linalg.lu_factor(schur), Bp, X, delta, u, vm

    def newton_solve(self, factors, r):
        """``J^{-1} r`` from :meth:`newton_factor`'s factors (``r`` of length ``2N``)."""
        lu, Bp, X, delta, u, v = factors
        n = self.n
        r_w, d = r[:n], _diag_rank_one_solve(delta, u, v, r[n:])  # D'^{-1} r_L
        z_w = jax.scipy.linalg.lu_solve(lu, r_w - Bp @ d)
        z_L = d - X @ z_w  # D'^{-1} (r_L - C z_w)
        return jnp.concatenate([z_w + self.psi * z_L, z_L])

    def welfare(self, y, shock):
        return self._welfare_of(self._state(y, shock))

    def _welfare_of(self, s):
        delta = self.Ec / (self.Ec - self.kappa * (1.0 - s["tau"]) * self.Y / (1.0 + self.kappa))
        return delta * s["Ech"] / s["Ph"] + (1.0 - delta) * s["w"] * s["Lh"] / s["Ph"]

    def outcomes(self, y, shock):
        s = self._state(y, shock)
        W = self._welfare_of(s)
        Xn = self._flows(s)
        off = 1.0 - jnp.eye(self.n)
        exp0, imp0 = (self.X * off).sum(1), (self.X * off).sum(0)
        exp1, imp1 = (Xn * off).sum(1), (Xn * off).sum(0)
        D0, D1 = imp0 - exp0, imp1 - exp1
        pct = lambda h: 100.0 * (h - 1.0)  # noqa: E731
        return {
            "welfare_pct": pct(W),
            "real_wage_pct": pct(s["w"] / s["Ph"]),
            "employment_pct": pct(s["Lh"]),
            "price_index_pct": pct(s["Ph"]),
            "wage_pct": pct(s["w"]),
            "expenditure_pct": pct(s["Eh"]),
            "exports_gdp_change_pct": pct((exp1 / s["Yn"]) / (exp0 / self.Y)),
            "imports_gdp_change_pct": pct((imp1 / s["Yn"]) / (imp0 / self.Y)),
            "deficit_change_pct": deficit_change_pct(D0, D1, self.E),
            "balance_gdp_change_pp": 100.0 * (D0 / self.Y - D1 / s["Yn"]),
            "tariff_revenue_share": s["R"] / self.E,
            "real_gdp_pct": pct(self.real_gdp(s)),
            "income_baseline": self.Ec,
            "tariff_revenue": s["R"],
            "flows_base": self.X,
            "flows_new": Xn,
        }

    def real_gdp(self, s):
        """Real GDP, new/old (N,): value added at baseline prices (module docstring, "Real GDP")."""
        if not self.roundabout:
            return s["Lh"]
        r = s["w"] / s["Ph"]
        return s["Lh"] * (r ** (1.0 - self.beta) - (1.0 - self.beta) * r) / self.beta

    def checks(self, y, shock):
        s, income, budget, labour, _ = self._equations(y, shock)
        Xn = self._flows(s)
        spend = ((1.0 + shock.t) * Xn).sum()
        E1 = s["Eh"] * self.E
        world = self.E.sum()
        # world spending on intermediate inputs (0 without roundabout production)
        inter = s["intermediates"].sum() if self.roundabout else 0.0
        out = {
            # the income equation dropped for the numeraire must hold by Walras' law
            "walras": jnp.abs(income[0]) * self.Y[0] / world,
            # spending on goods (gross of tariffs) equals expenditure
            "income_expenditure": jnp.abs(spend - E1.sum()) / world,
            # world expenditure = world income + intermediates + tariff revenue (deficits sum to zero)
            "world_budget": jnp.abs(E1.sum() - s["Yn"].sum() - inter - s["R"].sum()) / world,
            # world sales = world factor and profit income + intermediates
            "sales_income": jnp.abs(Xn.sum() - s["Yn"].sum() - inter) / world,
            # the budget and labour supply, which the unknowns satisfy by construction
            "budget": jnp.max(jnp.abs(budget) * self.E) / world,
            "labour": jnp.max(jnp.abs(labour)),
        }
        if self.roundabout:
            # the price index the costs use is the one the price equation gives
            out["prices"] = jnp.max(jnp.abs(jnp.log(s["Ph"]) - s["lP_implied"]))
        return out

    def admissibility(self, y, shock):
        """Margins that are positive in an economically possible equilibrium (N,) each.

        Wages, prices, expenditure and income (hats), spending on goods net of tariffs ``E' - R``
        (relative to ``E``), the share of income left after the income tax ``1 - R/Y'`` (income-tax
        revenue use), real income ``W^`` (a welfare change above -100%) and the new expenditure shares
        ``lambda'`` in [0, 1] (:func:`tradewar.solve.share_margin`, smallest over exporters).
        """
        from ..solve import share_margin

        s = self._state(y, shock)
        lam = s["c"][:, None] * s["Bt"] * (1.0 + shock.t) * s["spend"][None, :] / (s["Eh"] * self.E)[None, :]
        return {
            "wage": s["w"],
            "price_index": s["Ph"],
            "expenditure": s["Eh"],
            "income": s["Yn"] / self.Y,
            "spending_on_goods": s["imports"] / self.E,
            "after_tax_income": 1.0 - s["tau"],
            "real_income": self._welfare_of(s),
            "trade_shares": jnp.min(share_margin(lam), axis=0),
        }


# --- calibration --------------------------------------------------------------------------------


def two_region_nu(X: np.ndarray, gdp: np.ndarray, us: int, targets=NU_TARGETS, iters: int = 200) -> tuple[float, float]:
    """Profit shares ``(nu_rest, nu_us)`` from the paper's two-region aggregate (ILMS 2025).

    Region 1 = every country but the USA, region 2 = the USA; ``X2`` aggregates ``X`` (empty
    diagonal) so that ``X2[1,1]`` is all trade among non-US countries; ``Y2`` aggregates GDP.
    Solves ``(1-r1) nu_us + r1 nu_rest = targets[0]`` and ``r2 nu_us + (1-r2) nu_rest = targets[1]``
    with ``E_r = Y2_r + (1-nu_r)(sum_k X2[k,r] - sum_k (1-nu_k) X2[r,k])``, clipped at 0.
    """
    n = X.shape[0]
    m = np.zeros((n, 2))
    m[:, 0] = 1.0
    m[us] = (0.0, 1.0)
    X2 = m.T @ X @ m
    Y2 = m.T @ gdp
    nu = np.zeros(2)
    for _ in range(iters):
        E = Y2 + (1 - nu) * (X2.sum(0) - ((1 - nu)[None, :] * X2).sum(1))
        r1 = (E[0] - X2[1, 0]) / (E[0] - X2[1, 0] + X2[0, 1])
        r2 = (E[1] - X2[0, 1]) / (E[1] - X2[0, 1] + X2[1, 0])
        # unknowns (nu_rest, nu_us)
        M = np.array([[r1, 1 - r1], [1 - r2, r2]])
        new = np.maximum(np.linalg.solve(M, np.array(targets, dtype=float)), 0.0)
        if np.max(np.abs(new - nu)) < 1e-15:
            nu = new
            break
        nu = new
    else:  # pragma: no cover - the map is a contraction on real data
        raise CalibrationError("two-region profit-share calibration did not converge")
    return float(nu[0]), float(nu[1])


@dataclass(frozen=True)
class Completed:
    """A world's baseline arrays after the data construction: flows with the diagonal, E, Y, T, R0, nu."""

    X: np.ndarray
    t0: np.ndarray
    E: np.ndarray
    Y: np.ndarray
    T: np.ndarray
    R0: np.ndarray
    nu: np.ndarray


def _nu_vector(world: World, nu) -> np.ndarray:
    n = world.n
    if isinstance(nu, str):
        if nu != "calibrate":
            raise CalibrationError(f"parameter 'nu': unknown value '{nu}' (use a number, a list, or 'calibrate')")
        if "USA" not in world.codes:
            raise CalibrationError("parameter 'nu' = 'calibrate' needs the USA in the world; give nu as a number")
        us = world.index("USA")
        X = np.array(world.bilateral())
        np.fill_diagonal(X, 0.0)
        nu_rest, nu_us = two_region_nu(X, np.array(world.gdp), us)
        v = np.full(n, nu_rest)
        v[us] = nu_us
        return v
    a = np.asarray(nu, dtype=float)
    if a.ndim > 1 or (a.ndim == 1 and a.size not in (1, n)):
        raise CalibrationError(f"parameter 'nu': {a.size} profit shares for a world of {n} countries; give one number, "
                               f"{n} numbers (one per country, in the world's order) or 'calibrate'")
    v = np.broadcast_to(a, (n,)).copy()
    if np.any((v < 0) | (v >= 1) | ~np.isfinite(v)):
        raise CalibrationError("parameter 'nu': profit shares must lie in [0, 1)")
    return v


def complete_world(world: World, nu) -> Completed:
    """Baseline arrays of a world; builds domestic sales when the data have none (ILMS 2025).

    Without domestic flows (an empty diagonal), ``T_i = (1-nu_i)(sum_k X[k,i] - sum_k (1-nu_k) X[i,k])``,
    ``E_i = GDP_i + T_i`` and ``X[i,i] = max(E_i - sum_k X[k,i], 0)``. In every case ``E``, ``Y`` and ``T``
    are then recomputed from the flows so that the baseline is an exact equilibrium:
    ``E_i = sum_k (1+t0) X[k,i]``, ``Y_i = sum_k (1-nu_k) X[i,k] + nu_i sum_k X[k,i]``, ``T = E - Y - R0``.
    """
    if world.has_sectors:
        raise CalibrationError("the one-sector model needs a one-sector world; aggregate sectors first")
    nu_v = _nu_vector(world, nu)
    X = np.array(world.trade, dtype=float)
    t0 = np.array(world.tariffs, dtype=float)
    if not world.has_domestic():
        np.fill_diagonal(X, 0.0)
        T = (1 - nu_v) * (X.sum(0) - ((1 - nu_v)[None, :] * X).sum(1))
        E = world.gdp + T
        np.fill_diagonal(X, np.maximum(E - X.sum(0), 0.0))
    gross = (1 + t0) * X
    E = gross.sum(0)
    bad = np.flatnonzero(~(E > 0))
    if bad.size:
        raise CalibrationError(f"country {world.codes[bad[0]]} has no expenditure (no imports and no domestic sales)")
    R0 = (t0 * X).sum(0)
    Y = ((1 - nu_v)[None, :] * X).sum(1) + nu_v * X.sum(0)
    bad = np.flatnonzero(~(Y > 0))
    if bad.size:
        raise CalibrationError(f"country {world.codes[bad[0]]} has no income (no sales)")
    T = E - Y - R0
    return Completed(X=X, t0=t0, E=E, Y=Y, T=T, R0=R0, nu=nu_v)


def phi_from_nu(nu: np.ndarray, eps: float) -> np.ndarray:
    """``phi_i = (1+theta)/((1-nu_i) theta) - 1/theta`` with ``theta = eps/0.67`` (ILMS 2025)."""
    theta = eps / 0.67
    return (1 + theta) / ((1 - nu) * theta) - 1 / theta


def input_output(c: Completed, beta: float) -> Completed:
    """The input-output baseline of ILMS (2025): domestic sales grossed up for intermediate use.

    ``X_IO = X`` with ``X[i,i] / beta``; ``E_i = sum_j (1+t0[j,i]) X_IO[j,i]``, ``R0_i = sum_j t0[j,i] X_IO[j,i]``,
    ``Y_j = beta V_j + nu_j sum_k X_IO[k,j]`` with ``V_j = sum_i (1-nu_i) X_IO[j,i]``, and
    ``T_j = E_j - Y_j - (1-beta) V_j - R0_j`` (final spending ``Y + T + R0`` plus intermediates ``(1-beta) V``).
    ``beta = 1`` returns ``c`` itself.

    Examples
    --------
    >>> import numpy as np
    >>> c = Completed(X=np.array([[6.0, 2.0], [1.0, 4.0]]), t0=np.zeros((2, 2)), E=np.array([7.0, 6.0]),
    ...               Y=np.array([8.0, 5.0]), T=np.array([-1.0, 1.0]), R0=np.zeros(2), nu=np.zeros(2))
    >>> io = input_output(c, 0.5)
    >>> io.X.tolist(), io.E.tolist(), io.Y.tolist(), io.T.tolist()
    ([[12.0, 2.0], [1.0, 8.0]], [13.0, 10.0], [7.0, 4.5], [-1.0, 1.0])
    """
    if beta == 1.0:
        return c
    X = c.X.copy()
    np.fill_diagonal(X, np.diag(X) / beta)
    return accounts(X, c.t0, c.nu, beta)


def accounts(X: np.ndarray, t0: np.ndarray, nu: np.ndarray, beta: float = 1.0) -> Completed:
    """The baseline of flows ``X`` (at the level of the model: ``X_IO`` when ``beta < 1``), as an equilibrium.

    ``E_i = sum_j (1+t0[j,i]) X[j,i]``, ``R0_i = sum_j t0[j,i] X[j,i]``, ``V_j = sum_i (1-nu_i) X[j,i]``,
    ``Y_j = beta V_j + nu_j sum_k X[k,j]`` and ``T_j = E_j - Y_j - (1-beta) V_j - R0_j``.
    """
    E = ((1 + t0) * X).sum(0)
    R0 = (t0 * X).sum(0)
    V = ((1 - nu)[None, :] * X).sum(1)
    Y = beta * V + nu * X.sum(0)
    T = E - Y - (1 - beta) * V - R0
    return Completed(X=X, t0=t0, E=E, Y=Y, T=T, R0=R0, nu=nu)


def calibrate(world: World, params: ILMSParams | None = None, *, completed: Completed | None = None,
              host: bool = False) -> ILMSModel:
    """Calibrate the ILMS family to ``world`` (see the module docstring for the data construction).

    ``host=True`` keeps the arrays in NumPy (cheap to build many models and stack them for a batch).

    Examples
    --------
    >>> import numpy as np
    >>> from tradewar.data import World
    >>> from tradewar.solve import Shock, solve_model
    >>> w = World(codes=("AAA", "BBB"), trade=np.array([[8.0, 2.0], [3.0, 9.0]]), gdp=np.array([10.0, 12.0]))
    >>> m = calibrate(w, armington(4.0))
    >>> eq = solve_model(m, Shock(t=np.array([[0.0, 0.0], [0.2, 0.0]])))
    >>> bool(eq.converged), bool(eq.outcomes["welfare_pct"][0] > 0 > eq.outcomes["welfare_pct"][1])
    (True, True)

    With roundabout production (``beta < 1``) the baseline is :func:`input_output` of the completed one.
    """
    from ..data._world import require_world

    world = require_world(world, "calibrate")
    p = ILMSParams() if params is None else params
    if not isinstance(p, ILMSParams):
        raise ScenarioError(f"calibrate: params must be ILMSParams (e.g. ILMSParams(eps=4)), got {type(p).__name__}")
    if p.eps <= 0 or p.kappa < 0:
        raise CalibrationError("parameters: eps must be positive and kappa non-negative")
    c = completed if completed is not None else complete_world(world, p.nu)
    eps_c = p.eps if p.eps_calib is None else p.eps_calib
    psi = 0.67 / eps_c if p.psi is None else float(p.psi)
    if p.phi is None:
        phi = phi_from_nu(c.nu, eps_c)
    else:
        phi = np.broadcast_to(np.asarray(p.phi, dtype=float), (world.n,)).copy()
    phi = phi - p.phi_shift
    beta = float(p.beta)
    if not 0.0 < beta <= 1.0:
        raise CalibrationError(f"parameter 'beta': labour's cost share must lie in (0, 1], got {beta}")
    c = input_output(c, beta)
    if p.deficits == "zero":
        c = balanced(_assemble(c, p, phi, psi, beta, host=False), world.codes)
    return _assemble(c, p, phi, psi, beta, host)


def _assemble(c: Completed, p: ILMSParams, phi, psi: float, beta: float, host: bool) -> ILMSModel:
    # final spending: expenditure less intermediate inputs, E - (1-beta) V = Y + T + R0
    Ec = c.E if beta == 1.0 else c.Y + c.T + c.R0
    lam = (1 + c.t0) * c.X / c.E[None, :]
    j = (lambda a: np.asarray(a, dtype=np.float64)) if host else (lambda a: _jax.on_device(a, "float64"))
    return ILMSModel(
        X=j(c.X),
        t0=j(c.t0),
        lambda_=j(lam),
        E=j(c.E),
        Y=j(c.Y),
        T=j(c.T),
        R0=j(c.R0),
        nu=j(c.nu),
        phi=j(phi),
        Ec=j(Ec),
        eps=j(float(p.eps)),
        kappa=j(float(p.kappa)),
        psi=j(float(psi)),
        income_tax=p.revenue_use == "income_tax",
        beta=beta,
        labour=float(p.kappa) != 0,
        deficits=p.deficits,
    )


def balanced(model: ILMSModel, codes=None) -> Completed:
    """The balanced-trade baseline of ``model`` (Dekle, Eaton & Kortum 2007): the first step of ``"zero"``.

    Solves the equilibrium at the baseline tariffs with every deficit removed (``D' = 0``) and returns
    the accounts of its flows (:func:`accounts`; ``T`` is zero up to the solver's tolerance). A model
    without deficits is returned as it is. Raises :class:`~tradewar.ConvergenceError` when that
    equilibrium does not exist or cannot be found.
    """
    import dataclasses

    from ..solve import solve_model

    X, t0, nu = (np.asarray(a, dtype=float) for a in (model.X, model.t0, model.nu))
    if not np.any(np.asarray(model.T)):
        return Completed(X=X, t0=t0, E=np.asarray(model.E), Y=np.asarray(model.Y), T=np.asarray(model.T),
                         R0=np.asarray(model.R0), nu=nu)
    zero = dataclasses.replace(model, deficits="zero")
    eq = solve_model(zero, zero.baseline_shock(), what='removing the trade deficits (deficits = "zero")', codes=codes,
                     plausible=False)
    return accounts(np.asarray(eq.outcomes["flows_new"], dtype=float), t0, nu, model.beta)


def delta_optimal(X: np.ndarray, E: np.ndarray, nu: np.ndarray, i: int, denom: np.ndarray | None = None) -> float:
    """``delta_i = sum_{k!=i} X[i,k](1-nu_k)(1-lambda[i,k]) / ((1-nu_i)(D_i - X[i,i]))`` (ILMS 2025).

    ``lambda = X/E`` column shares; ``D = E`` by default (``denom`` replaces it, e.g. by ``Y``).
    """
    lam = X / E[None, :]
    k = np.arange(X.shape[0]) != i
    num = (X[i, k] * (1 - nu[k]) * (1 - lam[i, k])).sum()
    D = E if denom is None else denom
    return float(num / ((1 - nu[i]) * (D[i] - X[i, i])))
