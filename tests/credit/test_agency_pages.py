"""Agency pages (queue, entry form, upload, list management, dashboard) and the registry demo."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.credit.demo import registry
from jingjinji.credit.models import CreditRecord, CreditSubject
from jingjinji.credit.service import publication, records
from jingjinji.demo import DemoContext
from tests.conftest import People, login
from tests.credit.records_support import HE_CO, record_in


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_queue_entry_form_and_list_management(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as s:
        records.create_record(s, actor=people["he-samr"], data=record_in(uscc=HE_CO))
        s.commit()
    assert client.get("/credit/agency", follow_redirects=False).status_code in (302, 303)
    login(client, "he-samr", people.password)
    page = client.get("/credit/agency")
    assert page.status_code == 200
    assert 'data-testid="queue-row"' in page.text and 'data-testid="overdue"' in page.text
    token = _csrf(page.text)
    refused = client.post(
        "/credit/agency/records",
        data={
            "csrf_token": token,
            "kind": "black_list",
            "uscc": HE_CO[:17] + ("0" if HE_CO[17] != "0" else "1"),
            "document_number": "冀黑-9",
            "title": "严重失信",
            "legal_basis": "示例",
            "decision_date": "2099-01-01",
        },
    )
    assert refused.status_code == 422
    assert 'data-column="uscc"' in refused.text and 'data-column="decision_date"' in refused.text
    assert HE_CO[17] in refused.text  # the expected check character
    made = client.post(
        "/credit/agency/records",
        data={
            "csrf_token": token,
            "kind": "black_list",
            "uscc": HE_CO,
            "document_number": "冀黑-9",
            "title": "严重失信",
            "legal_basis": "示例",
            "decision_date": "2026-11-02",
            "measures": "B01_PROCUREMENT_BAN",
        },
    )
    assert made.status_code == 200, made.text
    assert 'data-testid="record-created"' in made.text
    with session_factory() as s:
        entry = s.scalar(select(CreditRecord).where(CreditRecord.document_number == "冀黑-9"))
        pending = s.scalar(select(CreditRecord).where(CreditRecord.status == "pending"))
    assert entry is not None and entry.status == "published"
    assert entry.measures == ["B01_PROCUREMENT_BAN"]
    assert "冀黑-9" not in made.text or 'data-testid="credit-lists"' in made.text
    lifted = client.post(
        f"/credit/agency/records/{entry.id}/lift",
        data={"csrf_token": token, "reason": "退出名单"},
        follow_redirects=False,
    )
    assert lifted.status_code == 303
    assert pending is not None
    published = client.post(
        f"/credit/agency/records/{pending.id}/publish",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert published.status_code == 303
    dashboard = client.get("/credit/agency/dashboard")
    assert dashboard.status_code == 200 and 'id="credit-dashboard"' in dashboard.text
    assert "<script>" not in dashboard.text


def test_upload_form_shows_every_refused_row(client: TestClient, people: People) -> None:
    login(client, "bj-samr", people.password)
    token = _csrf(client.get("/credit/agency").text)
    content = (
        "kind,uscc,subject_name,document_number,title,legal_basis,content,decision_date\n"
        f"penalty,{HE_CO[:17]}I,示例,D-1,t,b,c,2026-10-01\n"
        f"penalty,{HE_CO},示例,D-2,t,,c,2099-10-01\n"
    ).encode()
    r = client.post(
        "/credit/agency/upload",
        data={"csrf_token": token},
        files={"file": ("r.csv", content, "text/csv")},
    )
    assert r.status_code == 422
    for row, column in ((2, "uscc"), (3, "legal_basis"), (3, "decision_date")):
        assert f'data-row="{row}" data-column="{column}"' in r.text


def test_registry_demo(session: Session, people: People) -> None:
    ctx = DemoContext(values={"organisations": people.organisations})
    registry.load(session, ctx)
    demo = ctx.values["credit_demo"]
    assert session.scalar(select(func.count()).select_from(CreditSubject)) == 60
    assert all(s.synthetic for s in session.scalars(select(CreditSubject)))
    late = session.get(CreditRecord, demo["late_record_id"])
    assert late is not None and late.published_late is True
    assert late.publication_deadline == dt.date(2026, 3, 2)
    assert demo["withdrawn"] >= 1
    assert publication.publication_queue(session, actor=people["he-samr"])
    black = session.get(CreditRecord, demo["records"]["冀市监黑〔2026〕1号"])
    assert black is not None and black.status == "published" and black.measures
    assert demo["black_list_uscc"][2:4] == "13"


def test_upload_form_shows_the_refusals_in_the_readers_language(
    client: TestClient, people: People
) -> None:
    """A row's reason is a message made in the service (``RowError.reason`` keeps it): the
    Chinese page shows its Chinese, the English page the English."""
    login(client, "bj-samr", people.password)
    token = _csrf(client.get("/credit/agency").text)
    content = (
        "kind,uscc,subject_name,document_number,title,legal_basis,content,decision_date\n"
        f"penalty,{HE_CO},示例,D-2,t,b,c,2099-10-01\n"
    ).encode()
    pages = {
        lang: client.post(
            "/credit/agency/upload",
            data={"csrf_token": token},
            files={"file": ("r.csv", content, "text/csv")},
            headers={"Accept-Language": lang},
        )
        for lang in ("zh-CN", "en")
    }
    assert {p.status_code for p in pages.values()} == {422}
    assert "决定日期 2099-10-01 晚于今天" in pages["zh-CN"].text
    assert "is in the future" not in pages["zh-CN"].text
    assert "decision date 2099-10-01 is in the future" in pages["en"].text
