"""The public credit window: search by current and former name or code, the subject page at a
date, publicity filtering, no personal data, the staff view, the per-address search limit."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.config import Settings
from jingjinji.credit import policy
from jingjinji.credit.service import public
from jingjinji.timezone import china_today
from tests.conftest import People
from tests.credit.public_support import (
    CURRENT_NAME,
    DECLARANT,
    FORMER_NAME,
    ID_NUMBER,
    OBJECTOR_CONTACT,
    REPRESENTATIVE,
    PublicData,
)

API = "/api/v1/credit/public/subjects"


def test_search_by_former_name_current_name_and_code_prefix(
    client: TestClient, public_data: PublicData
) -> None:
    by_former = client.get(API, params={"q": "旧名称示例"}).json()
    assert [h["uscc"] for h in by_former["items"]] == [public_data.uscc]
    hit = by_former["items"][0]
    assert hit["name"] == CURRENT_NAME
    assert hit["matched_former_name"] == FORMER_NAME
    assert hit["former_names"] == [FORMER_NAME]

    by_name = client.get(API, params={"q": "测试示例科技"}).json()
    assert [h["uscc"] for h in by_name["items"]] == [public_data.uscc]
    assert by_name["items"][0]["matched_former_name"] is None

    for q in (public_data.uscc, public_data.uscc[:8], public_data.uscc.lower()):
        found = client.get(API, params={"q": q}).json()
        assert [h["uscc"] for h in found["items"]] == [public_data.uscc], q
    assert client.get(API, params={"q": "没有这家公司"}).json()["items"] == []


def test_search_refuses_an_empty_query_naming_it(
    client: TestClient, public_data: PublicData
) -> None:
    for params in ({"q": "   "}, {}):
        response = client.get(API, params=params)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "q" in json.dumps(response.json()["errors"])


def test_subject_page_shows_records_in_their_publicity_period_only(
    client: TestClient, public_data: PublicData
) -> None:
    page = client.get(f"{API}/{public_data.uscc}").json()
    ids = {r["id"] for r in page["records"]}
    # The penalty of 2022 ended its publicity in 2023 (2019 rules: at most a year).
    assert ids == {public_data.current_penalty, public_data.black_entry}
    assert not any(r["withdrawn"] for r in page["records"])
    assert page["former_names"] == [FORMER_NAME]
    assert page["list_status"]["status"] == "black"
    assert page["list_status"]["black_entries"] == 1
    assert page["list_status"]["measures"], "a black-list entry carries its measures"
    assert page["risk_class"] is None and page["staff_view"] is False
    marked = {r["id"]: r["under_objection"] for r in page["records"]}
    assert marked == {public_data.current_penalty: True, public_data.black_entry: False}
    assert [(d["title"], d["self_declared"]) for d in page["self_declarations"]] == [
        ("守合同重信用企业", True)
    ]
    # Yesterday nothing was public yet: the records were published today.
    yesterday = (china_today() - dt.timedelta(days=1)).isoformat()
    before = client.get(f"{API}/{public_data.uscc}", params={"as_of": yesterday}).json()
    assert before["records"] == [] and before["list_status"]["status"] == "none"
    future = (china_today() + dt.timedelta(days=1)).isoformat()
    refused = client.get(f"{API}/{public_data.uscc}", params={"as_of": future})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["query", "as_of"]


def test_unknown_subject_is_a_404_naming_the_code(client: TestClient, people: People) -> None:
    response = client.get(f"{API}/91110000600037341L")
    assert response.status_code == 404
    assert "91110000600037341L" in response.json()["detail"]


@pytest.mark.parametrize(
    ("status", "published", "withdrawn", "start", "end", "day", "expected"),
    [
        ("published", "2026-01-05", None, "2026-01-01", "2027-01-01", "2026-01-05", True),
        ("published", "2026-01-05", None, "2026-01-01", "2027-01-01", "2026-01-04", False),
        ("published", "2026-01-05", None, "2026-01-01", "2027-01-01", "2027-01-01", False),
        ("withdrawn", "2026-01-05", "2026-03-01", "2026-01-01", "2027-01-01", "2026-02-28", True),
        ("withdrawn", "2026-01-05", "2026-03-01", "2026-01-01", "2027-01-01", "2026-03-01", False),
        ("published", "2026-01-05", None, "2026-01-01", None, "2030-01-01", True),
        ("pending", None, None, None, None, "2026-01-05", False),
        ("corrected", "2026-01-05", None, "2026-01-01", None, "2026-02-01", False),
    ],
)
def test_was_public_on(
    status: str,
    published: str | None,
    withdrawn: str | None,
    start: str | None,
    end: str | None,
    day: str,
    expected: bool,
) -> None:
    def d(value: str | None) -> dt.date | None:
        return dt.date.fromisoformat(value) if value else None

    assert (
        policy.was_public_on(
            status=status,
            published_on=d(published),
            withdrawn_on=d(withdrawn),
            publicity_start=d(start),
            publicity_end=d(end),
            day=dt.date.fromisoformat(day),
        )
        is expected
    )


def test_no_personal_data_in_public_output(client: TestClient, public_data: PublicData) -> None:
    texts = [
        client.get(API, params={"q": "示例"}).text,
        client.get(f"{API}/{public_data.uscc}").text,
        client.get("/credit", params={"q": "示例"}).text,
        client.get(f"/credit/subjects/{public_data.uscc}").text,
    ]
    for text in texts:
        assert ID_NUMBER not in text
        assert REPRESENTATIVE not in text
        assert "示例路1号" not in text  # the address
        assert DECLARANT not in text and OBJECTOR_CONTACT not in text
    assert CURRENT_NAME in texts[3]


def test_staff_of_the_source_agency_see_withdrawn_records_marked(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    public_data: PublicData,
) -> None:
    mine = people.headers(session_factory, "bj-samr")
    page = client.get(f"{API}/{public_data.uscc}", headers=mine).json()
    old = [r for r in page["records"] if r["id"] == public_data.old_penalty]
    assert len(old) == 1 and old[0]["withdrawn"] is True
    assert old[0]["withdrawn_reason"] == "period_over"
    assert page["staff_view"] is True
    staff_page = client.get(f"/credit/subjects/{public_data.uscc}", headers=mine)
    assert 'data-testid="withdrawn"' in staff_page.text
    assert 'data-testid="risk-class"' in staff_page.text
    assert 'data-testid="staff-links"' in client.get("/credit", headers=mine).text
    assert 'data-testid="staff-links"' not in client.get("/credit").text
    # Staff of another agency see list entries' status, not the withdrawn penalty.
    other = people.headers(session_factory, "he-samr")
    theirs = client.get(f"{API}/{public_data.uscc}", headers=other).json()
    assert public_data.old_penalty not in {r["id"] for r in theirs["records"]}


def test_pages_search_and_subject(client: TestClient, public_data: PublicData) -> None:
    empty = client.get("/credit")
    assert empty.status_code == 200
    assert 'data-testid="credit-search"' in empty.text
    found = client.get("/credit", params={"q": "旧名称"})
    assert found.status_code == 200
    assert f"/credit/subjects/{public_data.uscc}" in found.text
    assert FORMER_NAME in found.text
    page = client.get(f"/credit/subjects/{public_data.uscc}")
    assert page.status_code == 200
    assert 'data-testid="withdrawn"' not in page.text
    assert 'data-testid="under-objection"' in page.text
    assert 'data-testid="declaration"' in page.text
    assert f"/credit/subjects/{public_data.uscc}/object" in page.text
    assert "report?format=pdf&amp;lang=en" in page.text
    assert client.get("/credit/subjects/91110000600037341L").status_code == 404


class TestSearchLimit:
    @pytest.fixture
    def settings(self, db_url: str, tmp_path: Path) -> Settings:
        return Settings(
            database_url=db_url,
            secret_key="test-secret-key",
            var_dir=tmp_path,
            secure_cookies=False,
            credit_public_searches_per_minute=3,
        )

    def test_over_the_limit_is_a_429_with_retry_after_on_the_record(
        self, client: TestClient, session: Session, public_data: PublicData
    ) -> None:
        for _ in range(3):
            assert client.get(API, params={"q": "示例"}).status_code == 200
        refused = client.get(API, params={"q": "示例"})
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert "3 searches" in refused.json()["detail"]
        # The page is refused too, in the user's language, with Retry-After.
        page = client.get("/credit", params={"q": "示例"}, headers={"Accept-Language": "en"})
        assert page.status_code == 429
        assert int(page.headers["Retry-After"]) >= 1
        assert 'data-testid="credit-search-error"' in page.text
        # A subject page is no search: still served.
        assert client.get(f"{API}/{public_data.uscc}").status_code == 200
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == public.SEARCH_REFUSED)
        ).all()
        # One entry per address a minute (the second refusal is counted, not recorded).
        assert len(entries) == 1
        assert entries[0].outcome == "denied"
