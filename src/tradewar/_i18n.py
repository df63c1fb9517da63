"""Languages of the report, the command line and the web page: English, Japanese and Simplified Chinese.

The texts are gettext catalogues (``tradewar/locale/<lang>/LC_MESSAGES/tradewar.po``, compiled to ``.mo``
and shipped with the package); the English text is the message id, so English needs no catalogue.
Country names come from the Unicode CLDR through Babel; dates take the locale's long form (Babel), numbers
the locale's decimal and grouping symbols with Python's rounding (the same digits in every language).

The language of the running code is a :class:`contextvars.ContextVar`: each thread and each asyncio task
sees its own, so a web server can answer requests in several languages at once. Library code calls
:func:`_` (and :func:`current` for names, numbers and dates); callers choose the language with
:func:`language`::

    >>> from tradewar._i18n import _, language
    >>> with language("ja"):
    ...     _("Welfare")
    '経済厚生'
    >>> _("Welfare")
    'Welfare'
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import gettext as _gettext
import math
import os
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LANGUAGES", "DOMAIN", "LOCALE_DIR", "Translator", "translator", "language", "current", "resolve",
           "gettext", "N_", "_", "sentences"]

#: The languages with a catalogue (ISO 639-1): English (source), Japanese, Simplified Chinese.
LANGUAGES = ("en", "ja", "zh")
#: Babel locale of each language (``zh``: Simplified Chinese as written in mainland China).
BABEL_LOCALES = {"en": "en", "ja": "ja", "zh": "zh_Hans_CN"}
DOMAIN = "tradewar"
LOCALE_DIR = Path(__file__).parent / "locale"
#: Environment variable with the default language of the command line.
ENV = "TRADEWAR_LANG"


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue where it is defined; :func:`_` translates it where it is shown."""
    return message


#: Model regions that are not ISO 3166 countries: their names are messages of the catalogue.
_REGIONS = {"EU27": N_("European Union (27)"), "ROW": N_("Rest of the world")}
_NA = N_("n/a")
#: CLDR's short names (alt="short", which Babel does not load) where the full one is a mouthful.
_SHORT = {("HKG", "ja"): "香港", ("HKG", "zh"): "香港", ("MAC", "ja"): "マカオ", ("MAC", "zh"): "澳门"}


#: A full stop that ends no sentence: abbreviations that take one.
_ABBREV = re.compile(r"(?:\be\.g|\bi\.e|\bvs|\bno|\bal|\bSt|\bcf)\.$")


def sentences(text: str) -> list[str]:
    """The sentences of a long text (a preset's notes), each a message of the catalogue.

    A sentence ends at ". " before a capital, a quote or a backtick, outside parentheses and brackets (whose
    content may hold full stops) and not after an abbreviation. ``" ".join(sentences(t)) == t.strip()`` for
    texts without runs of spaces, so the English text is unchanged; the catalogue tool extracts the same units.

    >>> sentences("Simplified: one sector (e.g. cars. And parts). Deficits are removed first.")
    ['Simplified: one sector (e.g. cars. And parts).', 'Deficits are removed first.']
    """
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif (ch == "." and depth == 0 and text[i + 1:i + 2] == " " and re.match(r"[A-Z`'\"]", text[i + 2:i + 3])
              and not _ABBREV.search(text[max(0, i - 3):i + 1])):
            out.append(text[start:i + 1].strip())
            start = i + 2
    if text[start:].strip():
        out.append(text[start:].strip())
    return out


def resolve(lang: str | None = None) -> str:
    """The language code to use: ``lang``, else ``$TRADEWAR_LANG``, else English.

    Accepts regional forms (``ja_JP.UTF-8``, ``zh-CN``, ``zh_Hans``); raises ``ValueError`` for a language
    without a catalogue.
    """
    raw = lang if lang else os.environ.get(ENV, "") or "en"
    code = raw.strip().split(".")[0].replace("-", "_").split("_")[0].lower()
    if code not in LANGUAGES:
        src = "" if lang else f" (from ${ENV})"
        raise ValueError(f"unknown language {raw!r}{src}: choose from {', '.join(LANGUAGES)}")
    return code


@functools.cache
def _iso2() -> dict[str, str]:
    """ISO3 -> ISO2 of every country in country_converter's table (read as text: Namibia's ISO2 is "NA")."""
    import csv
    from importlib import resources

    text = resources.files("country_converter").joinpath("country_data.tsv").read_text(encoding="utf-8")
    out = {}
    for r in csv.DictReader(text.splitlines(), delimiter="\t"):
        m = re.search(r"[A-Z]{2}", r["ISO2"] or "")  # a few rows hold a pattern, e.g. "^GB$|^UK$"
        if r["ISO3"] and m:
            out[r["ISO3"]] = m.group(0)
    return out


