"""The data catalog: datasets, records, conditional access and the sharing report.

Sharing classes follow China's government data-sharing rules: 无条件共享 (``unconditional``),
有条件共享 (``conditional``) and 不予共享 (``not_shared``). A field is never more open than its
dataset. Access to conditional fields is granted to an organisation through an access request;
grants and revocations are append-only events from which current access is derived.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CursorResult,
    Select,
    case,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from jingjinji.audit import service as audit
from jingjinji.audit.models import AuditEntry
from jingjinji.catalog import workdays
from jingjinji.catalog.models import AccessEvent, AccessRequest, Dataset, DatasetField, Record
from jingjinji.catalog.rows import MAX_INTEGER, MIN_INTEGER, row_errors
from jingjinji.catalog.schemas import (
    SHARING_CLASSES,
    AccessRequestIn,
    AccessRequestOut,
    DatasetBody,
    DatasetIn,
    DatasetOut,
    DecisionIn,
    FieldOut,
    GrantOut,
    ReadAccessOut,
    RecordsPage,
    SharingReport,
    WithheldField,
)
from jingjinji.config import Settings, get_settings
from jingjinji.db import utcnow
from jingjinji.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    field_error,
)
from jingjinji.jobs import service as jobs
from jingjinji.pagination import check_limit, keyset, page_of
from jingjinji.regions import service as regions
from jingjinji.regions.models import Organisation
from jingjinji.security import (
    SYSTEM_ACTOR,
    Actor,
    Role,
    deny,
    ensure_can_write,
    ensure_role,
    may_write,
    province_of,
    require_actor,
)

# Lower is more open.
OPENNESS = {"unconditional": 0, "conditional": 1, "not_shared": 2}
OPEN_STATUSES = ("pending", "escalated")
ESCALATION_JOB = "catalog.escalate_overdue"

Box = Literal["mine", "to_decide", "escalated", "all"]


# --------------------------------------------------------------------------- record sources


class RecordReader(Protocol):
    """Reads rows of datasets whose data lives in another domain's tables."""

    def __call__(
        self,
        session: Session,
        *,
        dataset_code: str,
        filters: dict[str, str],
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]: ...


_record_sources: dict[str, RecordReader] = {}


def register_record_source(dataset_code_prefix: str, reader: RecordReader) -> None:
    """Serve the records of every dataset whose code starts with the prefix from ``reader``.

    The catalog still decides who reads which fields: it passes only filters on fields the
    reader may see and drops withheld fields from the rows the reader returns. The longest
    matching prefix wins. Records of such datasets cannot be written through the catalog.
    """
    if not dataset_code_prefix:
        raise ValueError("a record source needs a non-empty dataset code prefix")
    _record_sources[dataset_code_prefix] = reader


def record_source_for(dataset_code: str) -> RecordReader | None:
    matches = [p for p in _record_sources if dataset_code.startswith(p)]
    if not matches:
        return None
    return _record_sources[max(matches, key=len)]


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class DeadlinePolicy:
    working_days: int
    holidays: frozenset[dt.date]


def deadline_policy(settings: Settings | None = None) -> DeadlinePolicy:
    settings = settings or get_settings()
    return DeadlinePolicy(
        working_days=settings.decision_deadline_working_days,
        holidays=workdays.parse_dates(settings.holidays),
    )


def decision_deadline(submitted_at: dt.datetime, policy: DeadlinePolicy) -> dt.date:
    """Last day (Beijing calendar) on which a decision on a request submitted then is in time."""
    return workdays.add_working_days(
        workdays.local_date(submitted_at), policy.working_days, holidays=policy.holidays
    )


# --------------------------------------------------------------------------- datasets


def get_dataset(session: Session, *, code: str) -> Dataset:
    row = session.scalar(select(Dataset).where(Dataset.code == code))
    if row is None:
        raise NotFound(f"no dataset with code {code!r}")
    return row


def _owner_or_invalid(session: Session, organisation_id: int) -> Organisation:
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise InvalidInput(
            f"unknown organisation {organisation_id}",
            errors=[
                field_error(
                    ["body", "owner_organisation_id"], f"unknown organisation {organisation_id}"
                )
            ],
        )
    return org


def class_errors(data: DatasetBody) -> list[dict[str, Any]]:
    """Consistency of sharing classes: no field more open than its dataset; only
    unconditional datasets open to the public; field names unique."""
    errors: list[dict[str, Any]] = []
    if data.open_to_public and data.sharing_class != "unconditional":
        errors.append(
            field_error(
                ["body", "open_to_public"],
                f"only unconditional datasets can be open to the public; this one is "
                f"{data.sharing_class}",
            )
        )
    seen: set[str] = set()
    for i, f in enumerate(data.fields):
        if f.name in seen:
            errors.append(
                field_error(["body", "fields", i, "name"], f"field name {f.name!r} is used twice")
            )
        seen.add(f.name)
        if OPENNESS[f.sharing_class] < OPENNESS[data.sharing_class]:
            errors.append(
                field_error(
                    ["body", "fields", i, "sharing_class"],
                    f"a {f.sharing_class} field cannot be in a {data.sharing_class} dataset: "
                    "a field may not be more open than its dataset",
                )
            )
    return errors


def _raise_if(errors: list[dict[str, Any]], summary: str) -> None:
    if errors:
        raise InvalidInput(
            f"{summary}: " + "; ".join(str(e["msg"]) for e in errors[:3]), errors=errors
        )


def _apply_body(dataset: Dataset, data: DatasetBody, owner: Organisation) -> None:
    dataset.title_zh = data.title_zh
    dataset.title_en = data.title_en
    dataset.description_zh = data.description_zh
    dataset.description_en = data.description_en
    dataset.owner_organisation_id = owner.id
    dataset.jurisdiction_code = owner.jurisdiction_code
    dataset.province_code = province_of(owner.jurisdiction_code)
    dataset.domain = data.domain
    dataset.update_cycle = data.update_cycle
    dataset.sharing_class = data.sharing_class
    dataset.open_to_public = data.open_to_public
    existing = {f.name: f for f in dataset.fields}
    fields: list[DatasetField] = []
    for position, f in enumerate(data.fields):
        row = existing.get(f.name) or DatasetField(name=f.name)
        row.position = position
        row.type = f.type
        row.unit = f.unit
        row.description = f.description
        row.sharing_class = f.sharing_class
        fields.append(row)
    dataset.fields = fields


