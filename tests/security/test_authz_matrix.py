"""The attack on authorisation, kept as a test: every write operation of the API by every persona
that may not do it, aimed at Beijing's objects, and every GET of something not public by every
persona that may not read it. Each refusal has exactly its expected status, is problem+json, and
changes nothing (every table but the audit chain compared before and after).

Issue 10's attack found 0 unauthorised successes in 247 writes and 138 reads; the matrix makes at
least as many attempts on each backend and fails on a new write operation nobody listed here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import People
from tests.security.operations import Write, reads, writes
from tests.security.support import (
    ANONYMOUS,
    PERSONAS,
    USERS,
    World,
    build_world,
    changed_tables,
    is_problem,
    table_digests,
)

OFFICE = frozenset({"office"})
BJ_OWNER = frozenset({"office", "bj-admin", "bj-env"})  # the Beijing ecology bureau's objects
BJ_ADMIN = frozenset({"office", "bj-admin"})
# Beijing's indicator values: stewards of any Beijing organisation (docs/progress.md), so the
# Beijing market regulator's too.
BJ_VALUES = frozenset({"office", "bj-admin", "bj-env", "bj-stats", "bj-samr"})
AGENCIES = frozenset({"bj-env", "tj-env", "he-env"})  # environment agencies consulted
EVERYONE = frozenset(USERS)
ANYONE = frozenset(PERSONAS)  # public forms: anonymous too (nobody is refused)
BJ_SAMR = frozenset({"office", "bj-admin", "bj-samr"})  # the Beijing market regulator's records
# Credit subjects are registered by any agency steward, province administrator or the office.
REGISTRARS = EVERYONE - {"bj-analyst", "tj-analyst", "he-analyst"}
# Weather forecasts of Beijing: the office and Beijing's environment bureau (no administrators).
BJ_WEATHER = frozenset({"office", "bj-env"})
# Only those who see the record's restricted data learn that an objection or repair exists.
HIDDEN = {p: 404 for p in USERS}
# A water incident at a Beijing->Hebei section: Beijing and Hebei are told (all their people
# read it), Tianjin is not (its people learn nothing: 404); the provinces' administrators and
# environment agencies act on it; closing is the office's or the monitoring province's.
TIANJIN = frozenset({"tj-admin", "tj-env", "tj-binhai", "tj-samr", "tj-analyst"})
NOT_TOLD = {p: 404 for p in TIANJIN}
INCIDENT_READERS = EVERYONE - TIANJIN
INCIDENT_ACTORS = frozenset({"bj-admin", "bj-env", "he-admin", "he-env"})
# A Beijing enterprise in two cases led by Beijing that involve Hebei (its outlet is near the
# Hebei border), not Tianjin: members of Beijing and Hebei read the cases; its data is read by
# Beijing's members, the office and Hebei's environment agency, which holds the cases' catalog
# grant scoped to the enterprise (other Hebei members: 403); Tianjin is refused the data (403)
# and does not learn the cases exist (404); the lead (Beijing's administrator and environment
# bureau) and the office act on the cases, the bureau's task is completed by its stewards,
# Beijing's administrator or the office. Opening a case: Tianjin, who may not see the event, is
# refused as for a missing event (422), so that it does not learn the event exists.
SOURCE_READERS = EVERYONE - TIANJIN
SOURCE_DATA_READERS = frozenset({"office", "he-env"}) | {p for p in USERS if p.startswith("bj-")}
NOT_INVOLVED = {p: 404 for p in TIANJIN}
EVENT_UNSEEN = {p: 422 for p in TIANJIN}
# Issue 10's attack: unauthorised attempts it made (the matrix makes at least as many).
ISSUE_WRITES = 247
ISSUE_READS = 138
# POSTs that change nothing: a dry run of the validation rules, open to everyone.
NOT_WRITES = {("POST", "/api/v1/progress/validation")}


@dataclass(frozen=True)
class Rule:
    """Who may (``allowed``; everyone else is refused: anonymous 401, others 403 unless
    ``refusals`` says otherwise), and who shows the request is valid (``proof``: a 2xx after
    the refusals; None where the object's state makes a valid request a 409)."""

    allowed: frozenset[str]
    proof: str | None = None
    refusals: dict[str, int] = field(default_factory=dict)


WRITE_RULES: dict[tuple[str, str], Rule] = {
    ("POST", "/organisations"): Rule(BJ_ADMIN, "bj-admin"),
    ("DELETE", "/tokens/{bj_token}"): Rule(frozenset({"office", "bj-env"}), "bj-env"),
    ("POST", "/users"): Rule(BJ_ADMIN, "bj-admin"),
    ("POST", "/jobs/{job}/retry"): Rule(OFFICE, "office"),
    # one's own inbox: another's notification is as unknown as a missing one
    ("POST", "/notifications/{notification}/read"): Rule(
        OFFICE, "office", {p: 404 for p in USERS if p != "office"}
    ),
    ("POST", "/notifications/read-all"): Rule(EVERYONE, "bj-env"),
    ("PUT", "/notifications/preferences"): Rule(EVERYONE, "bj-env"),
    ("POST", "/datasets"): Rule(BJ_OWNER, "bj-env"),
    ("PUT", "/datasets/BJ-ENV-PERMIT"): Rule(BJ_OWNER, "bj-env"),
    ("POST", "/datasets/BJ-ENV-PERMIT/records"): Rule(BJ_OWNER, "bj-env"),
    # The office decides only once a request is escalated.
    ("POST", "/access-requests/{pending_request}/decision"): Rule(
        frozenset({"bj-admin", "bj-env"}), "bj-env"
    ),
    ("POST", "/access-grants/{grant}/revoke"): Rule(BJ_OWNER, "bj-env"),
    ("POST", "/air/observations"): Rule(BJ_OWNER, "bj-env"),
    ("POST", "/air/observations/csv"): Rule(BJ_OWNER, "bj-env"),
    ("POST", "/warnings"): Rule(OFFICE, "office"),
    ("POST", "/warnings/criteria/adoptions"): Rule(OFFICE, "office"),
    ("POST", "/warnings/webhooks"): Rule(OFFICE, "office"),
    ("POST", "/warnings/webhooks/{subscription}/rotate"): Rule(OFFICE, "office"),
    ("POST", "/warnings/webhooks/{subscription}/active"): Rule(OFFICE, "office"),
    ("POST", "/warnings/webhooks/deliveries/{job}/retry"): Rule(OFFICE),  # no such delivery
    ("POST", "/warnings/{warning}/consultation"): Rule(OFFICE),  # in consultation already
    ("POST", "/warnings/{warning}/answers"): Rule(AGENCIES, "bj-env"),
    # consultation still open: issuing, changing the level and lifting wait for it
    ("POST", "/warnings/{warning}/issue"): Rule(OFFICE),
    ("POST", "/warnings/{warning}/level"): Rule(OFFICE),
    ("POST", "/warnings/{warning}/lift"): Rule(OFFICE),
    ("POST", "/warnings/{warning}/withdraw"): Rule(OFFICE, "office"),
    ("POST", "/progress/agreements"): Rule(OFFICE, "office"),
    ("POST", "/progress/commitments"): Rule(BJ_ADMIN, "bj-admin"),
    ("POST", "/progress/commitments/bjtj-01/status-changes"): Rule(BJ_ADMIN, "bj-admin"),
    ("POST", "/progress/commitments/bjtj-01/evidence"): Rule(BJ_ADMIN, "bj-admin"),
    ("POST", "/progress/indicators"): Rule(OFFICE, "office"),
    ("POST", "/progress/values"): Rule(BJ_VALUES, "bj-stats"),
    ("POST", "/progress/values/batch"): Rule(BJ_VALUES),  # the same value, stored just before
    ("DELETE", "/progress/values/{bj_value}"): Rule(BJ_VALUES, "bj-stats"),
    ("POST", "/progress/targets"): Rule(BJ_ADMIN, "bj-admin"),
    ("POST", "/progress/upload"): Rule(BJ_VALUES, "bj-stats"),
    ("POST", "/warnings/weather-forecasts"): Rule(BJ_WEATHER, "bj-env"),
    ("POST", "/warnings/weather-forecasts/csv"): Rule(BJ_WEATHER, "bj-env"),
    ("POST", "/credit/subjects"): Rule(REGISTRARS, "bj-samr"),
    ("POST", "/credit/records"): Rule(BJ_SAMR, "bj-samr"),
    ("POST", "/credit/records/batch"): Rule(BJ_SAMR, "bj-samr"),
    ("POST", "/credit/records/upload"): Rule(BJ_SAMR, "bj-samr"),
    ("POST", "/credit/records/{credit_pending}/publish"): Rule(BJ_SAMR, "bj-samr"),
    ("POST", "/credit/records/{credit_entry}/lift"): Rule(BJ_SAMR, "bj-samr"),
    # The public forms: anyone a record names may object, apply for repair, sign a commitment
    # or declare (anonymously too); nobody is refused, the anonymous proof shows it.
    ("POST", "/credit/objections"): Rule(ANYONE, ANONYMOUS),
    ("POST", "/credit/objections/{credit_objection}/answer"): Rule(BJ_SAMR, "bj-samr", HIDDEN),
    ("POST", "/credit/repairs"): Rule(ANYONE, ANONYMOUS),
    ("POST", "/credit/repairs/{credit_repair}/decision"): Rule(BJ_SAMR, "bj-samr", HIDDEN),
    ("POST", "/credit/commitments"): Rule(ANYONE, ANONYMOUS),
    ("POST", "/credit/commitments/{credit_commitment}/outcome"): Rule(BJ_SAMR, "bj-samr"),
    ("POST", "/credit/declarations"): Rule(ANYONE, ANONYMOUS),
    ("POST", "/water/sections"): Rule(BJ_OWNER, "bj-env"),
    ("PUT", "/water/sections/{water_section}/targets/2027"): Rule(BJ_OWNER, "bj-env"),
    ("POST", "/water/samples"): Rule(BJ_OWNER, "bj-env"),
    ("POST", "/water/samples.csv"): Rule(BJ_OWNER, "bj-env"),
    ("POST", "/water/incidents"): Rule(INCIDENT_ACTORS | OFFICE, "he-env"),
    ("POST", "/water/incidents/{water_incident}/acknowledge"): Rule(
        INCIDENT_ACTORS | OFFICE, "he-env", NOT_TOLD
    ),
    ("POST", "/water/incidents/{water_incident}/consultation"): Rule(OFFICE, "office", NOT_TOLD),
    ("POST", "/water/incidents/{water_incident}/answers"): Rule(
        INCIDENT_ACTORS, "bj-env", NOT_TOLD
    ),
    ("POST", "/water/incidents/{water_incident}/consultation/conclude"): Rule(
        OFFICE, "office", NOT_TOLD
    ),
    ("POST", "/water/incidents/{water_incident}/samplings"): Rule(
        INCIDENT_ACTORS | OFFICE, "he-env", NOT_TOLD
    ),
    ("POST", "/water/incidents/{water_incident}/measures"): Rule(
        INCIDENT_ACTORS | OFFICE, "bj-env", NOT_TOLD
    ),
    ("POST", "/water/incidents/{water_incident}/close"): Rule(BJ_ADMIN, "office", NOT_TOLD),
    ("POST", "/sources/enterprises"): Rule(BJ_OWNER, "bj-env"),
    ("POST", "/sources/enterprises/{sources_enterprise}/outlets"): Rule(BJ_OWNER, "bj-env"),
    ("POST", "/sources/outlets/{sources_outlet}/loggers"): Rule(BJ_OWNER, "bj-env"),
    ("PUT", "/sources/outlets/{sources_outlet}/factors/w21003"): Rule(BJ_OWNER, "bj-env"),
    ("POST", "/sources/parks"): Rule(OFFICE, "office"),
    ("POST", "/sources/cases"): Rule(BJ_OWNER, "bj-env", EVENT_UNSEEN),
    ("POST", "/sources/cases/{sources_case_b}/tasks"): Rule(BJ_OWNER, "bj-env", NOT_INVOLVED),
    ("POST", "/sources/cases/{sources_case}/tasks/{sources_task}/complete"): Rule(
        BJ_OWNER, "bj-env", NOT_INVOLVED
    ),
    ("POST", "/sources/cases/{sources_case}/close"): Rule(BJ_OWNER, "bj-env", NOT_INVOLVED),
    ("POST", "/sources/cases/{sources_case_b}/jurisdictions"): Rule(OFFICE, "office", NOT_INVOLVED),
    # An event at a port no persona operates: the office records any event (corrections).
    ("POST", "/ports/events"): Rule(OFFICE, "office"),
    ("POST", "/ports/edifact"): Rule(OFFICE, "office"),
    # a steward records its own organisation's orders; the office any organisation's
    ("POST", "/ports/orders"): Rule(frozenset({"office", "bj-env"}), "bj-env"),
    # DCSA subscriptions belong to an organisation (or the office): province administrators
    # have none; the Beijing ecology bureau's subscription is its own alone.
    ("POST", "/ports/dcsa/v2/event-subscriptions"): Rule(
        EVERYONE - {"bj-admin", "tj-admin", "he-admin"}, "bj-env"
    ),
    ("PUT", "/ports/dcsa/v2/event-subscriptions/{ports_subscription}"): Rule(
        frozenset({"bj-env"}), "bj-env"
    ),
    ("PUT", "/ports/dcsa/v2/event-subscriptions/{ports_subscription}/secret"): Rule(
        frozenset({"bj-env"}), "bj-env"
    ),
    ("DELETE", "/ports/dcsa/v2/event-subscriptions/{ports_subscription}"): Rule(
        frozenset({"bj-env"}), "bj-env"
    ),
    # made anonymously: withdrawn by the office or the subject's province administrator
    ("POST", "/credit/declarations/{credit_declaration}/withdraw"): Rule(BJ_ADMIN, "bj-admin"),
    # Applying is for analysts and stewards of other organisations; the owner is told it reads
    # the dataset already.
    ("POST", "/access-requests"): Rule(
        EVERYONE - {"office", "bj-admin", "tj-admin", "he-admin"}, "tj-env", {"bj-env": 422}
    ),
    ("POST", "/tokens"): Rule(EVERYONE, "bj-env"),  # a user's own tokens
    ("POST", "/me/password"): Rule(EVERYONE),  # one's own (a change revokes the sessions)
    ("POST", "/users/bj-stats/deactivate"): Rule(BJ_ADMIN, "bj-admin"),
    # the deactivation revoked bj-stats' tokens: from then on it is anonymous
    ("POST", "/users/bj-stats/reactivate"): Rule(BJ_ADMIN, "bj-admin", {"bj-stats": 401}),
    ("POST", "/users/bj-stats/password"): Rule(BJ_ADMIN, "bj-admin", {"bj-stats": 401}),
}

# GET paths (as in operations.reads) -> (who may read, refusals other than 401/403)
READ_RULES: dict[str, tuple[frozenset[str], dict[str, int]]] = {
    # province administrators read their own province's entries
    "/audit/entries": (frozenset({"office", "bj-admin", "tj-admin", "he-admin"}), {}),
    "/audit/verify": (OFFICE, {}),
    "/me": (EVERYONE, {}),
    "/tokens": (EVERYONE, {}),
    "/users": (frozenset({"office", "bj-admin", "tj-admin", "he-admin"}), {}),
    "/jobs": (OFFICE, {}),
    "/datasets/BJ-STATS-HOUSEHOLD-SURVEY": (EVERYONE, {}),
    "/datasets/BJ-STATS-HOUSEHOLD-SURVEY/access": (EVERYONE, {}),
    "/datasets/BJ-STATS-HOUSEHOLD-SURVEY/records": (frozenset({"office", "bj-stats"}), {}),
    # he-analyst holds a grant on it
    "/datasets/BJ-ENV-PENALTY/records": (BJ_OWNER | {"he-analyst"}, {}),
    "/datasets/BJ-ENV-PERMIT/records": (EVERYONE, {}),
    "/datasets/TJ-ENV-COMPLAINTS/records": (frozenset({"office", "tj-env"}), {}),
    # the demo's approved request gives he-analyst (he_drc) a grant
    "/datasets/TJ-ENV-ONLINE-MONITORING/records": (
        frozenset({"office", "tj-admin", "tj-env", "he-analyst"}),
        {},
    ),
    "/datasets/HE-STATS-CENSUS-MICRO/records": (OFFICE, {}),  # the Hebei statistics bureau's
    "/datasets/BJ-STATS-HOUSEHOLD-SURVEY/download.csv": (frozenset({"office", "bj-stats"}), {}),
    "/datasets/TJ-ENV-ONLINE-MONITORING/download.jsonl": (
        frozenset({"office", "tj-admin", "tj-env", "he-analyst"}),
        {},
    ),
    "/datasets/HE-STATS-CENSUS-MICRO/download.parquet": (OFFICE, {}),
    "/datasets/BJ-ENV-PERMIT": (EVERYONE, {}),
    "/access-requests": (EVERYONE, {}),
    # the owner's side and the requester's side (tj-analyst of tj_drc, Tianjin's administrator)
    "/access-requests/{pending_request}": (
        BJ_OWNER | {"tj-analyst", "tj-admin"},
        {p: 404 for p in USERS},
    ),
    "/access-grants": (EVERYONE, {}),
    "/access-grants/{grant}": (BJ_OWNER | {"he-analyst", "he-admin"}, {p: 404 for p in USERS}),
    "/air/stations/1001A/observations": (BJ_OWNER, {}),
    "/air/export?kind=raw&station=1001A": (BJ_OWNER, {}),
    "/warnings/webhooks": (OFFICE, {}),
    "/warnings/webhooks/dead-letters": (OFFICE, {}),
    # a warning in consultation is not published: the public does not learn it exists
    "/warnings/{warning}": (EVERYONE, {ANONYMOUS: 404}),
    # a pending record is restricted: nobody else learns it exists
    "/credit/records/{credit_pending}": (BJ_SAMR, {p: 404 for p in PERSONAS}),
    # the desks and queues: each agency member its own scope (an analyst an empty one)
    "/credit/objections": (EVERYONE, {}),
    "/credit/objections/{credit_objection}": (BJ_SAMR, HIDDEN),
    "/credit/repairs": (EVERYONE, {}),
    "/credit/repairs/{credit_repair}": (BJ_SAMR, HIDDEN),
    "/credit/commitments": (EVERYONE, {}),
    "/credit/publication/queue": (EVERYONE, {}),
    "/credit/publication/timeliness": (EVERYONE, {}),
    # the joint check refuses the public with a 403 (policy.may_run_joint_check), not a 401
    "/credit/check?uscc={credit_uscc}&purpose=procurement": (EVERYONE, {ANONYMOUS: 403}),
    "/water/incidents/{water_incident}": (INCIDENT_READERS, NOT_TOLD),
    # a batch is its sender's and the office's: nobody else learns it exists
    "/water/ingestions/{water_ingestion}": (frozenset({"office", "bj-env"}), HIDDEN),
    # a DCSA subscription: its organisation's alone (the office's reach does not extend to it)
    "/ports/dcsa/v2/event-subscriptions/{ports_subscription}": (frozenset({"bj-env"}), {}),
    # the Beijing enterprise's logger and data: Tianjin gets an audited 403
    "/sources/loggers/{sources_mn}": (SOURCE_DATA_READERS, {}),
    "/sources/values?enterprise={sources_enterprise}": (SOURCE_DATA_READERS, {}),
    "/sources/values/export?enterprise={sources_enterprise}&cn=2061&"
    "start=2026-06-10T08:00&end=2026-06-11T08:00": (SOURCE_DATA_READERS, {}),
    "/sources/outlets/{sources_outlet}/series?cn=2061": (SOURCE_DATA_READERS, {}),
    "/sources/cases/{sources_case}": (SOURCE_READERS, NOT_INVOLVED),
    # the lists: each member its own scope (empty for Tianjin)
    "/sources/cases": (EVERYONE, {}),
    "/sources/exceedances": (EVERYONE, {}),
}


def _expected(persona: str, refusals: dict[str, int]) -> int:
    return refusals.get(persona, 401 if persona == ANONYMOUS else 403)


def _unlisted_writes(client: TestClient, operations: list[Write], world: World) -> list[str]:
    """Write operations of the OpenAPI document that no listed request exercises."""
    spec = client.get("/api/v1/openapi.json").json()
    sent = [(w.method, w.url(world)) for w in operations]
    missing = []
    for path, methods in spec["paths"].items():
        pattern = re.compile(re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)) + "$")
        for method in methods:
            if method.upper() not in {"POST", "PUT", "PATCH", "DELETE"}:
                continue
            if (method.upper(), path) in NOT_WRITES:
                continue
            if not any(m == method.upper() and pattern.match(url) for m, url in sent):
                missing.append(f"{method.upper()} {path}")
    return missing


