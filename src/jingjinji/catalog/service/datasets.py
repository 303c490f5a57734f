"""Datasets: their registration, sharing classes, visibility and listing."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.catalog import policy
from jingjinji.catalog.models import Dataset, DatasetField, Record
from jingjinji.catalog.schemas import SHARING_CLASSES, DatasetBody, DatasetIn
from jingjinji.catalog.service.metadata import (
    apply_tags,
    metadata_errors,
    search_clause,
)
from jingjinji.catalog.service.validation import raise_if_any, refused_on_record
from jingjinji.db import utcnow
from jingjinji.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, paginate
from jingjinji.regions import service as regions
from jingjinji.security import Actor, ensure_can_write, province_of

# Lower is more open.
OPENNESS = {"unconditional": 0, "conditional": 1, "not_shared": 2}


@dataclass(frozen=True)
class Owner:
    """The organisation a dataset belongs to, as far as the catalog needs it."""

    organisation_id: int
    jurisdiction_code: str


def get_dataset(session: Session, *, code: str) -> Dataset:
    row = session.scalar(select(Dataset).where(Dataset.code == code))
    if row is None:
        raise NotFound(msg("no dataset with code {code}", code=repr(code)))
    return row


def _owner_or_invalid(session: Session, organisation_id: int) -> Owner:
    org = regions.get_organisation_or_none(session, organisation_id=organisation_id)
    if org is None:
        raise InvalidInput(
            msg("unknown organisation {organisation_id}", organisation_id=organisation_id),
            errors=[
                field_error(
                    ["body", "owner_organisation_id"],
                    msg("unknown organisation {organisation_id}", organisation_id=organisation_id),
                )
            ],
        )
    return Owner(organisation_id=org.id, jurisdiction_code=org.jurisdiction_code)


def class_errors(data: DatasetBody) -> list[dict[str, Any]]:
    """Consistency of sharing classes: no field more open than its dataset; only
    unconditional datasets open to the public; field names unique."""
    errors: list[dict[str, Any]] = []
    if data.open_to_public and data.sharing_class != "unconditional":
        errors.append(
            field_error(
                ["body", "open_to_public"],
                msg(
                    "only unconditional datasets can be open to the public; this one is "
                    "{sharing_class}",
                    sharing_class=data.sharing_class,
                ),
            )
        )
    seen: set[str] = set()
    for i, f in enumerate(data.fields):
        if f.name in seen:
            errors.append(
                field_error(
                    ["body", "fields", i, "name"],
                    msg("field name {field} is used twice", field=repr(f.name)),
                )
            )
        seen.add(f.name)
        if OPENNESS[f.sharing_class] < OPENNESS[data.sharing_class]:
            errors.append(
                field_error(
                    ["body", "fields", i, "sharing_class"],
                    msg(
                        "a {sharing_class} field cannot be in a "
                        "{sharing_class2} dataset: a field may "
                        "not be more open than its dataset",
                        sharing_class=f.sharing_class,
                        sharing_class2=data.sharing_class,
                    ),
                )
            )
    return errors


def _apply_body(dataset: Dataset, data: DatasetBody, owner: Owner) -> None:
    dataset.title_zh = data.title_zh
    dataset.title_en = data.title_en
    dataset.description_zh = data.description_zh
    dataset.description_en = data.description_en
    dataset.owner_organisation_id = owner.organisation_id
    dataset.jurisdiction_code = owner.jurisdiction_code
    dataset.province_code = province_of(owner.jurisdiction_code)
    dataset.domain = data.domain
    dataset.update_cycle = data.update_cycle
    dataset.sharing_class = data.sharing_class
    dataset.open_to_public = data.open_to_public
    dataset.licence = data.licence
    dataset.maintainer_name = data.maintainer_name
    dataset.maintainer_email = data.maintainer_email
    dataset.temporal_start = data.temporal_start
    dataset.temporal_end = data.temporal_end
    apply_tags(dataset, data)
    existing = {f.name: f for f in dataset.fields}
    fields: list[DatasetField] = []
    for position, f in enumerate(data.fields):
        row = existing.get(f.name) or DatasetField(name=f.name)
        row.position = position
        row.type = f.type
        row.unit = f.unit
        row.description = f.description
        row.description_zh = f.description_zh
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
        "licence": dataset.licence,
        "maintainer": [dataset.maintainer_name, dataset.maintainer_email],
        "temporal": [str(dataset.temporal_start), str(dataset.temporal_end)],
        "tags": sorted([t.lang, t.position, t.tag] for t in dataset.tags),
    }


def create_dataset(session: Session, *, actor: Actor | None, data: DatasetIn) -> Dataset:
    """Register a dataset; a refusal (403, an unknown owner, inconsistent classes) is audited."""
    action = "catalog.dataset.create"
    with refused_on_record(
        session, actor=actor, action=action, object_type="dataset", object_id=data.code
    ):
        owner = _owner_or_invalid(session, data.owner_organisation_id)
    actor = ensure_can_write(
        session,
        actor,
        action=action,
        object_type="dataset",
        object_id=data.code,
        jurisdiction_code=owner.jurisdiction_code,
        organisation_id=owner.organisation_id,
    )
    with refused_on_record(
        session,
        actor=actor,
        action=action,
        object_type="dataset",
        object_id=data.code,
        jurisdiction_code=owner.jurisdiction_code,
    ):
        raise_if_any(
            class_errors(data) + metadata_errors(data), msg("inconsistent sharing classes")
        )
    if session.scalar(select(Dataset.id).where(Dataset.code == data.code)) is not None:
        raise audit.audited_refusal(
            session,
            Conflict(msg("a dataset with code {code} exists already", code=data.code)),
            actor=actor,
            action=action,
            object_type="dataset",
            object_id=data.code,
            jurisdiction_code=owner.jurisdiction_code,
        )
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


def _type_change_errors(
    session: Session, dataset: Dataset, data: DatasetBody
) -> list[dict[str, Any]]:
    """Once a dataset holds records, its fields keep their types."""
    has_records = (
        session.scalar(select(Record.id).where(Record.dataset_id == dataset.id).limit(1))
        is not None
    )
    if not has_records:
        return []
    types = {f.name: f.type for f in dataset.fields}
    return [
        field_error(
            ["body", "fields", i, "type"],
            msg(
                "the dataset holds records: field {field} stays {types}",
                field=repr(f.name),
                types=types[f.name],
            ),
        )
        for i, f in enumerate(data.fields)
        if f.name in types and types[f.name] != f.type
    ]


def update_dataset(
    session: Session, *, actor: Actor | None, code: str, data: DatasetBody
) -> Dataset:
    """Bring a dataset entry up to ``data``; a refusal (403, an unknown owner, inconsistent
    classes, a field's type changed under its records) is audited."""
    dataset = get_dataset(session, code=code)
    action = "catalog.dataset.update"
    actor = ensure_can_write(
        session,
        actor,
        action=action,
        object_type="dataset",
        object_id=code,
        jurisdiction_code=dataset.jurisdiction_code,
        organisation_id=dataset.owner_organisation_id,
    )
    refused = functools.partial(
        refused_on_record,
        session,
        actor=actor,
        action=action,
        object_type="dataset",
        object_id=dataset.code,
        jurisdiction_code=dataset.jurisdiction_code,
    )
    with refused():
        owner = _owner_or_invalid(session, data.owner_organisation_id)
    if owner.organisation_id != dataset.owner_organisation_id:
        ensure_can_write(
            session,
            actor,
            action=action,
            object_type="dataset",
            object_id=code,
            jurisdiction_code=owner.jurisdiction_code,
            organisation_id=owner.organisation_id,
        )
    errors = (
        class_errors(data) + metadata_errors(data) + _type_change_errors(session, dataset, data)
    )
    with refused():
        raise_if_any(errors, msg("invalid dataset update"))
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


def datasets_by_code(session: Session, *, codes: Iterable[str]) -> dict[str, Dataset]:
    """The datasets with these codes, by code, in one statement; 404 for an unknown one."""
    wanted = set(codes)
    if not wanted:
        return {}
    found = {d.code: d for d in session.scalars(select(Dataset).where(Dataset.code.in_(wanted)))}
    missing = sorted(wanted - set(found))
    if missing:
        raise NotFound(msg("no dataset with code {missing}", missing=repr(missing[0])))
    return found


def register_provincial_datasets(
    session: Session,
    *,
    actor: Actor | None,
    provinces: Iterable[str],
    definitions: Callable[[str, int], list[DatasetIn]],
    agency_kind: str = "environment",
) -> list[str]:
    """Register (idempotently) a domain's datasets for the agency of ``agency_kind`` of every
    province that has one: ``definitions(province, owner organisation id)`` says which; the
    codes registered, in order."""
    codes: list[str] = []
    for province in provinces:
        org = regions.find_organisation(session, jurisdiction_code=province, kind=agency_kind)
        if org is None:
            continue
        for data in definitions(province, org.id):
            ensure_dataset(session, actor=actor, data=data)
            codes.append(data.code)
    return codes


def ensure_dataset(session: Session, *, actor: Actor | None, data: DatasetIn) -> Dataset:
    """Create the dataset, or bring an existing one with this code up to ``data``.

    Idempotent: calling it again with the same data writes (and audits) nothing.
    """
    existing = session.scalar(select(Dataset.id).where(Dataset.code == data.code))
    if existing is None:
        return create_dataset(session, actor=actor, data=data)
    body = DatasetBody.model_validate(data.model_dump(exclude={"code"}))
    return update_dataset(session, actor=actor, code=data.code, data=body)


def visible_dataset(session: Session, *, actor: Actor | None, code: str) -> Dataset:
    dataset = get_dataset(session, code=code)
    if not policy.may_see_metadata(actor, open_to_public=dataset.open_to_public):
        raise NotAuthenticated(msg("log in to see dataset {code}", code=code))
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


def _sharing_class_or_invalid(sharing_class: str) -> str:
    if sharing_class not in SHARING_CLASSES:
        raise InvalidInput(
            msg("unknown sharing class {sharing_class}", sharing_class=repr(sharing_class)),
            errors=[
                field_error(
                    ["query", "sharing_class"],
                    msg("one of {sharing_classes}", sharing_classes=", ".join(SHARING_CLASSES)),
                )
            ],
        )
    return sharing_class


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
) -> Paged[Dataset]:
    """Datasets matching every filter given; anonymous visitors see the open ones only."""
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
        stmt = stmt.where(Dataset.sharing_class == _sharing_class_or_invalid(sharing_class))
    if actor is None:
        stmt = stmt.where(Dataset.open_to_public.is_(True))
    elif open_to_public is not None:
        stmt = stmt.where(Dataset.open_to_public.is_(open_to_public))
    if q and q.strip():
        stmt = stmt.where(search_clause(q))
    return paginate(session, stmt, Dataset.id, cursor=cursor, limit=limit)


def domains_in_use(session: Session) -> list[str]:
    return list(session.scalars(select(Dataset.domain).distinct().order_by(Dataset.domain)))
