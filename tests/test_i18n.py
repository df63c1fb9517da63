"""English, Japanese and Simplified Chinese: the catalogues, the language of a context, the report in each."""

from __future__ import annotations

import html as _html
import importlib.util
import json
import re
import threading
from pathlib import Path

import pytest

from tradewar._i18n import LANGUAGES, Translator, _, current, language, resolve, translator
from tradewar.report import DEFAULT_TIMELINE, build_report

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e]")
STEPS = DEFAULT_TIMELINE[:2]


def _tool():
    spec = importlib.util.spec_from_file_location("tradewar_i18n_tool", ROOT / "tools" / "i18n.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _placeholders(s: str) -> list[str]:
    return sorted(re.findall(r"\{\w*\}", s))


# --- catalogues -----------------------------------------------------------------------------------
def test_catalogues_translate_every_message_and_the_mo_files_are_fresh():
    tool = _tool()
    assert tool.problems() == []  # every message of the code in each .po, translated, not fuzzy; .mo compiled
    for lang in ("ja", "zh"):
        msgs = [m for m in tool.read(lang) if m.id]
        assert len(msgs) >= 200
        for m in msgs:
            assert _placeholders(m.string) == _placeholders(m.id), (lang, m.id)
            assert m.string.count("<br>") == m.id.count("<br>"), (lang, m.id)
        # prose is written in the language, not copied from the English
        long = [m for m in msgs if len(m.id) > 30]
        assert all(CJK.search(m.string) for m in long), [m.id for m in long if not CJK.search(m.string)][:3]


def test_every_message_uses_the_glossary_terms(tmp_path, monkeypatch):
    tool = _tool()
    rows = {en: (ja, zh) for en, ja, zh in tool.glossary()}
    assert len(rows) >= 45
    assert rows["retaliatory tariff"] == (("報復関税",), ("报复性关税",)) and rows["imports"] == (("輸入",), ("进口",))
    assert rows["input-output table"] == (("産業連関表",), ("投入产出表",))
    assert tool.glossary_problems() == []  # each term, where its English is in a message, in the glossary's words
    # a glossary that names another word for welfare finds every message that says welfare
    text = tool.GLOSSARY.read_text(encoding="utf-8").replace("| welfare | 経済厚生 | 福利 |", "| welfare | 厚生水準 | 福祉 |")
    (tmp_path / "glossary.md").write_text(text, encoding="utf-8")
    monkeypatch.setattr(tool, "GLOSSARY", tmp_path / "glossary.md")
    bad = tool.glossary_problems()
    assert len(bad) > 20 and all("'welfare' is 厚生水準" in b or "'welfare' is 福祉" in b for b in bad)
    assert tool.main(["glossary"]) == 1


def test_a_missing_translation_fails_the_check(tmp_path, monkeypatch):
    tool = _tool()
    for lang in ("ja", "zh"):
        (tmp_path / lang / "LC_MESSAGES").mkdir(parents=True)
        cat = tool.read(lang)
        if lang == "zh":  # one preset sentence loses its translation
            victim = next(m for m in cat if m.id and any("presets/" in loc for loc, _n in m.locations))
            victim.string = ""
        from babel.messages.pofile import write_po

        with (tmp_path / lang / "LC_MESSAGES" / "tradewar.po").open("wb") as fh:
            write_po(fh, cat)
        (tmp_path / lang / "LC_MESSAGES" / "tradewar.mo").write_bytes(tool.mo_bytes(cat))
    monkeypatch.setattr(tool, "LOCALE", tmp_path)
    assert tool.problems() == [f"zh: untranslated: {victim.id!r}"]
    assert tool.main(["check"]) == 1


def test_preset_titles_and_notes_are_translated():
    from tradewar._i18n import sentences
    from tradewar.scenario import list_bloc_presets, list_presets

    texts = [(s.name, s.title, s.notes) for s in list_presets()]
    texts += [(b["name"], b["title"], b["notes"]) for b in list_bloc_presets()]
    assert len(texts) >= 19
    for lang in ("ja", "zh"):
        tr = translator(lang)
        for name, title, notes in texts:
            assert " ".join(sentences(notes)) == notes.strip()  # the English text is the sentences joined
            assert sentences(title) == [title]  # the page translates a title as one text
            assert tr.gettext(title) != title and CJK.search(tr.text(title)), (lang, name)
            shown = tr.text(notes)
            left = [u for u in sentences(notes) if u in shown]
            assert left == [] and CJK.search(shown), (lang, name, left[:1])
    assert translator("en").text(texts[0][2]) == texts[0][2]
    assert translator("ja").text("2 April 2025: the US \"reciprocal\" tariffs (10% floor) on top of the tariffs "
                                 "in force") == "2025年4月2日:発効中の関税に上乗せする米国の「相互関税」(下限10%)"
    assert "对等关税" in translator("zh").text(next(t for n, t, _n in texts if n == "2025-04-02-liberation-day"))


def test_the_field_terms_follow_the_glossary():
    expected = {
        "Welfare": ("経済厚生", "福利"),
        "Terms of trade": ("交易条件", "贸易条件"),
        "Real wage": ("実質賃金", "实际工资"),
        "Real GDP": ("実質GDP", "实际GDP"),
        "Employment": ("雇用", "就业"),
        "Volume of trade": ("貿易量", "贸易量"),
    }
    glossary = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    for en, (ja, zh) in expected.items():
        assert translator("ja").gettext(en) == ja and translator("zh").gettext(en) == zh
        row = next(line for line in glossary.splitlines() if line.lower().startswith(f"| {en.lower()} |"))
        assert ja in row and zh in row, row


# --- the language of a context --------------------------------------------------------------------
def test_language_is_per_context_and_threads_do_not_share_it():
    assert current().lang == "en" and _("Welfare") == "Welfare"
    with language("ja"):
        assert _("Welfare") == "経済厚生"
        with language("zh"):
            assert _("Welfare") == "福利"
        assert _("Welfare") == "経済厚生"
    assert _("Welfare") == "Welfare"

    barrier = threading.Barrier(len(LANGUAGES))
    seen: dict[str, list[str]] = {}

    def work(lang):
        with language(lang):
            barrier.wait()  # all three languages active at once
            seen[lang] = [_("Welfare") for _k in range(200)]

    threads = [threading.Thread(target=work, args=(lang,)) for lang in LANGUAGES]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {k: set(v) for k, v in seen.items()} == {"en": {"Welfare"}, "ja": {"経済厚生"}, "zh": {"福利"}}


def test_resolve_reads_the_environment_and_refuses_unknown_languages(monkeypatch):
    monkeypatch.delenv("TRADEWAR_LANG", raising=False)
    assert resolve(None) == "en" and resolve("ja_JP.UTF-8") == "ja" and resolve("zh-Hans-CN") == "zh"
    monkeypatch.setenv("TRADEWAR_LANG", "zh_CN.UTF-8")
    assert resolve(None) == "zh" and resolve("ja") == "ja"
    monkeypatch.setenv("TRADEWAR_LANG", "fr")
    with pytest.raises(ValueError, match=r"unknown language 'fr' \(from \$TRADEWAR_LANG\): choose from en, ja, zh"):
        resolve(None)


def test_country_names_numbers_and_dates_per_locale():
    ja, zh, en = translator("ja"), translator("zh"), translator("en")
    assert ja.country("JPN") == "日本" and zh.country("JPN") == "日本"
    assert ja.country("USA") == "アメリカ合衆国" and zh.country("USA") == "美国"
    assert zh.country("KOR") == "韩国" and ja.country("DEU") == "ドイツ"
    assert ja.country("EU27") == "EU(27か国)" and zh.country("ROW") == "世界其他地区"
    assert en.country("KOR", "South Korea") == "South Korea"  # English keeps the dataset's own name
    assert ja.country("NAM") == "ナミビア"  # ISO2 "NA" read as text, not as a missing value
    assert ja.date("2025-04-02") == "2025年4月2日" and zh.date("2025-07-22") == "2025年7月22日"
    assert en.date("2025-04-02") == "2025-04-02"
    assert ja.percent(-0.2849) == "-0.28%" and zh.number(12345.678, 1) == "12,345.7"
    assert ja.percent(float("nan")) == "該当なし" and en.percent(float("nan")) == "n/a"


# --- the report in each language ------------------------------------------------------------------
def _texts(page: str, tags=("h1", "h2", "h3", "summary", "caption", "th", "figcaption")) -> dict[str, list[str]]:
    body = re.sub(r"<script>.*?</script>", "", page, flags=re.S)
    out = {}
    for tag in tags:
        found = re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", body, flags=re.S)
        out[tag] = [_html.unescape(re.sub(r"<[^>]+>", " ", t)).strip() for t in found]
    return out


def _iso_dates(page: str) -> list[str]:
    """ISO dates shown as text (a preset's name, 2025-04-02-liberation-day, and code do not count)."""
    body = re.sub(r"<script>.*?</script>|<code>.*?</code>", "", page, flags=re.S)
    return re.findall(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])", re.sub(r"<[^>]+>", " ", body))


