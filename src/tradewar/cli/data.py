"""The ``data`` commands: inspect a world."""

from __future__ import annotations

from typing import Annotated

import typer

from .._i18n import _
from ._app import _explain_na, console, data_app, frame_table, handle_errors


# --- data ------------------------------------------------------------------------------------------
@data_app.command("info")
@handle_errors
def data_info(
    source: Annotated[str, typer.Argument(help="world2023 (embedded), a data folder or a long-table file.")] = "world2023",
    country: Annotated[str | None, typer.Option(help="Show the largest partners of this country.")] = None,
    top: Annotated[int, typer.Option(min=1, help="How many countries/partners to list.")] = 10,
    gdp: Annotated[str | None, typer.Option(help="GDP table (country,gdp) of a long trade table.")] = None,
    tariffs: Annotated[str | None, typer.Option(help="Baseline tariffs (exporter,importer,tariff) of a long trade table.")] = None,
) -> None:
    """Summarise a world: countries, totals, largest economies and partners."""
    from ..data import load_world

    w = load_world(source, **{k: v for k, v in (("gdp_path", gdp), ("tariffs_path", tariffs)) if v is not None})
    if country:
        w.index(country)
    x = w.bilateral()
    console.print(f"[bold]{w.source or source}[/]")
    console.print(
        _("{n} countries").format(n=w.n) + (_(", {n} sectors").format(n=w.n_sectors) if w.has_sectors else "")
        + _("; world GDP {gdp}, international trade {trade}, domestic sales {domestic}; units {units}").format(
            gdp=f"{w.gdp.sum():,.0f}", trade=f"{w.exports().sum():,.0f}",
            domestic=_("present") if w.has_domestic() else _("absent (built at calibration)"), units=w.units)
    )
    summ = w.summary().sort_values("gdp", ascending=False).head(top)
    summ["trade % of GDP"] = 100.0 * (summ["exports"] + summ["imports"]) / summ["gdp"].where(summ["gdp"] > 0)
    summ["balance % of GDP"] = 100.0 * summ["balance"] / summ["gdp"].where(summ["gdp"] > 0)
    console.print(frame_table(summ, _("Largest {n} economies ({units})").format(n=min(top, w.n), units=w.units),
                              "country"))
    _print_balances(w, country)
    if country:
        p = w.partners(country, top)
        shares = {"export_share": "% of its exports", "import_share": "% of its imports", "trade_share": "% of its trade"}
        for k in shares:
            p[k] = 100.0 * p[k]
        p = p.rename(columns=shares)
        console.print(frame_table(p, _("Largest partners of {country} ({units}; shares in %)").format(
            country=country.upper(), units=w.units), "partner"))
    _explain_na(summ)
    del x


def _print_balances(w, country: str | None) -> None:
    """The trade balances beyond the calibration threshold, and that of ``country`` (in % of GDP)."""
    import numpy as np

    from ..data._checks import MAX_BALANCE_TO_GDP, balances

    with np.errstate(divide="ignore", invalid="ignore"):
        share = 100.0 * balances(w)
    limit = 100.0 * MAX_BALANCE_TO_GDP
    over = [k for k in np.argsort(-np.abs(np.nan_to_num(share)), kind="stable") if abs(share[k]) > limit]
    listed = ", ".join(f"{w.codes[k]} {share[k]:+.1f}%" for k in over)
    console.print(_("trade balance beyond {limit}% of GDP (a warning at calibration): {listed}").format(
        limit=f"{limit:g}", listed=listed) if over else _("no trade balance beyond {limit}% of GDP").format(limit=f"{limit:g}"))
    if country:
        k = w.index(country)
        exp, imp = float(w.exports()[k]), float(w.imports()[k])
        console.print(_("{country}: exports {exports}, imports {imports}, trade balance {balance} {units} ({share}% "
                        "of GDP)").format(country=w.codes[k], exports=f"{exp:,.0f}", imports=f"{imp:,.0f}",
                                          balance=f"{exp - imp:,.0f}", units=w.units, share=f"{share[k]:+.1f}"))
