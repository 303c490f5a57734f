"""Help pages: every area in both languages, the header's link to each page's area, the tour
from the home page, and texts rendered without raw HTML."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from jingjinji.help import service
from jingjinji.i18n import LANGUAGES, translations
from tests.conftest import People, login

ZH = {"accept-language": "zh-CN,zh;q=0.9"}
EN = {"accept-language": "en"}
HAN = re.compile(r"[\u4e00-\u9fff]")
# Pages that belong to no area: they link to the help index.
GENERAL_PAGES = {"/", "/favicon.ico", "/healthz", "/lang/{code}", "/help", "/help/{topic}"}


def test_every_topic_has_a_text_in_each_language_and_no_text_is_stray() -> None:
    expected = set(service.topics())
    assert {"catalog", "air", "warnings", "progress", "credit", "water", "sources", "audit",
            "accounts", "api", "tour"} <= expected  # fmt: skip
    for lang in LANGUAGES:
        found = {p.stem for p in (service.CONTENT_DIR / lang).glob("*.md")}
        assert found == expected, (lang, found ^ expected)
        for topic in expected:
            text = service.source_path(topic, lang).read_text(encoding="utf-8")
            assert len(text) > 400, (lang, topic)
            if lang == "zh_CN":
                assert len(HAN.findall(text)) > 100, topic


def _texts(node: service.Node) -> Iterator[str]:
    if node.text is not None:
        yield node.text
    for child in node.children:
        yield from _texts(child)


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_no_text_shows_markdown_it_could_not_read(lang: str) -> None:
    # "和**[接口文档](/api/v1/docs)**" is no emphasis in CommonMark (a CJK letter before the
    # "**", punctuation after it): the page showed the asterisks.
    for topic in service.topics():
        shown = "".join(_texts(service.page(topic, lang)))
        for leftover in ("**", "](", "__"):
            assert leftover not in shown, (lang, topic, leftover)


def test_every_area_title_is_translated() -> None:
    zh = translations("zh_CN")
    for topic in service.topics():
        title = service.title_of(topic)
        assert zh.gettext(title) != title, title


def _page_routes(app: FastAPI) -> Iterator[str]:
    def walk(routes: list[Any], prefix: str) -> Iterator[str]:
        for route in routes:
            included = getattr(route, "original_router", None)
            if included is not None:
                yield from walk(included.routes, prefix + route.include_context.prefix)
            elif "GET" in (getattr(route, "methods", None) or ()):
                yield prefix + route.path

    for path in sorted(set(walk(list(app.routes), ""))):
        if not path.startswith(("/api/", "/static/")):
            yield path


def test_every_page_belongs_to_an_area(app: FastAPI) -> None:
    pages = list(_page_routes(app))
    assert "/air/cities/{code}" in pages and "/water/incidents" in pages
    unplaced = [p for p in pages if p not in GENERAL_PAGES and service.area_of_path(p) is None]
    assert not unplaced, (
        f"pages without a help area (add to help.service.AREA_OF_SEGMENT): {unplaced}"
    )
    assert service.help_url("/air/cities/110000") == "/help/air"
    assert service.help_url("/access-requests") == "/help/catalog"
    assert service.help_url("/api/v1/docs") == "/help/api"
    assert service.help_url("/") == "/help"


def _help_link(html: str) -> str:
    match = re.search(r'<a href="([^"]*)" class="help-link"', html)
    assert match, "the header has no help link"
    return match.group(1)


def test_each_page_header_links_to_its_area_help(
    app: FastAPI, client: TestClient, people: People
) -> None:
    login(client, "office", "jingjinji-demo")
    checked = 0
    for path in _page_routes(app):
        if "{" in path or path in GENERAL_PAGES or path == "/login":
            continue
        response = client.get(path, headers=ZH)
        if response.status_code != 200 or not response.text.startswith("<!doctype html>"):
            continue  # a fragment (htmx) or a file
        assert _help_link(response.text) == f"/help/{service.area_of_path(path)}", path
        checked += 1
    assert checked >= 25, checked


def test_the_help_pages_render_in_both_languages(client: TestClient) -> None:
    index = client.get("/help", headers=ZH)
    assert index.status_code == 200
    assert "演示导览" in index.text and "跨界河流" in index.text
    assert _help_link(index.text) == "/help"
    for topic in service.topics():
        zh = client.get(f"/help/{topic}", headers=ZH)
        en = client.get(f"/help/{topic}", headers=EN)
        assert zh.status_code == en.status_code == 200, topic
        zh_text = zh.text.split('data-testid="help-text"', 1)[1]
        en_text = en.text.split('data-testid="help-text"', 1)[1]
        assert len(HAN.findall(zh_text)) > 100, topic
        structure = "<ol>" if topic == service.TOUR else "<h2>"
        assert structure in en_text and structure in zh_text, topic
        # English, naming a Chinese term at most (the sharing classes' names)
        assert len(HAN.findall(en_text.split("</article>", 1)[0])) < 30, topic
    air = client.get("/help/air", headers=EN).text
    assert "<td>201–300</td>" in air and "CC BY 4.0" in air
    assert _help_link(air) == "/help"  # from a help page, the index
    missing = client.get("/help/nothing-here", headers=EN)
    assert missing.status_code == 404


def test_the_home_page_leads_to_the_tour(client: TestClient) -> None:
    home = client.get("/", headers=EN)  # redirects to the region overview
    assert home.status_code == 200
    assert 'href="/help/tour"' in home.text
    tour = client.get("/help/tour", headers=EN).text
    for link in ('href="/catalog"', 'href="/air/cities/110000"', 'href="/water/incidents"'):
        assert link in tour, link


@pytest.mark.parametrize(
    ("text", "absent", "present"),
    [
        ("<script>alert(1)</script>", "<script>", "&lt;script&gt;"),
        ("[x](javascript:alert(1))", 'href="javascript', "javascript:alert(1)"),
        ('<img src=x onerror="alert(1)">', "<img", "&lt;img"),
        ("[x](//evil.example/)", 'href="//evil', "x"),
    ],
)
def test_a_text_never_writes_raw_html_or_unsafe_links(text: str, absent: str, present: str) -> None:
    from jingjinji.web import environment

    macro = environment().get_template("help/_markdown.html").module.nodes  # type: ignore[attr-defined]
    html = str(macro([service.render(text)]))
    assert absent not in html, html
    assert present in html, html


def test_a_text_keeps_its_structure() -> None:
    from jingjinji.web import environment

    macro = environment().get_template("help/_markdown.html").module.nodes  # type: ignore[attr-defined]
    html = str(macro([service.render("## T\n\n- *a* `b`\n\n| h |\n|---|\n| c |\n\n[l](/air)")]))
    assert html == (
        "<h2>T</h2><ul><li><em>a</em> <code>b</code></li></ul>"
        "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>c</td></tr></tbody></table>"
        '<p><a href="/air">l</a></p>'
    ), html
