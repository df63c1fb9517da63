"""The 2025 timeline presets, the country report and its page (numbers, offline page, real browser)."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from tradewar import run_scenario
from tradewar.report import DEFAULT_TIMELINE, SECTORAL_TIMELINE, build_report, timeline
from tradewar.report.html import GEO_PLACEHOLDER
from tradewar.scenario import load_scenario, prepare

CHROMIUM = "/usr/bin/chromium"
SHARED_ADB = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "adbmrio44x19_2017_2023"


@pytest.fixture(scope="module")
def report():
    return build_report("JPN")


@pytest.fixture(scope="module")
def api():
    """The same scenarios solved through the public API, one by one."""
    return {name: run_scenario(name) for name in DEFAULT_TIMELINE}


def _export_change(res, j, i):
    new = float(res.bilateral("flows_new").sel(exporter=j, importer=i))
    old = float(res.bilateral("flows_base").sel(exporter=j, importer=i))  # the model's baseline
    return 100.0 * (new / old - 1.0)


# --- presets ---------------------------------------------------------------------------------------
def test_dated_presets_load_in_order_with_the_announced_rates():
    names = [load_scenario(n).name for n in DEFAULT_TIMELINE]
    assert names == list(DEFAULT_TIMELINE)
    dates = [load_scenario(n).date for n in DEFAULT_TIMELINE]
    assert dates == sorted(dates) and dates[0] == "2025-04-02" and dates[-1] == "2025-07-22"
    for n in DEFAULT_TIMELINE + SECTORAL_TIMELINE:
        assert "implif" in load_scenario(n).notes  # every note says what was simplified

    def rate(name, exporter, importer):
        w, _m, t, _x, _r = prepare(load_scenario(name))
        return float(t[w.index(exporter), w.index(importer)])

    # effective rates: the announced rates averaged over each partner's goods (tests/test_presets_2025.py)
    assert rate("2025-04-02-liberation-day", "JPN", "USA") == pytest.approx(0.241)
    assert rate("2025-04-02-liberation-day", "CHN", "USA") == pytest.approx(0.534)
    assert rate("2025-04-02-liberation-day", "GBR", "USA") == pytest.approx(0.114)
    assert rate("2025-04-09-pause-escalation", "CHN", "USA") == pytest.approx(1.089)
    assert rate("2025-04-09-pause-escalation", "USA", "CHN") == pytest.approx(1.296)
    assert rate("2025-04-09-pause-escalation", "JPN", "USA") == pytest.approx(0.163)
    assert rate("2025-05-12-geneva-truce", "CHN", "USA") == pytest.approx(0.285)
    assert rate("2025-05-12-geneva-truce", "USA", "CHN") == pytest.approx(0.146)
    assert rate("2025-07-22-us-japan-deal", "JPN", "USA") == pytest.approx(0.15)
    assert rate("2025-07-22-us-japan-deal", "KOR", "USA") == pytest.approx(0.144)
    assert rate("2025-07-22-us-japan-deal", "CHN", "USA") == pytest.approx(0.288)
    assert rate("2025-07-22-us-japan-deal", "USA", "JPN") == pytest.approx(0.0)


def test_sectoral_presets_target_transport_equipment_on_a_placeholder_source():
    for n in SECTORAL_TIMELINE:
        s = load_scenario(n)
        assert s.model.family == "caliendo_parro"
        assert s.data.source == "data/adb"
        assert any(ly.sectors == ["Transport equipment"] for ly in s.tariffs)
    deal = load_scenario("2025-07-22-us-japan-deal-cars")
    assert any(ly.type == "partner" and ly.rates == {"JPN": 0.15} and ly.mode == "set" for ly in deal.tariffs)


def test_original_preset_names_are_aliases_of_the_dated_presets():
    assert load_scenario("liberation-day").name == "2025-04-02-liberation-day"
    assert load_scenario("china-escalation").name == "2025-04-09-pause-escalation"
    assert load_scenario("geneva-truce").date == "2025-05-12"


# --- numbers: the report equals the API ----------------------------------------------------------
def test_timeline_equals_api(api):
    tl = timeline("JPN")
    assert [r.scenario for r in tl] == list(DEFAULT_TIMELINE)
    t = tl.table()
    for name, res in api.items():
        df = res.countries()
        for k in ("welfare_pct", "real_wage_pct", "employment_pct", "price_index_pct"):
            assert t.loc[name, k] == pytest.approx(df.loc["JPN", k], abs=1e-9)
        assert t.loc[name, "exports_to_USA_pct"] == pytest.approx(_export_change(res, "JPN", "USA"), abs=1e-9)
        assert t.loc[name, "exports_to_CHN_pct"] == pytest.approx(_export_change(res, "JPN", "CHN"), abs=1e-9)
    # the step column is the difference of the levels
    w = t["welfare_pct"].to_numpy()
    assert np.allclose(t["d_welfare_pct"].to_numpy(), np.diff(np.r_[0.0, w]))
    ft = tl.focus_table()
    assert list(ft.columns) == ["JPN", "USA", "CHN", "EU27"]
    last = api[DEFAULT_TIMELINE[-1]].countries()
    assert ft.iloc[-1]["EU27"] == pytest.approx(last.loc["EU27", "welfare_pct"], abs=1e-9)


def test_summary_equals_api(report, api):
    s = report.summary
    assert len(s) == 5
    last = api[DEFAULT_TIMELINE[-1]]
    assert s["welfare_pct"].value == pytest.approx(last.countries().loc["JPN", "welfare_pct"], abs=1e-9)
    assert s["real_wage_pct"].value == pytest.approx(last.countries().loc["JPN", "real_wage_pct"], abs=1e-9)
    assert s["exports_to_USA_pct"].value == pytest.approx(_export_change(last, "JPN", "USA"), abs=1e-9)
    assert s["exports_to_CHN_pct"].value == pytest.approx(_export_change(last, "JPN", "CHN"), abs=1e-9)
    worst = min(api.values(), key=lambda r: r.countries().loc["JPN", "welfare_pct"])
    assert s["worst_welfare_pct"].scenario == worst.scenario
    assert s["worst_welfare_pct"].value == pytest.approx(worst.countries().loc["JPN", "welfare_pct"], abs=1e-9)
    # the page shows the same numbers
    for v in s.values():
        assert f"{v.value:+.2f}%" in report.html


def test_exposure_against_official_figures(report):
    from tradewar.data import load_world
    from tradewar.report.sections import exposure_rows

    rows = {r["label"]: r for r in exposure_rows(load_world("world2023"), "JPN")}
    assert rows["Exports to the USA"]["official_share"] == pytest.approx(100 * 21.3 / 107.9)
    assert rows["Imports from China"]["official_share"] == pytest.approx(100 * 25.3 / 112.4)
    china = rows["Trade with China (exports + imports)"]
    assert 15 < china["data_share"] < 25 and 15 < china["official_share"] < 25  # "about a fifth"
    for r in rows.values():
        assert r["difference"] == pytest.approx(r["data_share"] - r["official_share"])
    assert "Ministry of Finance" in report.html and "107.9" in report.html


def test_other_country_gets_the_same_report():
    rep = build_report("KOR", sections=["exposure", "timeline"])
    assert rep.country == "KOR"
    assert "exports_to_USA_pct" in rep.summary and "South Korea" in rep.html
    assert "No official trade figures" in rep.html
    us = build_report("USA", sections=["timeline"])
    assert set(us.summary) == {"welfare_pct", "worst_welfare_pct", "real_wage_pct", "exports_to_CHN_pct",
                               "exports_to_EU27_pct"}


def test_unknown_country_is_one_clear_error():
    from tradewar import DataError

    with pytest.raises(DataError, match="unknown country code 'XXX'"):
        timeline("XXX")


def test_missing_inputs_become_one_line(report, monkeypatch):
    miss = report.unavailable()
    assert "sectors" not in miss  # the embedded world2022s gives every report its sectors section
    assert "uncertainty" in miss
    for why in miss.values():
        assert "\n" not in why and why.endswith(".")
    # a section that breaks is a bug: the report fails instead of hiding it; only Unavailable is a message
    from tradewar.report import sections as sec

    def broken(ctx):
        raise RuntimeError("boom\nsecond line")

    def missing(ctx):
        raise sec.Unavailable("no such data")

    monkeypatch.setattr(sec, "SECTIONS", [("timeline", "Timeline", sec.section_timeline), ("x", "Broken", broken)])
    import tradewar.report.build as build

    monkeypatch.setattr(build, "SECTIONS", sec.SECTIONS)
    with pytest.raises(RuntimeError, match="boom"):
        build_report("JPN", scenarios=DEFAULT_TIMELINE[:2])
    monkeypatch.setattr(build, "SECTIONS", [("x", "Missing", missing)])
    rep = build_report("JPN", scenarios=DEFAULT_TIMELINE[:2])
    assert rep.unavailable() == {"x": "Not available: no such data."}


# --- the page is self-contained -------------------------------------------------------------------
def _without_plotlyjs(page: str) -> str:
    from plotly.offline import get_plotlyjs

    js = get_plotlyjs()
    assert page.count(js) == 1, "plotly.js must be embedded exactly once"
    return page.replace(js, "")


def test_page_has_no_external_references(report):
    page = report.html
    rest = _without_plotlyjs(page)
    # our own markup, scripts, figure JSON and geometry: no URL but the OECD's, as plain text in the
    # attribution its licence asks for (never a link or a source)
    assert "http://oe.cd/icio" in rest
    assert not re.search(r"""(href|src)\s*=\s*["']?http://oe\.cd""", rest)
    rest = rest.replace("http://oe.cd/icio", "")
    assert "://" not in rest, re.findall(r".{40}://.{40}", rest)[:3]
    # anywhere, plotly.js included: nothing that a browser would load by itself
    low = page.lower()
    assert not re.search(r"""<(script|img|iframe|link|source|video|audio|embed|object)\b[^>]*\b(src|href|data)\s*=""", low)
    assert "@import" not in rest and "url(" not in rest
    assert "topojsonurl" not in rest.lower()
    assert not re.search(r"""fetch\(\s*["']https?:""", low)
    assert rest.count("window.TW_GEO =") == 1  # the geometry is embedded once