def _snapshot(dataset: Dataset) -> dict[str, Any]:
    return {
        "title_zh": dataset.title_zh,
        "title_en": dataset.title_en,
        "description_zh": dataset.description_zh,
        "description_en": dataset.description_en,
        "owner_organisation_id": dataset.owner_organisation_id,
        "domain": dataset.domain,
        "update_cycle": dataset.update_cycle,
        "sharing_class": dataset.sharing_class,
        "open_to_public": dataset.open_to_public,
        "fields": [
            [f.name, f.type, f.unit, f.description, f.sharing_class] for f in dataset.fields
        ],
    }


def create_dataset(session: Session, *, actor: Actor | None, data: DatasetIn) -> Dataset:
    owner = _owner_or_invalid(session, data.owner_organisation_id)
    actor = ensure_can_write(
        session,
        actor,
        action="catalog.dataset.create",
        object_type="dataset",
        object_id=data.code,
        jurisdiction_code=owner.jurisdiction_code,
        organisation_id=owner.id,
    )
    _raise_if(class_errors(data), "inconsistent sharing classes")
    if session.scalar(select(Dataset.id).where(Dataset.code == data.code)) is not None:
        raise Conflict(f"a dataset with code {data.code} exists already")
    now = utcnow()
    dataset = Dataset(code=data.code, created_at=now, updated_at=now)
    _apply_body(dataset, data, owner)
    session.add(dataset)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="catalog.dataset.create",
        object_type="dataset",
        object_id=dataset.code,
        jurisdiction_code=dataset.jurisdiction_code,
        detail={
            "sharing_class": dataset.sharing_class,
            "open_to_public": dataset.open_to_public,
            "fields": len(dataset.fields),
        },
    )
    return dataset


def update_dataset(
    session: Session, *, actor: Actor | None, code: str, data: DatasetBody
) -> Dataset:
    dataset = get_dataset(session, code=code)
    actor = ensure_can_write(
        session,
        actor,
        action="catalog.dataset.update",
        object_type="dataset",
        object_id=code,
        jurisdiction_code=dataset.jurisdiction_code,
        organisation_id=dataset.owner_organisation_id,
    )
    owner = _owner_or_invalid(session, data.owner_organisation_id)
    if owner.id != dataset.owner_organisation_id:
        ensure_can_write(
            session,
            actor,
            action="catalog.dataset.update",
            object_type="dataset",
            object_id=code,
            jurisdiction_code=owner.jurisdiction_code,
            organisation_id=owner.id,
        )
    errors = class_errors(data)
    has_records = (
        session.scalar(select(Record.id).where(Record.dataset_id == dataset.id).limit(1))
        is not None
    )
    if has_records:
        types = {f.name: f.type for f in dataset.fields}
        for i, f in enumerate(data.fields):
            if f.name in types and types[f.name] != f.type:
                errors.append(
                    field_error(
                        ["body", "fields", i, "type"],
                        f"the dataset holds records: field {f.name!r} stays {types[f.name]}",
                    )
                )
    _raise_if(errors, "invalid dataset update")
    before = _snapshot(dataset)
    _apply_body(dataset, data, owner)
    after = _snapshot(dataset)
    changed = sorted(k for k in after if after[k] != before[k])
    if not changed:
        return dataset
    dataset.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="catalog.dataset.update",
        object_type="dataset",
        object_id=dataset.code,
        jurisdiction_code=dataset.jurisdiction_code,
        detail={"changed": changed, "sharing_class": dataset.sharing_class},
    )
    return dataset


def ensure_dataset(session: Session, *, actor: Actor | None, data: DatasetIn) -> Dataset:
    """Create the dataset, or bring an existing one with this code up to ``data``.

    Idempotent: calling it again with the same data writes (and audits) nothing.
    """
    existing = session.scalar(select(Dataset.id).where(Dataset.code == data.code))
    if existing is None:
        return create_dataset(session, actor=actor, data=data)
    body = DatasetBody.model_validate(data.model_dump(exclude={"code"}))
    return update_dataset(session, actor=actor, code=data.code, data=body)


def metadata_visible(actor: Actor | None, dataset: Dataset) -> bool:
    """Logged-in users see every catalogue entry; anonymous visitors the open ones."""
    return actor is not None or dataset.open_to_public


def visible_dataset(session: Session, *, actor: Actor | None, code: str) -> Dataset:
    dataset = get_dataset(session, code=code)
    if not metadata_visible(actor, dataset):
        raise NotAuthenticated(f"log in to see dataset {code}")
    return dataset


def jurisdiction_clause(
    session: Session, code: str, *, loc: list[str | int]
) -> ColumnElement[bool] | None:
    """Datasets owned within a jurisdiction (a province, a prefecture or one unit)."""
    row = regions.jurisdiction_or_invalid(session, code=code, loc=loc)
    if row.level == "region":
        return None
    if row.level == "province":
        return Dataset.province_code == row.code
    if code.isdigit() and len(code) == 6 and code.endswith("00"):
        return Dataset.jurisdiction_code.startswith(code[:4])
    return Dataset.jurisdiction_code == row.code


def list_datasets(
    session: Session,
    *,
    actor: Actor | None,
    jurisdiction: str | None = None,
    owner_organisation_id: int | None = None,
    domain: str | None = None,
    sharing_class: str | None = None,
    open_to_public: bool | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Dataset], str | None]:
    stmt = select(Dataset)
    if jurisdiction:
        clause = jurisdiction_clause(session, jurisdiction, loc=["query", "jurisdiction"])
        if clause is not None:
            stmt = stmt.where(clause)
    if owner_organisation_id is not None:
        stmt = stmt.where(Dataset.owner_organisation_id == owner_organisation_id)
    if domain:
        stmt = stmt.where(Dataset.domain == domain)
    if sharing_class:
        if sharing_class not in SHARING_CLASSES:
            raise InvalidInput(
                f"unknown sharing class {sharing_class!r}",
                errors=[
                    field_error(["query", "sharing_class"], f"one of {', '.join(SHARING_CLASSES)}")
                ],
            )
        stmt = stmt.where(Dataset.sharing_class == sharing_class)
    if actor is None:
        stmt = stmt.where(Dataset.open_to_public.is_(True))
    elif open_to_public is not None:
        stmt = stmt.where(Dataset.open_to_public.is_(open_to_public))
    if q and q.strip():
        text = q.strip()
        stmt = stmt.where(
            or_(
                Dataset.code.icontains(text, autoescape=True),
                Dataset.title_zh.icontains(text, autoescape=True),
                Dataset.title_en.icontains(text, autoescape=True),
                Dataset.description_zh.icontains(text, autoescape=True),
                Dataset.description_en.icontains(text, autoescape=True),
            )
        )
    rows = session.scalars(keyset(stmt, Dataset.id, cursor=cursor, limit=limit)).all()
    return page_of(rows, limit=limit, key=lambda d: d.id)


