"""Risk classes stored on subjects: recomputed on every change, through the scoring kernel;
the class distribution for dashboards (both databases)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.credit.models import CreditRecord, CreditSubject
from jingjinji.credit.schemas.services import ObjectionAnswerIn, ObjectionIn
from jingjinji.credit.service import objections, scoring
from tests.conftest import People
from tests.credit.services_support import BJ_CO, HE_CO, TJ_CO, days_ago, make_record


def _subject(session: Session, uscc: str) -> CreditSubject:
    session.expire_all()
    return session.scalars(select(CreditSubject).where(CreditSubject.uscc == uscc)).one()


def test_records_change_the_stored_class_and_a_correction_undoes_it(
    session: Session, people: People
) -> None:
    make_record(session, people["he-samr"], kind="licence", severity=None)
    clean = _subject(session, HE_CO)
    assert clean.risk_class is not None and clean.risk_computed_at is not None
    clean_score = clean.risk_score
    assert clean_score is not None

    penalty = make_record(session, people["tj-samr"], severity="serious")
    penalised = _subject(session, HE_CO)
    assert penalised.risk_score is not None and penalised.risk_score < clean_score
    assert penalised.risk_class is not None and penalised.risk_class >= clean.risk_class

    # The Tianjin agency corrects the penalty after an objection: it no longer counts.
    objection = objections.submit_objection(
        session,
        actor=None,
        data=ObjectionIn(
            record_id=penalty.id, objector_name="王五", objector_contact="x", reason="不是我们"
        ),
    )
    session.commit()
    objections.answer_objection(
        session,
        actor=people["tj-samr"],
        objection_id=objection.id,
        data=ObjectionAnswerIn(outcome="corrected", answer="主体认定错误"),
    )
    session.commit()
    corrected = _subject(session, HE_CO)
    assert corrected.risk_score == clean_score and corrected.risk_class == clean.risk_class
    stored = session.get(CreditRecord, penalty.id)
    assert stored is not None and stored.status == "corrected"


def test_an_upheld_objection_is_weighed_as_the_kernel_says(
    session: Session, people: People
) -> None:
    penalty = make_record(session, people["tj-samr"], severity="serious")
    facts = scoring.record_facts(session, subject_id=penalty.subject_id)
    assert [f.objection_upheld for f in facts] == [False]
    objection = objections.submit_objection(
        session,
        actor=None,
        data=ObjectionIn(
            record_id=penalty.id, objector_name="王五", objector_contact="x", reason="y"
        ),
    )
    objections.answer_objection(
        session,
        actor=people["tj-samr"],
        objection_id=objection.id,
        data=ObjectionAnswerIn(outcome="upheld", answer="维持"),
    )
    session.commit()
    facts = scoring.record_facts(session, subject_id=penalty.subject_id)
    assert [f.objection_upheld for f in facts] == [True]
    assert (
        _subject(session, HE_CO).risk_score
        == scoring.score_of(session, subject_id=penalty.subject_id).score
    )


def test_class_distribution_by_jurisdiction(
    client: TestClient, session: Session, people: People
) -> None:
    make_record(session, people["he-samr"], kind="licence", severity=None)
    make_record(
        session,
        people["tj-samr"],
        uscc=TJ_CO,
        subject_name="天津测试",
        kind="licence",
        severity=None,
    )
    make_record(session, people["bj-samr"], uscc=BJ_CO, subject_name="北京测试", severity="serious")
    everywhere = scoring.class_distribution(session, jurisdiction=None)
    assert sum(everywhere.values()) == 3 and everywhere["unclassified"] == 0
    hebei = scoring.class_distribution(session, jurisdiction="130000")
    assert sum(hebei.values()) == 1
    assert hebei[_subject(session, HE_CO).risk_class or "unclassified"] == 1
    served = client.get("/api/v1/credit/classes", params={"jurisdiction": "110000"}).json()
    assert served["jurisdiction"] == "110000"
    assert served["counts"][_subject(session, BJ_CO).risk_class or "unclassified"] == 1
    assert set(served["counts"]) == {"A", "B", "C", "D", "unclassified"}


def test_the_services_demo_runs_on_registry_records_and_classifies_everyone(
    session: Session, people: People
) -> None:
    from jingjinji.credit.demo import services as services_demo
    from jingjinji.credit.models import (
        CreditCommitment,
        CreditObjection,
        CreditRepair,
        CreditSelfDeclaration,
    )
    from jingjinji.demo import DemoContext

    make_record(session, people["tj-samr"])  # a Tianjin penalty of a Hebei subject
    make_record(session, people["tj-samr"], decision_date=days_ago(200))
    make_record(
        session, people["bj-samr"], uscc=BJ_CO, subject_name="北京测试", decision_date=days_ago(300)
    )
    make_record(
        session,
        people["he-samr"],
        uscc=TJ_CO,
        subject_name="天津测试",
        kind="licence",
        severity=None,
    )
    services_demo.load(session, DemoContext(values={"organisations": people.organisations}))
    session.expire_all()
    statuses = sorted(o.status for o in session.scalars(select(CreditObjection)))
    assert statuses == ["pending", "upheld"]
    assert sorted(r.status for r in session.scalars(select(CreditRepair))) == [
        "approved",
        "pending",
    ]
    assert sorted(c.status for c in session.scalars(select(CreditCommitment))) == [
        "active",
        "broken",
        "kept",
    ]
    assert len(session.scalars(select(CreditSelfDeclaration)).all()) == 2
    assert all(s.risk_class for s in session.scalars(select(CreditSubject)))
