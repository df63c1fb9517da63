"""Maintain the gettext catalogues of tradewar (Babel): extract the messages, update the ``.po`` files,
compile them to ``.mo``, and check that every message has a translation.

    python tools/i18n.py update    # extract from src/tradewar (Python ``_``/``N_``, the page's app.js ``_``,
                                   # the page's text, the presets' titles and notes)
    python tools/i18n.py compile   # .po -> .mo (shipped with the package)
    python tools/i18n.py check     # exit 1 when a message is untranslated or fuzzy, or a .mo is stale

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
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
