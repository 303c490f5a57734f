"""Every page in Chinese shows no English interface text (issue 15, defect 4).

Every GET page route (enumerated from the app's routes, so a page added later is covered; path
parameters filled from the demo data) is requested in zh-CN by every demo persona and
anonymously, on both backends. The visible text is read (no scripts, styles or attribute values,
except ``title``, ``placeholder``, ``aria-label`` and ``alt``) and every Latin word left after
taking out what is legitimately Latin fails the test, naming the page, the persona and the text.

What is legitimately Latin is a small set of patterns (``ALLOWED``), not a list of sentences:

* codes and identifiers: a token with a digit (station ``1001A``, MN, USCC, ISO dates, HJ 633),
  an upper-case code or acronym (``BJ-ENV-PERMIT``, ``AQI``, ``DCSA``, ``GB``, ``VOCs``), the demo
  users' names, a file name or path (``docs/security.md``, ``.xlsx``);
* units of measure and symbols (``µg/m³``, ``mg/L``, ``pH``, ``kPa``);
* brand and product names (``BRANDS``);
* web and e-mail addresses;
* code: inside ``<code>``, ``<pre>``, ``<kbd>`` or ``<samp>`` (a field name, an API call) or
  quoted in backticks in a sentence (`` `jjj credit verify-report FILE` ``, a CSV column);
* one value of the user's input quoted by a refusal (``'abc'``);
* an element whose ``lang`` says it is not Chinese: ``lang="en"`` (the language switch's
  ``English``, a cited English title) or ``lang=""`` (language unknown: free text a user or a
  loader wrote, such as a note, a reason or evidence, shown as written where it has no Chinese
  version).

A marked message (``_()``, ``t()``, ``N_()`` or ``i18n.msg()``) gets its Chinese from the catalogs;
an enum value is shown through ``label(kind, value)`` (``jingjinji.labels``); domain data with a
Chinese name shows it (CONTRIBUTING.md, "Chinese throughout").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji import domains
from jingjinji.accounts.demo import DEMO_USERS
from jingjinji.accounts.models import User
from jingjinji.credit.models import CreditRecord
from jingjinji.demo import DemoContext
from jingjinji.timezone import china_today
from jingjinji.water import demo as water_demo
from tests.conftest import People, login

USERS = [username for username, *_ in DEMO_USERS]
ANONYMOUS = "anonymous"
# Brand and product names, written as their makers do.
BRANDS = (
    "jingjinji",
    "Excel",
    "Markdown",
    "Unix",
    "ECharts",
    "OpenStreetMap",
    "Natural Earth",
    "Swagger",
    "ReDoc",
    "PostgreSQL",
    "SQLite",
)
UNIT = r"(?:µg|ug|mg|ng|g|kg|t|m|km|cm|mm|L|l|h|d|s|min|ha|kWh|MW|GW|CNY|Pa|hPa)"
PER = r"(?:m³|m3|m²|m2|L|l|h|d|s|km²|a|year|yr)"
ALLOWED: list[tuple[str, re.Pattern[str]]] = [
    ("web address", re.compile(r"\b(?:https?|mailto)://\S+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    # A token with a digit (1001A, 91110105MA..., 2024-05-01T08:00, HJ 633's 633, SO2).
    ("code with digits", re.compile(r"[A-Za-z0-9µ._:/+=-]*\d[A-Za-z0-9µ._:/+=-]*")),
    ("unit", re.compile(rf"(?<![A-Za-z]){UNIT}(?:/{PER}|³|²)?(?![A-Za-z])")),
    ("brand", re.compile("|".join(re.escape(b) for b in BRANDS))),
    # A file name, path or extension: docs/security.md, .xlsx, var/audit-keys.
    ("file name", re.compile(r"(?:[\w-]+/)*[\w-]*\.(?:md|csv|xlsx|xls|json|pdf|parquet|txt)\b")),
    ("path", re.compile(r"(?<![\w/])[a-z][\w.-]*(?:/[\w.-]+)+")),
    # A command or code quoted in backticks: `jjj credit verify-report FILE`.
    ("command", re.compile(r"`[^`]+`")),
    # One value quoted from the user's input, as a refusal echoes it: 'abc'.
    ("quoted input", re.compile(r"'[^'\s]{1,40}'")),
    # Symbols of standard quantities written in Latin letters in Chinese too.
    ("symbol", re.compile(r"(?<![A-Za-z])(?:pH|kPa|hPa)(?![A-Za-z])")),
    # Upper-case codes and acronyms (a plural too): BJ-ENV-PERMIT, AQI, USCC, MN, GB, VOCs.
    ("upper-case code", re.compile(r"(?<![A-Za-z])[A-Z][A-Z0-9]*(?:[-_][A-Z0-9]+)*s?(?![a-z])")),
]
# In a JSON data block: a value a script looks up (a state, a chart type, a language code), and
# the properties whose values are text to show whatever they look like.
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*(?:_[A-Z]{2})?|#[0-9a-fA-F]{3,8}")
TEXT_KEYS = frozenset({"name", "names", "label", "labels", "title", "unit", "units"})
# What is left: a Latin word of two letters or more is interface text in English.
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
SKIPPED = {"script", "style", "code", "pre", "kbd", "samp", "template", "svg"}
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
TEXT_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes and the readable attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip: list[str] = []  # open elements whose text is not interface text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self._skip:
            if tag not in VOID:
                self._skip.append(tag)
            return
        lang = values.get("lang")
        # lang="en": another language (the language switch); lang="": free text a user or a
        # loader wrote, of unknown language (notes, reasons, evidence without a Chinese version).
        other = lang is not None and not lang.lower().startswith("zh") and tag != "html"
        if tag in SKIPPED or other:
            if tag not in VOID:
                self._skip.append(tag)
            return
        self.parts += [str(values[a]) for a in TEXT_ATTRIBUTES if values.get(a)]
        if tag == "input" and values.get("type") in {"submit", "button"} and values.get("value"):
            self.parts.append(str(values["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if self._skip:
            # Close up to the matching element (HTML lets some end tags be left out).
            while self._skip:
                if self._skip.pop() == tag:
                    break

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def english_in(html: str, allowed_words: re.Pattern[str]) -> list[str]:
    """The visible text runs of a page that hold English interface text."""
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    found = []
    for part in parser.parts:
        rest = allowed_words.sub(" ", part)
        for _why, pattern in ALLOWED:
            rest = pattern.sub(" ", rest)
        if LATIN_WORD.search(rest):
            found.append(part)
    return found


class DataBlocks(HTMLParser):
    """The JSON data blocks of a page (``<script type="application/json">``): what a page's
    script draws from them (series names, legends, axis names) is read too."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open = tag == "script" and dict(attrs).get("type") == "application/json"
        if self._open:
            self.blocks.append("")

    def handle_endtag(self, tag: str) -> None:
        self._open = False

    def handle_data(self, data: str) -> None:
        if self._open:
            self.blocks[-1] += data