def domains_in_use(session: Session) -> list[str]:
    return list(session.scalars(select(Dataset.domain).distinct().order_by(Dataset.domain)))


def dataset_out(session: Session, dataset: Dataset) -> DatasetOut:
    owner = regions.get_organisation(session, organisation_id=dataset.owner_organisation_id)
    return DatasetOut(
        id=dataset.id,
        code=dataset.code,
        title_zh=dataset.title_zh,
        title_en=dataset.title_en,
        description_zh=dataset.description_zh,
        description_en=dataset.description_en,
        owner_organisation_id=dataset.owner_organisation_id,
        owner_name_zh=owner.name_zh,
        owner_name_en=owner.name_en,
        jurisdiction_code=dataset.jurisdiction_code,
        province_code=dataset.province_code,
        domain=dataset.domain,
        update_cycle=dataset.update_cycle,
        sharing_class=dataset.sharing_class,
        open_to_public=dataset.open_to_public,
        record_source="registered" if record_source_for(dataset.code) else "catalog",
        fields=[FieldOut.model_validate(f) for f in dataset.fields],
        created_at=dataset.created_at,
        updated_at=dataset.updated_at,
    )


# --------------------------------------------------------------------------- read access


@dataclass(frozen=True)
class ReadAccess:
    """What one reader may read of one dataset, and why the rest is withheld."""

    dataset: Dataset
    readable: tuple[str, ...]
    withheld: tuple[WithheldField, ...]
    basis: str  # office_admin | owner | jurisdiction_admin | grant | unconditional | public
    cross_jurisdiction: bool

    def out(self) -> ReadAccessOut:
        return ReadAccessOut(
            dataset_code=self.dataset.code,
            readable_fields=list(self.readable),
            withheld_fields=list(self.withheld),
            basis=self.basis,
            cross_jurisdiction=self.cross_jurisdiction,
        )


def _today(now: dt.datetime | None = None) -> dt.date:
    return workdays.local_date(now or utcnow())


def _revoked_ids_clause() -> ColumnElement[bool]:
    revocation = aliased(AccessEvent)
    return ~exists().where(
        revocation.kind == "revoked", revocation.revokes_event_id == AccessEvent.id
    )


def current_grants(
    session: Session, *, dataset_id: int, organisation_id: int, today: dt.date | None = None
) -> list[AccessEvent]:
    """Grants of an organisation on a dataset in force today (not revoked, within period)."""
    today = today or _today()
    stmt = select(AccessEvent).where(
        AccessEvent.kind == "granted",
        AccessEvent.dataset_id == dataset_id,
        AccessEvent.organisation_id == organisation_id,
        AccessEvent.period_start <= today,
        AccessEvent.period_end >= today,
        _revoked_ids_clause(),
    )
    return list(session.scalars(stmt.order_by(AccessEvent.id)))


def granted_fields(
    session: Session, *, dataset_id: int, organisation_id: int, today: dt.date | None = None
) -> set[str]:
    out: set[str] = set()
    for grant in current_grants(
        session, dataset_id=dataset_id, organisation_id=organisation_id, today=today
    ):
        out.update(grant.fields)
    return out


def access_for(
    session: Session, *, actor: Actor | None, dataset: Dataset, today: dt.date | None = None
) -> ReadAccess:
    """Field-level read access of ``actor`` on ``dataset`` (never raises)."""
    is_office = actor is not None and actor.is_office_admin
    is_owner = actor is not None and actor.organisation_id == dataset.owner_organisation_id
    is_jadmin = (
        actor is not None
        and actor.role is Role.JURISDICTION_ADMIN
        and actor.province_code == dataset.province_code
    )
    privileged = is_office or is_owner or is_jadmin
    granted: set[str] = set()
    if actor is not None and actor.organisation_id is not None and not privileged:
        granted = granted_fields(
            session, dataset_id=dataset.id, organisation_id=actor.organisation_id, today=today
        )
    dataset_open = (actor is not None or dataset.open_to_public) and (
        dataset.sharing_class != "not_shared" or is_office or is_owner
    )
    readable: list[str] = []
    withheld: list[WithheldField] = []
    used_grant = False
    for f in dataset.fields:
        reason: str | None = None
        if not dataset_open:
            if actor is None:
                reason = "login required"
            else:
                reason = "not_shared: dataset readable by its owner organisation only"
        elif f.sharing_class == "unconditional":
            reason = None
        elif f.sharing_class == "conditional":
            if privileged:
                reason = None
            elif f.name in granted:
                used_grant = True
            elif actor is None:
                reason = "conditional: login and a grant required"
            else:
                reason = "conditional: no grant"
        elif not (is_office or is_owner):
            reason = "not_shared: owner organisation only"
        if reason is None:
            readable.append(f.name)
        else:
            withheld.append(WithheldField(field=f.name, reason=reason))
    if is_office:
        basis = "office_admin"
    elif is_owner:
        basis = "owner"
    elif is_jadmin:
        basis = "jurisdiction_admin"
    elif used_grant:
        basis = "grant"
    elif actor is None:
        basis = "public"
    else:
        basis = "unconditional"
    return ReadAccess(
        dataset=dataset,
        readable=tuple(readable),
        withheld=tuple(withheld),
        basis=basis,
        cross_jurisdiction=actor is not None and actor.province_code != dataset.province_code,
    )


def readable_fields(session: Session, *, actor: Actor | None, dataset_code: str) -> ReadAccess:
    """The fields ``actor`` may read now, and those withheld with the reason.

    Raises NotAuthenticated (anonymous, nothing public) or PermissionDenied (nothing readable).
    """
    dataset = get_dataset(session, code=dataset_code)
    access = access_for(session, actor=actor, dataset=dataset)
    if access.readable:
        return access
    errors = [field_error(["fields", w.field], w.reason) for w in access.withheld]
    if actor is None:
        raise NotAuthenticated(
            f"dataset {dataset_code} is not open to the public: log in", errors=errors
        )
    if dataset.sharing_class == "not_shared":
        raise PermissionDenied(
            f"dataset {dataset_code} is not shared (不予共享): only its owner organisation "
            "reads it",
            errors=errors,
        )
    raise PermissionDenied(
        f"no field of dataset {dataset_code} is readable for {actor.username}: conditional "
        "fields need a current grant to your organisation (apply for access)",
        errors=errors,
    )


