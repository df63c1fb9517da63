"""Maintain the gettext catalogues of tradewar (Babel): extract the messages, update the ``.po`` files,
compile them to ``.mo``, and check that every message has a translation.

    python tools/i18n.py update    # extract from src/tradewar (Python ``_``/``N_``, the page's app.js ``_``,
                                   # the page's text, the presets' titles and notes)
    python tools/i18n.py compile   # .po -> .mo (shipped with the package)
    python tools/i18n.py check     # exit 1 when a message is untranslated or fuzzy, or a .mo is stale
    python tools/i18n.py glossary  # exit 1 when a message uses a glossary term but not its translation

The English text is the message id; translators edit ``src/tradewar/locale/<lang>/LC_MESSAGES/tradewar.po``
(terms as in ``docs/glossary.md``).
"""

from __future__ import annotations

import io
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "src" / "tradewar"
LOCALE = PKG / "locale"
LANGS = ("ja", "zh")
NAMES = {"ja": "Japanese", "zh": "Simplified Chinese"}
DOMAIN = "tradewar"
METHODS = [("**/static/**.js", "javascript"), ("**.py", "python")]  # app.js and i18n.js call _() too
KEYWORDS = {"_": None, "N_": None}
#: The page: its text nodes and its title and aria-label attributes are messages (``static/i18n.js``).
PAGE = PKG / "web" / "static" / "index.html"
PAGE_ATTRS = ("title", "aria-label")


