"""Walking the region hierarchy: right answers, and one statement per walk whatever its depth
(the progress dashboard called these per commitment and ran 1,311 statements)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from jingjinji.regions import service as regions


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = session.get_bind()

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_descendants_of_the_region_are_every_jurisdiction(session: Session) -> None:
    everything = {j.code for j in regions.list_jurisdictions(session)}
    assert len(everything) == 48
    with statements(session) as seen:
        assert regions.descendants(session, code="JJJ") == everything
    assert len(seen) == 1


def test_descendants_of_a_province_and_of_a_leaf(session: Session) -> None:
    tianjin = regions.descendants(session, code="120000")
    assert len(tianjin) == 17 and "120116" in tianjin and "110000" not in tianjin
    assert regions.descendants(session, code="120116") == {"120116"}
    assert regions.descendants(session, code="999999") == {"999999"}


def test_ancestors_nearest_first(session: Session) -> None:
    with statements(session) as seen:
        assert regions.ancestors(session, code="133100") == ["133100", "130000", "JJJ"]
    assert len(seen) == 1
    assert regions.ancestors(session, code="JJJ") == ["JJJ"]
    assert regions.ancestors(session, code="999999") == ["999999"]


def test_known_jurisdictions_in_one_statement(session: Session) -> None:
    with statements(session) as seen:
        known = regions.known_jurisdictions(
            session, codes=["110000", "999999", None, "", "120116", "110000"]
        )
    assert known == {"110000", "120116"}
    assert len(seen) == 1
    assert regions.known_jurisdictions(session, codes=[None, ""]) == set()
