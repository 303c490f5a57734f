"""Found in a user trial: the agency page's problem table named a record's columns by their
keys (``legal_basis``). The record form's problems name the field by its label; an uploaded
file's by its label and its name in the file's header (both languages, both databases)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from jingjinji.credit.labels import RECORD_COLUMNS, record_column
from jingjinji.credit.service.batch_rows import COLUMNS
from tests.conftest import People, login
from tests.credit.services_support import HE_CO

ZH = {"accept-language": "zh-CN"}
EN = {"accept-language": "en"}


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _cells(html: str) -> list[str]:
    """The column cells of the problem table."""
    table = html.split('data-testid="upload-errors"', 1)[1].split("</table>", 1)[0]
    return [row.split("</td><td>", 2)[1] for row in table.split('data-testid="upload-error"')[1:]]


def test_every_column_of_a_record_has_a_label() -> None:
    assert set(COLUMNS) == set(RECORD_COLUMNS)


def test_a_problems_field_names_its_column() -> None:
    """One helper for the form and the upload: a detail field by its own name."""
    assert record_column("legal_basis") == "legal_basis"
    assert record_column("details.id_number") == "id_number"
    assert record_column("measures.0") == "measures"
    assert record_column("") == "-"
    assert all(record_column(f"details.{c}") in RECORD_COLUMNS for c in COLUMNS)


def test_the_record_form_names_a_column_by_its_label(client: TestClient, people: People) -> None:
    login(client, "he-samr", people.password)
    for headers, label in ((ZH, "法律依据"), (EN, "Legal basis")):
        page = client.get("/credit/agency", headers=headers)
        refused = client.post(
            "/credit/agency/records",
            data={
                "csrf_token": _csrf(page.text),
                "kind": "black_list",
                "uscc": HE_CO,
                "document_number": "冀黑-9",
                "title": "严重失信",
                "decision_date": "2026-11-02",
            },
            headers=headers,
        )
        assert refused.status_code == 422
        assert 'data-column="legal_basis"' in refused.text  # the key stays for scripts
        assert label in _cells(refused.text)


def test_an_uploaded_files_problems_name_the_column_and_its_header(
    client: TestClient, people: People
) -> None:
    login(client, "bj-samr", people.password)
    token = _csrf(client.get("/credit/agency").text)
    content = (
        "kind,uscc,subject_name,document_number,title,legal_basis,content,decision_date\n"
        f"penalty,{HE_CO},示例,{'D' * 121},t,,c,2026-10-01\n"
    ).encode()
    for headers, labels in (
        (ZH, ("法律依据 <code>legal_basis</code>", "决定文书号 <code>document_number</code>")),
        (
            EN,
            (
                "Legal basis <code>legal_basis</code>",
                "Document number <code>document_number</code>",
            ),
        ),
    ):
        answer = client.post(
            "/credit/agency/upload",
            data={"csrf_token": token},
            files={"file": ("r.csv", content, "text/csv")},
            headers=headers,
        )
        assert answer.status_code == 422
        cells = _cells(answer.text)
        for label in labels:
            assert label in cells
