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
from typing import Annotated, ClassVar

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from pydantic import SkipValidation

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


def _value(lang: str, value: object) -> object:
    """A message's value in ``lang``: a ``Msg`` translated, a list or tuple of values joined
    with the language's list separator."""
    if isinstance(value, Msg):
        return translate(lang, value)
    if isinstance(value, list | tuple):
        return gettext_for(lang, LIST_SEPARATOR).join(str(_value(lang, v)) for v in value)
    return value


# The separator of the items of a list in a sentence (Chinese: the enumeration comma).
LIST_SEPARATOR = ", "


class Items(tuple[object, ...]):
    """Values a message lists: joined with ", " in its English text (a plain list or tuple reads
    as Python writes it, ``['a', 'b']``), with the language's separator where translated."""

    __slots__ = ()
    #: What joins the items in the English text, ``str(message)``: the API's and the audit's.
    separator: ClassVar[str] = LIST_SEPARATOR

    def __format__(self, spec: str) -> str:
        return self.separator.join(str(v) for v in self)


class SemicolonItems(Items):
    """Items whose English text keeps "; " between them: a kernel's reason that the API passes
    on as the kernel wrote it ("March 0 (< 27); April 0 (< 27)"). A page still joins them with
    its language's list separator."""

    __slots__ = ()
    separator = "; "


class Msg(str):
    """A message marked for translation where it is made, with its values.

    As a ``str`` it is the English text (the API's problem details, logs and the audit record
    keep it); ``translate(lang, message)`` gives it in the user's language: the source string
    translated, then filled with the values (a value that is a ``Msg`` itself, such as an enum's
    label, is translated too). Services raise errors with one:
    ``NotFound(msg("no warning {id}", id=warning_id))``."""

    template: str
    params: dict[str, object]

    def __new__(cls, template: str, /, **params: object) -> Msg:
        text = template.format(**params) if params else template
        made = super().__new__(cls, text)
        made.template = template
        made.params = params
        return made

    def __reduce__(self) -> tuple[object, ...]:  # copies and pickles keep the values
        return (_rebuild, (self.template, self.params))


def _rebuild(template: str, params: dict[str, object]) -> Msg:
    return Msg(template, **params)


#: A text field of an output schema that keeps a ``Msg`` as it is, so that a page shows it in
#: the reader's language (``{{ tr(e.reason) }}``); JSON gets the English text.
MessageText = Annotated[str, SkipValidation]


def msg(template: str, /, **params: object) -> Msg:
    """Mark a message for translation (extracted like ``_``): English ``str.format`` source
    text and its values."""
    return Msg(template, **params)


def translate(lang: str, message: object) -> str:
    """A message in ``lang``: a ``Msg`` with its values, any other text as a source string
    (translated when some catalog has it, else as it is)."""
    if isinstance(message, Msg):
        values = {k: _value(lang, v) for k, v in message.params.items()}
        return gettext_for(lang, message.template).format(**values)
    text = str(message)
    return gettext_for(lang, text) if text else text
