"""The water pages render in English and Chinese from sections, targets and samples stored
through the services: the river network, a section page, status and compliance; an unknown
section is a 404; the pages' SQL statements do not grow with the number of sections."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.timezone import CHINA_TZ
from jingjinji.water.schemas.samples import SampleIn
from jingjinji.water.schemas.sections import SectionIn
from jingjinji.water.service import samples, sections
from tests.conftest import People
from tests.statements import count_request

LANGS = {"zh_CN": "zh-CN", "en": "en"}
YEAR = 2017


def _section(code: str, people: People, **fields: object) -> SectionIn:
    province = str(fields.pop("jurisdiction_code"))
    org = {"110000": "bj_env", "120000": "tj_env", "130000": "he_env"}[province]
    return SectionIn.model_validate(
        {
            "code": code,
            "name_zh": f"测试断面{code}",
            "name_en": f"Test section {code}",
            "river_zh": "北运河",
            "river_en": "North Canal",
            "river_system": "north_three_rivers",
            "jurisdiction_code": province,
            "organisation_id": people.organisations[org],
            **fields,
        }
    )


def _month_rows(
    code: str, month: int, values: dict[str, float], origin: str, year: int = YEAR
) -> list[SampleIn]:
    at = dt.datetime(year, month, 5, 10, tzinfo=CHINA_TZ).isoformat()
    return [
        SampleIn.model_validate(
            {
                "section_code": code,
                "sampled_at": at,
                "kind": "manual",
                "item": item,
                "value": value,
                "origin": origin,
            }
        )
        for item, value in values.items()
    ]


def build_network(factory: sessionmaker[Session], people: People, suffix: str = "") -> list[str]:
    """Three sections in flow order (Beijing -> the Beijing-Hebei border -> Tianjin into the
    sea), targets for 2016, three months of 2017 and one of 2016. The border section carries
    Dongdaqiao's published January 2017 figures (NH3-N 9.74 mg/L, COD 33 mg/L)."""
    up, border, sea = f"TUP{suffix}", f"TBORDER{suffix}", f"TSEA{suffix}"
    office = people["office"]
    with factory() as session:
        sections.save_section(
            session,
            actor=office,
            data=_section(
                sea,
                people,
                jurisdiction_code="120000",
                kind="into_sea",
                longitude=117.7,
                latitude=39.0,
            ),
        )
        sections.save_section(
            session,
            actor=office,
            data=_section(
                border,
                people,
                jurisdiction_code="130000",
                kind="cross_border",
                longitude=116.9,
                latitude=39.8,
                upstream_jurisdiction_code="110000",
                downstream_jurisdiction_code="120000",
                downstream_section_code=sea,
            ),
        )
        sections.save_section(
            session,
            actor=office,
            data=_section(
                up,
                people,
                jurisdiction_code="110000",
                kind="provincial",
                longitude=116.5,
                latitude=39.9,
                approximate_position=False,
                downstream_section_code=border,
            ),
        )
        for code, target in ((up, 4), (border, 5), (sea, 5)):
            sections.set_target(session, actor=office, code=code, year=2016, target_class=target)
        rows: list[SampleIn] = []
        for month in (1, 2, 3):
            rows += _month_rows(
                up, month, {"nh3n": 0.4, "cod": 14.0, "do": 8.0, "ph": 7.6}, "synthetic"
            )
            rows += _month_rows(border, month, {"nh3n": 9.74, "cod": 33.0, "tp": 0.25}, "published")
            rows += _month_rows(sea, month, {"nh3n": 1.2, "cod": 25.0, "tp": 0.15}, "measured")
        for code in (up, border, sea):
            rows += _month_rows(code, 6, {"nh3n": 0.9, "cod": 18.0}, "synthetic", year=YEAR - 1)
        samples.record_samples(session, actor=office, rows=rows, channel="api")
        session.commit()
    return [up, border, sea]


@pytest.fixture
def network(session_factory: sessionmaker[Session], people: People) -> list[str]:
    return build_network(session_factory, people)


def _get(client: TestClient, url: str, lang: str) -> str:
    r = client.get(url, headers={"Accept-Language": LANGS[lang]})
    assert r.status_code == 200, (url, r.text[:500])
    return r.text