def test_figures_use_embedded_geometry_and_no_basemap(report):
    from tradewar.report.html import PLOTLY_CONFIG, figure_json

    assert "topojsonURL" not in PLOTLY_CONFIG
    geo_traces = 0
    for fig in report.figures.values():
        doc = figure_json(fig)
        for tr in doc["data"]:
            if tr.get("type") == "choropleth":
                geo_traces += 1
                assert tr["geojson"] == GEO_PLACEHOLDER and tr["locationmode"] == "geojson-id"
        for key, geo in doc["layout"].items():
            if key.startswith("geo"):
                for layer in ("coastlines", "land", "ocean", "lakes", "rivers", "countries", "subunits"):
                    assert geo.get(f"show{layer}") is False, layer
    assert geo_traces == 1
    m = re.search(r"window\.TW_GEO = (\{.*?\});</script>", report.html)
    assert m
    geo = json.loads(m.group(1).replace("<\\/", "</"))
    codes = {f["properties"]["iso_a3"] for f in geo["features"]}
    assert {"JPN", "USA", "CHN", "FRA", "DEU", "BRA"} <= codes  # EU members and ROW countries drawn


def test_write_is_atomic(report, tmp_path):
    out = report.write(tmp_path / "sub" / "report.html")
    assert out.read_text(encoding="utf-8") == report.html
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]


