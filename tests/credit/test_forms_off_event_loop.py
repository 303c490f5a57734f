"""Found in a review: the record entry form (``POST /credit/agency/records``) and the revision
form (``POST /credit/agency/records/{id}/revise``) were ``async def`` handlers that called the
synchronous services, and so ran their whole database work on the server's event loop,
stalling every other request meanwhile. Each service they call must run on a worker thread,
one without a running event loop, whether the form is stored or refused (both databases)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.credit.service import publication, record_page, records
from tests.conftest import People, csrf_from, login
from tests.credit.records_support import HE_CO, record_in


class Calls:
    """The services called, each with whether it ran on a thread with a running event loop."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []

    def watch(self, monkeypatch: pytest.MonkeyPatch, module: ModuleType, name: str) -> None:
        """Wrap ``module.name``, calling through to the real function."""
        real: Callable[..., Any] = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                on_loop = False
            else:
                on_loop = True
            self.seen.append((name, on_loop))
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    def names(self) -> set[str]:
        return {name for name, _ in self.seen}

    def on_loop(self) -> list[str]:
        return [name for name, on_loop in self.seen if on_loop]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    watched = Calls()
    watched.watch(monkeypatch, records, "create_record")
    watched.watch(monkeypatch, publication, "publication_queue")
    watched.watch(monkeypatch, record_page, "revise_record")
    watched.watch(monkeypatch, record_page, "record_page")
    return watched


def _entry(token: str, **overrides: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "kind": "black_list",
        "uscc": HE_CO,
        "subject_name": "线程示例化工有限公司（虚构）",
        "document_number": "冀黑-线程-1",
        "title": "严重失信",
        "legal_basis": "示例依据",
        "decision_date": "2026-11-02",
        "measures": "B01_PROCUREMENT_BAN",
        **overrides,
    }


@pytest.mark.parametrize("decision_date", ["2026-11-02", "2099-01-01"])
def test_the_entry_form_does_its_database_work_off_the_event_loop(
    client: TestClient, people: People, calls: Calls, decision_date: str
) -> None:
    login(client, "he-samr", people.password)
    token = csrf_from(client.get("/credit/agency").text)
    calls.seen.clear()
    answer = client.post("/credit/agency/records", data=_entry(token, decision_date=decision_date))
    assert answer.status_code == (200 if decision_date == "2026-11-02" else 422), answer.text
    assert {"create_record", "publication_queue"} <= calls.names()
    assert calls.on_loop() == []


@pytest.mark.parametrize("decision_date", ["2026-11-03", "2099-01-01"])
def test_the_revision_form_does_its_database_work_off_the_event_loop(
    client: TestClient,
    people: People,
    session_factory: sessionmaker[Session],
    calls: Calls,
    decision_date: str,
) -> None:
    with session_factory() as s:
        record = records.create_record(s, actor=people["he-samr"], data=record_in(uscc=HE_CO))
        s.commit()
        page = f"/credit/agency/records/{record.id}"
    login(client, "he-samr", people.password)
    token = csrf_from(client.get(page).text)
    calls.seen.clear()
    answer = client.post(
        f"{page}/revise",
        data={
            "csrf_token": token,
            "title": "违反广告法",
            "legal_basis": "示例依据",
            "content": "罚款人民币1万元",
            "decision_date": decision_date,
        },
        follow_redirects=False,
    )
    stored = decision_date == "2026-11-03"
    assert answer.status_code == (303 if stored else 422), answer.text
    assert {"revise_record", "create_record"} <= calls.names()
    assert stored or "record_page" in calls.names()  # a refusal renders the page again
    assert calls.on_loop() == []
