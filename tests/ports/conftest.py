"""Fixtures of the ports tests: the standard personas plus the ports' demo operators, their
locations, carriers and stewards, made through the services (no season of events)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.accounts import service as accounts_service
from jingjinji.config import get_settings
from jingjinji.ports import demo
from jingjinji.security import Actor
from tests.conftest import People

DATA = Path(__file__).parent / "data"


def subscription_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *, allowed_hosts: str, **env: str
) -> Iterator[None]:
    """For a test module's autouse fixture (``yield from``): the sealing key in this test's var
    directory, the callback hosts the administrator allows (``rx.example`` stands for a public
    receiver, never resolved; ``127.0.0.1`` lets loopback receivers through) and any other
    ``JJJ_*`` settings; the settings cache is cleared before and after."""
    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("JJJ_SECRET_KEY", "test-secret-key")
    monkeypatch.setenv("JJJ_WEBHOOK_ALLOWED_HOSTS", allowed_hosts)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def examples() -> dict[str, Any]:
    """The DCSA 2.2 example payloads (data/README.md says where they come from)."""
    loaded: dict[str, Any] = json.loads((DATA / "dcsa_tnt_2_2_examples.json").read_text())
    return copy.deepcopy(loaded)


@dataclass
class Ports:
    """The ports' organisations (by demo key) and the steward acting for each."""

    people: People
    organisations: dict[str, int]
    actors: dict[str, Actor]

    def headers(self, session_factory: sessionmaker[Session], key: str) -> dict[str, str]:
        """Bearer headers of an operator's steward (key as in ``demo.places.OPERATORS``) or of a
        standard persona (a username)."""
        actor = self.actors.get(key) or self.people[key]
        with session_factory() as session:
            _, secret = accounts_service.create_token(session, actor=actor, name=f"test-{key}")
            session.commit()
        return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def ports(session_factory: sessionmaker[Session], people: People) -> Ports:
    with session_factory() as session:
        orgs = demo.organisations(session)
        demo.reference_data(session, orgs)
        actors = demo.writers(session, orgs)
        session.commit()
    return Ports(people=people, organisations=orgs, actors=actors)


def equipment_event(
    event_id: str,
    box: str,
    locode: str,
    *,
    code: str = "DISC",
    created: str = "2026-09-01T10:00:00+08:00",
    booking: str | None = None,
) -> dict[str, Any]:
    """A minimal valid EQUIPMENT event at ``locode``."""
    event: dict[str, Any] = {
        "eventID": event_id,
        "eventType": "EQUIPMENT",
        "eventClassifierCode": "ACT",
        "eventCreatedDateTime": created,
        "eventDateTime": created,
        "equipmentEventTypeCode": code,
        "equipmentReference": box,
        "emptyIndicatorCode": "LADEN",
        "eventLocation": {"UNLocationCode": locode},
        "transportCall": {
            "transportCallID": f"call-{locode}",
            "UNLocationCode": locode,
            "modeOfTransport": "VESSEL",
            "vessel": {"vesselIMONumber": "9321483", "vesselName": "King of the Seas"},
        },
    }
    if booking:
        event["documentReferences"] = [
            {"documentReferenceType": "BKG", "documentReferenceValue": booking}
        ]
    return event
