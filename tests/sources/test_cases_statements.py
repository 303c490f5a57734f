"""The enforcement pages and lists run a bounded number of SQL statements, whatever the number
of events, tasks and timeline steps (no query per row: an N+1 fails here)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.sources.schemas.enforcement import CaseOpenIn, TaskIn
from jingjinji.sources.service import cases, exceedances
from tests.conftest import People
from tests.sources.conftest import Registry
from tests.sources.enforcement_support import hourly, store
from tests.statements import count_request

BUDGET = 30  # statements of one request, the token's lookup and last-use stamp included


def _grow(
    session_factory: sessionmaker[Session], people: People, registry: Registry, start: int
) -> int:
    """One more case about HE-A from five events, with five tasks; its id."""
    batch_id = store(
        session_factory,
        registry.loggers["HE-A-W-001"],
        hourly("w01018", [60, 10, 61, 10, 62, 10, 63, 10, 64, 10], start=start),
    )
    with session_factory() as session:
        ids = [e.id for e in exceedances.detect_for_batch(session, batch_id=batch_id)]
        case = cases.open_case(
            session, actor=people["he-env"], data=CaseOpenIn(exceedance_ids=ids, title="COD")
        )
        for org in ("he_env", "bj_env", "he_env", "bj_env", "he_env"):
            cases.add_task(
                session,
                actor=people["office"],
                case_id=case.id,
                data=TaskIn.model_validate(
                    {
                        "kind": "inspection",
                        "organisation_id": people.organisations[org],
                        "due_at": "2026-01-01T09:00",
                    }
                ),
            )
        session.commit()
        return case.id


def test_pages_and_lists_do_not_grow_with_the_rows(
    client: TestClient, session_factory: sessionmaker[Session], people: People, registry: Registry
) -> None:
    headers = people.headers(session_factory, "office")
    first = _grow(session_factory, people, registry, 0)
    urls = [
        "/sources/exceedances",
        "/sources/cases",
        "/api/v1/sources/exceedances",
        "/api/v1/sources/cases?overdue=true",
    ]

    def counts(case_id: int) -> list[int]:
        found = []
        for url in [*urls, f"/sources/cases/{case_id}", f"/api/v1/sources/cases/{case_id}"]:
            counted = count_request(client, url, headers=headers)
            assert counted.response.status_code == 200, url
            assert counted.count <= BUDGET, counted.report()
            found.append(counted.count)
        return found

    client.get("/api/v1/sources/cases", headers=headers)  # the token's first use is stamped
    small = counts(first)
    for n in range(3):
        last = _grow(session_factory, people, registry, 24 * (n + 1))
    assert counts(last) == small
