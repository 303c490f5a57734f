"""Malformed input on every air API route is a 4xx that names the problem, never a 500.

One test per backend loops over the cases (the fixtures are costly, the requests cheap) and
reports every case that answered outside 400..499 or without problem+json.
"""

from __future__ import annotations

import codecs
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.pagination import encode_key
from tests.conftest import People
from tests.malformed import Case, problems_of

HUGE = 10**30
BIG = 99999999999  # above PostgreSQL's Integer, below SQLite's 2**63
TS = "2016-12-20T08:00:00+08:00"
GOOD_ROW = {"station_code": "1001A", "ts": TS, "pm2_5": 30}
HEADER = b"station_code,ts,pm2_5\n"
LAST_HOUR = "9999-12-31T23:00:00+00:00"


def _csv(content: bytes, **form: str) -> dict[str, Any]:
    return {"files": {"file": ("obs.csv", content, "text/csv")}, "data": form}


QUERY_CASES: list[Case] = [
    ("GET", f"/api/v1/air/stations?limit={HUGE}", {}),
    ("GET", "/api/v1/air/stations?limit=-5", {}),
    ("GET", f"/api/v1/air/stations?cursor={HUGE}", {}),
    ("GET", "/api/v1/air/stations?cursor=%FF%FE", {}),
    ("GET", "/api/v1/air/stations?bbox=1,2,3", {}),
    ("GET", "/api/v1/air/stations?bbox=118,41,115,39", {}),
    ("GET", "/api/v1/air/stations?bbox=inf,-inf,1,2", {}),
    ("GET", f"/api/v1/air/stations?bbox={HUGE},0,{HUGE},1", {}),
    ("GET", "/api/v1/air/stations?bbox=a,b,c,d", {}),
    ("GET", "/api/v1/air/stations?jurisdiction=999999", {}),
    ("GET", "/api/v1/air/stations?jurisdiction=abc", {}),
    ("GET", "/api/v1/air/stations?city=NOPE", {}),
    ("GET", "/api/v1/air/stations/NOPE", {}),
    ("GET", f"/api/v1/air/stations/{HUGE}", {}),
    ("GET", "/api/v1/air/latest?jurisdiction=999999", {}),
    ("GET", "/api/v1/air/latest?city=NOPE", {}),
    ("GET", "/api/v1/air/stations/1001A/daily?start=2021-02-30", {}),
    ("GET", "/api/v1/air/stations/1001A/daily?start=2016-02-01&end=2016-01-01", {}),
    ("GET", f"/api/v1/air/stations/1001A/daily?start={HUGE}", {}),
    ("GET", "/api/v1/air/stations/1001A/daily?start=0001-01-01&end=9999-12-31", {}),
    ("GET", "/api/v1/air/stations/NOPE/daily", {}),
    ("GET", "/api/v1/air/stations/1001A/hourly?start=2016-02-01&end=2016-01-01", {}),
    ("GET", "/api/v1/air/stations/1001A/hourly?end=0001-01-01", {}),
    ("GET", "/api/v1/air/stations/1001A/hourly?start=9999-12-31", {}),
    ("GET", f"/api/v1/air/stations/1001A/observations?limit={HUGE}", {}),
    ("GET", "/api/v1/air/stations/1001A/observations?limit=-1", {}),
    ("GET", f"/api/v1/air/stations/1001A/observations?cursor={HUGE}", {}),
    ("GET", "/api/v1/air/stations/1001A/observations?start=2016-02-01&end=2016-01-01", {}),
    ("GET", "/api/v1/air/stations/1001A/observations?start=2021-02-30", {}),
    ("GET", "/api/v1/air/stations/NOPE/observations", {}),
    ("GET", f"/api/v1/air/stations/1001A/observations?cursor={encode_key([LAST_HOUR])}", {}),
    ("GET", "/api/v1/air/stations/1001A/daily?start=9999-12-30&end=9999-12-31", {}),
    ("GET", "/api/v1/air/ranking?date=9999-12-31", {}),
    ("GET", "/api/v1/air/cities/NOPE/daily", {}),
    ("GET", "/api/v1/air/cities/110000/daily?start=2016-02-01&end=2016-01-01", {}),
    ("GET", "/api/v1/air/cities/110000/daily?end=0001-01-01", {}),
    ("GET", "/api/v1/air/cities/110000/hourly?start=2021-02-30", {}),
    ("GET", "/api/v1/air/cities/NOPE/hourly", {}),
    ("GET", f"/api/v1/air/cities/110000/compliance?year={HUGE}", {}),
    ("GET", "/api/v1/air/cities/110000/compliance?year=-1", {}),
    ("GET", "/api/v1/air/cities/110000/compliance?year=9999", {}),
    ("GET", "/api/v1/air/cities/NOPE/compliance?year=2016", {}),
    ("GET", "/api/v1/air/ranking?date=2021-02-30", {}),
    ("GET", "/api/v1/air/ranking?date=0001-01-01", {}),
    ("GET", "/api/v1/air/ranking?date=9999-12-31&standard=nope", {}),
    ("GET", "/api/v1/air/export?city=NOPE", {}),
    ("GET", "/api/v1/air/export?station=1001A&start=2016-02-01&end=2016-01-01", {}),
    ("GET", "/api/v1/air/export?station=1001A&kind=bogus", {}),
    ("GET", "/api/v1/air/export?city=110000&kind=raw", {}),
    ("GET", "/api/v1/air/export?station=1001A&end=0001-01-01", {}),
]

