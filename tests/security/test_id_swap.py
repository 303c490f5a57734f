"""The id-swapping sweep, kept as a test: every persona addresses every object of a kind by its id
(its own, its province's, the others'), and each answer is the one an independent statement of
the rule expects. Issue 10's attack found 0 differences in 396 requests; this makes more."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.accounts.models import ApiToken, User
from jingjinji.catalog.models import AccessEvent, AccessRequest, Dataset
from jingjinji.progress.models import IndicatorValue
from jingjinji.regions.models import Organisation
from jingjinji.sources.models import Case, CaseJurisdiction, Enterprise, Logger, Outlet
from jingjinji.timezone import china_today
from tests.conftest import People
from tests.security.support import (
    ANONYMOUS,
    PERSONAS,
    World,
    build_world,
    changed_tables,
    table_digests,
)
from tests.sources.conftest import build_registry

ISSUE_SWAPS = 396


class Rule:
    """Who is who, from the data: a persona's organisation and province, an organisation's
    province. Stated here on its own, not through the code under test."""

    def __init__(self, world: World) -> None:
        with world.factory() as session:
            self.org_province = {
                o.id: o.jurisdiction_code[:2] + "0000"
                for o in session.scalars(select(Organisation))
            }
        self.people = world.people

    def member(self, persona: str, organisation_id: int) -> bool:
        return self.people[persona].organisation_id == organisation_id

    def administers(self, persona: str, organisation_id: int) -> bool:
        """The office; a member of the organisation; its province's administrator."""
        actor = self.people[persona]
        if actor.is_office_admin or self.member(persona, organisation_id):
            return True
        province = actor.jurisdiction_code
        return (
            actor.role.value == "jurisdiction_admin"
            and province is not None
            and self.org_province[organisation_id] == province
        )

    def province(self, persona: str) -> str | None:
        """The persona's province: its organisation's, else its own (None: the office)."""
        actor = self.people[persona]
        if actor.organisation_id is not None:
            return self.org_province[actor.organisation_id]
        code = actor.jurisdiction_code
        return None if code is None else code[:2] + "0000"


def _check(
    world: World, url: str, persona: str, expected: int, wrong: list[str], method: str = "GET"
) -> None:
    response = world.call(persona, method, url)
    if response.status_code != expected:
        wrong.append(f"{method} {url} by {persona}: {response.status_code}, expected {expected}")


def _sweep_access_requests(world: World, rule: Rule, wrong: list[str]) -> int:
    """A request is the owner's side's and the requester's side's business: others get a 404."""
    with world.factory() as session:
        rows = session.execute(
            select(
                AccessRequest.id,
                AccessRequest.requester_organisation_id,
                Dataset.owner_organisation_id,
            ).join(Dataset, Dataset.id == AccessRequest.dataset_id)
        ).all()
    for request_id, requester, owner in rows:
        for persona in PERSONAS:
            if persona == ANONYMOUS:
                expected = 401
            elif rule.administers(persona, owner) or rule.administers(persona, requester):
                expected = 200
            else:
                expected = 404
            _check(world, f"/api/v1/access-requests/{request_id}", persona, expected, wrong)
    return len(rows) * len(PERSONAS)


def _sweep_records(world: World, rule: Rule, wrong: list[str]) -> int:
    """Records of a dataset that is not for everyone: not_shared ones are the owner
    organisation's and the office's; conditional ones also its province's administrator's and
    those of an organisation holding a grant (an approved request, still running)."""
    # The grants' periods are China dates, as the platform reads them (UTC's date differs from
    # 16:00 to 24:00 UTC).
    today = china_today()
    with world.factory() as session:
        datasets = session.execute(
            select(Dataset.id, Dataset.code, Dataset.owner_organisation_id, Dataset.sharing_class)
            .where(Dataset.sharing_class.in_(("conditional", "not_shared")))
            .order_by(Dataset.code)
        ).all()
        granted = {
            (dataset_id, org)
            for dataset_id, org in session.execute(
                select(AccessRequest.dataset_id, AccessRequest.requester_organisation_id).where(
                    AccessRequest.status == "approved",
                    AccessRequest.period_start <= today,
                    AccessRequest.period_end >= today,
                )
            )
        }
        # Grants without a request: a linked case's grant of an enterprise's rows (the rows
        # themselves are checked in tests/sources/test_case_grants.py).
        granted |= {
            (dataset_id, org)
            for dataset_id, org in session.execute(
                select(AccessEvent.dataset_id, AccessEvent.organisation_id).where(
                    AccessEvent.kind == "granted",
                    AccessEvent.request_id.is_(None),
                    AccessEvent.period_start <= today,
                    AccessEvent.period_end >= today,
                )
            )
        }
    for dataset_id, code, owner, sharing in datasets:
        for persona in PERSONAS:
            if persona == ANONYMOUS:
                expected = 401
            elif sharing == "not_shared":
                office = world.people[persona].is_office_admin
                expected = 200 if office or rule.member(persona, owner) else 403
            else:
                org = world.people[persona].organisation_id
                allowed = rule.administers(persona, owner) or (dataset_id, org) in granted
                expected = 200 if allowed else 403
            # The CSV page and the downloads read through the same access: the same answer.
            for suffix in ("records", "records.csv", "download.csv", "download.parquet"):
                _check(world, f"/api/v1/datasets/{code}/{suffix}", persona, expected, wrong)
    return 4 * len(datasets) * len(PERSONAS)


