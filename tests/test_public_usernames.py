"""Staff usernames (who submitted, recorded, added, proposed, answered, decided, granted) are
shown only to those who administer the record: the coordination office, members of the owning
organisation and the administrators of the owning jurisdiction's province. Anyone else, the
public and an analyst of another jurisdiction included, sees the organisation, not the person,
in the API and in the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.warnings import service as warnings
from tests.catalog.support import apply_and_approve, build_catalog
from tests.conftest import People, login
from tests.progress.conftest import commitments, indicators  # noqa: F401 (fixtures)
from tests.warnings.conftest import warn  # noqa: F401 (fixture)

PROGRESS = "/api/v1/progress"
CHANGES = f"{PROGRESS}/commitments/c-port/status-changes"


def _get(
    client: TestClient, session_factory: sessionmaker[Session], people: People, who: str, url: str
) -> Any:
    headers = {} if who == "anonymous" else people.headers(session_factory, who)
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (who, url, response.text)
    return response.json()


# ------------------------------------------------------------------------------------ progress


def test_value_submitter_is_named_to_its_administrators_only(
    client: TestClient,
    session_factory: sessionmaker[Session],
    indicators: People,  # noqa: F811
) -> None:
    posted = client.post(
        f"{PROGRESS}/values",
        json={
            "indicator_code": "green_share",
            "jurisdiction_code": "120116",
            "period": "2020",
            "value": 39.2,
            "source": "Binhai review",
        },
        headers=indicators.headers(session_factory, "tj-binhai"),
    )
    assert posted.status_code == 201, posted.text
    binhai = indicators.organisations["tj_binhai"]
    url = f"{PROGRESS}/values?indicator=green_share"
    for who, expected in [
        ("anonymous", None),
        ("he-analyst", None),
        ("bj-admin", None),
        ("tj-admin", "tj-binhai"),
        ("tj-binhai", "tj-binhai"),
        ("office", "tj-binhai"),
    ]:
        (item,) = _get(client, session_factory, indicators, who, url)["items"]
        assert (item["submitted_by"], item["organisation_id"]) == (expected, binhai), who


def test_commitment_history_and_evidence_name_people_to_administrators_only(
    client: TestClient,
    session_factory: sessionmaker[Session],
    commitments: People,  # noqa: F811
) -> None:
    """c-port: lead Tianjin, responsible agency Tianjin DRC."""
    changed = client.post(
        f"{PROGRESS}/commitments/c-port/status-changes",
        json={"status": "delayed", "changed_on": "2024-01-15", "note": "dredging"},
        headers=commitments.headers(session_factory, "tj-admin"),
    )
    assert changed.status_code == 201, changed.text
    added = client.post(
        f"{PROGRESS}/commitments/c-port/evidence",
        json={"url": "https://example.org/port", "title": "Port report"},
        headers=commitments.headers(session_factory, "office"),
    )
    assert added.status_code == 201, added.text
    for who, named in [
        ("anonymous", False),
        ("he-analyst", False),
        ("bj-admin", False),
        ("tj-admin", True),
        ("tj-analyst", True),  # a member of Tianjin DRC, the responsible agency
        ("office", True),
    ]:
        detail = _get(client, session_factory, commitments, who, f"{PROGRESS}/commitments/c-port")
        recorders = [h["recorded_by"] for h in detail["history"]]
        adders = [e["added_by"] for e in detail["evidence"]]
        history = _get(
            client,
            session_factory,
            commitments,
            who,
            f"{PROGRESS}/commitments/c-port/status-changes",
        )
        if named:
            assert recorders[-1] == "tj-admin" and adders == ["office"], who
        else:
            assert set(recorders) == {None} and adders == [None], who
        assert [h["recorded_by"] for h in history] == recorders, who
    page = client.get("/progress/commitments/c-port")
    assert page.status_code == 200 and "dredging" in page.text
    assert "tj-admin" not in page.text
    login(client, "tj-admin", commitments.password)
    assert "tj-admin" in client.get("/progress/commitments/c-port").text


# ------------------------------------------------------------------------------------ warnings


def _issued_warning(session_factory: sessionmaker[Session], people: People) -> int:
    """Proposed by the office for Beijing and Baoding (Hebei), answered by the three
    agencies, issued: public."""
    with session_factory() as session:
        w = warnings.propose(
            session,
            actor=people["office"],
            cities=["110000", "130600"],
            level="orange",
            start=dt.date(2016, 12, 16),
            end=dt.date(2016, 12, 21),
            max_aqi=420,
            criteria_code="bth-2017",
            basis="forecast",
        )
        session.commit()
        warnings.open_consultation(
            session,
            actor=people["office"],
            warning_id=w.id,
            deadline=dt.datetime.now(dt.UTC) + dt.timedelta(hours=24),
        )
        for agency in ("bj-env", "tj-env", "he-env"):
            warnings.answer(session, actor=people[agency], warning_id=w.id, agree=True)
        warnings.issue(session, actor=people["office"], warning_id=w.id)
        session.commit()
        return w.id


def test_warning_people_are_named_to_administrators_only(
    client: TestClient,
    session_factory: sessionmaker[Session],
    warn: People,  # noqa: F811
) -> None:
    wid = _issued_warning(session_factory, warn)
    for who, proposer, answerers in [
        ("anonymous", None, set()),
        ("tj-analyst", None, set()),
        ("bj-env", None, {"bj-env"}),  # its own organisation's answer
        ("bj-admin", "office", {"bj-env"}),  # Beijing is one of the warning's jurisdictions
        ("he-admin", "office", {"he-env"}),
        ("office", "office", {"bj-env", "tj-env", "he-env"}),
    ]:
        detail = _get(client, session_factory, warn, who, f"/api/v1/warnings/{wid}")
        assert detail["proposed_by"] == proposer, who
        named = {a["answered_by"] for a in detail["answers"]} - {None}
        assert named == answerers, who
        assert {a["organisation_id"] for a in detail["answers"]} == {
            warn.organisations[o] for o in ("bj_env", "tj_env", "he_env")
        }
        steps = {e["actor_username"] for e in detail["events"]}
        assert steps == ({"office", "bj-env", "tj-env", "he-env"} if proposer else {None}), who
        listed = _get(client, session_factory, warn, who, "/api/v1/warnings")["items"]
        assert [w["proposed_by"] for w in listed if w["id"] == wid] == [proposer], who
    page = client.get(f"/warnings/{wid}")
    assert page.status_code == 200
    assert not any(name in page.text for name in ("bj-env", "tj-env", "he-env", ">office<"))


# ------------------------------------------------------------------------------------ catalog


def test_access_decisions_name_people_to_administrators_only(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    """Hebei's analyst asks Beijing's environment bureau for BJ-COND; its steward approves."""
    build_catalog(session_factory, people)
    request_id, grant_id = apply_and_approve(
        session_factory, people["he-analyst"], people["bj-env"], "BJ-COND", ["x"]
    )
    for who, asker, decider in [
        ("he-analyst", "he-analyst", None),  # the requester: itself, not the owner's steward
        ("bj-env", None, "bj-env"),
        ("bj-admin", None, "bj-env"),  # the owner's province administrator
        ("office", "he-analyst", "bj-env"),
    ]:
        request = _get(
            client, session_factory, people, who, f"/api/v1/access-requests/{request_id}"
        )
        assert (request["requested_by"], request["decided_by"]) == (asker, decider), who
        grant = _get(client, session_factory, people, who, f"/api/v1/access-grants/{grant_id}")
        assert grant["granted_by"] == decider, who
        (listed,) = _get(client, session_factory, people, who, "/api/v1/access-grants")["items"]
        assert listed["granted_by"] == decider, who
    login(client, "he-analyst", people.password)
    page = client.get("/access-requests")
    assert page.status_code == 200 and "BJ-COND" in page.text
    assert "bj-env" not in page.text
