"""Every string marked for translation in templates and Python code has a zh_CN translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from fastapi.testclient import TestClient

from jingjinji import i18n
from jingjinji.web import LANG_COOKIE

SRC = Path(i18n.__file__).parent
METHOD_MAP = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def marked_messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(SRC),
        METHOD_MAP,
        OPTIONS,
        keywords={"_": None, "gettext": None, "N_": None, "msg": None, "t": (2,), "tr": (2,)},
    ):
        text = message if isinstance(message, str) else message[0]
        if text:
            found.setdefault(text, filename)
    return found


def test_every_marked_string_is_translated_to_chinese() -> None:
    zh = i18n.translations("zh_CN")
    missing = {msg: where for msg, where in marked_messages().items() if zh.gettext(msg) == msg}
    assert not missing, "untranslated (add to locale/zh_CN/LC_MESSAGES/<domain>.po): " + "; ".join(
        f"{where}: {msg!r}" for msg, where in sorted(missing.items(), key=lambda x: x[1])[:40]
    )


@pytest.mark.parametrize("path", i18n.catalog_files("zh_CN"), ids=lambda p: p.name)
def test_catalog_parses_without_duplicates(path: Path) -> None:
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    assert len(catalog) > 0
    empty = [m.id for m in catalog if m.id and not m.string]
    assert not empty, f"empty translations in {path.name}: {empty[:10]}"


def test_language_negotiation() -> None:
    assert i18n.from_accept_language("en-GB,en;q=0.9") == "en"
    assert i18n.from_accept_language("zh-TW,zh;q=0.9") == "zh_CN"
    assert i18n.from_accept_language("fr-FR") is None
    assert i18n.normalise("zh-CN") == "zh_CN"


def test_lang_in_the_address_wins_over_the_cookie(client: TestClient) -> None:
    """A link shared as ``?lang=en`` opens in English for a reader whose cookie says Chinese
    (it used to be ignored once the cookie was set), and the other way round; without it the
    cookie decides."""
    client.cookies.set(LANG_COOKIE, "zh_CN")
    assert '<html lang="en">' in client.get("/catalog?lang=en").text
    assert '<html lang="zh-CN">' in client.get("/catalog").text
    client.cookies.set(LANG_COOKIE, "en")
    assert '<html lang="zh-CN">' in client.get("/catalog?lang=zh-CN").text
    assert '<html lang="en">' in client.get("/catalog").text
    client.cookies.set(LANG_COOKIE, "zh_CN")
    assert '<html lang="en">' in client.get("/?lang=en").text  # the home page's redirect keeps it
