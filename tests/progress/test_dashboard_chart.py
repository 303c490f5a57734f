"""The dashboard's charts (issue 15, defect 7): every status has its own colour and a label in
the page's language, in the JSON blocks the page hands its script."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jingjinji.progress import labels, service
from jingjinji.progress.schemas import COMMITMENT_STATUSES
from tests.conftest import People

BLOCKS = ("chart-area-data", "chart-commit-data", "chart-jur-data")


def _block(html: str, block_id: str) -> dict[str, Any]:
    match = re.search(
        rf'<script type="application/json" id="{block_id}">(.*?)</script>', html, re.S
    )
    assert match, block_id
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def test_every_status_has_its_own_colour() -> None:
    colours = [c.lower() for c in labels.STATUS_COLORS.values()]
    assert len(set(colours)) == len(colours) == len(labels.STATUS_LABELS)


@pytest.mark.parametrize(
    ("lang", "indicators", "commitments"),
    [("en", "Indicators", "Commitments"), ("zh_CN", "指标", "承诺事项")],
)
def test_chart_series_are_coloured_and_labelled(
    client: TestClient, demo: People, lang: str, indicators: str, commitments: str
) -> None:
    client.cookies.set("jjj_lang", lang)
    html = client.get("/progress?year=2021").text
    for block_id in BLOCKS:
        chart = _block(html, block_id)
        series = chart["series"]
        assert series, block_id
        names = [s["name"] for s in series]
        colours = [s["itemStyle"]["color"].lower() for s in series]
        # one colour and one legend entry per status, none shared
        assert len(set(colours)) == len(colours), (block_id, colours)
        assert len(set(names)) == len(names) and all(names), (block_id, names)
        # the bars carry their counts as labels, and the chart asks for a legend
        assert all(s["label"]["show"] for s in series), block_id
        assert chart["legend"] is True
        if lang == "zh_CN":
            assert all(re.search(r"[\u4e00-\u9fff]", n) for n in names), names
        for s in series:
            assert len(s["data"]) == len(chart["categories"])
    jur = [s["name"] for s in _block(html, "chart-jur-data")["series"]]
    # the jurisdiction chart stacks both kinds: each legend entry says which kind it counts
    assert sum(n.startswith(indicators) for n in jur) == len(service.PROGRESS_STATUSES)
    assert sum(n.startswith(commitments) for n in jur) == len(COMMITMENT_STATUSES)