# --- command line ---------------------------------------------------------------------------------
def test_cli_report_and_timeline(tmp_path):
    from typer.testing import CliRunner

    from tradewar.cli import app

    runner = CliRunner()
    out = tmp_path / "jpn.html"
    r = runner.invoke(app, ["report", "JPN", "--out", str(out), "--scenarios", ",".join(DEFAULT_TIMELINE[:2])])
    assert r.exit_code == 0, r.output
    assert out.is_file() and "wrote" in r.output and "Welfare after 2025-04-09" in r.output
    r = runner.invoke(app, ["timeline", "JPN"])
    assert r.exit_code == 0, r.output
    assert "2025-07-22-us-japan-deal" in r.output and "exports to USA" in r.output
    assert "real GDP %" in r.output and "-0.00 " not in r.output and "+0.00 " not in r.output
    r = runner.invoke(app, ["report", "XXX", "--out", str(tmp_path / "x.html")])
    assert r.exit_code == 2 and "unknown country code" in r.output
    assert not (tmp_path / "x.html").exists()
    r = runner.invoke(app, ["report", "Japan", "--out", str(tmp_path / "x.html")])
    assert r.exit_code == 2 and "did you mean JPN (Japan)?" in r.output


def test_png_fails_with_one_line_without_kaleido(tmp_path, monkeypatch):
    import sys

    from typer.testing import CliRunner

    from tradewar.cli import app

    monkeypatch.setitem(sys.modules, "kaleido", None)  # import fails
    r = CliRunner().invoke(app, ["report", "JPN", "--png", str(tmp_path / "png"), "--out", str(tmp_path / "r.html")])
    assert r.exit_code == 2
    assert "kaleido" in r.output and "Traceback" not in r.output