def record_read(
    session: Session, *, actor: Actor | None, dataset_code: str, detail: dict[str, Any]
) -> AuditEntry | None:
    """Audit a read when it crosses jurisdictions (reader's province != owner's province).

    Anonymous reads of open data and reads within the owner's province are not audited.
    """
    dataset = get_dataset(session, code=dataset_code)
    if actor is None or actor.province_code == dataset.province_code:
        return None
    return audit.record(
        session,
        actor=actor,
        action="catalog.records.read",
        object_type="dataset",
        object_id=dataset.code,
        jurisdiction_code=dataset.jurisdiction_code,
        detail={
            "cross_jurisdiction": True,
            "reader_province": actor.province_code,
            "owner_province": dataset.province_code,
            **detail,
        },
    )


# --------------------------------------------------------------------------- records


def write_records(
    session: Session, *, actor: Actor | None, dataset_code: str, rows: Sequence[Any]
) -> int:
    """Store a batch of rows: all of them, or (on any problem) none, naming every problem."""
    dataset = get_dataset(session, code=dataset_code)
    actor = ensure_can_write(
        session,
        actor,
        action="catalog.records.write",
        object_type="dataset",
        object_id=dataset.code,
        jurisdiction_code=dataset.jurisdiction_code,
        organisation_id=dataset.owner_organisation_id,
    )
    if record_source_for(dataset.code) is not None:
        raise Conflict(
            f"records of dataset {dataset.code} come from another domain's source; they are "
            "not written through the catalog"
        )
    errors = row_errors({f.name: f.type for f in dataset.fields}, rows, loc_prefix=["body", "rows"])
    if errors:
        bad_rows = len({e["row"] for e in errors})
        raise InvalidInput(
            f"{len(errors)} problem(s) in {bad_rows} row(s); nothing was stored",
            errors=errors[:500],
        )
    now = utcnow()
    session.add_all(
        Record(dataset_id=dataset.id, payload=dict(row), created_at=now, created_by=actor.username)
        for row in rows
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="catalog.records.write",
        object_type="dataset",
        object_id=dataset.code,
        jurisdiction_code=dataset.jurisdiction_code,
        detail={"rows": len(rows)},
    )
    return len(rows)


def count_records(session: Session, *, dataset_id: int) -> int:
    return session.scalar(select(func.count(Record.id)).where(Record.dataset_id == dataset_id)) or 0


def _filter_clause(f: DatasetField, value: str) -> ColumnElement[bool]:
    column = Record.payload[f.name]
    clause: Any
    try:
        if f.type == "integer":
            number = int(value)
            if not MIN_INTEGER <= number <= MAX_INTEGER:
                raise ValueError(value)
            # BIGINT: ``as_integer()`` casts to INTEGER, which is 32-bit on PostgreSQL and
            # fails on any stored value beyond it.
            clause = column.as_string().cast(BigInteger) == number
        elif f.type == "number":
            clause = column.as_float() == float(value)
        elif f.type == "boolean":
            if value not in ("true", "false"):
                raise ValueError(value)
            clause = column.as_boolean() == (value == "true")
        else:
            clause = column.as_string() == value
    except ValueError as exc:
        raise InvalidInput(
            f"filter {f.name}={value!r} is not a {f.type}",
            errors=[field_error(["query", f.name], f"expected a {f.type} value")],
        ) from exc
    return cast(ColumnElement[bool], clause)


