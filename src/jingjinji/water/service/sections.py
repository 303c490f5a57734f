"""Monitoring sections, their yearly targets and the river network (walk up and downstream)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.errors import InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, check_limit, paginate
from jingjinji.regions import service as regions
from jingjinji.security import Actor, ensure_can_write, province_of
from jingjinji.water.models import Section, SectionKind, SectionTarget
from jingjinji.water.schemas.sections import SectionIn

#: Kinds of section whose exceedance concerns a neighbour (the linkage watches these).
LINKED_KINDS = frozenset({SectionKind.CROSS_BORDER.value, SectionKind.INTO_SEA.value})


def get_section(session: Session, *, code: str) -> Section:
    row = session.get(Section, code) if isinstance(code, str) and len(code) <= 20 else None
    if row is None:
        raise NotFound(msg("no monitoring section {code}", code=repr(code)))
    return row


def sections_by_code(session: Session, *, codes: Iterable[str]) -> dict[str, Section]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    return {s.code: s for s in session.scalars(select(Section).where(Section.code.in_(wanted)))}


def all_sections(session: Session) -> list[Section]:
    """Every active section (a few hundred at most in a region: the network is drawn whole)."""
    return list(
        session.scalars(select(Section).where(Section.active.is_(True)).order_by(Section.code))
    )


def list_sections(
    session: Session,
    *,
    jurisdiction: str | None = None,
    kind: str | None = None,
    river_system: str | None = None,
    basin: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Paged[Section]:
    """Sections by code; ``jurisdiction`` matches the monitoring province or either side of a
    border (a province code such as 130000)."""
    stmt = select(Section).where(Section.active.is_(True))
    if jurisdiction:
        if not regions.known_jurisdictions(session, codes=[jurisdiction]):
            raise InvalidInput(
                msg("unknown jurisdiction {jurisdiction}", jurisdiction=repr(jurisdiction)),
                errors=[field_error(["query", "jurisdiction"], msg("not a jurisdiction code"))],
            )
        province = province_of(jurisdiction)
        stmt = stmt.where(
            Section.jurisdiction_code.in_(regions.descendants(session, code=province) | {province})
            | (Section.upstream_jurisdiction_code == province)
            | (Section.downstream_jurisdiction_code == province)
        )
    if kind:
        stmt = stmt.where(Section.kind == kind)
    if river_system:
        stmt = stmt.where(Section.river_system == river_system)
    if basin:
        stmt = stmt.where(Section.basin == basin)
    return paginate(session, stmt, Section.code, cursor=cursor, limit=check_limit(limit))


def _check_jurisdictions(session: Session, data: SectionIn) -> None:
    fields = {
        "jurisdiction_code": data.jurisdiction_code,
        "upstream_jurisdiction_code": data.upstream_jurisdiction_code,
        "downstream_jurisdiction_code": data.downstream_jurisdiction_code,
    }
    known = regions.known_jurisdictions(session, codes=fields.values())
    bad = [name for name, code in fields.items() if code is not None and code not in known]
    if bad:
        raise InvalidInput(
            msg("unknown jurisdiction"),
            errors=[
                field_error(
                    ["body", name], msg("unknown jurisdiction {code}", code=repr(fields[name]))
                )
                for name in bad
            ],
        )
    if data.kind is SectionKind.CROSS_BORDER and not (
        data.upstream_jurisdiction_code and data.downstream_jurisdiction_code
    ):
        raise InvalidInput(
            msg("a cross-border section names the jurisdictions on both sides of the border"),
            errors=[
                field_error(
                    ["body", "upstream_jurisdiction_code"], msg("required for cross_border")
                ),
                field_error(
                    ["body", "downstream_jurisdiction_code"], msg("required for cross_border")
                ),
            ],
        )
    if data.organisation_id is not None:
        org = regions.get_organisation_or_none(session, organisation_id=data.organisation_id)
        if org is None or province_of(org.jurisdiction_code) != province_of(data.jurisdiction_code):
            raise InvalidInput(
                msg(
                    "the monitoring organisation must be an organisation of the section's "
                    "jurisdiction"
                ),
                errors=[field_error(["body", "organisation_id"], msg("not an organisation there"))],
            )


def _check_downstream(session: Session, code: str, downstream: str | None) -> None:
    """The next section downstream exists and the network stays acyclic."""
    if downstream is None:
        return
    loc: list[str | int] = ["body", "downstream_section_code"]
    if downstream == code:
        raise InvalidInput(
            msg("a section cannot flow into itself"), errors=[field_error(loc, msg("self"))]
        )
    if session.get(Section, downstream) is None:
        raise InvalidInput(
            msg("no monitoring section {downstream}", downstream=repr(downstream)),
            errors=[field_error(loc, msg("unknown section"))],
        )
    if any(s.code == code for s in downstream_path(session, code=downstream)):
        raise InvalidInput(
            msg(
                "{downstream} is upstream of {code}: the river network would have a loop",
                downstream=repr(downstream),
                code=repr(code),
            ),
            errors=[field_error(loc, msg("would make a loop"))],
        )


def save_section(session: Session, *, actor: Actor | None, data: SectionIn) -> Section:
    """Register a section or replace its description (idempotent by code). The monitoring
    agency's stewards, its province's administrator and the office may; others get an audited
    403."""
    actor = ensure_can_write(
        session,
        actor,
        action="water.section.save",
        object_type="water_section",
        object_id=data.code,
        jurisdiction_code=data.jurisdiction_code,
        organisation_id=data.organisation_id,
    )
    _check_jurisdictions(session, data)
    _check_downstream(session, data.code, data.downstream_section_code)
    row = session.get(Section, data.code)
    created = row is None
    if row is None:
        row = Section(code=data.code)
        session.add(row)
    else:
        # The agency that monitors it now must also have written it before.
        ensure_can_write(
            session,
            actor,
            action="water.section.save",
            object_type="water_section",
            object_id=data.code,
            jurisdiction_code=row.jurisdiction_code,
            organisation_id=row.organisation_id,
        )
    for name, value in data.model_dump().items():
        setattr(row, name, value.value if hasattr(value, "value") else value)
    row.active = True
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="water.section.create" if created else "water.section.update",
        object_type="water_section",
        object_id=row.code,
        jurisdiction_code=row.jurisdiction_code,
    )
    return row


def set_target(
    session: Session, *, actor: Actor | None, code: str, year: int, target_class: int
) -> SectionTarget:
    """Set a section's target class for a year (the office or the monitoring province)."""
    section = get_section(session, code=code)
    actor = ensure_can_write(
        session,
        actor,
        action="water.target.set",
        object_type="water_section",
        object_id=code,
        jurisdiction_code=section.jurisdiction_code,
        organisation_id=section.organisation_id,
    )
    if not 1 <= target_class <= 5 or not 1900 <= year <= 2200:
        raise InvalidInput(
            msg("a target is a class 1-5 for a year"),
            errors=[field_error(["body", "target_class"], msg("choose 1 to 5"))],
        )
    row = session.get(SectionTarget, (code, year))
    if row is None:
        row = SectionTarget(section_code=code, year=year, target_class=target_class)
        session.add(row)
    row.target_class = target_class
    row.set_by = actor.username
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="water.target.set",
        object_type="water_section",
        object_id=code,
        jurisdiction_code=section.jurisdiction_code,
        detail={"year": year, "target_class": target_class},
    )
    return row


