"""The report's sectors section on the embedded ``world2022s``: the 2025 sectoral steps, cars first.

Every number here comes from the multi-sector model (Caliendo & Parro 2015) on ``world2022s`` (OECD
ICIO 2022 flows, 33 regions x 16 sectors), with the input-output links of the OECD national tables
unless the options ask for ``intermediates = false``; the other sections use the one-sector model on
``world2023``. The page says which model it solved, next to the tables and in the captions.

* car exports to the USA, step by step: the US tariff on the country's cars, the change in the value
  of its car exports to the USA (at exporter prices, world-GDP numeraire) and their level;
* welfare of the country, the USA and China at each step;
* output and employment by sector at the last step for the country, the USA and China. With one
  factor (labour) the employment of sector ``j`` is ``L_nj = gamma_nj Y_nj / w_n``, so its change is
  ``Y^_nj / w^_n`` (gross output over the wage), total employment being fixed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._i18n import N_, _, current

__all__ = ["WORLD2022S_TIMELINE", "CARS", "car_exports_table", "model_words", "sector_table",
           "section"]

#: The sectoral 2025 steps on world2022s (dated presets, in order).
WORLD2022S_TIMELINE = (
    "2025-03-12-us-steel-aluminium-sectoral",
    "2025-04-03-us-car-tariffs-sectoral",
    "2025-04-05-liberation-day-sectoral",
    "2025-04-09-pause-escalation-sectoral",
    "2025-05-12-geneva-truce-sectoral",
    "2025-06-04-us-steel-aluminium-50-sectoral",
    "2025-07-22-us-japan-deal-sectoral",
)
CARS = "Motor vehicles"
#: The sector names of world2022s, for the catalogue (tables and charts show them translated).
SECTOR_NAMES = (N_("Agriculture"), N_("Mining and energy"), N_("Food"), N_("Textiles and apparel"),
                N_("Wood and paper"), N_("Chemicals and pharmaceuticals"), N_("Rubber, plastics and minerals"),
                N_("Basic metals"), N_("Metal products"), N_("Electronics"), N_("Electrical equipment"),
                N_("Machinery"), N_("Motor vehicles"), N_("Other transport equipment"), N_("Other manufacturing"),
                N_("Services"))


def model_words(res) -> str:
    """``with intermediate inputs`` or ``without intermediate inputs``: what the solved model had."""
    return _("without intermediate inputs") if res.meta.get("no_intermediates", True) else _("with intermediate inputs")


def car_exports_table(tl, country: str, importer: str = "USA"):
    """Per step: the tariff ``importer`` levies on ``country``'s cars (%), the change of their value (%) and
    the new level (USD billion, 2022 prices and numeraire). Rows indexed by scenario."""
    import pandas as pd

    rows = []
    for res in tl:
        w = res.world
        j, i, k = w.index(country), w.index(importer), w.sectors.index(CARS)
        old = float(res.flows_base()[j, i, k])
        new = float(np.asarray(res.equilibrium.outcomes["flows_new"])[j, i, k])
        rows.append({
            "date": res.meta.get("date") or "",
            "scenario": res.scenario,
            "tariff_pct": 100.0 * float(np.asarray(res.tariffs)[j, i, k]),
            "change_pct": 100.0 * (new / old - 1.0) if old > 0 else np.nan,
            "level_usd_bn": new / 1000.0,
        })
    return pd.DataFrame(rows).set_index("scenario")


def sector_table(res, codes) -> Any:
    """Gross output and employment by sector (% change) of ``codes`` in one result; sectors in rows."""
    import pandas as pd

    w = res.world
    oc = res.equilibrium.outcomes
    out = {}
    for c in codes:
        n = w.index(c)
        out[f"{c} output %"] = np.asarray(oc["gross_output_pct"], float)[n]
        out[f"{c} employment %"] = np.asarray(oc["sector_employment_pct"], float)[n]
    df = pd.DataFrame(out, index=pd.Index(list(w.sectors), name="sector"))
    return df


def section(ctx) -> str:
    """HTML of the sectors section on world2022s (called when no other sectoral data are given)."""
    import pandas as pd

    from . import charts
    from .html import esc, table_html
    from .timeline import country_metrics, timeline

    ctx.say("solving the sectoral 2025 steps on world2022s")
    c = ctx.country
    tl = timeline("USA", WORLD2022S_TIMELINE, options=ctx.options)
    ctx.extras["sectoral_timeline"] = tl
    w = tl[0].world
    last = tl[-1]
    how = model_words(tl[0])
    links = (_("(input-output links from the OECD national tables of 2022: a sector's costs follow the prices of "
               "the inputs it buys, so a tariff reaches its suppliers)") if not tl[0].meta.get("no_intermediates", True)
             else _("(no input-output links: each sector uses labour only)"))
    model_note = (
        "<p class='note'>" + esc(_("Model of this section: the multi-sector model of Caliendo & Parro (2015)")) + " "
        f"<b>{esc(how)}</b> " + esc(_(
            "{links}, {n} economies x {sectors} sectors, Caliendo-Parro (2015) trade elasticities (motor vehicles "
            "{theta}); baseline tariffs are zero (the data carry none): each step is the set of 2025 measures in "
            "force on its date, from the 2022 baseline. The sections above use the one-sector model on "
            "world2023.").format(links=links, n=w.n, sectors=w.n_sectors,
                                 theta=f"{float(w.extras['theta'][w.sectors.index(CARS)]):.2f}"))
        + f" {esc(charts.icio_attribution(w))}</p>"
    )
    body = [
        "<p class='lead'>" + esc(_(
            "The US tariffs of 2025 by sector: steel and aluminium (25%, then 50%), cars and parts (25% from 3 "
            "April; 15% all-in for Japan under the July deal), the reciprocal tariffs that exempt the Section 232 "
            "sectors, China's retaliation and the Geneva truce.")) + "</p>",
        model_note,
    ]
    if c in w.codes and c != "USA":
        cars = car_exports_table(tl, c)
        cars = cars.assign(date=[current().date(d) for d in cars["date"]])  # the locale's long form, as elsewhere
        cars.index.name = _("scenario")
        body.append(table_html(
            cars, {"tariff_pct": ".1f", "change_pct": "+.1f", "level_usd_bn": ",.1f"},
            caption=esc(_("{country}: car exports to the USA, step by step (US tariff on its motor vehicles, %; "
                          "change in their value, %; new value, USD billion; 2022 baseline {base})").format(
                # the baseline the changes are measured from (trade balanced first where deficits are removed)
                country=current().named(c),
                base=f"{float(tl[0].flows_base()[w.index(c), w.index('USA'), w.sectors.index(CARS)]) / 1000:,.1f}")),
            header={"date": _("date"), "tariff_pct": _("US tariff %"), "change_pct": _("change %"),
                    "level_usd_bn": _("USD bn")},
        ))
    peers = [k for k in ("JPN", "KOR", "EU27", "MEX", "CAN", "CHN") if k in w.codes and k != c][:5]
    ch = pd.DataFrame({k: car_exports_table(tl, k)["change_pct"] for k in ([c] if c in w.codes and c != "USA" else [])
                       + peers})
    ch.index.name = _("scenario")
    body.append(table_html(ch, {k: "+.1f" for k in ch.columns},
                           caption=esc(_("Car exports to the USA by exporter, % change from 2022, at each step"))))
    codes = [k for k in dict.fromkeys((c, "USA", "CHN")) if k in w.codes]
    wel = pd.DataFrame({r.scenario: {k: country_metrics(r, k)["welfare_pct"] for k in codes} for r in tl}).T
    wel.index.name = _("step")
    body.append(table_html(wel, {k: "+.3f" for k in wel.columns}, caption=esc(_(
        "Welfare (real income), % change, multi-sector model {how}").format(how=how))))
    sec = sector_table(last, codes)
    sec_header = {f"{k} output %": _("{country} output %").format(country=k) for k in codes}
    sec_header |= {f"{k} employment %": _("{country} employment %").format(country=k) for k in codes}
    sec.index = pd.Index([_(s) for s in sec.index], name=_("sector"))
    body.append(table_html(sec, {k: "+.2f" for k in sec.columns}, header=sec_header,
                           caption=esc(_("Output and employment by sector after the last step ({scenario}), % "
                                         "change, multi-sector model {how}; employment = output over the wage (one "
                                         "factor, labour)").format(scenario=last.scenario, how=how))))
    keep = [s for s in w.sectors if s in (CARS, "Basic metals", "Machinery", "Electronics", "Electrical equipment",
                                          "Other transport equipment")]
    fig = charts.sector_chart([tl[1], tl[-1]], c if c in w.codes else "USA", "gross_output_pct", keep)
    if fig is not None:
        body.append(ctx.figure("sectors_gross_output_pct", fig))
    return "".join(body)
