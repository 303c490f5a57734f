"""The access period of a conditional access request: it starts no earlier than yesterday
(Beijing), ends no earlier than it starts, and lasts at most ``access_period_max_days`` days
(both ends counted), when filed and for the dates an approver types (both databases)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.catalog import service
from jingjinji.catalog.schemas import DecisionIn
from jingjinji.db import utcnow
from jingjinji.errors import InvalidInput
from jingjinji.timezone import china_today
from tests.catalog.support import PROBLEM, SETTINGS, audit_entries, request_in
from tests.conftest import People, login

MAX_DAYS = SETTINGS.access_period_max_days
ZH = {"accept-language": "zh-CN"}
EN = {"accept-language": "en"}


def _days(n: int) -> dt.date:
    return china_today() + dt.timedelta(days=n)


def _body(start: dt.date, end: dt.date) -> dict[str, Any]:
    return {
        "dataset_code": "BJ-COND",
        "purpose": "Joint enforcement",
        "fields": ["x"],
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
    }


def _locs(start: dt.date, end: dt.date, *, check_start: bool = True) -> list[list[Any]]:
    errors = service.period_errors(
        start, end, today=china_today(), max_days=MAX_DAYS, check_start=check_start
    )
    return [e["loc"] for e in errors]


def test_the_default_is_three_years() -> None:
    assert MAX_DAYS == 1096


def test_the_rule() -> None:
    assert _locs(_days(-1), _days(30)) == []  # yesterday: one day of slack
    assert _locs(_days(-2), _days(30)) == [["body", "period_start"]]
    assert _locs(_days(-2), _days(30), check_start=False) == []
    assert _locs(_days(5), _days(4)) == [["body", "period_end"]]
    assert _locs(_days(0), _days(0)) == []  # one day
    assert _locs(_days(0), _days(MAX_DAYS - 1)) == []  # both ends counted
    assert _locs(_days(0), _days(MAX_DAYS)) == [["body", "period_end"]]


@pytest.mark.parametrize(
    ("start", "end", "loc"),
    [
        (-2, 30, ["body", "period_start"]),
        (-400, 30, ["body", "period_start"]),
        (10, 9, ["body", "period_end"]),
        (0, MAX_DAYS, ["body", "period_end"]),
        (1, 1 + MAX_DAYS, ["body", "period_end"]),
    ],
)
def test_the_api_refuses_a_period_outside_the_rule_on_the_record(
    client: TestClient,
    catalog: People,
    session_factory: sessionmaker[Session],
    start: int,
    end: int,
    loc: list[Any],
) -> None:
    response = client.post(
        "/api/v1/access-requests",
        json=_body(_days(start), _days(end)),
        headers=catalog.headers(session_factory, "he-analyst"),
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert loc in [e["loc"] for e in response.json()["errors"]]
    [refused] = audit_entries(
        session_factory, action="catalog.access_request.create", outcome="refused"
    )
    assert refused.object_id == "BJ-COND"
    assert json.loads(refused.detail_json)["period"] == [
        _days(start).isoformat(),
        _days(end).isoformat(),
    ]
    assert (
        audit_entries(session_factory, action="catalog.access_request.create", outcome="ok") == []
    )
    with session_factory() as session:
        assert service.list_access_requests(session, actor=catalog["he-analyst"]).items == []


@pytest.mark.parametrize(("start", "end"), [(-1, 30), (0, MAX_DAYS - 1), (-1, MAX_DAYS - 2)])
def test_the_api_takes_a_period_inside_the_rule(
    client: TestClient,
    catalog: People,
    session_factory: sessionmaker[Session],
    start: int,
    end: int,
) -> None:
    response = client.post(
        "/api/v1/access-requests",
        json=_body(_days(start), _days(end)),
        headers=catalog.headers(session_factory, "he-analyst"),
    )
    assert response.status_code == 201, response.text


def test_the_longest_period_is_a_setting(
    session_factory: sessionmaker[Session], catalog: People
) -> None:
    month = dataclasses.replace(SETTINGS, access_period_max_days=30)
    with session_factory() as session:
        with pytest.raises(InvalidInput) as caught:
            service.create_access_request(
                session,
                actor=catalog["he-analyst"],
                data=request_in("BJ-COND", ["x"], start=_days(0), end=_days(30)),
                settings=month,
            )
        assert [e["loc"] for e in caught.value.errors] == [["body", "period_end"]]
        assert "longer than 30 days" in caught.value.detail
        service.create_access_request(
            session,
            actor=catalog["he-analyst"],
            data=request_in("BJ-COND", ["x"], start=_days(0), end=_days(29)),
            settings=month,
        )
        session.commit()


def _client(app: FastAPI, username: str, password: str) -> TestClient:
    client = TestClient(app)
    login(client, username, password)
    return client


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize(
    ("headers", "start_problem", "length_problem"),
    [
        (
            ZH,
            "使用起始日期：起始日期早于 {earliest}",
            "使用截止日期：期限超过 1096 天（含首尾两日）",
        ),
        (
            EN,
            "Access from: the period starts before {earliest}",
            "Access until: the period is longer than 1096 days (both ends counted)",
        ),
    ],
)
def test_the_apply_form_names_the_problem_in_the_readers_language(
    app: FastAPI,
    catalog: People,
    session_factory: sessionmaker[Session],
    headers: dict[str, str],
    start_problem: str,
    length_problem: str,
) -> None:
    client = _client(app, "he-analyst", catalog.password)
    for start, end, problem in (
        (-2, 30, start_problem.format(earliest=_days(-1).isoformat())),
        (0, MAX_DAYS, length_problem),
    ):
        page = client.get("/catalog/BJ-COND", headers=headers)
        answer = client.post(
            "/catalog/BJ-COND/apply",
            data={
                "csrf_token": _csrf(page.text),
                "fields": "x",
                "purpose": "研究",
                "period_start": _days(start).isoformat(),
                "period_end": _days(end).isoformat(),
            },
            headers=headers,
        )
        assert answer.status_code == 422
        problems = answer.text.split('data-testid="form-errors"', 1)[1].split("</ul>", 1)[0]
        assert problem in problems
        assert "period_start" not in problems and "period_end" not in problems
        # the form keeps what was typed
        assert f'value="{_days(start).isoformat()}"' in answer.text
    refused = audit_entries(
        session_factory, action="catalog.access_request.create", outcome="refused"
    )
    assert len(refused) == 2


def _filed(
    session_factory: sessionmaker[Session], catalog: People, *, days_ago: int, length: int
) -> int:
    """A request filed ``days_ago`` days ago for a period starting that day."""
    now = utcnow() - dt.timedelta(days=days_ago)
    with session_factory() as session:
        request = service.create_access_request(
            session,
            actor=catalog["he-analyst"],
            data=request_in(
                "BJ-COND",
                ["x", "y"],
                start=_days(-days_ago),
                end=_days(-days_ago + length - 1),
            ),
            settings=SETTINGS,
            now=now,
        )
        session.commit()
        return request.id


def _decide(
    session_factory: sessionmaker[Session], catalog: People, request_id: int, **typed: Any
) -> None:
    with session_factory() as session:
        service.decide_access_request(
            session,
            actor=catalog["bj-env"],
            request_id=request_id,
            data=DecisionIn.model_validate({"decision": "approve", **typed}),
            settings=SETTINGS,
        )
        session.commit()


def test_an_approval_as_requested_keeps_a_start_now_past(
    session_factory: sessionmaker[Session], catalog: People
) -> None:
    """The rule is for the dates an approver types: a request that waited for its decision is
    approved for the period it asked for."""
    request_id = _filed(session_factory, catalog, days_ago=20, length=365)
    _decide(session_factory, catalog, request_id)
    with session_factory() as session:
        [grant], _ = service.list_grants(session, actor=catalog["he-analyst"])
    assert (grant.period_start, grant.period_end) == (_days(-20), _days(344))


def test_an_approval_may_shorten_the_end_only(
    session_factory: sessionmaker[Session], catalog: People
) -> None:
    request_id = _filed(session_factory, catalog, days_ago=20, length=365)
    _decide(session_factory, catalog, request_id, period_end=_days(30).isoformat())
    with session_factory() as session:
        [grant], _ = service.list_grants(session, actor=catalog["he-analyst"])
    assert (grant.period_start, grant.period_end) == (_days(-20), _days(30))


def test_a_typed_start_before_yesterday_is_refused_on_the_record(
    session_factory: sessionmaker[Session], catalog: People
) -> None:
    request_id = _filed(session_factory, catalog, days_ago=20, length=365)
    with pytest.raises(InvalidInput) as caught:
        _decide(session_factory, catalog, request_id, period_start=_days(-2).isoformat())
    assert [e["loc"] for e in caught.value.errors] == [["body", "period_start"]]
    [refused] = audit_entries(
        session_factory, action="catalog.access_request.decide", outcome="refused"
    )
    assert refused.object_id == str(request_id)
    assert json.loads(refused.detail_json)["period"] == [_days(-2).isoformat(), None]
    with session_factory() as session:
        assert service.get_access_request(session, request_id=request_id).status == "pending"
    _decide(session_factory, catalog, request_id, period_start=_days(-1).isoformat())


def test_the_api_names_a_typed_start_before_yesterday(
    client: TestClient, session_factory: sessionmaker[Session], catalog: People
) -> None:
    request_id = _filed(session_factory, catalog, days_ago=3, length=100)
    response = client.post(
        f"/api/v1/access-requests/{request_id}/decision",
        json={"decision": "approve", "period_start": _days(-3).isoformat()},
        headers=catalog.headers(session_factory, "bj-env"),
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "period_start"]]


def test_a_typed_period_longer_than_the_setting_is_refused(
    session_factory: sessionmaker[Session], catalog: People
) -> None:
    request_id = _filed(session_factory, catalog, days_ago=0, length=60)
    month = dataclasses.replace(SETTINGS, access_period_max_days=30)
    with session_factory() as session, pytest.raises(InvalidInput) as caught:
        service.decide_access_request(
            session,
            actor=catalog["bj-env"],
            request_id=request_id,
            data=DecisionIn.model_validate(
                {"decision": "approve", "period_end": _days(40).isoformat()}
            ),
            settings=month,
        )
    assert [e["loc"] for e in caught.value.errors] == [["body", "period_end"]]


def test_the_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from jingjinji.config import load_settings

    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("JJJ_ACCESS_PERIOD_MAX_DAYS", raising=False)
    assert load_settings().access_period_max_days == 1096
    monkeypatch.setenv("JJJ_ACCESS_PERIOD_MAX_DAYS", "400")
    assert load_settings().access_period_max_days == 400
    monkeypatch.setenv("JJJ_ACCESS_PERIOD_MAX_DAYS", "0")
    with pytest.raises(SystemExit):
        load_settings()