BODY_CASES: list[Case] = [
    ("POST", "/api/v1/air/observations", {"content": b"{not json"}),
    ("POST", "/api/v1/air/observations", {"content": b"\xff\xfe\x00garbage"}),
    ("POST", "/api/v1/air/observations", {"content": b""}),
    ("POST", "/api/v1/air/observations", {"json": []}),
    ("POST", "/api/v1/air/observations", {"json": {"observations": "x"}}),
    ("POST", "/api/v1/air/observations", {"json": {"observations": []}}),
    ("POST", "/api/v1/air/observations", {"json": {"observations": [GOOD_ROW], "units": 5}}),
    (
        "POST",
        "/api/v1/air/observations",
        {"json": {"observations": [GOOD_ROW], "units": {"co": "furlongs"}}},
    ),
    (
        "POST",
        "/api/v1/air/observations",
        {"json": {"observations": [GOOD_ROW], "units": {"nope": "ug/m3"}}},
    ),
    (
        "POST",
        "/api/v1/air/observations",
        {"json": {"observations": [GOOD_ROW], "timezone": "Mars/Olympus"}},
    ),
    ("POST", "/api/v1/air/observations", {"json": {"observations": [GOOD_ROW], "timezone": 8}}),
    ("POST", "/api/v1/air/observations", {"json": {"observations": [{**GOOD_ROW, "pm2_5": HUGE}]}}),
    ("POST", "/api/v1/air/observations", {"json": {"observations": [{**GOOD_ROW, "ts": HUGE}]}}),
    (
        "POST",
        "/api/v1/air/observations",
        {"json": {"observations": [{**GOOD_ROW, "station_code": HUGE}]}},
    ),
    (
        "POST",
        "/api/v1/air/observations",
        {"json": {"observations": [{**GOOD_ROW, "ts": "2021-02-30T00:00:00+08:00"}]}},
    ),
    (
        "POST",
        "/api/v1/air/observations",
        {"json": {"observations": [{**GOOD_ROW, "station_code": "NOPE"}]}},
    ),
    ("POST", "/api/v1/air/observations", {"json": {"observations": [{**GOOD_ROW, "wd": HUGE}]}}),
    *[
        ("POST", "/api/v1/air/observations", {"json": {"observations": [{**GOOD_ROW, "ts": ts}]}})
        for ts in (
            "9999-12-31T23:00:00-08:00",
            "0001-01-01T00:00:00+08:00",
            "0001-01-01T00:00:00",
            "0001-01-01T00:00:00Z",
            "2016-12-20T08:00:00+25:00",
            "2016-12-20T08:30:00+08:00",
        )
    ],
    (
        "POST",
        "/api/v1/air/observations",
        {
            "json": {
                "observations": [{**GOOD_ROW, "ts": "0001-01-01T00:00:00"}],
                "timezone": "+08:00",
            }
        },
    ),
    (
        "POST",
        "/api/v1/air/observations/csv",
        _csv(HEADER + b"1001A,9999-12-31 23:00,5\n", timezone="-08:00"),
    ),
    (
        "POST",
        "/api/v1/air/observations/csv",
        _csv(HEADER + b"1001A,0001-01-01 00:00,5\n", timezone="+08:00"),
    ),
    ("POST", "/api/v1/air/observations", {"json": {"observations": [{**GOOD_ROW, "nope": 1}]}}),
    (
        "POST",
        "/api/v1/air/observations",
        {
            "content": b'{"observations": [{"station_code": "1001A", "ts": "'
            + TS.encode()
            + b'", "pm10": Infinity, "so2": NaN}]}'
        },
    ),
    ("POST", f"/api/v1/air/observations?partial={HUGE}", {"json": {"observations": [GOOD_ROW]}}),
    ("POST", "/api/v1/air/observations/csv", {}),
    ("POST", "/api/v1/air/observations/csv", _csv(b"")),
    ("POST", "/api/v1/air/observations/csv", _csv(HEADER)),
    ("POST", "/api/v1/air/observations/csv", _csv(b"\x00\x01\x02\xff\xfe\xfa" * 100)),
    ("POST", "/api/v1/air/observations/csv", _csv(b"PK\x03\x04" + b"\x00" * 200)),
    (
        "POST",
        "/api/v1/air/observations/csv",
        _csv(codecs.BOM_UTF8 + HEADER + b"NOPE,2016-12-20T00:00:00Z,5\n"),
    ),
    (
        "POST",
        "/api/v1/air/observations/csv",
        _csv("station_code,ts,pm2_5,备注\n1001A,2016-12-20T00:00:00Z,5,北京\n".encode("gbk")),
    ),
    ("POST", "/api/v1/air/observations/csv", _csv(b"ts,pm2_5\n2016-12-20T00:00:00Z,5\n")),
    ("POST", "/api/v1/air/observations/csv", _csv(HEADER + f"1001A,{TS},{HUGE}\n".encode())),
    ("POST", "/api/v1/air/observations/csv", _csv(HEADER + f"1001A,{HUGE},5\n".encode())),
    ("POST", "/api/v1/air/observations/csv", _csv(HEADER + f"1001A,{TS},Infinity\n".encode())),
    ("POST", "/api/v1/air/observations/csv", _csv(HEADER + b"1001A,2021-02-30T00:00:00Z,5\n")),
    ("POST", "/api/v1/air/observations/csv", _csv(HEADER + b'1001A,"unterminated,5\n')),
    ("POST", "/api/v1/air/observations/csv", _csv(HEADER + b"1001A\n")),
    ("POST", "/api/v1/air/observations/csv", _csv(HEADER + f"1001A,{TS},5\n".encode(), units="x")),
    (
        "POST",
        "/api/v1/air/observations/csv",
        _csv(HEADER + f"1001A,{TS},5\n".encode(), units='{"co": 5}'),
    ),
    (
        "POST",
        "/api/v1/air/observations/csv",
        _csv(HEADER + b"1001A,2016-12-20 00:00,5\n", timezone="+99:00"),
    ),
    (
        "POST",
        "/api/v1/air/observations/csv",
        _csv(HEADER + b"1001A,2016-12-20 00:00,5\n", timezone="\x00"),
    ),
]