class _PageTexts(HTMLParser):
    """The texts of the page that ``i18n.js`` translates, with their line numbers."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.skip = 0

    def _add(self, text: str) -> None:
        key = re.sub(r"\s+", " ", text).strip()
        if re.search(r"[A-Za-z]{2}", key) and not key.startswith("/"):  # a path (link) is no message
            self.found.append((self.getpos()[0], key))

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code"):
            self.skip += 1
        for k, v in attrs:
            if k in PAGE_ATTRS and v:
                self._add(v)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self._add(data)


#: The table of published estimates: the text of these columns is shown in the report's language.
PUBLISHED = PKG / "report" / "published_2025.csv"
PUBLISHED_COLUMNS = ("published", "measures", "horizon", "model_class", "why")


def published_texts() -> list[tuple[int, str]]:
    import csv

    rows = csv.DictReader(PUBLISHED.read_text(encoding="utf-8").splitlines())
    return [(k + 2, r[c]) for k, r in enumerate(rows) for c in PUBLISHED_COLUMNS
            if re.search(r"[A-Za-z]{2}", r[c] or "")]


#: The presets: their titles and notes sentence by sentence (``Translator.text`` shows them).
PRESETS = PKG / "presets"


def preset_texts() -> list[tuple[str, int, str]]:
    import tomllib

    from tradewar._i18n import sentences

    out = []
    for p in sorted(PRESETS.glob("*.toml")) + sorted(PRESETS.glob("blocs/*.toml")):
        lines = p.read_text(encoding="utf-8").splitlines()
        raw = tomllib.loads("\n".join(lines))
        where = f"tradewar/{p.relative_to(PKG).as_posix()}"
        for key in ("title", "notes"):
            line = next((k + 1 for k, t in enumerate(lines) if t.startswith(f"{key} =")), 1)
            text = str(raw.get(key) or "")
            out += [(where, line, unit) for unit in sentences(text)]
    return out


def page_texts() -> list[tuple[int, str]]:
    p = _PageTexts()
    p.feed(PAGE.read_text(encoding="utf-8"))
    return p.found


def template() -> Catalog:
    cat = Catalog(project="tradewar", charset="utf-8")
    for fname, lineno, msg, comments, _ctx in extract_from_dir(str(PKG), METHODS, keywords=KEYWORDS,
                                                                comment_tags=("TRANSLATORS:",)):
        if isinstance(msg, tuple):
            msg = msg[0]
        if msg:
            cat.add(msg, locations=[(f"tradewar/{fname}", lineno)], auto_comments=comments)
    for lineno, msg in page_texts():
        cat.add(msg, locations=[("tradewar/web/static/index.html", lineno)])
    for where, lineno, msg in preset_texts():
        cat.add(msg, locations=[(where, lineno)])
    for lineno, msg in published_texts():
        cat.add(msg, locations=[("tradewar/report/published_2025.csv", lineno)])
    return cat


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(lang: str) -> Catalog:
    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


def update() -> None:
    tpl = template()
    for lang in LANGS:
        p = po_path(lang)
        if p.exists():
            cat = read(lang)
            cat.update(tpl, no_fuzzy_matching=True)
        else:
            p.parent.mkdir(parents=True, exist_ok=True)
            cat = Catalog(locale=lang, domain=DOMAIN, project="tradewar", charset="utf-8")
            cat.update(tpl, no_fuzzy_matching=True)
        cat.header_comment = (f"# {NAMES[lang]} messages of tradewar (the report, the command line, the web page).\n"
                              "# Terms as in docs/glossary.md. Maintained with tools/i18n.py.")
        cat.project, cat.version = "tradewar", ""
        cat.last_translator = cat.language_team = "tradewar developers"
        cat.msgid_bugs_address = ""
        cat.fuzzy = False  # the header is complete
        with p.open("wb") as fh:
            write_po(fh, cat, width=120, omit_header=False, ignore_obsolete=True, include_previous=False)
        print(f"{p.relative_to(ROOT)}: {len(cat)} messages")


def mo_bytes(cat: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, cat, use_fuzzy=False)
    return buf.getvalue()


def compile_() -> None:
    for lang in LANGS:
        cat = read(lang)
        po_path(lang).with_suffix(".mo").write_bytes(mo_bytes(cat))
        print(f"{po_path(lang).with_suffix('.mo').relative_to(ROOT)}: {len(cat)} messages")


def problems() -> list[str]:
    out = []
    ids = {m.id for m in template() if m.id}
    for lang in LANGS:
        cat = read(lang)
        have = {m.id for m in cat if m.id}
        out += [f"{lang}: not in the catalogue: {i!r}" for i in sorted(ids - have)]
        for m in cat:
            if m.id and (not m.string or m.fuzzy):
                out.append(f"{lang}: {'fuzzy' if m.fuzzy else 'untranslated'}: {m.id!r}")
        mo = po_path(lang).with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != mo_bytes(cat):
            out.append(f"{lang}: {mo.name} is stale (python tools/i18n.py compile)")
    return out


#: The glossary page: its table maps each English term to the Japanese and Chinese the catalogues use.
GLOSSARY = ROOT / "docs" / "glossary.md"


def glossary() -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """``(english, ja terms, zh terms)`` of each row of the glossary's table.

    A cell may hold alternatives ("retaliation, retaliatory tariff"; "輸出 / 輸入"); a parenthesis in the English
    cell is a gloss, not part of the term. Where the English and the translations list as many alternatives,
    they pair up (exports: 輸出, imports: 輸入); else any of the translations will do for any English form.
    """
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| ") or len(cells) < 3 or cells[0] in ("English", "---"):
            continue
        en = [t.strip() for t in re.split(r",|/", re.sub(r"\(.*?\)", "", cells[0])) if t.strip()]
        ja, zh = ([t.strip() for t in c.split(" / ") if t.strip()] for c in cells[1:3])
        for k, term in enumerate(en):
            pair = len(en) == len(ja) == len(zh)
            rows.append((term, (ja[k],) if pair else tuple(ja), (zh[k],) if pair else tuple(zh)))
    return rows


def _prose(msgid: str, names: set[str]) -> str:
    """The English words of a message: placeholders, `code` and preset names (2025-04-03-us-car-tariffs) out."""
    text = re.sub(r"\{\w*\}|`[^`]*`", " ", msgid)
    return re.sub(r"[\w.-]+", lambda w: " " if w.group(0).strip(".") in names else w.group(0), text)


def glossary_problems() -> list[str]:
    """Messages whose English uses a glossary term while the translation has none of its translations.

    Longer terms first, and the words a term matched are not matched again by a shorter one ("baseline year"
    is 基準年, and its "baseline" is not also ベースライン).
    """
    from tradewar.scenario import PRESET_ALIASES

    names = {p.stem for p in PRESETS.glob("*.toml")} | {p.stem for p in PRESETS.glob("blocs/*.toml")}
    names |= set(PRESET_ALIASES)
    terms = sorted(glossary(), key=lambda r: -len(r[0]))
    out = []
    for lang in LANGS:
        col = 1 if lang == "ja" else 2
        for m in read(lang):
            if not m.id or not m.string:
                continue
            text = _prose(m.id, names)
            for row in terms:
                pattern = rf"\b{re.escape(row[0])}(?:s|es)?\b"
                if not re.search(pattern, text, flags=re.I):
                    continue
                text = re.sub(pattern, " ", text, flags=re.I)
                if not any(t in m.string for t in row[col]):
                    out.append(f"{lang}: {row[0]!r} is {' or '.join(row[col])} (glossary): {m.id!r} -> {m.string!r}")
    return out


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "check"
    if cmd == "update":
        update()
    elif cmd == "compile":
        compile_()
    elif cmd == "check":
        bad = problems()
        for line in bad:
            print(line)
        return 1 if bad else 0
    elif cmd == "glossary":
        bad = glossary_problems()
        for line in bad:
            print(line)
        return 1 if bad else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
