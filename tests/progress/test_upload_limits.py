"""Limits of the progress upload and NUL characters in progress values (issue 10, parts 5-6).

A workbook is a zip: one that inflates beyond what 5000 rows need, or with a part that inflates
like a zip bomb, is refused before openpyxl opens it; the file is read a block at a time and
refused past 5 MiB; NUL characters are refused in JSON values and in cells alike (SQLite stored
them, PostgreSQL failed on them).
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.progress import upload
from tests.conftest import People
from tests.test_limits import million_row_workbook

API = "/api/v1/progress"


def post_file(client: TestClient, headers: dict[str, str], name: str, content: bytes) -> Any:
    return client.post(f"{API}/upload", headers=headers, files={"file": (name, content)})


def stored_values(client: TestClient) -> list[Any]:
    items: list[Any] = client.get(f"{API}/values").json()["items"]
    return items


def test_nul_in_a_json_value_is_refused_naming_the_field(
    client: TestClient, session_factory: sessionmaker[Session], indicators: People
) -> None:
    headers = indicators.headers(session_factory, "tj-binhai")
    value = {
        "indicator_code": "green_share",
        "jurisdiction_code": "120116",
        "period": "2020",
        "value": 39.2,
        "source": "Binhai\u0000review",
    }
    r = client.post(f"{API}/values", json=value, headers=headers)
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in r.json()["errors"]] == [["body", "source"]]
    assert stored_values(client) == []


def test_nul_in_a_csv_cell_is_a_cell_error(
    client: TestClient, session_factory: sessionmaker[Session], indicators: People
) -> None:
    headers = indicators.headers(session_factory, "tj-binhai")
    header = client.get(f"{API}/template.csv").text
    content = (header + "green_share,120116,2020,39.2,%,Binhai\x00review,\n").encode()
    r = post_file(client, headers, "values.csv", content)
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(2, "source")]
    assert "NUL" in errors[0]["msg"]
    assert stored_values(client) == []


def test_a_workbook_that_inflates_is_refused_before_it_is_opened(
    client: TestClient, session_factory: sessionmaker[Session], indicators: People
) -> None:
    headers = indicators.headers(session_factory, "tj-binhai")
    # 2.8 MB inflating to a million rows (97 MB of sheet XML): the unpacked size is refused.
    r = post_file(client, headers, "values.xlsx", million_row_workbook())
    assert r.status_code == 422, r.text
    assert "expands to" in r.json()["detail"]
    assert str(upload.XLSX_MAX_UNCOMPRESSED) in r.json()["detail"]

    # A part inflating 1000 times (under the size cap): the ratio is refused.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
    r = post_file(client, headers, "values.xlsx", buf.getvalue())
    assert r.status_code == 422, r.text
    assert "ratio above 100" in r.text


def test_a_file_past_5_mib_is_refused_while_it_is_read(
    client: TestClient, session_factory: sessionmaker[Session], indicators: People
) -> None:
    headers = indicators.headers(session_factory, "tj-binhai")
    # Under the server's body limit (5 MiB + 64 KiB for the form), over the file's 5 MiB.
    r = post_file(client, headers, "values.csv", b"x" * (upload.MAX_BYTES + 1024))
    assert r.status_code == 422, r.text
    assert "larger than 5 MiB" in r.json()["detail"]


def test_rows_are_read_only_to_one_past_the_limit() -> None:
    rows = iter([("h",), *((str(n),) for n in range(10 * upload.MAX_ROWS))])
    read = upload._limited_rows(rows)
    assert len(read) == 1 + upload.MAX_ROWS + 1
    assert next(rows) == (str(upload.MAX_ROWS + 1),)  # the rest was never read