def test_malformed_air_input_is_a_4xx_on_every_route(
    app: FastAPI, session_factory: sessionmaker[Session], air: People
) -> None:
    headers = air.headers(session_factory, "bj-env")
    with TestClient(app, raise_server_exceptions=False) as client:
        problems = problems_of(client, headers, QUERY_CASES + BODY_CASES)
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- NaN and NUL
# One rule for JSON and CSV (docs/air.md): NaN and infinities are refused as "not a finite
# number" naming row and column (a CSV "NaN" used to be stored as missing with 200), and a NUL
# character is refused wherever text arrives (SQLite stored it, PostgreSQL failed on it).


def _errors(response: Any) -> list[dict[str, Any]]:
    assert response.headers["content-type"].startswith("application/problem+json")
    errors: list[dict[str, Any]] = response.json()["errors"]
    return errors


def test_nan_and_infinity_are_refused_alike_in_json_and_csv(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    headers = air.headers(session_factory, "bj-env")
    for text in ("NaN", "nan", "Infinity", "-Infinity", "inf", "1e999"):
        good = f'{{"station_code": "1001A", "ts": "{TS}", "pm2_5": 30}}'
        bad = f'{{"station_code": "1001A", "ts": "{TS}", "pm2_5": 30, "pm10": {text}}}'
        if text in {"NaN", "Infinity", "-Infinity", "1e999"}:  # JSON literals Python reads
            r = client.post(
                "/api/v1/air/observations",
                content=f'{{"observations": [{good.replace("08:00:00", "07:00:00")}, {bad}]}}',
                headers={**headers, "Content-Type": "application/json"},
            )
            assert r.status_code == 422, r.text
            found = [(e["row"], e["column"], e["msg"]) for e in _errors(r)]
            assert found == [(2, "pm10", "not a finite number")], found
        csv = HEADER.replace(b"\n", b",pm10\n") + f"1001A,{TS},30,{text}\n".encode()
        r = client.post("/api/v1/air/observations/csv", headers=headers, **_csv(csv))
        assert r.status_code == 422, (text, r.text)
        found = [(e["row"], e["column"], e["msg"]) for e in _errors(r)]
        assert found == [(2, "pm10", "not a finite number")], found  # the file's line
    # Missing stays missing: NA, empty, null and "-" are gaps, not errors.
    csv = HEADER.replace(b"\n", b",pm10\n") + f"1001A,{TS},30,NA\n".encode()
    r = client.post("/api/v1/air/observations/csv", headers=headers, **_csv(csv))
    assert r.status_code == 200, r.text
    assert r.json()["rows_accepted"] == 1


def test_nul_characters_are_refused_everywhere_naming_the_field(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    headers = air.headers(session_factory, "bj-env")
    r = client.post(
        "/api/v1/air/observations",
        json={"observations": [GOOD_ROW, {**GOOD_ROW, "wd": "N\u0000E"}]},
        headers=headers,
    )
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in _errors(r)] == [["body", "observations", 1, "wd"]]
    assert "NUL" in r.json()["detail"]

    csv = b"station_code,ts,pm2_5,wd\n" + f"1001A,{TS},30,N\x00E\n".encode()
    r = client.post("/api/v1/air/observations/csv", headers=headers, **_csv(csv))
    assert r.status_code == 422, r.text
    assert [(e["row"], e["column"]) for e in _errors(r)] == [(2, "wd")]  # header = line 1
    assert "row 2, column wd" in r.json()["detail"]

    r = client.get("/api/v1/air/stations", params={"city": "1101\x00"})
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in _errors(r)] == [["query", "city"]]

    r = client.get("/api/v1/air/stations/1001A%00")
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in _errors(r)] == [["path"]]

    r = client.post("/login", data={"username": "bj-env\x00", "password": "x"})
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in _errors(r)] == [["body", "username"]]

    # An escaped backslash before "u0000" is text, not a NUL: it reaches the validation.
    r = client.post(
        "/api/v1/air/observations",
        content=b'{"observations": [{"station_code": "1001A\\\\u0000", "ts": "'
        + TS.encode()
        + b'"}]}',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 422, r.text
    assert all(e.get("type") != "nul_character" for e in _errors(r))
    assert "unknown station" in r.text


def test_a_csv_upload_stops_at_the_first_block_past_the_row_limit(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    from jingjinji.air.uploads import MAX_UPLOAD_ROWS

    headers = air.headers(session_factory, "bj-env")
    row = f"1001A,{TS},30\n".encode()
    r = client.post(
        "/api/v1/air/observations/csv",
        headers=headers,
        **_csv(HEADER + row * (MAX_UPLOAD_ROWS + 1)),
    )
    assert r.status_code == 422, r.text
    assert f"at most {MAX_UPLOAD_ROWS} rows" in r.json()["detail"]