def _sweep_tokens(world: World, wrong: list[str]) -> int:
    """Nobody but its user (and the office) revokes a token."""
    with world.factory() as session:
        tokens = session.execute(
            select(ApiToken.id, User.username).join(User, User.id == ApiToken.user_id)
        ).all()
    sent = 0
    for token_id, owner in tokens:
        for persona in PERSONAS:
            if persona in {owner, "office"}:
                continue
            expected = 401 if persona == ANONYMOUS else 403
            _check(world, f"/api/v1/tokens/{token_id}", persona, expected, wrong, "DELETE")
            sent += 1
    return sent


def _sweep_values(world: World, wrong: list[str]) -> int:
    """Tianjin's indicator values: no one of another province, nor an analyst, deletes one."""
    outsiders = [
        *("bj-admin", "bj-env", "bj-stats", "bj-analyst"),
        *("he-admin", "he-env", "he-analyst", "tj-analyst", ANONYMOUS),
    ]
    with world.factory() as session:
        ids = session.scalars(
            select(IndicatorValue.id)
            .where(IndicatorValue.jurisdiction_code == "120000")
            .order_by(IndicatorValue.id)
            .limit(12)
        ).all()
    for value_id in ids:
        for persona in outsiders:
            expected = 401 if persona == ANONYMOUS else 403
            _check(world, f"/api/v1/progress/values/{value_id}", persona, expected, wrong, "DELETE")
    return len(ids) * len(outsiders)


def _involved(world: World) -> tuple[dict[int, set[str]], dict[int, set[int]]]:
    """Provinces involved per case, and per enterprise the organisations holding a case's
    catalog grant on its data that is not revoked."""
    by_case: dict[int, set[str]] = {}
    by_enterprise: dict[int, set[int]] = {}
    with world.factory() as session:
        rows = session.execute(
            select(Case.id, Case.enterprise_id, CaseJurisdiction.jurisdiction_code, AccessEvent)
            .join(CaseJurisdiction, CaseJurisdiction.case_id == Case.id)
            .outerjoin(AccessEvent, AccessEvent.id == CaseJurisdiction.grant_id)
        ).all()
        revoked = set(
            session.scalars(
                select(AccessEvent.revokes_event_id).where(AccessEvent.kind == "revoked")
            )
        )
    for case_id, enterprise_id, code, grant in rows:
        by_case.setdefault(case_id, set()).add(code)
        if grant is not None and grant.id not in revoked:
            by_enterprise.setdefault(enterprise_id, set()).add(grant.organisation_id)
    return by_case, by_enterprise


def _reads_data(rule: Rule, persona: str, owner: str, granted: set[int]) -> bool:
    """The office; a member of the owning province; a member of an organisation holding a
    case's grant on the enterprise's data."""
    if rule.people[persona].is_office_admin:
        return True
    province = rule.province(persona)
    if province is not None and province == owner[:2] + "0000":
        return True
    return rule.people[persona].organisation_id in granted


def _sweep_sources(world: World, rule: Rule, wrong: list[str]) -> int:
    """Enforcement cases (outsiders: 404), data loggers by MN and an enterprise's values
    (outsiders: 403), by every persona."""
    by_case, by_enterprise = _involved(world)
    with world.factory() as session:
        loggers = session.execute(
            select(Logger.mn, Enterprise.id, Enterprise.jurisdiction_code)
            .join(Outlet, Outlet.id == Logger.outlet_id)
            .join(Enterprise, Enterprise.id == Outlet.enterprise_id)
            .order_by(Logger.mn)
        ).all()
        enterprises = session.execute(
            select(Enterprise.id, Enterprise.jurisdiction_code).order_by(Enterprise.id)
        ).all()
    sent = 0
    for persona in PERSONAS:
        office = persona != ANONYMOUS and rule.people[persona].is_office_admin
        province = None if persona == ANONYMOUS else rule.province(persona)
        for case_id, involved in by_case.items():
            if persona == ANONYMOUS:
                expected = 401
            else:
                expected = 200 if office or province in involved else 404
            _check(world, f"/api/v1/sources/cases/{case_id}", persona, expected, wrong)
        targets = [
            (f"/api/v1/sources/loggers/{mn}", enterprise, owner)
            for mn, enterprise, owner in loggers
        ] + [
            (f"/api/v1/sources/values?enterprise={enterprise}", enterprise, owner)
            for enterprise, owner in enterprises
        ]
        for url, enterprise, owner in targets:
            if persona == ANONYMOUS:
                expected = 401
            else:
                readable = _reads_data(rule, persona, owner, by_enterprise.get(enterprise, set()))
                expected = 200 if readable else 403
            _check(world, url, persona, expected, wrong)
        sent += len(by_case) + len(targets)
    return sent


def test_swapped_ids_get_the_expected_answer(
    client: TestClient, session_factory: sessionmaker[Session], people: People, engine: Engine
) -> None:
    world = build_world(client, session_factory, people)
    with session_factory() as session:  # enterprises of each province besides Beijing's
        build_registry(session, people["office"])
        session.commit()
    rule = Rule(world)
    wrong: list[str] = []
    before = table_digests(engine)
    counts = {
        "access requests": _sweep_access_requests(world, rule, wrong),
        "records": _sweep_records(world, rule, wrong),
        "token revocations": _sweep_tokens(world, wrong),
        "value deletions": _sweep_values(world, wrong),
        "sources cases, loggers and values": _sweep_sources(world, rule, wrong),
    }
    changed = changed_tables(before, table_digests(engine))
    total = sum(counts.values())
    print(f"\nid swap: {total} requests ({counts})")
    assert not wrong, f"{len(wrong)} differences:\n" + "\n".join(wrong)
    assert not changed, f"the sweep changed {changed}"
    assert total >= ISSUE_SWAPS