def targets_for(
    session: Session, *, year: int, codes: Iterable[str] | None = None
) -> dict[str, int]:
    """Target class by section code for ``year``; a section without a target for that year
    takes its latest earlier one (targets are set once per plan period and carried forward)."""
    stmt = select(SectionTarget).where(SectionTarget.year <= year)
    if codes is not None:
        stmt = stmt.where(SectionTarget.section_code.in_(sorted(set(codes))))
    found: dict[str, tuple[int, int]] = {}
    for row in session.scalars(stmt):
        if row.section_code not in found or found[row.section_code][0] < row.year:
            found[row.section_code] = (row.year, row.target_class)
    return {code: target for code, (_, target) in found.items()}


def downstream_path(session: Session, *, code: str) -> list[Section]:
    """The sections below ``code`` in flow order (not ``code`` itself)."""
    network = {s.code: s for s in all_sections(session)}
    path: list[Section] = []
    seen = {code}
    current = network.get(code)
    while current is not None and current.downstream_section_code not in (None, *seen):
        nxt = network.get(current.downstream_section_code or "")
        if nxt is None:
            break
        path.append(nxt)
        seen.add(nxt.code)
        current = nxt
    return path


def upstream_sections(session: Session, *, code: str) -> list[Section]:
    """Every section whose water reaches ``code``, nearest first (breadth-first up the tree)."""
    network = all_sections(session)
    feeding: dict[str, list[Section]] = {}
    for s in network:
        if s.downstream_section_code:
            feeding.setdefault(s.downstream_section_code, []).append(s)
    found: list[Section] = []
    seen = {code}
    queue = deque([code])
    while queue:
        for s in feeding.get(queue.popleft(), []):
            if s.code not in seen:
                seen.add(s.code)
                found.append(s)
                queue.append(s.code)
    return found
