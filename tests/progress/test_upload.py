"""The template round trip: download the xlsx/csv template, fill it, upload it (API and web),
see per-cell errors (nothing stored) or success."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit import service as audit
from tests.conftest import People, csrf_from, login

API = "/api/v1/progress"


def filled_template(client: TestClient, rows: list[list[Any]]) -> bytes:
    r = client.get(f"{API}/template.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["values"]
    for i, row in enumerate(rows, start=2):
        for j, cell in enumerate(row, start=1):
            ws.cell(row=i, column=j, value=cell)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def post_file(client: TestClient, headers: dict[str, str], name: str, content: bytes) -> Any:
    return client.post(f"{API}/upload", headers=headers, files={"file": (name, content)})


def test_xlsx_template_has_columns_instructions_and_codes(
    client: TestClient,
    indicators: People,
) -> None:
    r = client.get(f"{API}/template.xlsx")
    assert r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["instructions", "values", "indicators", "jurisdictions"]
    assert [c.value for c in wb["values"][1]] == [
        "indicator_code",
        "jurisdiction_code",
        "period",
        "value",
        "unit",
        "source",
        "note",
    ]
    codes = [row[0] for row in wb["indicators"].iter_rows(min_row=2, values_only=True)]
    assert set(codes) == {"green_share", "parks", "pm25", "freight_q", "rail_km"}
    jurisdictions = [row[0] for row in wb["jurisdictions"].iter_rows(min_row=2, values_only=True)]
    assert "120116" in jurisdictions
    text = " ".join(str(r[0]) for r in wb["instructions"].iter_rows(values_only=True) if r[0])
    assert "nothing is stored" in text and "2021Q3" in text
    assert wb["values"]["C2"].number_format == "@"  # periods stay text
    csv = client.get(f"{API}/template.csv")
    assert csv.text.strip() == "indicator_code,jurisdiction_code,period,value,unit,source,note"


def test_xlsx_round_trip_stores_every_row(
    client: TestClient,
    session_factory: sessionmaker[Session],
    indicators: People,
) -> None:
    content = filled_template(
        client,
        [
            ["green_share", "120116", "2019", 38.5, "%", "statistical bulletin", None],
            ["green_share", "120116", "2020", 39.2, None, "Binhai review", "note"],
            ["pm25", "120116", 2021, "38", "μg/m³", "Binhai review", None],
            ["freight_q", "120000", "2021Q3", 12.5, "million t", "port statistics", None],
            ["rail_km", "120116", "2021-08", 62.2, "km", "Binhai review", None],
        ],
    )
    r = post_file(client, indicators.headers(session_factory, "tj-admin"), "values.xlsx", content)
    assert r.status_code == 201, r.text
    assert r.json() == {"stored": 5, "revised": 0, "rows": 5, "warnings": []}
    stored = client.get(f"{API}/values", params={"limit": 100}).json()["items"]
    assert sorted((v["indicator_code"], v["period"], v["value"]) for v in stored) == [
        ("freight_q", "2021Q3", 12.5),
        ("green_share", "2019", 38.5),
        ("green_share", "2020", 39.2),
        ("pm25", "2021", 38.0),
        ("rail_km", "2021-08", 62.2),
    ]
    with session_factory() as session:
        entries = audit.list_entries(session, action="progress.values.submit")
    assert {e.jurisdiction_code for e in entries} == {"120000", "120116"}
    assert all('"channel":"upload-xlsx"' in e.detail_json for e in entries)


def test_xlsx_errors_are_per_cell_and_nothing_is_stored(
    client: TestClient,
    session_factory: sessionmaker[Session],
    indicators: People,
) -> None:
    headers = indicators.headers(session_factory, "office")
    assert (
        post_file(
            client,
            headers,
            "first.xlsx",
            filled_template(
                client, [["green_share", "120116", "2018", 37.0, "%", "earlier upload", None]]
            ),
        ).status_code
        == 201
    )
    content = filled_template(
        client,
        [
            ["green_share", "120116", "2019", 38.5, "%", "ok row", None],  # row 2: fine
            ["green_share", "120116", "2021Q1", 39.0, "%", "src", None],  # 3: period type
            ["green_share", "120116", "2020", "abc", "%", "src", None],  # 4: not numeric
            ["green_share", "120116", "2021", 39.0, "percent", "src", None],  # 5: unit
            ["nope", "120116", "2021", 1, None, "src", None],  # 6: indicator
            ["green_share", "999999", "2021", 1, None, "src", None],  # 7: jurisdiction
            ["green_share", "120116", "2019", 38.6, "%", "src", None],  # 8: dup of row 2
            ["green_share", "120116", "2018", 37.0, "%", "src", None],  # 9: dup stored
            ["rail_km", "120116", dt.datetime(2021, 8, 1), 62.2, "km", "src", None],  # 10: a date
            ["green_share", "120116", "2022", 120, "%", "src", None],  # 11: rule range
            ["green_share", "120116", "2023", 40, "%", None, None],  # 12: no source
        ],
    )
    r = post_file(client, headers, "bad.xlsx", content)
    assert r.status_code == 422, r.text
    errors = {(e["row"], e["column"]): e["msg"] for e in r.json()["errors"]}
    assert set(errors) == {
        (3, "period"),
        (4, "value"),
        (5, "unit"),
        (6, "indicator_code"),
        (7, "jurisdiction_code"),
        (8, "period"),
        (9, "period"),
        (10, "period"),
        (11, "value"),
        (12, "source"),
    }
    assert "reported by year" in errors[(3, "period")]
    assert "'abc' is not a number" in errors[(4, "value")]
    assert "does not match" in errors[(5, "unit")]
    assert "row 2" in errors[(8, "period")]
    assert "stored already" in errors[(9, "period")]
    assert "date" in errors[(10, "period")]
    assert "share-within-0-100" in errors[(11, "value")]
    assert all(e["loc"] == ["file", e["row"], e["column"]] for e in r.json()["errors"])
    values = client.get(f"{API}/values").json()["items"]
    assert [v["period"] for v in values] == ["2018"]  # the good row 2 was not stored


def test_csv_round_trip_and_errors(
    client: TestClient,
    session_factory: sessionmaker[Session],
    indicators: People,
) -> None:
    headers = indicators.headers(session_factory, "tj-binhai")
    header = client.get(f"{API}/template.csv").text
    bad = header + "green_share,120116,2020,39.2,%,review,\npm25,120116,2021-13,38,,review,\n"
    r = post_file(client, headers, "v.csv", bad.encode())
    assert r.status_code == 422
    assert [(e["row"], e["column"]) for e in r.json()["errors"]] == [(3, "period")]
    good = header + "green_share,120116,2020,39.2,%,review,\n\npm25,120116,2021,38,,review,x\n"
    r = post_file(client, headers, "v.csv", good.encode("utf-8-sig"))
    assert r.status_code == 201, r.text
    assert r.json()["stored"] == 2


def test_bad_files_are_refused_with_reasons(
    client: TestClient,
    session_factory: sessionmaker[Session],
    indicators: People,
) -> None:
    headers = indicators.headers(session_factory, "office")
    r = post_file(client, headers, "v.csv", b"indicator,value\nx,1\n")
    assert r.status_code == 422
    assert {e["column"] for e in r.json()["errors"]} >= {"indicator_code", "indicator"}
    assert post_file(client, headers, "v.pdf", b"%PDF-1.4").status_code == 422
    assert post_file(client, headers, "v.xlsx", b"PK\x03\x04broken").status_code == 422
    assert post_file(client, headers, "v.csv", b"\xff\xfe\x00bad").status_code == 422
    header_only = client.get(f"{API}/template.csv").content
    assert post_file(client, headers, "v.csv", header_only).status_code == 422
    assert client.post(f"{API}/upload", headers=headers).status_code == 422  # no file
    # an analyst may not upload; the refusal is audited
    r = post_file(
        client,
        indicators.headers(session_factory, "bj-analyst"),
        "v.csv",
        header_only + b"green_share,110000,2020,1,,x,\n",
    )
    assert r.status_code == 403


def test_web_upload_shows_cell_errors_then_success(
    client: TestClient,
    indicators: People,
) -> None:
    login(client, "tj-binhai", indicators.password)
    page = client.get("/progress/upload")
    assert page.status_code == 200
    assert 'data-testid="template-xlsx"' in page.text and 'data-testid="upload-form"' in page.text
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    bad = filled_template(client, [["green_share", "120116", "2020Q1", 39.2, "%", "src", None]])
    r = client.post(
        "/progress/upload", data={"csrf_token": token}, files={"file": ("values.xlsx", bad)}
    )
    assert r.status_code == 422
    assert 'data-testid="upload-errors"' in r.text
    assert 'data-row="2" data-column="period"' in r.text
    assert 'data-testid="upload-success"' not in r.text
    good = filled_template(client, [["green_share", "120116", "2020", 39.2, "%", "src", None]])
    r = client.post(
        "/progress/upload",
        data={"csrf_token": csrf_from(r.text)},
        files={"file": ("values.xlsx", good)},
    )
    assert r.status_code == 200
    assert 'data-testid="upload-success"' in r.text
    assert 'data-testid="stored-count">1<' in r.text
    # without the CSRF token nothing happens
    r = client.post("/progress/upload", files={"file": ("values.xlsx", good)})
    assert r.status_code == 403


def test_web_upload_needs_login(client: TestClient, indicators: People) -> None:
    r = client.get("/progress/upload", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_a_cell_outside_the_template_columns_rejects_the_file(
    client: TestClient, session_factory: sessionmaker[Session], indicators: People
) -> None:
    """An unquoted comma in a CSV note shifts a cell past the last column: refused with the
    row and column named, never stored with the note cut short."""
    headers = indicators.headers(session_factory, "bj-env")
    content = (
        b"indicator_code,jurisdiction_code,period,value,unit,source,note\n"
        b"parks,110000,2020,12,count,yearbook,\n"
        b"parks,110000,2021,13,count,yearbook,estimate, revised in May\n"
    )
    r = post_file(client, headers, "values.csv", content)
    assert r.status_code == 422, r.text
    assert [(e["row"], e["column"]) for e in r.json()["errors"]] == [(3, "H")]
    assert "outside the template" in r.json()["errors"][0]["msg"]
    assert client.get(f"{API}/values").json()["items"] == []

    filled = filled_template(client, [["parks", "110000", "2021", 13, None, "yearbook"]])
    wb = load_workbook(io.BytesIO(filled))
    wb["values"].cell(row=2, column=9, value="stray")
    buf = io.BytesIO()
    wb.save(buf)
    r = post_file(client, headers, "values.xlsx", buf.getvalue())
    assert r.status_code == 422, r.text
    assert [(e["row"], e["column"]) for e in r.json()["errors"]] == [(2, "I")]
    assert client.get(f"{API}/values").json()["items"] == []


def test_template_download_survives_control_characters_in_stored_names(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    from tests.progress.conftest import make_indicator

    with session_factory() as session:
        make_indicator(session, "odd_name", name_en="Bell\x07 and\x02 tab", name_zh="控制\x1f字符")
        session.commit()
    r = client.get(f"{API}/template.xlsx")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content))["indicators"]
    names = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=2)}
    assert names["odd_name"] == "Bell and tab"