# --- a real browser -------------------------------------------------------------------------------
def _browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is absent (Debian's chromium package; .ci/run installs it)")
    from playwright.sync_api import sync_playwright  # a test extra: its absence is a failure

    return sync_playwright


ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def test_page_renders_in_chromium_offline(report, tmp_path):
    sync_playwright = _browser()
    path = report.write(tmp_path / "report.html")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors, requests = [], []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            def route(r):
                if r.request.url == path.as_uri():
                    r.continue_()
                else:  # the network is off: every other request is aborted, and recorded
                    requests.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_function(
                f"document.querySelectorAll('.js-plotly-plot').length >= {len(report.figures)}", timeout=30000
            )
            n_plots = page.evaluate(
                "Array.from(document.querySelectorAll('.js-plotly-plot'))"
                ".filter(d => d.data && d.data.length > 0 && d._fullLayout).length"
            )
            n_map_shapes = page.evaluate("document.querySelectorAll('#fig-map path.choroplethlocation').length")
            # the step buttons of the map and the bars switch the data without errors
            for fig_id in ("fig-map", "fig-welfare_bars"):
                page.locator(f"#{fig_id} g.updatemenu-button").first.click()
            page.wait_for_timeout(300)
            first_step_x = page.evaluate("document.getElementById('fig-welfare_bars').data[0].x")
            n_bars = page.evaluate("document.querySelectorAll('#fig-welfare_bars g.point').length")
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert requests == []
    assert n_plots == len(report.figures) >= 5
    assert n_map_shapes > 150
    assert n_bars == report.timeline[0].world.n
    first = report.figures["welfare_bars"].layout.updatemenus[0].buttons[0].args[0]["x"][0]
    assert first_step_x == pytest.approx(list(first))
    assert shot.stat().st_size > 50_000


# --- sectoral data (shared development data, when present) ---------------------------------------
@pytest.mark.shared
def test_sectoral_section_with_adb_data():
    if not SHARED_ADB.is_dir():
        pytest.skip("../shared/data/adbmrio44x19_2017_2023 is absent")
    from tradewar.data import load_world

    w = load_world(str(SHARED_ADB))
    assert "Transport equipment" in w.sectors
    rep = build_report("JPN", scenarios=DEFAULT_TIMELINE[-1:], sectoral_data=str(SHARED_ADB), sections=["sectors"])
    assert "sectors" not in rep.unavailable(), rep.unavailable()
    for name in SECTORAL_TIMELINE:
        res = run_scenario(load_scenario(name), data=str(SHARED_ADB))
        assert f"{res.countries().loc['JPN', 'welfare_pct']:+.3f}" in rep.html
    assert {"sectors_gross_output_pct", "sectors_decomposition"} <= set(rep.figures)


# --- strategy sections ----------------------------------------------------------------------------
def test_strategy_sections():
    rep = build_report("JPN", sections=["bloc", "deal"])
    assert rep.unavailable() == {}
    assert {"bloc", "deal"} <= set(rep.figures)
    assert "JPN&#x27;s choice" in rep.html or "JPN's choice" in rep.html
    assert "24% threat (2 April)" in rep.html and "15% (2025-07-22)" in rep.html
    # the deal point is the last step of the timeline
    last = run_scenario(DEFAULT_TIMELINE[-1]).countries()
    assert f"{last.loc['JPN', 'welfare_pct']:+.3f}" in rep.html


def test_bloc_section_of_the_target_says_whose_welfare_it_shows():
    rep = build_report("CHN", sections=["bloc"])
    assert rep.unavailable() == {}
    assert "For CHN, the bloc&#x27;s target" in rep.html
    assert "JPN&#x27;s choice" not in rep.html and "CHN&#x27;s choice" not in rep.html


def test_strategy_sections_say_when_missing(monkeypatch):
    from tradewar.report import sections as sec

    def nothing(*names):
        raise sec.Unavailable(f"the strategy layer does not provide {', '.join(names)} yet")

    monkeypatch.setattr(sec, "_strategy", nothing)
    rep = build_report("JPN", scenarios=DEFAULT_TIMELINE, sections=["bloc", "deal"])
    assert "bloc" in rep.unavailable() and "bloc_game" in rep.unavailable()["bloc"]
    assert "deal" not in rep.unavailable()  # the threat and deal points need no strategy layer
    assert "Frontier not available" in rep.html


def test_kaleido_png(report, tmp_path):
    import kaleido  # noqa: F401  (a test extra: its absence is a failure)
    if not (os.path.exists(CHROMIUM) or shutil.which("google-chrome") or shutil.which("chromium")):
        pytest.skip("no Chrome/Chromium for kaleido")
    paths = report.write_pngs(tmp_path / "png", scale=1.0)
    steps = len(report.timeline)
    stepped = {"map", "welfare_bars"}  # a button per step: one image per step besides the last step's
    want = [f"{n}.png" for n in report.figures] + [f"{n}_step{k}.png" for n in stepped for k in range(1, steps + 1)]
    assert sorted(p.name for p in paths) == sorted(want)
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_each_step_of_a_chart_with_step_buttons_is_an_image_of_its_own(report):
    from tradewar.report.build import _stills

    bars = report.figures["welfare_bars"]
    stills = _stills("welfare_bars", bars)
    assert list(stills) == ["welfare_bars", *[f"welfare_bars_step{k}" for k in range(1, len(report.timeline) + 1)]]
    first, last = report.timeline[0], report.timeline[-1]
    jp = report.timeline[0].world.index("JPN")
    for name, res in (("welfare_bars_step1", first), ("welfare_bars", last)):
        fig = stills[name]
        assert not fig.layout.updatemenus and "buttons" not in fig.layout.title.text
        assert res.meta["date"] in fig.layout.title.text
        value = float(np.asarray(res.equilibrium.outcomes["welfare_pct"])[jp])
        assert value in [float(x) for x in fig.data[0].x]  # the step's own numbers
    assert _stills("exposure", report.figures["exposure"]) == {"exposure": report.figures["exposure"]}


def test_comparison_section_is_computed_from_the_presets(report, api):
    from tradewar.report._compare import published

    sec = {s.id: s for s in report.sections}["compare"]
    assert sec.body is not None, sec.missing
    jp = api["2025-04-02-liberation-day"].countries(["JPN"]).iloc[0]
    cell = f"welfare {jp.welfare_pct:+.2f}, real GDP {jp.real_gdp_pct:+.2f}".replace("-", "−")
    assert cell in sec.body
    assert sec.body.count("<tr>") == len(published()) + 1  # header and one row per published figure
    assert "Ignatenko, Lashkaripour, Macedoni &amp; Simonovska (2025)" in sec.body


def test_uncertainty_section_labels_its_bands_and_puts_the_band_on_the_headline():
    rep = build_report("JPN", scenarios=["liberation-day"], sections=["uncertainty"], draws=8)
    assert rep.unavailable() == {}
    assert "welfare %<br>5th pct." in rep.html and "P(gain)" in rep.html
    assert "welfare_p05" not in rep.html and "failed_draws" not in rep.html
    low, high = rep.summary["welfare_pct"].band
    assert np.isfinite([low, high]).all() and low < high  # the drawn parameters move the welfare change
    assert rep.summary["welfare_pct"].band_text() in rep.html
    assert "90% band" in rep.summary["welfare_pct"].text()


def test_timeline_says_when_its_steps_differ_in_their_deficit_closure():
    from types import SimpleNamespace

    from tradewar.report.sections import _closures_note

    step = lambda name, d: SimpleNamespace(scenario=name, meta={"deficits": d})  # noqa: E731
    assert _closures_note([step("a", "zero"), step("b", "zero")]) == ""
    note = _closures_note([step("mine", "fixed"), step("liberation-day", "zero")])
    assert "mine: fixed, liberation-day: zero" in note and "own baseline" in note


def test_png_export_draws_again_what_kaleido_left_out(report, tmp_path, monkeypatch):
    """kaleido drops a chart whose tab failed (a timeout on a loaded machine) without an error: drawn once more."""
    import plotly.io as pio

    calls = []

    def write_images(figs, files, **kw):
        calls.append(len(files))
        for k, f in enumerate(files):
            if len(calls) > 1 or k != 0:  # the first chart is left out the first time
                Path(f).write_bytes(b"\x89PNG\r\n\x1a\n")

    monkeypatch.setattr(pio, "write_images", write_images)
    paths = report.write_pngs(tmp_path / "png", scale=1.0)
    assert calls[1] == 1 and all(p.is_file() for p in paths) and len(calls) == 2


def test_preset_notes_on_other_data_say_which_data_they_describe(tmp_path):
    """A step's notes speak of the data the preset was written for (world2023); on --data the report says so
    beside them, in the report's language."""
    from tradewar.data import load_world
    from tradewar.report import build_report
    from tradewar.report.timeline import DEFAULT_TIMELINE

    # the embedded world without a tenth of Japan's exports to the USA: other data, the same codes
    w = load_world("world2023")
    X = np.array(w.bilateral(), dtype=float)
    X[w.index("JPN"), w.index("USA")] *= 0.9
    folder = tmp_path / "w32"
    folder.mkdir()
    (folder / "trade.csv").write_text("exporter," + ",".join(w.codes) + "\n" + "".join(
        c + "," + ",".join(repr(float(v)) for v in row) + "\n" for c, row in zip(w.codes, X, strict=True)))
    (folder / "gdp.csv").write_text("country,gdp\n" + "".join(f"{c},{float(v)!r}\n" for c, v in zip(w.codes, w.gdp, strict=True)))
    rep = build_report("JPN", scenarios=DEFAULT_TIMELINE[:1], data=str(folder), sections=["timeline"])
    assert rep.html.count(f"These notes describe the preset on world2023; this run uses wide tables {folder}.") == 1
    rep = build_report("JPN", scenarios=DEFAULT_TIMELINE[:1], sections=["timeline"])
    assert "These notes describe the preset" not in rep.html
    # a scenario written for the folder, given the folder again under another spelling: no note
    own = tmp_path / "own.toml"
    own.write_text('name = "own"\ntitle = "Own"\nnotes = "On w32."\n[data]\nsource = "w32"\n'
                   '[[tariffs]]\ntype = "partner"\nimporter = "USA"\nrates = { CHN = 0.3 }\n')
    rep = build_report("JPN", scenarios=[str(own)], data=str(folder / ".." / "w32"), sections=["timeline"])
    assert "On w32." in rep.html and "These notes describe the preset" not in rep.html
    rep = build_report("JPN", scenarios=DEFAULT_TIMELINE[:1], data=str(folder), sections=["timeline"], lang="ja")
    assert "この注記はプリセット本来のデータ(world2023)についてのもので" in rep.html
