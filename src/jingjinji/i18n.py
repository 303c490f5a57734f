"""Translations (zh-CN and English) for pages and messages.

Source strings are English. Each domain keeps its own catalog,
``locale/<lang>/LC_MESSAGES/<domain>.po``, so domains never edit one shared file; all catalogs
of a language are merged when first needed. ``make i18n-check`` / the test suite verify that
every string marked in a template or view has a zh_CN translation.
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES: dict[str, str] = {"zh_CN": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh_CN"


def normalise(lang: str | None) -> str:
    if not lang:
        return DEFAULT_LANGUAGE
    lang = lang.replace("-", "_")
    if lang.lower().startswith("zh"):
        return "zh_CN"
    if lang.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def from_accept_language(header: str | None) -> str | None:
    if not header:
        return None
    for part in header.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return None


def catalog_files(lang: str) -> list[Path]:
    return sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po"))


@lru_cache(maxsize=8)
def translations(lang: str) -> gettext.NullTranslations:
    lang = normalise(lang)
    files = catalog_files(lang)
    if lang == "en" or not files:
        return gettext.NullTranslations()
    merged: Translations | None = None
    for path in files:
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        current = Translations(buf, domain="messages")
        if merged is None:
            merged = current
        else:
            merged.merge(current)
    assert merged is not None
    return merged


def gettext_for(lang: str, message: str) -> str:
    return translations(lang).gettext(message)
