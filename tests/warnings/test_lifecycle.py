"""The consultation and response lifecycle: who may take each step, no step skipped, the
deadline, the measures snapshot, every step audited; criteria selection per jurisdiction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit import service as audit
from jingjinji.audit.models import AuditEntry
from jingjinji.errors import Conflict, InvalidInput, NotAuthenticated, PermissionDenied
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.warnings import service
from jingjinji.warnings.models import WarningEvent
from tests.conftest import People

AGENCIES = ("bj-env", "tj-env", "he-env")
NON_OFFICE = ("bj-admin", "bj-env", "bj-analyst", "bj-stats")


def propose(session: Session, people: People, level: str = "orange", who: str = "office") -> int:
    w = service.propose(
        session,
        actor=people[who] if who != "system" else SYSTEM_ACTOR,
        cities=["110000", "130600"],
        level=level,
        start=dt.date(2016, 12, 16),
        end=dt.date(2016, 12, 21),
        max_aqi=420,
        criteria_code="bth-2017",
        basis="forecast",
    )
    session.commit()
    return w.id


def consult(session: Session, people: People, wid: int, hours: float = 24) -> None:
    service.open_consultation(
        session,
        actor=people["office"],
        warning_id=wid,
        deadline=dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours),
    )
    session.commit()


def all_agree(session: Session, people: People, wid: int) -> None:
    for agency in AGENCIES:
        service.answer(session, actor=people[agency], warning_id=wid, agree=True)
    session.commit()


def actions(session: Session, outcome: str | None = None) -> list[str]:
    stmt = select(AuditEntry.action).order_by(AuditEntry.seq)
    if outcome:
        stmt = stmt.where(AuditEntry.outcome == outcome)
    return list(session.scalars(stmt))


def test_full_walk_through_is_audited_in_order(session: Session, warn: People) -> None:
    wid = propose(session, warn, who="system")
    consult(session, warn, wid)
    service.answer(session, actor=warn["bj-env"], warning_id=wid, agree=True)
    service.answer(
        session,
        actor=warn["tj-env"],
        warning_id=wid,
        agree=False,
        proposed_level="red",
        reason="PM2.5 over 300 forecast for three days",
    )
    service.answer(session, actor=warn["he-env"], warning_id=wid, agree=True)
    w = service.issue(session, actor=warn["office"], warning_id=wid, level="red")
    assert (w.status, w.level, w.proposed_level) == ("issued", "red", "orange")
    service.change_level(
        session, actor=warn["office"], warning_id=wid, level="orange", reason="front arriving"
    )
    service.change_level(session, actor=warn["office"], warning_id=wid, level="red")
    service.lift(session, actor=warn["office"], warning_id=wid, reason="cleared")
    session.commit()
    events = [e.event_type for e in service.events_of(session, warning_id=wid)]
    assert events == [
        "proposed",
        "consultation_opened",
        "answered",
        "answered",
        "answered",
        "issued",
        "downgraded",
        "upgraded",
        "lifted",
    ]
    assert [a for a in actions(session) if a.startswith("warning.")] == [
        "warning.proposed",
        "warning.consultation_opened",
        "warning.answered",
        "warning.answered",
        "warning.answered",
        "warning.issued",
        "warning.downgraded",
        "warning.upgraded",
        "warning.lifted",
    ]
    answers = {a.jurisdiction_code: a for a in service.answers_of(session, warning_id=wid)}
    assert answers["120000"].proposed_level == "red" and answers["120000"].answer == "propose"
    assert answers["110000"].answer == "agree"
    assert audit.verify(session).ok


STEPS: dict[str, Callable[[Session, Any, int], Any]] = {
    "open_consultation": lambda s, a, w: service.open_consultation(s, actor=a, warning_id=w),
    "issue": lambda s, a, w: service.issue(s, actor=a, warning_id=w),
    "upgrade": lambda s, a, w: service.change_level(s, actor=a, warning_id=w, level="red"),
    "downgrade": lambda s, a, w: service.change_level(s, actor=a, warning_id=w, level="blue"),
    "lift": lambda s, a, w: service.lift(s, actor=a, warning_id=w),
    "withdraw": lambda s, a, w: service.withdraw(s, actor=a, warning_id=w),
}


def _bring_to(session: Session, people: People, step: str) -> int:
    """A warning in the state from which ``step`` is allowed."""
    wid = propose(session, people)
    if step in ("issue", "upgrade", "downgrade", "lift"):
        consult(session, people, wid)
        all_agree(session, people, wid)
    if step in ("upgrade", "downgrade", "lift"):
        service.issue(session, actor=people["office"], warning_id=wid)
        session.commit()
    return wid


@pytest.mark.parametrize("step", sorted(STEPS))
def test_each_office_step_allowed_for_office_denied_for_others(
    session_factory: sessionmaker[Session], warn: People, step: str
) -> None:
    with session_factory() as session:
        wid = _bring_to(session, warn, step)
        for who in NON_OFFICE:
            with pytest.raises(PermissionDenied):
                STEPS[step](session, warn[who], wid)
        with pytest.raises(NotAuthenticated):
            STEPS[step](session, None, wid)
        denied = session.scalars(
            select(AuditEntry).where(
                AuditEntry.outcome == "denied",
                AuditEntry.action == f"warning.{step}"
                if step not in ("upgrade", "downgrade")
                else AuditEntry.action == "warning.change_level",
            )
        ).all()
        assert {d.actor_username for d in denied} == set(NON_OFFICE)
        status = service.get_warning(session, warning_id=wid).status
        STEPS[step](session, warn["office"], wid)
        session.commit()
        assert (
            service.get_warning(session, warning_id=wid).status == (service.TRANSITIONS[step][1])
        ), status


@pytest.mark.parametrize(
    ("reached", "step"),
    [
        ("proposed", "issue"),
        ("proposed", "lift"),
        ("proposed", "upgrade"),
        ("consultation", "open_consultation"),
        ("consultation", "lift"),
        ("consultation", "downgrade"),
        ("issued", "open_consultation"),
        ("issued", "issue"),
        ("issued", "withdraw"),
        ("lifted", "issue"),
        ("lifted", "upgrade"),
        ("lifted", "lift"),
        ("withdrawn", "open_consultation"),
    ],
)
def test_skipping_or_repeating_a_step_is_refused_and_audited(
    session_factory: sessionmaker[Session], warn: People, reached: str, step: str
) -> None:
    with session_factory() as session:
        wid = propose(session, warn)
        if reached in ("consultation", "issued", "lifted"):
            consult(session, warn, wid)
        if reached in ("issued", "lifted"):
            all_agree(session, warn, wid)
            service.issue(session, actor=warn["office"], warning_id=wid)
        if reached == "lifted":
            service.lift(session, actor=warn["office"], warning_id=wid)
        if reached == "withdrawn":
            service.withdraw(session, actor=warn["office"], warning_id=wid)
        session.commit()
        with pytest.raises(Conflict):
            STEPS[step](session, warn["office"], wid)
        assert service.get_warning(session, warning_id=wid).status == reached
        refused = session.scalars(select(AuditEntry).where(AuditEntry.outcome == "refused")).all()
        assert len(refused) == 1 and refused[0].object_id == str(wid)


def test_answers_only_by_a_consulted_environment_agency(session: Session, warn: People) -> None:
    wid = propose(session, warn)
    consult(session, warn, wid)
    for who in ("office", "bj-admin", "bj-stats", "bj-analyst", "tj-binhai"):
        with pytest.raises(PermissionDenied):
            service.answer(session, actor=warn[who], warning_id=wid, agree=True)
    assert sorted(actions(session, "denied")) == ["warning.answer"] * 5
    row = service.answer(session, actor=warn["he-env"], warning_id=wid, agree=True)
    assert row.jurisdiction_code == "130000"
    with pytest.raises(Conflict):  # one answer per jurisdiction
        service.answer(session, actor=warn["he-env"], warning_id=wid, agree=True)


def test_answer_before_consultation_is_refused(session: Session, warn: People) -> None:
    wid = propose(session, warn)
    with pytest.raises(Conflict):
        service.answer(session, actor=warn["bj-env"], warning_id=wid, agree=True)
    assert actions(session, "refused") == ["warning.answer"]


@pytest.mark.parametrize(
    ("level", "reason", "field"),
    [
        (None, "x", "proposed_level"),
        ("purple", "x", "proposed_level"),
        ("orange", "x", "proposed_level"),
        ("red", "  ", "reason"),
    ],
)
def test_a_counter_proposal_needs_another_valid_level_and_a_reason(
    session: Session, warn: People, level: str | None, reason: str, field: str
) -> None:
    wid = propose(session, warn)
    consult(session, warn, wid)
    with pytest.raises(InvalidInput) as err:
        service.answer(
            session,
            actor=warn["bj-env"],
            warning_id=wid,
            agree=False,
            proposed_level=level,
            reason=reason,
        )
    assert err.value.errors[0]["loc"][-1] == field


def test_deadline_closes_answers_and_opens_issuing(session: Session, warn: People) -> None:
    wid = propose(session, warn)
    consult(session, warn, wid, hours=2)
    service.answer(session, actor=warn["bj-env"], warning_id=wid, agree=True)
    session.commit()
    # before the deadline, with answers missing: no issue
    with pytest.raises(Conflict, match="still open"):
        service.issue(session, actor=warn["office"], warning_id=wid)
    assert actions(session, "refused") == ["warning.issue"]
    after = dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)
    # after it: no more answers, and the office may issue (silence is no objection)
    with pytest.raises(Conflict, match="closed"):
        service.answer(session, actor=warn["tj-env"], warning_id=wid, agree=True, now=after)
    w = service.issue(session, actor=warn["office"], warning_id=wid, now=after)
    assert w.status == "issued"
    event = service.events_of(session, warning_id=wid)[-1]
    assert event.detail["silent"] == ["120000", "130000"]


def test_all_answers_allow_issuing_before_the_deadline(session: Session, warn: People) -> None:
    wid = propose(session, warn)
    consult(session, warn, wid, hours=48)
    all_agree(session, warn, wid)
    assert service.issue(session, actor=warn["office"], warning_id=wid).status == "issued"


@pytest.mark.parametrize("hours", [-1, 0])
def test_deadline_must_lie_in_the_future(session: Session, warn: People, hours: int) -> None:
    wid = propose(session, warn)
    with pytest.raises(InvalidInput):
        service.open_consultation(
            session,
            actor=warn["office"],
            warning_id=wid,
            deadline=dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours),
        )


def test_measures_snapshot_at_issue_and_level_change(session: Session, warn: People) -> None:
    wid = propose(session, warn, level="orange")
    consult(session, warn, wid)
    all_agree(session, warn, wid)
    w = service.issue(session, actor=warn["office"], warning_id=wid)
    snap = w.measures
    assert snap is not None and snap["level"] == "orange"
    assert [m["code"] for m in snap["region"]["items"]] == ["cut-20"]
    assert snap["region"]["items"][0]["reduction_percent"] == 20
    beijing = [m["code"] for m in snap["jurisdictions"]["110000"]["items"]]
    assert beijing == ["stop-earthwork", "industry-30"]
    assert snap["jurisdictions"]["130000"]["items"] == []
    service.change_level(session, actor=warn["office"], warning_id=wid, level="red")
    red = service.get_warning(session, warning_id=wid).measures
    assert red is not None
    assert [m["code"] for m in red["region"]["items"]] == ["cut-30"]
    assert {"odd-even", "heavy-truck-ban", "waste-hauler-ban", "school-hours"} <= {
        m["code"] for m in red["jurisdictions"]["110000"]["items"]
    }
    # the issue-time snapshot is kept in the event log
    issued = [e for e in service.events_of(session, warning_id=wid) if e.event_type == "issued"]
    assert issued and issued[0].level == "orange"


def test_unknown_level_for_the_criteria_is_refused(session: Session, warn: People) -> None:
    with pytest.raises(InvalidInput):
        service.propose(
            session,
            actor=warn["office"],
            cities=["110000"],
            level="blue",
            start=dt.date(2020, 1, 1),
            end=dt.date(2020, 1, 2),
            max_aqi=250,
            criteria_code="bth-2019",
        )  # 2019 has no blue
    with pytest.raises(PermissionDenied):
        service.propose(
            session,
            actor=warn["bj-env"],
            cities=["110000"],
            level="red",
            start=dt.date(2020, 1, 1),
            end=dt.date(2020, 1, 2),
            max_aqi=250,
        )


# ------------------------------------------------------------------------------------ criteria


def test_criteria_versions_are_loaded_once(session: Session, warn: People) -> None:
    codes = [(c.code, c.version) for c in service.list_criteria(session)]
    assert codes == [
        ("beijing-2013", 1),
        ("beijing-2015", 1),
        ("beijing-2023", 1),
        ("beijing-local", 1),
        ("bth-2017", 2),
        ("bth-2019", 2),
    ]
    assert service.load_criteria(session, actor=SYSTEM_ACTOR) == 0
    assert service.load_measures(session, actor=SYSTEM_ACTOR) == 0


def test_changed_content_under_the_same_version_is_refused(session: Session, warn: People) -> None:
    from jingjinji.warnings.models import CriteriaSet

    row = session.scalars(select(CriteriaSet).where(CriteriaSet.code == "bth-2017")).one()
    row.sha256 = "0" * 64  # as if the file had changed without a new version
    session.commit()
    with pytest.raises(Conflict, match="new version"):
        service.load_criteria(session, actor=SYSTEM_ACTOR)


def test_selection_per_jurisdiction_and_date(session: Session, warn: People) -> None:
    on = service.criteria_code_for
    assert on(session, jurisdiction_code="110000", on=dt.date(2018, 6, 1)) == "bth-2017"
    assert on(session, jurisdiction_code="110000", on=dt.date(2019, 6, 1)) == "bth-2019"
    # a city uses its province's selection
    assert on(session, jurisdiction_code="130600", on=dt.date(2019, 6, 1)) == "bth-2019"
    # before any adoption: the earliest adopted set
    assert on(session, jurisdiction_code="120000", on=dt.date(2014, 1, 1)) == "bth-2017"
    # a stricter local set, adopted by Beijing only, as data
    service.adopt_criteria(
        session,
        actor=warn["office"],
        jurisdiction_code="110000",
        criteria_code="beijing-local",
        effective_from=dt.date(2020, 1, 1),
    )
    assert on(session, jurisdiction_code="110000", on=dt.date(2020, 6, 1)) == "beijing-local"
    assert on(session, jurisdiction_code="120000", on=dt.date(2020, 6, 1)) == "bth-2019"
    c = service.criteria_for(session, jurisdiction_code="110000", on=dt.date(2021, 1, 1))
    assert c.code == "beijing-local" and c.merge_gap_days == 3
    with pytest.raises(PermissionDenied):
        service.adopt_criteria(
            session,
            actor=warn["bj-admin"],
            jurisdiction_code="110000",
            criteria_code="bth-2017",
            effective_from=dt.date(2022, 1, 1),
        )
    with pytest.raises(InvalidInput):
        service.adopt_criteria(
            session,
            actor=warn["office"],
            jurisdiction_code="110000",
            criteria_code="nope",
            effective_from=dt.date(2022, 1, 1),
        )


def test_events_feed_in_order(session: Session, warn: People) -> None:
    first = service.last_event_id(session)
    wid = propose(session, warn)
    consult(session, warn, wid)
    rows = service.events_after(session, after_id=first)
    assert [r.event_type for r in rows] == ["proposed", "consultation_opened"]
    assert all(isinstance(r, WarningEvent) for r in rows)
    assert service.events_after(session, after_id=rows[-1].id) == []