def test_no_persona_writes_what_it_may_not(
    client: TestClient, session_factory: sessionmaker[Session], people: People, engine: Engine
) -> None:
    world = build_world(client, session_factory, people)
    operations = writes(world)
    unlisted = _unlisted_writes(client, operations, world)
    assert not unlisted, f"write operations missing from tests/security/operations.py: {unlisted}"
    wrong: list[str] = []
    attempts = 0
    for write in operations:
        rule = WRITE_RULES[(write.method, write.path)]
        before = table_digests(engine)
        for persona in PERSONAS:
            if persona in rule.allowed:
                continue
            attempts += 1
            response = write.send(world, persona)
            expected = _expected(persona, rule.refusals)
            if response.status_code != expected or not is_problem(response):
                wrong.append(
                    f"{write.method} {write.path} by {persona}: {response.status_code} "
                    f"(expected {expected} problem+json) {response.text[:200]}"
                )
        changed = changed_tables(before, table_digests(engine))
        if changed:
            wrong.append(f"{write.method} {write.path}: refused requests changed {changed}")
        if rule.proof is not None:
            response = write.send(world, rule.proof)
            if not 200 <= response.status_code < 300:
                wrong.append(
                    f"{write.method} {write.path} by {rule.proof} (allowed) was not valid: "
                    f"{response.status_code} {response.text[:200]}"
                )
    print(f"\nauthorisation matrix: {attempts} refused writes over {len(operations)} operations")
    assert not wrong, "\n".join(wrong)
    assert attempts >= ISSUE_WRITES


def test_no_persona_reads_what_it_may_not(
    client: TestClient, session_factory: sessionmaker[Session], people: People, engine: Engine
) -> None:
    world = build_world(client, session_factory, people)
    paths = reads()
    assert set(paths) == set(READ_RULES), set(paths) ^ set(READ_RULES)
    wrong: list[str] = []
    refused = 0
    before = table_digests(engine)
    for path in paths:
        allowed, refusals = READ_RULES[path]
        for persona in PERSONAS:
            response = world.call(persona, "GET", "/api/v1" + path.format(**world.ids))
            if persona in allowed:
                if response.status_code != 200:
                    wrong.append(f"GET {path} by {persona} (allowed): {response.status_code}")
                continue
            refused += 1
            expected = _expected(persona, refusals)
            if response.status_code != expected or not is_problem(response):
                wrong.append(
                    f"GET {path} by {persona}: {response.status_code} (expected {expected} "
                    f"problem+json) {response.text[:200]}"
                )
    changed = changed_tables(before, table_digests(engine))
    assert not changed, f"reads changed {changed}"
    print(f"\nauthorisation matrix: {refused} refused reads over {len(paths)} paths")
    assert not wrong, "\n".join(wrong)
    assert refused >= ISSUE_READS