@dataclass(frozen=True)
class Translator:
    """Texts, country names, numbers and dates in one language (``lang`` of :data:`LANGUAGES`)."""

    lang: str
    catalogue: _gettext.NullTranslations

    def gettext(self, message: str) -> str:
        """The translation of ``message`` (the English text itself where there is none; "" stays "")."""
        return self.catalogue.gettext(message) if message else message

    def text(self, text: str | None) -> str:
        """A preset's title or notes in this language, sentence by sentence (:func:`sentences`, the units of
        the catalogue); a sentence without a translation stays English. English: unchanged."""
        if not text or self.lang == "en":
            return text or ""
        out = ""
        for s in sentences(text):
            t = self.gettext(s)
            # CJK sentences run on without a space; an English one keeps its space
            out += (" " if out and (t == s or not re.search(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]$", out))
                    else "") + t
        return out

    @property
    def locale(self):
        """The :class:`babel.Locale` of the language."""
        from babel import Locale

        return Locale.parse(BABEL_LOCALES[self.lang])

    def country(self, code: str, fallback: str | None = None) -> str:
        """The name of the ISO3 ``code`` in this language (CLDR), or ``fallback`` (else the code).

        English keeps ``fallback`` (the dataset's own name); model regions (EU27, ROW) are catalogue messages.
        """
        c = code.upper()
        if c in _REGIONS:
            return self.gettext(_REGIONS[c])
        if self.lang == "en":
            return fallback or c
        if (c, self.lang) in _SHORT:
            return _SHORT[c, self.lang]
        iso2 = _iso2().get(c)
        name = self.locale.territories.get(iso2) if iso2 else None
        return name or fallback or c

    def named(self, code: str) -> str:
        """``code`` in English prose (the code itself), the country's name in the other languages."""
        return code if self.lang == "en" else self.country(code)

    def number(self, value: float, digits: int = 2, *, sign: bool = False, group: bool = True) -> str:
        """``value`` with ``digits`` decimals in the locale's symbols; "n/a" (translated) when not finite."""
        if value is None or not math.isfinite(value):
            return self.gettext(_NA)
        from babel.numbers import get_decimal_symbol, get_group_symbol

        # Python's rounding (of the binary value) for every language, so that a number reads the same
        # in each; the locale gives the symbols.
        s = format(value, ("+" if sign else "") + ("," if group else "") + f".{digits}f")
        dec, grp = get_decimal_symbol(self.locale), get_group_symbol(self.locale)
        return s.replace(",", "\0").replace(".", dec).replace("\0", grp)

    def percent(self, value: float, digits: int = 2, *, sign: bool = True) -> str:
        """A percent change, e.g. ``+1.25%``."""
        if value is None or not math.isfinite(value):
            return self.gettext(_NA)
        return self.number(value, digits, sign=sign) + "%"

    def usd_bn(self, value: float, digits: int = 1) -> str:
        """An amount given in billions of US dollars, in the units the language counts money in: ``685.9 bn
        USD``; in Japanese and Chinese in 億 (亿, a hundred million) or, from a thousand billion, 兆 (万亿):
        ``6,859億ドル``, ``4.2兆ドル``, ``6,859亿美元``."""
        if value is None or not math.isfinite(value):
            return self.gettext(_NA)
        units = {"ja": ("億ドル", "兆ドル"), "zh": ("亿美元", "万亿美元")}.get(self.lang)
        if units is None:
            return self.number(value, digits) + " bn USD"
        if abs(round(value * 10.0)) >= 10000:  # after rounding: 999.97 bn is 1.0兆, not 10,000億
            return self.number(value / 1000.0, 1) + units[1]
        return self.number(value * 10.0, 0) + units[0]

    def date(self, iso: str | _dt.date | None) -> str:
        """An ISO date in the locale's long form (English keeps ISO 8601); anything else unchanged."""
        if iso is None:
            return ""
        if self.lang == "en":
            return str(iso)
        try:
            d = iso if isinstance(iso, _dt.date) else _dt.date.fromisoformat(str(iso))
        except ValueError:
            return str(iso)
        from babel.dates import format_date

        return format_date(d, format="long", locale=self.locale)

    def messages(self) -> dict[str, str]:
        """Every translated message of the catalogue, message id -> translation (empty for English)."""
        cat = getattr(self.catalogue, "_catalog", {})
        return {str(k): str(v) for k, v in cat.items() if isinstance(k, str) and k and v}


def translator(lang: str | None = None) -> Translator:
    """The :class:`Translator` of ``lang`` (see :func:`resolve`), loaded once per process."""
    return _load(resolve(lang))


@functools.cache
def _load(code: str) -> Translator:
    if code == "en":
        return Translator("en", _gettext.NullTranslations())
    try:
        cat = _gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[code])
    except OSError as e:  # a broken installation
        raise RuntimeError(f"the {code} catalogue is missing from the installation ({e.filename})") from None
    return Translator(code, cat)


_CURRENT: ContextVar[Translator | None] = ContextVar("tradewar_language", default=None)


def current() -> Translator:
    """The translator of the running context (English unless :func:`language` chose another)."""
    t = _CURRENT.get()
    return t if t is not None else translator("en")


@contextlib.contextmanager
def language(lang: str | Translator | None) -> Iterator[Translator]:
    """Run the block in ``lang`` (a code, a :class:`Translator`, or None for ``$TRADEWAR_LANG``/English)."""
    t = lang if isinstance(lang, Translator) else translator(lang)
    token = _CURRENT.set(t)
    try:
        yield t
    finally:
        _CURRENT.reset(token)


def gettext(message: str) -> str:
    """``message`` in the language of the running context."""
    return current().gettext(message)


_ = gettext