def _figure_texts(page: str) -> list[str]:
    """Titles, axis titles and trace names of every chart on the page."""
    out = []
    for m in re.finditer(r"TW\.plot\(\"[^\"]+\", (\{.*?\})\);</script>", page, flags=re.S):
        doc = json.loads(m.group(1).replace("<\\/", "</"))
        lay = doc["layout"]
        out.append(lay["title"]["text"])
        out += [v["title"]["text"] for k, v in lay.items() if k.startswith(("xaxis", "yaxis"))
                and isinstance(v, dict) and v.get("title", {}).get("text")]
    return out


class _Spy:
    """Every message looked up, by language (patches :meth:`Translator.gettext`)."""

    def __init__(self, monkeypatch):
        self.seen: set[tuple[str, str]] = set()
        orig = Translator.gettext

        def spy(tr, message):
            self.seen.add((tr.lang, message))
            return orig(tr, message)

        monkeypatch.setattr(Translator, "gettext", spy)

    def untranslated(self, lang: str) -> list[str]:
        have = translator(lang).messages()
        return sorted(m for lg, m in self.seen if lg == lang and not have.get(m))


@pytest.fixture(scope="module")
def ja_cli(tmp_path_factory):
    """``tradewar report JPN --lang ja`` with two steps and every section, and the messages it looked up."""
    from typer.testing import CliRunner

    from tradewar.cli import app

    mp = pytest.MonkeyPatch()
    spy = _Spy(mp)
    out = tmp_path_factory.mktemp("ja") / "jpn.html"
    try:
        r = CliRunner().invoke(app, ["report", "JPN", "--lang", "ja", "--scenarios", ",".join(STEPS), "--out",
                                     str(out)])
    finally:
        mp.undo()
    return r, out, spy


