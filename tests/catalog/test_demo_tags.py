"""Found in a user trial: the demo's registers showed their demo-data tag in English on the
Chinese dataset page ("synthetic sample" beside 合成示例数据; the page-wide Chinese check lets a
``lang="en"`` tag pass). A known tag is shown once, in the reader's language (both databases)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.catalog import demo as catalog_demo
from jingjinji.catalog.presentation import SYNTHETIC_SAMPLE, shown_tags
from jingjinji.demo import DemoContext
from tests.catalog.support import SETTINGS
from tests.conftest import People, login


def _tags(html: str) -> list[tuple[str | None, str]]:
    """The dataset page's tags: (their lang attribute, their text)."""
    block = html.split('data-testid="meta-tags">', 1)[1].split("</dd>", 1)[0]
    return [
        (lang, text)
        for _, lang, text in re.findall(r'<a ([^>]*?)(?:lang="([^"]*)")?>([^<]*)</a>', block)
    ]


def test_a_known_tag_reads_in_the_readers_language() -> None:
    assert shown_tags("zh_CN", ["水质", "合成示例数据"], ["water", SYNTHETIC_SAMPLE]) == (
        ["水质", "合成示例数据"],
        ["water"],
    )
    assert shown_tags("zh_CN", ["水质"], [SYNTHETIC_SAMPLE]) == (["水质", "合成示例数据"], [])
    assert shown_tags("en", ["水质", "合成示例数据"], ["water", SYNTHETIC_SAMPLE]) == (
        ["water", SYNTHETIC_SAMPLE],
        ["水质"],
    )
    assert shown_tags("en", ["合成示例数据"], []) == ([SYNTHETIC_SAMPLE], [])


def test_the_demo_registers_show_their_demo_tag_in_the_readers_language(
    session_factory: sessionmaker[Session], client: TestClient, people: People
) -> None:
    ctx = DemoContext(values={"settings": SETTINGS, "organisations": people.organisations})
    with session_factory() as session:
        catalog_demo.load(session, ctx)
        session.commit()
    login(client, "office", people.password)  # one register is conditional
    for code, *_ in catalog_demo.REGISTERS:
        zh = _tags(client.get(f"/catalog/{code}", headers={"accept-language": "zh-CN"}).text)
        assert ("", "合成示例数据") in zh, code
        assert SYNTHETIC_SAMPLE not in {text for _, text in zh}, code
        en = _tags(client.get(f"/catalog/{code}", headers={"accept-language": "en"}).text)
        assert ("", SYNTHETIC_SAMPLE) in en, code
        assert "合成示例数据" not in {text for _, text in en}, code
