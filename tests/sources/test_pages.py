"""The sources pages in English and Chinese over the fixture registry and stored data: the map
with its counts and filters, an outlet page (charts with limit lines for readers, the registry
only for others), the gateway counters and their htmx fragment, the indicators page; bad
filters are 4xx naming the field; the map's statements do not grow with the outlets."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.credit.kernels.uscc import synthetic_uscc
from jingjinji.db import utcnow
from jingjinji.sources.models import OutletKind
from jingjinji.sources.schemas.registry import EnterpriseIn, LoggerIn, OutletIn
from jingjinji.sources.service import registry as registry_service
from tests.conftest import People, login
from tests.sources.conftest import Registry
from tests.sources.pages_support import counters, report_gateway, store_outlet_data
from tests.statements import count_request

LANGS = {"zh_CN": "zh-CN", "en": "en"}


def _get(client: TestClient, url: str, lang: str) -> str:
    r = client.get(url, headers={"Accept-Language": LANGS[lang]})
    assert r.status_code == 200, (url, r.text[:500])
    return r.text


def _block(html: str, block_id: str) -> Any:
    found = re.search(rf'<script type="application/json" id="{block_id}">(.*?)</script>', html)
    assert found, f"no data block {block_id}"
    return json.loads(found.group(1))


@pytest.fixture
def stored(session_factory: sessionmaker[Session], registry: Registry) -> Registry:
    store_outlet_data(session_factory, registry)
    return registry


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_map_page(client: TestClient, stored: Registry, lang: str) -> None:
    zh = lang == "zh_CN"
    html = _get(client, "/sources", lang)
    assert ("重点污染源" if zh else "Key pollution sources") in html
    assert ('href="/sources">污染源' if zh else 'href="/sources">Pollution sources') in html
    assert html.count("UTC+8") == 1
    counts = dict(re.findall(r'<span data-count="(\w+)">(\d+)</span>', html))
    assert counts == {"normal": "1", "exceedance": "1", "offline": "2"}
    hebei = re.search(r'<tr data-province="130000">(.*?)</tr>', html, re.S)
    assert hebei and re.findall(r'<td data-state="\w+">(\d+)</td>', hebei.group(1)) == [
        "0",
        "1",
        "1",
    ]
    chart = _block(html, "sources-map-data")
    assert {p["state"] for p in chart["points"]} == {"normal", "exceedance", "offline"}
    assert [item["label"] for item in chart["legend"]] == (
        ["正常", "超标", "离线"] if zh else ["Normal", "Exceedance", "Offline"]
    )
    outlet = stored.outlets["HE-A/DW001"]
    row = re.search(rf'<tr data-outlet="{outlet}">(.*?)</tr>', html, re.S)
    assert row
    assert ("测试企业HE-A" if zh else "Test enterprise HE-A") in row.group(1)
    assert ("废水排放口" if zh else "Wastewater outlet") in row.group(1)
    assert ("河北省" if zh else "Hebei") in row.group(1)
    assert 'data-state="exceedance"' in row.group(1)


def test_map_filters(client: TestClient, stored: Registry) -> None:
    html = _get(client, "/sources?jurisdiction=130000&kind=flue_gas", "en")
    assert re.findall(r'<tr data-outlet="(\d+)">', html) == [str(stored.outlets["HE-A/DA001"])]
    assert '<option value="130000" selected>' in html
    none = _get(client, "/sources?state=normal&jurisdiction=120000", "zh_CN")
    assert 'data-testid="no-outlets"' in none and "echarts.min.js" in none
    for query, field in [("state=burning", "state"), ("jurisdiction=440000", "jurisdiction")]:
        r = client.get(f"/sources?{query}", headers={"Accept": "text/html"})
        assert r.status_code == 422 and field in r.text, (query, r.status_code)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_outlet_page_for_a_reader(
    client: TestClient, stored: Registry, people: People, lang: str
) -> None:
    zh = lang == "zh_CN"
    login(client, "he-env", people.password)
    html = _get(client, f"/sources/outlets/{stored.outlets['HE-A/DW001']}", lang)
    assert "HE-A-W-001" in html and "HJ 212-2017" in html
    assert ("化学需氧量" if zh else "COD") in html
    assert html.count("UTC+8") == 1
    series = _block(html, "sources-series")
    cod = next(c for c in series["realtime"] if c["factor"] == "w01018")
    assert len(cod["points"]) == 30 and cod["points"][0] == ["2026-03-01T08:00:00+08:00", 20.0]
    assert [(line["value"], line["label"]) for line in cod["limits"]] == (
        [(50.0, "小时限值"), (40.0, "日均限值")]
        if zh
        else [(50.0, "Hourly limit"), (40.0, "Daily limit")]
    )
    assert [c["factor"] for c in series["hourly"]] == ["w01018"]
    assert "2026-03-01, " in html.replace("2026-03-01 的", "2026-03-01, ")
    assert "2026-02-22 – 2026-02-28" in html
    assert html.count('data-testid="realtime-chart"') == 2
    events = re.search(r'data-testid="exceedance-table">(.*?)</table>', html, re.S)
    assert events and ("超小时限值" if zh else "Hourly limit exceeded") in events.group(1)
    assert "2026-02-27 03:00" in events.group(1) and "80" in events.group(1)


def test_outlet_page_for_others_and_without_data(
    client: TestClient, stored: Registry, people: People
) -> None:
    outlet = stored.outlets["HE-A/DW001"]
    anonymous = _get(client, f"/sources/outlets/{outlet}", "en")
    assert 'data-testid="data-hidden"' in anonymous and "sources-series" not in anonymous
    assert "echarts.min.js" not in anonymous and "w01018" in anonymous  # the registry shows
    missing = client.get("/sources/outlets/999999", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    assert client.get("/sources/outlets/abc", headers={"Accept": "text/html"}).status_code == 422
    login(client, "bj-env", people.password)
    assert 'data-testid="data-hidden"' in _get(client, f"/sources/outlets/{outlet}", "en")
    login(client, "office", people.password)
    quiet = _get(client, f"/sources/outlets/{stored.outlets['TJ-A/DA001']}", "zh_CN")
    assert "该排放口尚无实时数据。" in quiet and "该排放口尚无小时均值。" in quiet
    assert 'data-testid="no-exceedances"' in quiet


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_gateway_page(
    client: TestClient, session_factory: sessionmaker[Session], people: People, lang: str
) -> None:
    zh = lang == "zh_CN"
    anonymous = client.get("/sources/gateway", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=/sources/gateway"
    login(client, "he-analyst", people.password)
    empty = _get(client, "/sources/gateway", lang)
    assert 'data-testid="no-gateway"' in empty
    with session_factory() as session:
        report_gateway(
            session,
            gateway="gw-a",
            at=utcnow(),
            counters=counters(1234, {"crc": 7, "password": 2}, 1.04, 8.56),
        )
        report_gateway(
            session,
            gateway="gw-b",
            at=utcnow() - dt.timedelta(minutes=2),
            counters=counters(5, {}, 1.0, 1.0),
        )
        session.commit()
    html = _get(client, "/sources/gateway", lang)
    assert 'hx-get="/sources/gateway/counters" hx-trigger="every 5s"' in html
    assert ("网关计数" if zh else "Gateway counters") in html
    fragment = _get(client, "/sources/gateway/counters", lang)
    assert "<html" not in fragment and 'id="gateway-counters"' in fragment
    first = re.search(r'<tr data-gateway="gw-a">(.*?)</tr>', fragment, re.S)
    second = re.search(r'<tr data-gateway="gw-b">(.*?)</tr>', fragment, re.S)
    assert first and second
    cells = re.findall(r"<td>(.*?)</td>", first.group(1), re.S)
    # gateway, reported, connections, packets/s, accepted, rejects, p50, p99 (ms, rounded)
    rejects = "CRC 校验不符: 7<br>密码错误: 2" if zh else "CRC mismatch: 7<br>wrong password: 2"
    assert cells[2:] == ["3", "12.5", "1234", rejects, "1", "8.6"]
    assert "gateway-silent" not in first.group(1)
    assert ("已停止上报" if zh else "stopped reporting") in second.group(1)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_indicators_page(client: TestClient, stored: Registry, lang: str) -> None:
    zh = lang == "zh_CN"
    html = _get(client, "/sources/indicators", lang)
    # The latest month with data is chosen.
    assert '<h2 data-testid="indicator-period">2026-03</h2>' in html
    assert ("联网率" if zh else "Online rate") in html
    hebei = re.search(r'<tr data-level="province" data-code="130000">(.*?)</tr>', html, re.S)
    assert hebei and "50.0 %" in hebei.group(1)  # one of two Hebei loggers stored data
    day = _get(client, "/sources/indicators?kind=day&period=2026-02-27", lang)
    events = re.search(r'<tr data-level="city" data-code="130100">(.*?)</tr>', day, re.S)
    assert events and '<td data-kind="hourly_limit">1</td>' in events.group(1)
    assert ("石家庄市" if zh else "Shijiazhuang") in day
    for query, field in [("kind=week", "kind"), ("kind=day&period=2026-13-01", "period")]:
        r = client.get(f"/sources/indicators?{query}", headers={"Accept": "text/html"})
        assert r.status_code == 422 and field in r.text, query


def _more_outlets(factory: sessionmaker[Session], people: People, count: int) -> None:
    with factory() as session:
        for i in range(count):
            enterprise = registry_service.save_enterprise(
                session,
                actor=people["office"],
                data=EnterpriseIn(
                    uscc=synthetic_uscc("91", "130100", 100 + i),
                    name_zh=f"企业{i}",
                    jurisdiction_code="130000",
                    city_code="130100",
                    synthetic=True,
                ),
            )
            outlet = registry_service.save_outlet(
                session,
                actor=people["office"],
                enterprise_id=enterprise.id,
                data=OutletIn(
                    code="DW001",
                    name_zh="排放口",
                    kind=OutletKind.WASTEWATER,
                    longitude=114.0 + i / 10,
                    latitude=38.0,
                ),
            )
            registry_service.save_logger(
                session,
                actor=people["office"],
                outlet_id=outlet.id,
                data=LoggerIn.model_validate(
                    {"mn": f"EXTRA-{i}", "password": "123456", "protocol_version": 2017, "st": "32"}
                ),
            )
        session.commit()


def test_statements_do_not_grow_with_outlets(
    client: TestClient, session_factory: sessionmaker[Session], stored: Registry, people: People
) -> None:
    urls = ["/sources", "/sources/indicators", f"/sources/outlets/{stored.outlets['HE-A/DW001']}"]
    login(client, "office", people.password)
    small = {url: count_request(client, url) for url in urls}
    _more_outlets(session_factory, people, 6)
    large = {url: count_request(client, url) for url in urls}
    for url in urls:
        assert small[url].response.status_code == large[url].response.status_code == 200
        assert large[url].count == small[url].count, (small[url].report(), large[url].report())
    budgets = dict(zip(urls, (6, 8, 14), strict=True))
    assert all(small[url].count <= budgets[url] for url in urls), {
        url: c.count for url, c in small.items()
    }
