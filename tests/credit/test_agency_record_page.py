"""Found in a review: the agency desk had no page for one record. ``/credit/agency/records/{id}``
shows every field, the state, the history (creation, revisions, publication, lifting,
objections and repairs, with who and when) and publishes, lifts and revises where the reader
may; it is read by exactly who finds the record in the listings, anyone else gets an audited
404 (both databases)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.credit.models import CreditRecord
from jingjinji.credit.schemas.services import ObjectionAnswerIn, ObjectionIn
from jingjinji.credit.service import objections, publication, records
from tests.conftest import People, csrf_from, login
from tests.credit.form_support import form_values
from tests.credit.records_support import HE_CO, ID_NUMBER, record_in
from tests.test_zh_pages import english_in

PAGE = "/credit/agency/records/{}"


def _pending(s: Session, people: People, **overrides: object) -> CreditRecord:
    """A Hebei penalty, pending publication, through the records service (committed)."""
    data = {"uscc": HE_CO, "document_number": "冀市监罚〔2026〕7号", **overrides}
    record = records.create_record(s, actor=people["he-samr"], data=record_in(**data))
    s.commit()
    return record


def _history(html: str) -> list[str]:
    return [
        part.split('"', 1)[0]
        for part in html.split('data-testid="history-event" data-action="')[1:]
    ]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh-CN", ("信用记录", "待公示", "修订记录", "证件号码", "新建信用记录")),
        ("en", ("Credit record", "Pending publication", "Revise the record", "ID number")),
    ],
)
def test_the_page_shows_every_field_the_state_and_the_history(
    client: TestClient,
    people: People,
    session_factory: sessionmaker[Session],
    lang: str,
    words: tuple[str, ...],
) -> None:
    with session_factory() as s:
        record = _pending(s, people)
        records.create_record(
            s,
            actor=people["he-samr"],
            data=record_in(uscc=HE_CO, document_number=record.document_number, content="改正"),
        )
        s.commit()
        record_id = record.id
    login(client, "he-samr", people.password)
    page = client.get(PAGE.format(record_id), headers={"accept-language": lang})
    assert page.status_code == 200, page.text
    assert all(w in page.text for w in words), [w for w in words if w not in page.text]
    assert 'data-status="pending"' in page.text
    assert 'data-testid="record-revision">2<' in page.text
    for value in (
        "违反广告法",
        "虚假宣传",
        "《中华人民共和国广告法》第五十五条",
        "改正",
        ID_NUMBER,
    ):
        assert value in page.text, value
    # newest first, who did it
    assert _history(page.text) == ["credit.record.revise", "credit.record.create"]
    assert page.text.count('data-testid="history-by">he-samr<') == 2
    assert 'data-testid="record-publish"' in page.text
    assert 'data-testid="record-revise-form"' in page.text
    assert 'data-testid="record-lift"' not in page.text  # a penalty is not a list entry


def test_publication_and_objections_appear_in_the_history(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as s:
        record = _pending(s, people)
        publication.publish_record(s, actor=people["he-samr"], record_id=record.id)
        objection = objections.submit_objection(
            s,
            actor=None,
            data=ObjectionIn(
                record_id=record.id,
                objector_name="异议人示例",
                objector_contact="13800000000",
                reason="金额有误",
            ),
        )
        objections.answer_objection(
            s,
            actor=people["he-samr"],
            objection_id=objection.id,
            data=ObjectionAnswerIn.model_validate(
                {"outcome": "corrected", "answer": "更正", "correction": {"content": "罚款1万元"}}
            ),
        )
        s.commit()
        record_id, objection_id = record.id, objection.id
    login(client, "he-samr", people.password)
    page = client.get(PAGE.format(record_id), headers={"accept-language": "en"}).text
    assert _history(page) == [
        "credit.objection.answer",
        "credit.objection.submit",
        "credit.record.publish",
        "credit.record.create",
    ]
    assert f"Objection {objection_id}" in page and "Corrected" in page
    assert "异议人示例" not in page and "13800000000" not in page  # the objector stays private
    assert 'data-status="published"' in page and 'data-testid="record-publish"' not in page


def test_who_reads_the_page_is_who_finds_the_record_in_the_listings(
    app: object,
    client: TestClient,
    people: People,
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as s:
        pending = _pending(s, people)
        published = _pending(s, people, document_number="冀市监罚〔2026〕8号", publish=True)
        ids = (pending.id, published.id)
    for persona in ("he-samr", "he-admin", "office", "tj-samr", "bj-admin", "he-analyst"):
        with session_factory() as s:
            listed = {
                r.id
                for r in records.list_records(s, actor=people[persona], limit=200).items
                if r.id in ids
            }
        login(client, persona, people.password)
        for record_id in ids:
            answer = client.get(PAGE.format(record_id))
            assert answer.status_code == (200 if record_id in listed else 404), (persona, record_id)
            assert "<html" in answer.text.lower()  # a page, never problem+json
    # another province's steward reads the published record without personal data or names
    login(client, "tj-samr", people.password)
    page = client.get(PAGE.format(published.id)).text
    assert ID_NUMBER not in page and "he-samr" not in page
    assert 'data-testid="record-revise-form"' not in page
    assert "credit.record.create" in page  # the step, without who


def test_a_refused_read_is_on_the_audit_record(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as s:
        record_id = _pending(s, people).id
    assert client.get(PAGE.format(record_id), follow_redirects=False).status_code in (302, 303)
    login(client, "tj-samr", people.password)
    for wanted in (record_id, 999_999):
        assert client.get(PAGE.format(wanted)).status_code == 404
    with session_factory() as s:
        refused = s.scalars(
            select(AuditEntry).where(
                AuditEntry.outcome == "not_found", AuditEntry.object_type == "credit_record"
            )
        ).all()
    assert {(e.object_id, e.actor_username, e.action) for e in refused} == {
        (str(record_id), "tj-samr", "audit.read"),
        ("999999", "tj-samr", "audit.read"),
    }


def test_stored_text_is_escaped(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    evil = '<script>alert("x")</script>'
    with session_factory() as s:
        record_id = _pending(s, people, title=evil, facts=evil).id
    login(client, "he-samr", people.password)
    page = client.get(PAGE.format(record_id)).text
    assert evil not in page and "&lt;script&gt;alert" in page
    assert "<script>" not in page  # no inline script: the CSP allows 'self' only


def test_the_desk_and_the_dashboard_link_to_the_page(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as s:
        # decided long ago: overdue for publication
        pending = _pending(s, people, decision_date="2026-01-05")
        entry = records.create_record(
            s,
            actor=people["he-samr"],
            data=record_in(
                kind="black_list", uscc=HE_CO, document_number="冀黑-链接-1", content=None
            ),
        )
        s.commit()
        ids = (pending.id, entry.id)
    login(client, "he-samr", people.password)
    desk = client.get("/credit/agency").text
    for record_id in ids:
        assert f'href="/credit/agency/records/{record_id}"' in desk
    dashboard = client.get("/credit/agency/dashboard").text
    assert f'href="/credit/agency/records/{pending.id}"' in dashboard
    # another province's steward may not publish it: no link
    login(client, "tj-samr", people.password)
    assert (
        f'href="/credit/agency/records/{pending.id}"'
        not in client.get("/credit/agency/dashboard").text
    )


def test_publish_lift_and_revise_from_the_page(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as s:
        pending = _pending(s, people)
        entry = records.create_record(
            s,
            actor=people["he-samr"],
            data=record_in(kind="black_list", uscc=HE_CO, document_number="冀黑-页面-1"),
        )
        s.commit()
        pending_id, entry_id = pending.id, entry.id
    login(client, "he-samr", people.password)
    page = client.get(PAGE.format(pending_id)).text
    token = csrf_from(page)
    sent = {k: v[0] for k, v in form_values(page, "record-publish").items()}
    done = client.post(f"{PAGE.format(pending_id)}/publish", data=sent, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, PAGE.format(pending_id))
    lifted = client.post(
        f"{PAGE.format(entry_id)}/lift",
        data={"csrf_token": token, "back": "record", "reason": "履行完毕"},
        follow_redirects=False,
    )
    assert (lifted.status_code, lifted.headers["location"]) == (303, PAGE.format(entry_id))
    assert "履行完毕" in client.get(PAGE.format(entry_id)).text  # the reason, in the history

    # revise: the form comes filled with the record; one field changed
    page = client.get(PAGE.format(pending_id)).text
    sent_form = form_values(page, "record-revise-form")
    assert sent_form["title"] == ["违反广告法"] and sent_form["id_type"] == ["resident_id_card"]
    sent_form["content"] = ["罚款人民币1万元"]
    revised = client.post(
        f"{PAGE.format(pending_id)}/revise", data=sent_form, follow_redirects=False
    )
    assert (revised.status_code, revised.headers["location"]) == (303, PAGE.format(pending_id))
    with session_factory() as s:
        stored = s.get(CreditRecord, pending_id)
        assert stored is not None
        assert (stored.revision, stored.content) == (2, "罚款人民币1万元")
        # fields the form has no input for stay
        assert (stored.facts, stored.category) == ("虚假宣传", "罚款")
        assert stored.details["id_number"] == ID_NUMBER
    assert _history(client.get(PAGE.format(pending_id)).text)[0] == "credit.record.revise"

    # a refused revision keeps what was sent and names the field
    sent_form["decision_date"] = ["2099-01-01"]
    sent_form["severity"] = ["serious"]
    refused = client.post(f"{PAGE.format(pending_id)}/revise", data=sent_form)
    assert refused.status_code == 422
    assert 'data-field="decision_date"' in refused.text
    shown = form_values(refused.text, "record-revise-form")
    assert {k: v for k, v in shown.items() if k != "csrf_token"} == {
        k: v for k, v in sent_form.items() if k != "csrf_token"
    }
    with session_factory() as s:
        kept = s.get(CreditRecord, pending_id)
        assert kept is not None and kept.revision == 2 and kept.severity == "ordinary"


def test_a_reader_who_may_not_write_cannot_revise(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as s:
        record_id = _pending(s, people, publish=True).id
    login(client, "tj-samr", people.password)
    token = csrf_from(client.get(PAGE.format(record_id)).text)
    refused = client.post(
        f"{PAGE.format(record_id)}/revise",
        data={
            "csrf_token": token,
            "title": "改",
            "legal_basis": "改",
            "content": "改",
            "decision_date": "2026-11-02",
        },
    )
    assert refused.status_code == 403
    with session_factory() as s:
        stored = s.get(CreditRecord, record_id)
        assert stored is not None and stored.revision == 1 and stored.title == "违反广告法"
        denied = s.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "credit.record.revise", AuditEntry.outcome == "denied"
            )
        ).all()
    assert [e.object_id for e in denied] == [str(record_id)]


def test_the_chinese_page_shows_no_english(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    """The rule of tests/test_zh_pages.py, for this page with every kind of history step (that
    test fills no sample for the new path parameter yet)."""
    with session_factory() as s:
        record = _pending(s, people)
        records.create_record(
            s,
            actor=people["he-samr"],
            data=record_in(uscc=HE_CO, document_number=record.document_number, content="改正"),
        )
        publication.publish_record(s, actor=people["he-samr"], record_id=record.id)
        objection = objections.submit_objection(
            s,
            actor=None,
            data=ObjectionIn(
                record_id=record.id, objector_name="甲", objector_contact="乙", reason="丙"
            ),
        )
        objections.answer_objection(
            s,
            actor=people["he-samr"],
            objection_id=objection.id,
            data=ObjectionAnswerIn(outcome="upheld", answer="维持"),
        )
        s.commit()
        record_id = record.id
    for persona in ("he-samr", "tj-samr", "office"):
        login(client, persona, people.password)
        answer = client.get(PAGE.format(record_id), headers={"accept-language": "zh-CN"})
        assert answer.status_code == 200, persona
        page = answer.text
        names = re.compile(r"(?<![\w-])(?:he-samr|tj-samr|office)(?![\w-])")
        assert english_in(page, names) == [], persona