def read_records(
    session: Session,
    *,
    actor: Actor | None,
    dataset_code: str,
    filters: dict[str, str] | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> RecordsPage:
    """Rows of a dataset reduced to the fields ``actor`` may read; audited across provinces."""
    check_limit(limit)
    access = readable_fields(session, actor=actor, dataset_code=dataset_code)
    dataset = access.dataset
    filters = dict(filters or {})
    by_name = {f.name: f for f in dataset.fields}
    withheld = {w.field: w.reason for w in access.withheld}
    problems = []
    for name in filters:
        if name not in by_name:
            problems.append(field_error(["query", name], "unknown field"))
        elif name in withheld:
            problems.append(
                field_error(["query", name], f"field is withheld from you ({withheld[name]})")
            )
    _raise_if(problems, "cannot filter on these fields")
    reader = record_source_for(dataset.code)
    if reader is not None:
        rows, next_cursor = reader(
            session, dataset_code=dataset.code, filters=filters, cursor=cursor, limit=limit
        )
    else:
        stmt = select(Record).where(
            Record.dataset_id == dataset.id,
            *(_filter_clause(by_name[n], v) for n, v in filters.items()),
        )
        records = session.scalars(keyset(stmt, Record.id, cursor=cursor, limit=limit)).all()
        page, next_cursor = page_of(records, limit=limit, key=lambda r: r.id)
        rows = [r.payload for r in page]
    items = [{name: row.get(name) for name in access.readable} for row in rows]
    record_read(
        session,
        actor=actor,
        dataset_code=dataset.code,
        detail={
            "rows": len(items),
            "fields": list(access.readable),
            "withheld": [w.field for w in access.withheld],
            "filters": filters,
            "basis": access.basis,
        },
    )
    return RecordsPage(
        dataset_code=dataset.code,
        fields=list(access.readable),
        withheld_fields=list(access.withheld),
        items=items,
        next_cursor=next_cursor,
    )


# --------------------------------------------------------------------------- access requests


def _event(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    dataset_id: int,
    organisation_id: int,
    request_id: int | None = None,
    fields: Sequence[str] = (),
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    reason: str | None = None,
    revokes_event_id: int | None = None,
    now: dt.datetime | None = None,
) -> AccessEvent:
    event = AccessEvent(
        kind=kind,
        dataset_id=dataset_id,
        organisation_id=organisation_id,
        request_id=request_id,
        fields=list(fields),
        period_start=period_start,
        period_end=period_end,
        reason=reason,
        revokes_event_id=revokes_event_id,
        actor_username=actor.username,
        actor_role=actor.role.value,
        occurred_at=now or utcnow(),
    )
    session.add(event)
    session.flush()
    return event


def open_request(
    session: Session, *, dataset_id: int, organisation_id: int
) -> AccessRequest | None:
    return session.scalar(
        select(AccessRequest)
        .where(
            AccessRequest.dataset_id == dataset_id,
            AccessRequest.requester_organisation_id == organisation_id,
            AccessRequest.status.in_(OPEN_STATUSES),
        )
        .order_by(AccessRequest.id.desc())
        .limit(1)
    )


def create_access_request(
    session: Session,
    *,
    actor: Actor | None,
    data: AccessRequestIn,
    settings: Settings | None = None,
    now: dt.datetime | None = None,
) -> AccessRequest:
    """An analyst or steward applies, for their organisation, for conditional fields."""
    actor = ensure_role(
        session,
        actor,
        Role.ANALYST,
        Role.STEWARD,
        action="catalog.access_request.create",
        object_type="dataset",
        object_id=data.dataset_code,
    )
    if actor.organisation_id is None:
        raise InvalidInput(
            "you belong to no organisation",
            errors=[field_error(["body"], "requester has no organisation")],
        )
    dataset = session.scalar(select(Dataset).where(Dataset.code == data.dataset_code))
    if dataset is None:
        raise InvalidInput(
            f"unknown dataset {data.dataset_code!r}",
            errors=[field_error(["body", "dataset_code"], "unknown dataset code")],
        )
    loc_code: list[str | int] = ["body", "dataset_code"]
    if dataset.sharing_class == "not_shared":
        raise InvalidInput(
            f"dataset {dataset.code} is not shared (不予共享): access cannot be requested",
            errors=[field_error(loc_code, "dataset is not_shared")],
        )
    if dataset.owner_organisation_id == actor.organisation_id:
        raise InvalidInput(
            "your organisation owns this dataset and reads all of it",
            errors=[field_error(loc_code, "requester owns the dataset")],
        )
    classes = {f.name: f.sharing_class for f in dataset.fields}
    errors: list[dict[str, Any]] = []
    if "conditional" not in classes.values():
        errors.append(field_error(loc_code, "the dataset has no conditional fields"))
    seen: set[str] = set()
    for i, name in enumerate(data.fields):
        if name not in classes:
            errors.append(field_error(["body", "fields", i], f"unknown field {name!r}"))
        elif classes[name] != "conditional":
            errors.append(
                field_error(
                    ["body", "fields", i],
                    f"field {name!r} is {classes[name]}: only conditional fields are requested",
                )
            )
        elif name in seen:
            errors.append(field_error(["body", "fields", i], f"field {name!r} listed twice"))
        seen.add(name)
    now = now or utcnow()
    if data.period_end < data.period_start:
        errors.append(field_error(["body", "period_end"], "ends before period_start"))
    elif data.period_end < workdays.local_date(now):
        errors.append(field_error(["body", "period_end"], "the period is already over"))
    if not data.purpose.strip():
        errors.append(field_error(["body", "purpose"], "state the purpose"))
    _raise_if(errors, "invalid access request")
    if open_request(session, dataset_id=dataset.id, organisation_id=actor.organisation_id):
        raise Conflict(f"your organisation has an undecided request for {dataset.code} already")
    policy = deadline_policy(settings)
    request = AccessRequest(
        dataset_id=dataset.id,
        requester_organisation_id=actor.organisation_id,
        requested_by=actor.username,
        purpose=data.purpose.strip(),
        fields=list(data.fields),
        period_start=data.period_start,
        period_end=data.period_end,
        status="pending",
        submitted_at=now,
        due_date=decision_deadline(now, policy),
    )
    try:
        with session.begin_nested():
            session.add(request)
    except IntegrityError as exc:  # a concurrent submission of the same organisation won
        raise Conflict(
            f"your organisation has an undecided request for {dataset.code} already"
        ) from exc
    _event(
        session,
        actor=actor,
        kind="submitted",
        dataset_id=dataset.id,
        organisation_id=actor.organisation_id,
        request_id=request.id,
        fields=data.fields,
        period_start=data.period_start,
        period_end=data.period_end,
        now=now,
    )
    audit.record(
        session,
        actor=actor,
        action="catalog.access_request.create",
        object_type="access_request",
        object_id=request.id,
        jurisdiction_code=dataset.jurisdiction_code,
        detail={
            "dataset": dataset.code,
            "fields": list(data.fields),
            "requester_organisation_id": actor.organisation_id,
            "due_date": request.due_date.isoformat(),
        },
    )
    return request


def get_access_request(session: Session, *, request_id: int) -> AccessRequest:
    row = session.get(AccessRequest, request_id)
    if row is None:
        raise NotFound(f"no access request {request_id}")
    return row


def _may_see_request(actor: Actor, request: AccessRequest, requester: Organisation) -> bool:
    if actor.is_office_admin:
        return True
    if actor.role is Role.JURISDICTION_ADMIN:
        return actor.province_code in (
            request.dataset.province_code,
            province_of(requester.jurisdiction_code),
        )
    return actor.organisation_id in (
        request.requester_organisation_id,
        request.dataset.owner_organisation_id,
    )


def visible_access_request(
    session: Session, *, actor: Actor | None, request_id: int
) -> AccessRequest:
    actor = require_actor(actor)
    request = get_access_request(session, request_id=request_id)
    requester = regions.get_organisation(session, organisation_id=request.requester_organisation_id)
    if not _may_see_request(actor, request, requester):
        raise NotFound(f"no access request {request_id} visible to you")
    return request


def may_decide(actor: Actor | None, request: AccessRequest) -> bool:
    """Whether ``actor`` may decide ``request`` now (for pages; the service enforces it)."""
    if actor is None or request.status not in OPEN_STATUSES:
        return False
    if actor.is_office_admin:
        return request.status == "escalated"
    if actor.role is Role.JURISDICTION_ADMIN:
        return actor.province_code == request.dataset.province_code
    return (
        actor.role is Role.STEWARD
        and actor.organisation_id == request.dataset.owner_organisation_id
    )


def decide_access_request(
    session: Session,
    *,
    actor: Actor | None,
    request_id: int,
    data: DecisionIn,
    now: dt.datetime | None = None,
) -> AccessRequest:
    """The owner (its steward or jurisdiction admin) approves or rejects; once a request is
    escalated the coordination office may decide too."""
    request = get_access_request(session, request_id=request_id)
    dataset = request.dataset
    actor = require_actor(actor)
    if actor.is_office_admin:
        if request.status == "pending":
            raise deny(
                session,
                actor,
                action="catalog.access_request.decide",
                object_type="access_request",
                object_id=str(request.id),
                jurisdiction_code=dataset.jurisdiction_code,
                reason="the coordination office decides a request only once it is escalated",
            )
    else:
        ensure_can_write(
            session,
            actor,
            action="catalog.access_request.decide",
            object_type="access_request",
            object_id=str(request.id),
            jurisdiction_code=dataset.jurisdiction_code,
            organisation_id=dataset.owner_organisation_id,
        )
    if request.status not in OPEN_STATUSES:
        raise Conflict(f"access request {request.id} was {request.status} already")
    now = now or utcnow()
    errors: list[dict[str, Any]] = []
    if data.decision == "reject":
        if not (data.reason and data.reason.strip()):
            raise InvalidInput(
                "a rejection states its reason",
                errors=[field_error(["body", "reason"], "required to reject")],
            )
        request.status = "rejected"
        request.decided_at = now
        request.decided_by = actor.username
        request.decision_reason = data.reason.strip()
        session.flush()
        _event(
            session,
            actor=actor,
            kind="rejected",
            dataset_id=dataset.id,
            organisation_id=request.requester_organisation_id,
            request_id=request.id,
            fields=request.fields,
            reason=request.decision_reason,
            now=now,
        )
        audit.record(
            session,
            actor=actor,
            action="catalog.access_request.reject",
            object_type="access_request",
            object_id=request.id,
            jurisdiction_code=dataset.jurisdiction_code,
            detail={
                "dataset": dataset.code,
                "reason": request.decision_reason,
                "escalated": request.escalated_at is not None,
            },
        )
        return request
    fields = list(data.fields) if data.fields is not None else list(request.fields)
    classes = {f.name: f.sharing_class for f in dataset.fields}
    for i, name in enumerate(fields):
        if name not in request.fields:
            errors.append(field_error(["body", "fields", i], f"{name!r} was not requested"))
        elif classes.get(name) != "conditional":
            errors.append(
                field_error(["body", "fields", i], f"{name!r} is no longer a conditional field")
            )
    if len(set(fields)) != len(fields):
        errors.append(field_error(["body", "fields"], "a field is listed twice"))
    start = data.period_start or request.period_start
    end = data.period_end or request.period_end
    if start < request.period_start:
        errors.append(field_error(["body", "period_start"], "before the requested period"))
    if end > request.period_end:
        errors.append(field_error(["body", "period_end"], "after the requested period"))
    if end < start:
        errors.append(field_error(["body", "period_end"], "ends before period_start"))
    _raise_if(errors, "invalid approval")
    request.status = "approved"
    request.decided_at = now
    request.decided_by = actor.username
    request.decision_reason = (data.reason or "").strip() or None
    session.flush()
    grant = _event(
        session,
        actor=actor,
        kind="granted",
        dataset_id=dataset.id,
        organisation_id=request.requester_organisation_id,
        request_id=request.id,
        fields=fields,
        period_start=start,
        period_end=end,
        reason=request.decision_reason,
        now=now,
    )
    audit.record(
        session,
        actor=actor,
        action="catalog.access_request.approve",
        object_type="access_request",
        object_id=request.id,
        jurisdiction_code=dataset.jurisdiction_code,
        detail={
            "dataset": dataset.code,
            "grant_id": grant.id,
            "fields": fields,
            "period": [start.isoformat(), end.isoformat()],
            "organisation_id": request.requester_organisation_id,
            "escalated": request.escalated_at is not None,
        },
    )
    return request


def list_access_requests(
    session: Session,
    *,
    actor: Actor | None,
    box: Box = "all",
    status: str | None = None,
    dataset_code: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[AccessRequest], str | None]:
    """Requests by box: ``mine`` (my organisation applied), ``to_decide`` (awaiting my
    decision), ``escalated`` (past deadline, for the office), ``all`` (all I may see)."""
    actor = require_actor(actor)
    stmt = select(AccessRequest).join(Dataset, Dataset.id == AccessRequest.dataset_id)
    province_orgs: list[int] = []
    if actor.role is Role.JURISDICTION_ADMIN and actor.province_code:
        province_orgs = [
            o.id for o in regions.list_organisations(session, jurisdiction_code=actor.province_code)
        ]
    none = AccessRequest.id.is_(None)
    if box == "mine":
        if actor.is_office_admin:
            pass
        elif actor.role is Role.JURISDICTION_ADMIN:
            stmt = stmt.where(AccessRequest.requester_organisation_id.in_(province_orgs))
        elif actor.organisation_id is not None:
            stmt = stmt.where(AccessRequest.requester_organisation_id == actor.organisation_id)
        else:
            stmt = stmt.where(none)
    elif box == "to_decide":
        stmt = stmt.where(AccessRequest.status.in_(OPEN_STATUSES))
        if actor.is_office_admin:
            stmt = stmt.where(AccessRequest.status == "escalated")
        elif actor.role is Role.JURISDICTION_ADMIN:
            stmt = stmt.where(Dataset.province_code == actor.province_code)
        elif actor.role is Role.STEWARD:
            stmt = stmt.where(Dataset.owner_organisation_id == actor.organisation_id)
        else:
            stmt = stmt.where(none)
    else:
        if box == "escalated":
            stmt = stmt.where(AccessRequest.escalated_at.is_not(None))
        if actor.role is Role.JURISDICTION_ADMIN:
            stmt = stmt.where(
                or_(
                    Dataset.province_code == actor.province_code,
                    AccessRequest.requester_organisation_id.in_(province_orgs),
                )
            )
        elif not actor.is_office_admin:
            stmt = stmt.where(
                or_(
                    Dataset.owner_organisation_id == actor.organisation_id,
                    AccessRequest.requester_organisation_id == actor.organisation_id,
                )
            )
    if status:
        stmt = stmt.where(AccessRequest.status == status)
    if dataset_code:
        stmt = stmt.where(Dataset.code == dataset_code)
    rows = session.scalars(keyset(stmt, AccessRequest.id, cursor=cursor, limit=limit)).all()
    return page_of(rows, limit=limit, key=lambda r: r.id)


def grant_of_request(session: Session, *, request_id: int) -> AccessEvent | None:
    return session.scalar(
        select(AccessEvent).where(
            AccessEvent.request_id == request_id, AccessEvent.kind == "granted"
        )
    )


def request_out(
    session: Session, request: AccessRequest, *, now: dt.datetime | None = None
) -> AccessRequestOut:
    grant = (
        grant_of_request(session, request_id=request.id) if (request.status == "approved") else None
    )
    return AccessRequestOut(
        id=request.id,
        dataset_code=request.dataset.code,
        dataset_title_zh=request.dataset.title_zh,
        dataset_title_en=request.dataset.title_en,
        owner_organisation_id=request.dataset.owner_organisation_id,
        requester_organisation_id=request.requester_organisation_id,
        requested_by=request.requested_by,
        purpose=request.purpose,
        fields=list(request.fields),
        period_start=request.period_start,
        period_end=request.period_end,
        status=request.status,
        submitted_at=request.submitted_at,
        due_date=request.due_date,
        overdue=request.status in OPEN_STATUSES and request.due_date < _today(now),
        escalated_at=request.escalated_at,
        decided_at=request.decided_at,
        decided_by=request.decided_by,
        decision_reason=request.decision_reason,
        grant_id=grant.id if grant else None,
    )


def escalate_overdue(session: Session, *, now: dt.datetime | None = None) -> list[int]:
    """Hand every pending request past its deadline to the coordination office.

    Each escalation is a compare-and-set (two workers cannot both escalate one request), an
    ``escalated`` access event and an audit entry. Returns the escalated request ids.
    """
    now = now or utcnow()
    today = workdays.local_date(now)
    candidates = session.scalars(
        select(AccessRequest.id)
        .where(AccessRequest.status == "pending", AccessRequest.due_date < today)
        .order_by(AccessRequest.id)
    ).all()
    escalated: list[int] = []
    for request_id in candidates:
        result = cast(
            CursorResult[Any],
            session.execute(
                update(AccessRequest)
                .where(AccessRequest.id == request_id, AccessRequest.status == "pending")
                .values(status="escalated", escalated_at=now)
                .execution_options(synchronize_session=False)
            ),
        )
        if result.rowcount != 1:
            continue
        request = session.get(AccessRequest, request_id, populate_existing=True)
        assert request is not None
        _event(
            session,
            actor=SYSTEM_ACTOR,
            kind="escalated",
            dataset_id=request.dataset_id,
            organisation_id=request.requester_organisation_id,
            request_id=request.id,
            fields=request.fields,
            reason=f"undecided after {request.due_date.isoformat()}",
            now=now,
        )
        audit.record(
            session,
            actor=SYSTEM_ACTOR,
            action="catalog.access_request.escalate",
            object_type="access_request",
            object_id=request.id,
            jurisdiction_code=request.dataset.jurisdiction_code,
            detail={"dataset": request.dataset.code, "due_date": request.due_date.isoformat()},
        )
        escalated.append(request.id)
    return escalated


jobs.periodic(ESCALATION_JOB, every=dt.timedelta(minutes=15))


@jobs.handler(ESCALATION_JOB)
def _escalate_job(session: Session, payload: dict[str, Any]) -> None:
    escalate_overdue(session)


# --------------------------------------------------------------------------- grants


def _grant_dataset(session: Session, grant_id: int) -> tuple[AccessEvent, Dataset]:
    grant = session.get(AccessEvent, grant_id)
    if grant is None or grant.kind != "granted":
        raise NotFound(f"no access grant {grant_id}")
    dataset = session.get(Dataset, grant.dataset_id)
    assert dataset is not None
    return grant, dataset


def revoke_grant(
    session: Session,
    *,
    actor: Actor | None,
    grant_id: int,
    reason: str,
    now: dt.datetime | None = None,
) -> AccessEvent:
    """Append a revocation of a grant (the grant row itself is never changed)."""
    grant, dataset = _grant_dataset(session, grant_id)
    actor = ensure_can_write(
        session,
        actor,
        action="catalog.grant.revoke",
        object_type="access_grant",
        object_id=str(grant.id),
        jurisdiction_code=dataset.jurisdiction_code,
        organisation_id=dataset.owner_organisation_id,
    )
    if not reason.strip():
        raise InvalidInput(
            "a revocation states its reason", errors=[field_error(["body", "reason"], "required")]
        )
    if session.scalar(select(AccessEvent.id).where(AccessEvent.revokes_event_id == grant.id)):
        raise Conflict(f"grant {grant.id} was revoked already")
    try:
        with session.begin_nested():
            event = _event(
                session,
                actor=actor,
                kind="revoked",
                dataset_id=dataset.id,
                organisation_id=grant.organisation_id,
                request_id=grant.request_id,
                fields=grant.fields,
                period_start=grant.period_start,
                period_end=grant.period_end,
                reason=reason.strip(),
                revokes_event_id=grant.id,
                now=now,
            )
    except IntegrityError as exc:  # a concurrent revocation won
        raise Conflict(f"grant {grant.id} was revoked already") from exc
    audit.record(
        session,
        actor=actor,
        action="catalog.grant.revoke",
        object_type="access_grant",
        object_id=grant.id,
        jurisdiction_code=dataset.jurisdiction_code,
        detail={
            "dataset": dataset.code,
            "organisation_id": grant.organisation_id,
            "fields": list(grant.fields),
            "reason": reason.strip(),
        },
    )
    return event


def _grant_outs(
    session: Session, rows: Sequence[tuple[AccessEvent, str]], today: dt.date
) -> list[GrantOut]:
    ids = [grant.id for grant, _ in rows]
    revocations: dict[int, AccessEvent] = {}
    if ids:
        for event in session.scalars(
            select(AccessEvent).where(AccessEvent.revokes_event_id.in_(ids))
        ):
            assert event.revokes_event_id is not None
            revocations[event.revokes_event_id] = event
    out: list[GrantOut] = []
    for grant, code in rows:
        revoked = revocations.get(grant.id)
        assert grant.period_start is not None and grant.period_end is not None
        out.append(
            GrantOut(
                id=grant.id,
                dataset_code=code,
                organisation_id=grant.organisation_id,
                request_id=grant.request_id,
                fields=list(grant.fields),
                period_start=grant.period_start,
                period_end=grant.period_end,
                granted_by=grant.actor_username,
                granted_at=grant.occurred_at,
                revoked=revoked is not None,
                revoked_at=revoked.occurred_at if revoked else None,
                revoked_by=revoked.actor_username if revoked else None,
                revoke_reason=revoked.reason if revoked else None,
                current=revoked is None and grant.period_start <= today <= grant.period_end,
            )
        )
    return out


def _visible_grants(session: Session, actor: Actor) -> Select[AccessEvent, str]:
    stmt = (
        select(AccessEvent, Dataset.code)
        .join(Dataset, Dataset.id == AccessEvent.dataset_id)
        .where(AccessEvent.kind == "granted")
    )
    if actor.role is Role.JURISDICTION_ADMIN:
        orgs = [
            o.id
            for o in regions.list_organisations(
                session, jurisdiction_code=actor.province_code or "-"
            )
        ]
        return stmt.where(
            or_(Dataset.province_code == actor.province_code, AccessEvent.organisation_id.in_(orgs))
        )
    if not actor.is_office_admin:
        return stmt.where(
            or_(
                Dataset.owner_organisation_id == actor.organisation_id,
                AccessEvent.organisation_id == actor.organisation_id,
            )
        )
    return stmt


def list_grants(
    session: Session,
    *,
    actor: Actor | None,
    dataset_code: str | None = None,
    organisation_id: int | None = None,
    current_only: bool = False,
    cursor: str | None = None,
    limit: int = 100,
    now: dt.datetime | None = None,
) -> tuple[list[GrantOut], str | None]:
    """Grants the actor may see (as grantee, owner, their jurisdiction's admin, or office),
    with their revocation if any; ``current_only`` keeps those in force today."""
    actor = require_actor(actor)
    today = _today(now)
    stmt = _visible_grants(session, actor)
    if dataset_code:
        stmt = stmt.where(Dataset.code == dataset_code)
    if organisation_id is not None:
        stmt = stmt.where(AccessEvent.organisation_id == organisation_id)
    if current_only:
        stmt = stmt.where(
            AccessEvent.period_start <= today,
            AccessEvent.period_end >= today,
            _revoked_ids_clause(),
        )
    paged = keyset(cast(Select[Any], stmt), AccessEvent.id, cursor=cursor, limit=limit)
    rows: list[tuple[AccessEvent, str]] = [(row[0], row[1]) for row in session.execute(paged)]
    page, next_cursor = page_of(rows, limit=limit, key=lambda row: row[0].id)
    return _grant_outs(session, page, today), next_cursor


def get_grant(
    session: Session, *, actor: Actor | None, grant_id: int, now: dt.datetime | None = None
) -> GrantOut:
    actor = require_actor(actor)
    row = session.execute(_visible_grants(session, actor).where(AccessEvent.id == grant_id)).first()
    if row is None:
        raise NotFound(f"no access grant {grant_id} visible to you")
    return _grant_outs(session, [(row[0], row[1])], _today(now))[0]


def may_revoke(actor: Actor | None, dataset: Dataset) -> bool:
    if actor is None:
        return False
    return may_write(
        actor,
        jurisdiction_code=dataset.jurisdiction_code,
        organisation_id=dataset.owner_organisation_id,
    )


def access_events(session: Session, *, dataset_code: str) -> list[AccessEvent]:
    dataset = get_dataset(session, code=dataset_code)
    return list(
        session.scalars(
            select(AccessEvent).where(AccessEvent.dataset_id == dataset.id).order_by(AccessEvent.id)
        )
    )


# --------------------------------------------------------------------------- report


def _median(values: list[float]) -> float | None:
    return round(float(statistics.median(values)), 2) if values else None


def sharing_report(
    session: Session,
    *,
    jurisdiction_code: str,
    settings: Settings | None = None,
    now: dt.datetime | None = None,
) -> SharingReport:
    """Sharing-and-exchange level of one provincial-level jurisdiction (see docs/catalog.md)."""
    provinces = {j.code: j for j in regions.provinces(session)}
    province = provinces.get(jurisdiction_code)
    if province is None:
        raise InvalidInput(
            f"{jurisdiction_code!r} is not a provincial-level jurisdiction of the region",
            errors=[
                field_error(["query", "jurisdiction"], f"one of {', '.join(sorted(provinces))}")
            ],
        )
    policy = deadline_policy(settings)
    today = _today(now)
    counts: dict[str, int] = {
        sharing_class: count
        for sharing_class, count in session.execute(
            select(Dataset.sharing_class, func.count(Dataset.id))
            .where(Dataset.province_code == province.code)
            .group_by(Dataset.sharing_class)
        )
    }
    open_count = (
        session.scalar(
            select(func.count(Dataset.id)).where(
                Dataset.province_code == province.code, Dataset.open_to_public.is_(True)
            )
        )
        or 0
    )
    requests = session.execute(
        select(
            AccessRequest.status,
            AccessRequest.submitted_at,
            AccessRequest.due_date,
            AccessRequest.decided_at,
            AccessRequest.escalated_at,
        )
        .join(Dataset, Dataset.id == AccessRequest.dataset_id)
        .where(Dataset.province_code == province.code)
    ).all()
    decided = within = assessable = overdue = escalated = approved = rejected = 0
    days: list[float] = []
    hours: list[float] = []
    for status, submitted_at, due_date, decided_at, escalated_at in requests:
        if escalated_at is not None:
            escalated += 1
        if status == "approved":
            approved += 1
        elif status == "rejected":
            rejected += 1
        if decided_at is not None:
            decided += 1
            assessable += 1
            decided_day = workdays.local_date(decided_at)
            if decided_day <= due_date:
                within += 1
            days.append(
                workdays.working_days_between(
                    workdays.local_date(submitted_at), decided_day, holidays=policy.holidays
                )
            )
            hours.append((decided_at - submitted_at).total_seconds() / 3600)
        elif due_date < today:
            assessable += 1
            overdue += 1
    org_ids = [o.id for o in regions.list_organisations(session, jurisdiction_code=province.code)]
    sent = (
        session.scalar(
            select(func.count(AccessRequest.id)).where(
                AccessRequest.requester_organisation_id.in_(org_ids)
            )
        )
        if org_ids
        else 0
    )
    return SharingReport(
        jurisdiction_code=province.code,
        name_zh=province.name_zh,
        name_en=province.name_en,
        datasets_total=sum(counts.values()),
        datasets_unconditional=counts.get("unconditional", 0),
        datasets_conditional=counts.get("conditional", 0),
        datasets_not_shared=counts.get("not_shared", 0),
        datasets_open_to_public=open_count,
        requests_received=len(requests),
        requests_decided=decided,
        requests_approved=approved,
        requests_rejected=rejected,
        requests_assessable=assessable,
        answered_within_deadline=within,
        answered_within_deadline_share=round(within / assessable, 4) if assessable else None,
        median_decision_working_days=_median(days),
        median_decision_hours=_median(hours),
        overdue_open=overdue,
        escalated=escalated,
        requests_sent=sent or 0,
    )


def sharing_reports(
    session: Session, *, settings: Settings | None = None, now: dt.datetime | None = None
) -> list[SharingReport]:
    return [
        sharing_report(session, jurisdiction_code=p.code, settings=settings, now=now)
        for p in regions.provinces(session)
    ]


def dataset_counts_by_province(session: Session) -> dict[str, dict[str, int]]:
    """Published datasets per provincial-level jurisdiction: by sharing class, plus ``open``."""
    counts: dict[str, dict[str, int]] = {}
    rows = session.execute(
        select(
            Dataset.province_code,
            Dataset.sharing_class,
            func.count(),
            func.sum(case((Dataset.open_to_public, 1), else_=0)),
        ).group_by(Dataset.province_code, Dataset.sharing_class)
    )
    for province, sharing_class, n, n_open in rows:
        bucket = counts.setdefault(province, {})
        bucket[sharing_class] = int(n)
        bucket["open"] = bucket.get("open", 0) + int(n_open or 0)
    return counts
