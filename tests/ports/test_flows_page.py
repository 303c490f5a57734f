"""/ports/flows: the month's port pairs as a Sankey and a table, in Chinese and English; an
empty month says why; a bad month is refused on an error page."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.ports.conftest import Ports
from tests.ports.test_indicators import _load

LANGS = {"zh_CN": "zh-CN", "en": "en"}


def _get(client: TestClient, url: str, lang: str) -> str:
    answer = client.get(url, headers={"Accept-Language": LANGS[lang]})
    assert answer.status_code == 200, answer.text
    return answer.text


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_month_of_flows(
    session_factory: sessionmaker[Session], ports: Ports, client: TestClient, lang: str
) -> None:
    _load(session_factory, ports)
    zh = lang == "zh_CN"
    html = _get(client, "/ports/flows?month=2026-09", lang)
    assert ("港口间集装箱流向" if zh else "Container flows between ports") in html
    assert ("唐山港曹妃甸港区" if zh else "Caofeidian (Tangshan)") in html
    pairs = set(re.findall(r'data-pair="([A-Z]+-[A-Z]+)"', html))
    assert pairs == {"CNTXG-CNCFD", "CNTXG-CNHHA", "CNCFD-CNTXG"}
    block = re.search(r'<script type="application/json" id="flows-data">(.*?)</script>', html, re.S)
    assert block is not None
    chart = json.loads(block.group(1))
    assert len(chart["links"]) == 3 and all(link["value"] > 0 for link in chart["links"])
    # Tianjin Xingang sends and receives: a node on each side (a Sankey has no cycles).
    nodes = {n["key"]: n["label"] for n in chart["nodes"]}
    assert set(nodes) == {"from_cntxg", "from_cncfd", "to_cncfd", "to_cnhha", "to_cntxg"}
    assert nodes["from_cntxg"] == nodes["to_cntxg"] == ("天津新港" if zh else "Tianjin Xingang")
    assert 'data-testid="green-channel"' in html and 'data-testid="dwell-table"' in html
    assert "vendor/echarts.min.js" in html and "ports-flows.js" in html


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_an_empty_month_says_why(
    session_factory: sessionmaker[Session], ports: Ports, client: TestClient, lang: str
) -> None:
    zh = lang == "zh_CN"
    nothing = _get(client, "/ports/flows", lang)
    assert ("平台尚无集装箱事件" if zh else "holds no container events yet") in nothing
    _load(session_factory, ports)
    before = _get(client, "/ports/flows?month=2025-01", lang)
    assert 'data-testid="flows-empty"' in before and "flows-data" not in before
    assert ("2025-01 没有集装箱事件" if zh else "No container events fall in 2025-01") in before
    assert "echarts" not in before


def test_the_latest_month_is_the_default_and_a_bad_month_is_refused(
    session_factory: sessionmaker[Session], ports: Ports, client: TestClient
) -> None:
    _load(session_factory, ports)
    html = _get(client, "/ports/flows", "en")
    assert '<option value="2026-10" selected>' in html
    refused = client.get("/ports/flows?month=2026-13", headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    assert "is not a month" in refused.text
