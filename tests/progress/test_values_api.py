"""Entering values through the API: validation with loc, all-or-nothing batches, authorisation
and audit, cursor pagination."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit import service as audit
from tests.conftest import People

URL = "/api/v1/progress/values"


def value(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "indicator_code": "green_share",
        "jurisdiction_code": "120116",
        "period": "2020",
        "value": 39.2,
        "source": "Binhai review",
    }
    data.update(over)
    return data


def locs(response: Any) -> list[list[Any]]:
    return [e["loc"] for e in response.json()["errors"]]


def test_store_one_value_and_read_it_back(
    client: TestClient,
    session_factory: sessionmaker[Session],
    indicators: People,
) -> None:
    headers = indicators.headers(session_factory, "tj-binhai")
    r = client.post(URL, json=value(unit="%"), headers=headers)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["stored"] == 1 and body["items"][0]["value"] == 39.2
    assert body["items"][0]["submitted_by"] == "tj-binhai"
    listed = client.get(URL, params={"indicator": "green_share"}).json()
    assert [(v["jurisdiction_code"], v["period"], v["value"]) for v in listed["items"]] == [
        ("120116", "2020", 39.2)
    ]
    with session_factory() as session:
        entries = audit.list_entries(session, action="progress.values.submit")
    assert entries and entries[-1].actor_username == "tj-binhai"
    assert entries[-1].jurisdiction_code == "120116"


def test_problems_answer_422_with_loc_and_never_500(
    client: TestClient,
    session_factory: sessionmaker[Session],
    indicators: People,
) -> None:
    headers = indicators.headers(session_factory, "office")
    cases = [
        (value(period="2020Q3"), ["body", "period"], "reported by year"),
        (value(period="20-21"), ["body", "period"], "not a valid period"),
        (value(indicator_code="nope"), ["body", "indicator_code"], "unknown indicator"),
        (value(jurisdiction_code="999999"), ["body", "jurisdiction_code"], "unknown jurisdiction"),
        (value(unit="percent"), ["body", "unit"], "does not match"),
        (value(value=101), ["body", "value"], "share-within-0-100"),
        (value(indicator_code="freight_q", period="2021"), ["body", "period"], "quarter"),
        (value(indicator_code="rail_km", period="2021Q1", unit="km"), ["body", "period"], "month"),
    ]
    for payload, loc, words in cases:
        r = client.post(URL, json=payload, headers=headers)
        assert r.status_code == 422, (payload, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert loc in locs(r), (payload, r.json())
        assert words in r.text, (payload, r.text)
    # wrong types are caught by the schema, still with loc
    for payload, loc in [
        (value(value="abc"), ["body", "value"]),
        (value(period=2021), ["body", "period"]),
        (value(value=None), ["body", "value"]),
        ({"indicator_code": "green_share"}, ["body", "jurisdiction_code"]),
        (value(extra=1), ["body", "extra"]),
    ]:
        r = client.post(URL, json=payload, headers=headers)
        assert r.status_code == 422, (payload, r.text)
        assert loc in locs(r), (payload, r.json())
    malformed = client.post(
        URL, content=b'{"indicator_code": ', headers={**headers, "content-type": "application/json"}
    )
    assert malformed.status_code == 400 and "Malformed JSON" in malformed.text
    # nothing was stored by any of these
    assert client.get(URL).json()["items"] == []


def test_duplicates_in_batch_and_against_stored(
    client: TestClient,
    session_factory: sessionmaker[Session],
    indicators: People,
) -> None:
    headers = indicators.headers(session_factory, "office")
    assert client.post(URL, json=value(), headers=headers).status_code == 201
    r = client.post(
        URL + "/batch",
        headers=headers,
        json={
            "values": [value(period="2021", value=40.0), value(period="2021", value=41.0), value()]
        },
    )
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert ["body", "values", 1, "period"] in [e["loc"] for e in errors]
    assert ["body", "values", 2, "period"] in [e["loc"] for e in errors]
    assert any("entry 1" in e["msg"] for e in errors)
    assert any("stored already" in e["msg"] for e in errors)
    # all or nothing: the good first row was not stored either
    assert len(client.get(URL).json()["items"]) == 1


def test_batch_reports_every_problem_at_once(
    client: TestClient,
    session_factory: sessionmaker[Session],
    indicators: People,
) -> None:
    headers = indicators.headers(session_factory, "office")
    r = client.post(
        URL + "/batch",
        headers=headers,
        json={
            "values": [
                value(period="2019"),
                value(period="bad", value=-3),
                value(indicator_code="x"),
            ]
        },
    )
    assert r.status_code == 422
    got = {tuple(e["loc"]) for e in r.json()["errors"]}
    assert ("body", "values", 1, "period") in got
    assert ("body", "values", 2, "indicator_code") in got
    ok = client.post(
        URL + "/batch",
        headers=headers,
        json={
            "values": [
                value(period="2019", value=35.0),
                value(period="2020", value=39.2),
                value(indicator_code="pm25", period="2021", value=38, unit="μg/m³"),
            ]
        },
    )
    assert ok.status_code == 201 and ok.json()["stored"] == 3


def test_steward_of_another_jurisdiction_is_refused_and_audited(
    client: TestClient,
    session_factory: sessionmaker[Session],
    indicators: People,
) -> None:
    # the Binhai steward may not write Hebei values
    r = client.post(
        URL,
        json=value(jurisdiction_code="130000"),
        headers=indicators.headers(session_factory, "tj-binhai"),
    )
    assert r.status_code == 403
    # nor Tianjin-wide values (its organisation is Binhai's)
    r2 = client.post(
        URL,
        json=value(jurisdiction_code="120000"),
        headers=indicators.headers(session_factory, "tj-binhai"),
    )
    assert r2.status_code == 403
    # an analyst writes nothing
    r3 = client.post(URL, json=value(), headers=indicators.headers(session_factory, "tj-analyst"))
    assert r3.status_code == 403
    # no login at all
    assert client.post(URL, json=value()).status_code == 401
    with session_factory() as session:
        denied = audit.list_entries(session, action="progress.values.submit", outcome="denied")
    assert [(e.actor_username, e.jurisdiction_code) for e in denied] == [
        ("tj-binhai", "130000"),
        ("tj-binhai", "120000"),
        ("tj-analyst", "120116"),
    ]
    assert client.get(URL).json()["items"] == []
    # a Tianjin administrator may write for Binhai (in its province), Hebei's may not
    ok = client.post(URL, json=value(), headers=indicators.headers(session_factory, "tj-admin"))
    assert ok.status_code == 201
    no = client.post(
        URL, json=value(period="2021"), headers=indicators.headers(session_factory, "he-admin")
    )
    assert no.status_code == 403


def test_warning_rules_store_and_flag(
    client: TestClient,
    session_factory: sessionmaker[Session],
    indicators: People,
) -> None:
    from jingjinji.progress import service
    from tests.progress.conftest import make_indicator

    with session_factory() as session:
        make_indicator(session, "bh_local_financial_orgs", unit="count")
        make_indicator(session, "bh_fin_leasing_companies", unit="count")
        session.commit()
    headers = indicators.headers(session_factory, "office")
    r = client.post(
        URL + "/batch",
        headers=headers,
        json={
            "values": [
                value(indicator_code="bh_local_financial_orgs", period="2021", value=100),
                value(indicator_code="bh_fin_leasing_companies", period="2021", value=1472),
            ]
        },
    )
    assert r.status_code == 201, r.text
    warnings = r.json()["warnings"]
    assert [w["rule_id"] for w in warnings] == ["leasing-within-local-finance"] * 2
    flagged = [v for v in r.json()["items"] if v["flags"]]
    assert len(flagged) == 2
    with session_factory() as session:
        report = service.validate(session)
    assert [(v.rule_id, v.indicator_code) for v in report.violations] == [
        ("leasing-within-local-finance", "bh_fin_leasing_companies")
    ]


def test_cursor_pagination_and_filters(
    client: TestClient,
    session_factory: sessionmaker[Session],
    indicators: People,
) -> None:
    headers = indicators.headers(session_factory, "office")
    payload = [value(period=str(y), value=30 + y % 10) for y in range(2010, 2022)]
    assert client.post(URL + "/batch", json={"values": payload}, headers=headers).status_code == 201
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 5, "indicator": "green_share"}
        if cursor:
            params["cursor"] = cursor
        page = client.get(URL, params=params).json()
        seen += [v["period"] for v in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [str(y) for y in range(2010, 2022)]
    ranged = client.get(
        URL, params={"indicator": "green_share", "period_from": "2019", "period_to": "2020"}
    ).json()["items"]
    assert [v["period"] for v in ranged] == ["2019", "2020"]
    assert client.get(URL, params={"cursor": "!!"}).status_code == 422
    bad = client.get(URL, params={"indicator": "green_share", "period_from": "2019Q1"})
    assert bad.status_code == 422 and ["query", "period_from"] in locs(bad)
    assert client.get(URL, params={"limit": 0}).status_code == 422
    assert client.get(URL, params={"indicator": "nope"}).status_code == 404


def test_delete_to_correct_a_value(
    client: TestClient,
    session_factory: sessionmaker[Session],
    indicators: People,
) -> None:
    binhai = indicators.headers(session_factory, "tj-binhai")
    stored = client.post(URL, json=value(value=39.0), headers=binhai).json()["items"][0]
    assert client.post(URL, json=value(value=39.2), headers=binhai).status_code == 422
    other = client.delete(
        f"{URL}/{stored['id']}", headers=indicators.headers(session_factory, "he-admin")
    )
    assert other.status_code == 403
    assert client.delete(f"{URL}/{stored['id']}", headers=binhai).status_code == 204
    assert client.delete(f"{URL}/{stored['id']}", headers=binhai).status_code == 404
    assert client.post(URL, json=value(value=39.2), headers=binhai).status_code == 201
    with session_factory() as session:
        deleted = audit.list_entries(session, action="progress.values.delete")
    assert [e.outcome for e in deleted] == ["denied", "ok"]
    assert '"value":39.0' in deleted[1].detail_json


def test_malformed_requests_never_answer_500(
    client: TestClient,
    session_factory: sessionmaker[Session],
    indicators: People,
) -> None:
    headers = indicators.headers(session_factory, "office")
    api = "/api/v1/progress"
    posts: list[tuple[str, Any]] = [
        (f"{api}/values", [1, 2]),
        (f"{api}/values", value(value="1e400")),
        (
            f"{api}/values",
            b'{"indicator_code": "green_share", "jurisdiction_code": "120116", '
            b'"period": "2020", "value": Infinity, "source": "x"}',
        ),
        (f"{api}/values", b'{"indicator_code": "green_share", "value": NaN}'),
        (f"{api}/values/batch", {"values": "x"}),
        (f"{api}/values/batch", {"values": []}),
        (f"{api}/commitments", "text"),
        (f"{api}/commitments", {"code": 5}),
        (
            f"{api}/agreements",
            {"code": "UPPER CASE", "title_zh": "x", "title_en": "x", "parties": []},
        ),
        (
            f"{api}/indicators",
            {
                "code": "x",
                "name_zh": "x",
                "name_en": "x",
                "unit": "%",
                "direction": "sideways",
                "period_type": "week",
                "area": "ecology",
            },
        ),
        (
            f"{api}/targets",
            {
                "indicator_code": "pm25",
                "jurisdiction_code": "110000",
                "target_value": "lots",
                "target_year": 99999,
            },
        ),
        (
            f"{api}/commitments/nope/status-changes",
            {"status": "completed", "changed_on": "2021-02-30"},
        ),
    ]
    for url, body in posts:
        if isinstance(body, bytes):
            r = client.post(
                url, content=body, headers={**headers, "content-type": "application/json"}
            )
        else:
            r = client.post(url, json=body, headers=headers)
        assert 400 <= r.status_code < 500, (url, body, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json"), url
    for url in [
        f"{api}/summary?year=abc",
        f"{api}/commitments?limit=abc",
        f"{api}/commitments?cursor=abc",
        f"{api}/values?limit=100000",
        f"{api}/summary?base_year=1",
        f"{api}/rollups?year=x",
        f"{api}/indicators/nope",
        f"{api}/agreements/nope",
    ]:
        r = client.get(url)
        assert 400 <= r.status_code < 500, (url, r.status_code, r.text)
