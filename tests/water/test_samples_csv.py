"""load_samples_csv: the wide layout, row numbering (header = line 1), below-detection cells,
time zones, unknown columns, whole-file refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.errors import InvalidInput, PermissionDenied
from jingjinji.water.models import Ingestion, Sample
from jingjinji.water.service import samples_csv
from tests.conftest import People
from tests.water.conftest import WaterNetwork

GOOD = (
    "Section_Code,sampled_at,KIND,nh3n,CODMn,do,tp\n"
    "BJ-HE-01,2025-07-01T10:00,manual,1.2,5.5,6.1,<0.01\n"
    "BJ-HE-01,2025-07-01T10:00:00Z,automatic,0.9,,,\n"
)


def _stored(session: Session) -> list[tuple[str, dt.datetime, str, str, float, bool]]:
    rows = session.execute(
        select(
            Sample.section_code,
            Sample.sampled_at,
            Sample.kind,
            Sample.item,
            Sample.value,
            Sample.below_detection,
        ).order_by(Sample.kind, Sample.item)
    ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_a_wide_file_becomes_one_sample_per_item(
    session_factory: sessionmaker[Session], people: People, water_sections: WaterNetwork
) -> None:
    with session_factory() as session:
        done = samples_csv.load_samples_csv(
            session, actor=people["bj-env"], data=GOOD.encode(), channel="csv", source="f.csv"
        )
        session.commit()
        assert (done.rows_received, done.inserted, done.channel) == (2, 5, "csv")
        stored = _stored(session)
    local = dt.datetime(2025, 7, 1, 2, tzinfo=dt.UTC)  # 10:00 China time
    utc = dt.datetime(2025, 7, 1, 10, tzinfo=dt.UTC)
    assert stored == [
        ("BJ-HE-01", utc, "automatic", "nh3n", 0.9, False),
        ("BJ-HE-01", local, "manual", "codmn", 5.5, False),
        ("BJ-HE-01", local, "manual", "do", 6.1, False),
        ("BJ-HE-01", local, "manual", "nh3n", 1.2, False),
        ("BJ-HE-01", local, "manual", "tp", 0.01, True),
    ]


def test_every_problem_is_named_by_file_line_and_column(
    session_factory: sessionmaker[Session], people: People, water_sections: WaterNetwork
) -> None:
    content = (
        "section_code,sampled_at,kind,nh3n,ph\n"
        "BJ-HE-01,2025-07-01T10:00,manual,1.2,7\n"  # line 2: fine
        'BJ-HE-01,2025-07-02T10:00,manual,"1\n.5",7\n'  # lines 3-4: a quoted line break
        "BJ-HE-01,yesterday,manual,1,7\n"  # row 4: bad time
        "NOPE,2025-07-03T10:00,hourly,-1,15\n"  # row 5: kind, value, pH
        "BJ-HE-01,2025-07-01T10:00,manual,1.3,\n"  # row 6: same key as row 2
    )
    with session_factory() as session:
        with pytest.raises(InvalidInput) as refused:
            samples_csv.load_samples_csv(
                session, actor=people["bj-env"], data=content.encode(), channel="csv"
            )
        found = [(e["row"], e["column"], e["reason"]) for e in refused.value.errors]
        assert found == [
            (3, "nh3n", "not a number"),
            (4, "sampled_at", "not an ISO 8601 time"),
            (5, "kind", "unknown kind hourly"),
            (5, "nh3n", "a value cannot be negative"),
            (5, "ph", "a pH value lies between 0 and 14"),
            (6, "nh3n", "the same section, time, kind and item as row 2"),
        ]
        assert refused.value.errors[0]["loc"] == ["body", "file", 3, "nh3n"]
        assert session.scalar(select(func.count()).select_from(Sample)) == 0
        kept = session.scalars(select(Ingestion)).one()
        assert (kept.status, kept.rows_received, kept.rows_rejected) == ("rejected", 5, 4)


def test_an_unknown_section_is_reported_on_its_line(
    session_factory: sessionmaker[Session], people: People, water_sections: WaterNetwork
) -> None:
    content = (
        "section_code,sampled_at,kind,nh3n\nBJ-HE-01,2025-07-01,manual,1\nXX,2025-07-01,manual,1\n"
    )
    with session_factory() as session, pytest.raises(InvalidInput) as refused:
        samples_csv.load_samples_csv(
            session, actor=people["bj-env"], data=content.encode(), channel="csv"
        )
    assert [(e["row"], e["column"]) for e in refused.value.errors] == [(3, "section_code")]


def test_unknown_and_missing_columns_are_errors_of_the_header() -> None:
    parsed = samples_csv.parse_samples_csv(b"section_code,sampled_at,nh3n,ammonia\n")
    assert [(i["row"], i["column"], i["reason"]) for i in parsed.issues] == [
        (1, "ammonia", "unknown column"),
        (1, "kind", "required column missing"),
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "the file is empty"),
        (b"\xff\xfe,x\n", "the file is not UTF-8 text"),
        (b"x" * (samples_csv.MAX_CSV_BYTES + 1), "the file is larger than 5 MiB"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(content: bytes, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        samples_csv.parse_samples_csv(content)
    assert refused.value.detail == reason


def test_a_row_without_values_and_a_file_without_rows() -> None:
    parsed = samples_csv.parse_samples_csv(
        b"section_code,sampled_at,kind,nh3n\nBJ-HE-01,2025-07-01,manual,\n,,,\n"
    )
    assert [(i["row"], i["reason"]) for i in parsed.issues] == [(2, "no value on this row")]
    empty = samples_csv.parse_samples_csv(b"section_code,sampled_at,kind,nh3n\n")
    assert [i["reason"] for i in empty.issues] == ["the file has no data rows"]


def test_a_file_naming_another_agencys_section_is_refused(
    session_factory: sessionmaker[Session], people: People, water_sections: WaterNetwork
) -> None:
    with session_factory() as session, pytest.raises(PermissionDenied) as refused:
        samples_csv.load_samples_csv(
            session, actor=people["he-env"], data=GOOD.encode(), channel="csv"
        )
    assert "BJ-HE-01" in refused.value.detail
    assert "rows 2, 3" in refused.value.detail


def test_the_same_file_twice_changes_nothing(
    session_factory: sessionmaker[Session], people: People, water_sections: WaterNetwork
) -> None:
    with session_factory() as session:
        samples_csv.load_samples_csv(
            session, actor=people["bj-admin"], data=GOOD.encode(), channel="csv"
        )
        session.commit()
        again = samples_csv.load_samples_csv(
            session, actor=people["bj-admin"], data=GOOD.encode(), channel="csv"
        )
        session.commit()
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5)


def test_an_origin_column_labels_the_values(
    session_factory: sessionmaker[Session], people: People, water_sections: WaterNetwork
) -> None:
    content = (
        "section_code,sampled_at,kind,origin,nh3n\n"
        "TJ-SEA-01,2017-01-15T10:00,manual,Published,2.1\n"
        "TJ-SEA-01,2017-02-15T10:00,manual,,1.9\n"
    )
    with session_factory() as session:
        samples_csv.load_samples_csv(
            session, actor=people["tj-env"], data=content.encode(), channel="csv"
        )
        session.commit()
        origins = session.scalars(select(Sample.origin).order_by(Sample.sampled_at)).all()
    assert list(origins) == ["published", "measured"]
    bad = samples_csv.parse_samples_csv(
        b"section_code,sampled_at,kind,origin,nh3n\nTJ-SEA-01,2017-01-15,manual,guessed,1\n"
    )
    assert [(i["row"], i["column"], i["reason"]) for i in bad.issues] == [
        (2, "origin", "unknown origin guessed")
    ]
