"""record_samples: authorisation per section, whole-batch validation, idempotency, revisions,
time zones; samples_frame and latest_samples read what was stored."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.errors import Conflict, InvalidInput, PermissionDenied
from jingjinji.water.models import Ingestion, Sample, SampleKind, SampleOrigin, SampleRevision
from jingjinji.water.service import samples as service
from jingjinji.water.service.samples.reading import FRAME_SCHEMA
from tests.conftest import People
from tests.water.conftest import WaterNetwork, china_time, sample, samples_of

JULY = china_time(2025, 7, 1, 10)


def _count(session: Session, model: type[object]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_batch_is_stored_and_read_back_as_a_frame(
    session_factory: sessionmaker[Session], people: People, water_sections: WaterNetwork
) -> None:
    rows = samples_of(water_sections.bj_he, JULY, {"nh3n": 1.2, "codmn": 5.5, "do": 6.1})
    with session_factory() as session:
        ingestion = service.record_samples(
            session, actor=people["bj-env"], rows=rows, channel="api", source="test"
        )
        session.commit()
        assert (ingestion.inserted, ingestion.updated, ingestion.unchanged) == (3, 0, 0)
        assert ingestion.status == "accepted"
        frame = service.samples_frame(
            session,
            codes=[water_sections.bj_he],
            start=dt.datetime(2025, 7, 1, tzinfo=dt.UTC),
            end=dt.datetime(2025, 7, 2, tzinfo=dt.UTC),
        )
    assert frame.columns == [
        "section_code",
        "sampled_at",
        "kind",
        "item",
        "value",
        "below_detection",
        "origin",
    ]
    assert frame["item"].to_list() == ["codmn", "do", "nh3n"]
    assert frame["sampled_at"].dtype == pl.Datetime("us", "UTC")
    # 10:00 China time is 02:00 UTC.
    assert frame["sampled_at"][0] == dt.datetime(2025, 7, 1, 2, tzinfo=dt.UTC)
    assert frame["origin"].unique().to_list() == ["measured"]


def test_the_end_of_a_frame_is_exclusive(
    session_factory: sessionmaker[Session], people: People, water_sections: WaterNetwork
) -> None:
    at = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
    with session_factory() as session:
        service.record_samples(
            session,
            actor=people["bj-env"],
            rows=[sample(water_sections.bj_he, at, "nh3n", 1.0)],
            channel="api",
        )
        session.commit()
        before = service.samples_frame(session, codes=None, start=at - dt.timedelta(days=1), end=at)
        from_it = service.samples_frame(
            session, codes=None, start=at, end=at + dt.timedelta(hours=1)
        )
    assert before.height == 0
    assert from_it.height == 1


def test_the_same_batch_twice_stores_nothing_new(
    session_factory: sessionmaker[Session], people: People, water_sections: WaterNetwork
) -> None:
    rows = samples_of(water_sections.he_tj, JULY, {"nh3n": 0.8, "tp": 0.21})
    with session_factory() as session:
        service.record_samples(session, actor=people["he-env"], rows=rows, channel="api")
        session.commit()
        again = service.record_samples(session, actor=people["he-env"], rows=rows, channel="api")
        session.commit()
        assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
        assert _count(session, Sample) == 2
        assert _count(session, SampleRevision) == 0


def test_a_changed_value_is_replaced_and_the_old_one_kept(
    session_factory: sessionmaker[Session], people: People, water_sections: WaterNetwork
) -> None:
    code = water_sections.he_tj
    with session_factory() as session:
        service.record_samples(
            session, actor=people["he-env"], rows=[sample(code, JULY, "nh3n", 0.8)], channel="api"
        )
        session.commit()
        fixed = service.record_samples(
            session,
            actor=people["he-admin"],
            rows=[sample(code, JULY, "nh3n", 1.6), sample(code, JULY, "tp", 0.1)],
            channel="api",
        )
        session.commit()
        assert (fixed.inserted, fixed.updated, fixed.unchanged) == (1, 1, 0)
        current = session.scalars(select(Sample).where(Sample.item == "nh3n")).one()
        assert (current.value, current.version, current.recorded_by) == (1.6, 2, "he-admin")
        old = session.scalars(select(SampleRevision)).one()
        assert (old.value, old.version, old.recorded_by) == (0.8, 1, "he-env")
        assert old.superseded_by == "he-admin"
        assert old.superseded_by_ingestion == fixed.id


def test_a_section_of_another_agency_is_an_audited_refusal(
    session_factory: sessionmaker[Session], people: People, water_sections: WaterNetwork
) -> None:
    rows = [
        sample(water_sections.bj_he, JULY, "nh3n", 1.0),
        sample(water_sections.he_tj, JULY, "nh3n", 1.0),
    ]
    with session_factory() as session:
        with pytest.raises(PermissionDenied) as refused:
            service.record_samples(session, actor=people["bj-env"], rows=rows, channel="api")
        assert "HE-TJ-01" in refused.value.detail
        assert "rows 1" in refused.value.detail
        assert _count(session, Sample) == 0
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "water.samples.write")
        ).one()
        assert entry.outcome == "denied"
        assert entry.actor_username == "bj-env"


def test_an_analyst_cannot_upload(
    session_factory: sessionmaker[Session], people: People, water_sections: WaterNetwork
) -> None:
    with session_factory() as session, pytest.raises(PermissionDenied):
        service.record_samples(
            session,
            actor=people["bj-analyst"],
            rows=[sample(water_sections.bj_he, JULY, "nh3n", 1.0)],
            channel="api",
        )


def test_the_office_writes_every_section(
    session_factory: sessionmaker[Session], people: People, water_sections: WaterNetwork
) -> None:
    rows = [sample(code, JULY, "do", 7.0) for code in water_sections.codes]
    with session_factory() as session:
        done = service.record_samples(session, actor=people["office"], rows=rows, channel="api")
        session.commit()
    assert done.inserted == 4


def test_one_bad_row_rejects_the_whole_batch_and_lists_every_bad_row(
    session_factory: sessionmaker[Session], people: People, water_sections: WaterNetwork
) -> None:
    code = water_sections.bj_he
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    rows = [
        sample(code, JULY, "nh3n", 1.0),
        sample("NOPE-1", JULY, "nh3n", 1.0),
        sample(code, future, "nh3n", 1.0),
        sample(code, JULY, "nh3n", 2.0),
    ]
    with session_factory() as session:
        with pytest.raises(InvalidInput) as refused:
            service.record_samples(session, actor=people["bj-env"], rows=rows, channel="api")
        locs = [e["loc"] for e in refused.value.errors]
        assert locs == [
            ["body", "rows", 1, "section_code"],
            ["body", "rows", 2, "sampled_at"],
            ["body", "rows", 3, "item"],
        ]
        assert "row 0" in refused.value.errors[2]["msg"]
        assert _count(session, Sample) == 0
        kept = session.scalars(select(Ingestion)).one()
        assert (kept.status, kept.rows_received, kept.rows_rejected) == ("rejected", 4, 3)
        assert len(kept.report) == 3


def test_a_time_without_a_zone_is_china_time() -> None:
    naive = sample("X", dt.datetime(2025, 7, 1, 8), "nh3n", 1.0)
    text = sample("X", "2025-07-01T08:00", "nh3n", 1.0)  # type: ignore[arg-type]
    utc = sample("X", "2025-07-01T00:00Z", "nh3n", 1.0)  # type: ignore[arg-type]
    expected = dt.datetime(2025, 7, 1, 0, tzinfo=dt.UTC)
    assert naive.sampled_at == text.sampled_at == utc.sampled_at == expected
    assert naive.sampled_at.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("item", "benzene"),
        ("value", -1.0),
        ("value", "1.0"),
        ("value", float("nan")),
        ("below_detection", 1),
        ("sampled_at", 0),
        ("sampled_at", "yesterday"),
        ("kind", "hourly"),
        ("origin", "guessed"),
    ],
)
def test_bad_fields_are_refused_by_the_schema(field: str, value: object) -> None:
    from jingjinji.water.schemas.samples import SampleIn

    good = {
        "section_code": "X",
        "sampled_at": "2025-07-01T08:00+08:00",
        "kind": "manual",
        "item": "nh3n",
        "value": 1.0,
    }
    with pytest.raises(ValidationError) as refused:
        SampleIn.model_validate({**good, field: value})
    assert refused.value.errors()[0]["loc"][0] == field


def test_ph_lies_between_0_and_14() -> None:
    with pytest.raises(ValidationError):
        sample("X", JULY, "ph", 14.5)
    assert sample("X", JULY, "ph", 14.0).value == 14.0


def test_latest_samples_reads_the_newest_value_of_each_item(
    session_factory: sessionmaker[Session], people: People, water_sections: WaterNetwork
) -> None:
    code = water_sections.bj_he
    later = JULY + dt.timedelta(hours=4)
    rows = [
        sample(code, JULY, "nh3n", 1.0, kind=SampleKind.AUTOMATIC),
        sample(code, later, "nh3n", 1.4, kind=SampleKind.AUTOMATIC),
        sample(code, JULY, "tp", 0.2),
    ]
    with session_factory() as session:
        service.record_samples(session, actor=people["bj-env"], rows=rows, channel="api")
        session.commit()
        latest = service.latest_samples(session, codes=[code, water_sections.he_tj])
    assert latest == {
        code: {
            "nh3n": (later.astimezone(dt.UTC), 1.4),
            "tp": (JULY.astimezone(dt.UTC), 0.2),
        }
    }


def test_a_batch_is_one_audit_entry_with_its_counts(
    session_factory: sessionmaker[Session], people: People, water_sections: WaterNetwork
) -> None:
    rows = samples_of(water_sections.tj_sea, JULY, {"nh3n": 1.0, "cod": 22.0})
    with session_factory() as session:
        service.record_samples(session, actor=people["tj-env"], rows=rows, channel="api")
        session.commit()
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "water.samples.ingest")
        ).all()
    assert len(entries) == 1
    assert json.loads(entries[0].detail_json)["inserted"] == 2
    assert entries[0].jurisdiction_code == "120000"


def test_a_key_stored_meanwhile_by_another_batch_is_a_conflict(
    session_factory: sessionmaker[Session],
    people: People,
    water_sections: WaterNetwork,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sqlalchemy import false

    from jingjinji.water.service.samples import ingest as ingest_module

    code = water_sections.bj_he
    with session_factory() as session:
        service.record_samples(
            session, actor=people["bj-env"], rows=[sample(code, JULY, "nh3n", 1.0)], channel="api"
        )
        session.commit()
    # The batch below reads the stored keys before the other batch committed: it sees none.
    monkeypatch.setattr(ingest_module, "select", lambda *c: select(*c).where(false()))
    with session_factory() as session:
        with pytest.raises(Conflict):
            service.record_samples(
                session,
                actor=people["bj-admin"],
                rows=[sample(code, JULY, "nh3n", 2.0)],
                channel="api",
            )
        assert session.scalars(select(Sample.value)).all() == [1.0]
        outcomes = session.scalars(
            select(AuditEntry.outcome).where(AuditEntry.action == "water.samples.ingest")
        ).all()
        assert outcomes == ["ok", "conflict"]


def test_the_frame_holds_what_the_stored_rows_hold(
    session_factory: sessionmaker[Session], people: People, water_sections: WaterNetwork
) -> None:
    """samples_frame reads the columns whole (no ORM objects): the frame equals one built
    row by row from the stored Sample objects, kinds, detection flags and origins mixed."""
    rows = [
        *samples_of(water_sections.bj_he, JULY, {"nh3n": 1.2, "codmn": 5.5}),
        *samples_of(water_sections.bj_he, JULY, {"nh3n": 0.9}, kind=SampleKind.AUTOMATIC),
        *samples_of(water_sections.he_tj, china_time(2025, 7, 1, 23, 30), {"tp": 0.01}),
        sample(water_sections.he_tj, JULY, "cod", 4.0, below_detection=True),
        sample(water_sections.tj_sea, JULY, "do", 7.5, origin=SampleOrigin.PUBLISHED),
    ]
    with session_factory() as session:
        for username, code in (
            ("bj-env", water_sections.bj_he),
            ("he-env", water_sections.he_tj),
            ("tj-env", water_sections.tj_sea),
        ):
            mine = [r for r in rows if r.section_code == code]
            service.record_samples(
                session, actor=people[username], rows=mine, channel="api", source="test"
            )
        session.commit()
        start = dt.datetime(2025, 6, 30, tzinfo=dt.UTC)
        end = dt.datetime(2025, 7, 3, tzinfo=dt.UTC)
        frame = service.samples_frame(session, codes=None, start=start, end=end)
        stored = session.scalars(
            select(Sample).order_by(
                Sample.section_code, Sample.sampled_at, Sample.kind, Sample.item
            )
        ).all()
        empty = service.samples_frame(
            session, codes=["NO-SUCH"], start=start, end=end, kind="manual"
        )
    expected = pl.DataFrame(
        [
            (s.section_code, s.sampled_at, s.kind, s.item, s.value, s.below_detection, s.origin)
            for s in stored
        ],
        schema=FRAME_SCHEMA,
        orient="row",
    )
    assert frame.height == len(rows)
    assert frame.schema == expected.schema
    assert frame.equals(expected)
    assert empty.height == 0 and empty.schema == expected.schema
