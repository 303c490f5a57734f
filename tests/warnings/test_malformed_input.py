"""Malformed input on every warnings API route is a 4xx that names the problem, never a 500.

One test per backend loops over the cases (the fixtures are costly, the requests cheap) and
reports every case that answered outside 400..499 or without problem+json.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.pagination import encode_key
from tests.conftest import People
from tests.malformed import Case, problems_of

HUGE = 10**30
BIG = 99999999999  # above PostgreSQL's Integer, below SQLite's 2**63
W = "/api/v1/warnings"
PROPOSAL = {
    "cities": ["110000"],
    "level": "orange",
    "start_date": "2016-12-16",
    "end_date": "2016-12-21",
    "max_aqi": 420,
    "criteria_code": "bth-2017",
}

ID_STEPS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "", {}),
    ("POST", "/consultation", {"json": {}}),
    ("POST", "/answers", {"json": {"answer": "agree"}}),
    ("POST", "/issue", {"json": {}}),
    ("POST", "/level", {"json": {"level": "red"}}),
    ("POST", "/lift", {"json": {}}),
    ("POST", "/withdraw", {"json": {}}),
]

CASES: list[Case] = [
    *[
        (method, f"{W}/{wid}{suffix}", kwargs)
        for wid in (HUGE, BIG, -1, 0, "abc", "1.5")
        for method, suffix, kwargs in ID_STEPS
    ],
    *[("POST", f"{W}/webhooks/{sid}/rotate", {"json": {}}) for sid in (HUGE, BIG, -1, "abc")],
    *[
        ("POST", f"{W}/webhooks/{sid}/active", {"json": {"active": False}})
        for sid in (HUGE, BIG, -1)
    ],
    *[("POST", f"{W}/webhooks/deliveries/{d}/retry", {}) for d in (HUGE, BIG, -1)],
    ("GET", f"{W}?limit={HUGE}", {}),
    ("GET", f"{W}?limit=-1", {}),
    ("GET", f"{W}?cursor={encode_key([HUGE])}", {}),
    ("GET", f"{W}?cursor={encode_key([BIG])}", {}),
    ("GET", f"{W}?cursor={encode_key([-(HUGE)])}", {}),
    ("GET", f"{W}?cursor=%FF", {}),
    ("GET", f"{W}?cursor={encode_key(['x'])}", {}),
    ("GET", f"{W}?status=bogus", {}),
    ("GET", f"{W}/events?after={HUGE}&lifetime=0.2", {}),
    ("GET", f"{W}/events?after=-1&lifetime=0.2", {}),
    ("GET", f"{W}/events?lifetime=NaN", {}),
    ("GET", f"{W}/events?lifetime=inf", {}),
    ("GET", f"{W}/forecasts?city=110000&start=2021-02-30&end=2021-03-01", {}),
    ("GET", f"{W}/forecasts?city=110000&start=2016-02-01&end=2016-01-01", {}),
    ("GET", f"{W}/forecasts?city=NOPE&start=2016-01-01&end=2016-02-01", {}),
    ("GET", f"{W}/forecasts?city=110000&start=2016-01-01&end=2016-02-01&horizon={HUGE}", {}),
    ("GET", f"{W}/forecasts?city=110000&start=0001-01-01&end=9999-12-31", {}),
    ("GET", f"{W}/forecasts?city=110000", {}),
    ("GET", f"{W}/forecasts/chart?city=NOPE", {}),
    ("GET", f"{W}/forecasts/chart?city=110000&start=2016-02-01&end=2016-01-01", {}),
    ("GET", f"{W}/forecasts/chart?city=110000&end=0001-01-01", {}),
    ("GET", f"{W}/forecasts/chart?city=110000&start=0001-01-01&end=9999-12-31", {}),
    ("POST", W, {"content": b"{not json"}),
    ("POST", W, {"content": b"\xff\xfe garbage"}),
    ("POST", W, {"json": []}),
    ("POST", W, {"json": {**PROPOSAL, "cities": "110000"}}),
    ("POST", W, {"json": {**PROPOSAL, "cities": []}}),
    ("POST", W, {"json": {**PROPOSAL, "cities": ["NOPE"]}}),
    ("POST", W, {"json": {**PROPOSAL, "cities": [HUGE]}}),
    ("POST", W, {"json": {**PROPOSAL, "level": "purple"}}),
    ("POST", W, {"json": {**PROPOSAL, "level": HUGE}}),
    ("POST", W, {"json": {**PROPOSAL, "start_date": "2021-02-30"}}),
    ("POST", W, {"json": {**PROPOSAL, "start_date": HUGE}}),
    ("POST", W, {"json": {**PROPOSAL, "end_date": "2016-12-01"}}),
    ("POST", W, {"json": {**PROPOSAL, "max_aqi": HUGE}}),
    ("POST", W, {"json": {**PROPOSAL, "max_aqi": -1}}),
    ("POST", W, {"json": {**PROPOSAL, "criteria_code": "nope"}}),
    (
        "POST",
        W,
        {"json": {**PROPOSAL, "cities": ["990000"], "criteria_code": None}},
    ),
    (
        "POST",
        W,
        {
            "content": b'{"cities": ["110000"], "level": "orange", "start_date": "2016-12-16", '
            b'"end_date": "2016-12-21", "max_aqi": NaN}'
        },
    ),
    (
        "POST",
        W,
        {
            "content": b'{"cities": ["110000"], "level": "orange", "start_date": "2016-12-16", '
            b'"end_date": "2016-12-21", "max_aqi": Infinity}'
        },
    ),
    ("POST", f"{W}/criteria/adoptions", {"json": {}}),
    (
        "POST",
        f"{W}/criteria/adoptions",
        {
            "json": {
                "jurisdiction_code": "NOPE",
                "criteria_code": "bth-2017",
                "effective_from": "2020-01-01",
            }
        },
    ),
    (
        "POST",
        f"{W}/criteria/adoptions",
        {
            "json": {
                "jurisdiction_code": "110000",
                "criteria_code": "nope",
                "effective_from": "2020-01-01",
            }
        },
    ),
    (
        "POST",
        f"{W}/criteria/adoptions",
        {
            "json": {
                "jurisdiction_code": "110000",
                "criteria_code": "bth-2017",
                "effective_from": "2021-02-30",
            }
        },
    ),
    (
        "POST",
        f"{W}/criteria/adoptions",
        {
            "json": {
                "jurisdiction_code": HUGE,
                "criteria_code": "bth-2017",
                "effective_from": "2020-01-01",
            }
        },
    ),
    ("POST", f"{W}/webhooks", {"json": {"url": "not a url", "event_types": ["*"]}}),
    ("POST", f"{W}/webhooks", {"json": {"url": "ftp://x.example/", "event_types": ["*"]}}),
    ("POST", f"{W}/webhooks", {"json": {"url": "http://x.example/", "event_types": ["nope"]}}),
    ("POST", f"{W}/webhooks", {"json": {"url": "http://x.example/", "event_types": []}}),
    ("POST", f"{W}/webhooks", {"json": {"url": "http://x.example/", "event_types": [HUGE]}}),
    ("POST", f"{W}/webhooks", {"json": {"url": HUGE, "event_types": ["*"]}}),
    (
        "POST",
        f"{W}/webhooks",
        {"json": {"url": "http://x.example/", "event_types": ["*"], "secret": "short"}},
    ),
    ("POST", f"{W}/webhooks", {"content": b"{"}),
    ("POST", f"{W}/webhooks", {"json": {"url": "http://[::1", "event_types": ["*"]}}),
    ("POST", f"{W}/webhooks", {"content": b'{"url": "http://x/\\udcff", "event_types": ["*"]}'}),
    ("POST", f"{W}/webhooks/1/rotate", {"content": b'{"overlap_hours": NaN}'}),
    ("POST", f"{W}/webhooks/1/rotate", {"content": b'{"overlap_hours": Infinity}'}),
    ("POST", f"{W}/webhooks/1/rotate", {"json": {"overlap_hours": HUGE}}),
    ("POST", f"{W}/webhooks/1/rotate", {"json": {"overlap_hours": -1}}),
    ("POST", f"{W}/webhooks/1/active", {"json": {"active": "maybe"}}),
    # warning 1 is a proposal (made by the test): deadlines that are no instant in UTC
    ("POST", f"{W}/1/consultation", {"json": {"deadline": "9999-12-31T23:59:59-12:00"}}),
    ("POST", f"{W}/1/consultation", {"json": {"deadline": "0001-01-01T00:00:00+08:00"}}),
    ("POST", f"{W}/1/consultation", {"json": {"deadline": "2030-01-01T00:00:00"}}),
    ("POST", f"{W}/1/consultation", {"json": {"deadline": "2021-02-30T00:00:00Z"}}),
    ("POST", f"{W}/1/consultation", {"json": {"deadline": HUGE}}),
    ("POST", f"{W}/1/issue", {"json": {"level": "purple"}}),
    ("POST", f"{W}/1/answers", {"json": {"answer": "maybe"}}),
    ("POST", f"{W}/1/answers", {"json": {"answer": "propose", "proposed_level": HUGE}}),
]


def test_malformed_warning_input_is_a_4xx_on_every_route(
    app: FastAPI, session_factory: sessionmaker[Session], warn: People
) -> None:
    headers = warn.headers(session_factory, "office")
    with TestClient(app, raise_server_exceptions=False) as client:
        created = client.post(
            f"{W}/webhooks",
            # a receiver that is never called (no worker runs): not loopback, which the SSRF
            # checks refuse at registration
            json={"url": "https://receiver.example/hook", "event_types": ["*"]},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        assert created.json()["id"] == 1
        proposed = client.post(W, json=PROPOSAL, headers=headers)
        assert proposed.status_code == 201, proposed.text
        assert proposed.json()["id"] == 1
        problems = problems_of(client, headers, CASES)
    assert not problems, "\n".join(problems)
