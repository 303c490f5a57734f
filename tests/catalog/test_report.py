"""The sharing-and-exchange level report: API, page and CLI agree with hand-computed numbers."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from jingjinji.catalog import service
from jingjinji.catalog.schemas import DecisionIn
from jingjinji.cli import app as cli_app
from tests.catalog.support import PROBLEM, SETTINGS, build_catalog, dataset_in, request_in
from tests.conftest import People

UTC = dt.UTC
MONDAY_9AM_BEIJING = dt.datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def scenario(session_factory: sessionmaker[Session], people: People) -> People:
    """Four requests on Beijing's data (one in time, one late, one overdue, one fresh) and
    one on Hebei's."""
    build_catalog(session_factory, people)
    with session_factory() as session:
        service.create_dataset(
            session,
            actor=people["he-env"],
            data=dataset_in(
                "HE-COND",
                people.organisations["he_env"],
                sharing_class="conditional",
                specs=(("k", "string", "conditional"),),
            ),
        )
        r1 = service.create_access_request(
            session,
            actor=people["he-analyst"],
            data=request_in("BJ-COND", ["x"]),
            settings=SETTINGS,
            now=MONDAY_9AM_BEIJING,
        )
        service.decide_access_request(  # Wednesday: 2 working days, 48 hours, in time
            session,
            actor=people["bj-env"],
            request_id=r1.id,
            data=DecisionIn(decision="approve"),
            now=MONDAY_9AM_BEIJING + dt.timedelta(days=2),
        )
        r2 = service.create_access_request(
            session,
            actor=people["tj-analyst"],
            data=request_in("BJ-COND", ["y"]),
            settings=SETTINGS,
            now=MONDAY_9AM_BEIJING,
        )
        assert r2.due_date == dt.date(2026, 3, 16)
        service.decide_access_request(  # Friday 20 March: 14 working days, 432 hours, late
            session,
            actor=people["bj-env"],
            request_id=r2.id,
            data=DecisionIn(decision="reject", reason="no legal basis"),
            now=MONDAY_9AM_BEIJING + dt.timedelta(days=18),
        )
        service.create_access_request(
            session,
            actor=people["he-env"],
            data=request_in("BJ-OPEN", ["b"]),
            settings=SETTINGS,
            now=dt.datetime(2026, 1, 5, 1, 0, tzinfo=UTC),
        )
        service.escalate_overdue(session)
        service.create_access_request(
            session, actor=people["tj-env"], data=request_in("BJ-COND", ["x"]), settings=SETTINGS
        )
        service.create_access_request(
            session,
            actor=people["bj-analyst"],
            data=request_in("HE-COND", ["k"]),
            settings=SETTINGS,
        )
        session.commit()
    return people


BEIJING = {
    "jurisdiction_code": "110000",
    "name_zh": "北京市",
    "name_en": "Beijing",
    "datasets_total": 4,
    "datasets_unconditional": 2,
    "datasets_conditional": 1,
    "datasets_not_shared": 1,
    "datasets_open_to_public": 1,
    "requests_received": 4,
    "requests_decided": 2,
    "requests_approved": 1,
    "requests_rejected": 1,
    "requests_assessable": 3,
    "answered_within_deadline": 1,
    "answered_within_deadline_share": 0.3333,
    "median_decision_working_days": 8.0,
    "median_decision_hours": 240.0,
    "overdue_open": 1,
    "escalated": 1,
    "requests_sent": 1,
}


def test_report_numbers(session_factory: sessionmaker[Session], scenario: People) -> None:
    with session_factory() as session:
        reports = {
            r.jurisdiction_code: r for r in service.sharing_reports(session, settings=SETTINGS)
        }
    assert reports["110000"].model_dump() == BEIJING
    hebei = reports["130000"]
    assert (
        hebei.datasets_total,
        hebei.datasets_conditional,
        hebei.requests_received,
        hebei.requests_assessable,
        hebei.requests_sent,
    ) == (1, 1, 1, 0, 2)
    assert hebei.answered_within_deadline_share is None
    assert hebei.median_decision_working_days is None
    tianjin = reports["120000"]
    assert (tianjin.datasets_total, tianjin.requests_received, tianjin.requests_sent) == (0, 0, 2)


def test_report_api_and_errors(client: TestClient, scenario: People) -> None:
    response = client.get("/api/v1/sharing-report", params={"jurisdiction": "110000"})
    assert response.status_code == 200
    assert response.json() == BEIJING
    for params in ({"jurisdiction": "110105"}, {"jurisdiction": "999999"}, {}):
        bad = client.get("/api/v1/sharing-report", params=params)
        assert bad.status_code == 422, params
        assert bad.headers["content-type"].startswith(PROBLEM)
        assert bad.json()["errors"][0]["loc"] == ["query", "jurisdiction"]


def test_report_page(client: TestClient, scenario: People) -> None:
    page = client.get("/sharing-report", headers={"accept-language": "en"})
    assert page.status_code == 200
    datasets = page.text.split('data-testid="report-row" data-jurisdiction="110000"', 1)[1]
    cells = re.findall(r'<td class="num">([^<]*)</td>', datasets.split("</tr>", 1)[0])
    assert cells == ["4", "2", "1", "1", "1"]
    requests = page.text.split('data-testid="report-requests-row" data-jurisdiction="110000"')[1]
    row = requests.split("</tr>", 1)[0]
    assert '<td class="num">1 / 3</td>' in row
    assert ">33%<" in row and ">8.0<" in row and ">240.0<" in row
    zh = client.get("/sharing-report", headers={"accept-language": "zh-CN"})
    assert "共享交换" in zh.text and "北京市" in zh.text


def test_report_and_list_cli(
    scenario: People, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jingjinji.config import get_settings

    monkeypatch.setenv("JJJ_DATABASE_URL", db_url)
    monkeypatch.setenv("JJJ_SECRET_KEY", "x")
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        shown = runner.invoke(cli_app, ["catalog", "report", "--jurisdiction", "110000", "--json"])
        assert shown.exit_code == 0, shown.output
        assert json.loads(shown.stdout) == BEIJING
        table = runner.invoke(cli_app, ["catalog", "report", "--jurisdiction", "110000"])
        assert table.exit_code == 0 and "33.3%" in table.output
        bad = runner.invoke(cli_app, ["catalog", "report", "--jurisdiction", "999999"])
        assert bad.exit_code == 1 and "not a provincial-level" in bad.output
        listed = runner.invoke(
            cli_app, ["catalog", "list", "--jurisdiction", "110000"], env={"COLUMNS": "250"}
        )
        assert listed.exit_code == 0, listed.output
        assert "BJ-COND" in listed.output and "HE-COND" not in listed.output
        assert "4 dataset(s)" in listed.output
        conditional = runner.invoke(
            cli_app, ["catalog", "list", "--class", "conditional"], env={"COLUMNS": "250"}
        )
        assert "2 dataset(s)" in conditional.output
    finally:
        get_settings.cache_clear()
