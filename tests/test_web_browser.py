"""The page of ``tradewar serve`` end to end in Debian's headless Chromium (Playwright), offline.

Screenshots at laptop and tablet widths are saved to the test's temporary folder (or to
``$TRADEWAR_ARTIFACTS`` when set).
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx", reason="the web extra is not installed")
pytest.importorskip("fastapi", reason="the web extra is not installed")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]


def _serve(state, token: str = ""):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "TRADEWAR_TOKEN": token}
    proc = subprocess.Popen([sys.executable, "-m", "tradewar", "serve", "--port", str(port), "--state", str(state)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        t0 = time.monotonic()
        while True:
            try:
                if httpx.get(url + "/api/datasets", timeout=2.0, headers=headers).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() - t0 < 120, "the server did not start"
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from _serve(tmp_path_factory.mktemp("state"))


def _artifacts(tmp_path: Path) -> Path:
    out = Path(os.environ.get("TRADEWAR_ARTIFACTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def test_change_japan_on_china_run_and_download(server, tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is absent (Debian's chromium package; .ci/run installs it)")
    from playwright.sync_api import sync_playwright  # a test extra: its absence is a failure

    shots = _artifacts(tmp_path)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900}, accept_downloads=True)
            errors, outside = [], []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            def route(r):
                if r.request.url.startswith(server):
                    r.continue_()
                else:  # offline: anything else is refused, and recorded
                    outside.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.goto(server + "/", wait_until="load")
            page.wait_for_selector("body[data-result]", timeout=120_000)
            first = page.get_attribute("body", "data-result")
            jpn = page.locator("#result-table tbody tr.focus")
            assert jpn.locator("th").inner_text() == "JPN"
            before = jpn.locator("td").nth(1).inner_text()
            z_before = page.evaluate("document.getElementById('map').data[0].z")
            assert page.locator("#map path.choroplethlocation").count() > 100

            # Japan's tariff on China: 60%
            page.locator("#t-CHN").fill("60")
            assert page.locator("tr[data-partner='CHN'] td.set").inner_text() == "60"
            page.click("#run")
            page.wait_for_function(f"document.body.dataset.result && document.body.dataset.result !== '{first}'",
                                   timeout=60_000)
            after = page.locator("#result-table tbody tr.focus td").nth(1).inner_text()
            assert after != before
            assert page.locator("tr[data-partner='CHN'] td.last").inner_text() == "60.0"
            z_after = page.evaluate("document.getElementById('map').data[0].z")
            assert len(z_after) == len(z_before) and z_after != z_before
            assert "tariffs=CHN%3A0.6" in page.url
            page.screenshot(path=str(shots / "web-laptop.png"), full_page=True)

            # the results as CSV, the same numbers as the table
            with page.expect_download() as dl:
                page.click("#dl-csv")
            path = tmp_path / "results.csv"
            dl.value.save_as(path)
            import pandas as pd

            df = pd.read_csv(io.StringIO(path.read_text()), index_col="country")
            assert f"{df.loc['JPN', 'welfare_pct']:+.2f}" == after

            # the scenario as TOML: the same scenario for the library
            with page.expect_download() as dl:
                page.click("#dl-toml")
            toml_path = tmp_path / "scenario.toml"
            dl.value.save_as(toml_path)
            from tradewar import run_scenario
            from tradewar.scenario import load_scenario

            res = run_scenario(load_scenario(toml_path))
            assert f"{res.countries().loc['JPN', 'welfare_pct']:+.2f}" == after

            # compare: keep this run as A, move the tariff back to 0, run again
            page.click("#pin")
            page.locator("#t-CHN").fill("0")
            second = page.get_attribute("body", "data-result")
            page.click("#run")
            page.wait_for_function(f"document.body.dataset.result !== '{second}'", timeout=60_000)
            assert page.locator("#diffmap").is_visible()
            heads = page.locator("#result-table thead th").all_inner_texts()
            assert heads[-2:] == ["A welfare %", "B − A pp"]
            row = page.locator("#result-table tbody tr.focus td").all_inner_texts()
            assert row[-2] == after and float(row[-1]) == pytest.approx(float(row[1]) - float(after), abs=0.011)

            # an error in plain words next to the control that caused it
            page.fill("#eps", "-1")
            page.click("#run")
            assert "above 0" in page.locator("#err-eps").inner_text()

            # keyboard: Tab reaches the Run button
            page.fill("#eps", "")
            page.focus("#dataset")
            for _ in range(12):
                page.keyboard.press("Tab")
                if page.evaluate("document.activeElement.id") == "run":
                    break
            assert page.evaluate("document.activeElement.id") == "run"

            # the bloc question: the bloc game's answer for Japan
            page.click("#bloc-run")
            page.wait_for_function("document.getElementById('bloc-answer').textContent.length > 0", timeout=90_000)
            answer = page.locator("#bloc-answer").inner_text()
            # the page states the library's answer: join when welfare in the bloc beats staying out
            from tradewar.strategy._blocs import load_bloc
            from tradewar.strategy._documents import bloc_document

            lib = bloc_document(load_bloc("us-bloc-china")).doc
            jpn = lib["candidates"]["JPN"]
            verdict = "Join." if jpn["welfare_in_pct"] > jpn["welfare_out_pct"] else "Stay out."
            assert answer.startswith(f"{verdict} JPN's welfare"), answer
            assert " | ".join(", ".join(m) or "none" for m in lib["stable"]) in answer, answer
            assert page.locator("#bloc-table tbody tr").count() == 10

            # tablet width: one column, nothing wider than the screen
            page.set_viewport_size({"width": 820, "height": 1180})
            page.wait_for_timeout(300)
            assert page.evaluate("document.documentElement.scrollWidth") <= 820
            page.screenshot(path=str(shots / "web-tablet.png"), full_page=True)
        finally:
            browser.close()
    assert errors == [] and outside == []
    assert (shots / "web-laptop.png").stat().st_size > 10_000


def test_the_sectoral_world_on_the_page_behind_a_token(tmp_path):
    """A preset on world2022s: output and employment by sector, Japan's car exports to the USA step by step,
    and a slider on one sector; the browser gives the token as the HTTP Basic password (never in the URL)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is absent (Debian's chromium package; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    shots = _artifacts(tmp_path)
    gen = _serve(tmp_path / "state", token="page-s3cret")
    url = next(gen)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = browser.new_context(viewport={"width": 1366, "height": 900},
                                           http_credentials={"username": "me", "password": "page-s3cret"}).new_page()
                errors = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.goto(url + "/#preset=2025-07-22-us-japan-deal-sectoral&focus=JPN", wait_until="load")
                page.wait_for_selector("body[data-result]", timeout=180_000)
                assert page.locator("#dataset").input_value() == "world2022s"  # the preset's own world
                assert page.locator("#sectors-panel").is_visible() and page.locator("#sector-field").is_visible()
                cars = page.locator("#cars-answer").inner_text()
                assert cars.startswith("Japan's car exports to the USA") and "US tariff 15.0%" in cars, cars
                assert page.locator("#sector-table tbody tr").count() == 16

                # Japan's tariff on US cars only: 50%
                page.select_option("#sector", "Motor vehicles")
                page.locator("#t-USA").fill("50")
                first = page.get_attribute("body", "data-result")
                page.click("#run")
                page.wait_for_function(f"document.body.dataset.result !== '{first}'", timeout=60_000)
                assert page.locator("tr[data-partner='USA'] td.last").inner_text() == "50.0"
                assert "sector=Motor+vehicles" in page.url and "token" not in page.url
                page.select_option("#sector", "Food")  # another sector: its tariff on US goods is untouched
                assert page.locator("tr[data-partner='USA'] td.last").inner_text() != "50.0"

                page.click("#cars-run")
                page.wait_for_function("document.querySelectorAll('#cars-table tbody tr').length > 0", timeout=180_000)
                rows = page.locator("#cars-table tbody tr")
                assert rows.count() == 7
                tariffs = [rows.nth(k).locator("td").nth(1).inner_text() for k in range(7)]
                assert tariffs == ["0.0", "25.0", "25.0", "25.0", "25.0", "25.0", "15.0"]
                page.screenshot(path=str(shots / "web-sectors.png"), full_page=True)
            finally:
                browser.close()
    finally:
        gen.close()
    assert errors == []


#: Every text node of the page (its script's output included), for the scan for English left in a translation.
_TEXT_NODES = """() => {
  const out = [], walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const p = n.parentElement;
    if (p && !p.closest("script, style, code, option, .js-plotly-plot") && n.nodeValue.trim()) out.push(n.nodeValue.trim());
  }
  return out;
}"""


def _glyphs_differ(page, text: str) -> bool:
    """Each character of ``text`` drawn alone in a box of one size: screenshots that all differ mean real glyphs;
    without a font for the script every character is the same missing-glyph box (tofu)."""
    page.evaluate("""(text) => {
      const box = document.createElement("div");
      box.id = "glyph-probe";
      box.style.cssText = "position:fixed;left:0;top:0;z-index:9999;background:#fff;color:#000;font-size:40px";
      for (const ch of text) {
        const s = document.createElement("span");
        s.textContent = ch;
        s.style.cssText = "display:inline-block;width:48px;height:52px;text-align:center;line-height:52px";
        box.appendChild(s);
      }
      document.body.appendChild(box);
    }""", text)
    try:
        shots = [page.locator("#glyph-probe span").nth(k).screenshot() for k in range(len(text))]
    finally:
        page.evaluate("document.getElementById('glyph-probe').remove()")
    return len(set(shots)) == len(text)


def test_page_in_japanese_and_chinese(server, tmp_path):
    """``?lang=ja`` and ``?lang=zh`` show the page in that language; the switch keeps the scenario in the URL."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is absent (Debian's chromium package; .ci/run installs it)")
    import re
    import shutil

    from playwright.sync_api import sync_playwright

    # a font with CJK glyphs, else the screenshots show boxes (.ci/run installs fonts-noto-cjk)
    assert shutil.which("fc-list"), "fontconfig's fc-list is missing"
    cjk_fonts = {}
    for lang in ("ja", "zh"):
        fonts = subprocess.run(["fc-list", f":lang={lang}", "family"], capture_output=True, text=True).stdout
        assert fonts.strip(), f"no font for {lang}: apt-get install fonts-noto-cjk"
        cjk_fonts[lang] = {f.strip() for line in fonts.splitlines() for f in line.split(",")}

    from tradewar._i18n import translator
    from tradewar.scenario import load_scenario

    cjk = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    catalogue = httpx.get(server + "/assets/i18n-ja.json").json()
    english = {m for m in catalogue["messages"] if len(m) > 3}
    assert catalogue["names"]["Japan"] == "日本" and catalogue["names"]["United Kingdom"] == "イギリス"
    shots = _artifacts(tmp_path)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server) else r.abort())
            for lang, scenario, welfare in (("ja", "シナリオ", "経済厚生 %"), ("zh", "情景", "福利 %")):
                page.goto(server + f"/?lang={lang}", wait_until="load")
                page.wait_for_selector(f"body[data-lang='{lang}'][data-result]", timeout=120_000)
                page.wait_for_function("document.querySelector('#result-table thead th button') !== null")
                assert page.get_attribute("html", "lang") == {"ja": "ja", "zh": "zh-Hans"}[lang]
                assert page.locator("#h-scenario").inner_text() == scenario
                heads = page.locator("h2, label, legend, button, th").all_inner_texts()
                shown = [h.strip() for h in heads if h.strip()]
                assert not [h for h in shown if h in english], [h for h in shown if h in english][:5]
                assert all(cjk.search(h) for h in page.locator("h2").all_inner_texts())
                assert welfare in page.locator("#result-table thead").inner_text()
                summary = page.locator("#summary").inner_text()  # a sentence the page's script writes
                assert summary.startswith({"ja": "日本:経済厚生 ", "zh": "日本:福利 "}[lang]), summary
                assert page.locator("#result-table tbody tr.focus th").inner_text() == "JPN"
                assert page.title().startswith("tradewar — ") and cjk.search(page.title())
                # no message of the catalogue left in English anywhere on the page
                texts = page.evaluate(_TEXT_NODES)
                left = [t for t in texts if t in english and catalogue["messages"][t] != t]  # "tradewar" stays
                assert len(texts) > 50 and not left, left[:5]
                # the preset's title, dates per locale (CLDR, as the report writes them)
                title = page.locator("#preset-title").inner_text()
                assert title == translator(lang).text(load_scenario("2025-04-02-liberation-day").title), title
                assert page.evaluate("TW_I18N.date('2025-04-02')") == "2025年4月2日"
                # glyphs, not boxes: each character of a heading drawn differently (a tofu box is one shape)
                assert _glyphs_differ(page, {"ja": "経済厚生シナリオ", "zh": "福利情景贸易关税"}[lang])
                # Chromium drew the heading's characters with one of those fonts (no boxes in the screenshot)
                cdp = page.context.new_cdp_session(page)
                cdp.send("DOM.enable")
                cdp.send("CSS.enable")
                root = cdp.send("DOM.getDocument")["root"]["nodeId"]
                node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "#h-scenario"})["nodeId"]
                used = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
                assert any(f["familyName"] in cjk_fonts[lang] and f["glyphCount"] > 0 for f in used), used
                cdp.detach()
                page.screenshot(path=str(shots / f"web-{lang}.png"), full_page=False)
            # the switch: Chinese -> Japanese -> English, the scenario (#fragment) kept
            page.locator("#t-CHN").fill("40")
            page.wait_for_function("location.hash.indexOf('CHN%3A0.4') >= 0")
            page.select_option("#lang", "ja")
            page.wait_for_selector("body[data-lang='ja'][data-result]", timeout=120_000)
            assert "lang=ja" in page.url and "CHN%3A0.4" in page.url
            assert page.locator("#h-scenario").inner_text() == "シナリオ"
            page.select_option("#lang", "en")
            page.wait_for_selector("body[data-lang='en'][data-result]", timeout=120_000)
            assert "lang=" not in page.url and "CHN%3A0.4" in page.url
            assert page.locator("#h-scenario").inner_text() == "Scenario"
            assert errors == []
        finally:
            browser.close()
