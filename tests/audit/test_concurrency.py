"""Concurrent writers append to one chain: no failed request, no fork, no gap."""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit import service as audit
from jingjinji.security import SYSTEM_ACTOR

WRITERS = 4
ENTRIES_EACH = 15


def test_concurrent_appends_keep_one_chain(session_factory: sessionmaker[Session]) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(ENTRIES_EACH):
                with session_factory() as session:
                    # A read first, as a request does before it writes.
                    audit.list_entries(session, limit=1, newest_first=True)
                    audit.record(
                        session,
                        actor=SYSTEM_ACTOR,
                        action="test.concurrent",
                        object_type="thing",
                        object_id=f"{n}-{i}",
                    )
                    session.commit()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with session_factory() as session:
        report = audit.verify(session)
    assert report.ok, report.reason
    assert report.entries_checked == WRITERS * ENTRIES_EACH