def test_report_in_japanese_is_complete(ja_cli):
    r, out, spy = ja_cli
    assert r.exit_code == 0, r.output
    assert spy.untranslated("ja") == []  # no message of the report falls back to English
    assert len({m for lg, m in spy.seen if lg == "ja"}) > 120
    page = out.read_text(encoding="utf-8")
    assert "<html lang='ja'>" in page
    english = {m for m in translator("ja").messages() if len(m) > 3}
    texts = _texts(page)
    for tag in ("h1", "h2", "h3", "summary"):
        assert texts[tag] and all(CJK.search(t) for t in texts[tag]), (tag, texts[tag])
    headings = [t for tag in texts.values() for t in tag]
    assert not [t for t in headings if t in english]
    assert "2025年の関税戦争と日本" in texts["h1"]
    assert _iso_dates(page) == [] and "2025年4月2日" in page  # dates in the locale's long form, every table
    assert "貿易関係:誰と貿易しているか" in texts["h2"] and "5つの数字で見る" in texts["h2"]
    assert "交易条件" in page or "経済厚生の経路" in page  # the welfare channels in the field's words
    # the steps of the timeline: the presets' titles and notes in Japanese, not in English
    from tradewar.scenario import load_scenario

    first = load_scenario(STEPS[0])
    assert translator("ja").text(first.title) in page and _html.escape(first.title) not in page
    assert "相互関税" in page and _html.escape(first.notes[:60]) not in page
    figs = _figure_texts(page)
    assert len(figs) > 10 and all(CJK.search(t) for t in figs[:1])
    assert not [t for t in figs if t in english]
    # the five numbers on the command line, in Japanese with Japanese dates
    assert "2025年4月9日以降の経済厚生" in r.output and "アメリカ合衆国向け輸出" in r.output


def test_report_in_chinese_is_complete(monkeypatch):
    spy = _Spy(monkeypatch)
    rep = build_report("JPN", scenarios=STEPS, sections=["exposure", "timeline", "deal", "uncertainty"], lang="zh")
    assert spy.untranslated("zh") == []
    page = rep.html
    assert "<html lang='zh'>" in page
    texts = _texts(page)
    for tag in ("h1", "h2", "h3", "summary"):
        assert texts[tag] and all(CJK.search(t) for t in texts[tag]), (tag, texts[tag])
    english = {m for m in translator("zh").messages() if len(m) > 3}
    assert not [t for tag in texts.values() for t in tag if t in english]
    assert "2025年关税战中的日本" in texts["h1"] and "与美国的协议" in texts["h2"]
    assert _iso_dates(page) == [] and "2025年4月2日" in page
    assert rep.summary["welfare_pct"].label == "2025年4月9日之后的福利"
    assert rep.unavailable()["uncertainty"].startswith("不可用:")
    assert "对美国出口" in page and "贸易条件" not in rep.unavailable()["uncertainty"]
    # the numbers are the English report's numbers
    en = build_report("JPN", scenarios=STEPS, sections=["timeline"])
    assert {k: v.value for k, v in rep.summary.items()} == {k: v.value for k, v in en.summary.items()}
    assert f"{rep.summary['welfare_pct'].value:+.2f}%" in page