def _shown_strings(value: object, text_key: bool = False) -> Iterator[str]:
    """The strings of a JSON value a script may show. A one-identifier string that is the value
    of a property (``"type": "bar"``, ``"state": "offline"``, ``"lang": "zh_CN"``) is one the
    script looks up, not text it shows, unless the property (or the object it is in) names a
    text (``TEXT_KEYS``); a string in a list (a category, a pie slice's name) may be shown as
    it is."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str):
                if text_key or key in TEXT_KEYS or not IDENTIFIER.fullmatch(item):
                    yield item
            else:
                yield from _shown_strings(item, text_key or key in TEXT_KEYS)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                yield item
            else:  # an object in a list (a series, a legend's entry) says again what is text
                yield from _shown_strings(item)


def english_in_data(html: str, allowed_words: re.Pattern[str]) -> list[str]:
    """The strings of a page's JSON data blocks (chart series names, legends, axis names) that
    hold English interface text, by the rules of the visible text (``english_in``)."""
    parser = DataBlocks()
    parser.feed(html)
    parser.close()
    found = []
    for block in parser.blocks:
        for text in _shown_strings(json.loads(block)):
            rest = allowed_words.sub(" ", text)
            for _why, pattern in ALLOWED:
                rest = pattern.sub(" ", rest)
            if LATIN_WORD.search(rest):
                found.append(text)
    return found


def test_the_detector_finds_english_and_lets_codes_pass() -> None:
    names = re.compile(r"(?<![\w-])(?:bj-env)(?![\w-])")
    page = """<html lang="zh-CN"><head><title>空气</title><style>.a{}</style></head><body>
      <h1>站点 1001A 的 PM2.5（µg/m³）</h1><p>BJ-ENV-PERMIT：HJ 633，2024-05-01T08:00+08:00</p>
      <p>bj-env 上传了 12 行，mg/L</p><a lang="en" href="/lang/en">English</a>
      <code>GET /api/v1/datasets</code><script>var x = "hello world";</script>
      <input placeholder="Search datasets"><p>annual_mean</p><p>duplicate row</p>
      <img src="/x.png" alt="Map of Beijing"><p>用 ECharts 绘制</p></body></html>"""
    assert english_in(page, names) == ["Search datasets", "annual_mean", "duplicate row",
                                       "Map of Beijing"]  # fmt: skip


def test_the_data_detector_reads_what_a_chart_shows() -> None:
    names = re.compile(r"(?<![\w-])(?:bj-env)(?![\w-])")
    data = {
        "lang": "zh_CN",
        "series": [{"name": "observed", "type": "line", "color": "#fff", "data": [1, 2]}],
        "classes": [["A", 3], ["unclassified", 1]],
        "labels": {"time": "China time", "unit": "µg/m³"},
        "legend": [{"state": "offline", "label": "离线"}],
        "axis": {"name": "PM2.5（µg/m³）"},
        "note": "bj-env 的数据",
    }
    page = f"""<p>数据</p><script type="application/json" id="d">{json.dumps(data)}</script>
      <script type="application/json">["Search datasets"]</script>"""
    assert english_in_data(page, names) == [
        "observed", "unclassified", "China time", "Search datasets"
    ]  # fmt: skip


def _page_routes(app: FastAPI) -> list[str]:
    """Paths of every GET page route (not the API, static files or machine endpoints)."""

    def walk(routes: list[Any], prefix: str) -> Iterator[str]:
        for route in routes:
            included = getattr(route, "original_router", None)
            if included is not None:
                yield from walk(included.routes, prefix + route.include_context.prefix)
            elif "GET" in (getattr(route, "methods", None) or ()):
                yield prefix + route.path

    machine = ("/api/", "/static/", "/healthz", "/favicon.ico", "/lang/")
    return sorted({p for p in walk(list(app.routes), "") if not p.startswith(machine)})


def _load_demo(factory: sessionmaker[Session], people: People) -> DemoContext:
    """Every domain's demo (the air history and the water series shortened: the pages, not the
    figures, are under test)."""
    ctx = DemoContext(values={"organisations": people.organisations, "skip_air_history": True})
    for module in domains.modules("demo"):
        if module.__name__.split(".")[1] in {"regions", "accounts"}:
            continue  # the personas are loaded already
        with factory() as session:
            if module is water_demo:
                water_demo.load(session, ctx, since_year=china_today().year)
            else:
                module.load(session, ctx)
            session.commit()
    return ctx


def _samples(factory: sessionmaker[Session], ctx: DemoContext) -> dict[str, str]:
    """A value of each path parameter, from the demo data; a new one fails here first."""
    from jingjinji.credit.models import CreditSubject as Subject
    from jingjinji.ports.models import EdifactSubmission, Order, OrderContainer
    from jingjinji.sources.models import Outlet
    from jingjinji.warnings.models import PollutionWarning

    with factory() as session:
        warning = session.scalar(select(PollutionWarning.id).order_by(PollutionWarning.id))
        uscc = session.scalar(select(Subject.uscc).order_by(Subject.id))
        record = session.scalar(select(CreditRecord.id).order_by(CreditRecord.id))
        outlet = session.scalar(select(Outlet.id).order_by(Outlet.id))
        order = session.scalar(select(Order.id).order_by(Order.id))
        box = session.scalar(select(OrderContainer.equipment_reference).order_by(OrderContainer.id))
        # the demo's submission with bad messages: its report lists them
        edi = session.scalar(
            select(EdifactSubmission.id).where(
                EdifactSubmission.filename == "bad_mixed_messages.edi"
            )
        )
    return {
        "/catalog/{code}": "BJ-ENV-PENALTY",
        "/air/stations/{code}": "1001A",
        "/air/cities/{code}": "110000",
        "/air/cities/{code}/compliance": "110000",
        "/warnings/{warning_id}": str(warning),
        "/progress/commitments/{code}": "bjtj-23",
        "/progress/indicators/{code}": "bh_pm25",
        "/credit/subjects/{uscc}": str(uscc),
        "/credit/subjects/{uscc}/object": str(uscc),
        "/credit/subjects/{uscc}/repair": str(uscc),
        "/credit/subjects/{uscc}/commit": str(uscc),
        "/credit/subjects/{uscc}/declare": str(uscc),
        "/credit/subjects/{uscc}/report": str(uscc),
        "/credit/agency/records/{record_id}": str(record),
        "/water/sections/{code}": ctx.values["water_demo"]["sections"][0],
        "/water/incidents/{incident_id}": str(ctx.values["water_demo"]["incidents"][0]),
        # No enforcement case in the demo: its page is a 404 page, in Chinese too.
        "/sources/cases/{case_id}": "999999",
        "/sources/outlets/{outlet_id}": str(outlet),
        "/help/{topic}": "tour",
        "/ports/orders/{order_id}": str(order),
        "/ports/containers/{reference}": str(box),
        # The demo's callback subscribers need loopback allowed (jjj demo does): none here, so
        # an unknown subscription's 404 page, in Chinese too.
        "/ports/subscriptions/{subscription_id}": "00000000-0000-4000-8000-000000000000",
        "/ports/edifact/{submission_id}": str(edi),
    }


def _urls(app: FastAPI, samples: dict[str, str]) -> list[str]:
    urls, unfilled = [], []
    for path in _page_routes(app):
        if "{" not in path:
            urls.append(path)
        elif path in samples:
            urls.append(re.sub(r"\{[^}]+\}", samples[path], path))
        else:
            unfilled.append(path)
    assert not unfilled, f"page routes with a path parameter and no sample here: {unfilled}"
    return urls


def test_every_page_in_chinese_shows_no_english(
    app: FastAPI, session_factory: sessionmaker[Session], people: People
) -> None:
    ctx = _load_demo(session_factory, people)
    urls = _urls(app, _samples(session_factory, ctx))
    assert len(urls) >= 50, urls  # every domain's pages are in the list
    # Usernames are identifiers: the personas' and those other domains' demos add (the ports'
    # terminal stewards), as the user list and the audit record show them.
    with session_factory() as session:
        usernames = sorted(set(USERS) | set(session.scalars(select(User.username))))
    names = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, usernames)) + r")(?![\w-])")
    found: dict[tuple[str, str], set[str]] = {}
    for persona in (ANONYMOUS, *USERS):
        with TestClient(app, headers={"accept-language": "zh-CN"}) as client:
            if persona != ANONYMOUS:
                login(client, persona, people.password)
            for url in urls:
                response = client.get(url, headers={"accept": "text/html"})
                if not response.headers.get("content-type", "").startswith("text/html"):
                    continue  # a download (the credit report's PDF)
                shown = english_in(response.text, names) + english_in_data(response.text, names)
                for text in shown:
                    found.setdefault((url, text), set()).add(persona)
    report = [
        f"{url} [{', '.join(sorted(who)) if len(who) < 4 else f'{len(who)} personas'}]: {text!r}"
        for (url, text), who in sorted(found.items())
    ]
    assert not report, f"{len(report)} English texts on Chinese pages:\n" + "\n".join(report)


def _post_file(client: TestClient, url: str, name: str, content: bytes) -> Any:
    page = client.get(url)
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    return client.post(url, data={"csrf_token": token}, files={"file": (name, content)})


def test_refused_uploads_are_reported_in_chinese(
    app: FastAPI, session_factory: sessionmaker[Session], people: People
) -> None:
    """Every reason of a refused upload (a duplicate, a row the user may not write, a bad cell)
    is shown in Chinese, made at its source in the services."""
    from jingjinji.air import demo as air_demo
    from jingjinji.progress import demo as progress_demo

    ctx = DemoContext(values={"organisations": people.organisations, "skip_air_history": True})
    for module in (air_demo, progress_demo):
        with session_factory() as session:
            module.load(session, ctx)
            session.commit()
    names = re.compile(r"(?<![\w-])bj-env(?![\w-])")
    header = "indicator_code,jurisdiction_code,period,value,unit,source,note\n"
    values = (
        header
        + "bh_pm25,110000,2016,80,μg/m³,统计公报,\n"  # stored already: a duplicate
        + "bh_pm25,120000,2019,40,μg/m³,统计公报,\n"  # Tianjin: not Beijing's to write
        + "bh_pm25,110000,2030,abc,μg/m³,统计公报,\n"  # not a number
        + "nope,110000,2021,1,,统计公报,\n"  # unknown indicator
        + "bh_pm25,110000,2031,1,km,,\n"  # wrong unit, no source
        + "bh_pm25,110000,2031,2,μg/m³,统计公报,\n"  # the same key twice in the file
    )
    air = (
        b"station_code,ts,pm2_5,co\n"
        b"NOPE,2016-12-20T00:00:00+08:00,5,1\n"
        b"1001A,2016-12-20T00:30:00+08:00,-1,1\n"
        b"1001A,2099-01-01T00:00:00+08:00,5,1\n"
        b"1001A,2016-12-20T01:00:00+08:00,5,900\n"
        b"1001A,2016-12-20T01:00:00+08:00,5,1\n"
    )
    with TestClient(app, headers={"accept-language": "zh-CN"}) as client:
        login(client, "bj-env", people.password)
        refused = {
            "/progress/upload": _post_file(client, "/progress/upload", "v.csv", values.encode()),
            "/air/upload": _post_file(client, "/air/upload", "o.csv", air),
        }
    for url, response in refused.items():
        assert response.status_code in (403, 422), (url, response.status_code)
        assert 'data-testid="upload-error"' in response.text or "<td" in response.text, url
        assert "重复" in response.text, url  # the duplicate, in Chinese
        english = english_in(response.text, names)
        assert not english, f"{url}: English on the Chinese page: {english}"
