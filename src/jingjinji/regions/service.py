"""Jurisdictions and organisations."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.errors import Conflict, InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, paginate
from jingjinji.regions import uscc
from jingjinji.regions.models import Jurisdiction, Organisation
from jingjinji.regions.schemas import OrganisationIn
from jingjinji.security import Actor, ensure_can_write, province_of

REGION_DATA = "jingjinji.json"


def region_definition(name: str = REGION_DATA) -> dict[str, Any]:
    text = resources.files("jingjinji.regions").joinpath("data", name).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def load_region(session: Session, *, name: str = REGION_DATA) -> int:
    """Create or update the hierarchy from package data; returns the number of nodes."""
    data = region_definition(name)
    root = data["region"]
    count = 0

    def upsert(node: dict[str, Any], level: str, parent: str | None, order: int) -> None:
        nonlocal count
        row = session.get(Jurisdiction, node["code"])
        if row is None:
            row = Jurisdiction(code=node["code"])
            session.add(row)
        row.level = level
        row.name_zh = node["name_zh"]
        row.name_en = node["name_en"]
        row.parent_code = parent
        row.sort_order = order
        count += 1
        session.flush()
        for i, child in enumerate(node.get("children", [])):
            upsert(child, child["level"], node["code"], i)

    upsert(root, "region", None, 0)
    for i, node in enumerate(data["jurisdictions"]):
        upsert(node, node["level"], root["code"], i)
    return count


def region_code(session: Session) -> str:
    code = session.scalar(select(Jurisdiction.code).where(Jurisdiction.level == "region"))
    if code is None:
        raise NotFound(msg("the region hierarchy is not loaded (run `jjj db init`)"))
    return code


def list_jurisdictions(
    session: Session, *, level: str | None = None, parent_code: str | None = None
) -> list[Jurisdiction]:
    stmt = select(Jurisdiction)
    if level:
        stmt = stmt.where(Jurisdiction.level == level)
    if parent_code:
        stmt = stmt.where(Jurisdiction.parent_code == parent_code)
    return list(session.scalars(stmt.order_by(Jurisdiction.code)))


def provinces(session: Session) -> list[Jurisdiction]:
    return list_jurisdictions(session, level="province")


def get_jurisdiction(session: Session, *, code: str) -> Jurisdiction:
    row = session.get(Jurisdiction, code)
    if row is None:
        raise NotFound(msg("no jurisdiction with code {code}", code=repr(code)))
    return row


def jurisdictions_by_code(session: Session, *, codes: Iterable[str]) -> dict[str, Jurisdiction]:
    """The jurisdictions with these codes, by code, in one statement; 404 for an unknown one."""
    wanted = set(codes)
    if not wanted:
        return {}
    stmt = select(Jurisdiction).where(Jurisdiction.code.in_(wanted))
    found = {row.code: row for row in session.scalars(stmt)}
    missing = sorted(wanted - set(found))
    if missing:
        raise NotFound(msg("no jurisdiction with code {missing}", missing=repr(missing[0])))
    return found


def jurisdiction_or_invalid(session: Session, *, code: str, loc: list[str | int]) -> Jurisdiction:
    row = session.get(Jurisdiction, code)
    if row is None:
        raise InvalidInput(
            msg("unknown jurisdiction code {code}", code=repr(code)),
            errors=[field_error(loc, msg("unknown jurisdiction code {code}", code=repr(code)))],
        )
    return row


@dataclass(frozen=True)
class Hierarchy:
    """The jurisdiction tree as read once: walk it as often as needed without a statement."""

    parents: dict[str, str | None]

    def ancestors(self, code: str) -> list[str]:
        """``code`` and every jurisdiction above it (nearest first)."""
        out: list[str] = []
        current: str | None = code
        while current is not None and current not in out:
            out.append(current)
            current = self.parents.get(current)
        return out

    def descendants(self, code: str) -> set[str]:
        """``code`` and every jurisdiction below it."""
        children: dict[str, list[str]] = {}
        for child, parent in self.parents.items():
            if parent is not None:
                children.setdefault(parent, []).append(child)
        found = {code}
        frontier = [code]
        while frontier:
            frontier = [
                c for parent in frontier for c in children.get(parent, []) if c not in found
            ]
            found.update(frontier)
        return found


def hierarchy(session: Session) -> Hierarchy:
    """Every jurisdiction's parent, in one statement: the hierarchy is a few dozen rows. Walking
    it one query per node cost the progress dashboard over a thousand statements, and reading it
    once per walk still 81; a caller that walks it repeatedly reads it once with this."""
    rows = session.execute(select(Jurisdiction.code, Jurisdiction.parent_code)).all()
    return Hierarchy({code: parent for code, parent in rows})


def ancestors(session: Session, *, code: str) -> list[str]:
    """``code`` and every jurisdiction above it (nearest first)."""
    return hierarchy(session).ancestors(code)


def descendants(session: Session, *, code: str) -> set[str]:
    """``code`` and every jurisdiction below it."""
    return hierarchy(session).descendants(code)


def known_jurisdictions(session: Session, *, codes: Iterable[str | None]) -> set[str]:
    """The codes among ``codes`` that name a jurisdiction."""
    wanted = {c for c in codes if c}
    if not wanted:
        return set()
    return set(session.scalars(select(Jurisdiction.code).where(Jurisdiction.code.in_(wanted))))


def name(row: Jurisdiction | Organisation, lang: str) -> str:
    return row.name_zh if lang.startswith("zh") else row.name_en


def validate_uscc(code: str, *, loc: list[str | int]) -> None:
    problem = uscc.validate(code)
    if problem is None:
        return
    extra: dict[str, Any] = {}
    if problem.position is not None:
        extra["position"] = problem.position
    if problem.expected is not None:
        extra["expected"] = problem.expected
    raise InvalidInput(
        msg("invalid Unified Social Credit Code: {message}", message=problem.message),
        errors=[field_error(loc, problem.message, **extra)],
    )


def create_organisation(
    session: Session, *, actor: Actor | None, data: OrganisationIn
) -> Organisation:
    jurisdiction = jurisdiction_or_invalid(
        session, code=data.jurisdiction_code, loc=["body", "jurisdiction_code"]
    )
    ensure_can_write(
        session,
        actor,
        action="organisation.create",
        object_type="organisation",
        object_id=data.uscc,
        jurisdiction_code=jurisdiction.code,
        # Only administrators create organisations; no organisation owns a new one.
        organisation_id=None,
    )
    validate_uscc(data.uscc, loc=["body", "uscc"])
    region_in_code = uscc.region_code(data.uscc)
    if province_of(region_in_code) != province_of(jurisdiction.code):
        raise InvalidInput(
            msg(
                "USCC region code {region_in_code} is not in jurisdiction {jurisdiction_code}",
                region_in_code=region_in_code,
                jurisdiction_code=jurisdiction.code,
            ),
            errors=[
                field_error(
                    ["body", "uscc"],
                    msg(
                        "positions 3-8 ({region_in_code}) name another province than jurisdiction "
                        "{jurisdiction_code}",
                        region_in_code=region_in_code,
                        jurisdiction_code=jurisdiction.code,
                    ),
                )
            ],
        )
    if session.scalar(select(Organisation.id).where(Organisation.uscc == data.uscc)):
        raise Conflict(msg("an organisation with USCC {uscc} exists already", uscc=data.uscc))
    org = Organisation(
        uscc=data.uscc,
        name_zh=data.name_zh,
        name_en=data.name_en,
        jurisdiction_code=jurisdiction.code,
        kind=data.kind,
    )
    session.add(org)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="organisation.create",
        object_type="organisation",
        object_id=org.id,
        jurisdiction_code=jurisdiction.code,
        detail={"uscc": org.uscc, "name_en": org.name_en},
    )
    return org


def get_organisation(session: Session, *, organisation_id: int) -> Organisation:
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound(
            msg("no organisation with id {organisation_id}", organisation_id=organisation_id)
        )
    return org


def organisations_by_id(session: Session, *, ids: Iterable[int]) -> dict[int, Organisation]:
    """The organisations with these ids, by id, in one statement (unknown ids are left out)."""
    wanted = set(ids)
    if not wanted:
        return {}
    stmt = select(Organisation).where(Organisation.id.in_(wanted))
    return {org.id: org for org in session.scalars(stmt)}


def get_organisation_or_none(session: Session, *, organisation_id: int) -> Organisation | None:
    return session.get(Organisation, organisation_id)


def find_organisation(
    session: Session, *, jurisdiction_code: str, kind: str
) -> Organisation | None:
    """The first organisation of a kind in a jurisdiction (e.g. its environment agency)."""
    return session.scalar(
        select(Organisation)
        .where(Organisation.jurisdiction_code == jurisdiction_code, Organisation.kind == kind)
        .order_by(Organisation.id)
        .limit(1)
    )


def _organisations_in(jurisdiction_code: str | None) -> Select[Organisation]:
    """Organisations within a jurisdiction; a provincial code includes its cities and
    districts, and no code means the whole region."""
    stmt = select(Organisation)
    if jurisdiction_code:
        stmt = stmt.where(
            Organisation.jurisdiction_code.startswith(
                jurisdiction_code[:2] if jurisdiction_code.endswith("0000") else jurisdiction_code
            )
        )
    return stmt


def list_organisations(
    session: Session, *, jurisdiction_code: str | None = None
) -> list[Organisation]:
    return list(session.scalars(_organisations_in(jurisdiction_code).order_by(Organisation.id)))


def organisations_page(
    session: Session, *, jurisdiction_code: str | None, cursor: str | None, limit: int
) -> Paged[Organisation]:
    """One page of organisations within a jurisdiction (unknown code: 404; the region code:
    every organisation), by id."""
    if jurisdiction_code and get_jurisdiction(session, code=jurisdiction_code).level == "region":
        jurisdiction_code = None
    stmt = _organisations_in(jurisdiction_code)
    return paginate(session, stmt, Organisation.id, cursor=cursor, limit=limit)


@dataclass(frozen=True)
class ProvinceOverview:
    """One provincial-level jurisdiction with its subdivisions and its organisations."""

    province: Jurisdiction
    subdivisions: list[Jurisdiction]
    organisations: list[Organisation]


def region_overview(session: Session) -> list[ProvinceOverview]:
    """Every provincial-level jurisdiction with its cities and districts and the organisations
    within it (at any level below)."""
    by_province: dict[str, list[Organisation]] = defaultdict(list)
    for org in list_organisations(session):
        by_province[province_of(org.jurisdiction_code)].append(org)
    return [
        ProvinceOverview(
            province=p,
            subdivisions=list_jurisdictions(session, parent_code=p.code),
            organisations=by_province.get(p.code, []),
        )
        for p in provinces(session)
    ]