def test_report_refuses_an_unknown_language(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from tradewar.cli import app

    r = CliRunner().invoke(app, ["report", "JPN", "--lang", "fr", "--out", str(tmp_path / "x.html")])
    assert r.exit_code == 2 and "unknown language 'fr'" in r.output and "Traceback" not in r.output
    monkeypatch.setenv("TRADEWAR_LANG", "xx")
    r = CliRunner().invoke(app, ["report", "JPN", "--out", str(tmp_path / "x.html")])
    assert r.exit_code == 2 and "TRADEWAR_LANG" in r.output
    assert not (tmp_path / "x.html").exists()


# --- the command line's tables --------------------------------------------------------------------
def test_cli_tables_follow_tradewar_lang():
    from typer.testing import CliRunner

    from tradewar.cli import LABELS, app

    runner = CliRunner()
    r = runner.invoke(app, ["run", "2025-07-22-us-japan-deal", "--countries", "JPN,USA"],
                      env={"TRADEWAR_LANG": "ja"})
    assert r.exit_code == 0, r.output
    for key in ("welfare_pct", "real_wage_pct", "tot_pct"):
        assert translator("ja").gettext(LABELS[key]) != LABELS[key]
    assert "経済厚生 %" in r.output and "実質賃金 %" in r.output and "国・地域" in r.output
    assert "welfare %" not in r.output and "real wage %" not in r.output
    r = runner.invoke(app, ["timeline", "JPN"], env={"TRADEWAR_LANG": "zh"})
    assert r.exit_code == 0, r.output
    assert "2025年关税时间线" in r.output and "福利 %" in r.output and "2025年7月22日" in r.output
    assert "welfare %" not in r.output
    r = runner.invoke(app, ["timeline", "JPN"], env={"TRADEWAR_LANG": "en"})
    assert "welfare %" in r.output and "exports to USA %" in r.output
    r = runner.invoke(app, ["data", "info", "--country", "JPN"], env={"TRADEWAR_LANG": "zh"})
    assert r.exit_code == 0, r.output
    assert "贸易差额" in r.output and "美国" in r.output and "United States" not in r.output
    assert "32 个国家和地区;世界GDP" in r.output and "JPN 的主要贸易伙伴" in r.output and "JPN:出口" in r.output
    assert "countries" not in r.output and "Largest" not in r.output
    r = runner.invoke(app, ["scenarios"], env={"TRADEWAR_LANG": "klingon"})
    assert r.exit_code == 2 and "unknown language 'klingon' (from $TRADEWAR_LANG)" in r.output


# --- the HTTP API ---------------------------------------------------------------------------------
def test_report_endpoint_and_page_catalogue_in_each_language(tmp_path):
    pytest.importorskip("fastapi", reason="the web extra is not installed")
    import warnings

    with warnings.catch_warnings():  # starlette's TestClient warns about its httpx transport on import
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from tradewar.web import ServeConfig, create_app

    with TestClient(create_app(ServeConfig(state=tmp_path)), base_url="http://127.0.0.1") as client:
        q = f"sections=exposure&steps={STEPS[0]}"
        ja = client.get(f"/api/report/JPN?{q}&lang=ja")
        assert ja.status_code == 200 and "<html lang='ja'>" in ja.text and "貿易関係:誰と貿易しているか" in ja.text
        zh = client.get(f"/api/report/JPN?{q}&lang=zh")
        assert zh.status_code == 200 and "<html lang='zh'>" in zh.text and "贸易敞口:与谁开展贸易" in zh.text
        en = client.get(f"/api/report/JPN?{q}")
        assert "<html lang='en'>" in en.text and "Exposure: who the country trades with" in en.text
        assert client.get(f"/api/report/JPN?{q}&lang=fr").status_code == 422
        for lang in ("ja", "zh"):
            doc = client.get(f"/assets/i18n-{lang}.json").json()
            assert doc["messages"] == {**doc["messages"], **translator(lang).messages()}
            assert doc["names"]["Japan"] == "日本" and doc["names"]["South Korea"] == translator(lang).country("KOR")
            # the server's chart titles, formatted with each metric
            title = "Welfare by country (% change from the 2023 baseline); buttons: the step"
            assert CJK.search(doc["messages"][title])
        assert client.get("/assets/i18n-fr.json").status_code == 404
        page = client.get("/").text
        assert '<script src="/assets/i18n.js" defer></script>' in page
        assert "TW_I18N" in client.get("/assets/i18n.js").text


def _fonts_for(page, selector: str) -> list[dict]:
    """The platform fonts Chromium used to draw the text of ``selector`` (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()


def _offline(allowed: str, refused: list[str]):
    """A route handler that lets ``allowed`` through and aborts (and records) anything else."""

    def route(r):
        if r.request.url == allowed:
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    return route


def test_reports_render_cjk_in_chromium(ja_cli, tmp_path):
    """The Japanese and Chinese reports in headless Chromium, offline: charts drawn, CJK glyphs from a real font."""
    import os
    import shutil
    import subprocess

    chromium = "/usr/bin/chromium"
    if not os.path.exists(chromium):
        pytest.skip(f"{chromium} is absent (Debian's chromium package; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    assert shutil.which("fc-list"), "fontconfig's fc-list is missing"
    zh = build_report("JPN", scenarios=STEPS, sections=["exposure"], lang="zh").write(tmp_path / "zh.html")
    pages = {"ja": ja_cli[1], "zh": zh}
    out = Path(os.environ.get("TRADEWAR_ARTIFACTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            for lang, path in pages.items():
                listed = subprocess.run(["fc-list", f":lang={lang}", "family"], capture_output=True, text=True).stdout
                families = {f.strip() for line in listed.splitlines() for f in line.split(",")}
                assert families, f"no font for {lang}: apt-get install fonts-noto-cjk"
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                errors, requests = [], []
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                page.route("**/*", _offline(path.as_uri(), requests))
                page.goto(path.as_uri(), wait_until="load")
                page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=30_000)
                for sel in ("header.top h1", "#exposure h2"):
                    used = _fonts_for(page, sel)
                    assert any(f["familyName"] in families and f["glyphCount"] > 0 for f in used), (lang, sel, used)
                # the chart titles are drawn in the language too
                title = page.evaluate("document.querySelector('#fig-exposure .gtitle').textContent")
                assert CJK.search(title), title
                page.screenshot(path=str(out / f"report-{lang}.png"), full_page=False)
                assert errors == [] and requests == []
                page.close()
        finally:
            browser.close()
    assert (out / "report-ja.png").stat().st_size > 30_000


@pytest.mark.parametrize("lang", ["ja", "zh"])
def test_data_provenance_in_the_report_language(lang, world2023):
    """The embedded worlds' names and the OECD credit in the report's prose and footnotes are translated; the
    tables' titles stay as published."""
    import re

    from tradewar._i18n import language
    from tradewar.data import load_world
    from tradewar.report import charts

    w22 = load_world("world2022s")
    with language(lang):
        lines = [charts.world_label(world2023), charts.world_label(w22), charts.icio_attribution(w22),
                 charts.data_line(w22)]
    for line in lines:
        assert CJK.search(line), line
        prose = line.replace("Inter-Country Input-Output tables", "").replace("Input-Output Tables", "")
        assert not re.search(r"[A-Za-z]{3,} [A-Za-z]{3,} [A-Za-z]{3,}", prose), line  # no English sentence left
    assert "33" in lines[1] and "16" in lines[1] and "OECD (2023)" in lines[2] and "http://oe.cd/icio" in lines[3]


def test_money_reads_in_each_language_s_own_units():
    """Billions of dollars in English; 億 (亿) and 兆 (万亿) in Japanese and Chinese, never "685.9 10億ドル"."""
    en, ja, zh = translator("en"), translator("ja"), translator("zh")
    assert en.usd_bn(685.94) == "685.9 bn USD"
    assert ja.usd_bn(685.94) == "6,859億ドル" and ja.usd_bn(4204.3) == "4.2兆ドル"
    assert zh.usd_bn(685.94) == "6,859亿美元" and zh.usd_bn(4204.3) == "4.2万亿美元"
    assert ja.usd_bn(float("nan")) == ja.gettext("n/a")
    assert ja.usd_bn(999.97) == "1.0兆ドル" and ja.usd_bn(999.94) == "9,999億ドル"  # 兆 from what rounds to it