def _network_data(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="water-network">(.*?)</script>', html)
    assert found, "no network data block"
    data = json.loads(found.group(1))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_network_page(client: TestClient, network: list[str], lang: str) -> None:
    zh = lang == "zh_CN"
    html = _get(client, "/water", lang)
    assert ("河流水质" if zh else "Water quality of the rivers") in html
    assert ('href="/water">水环境' if zh else 'href="/water">Water') in html  # navigation
    assert "/static/vendor/echarts.min.js?v=" in html and "/static/app/water.js?v=" in html
    data = _network_data(html)
    points = {p["code"]: p for p in data["points"]}
    up, border, _sea = network
    # The year defaults to the newest sample's; the border section is inferior V.
    assert 'value="2017" selected' in html
    assert points[border]["class"] == 6
    assert points[border]["label"] == ("劣 V 类" if zh else "Inferior V")
    assert points[border]["main"].startswith("氨氮" if zh else "Ammonia nitrogen")
    assert points[up]["class"] == 2 and points[up]["label"] == "II"
    # Arrows go downstream: up -> border -> sea.
    assert sorted(data["edges"]) == sorted([[116.5, 39.9, 116.9, 39.8], [116.9, 39.8, 117.7, 39.0]])
    assert [entry["class"] for entry in data["legend"]] == [1, 2, 3, 4, 5, 6, 0]
    assert ("跨界断面" if zh else "Cross-border section") in html
    assert ("合成演示数据" if zh else "synthetic demo data") in html
    assert 'data-testid="approximate"' in html  # two positions are approximate
    row = re.search(rf'<tr data-section="{border}">(.*?)</tr>', html, re.S)
    assert row and ('class="error">否' if zh else 'class="error">No') in row.group(1)


def test_network_filter_and_earlier_year(client: TestClient, network: list[str]) -> None:
    html = _get(client, "/water?kind=cross_border", "en")
    assert [p["code"] for p in _network_data(html)["points"]] == [network[1]]
    assert _network_data(html)["edges"] == []
    earlier = _network_data(_get(client, "/water?year=2016", "en"))
    assert {p["class"] for p in earlier["points"]} == {3}
    assert "No monitoring section matches." in _get(client, "/water?river_system=nowhere", "en")
    assert client.get("/water?year=99999").status_code == 422


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_section_page(client: TestClient, network: list[str], lang: str) -> None:
    zh = lang == "zh_CN"
    up, border, sea = network
    html = _get(client, f"/water/sections/{border}", lang)
    assert (f"测试断面{border}" if zh else f"Test section {border}") in html
    # Neighbours both ways, as links.
    assert f'href="/water/sections/{sea}?year=2017"' in html
    assert f'href="/water/sections/{up}?year=2017"' in html
    assert ("北京市 → 天津市" if zh else "Beijing → Tianjin") in html
    # The period values, rounded per item, with the multiple against the class V target.
    nh3n = re.search(r'<tr data-item="nh3n">(.*?)</tr>', html, re.S)
    assert nh3n and "9.74" in nh3n.group(1) and "3.87" in nh3n.group(1)
    cod = re.search(r'<tr data-item="cod">(.*?)</tr>', html, re.S)
    assert cod and "33.0" in cod.group(1) and "3.87" not in cod.group(1)
    assert ("重度污染" if zh else "Heavily polluted") in html
    # Calendar: twelve months, January to March inferior V, the rest not assessed.
    cells = re.findall(r'<div data-month="(\d+)" data-class="(\d)"', html)
    assert cells == [(str(m), "6" if m <= 3 else "0") for m in range(1, 13)]
    assert ("1月" if zh else "Jan") in html
    assert ("公开通报" if zh else "published bulletin") in html
    assert "synthetic" not in re.sub(r"<head>.*?</head>", "", html, flags=re.S)
    series = re.search(r'<script type="application/json" id="water-series">(.*?)</script>', html)
    assert series
    chart = json.loads(series.group(1))["charts"][0]
    assert chart["item"] == "nh3n" and chart["points"][0] == ["2017-01-05 10:00", 9.74]
    assert [line["value"] for line in chart["limits"]] == [0.15, 0.5, 1.0, 1.5, 2.0]
    assert ("北京时间" if zh else "China Standard Time") in html


def test_section_page_synthetic_item_choice_and_404(client: TestClient, network: list[str]) -> None:
    up = network[0]
    html = _get(client, f"/water/sections/{up}?item=cod", "en")
    assert "synthetic demo data, made up to show the platform" in html
    chart = json.loads(
        re.search(  # type: ignore[union-attr]
            r'<script type="application/json" id="water-series">(.*?)</script>', html
        ).group(1)
    )["charts"][0]
    assert chart["item"] == "cod"
    assert [line["label"] for line in chart["limits"]] == ["I/II", "III", "IV", "V"]
    # pH is drawn against its 6-9 range; a year without samples says so and draws nothing.
    ph = _get(client, f"/water/sections/{up}?item=ph", "en")
    assert '"label": "pH 6"' in ph and '"label": "pH 9"' in ph
    empty = _get(client, f"/water/sections/{up}?year=2015", "zh_CN")
    assert "2015 年没有样品数据。" in empty and "echarts.min.js" not in empty
    missing = client.get("/water/sections/NOPE", headers={"Accept": "text/html"})
    assert missing.status_code == 404
    assert "text/html" in missing.headers["content-type"]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_status_page(client: TestClient, network: list[str], lang: str) -> None:
    zh = lang == "zh_CN"
    html = _get(client, "/water/status", lang)
    assert ("2017 年水质状况" if zh else "Water status, 2017") in html
    row = re.search(r'<tr data-key="[^"]*">(.*?)</tr>', html, re.S)
    assert row, html
    # Three sections of the North Canal: fewer than five, so items are averaged.
    assert ("指标均值法" if zh else "item averages") in row.group(1)
    assert ("北运河" if zh else "North Canal") in row.group(1)
    assert ("氨氮" if zh else "Ammonia nitrogen") in row.group(1)
    by_system = _get(client, "/water/status?by=river_system", lang)
    assert ("北三河水系" if zh else "North Three Rivers") in by_system
    by_place = _get(client, "/water/status?by=jurisdiction", lang)
    assert ("天津市" if zh else "Tianjin") in by_place
    assert client.get("/water/status?by=planet").status_code == 422


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_compliance_page(client: TestClient, network: list[str], lang: str) -> None:
    zh = lang == "zh_CN"
    html = _get(client, "/water/compliance?year=2017", lang)
    assert ("2017 年水质目标达标情况" if zh else "Target compliance, 2017") in html
    everything = re.search(r'data-testid="compliance-all">(.*?)</table>', html, re.S)
    border = re.search(r'data-testid="compliance-cross_border">(.*?)</table>', html, re.S)
    assert everything and border
    # Hebei's one section (the border one) misses its class V target in 2017, met it in 2016.
    hebei = re.search(r'<tr data-jurisdiction="130000">(.*?)</tr>', border.group(1), re.S)
    assert hebei
    numbers = re.findall(r'<td class="num">([^<]*)</td>', hebei.group(1))
    assert numbers == ["1", "0", "0.0 %", "1", "100.0 %", "-100.0"]
    assert ("跨界断面" if zh else "Cross-border sections") in html


def test_statements_do_not_grow_with_sections(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    first = build_network(session_factory, people)
    urls = [
        "/water",
        f"/water/sections/{first[1]}",
        "/water/status",
        "/water/status?by=jurisdiction",
        "/water/compliance",
    ]

    def measure() -> dict[str, int]:
        counts = {}
        for url in urls:
            counted = count_request(client, url)
            assert counted.response.status_code == 200, url
            counts[url] = counted.count
        return counts

    small = measure()
    for suffix in ("A", "B", "C"):
        build_network(session_factory, people, suffix)
    # What they take today (anonymous: no token lookup) plus 2.
    budgets = dict(zip(urls, (8, 15, 7, 8, 13), strict=True))
    assert all(small[url] <= budgets[url] for url in urls), small
    assert measure() == small
