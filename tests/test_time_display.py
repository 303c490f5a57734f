"""Every time a page shows is China Standard Time, the zone named once per page (issue 15).

The pages of every domain are rendered with the demo data (made through the domains' demo
loaders, as tests/test_headers.py does), as the coordination office, in English and Chinese:
no visible text is an ISO timestamp (``2026-12-02T05:30``) or a UTC one (``+00:00``, ``UTC``),
and the layout's zone line appears exactly once. Attributes and JSON data blocks keep ISO 8601.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.air import service as air_service
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.times import cst, cst_date, cst_input
from jingjinji.timezone import CHINA_TZ
from jingjinji.warnings import service as warnings
from tests.conftest import People, login
from tests.test_headers import _get_routes, _load_demo, _samples
from tests.water.incident_support import CROSS, MORNING, build_network, record

ZONE_LINE = {
    "en": "All times are China Standard Time (UTC+8)",
    "zh_CN": "时间均为北京时间（UTC+8）",
}
# A second naming of the zone on a page (the layout's line is the one).
PAGE_ZONE_NOTE = re.compile(r"Times (are|in) China")
# An example of a file's time format, not a time shown.
FORMAT_EXAMPLES = {"/water/upload": "2025-07-01T08:00"}
RAW_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|[+-]00:00\b|\bUTC\b(?!\+8)|\d{2}:\d{2}Z\b")


def test_cst_filter_shows_the_china_clock() -> None:
    moment = dt.datetime(2026, 12, 2, 5, 30, 7, tzinfo=dt.UTC)
    assert cst(moment) == "2026-12-02 13:30"
    assert cst(moment, seconds=True) == "2026-12-02 13:30:07"
    # Stored naive UTC reads the same; another zone is converted, not relabelled.
    assert cst(moment.replace(tzinfo=None)) == "2026-12-02 13:30"
    assert cst(moment.astimezone(CHINA_TZ)) == "2026-12-02 13:30"
    assert cst("2026-12-02T05:30:00+00:00") == "2026-12-02 13:30"
    # 20:00 UTC is the next day in China.
    late = dt.datetime(2026, 12, 2, 20, 0, tzinfo=dt.UTC)
    assert cst_date(late) == "2026-12-03"
    assert cst(dt.date(2026, 12, 2)) == "2026-12-02"
    assert cst_date(dt.date(2026, 12, 2)) == "2026-12-02"
    assert cst(None) == "" and cst_date(None) == ""
    assert cst_input(moment) == "2026-12-02T13:30"


class _Visible(HTMLParser):
    """The text a reader sees: no tags, no attributes, no script or style content."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.parts)


def _pages(app: FastAPI, samples: dict[str, dict[str, str]]) -> list[str]:
    urls = []
    for path in _get_routes(app):
        if path.startswith(("/api", "/static", "/lang", "/healthz", "/readyz", "/metrics")):
            continue
        if "{" in path:
            if path not in samples:
                continue
            for name, value in samples[path].items():
                path = path.replace("{" + name + "}", value)
        urls.append(path)
    return urls


def test_pages_show_china_time_and_name_the_zone_once(
    app: FastAPI, session_factory: sessionmaker[Session], people: People
) -> None:
    _load_demo(session_factory, people)
    problems: list[str] = []
    shown = 0
    with TestClient(app) as office:
        login(office, "office", people.password)
        urls = _pages(app, _samples(office, people))
        assert "/audit" in urls and "/warnings" in urls and "/account" in urls, urls
        for lang, zone_line in ZONE_LINE.items():
            office.cookies.set("jjj_lang", lang)
            for url in urls:
                response = office.get(url, follow_redirects=False)
                if not response.headers.get("content-type", "").startswith("text/html"):
                    continue
                if response.status_code != 200 or "<footer" not in response.text:
                    continue
                shown += 1
                text = visible_text(response.text)
                for match in RAW_TIME.finditer(text):
                    if FORMAT_EXAMPLES.get(url) == match.group():
                        continue
                    around = text[max(0, match.start() - 40) : match.end() + 40]
                    problems.append(f"{lang} {url}: raw time {match.group()!r} in {around!r}")
                if PAGE_ZONE_NOTE.search(text):
                    problems.append(f"{lang} {url}: the page names the zone again")
                count = response.text.count(zone_line)
                if count != 1:
                    problems.append(f"{lang} {url}: the zone line appears {count} times")
    assert shown >= 40, shown
    assert not problems, "\n".join(problems)


def _proposed_warning(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        air_service.load_stations(session, actor=SYSTEM_ACTOR)
        warnings.load_criteria(session, actor=SYSTEM_ACTOR)
        warnings.load_measures(session, actor=SYSTEM_ACTOR)
        w = warnings.propose(
            session,
            actor=SYSTEM_ACTOR,
            cities=["110000", "120000"],
            level="orange",
            start=dt.date(2016, 12, 16),
            end=dt.date(2016, 12, 21),
            max_aqi=430,
            criteria_code="bth-2017",
            basis="forecast",
        )
        session.commit()
        return w.id


def test_consultation_deadline_is_typed_and_shown_in_china_time(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    """The deadline form offers and reads China time; an offset typed with it is kept."""
    login(client, "office", people.password)
    first, second = _proposed_warning(session_factory), _proposed_warning(session_factory)
    page = client.get(f"/warnings/{first}").text
    offered = page.split('data-testid="consultation-deadline"', 1)[0].rsplit('value="', 1)[1]
    offered_at = dt.datetime.fromisoformat(offered.split('"', 1)[0]).replace(tzinfo=CHINA_TZ)
    now = dt.datetime.now(dt.UTC)
    assert now < offered_at < now + dt.timedelta(days=7), offered  # the default, on CST
    due = (now + dt.timedelta(days=2)).astimezone(CHINA_TZ).replace(second=0, microsecond=0)
    typed = {first: due.strftime("%Y-%m-%dT%H:%M"), second: due.isoformat()}  # +08:00 typed
    for wid, text in typed.items():
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        r = client.post(
            f"/warnings/{wid}/open-consultation",
            data={"csrf_token": token, "deadline": text},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        stored = dt.datetime.fromisoformat(client.get(f"/api/v1/warnings/{wid}").json()["deadline"])
        assert stored == due, (text, stored)
        page = client.get(f"/warnings/{wid}").text
        shown = page.split('data-testid="deadline">', 1)[1].split("<", 1)[0]
        assert shown.startswith(due.strftime("%Y-%m-%d %H:%M")), shown


def test_incident_page_names_the_zone_once(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    """A water incident's page (times of notices, steps, samplings) in both languages."""
    build_network(session_factory, people)
    (incident_id,) = record(session_factory, people["bj-env"], CROSS, MORNING, {"nh3n": 1.8})
    login(client, "office", people.password)
    for lang, zone_line in ZONE_LINE.items():
        client.cookies.set("jjj_lang", lang)
        for url in ("/water/incidents", f"/water/incidents/{incident_id}"):
            page = client.get(url)
            assert page.status_code == 200, url
            text = visible_text(page.text)
            assert not RAW_TIME.search(text), (lang, url, RAW_TIME.findall(text))
            assert not PAGE_ZONE_NOTE.search(text), (lang, url)
            assert page.text.count(zone_line) == 1, (lang, url)
            assert text.count("UTC+8") == 1, (lang, url)
        shown = MORNING.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        assert shown in text, (lang, shown)
