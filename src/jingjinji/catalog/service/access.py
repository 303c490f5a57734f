"""Field-level read access: what one reader may read of one dataset, and why the rest is
withheld; auditing reads that cross jurisdictions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.catalog import policy
from jingjinji.catalog.models import Dataset
from jingjinji.catalog.schemas import ReadAccessOut, WithheldField
from jingjinji.catalog.service.datasets import get_dataset
from jingjinji.catalog.service.grants import current_grants
from jingjinji.catalog.service.scopes import RowScopes, union_of
from jingjinji.errors import NotAuthenticated, PermissionDenied, field_error
from jingjinji.i18n import msg
from jingjinji.security import Actor

if TYPE_CHECKING:  # the entry ``audit.record`` returns; the catalog never queries audit's tables
    from jingjinji.audit.models import AuditEntry


@dataclass(frozen=True)
class ReadAccess:
    """What one reader may read of one dataset, and why the rest is withheld."""

    dataset: Dataset
    readable: tuple[str, ...]
    withheld: tuple[WithheldField, ...]
    basis: policy.ReadBasis
    cross_jurisdiction: bool
    # The rows readable (None: every row): those of the scopes of the grants read through.
    row_scopes: RowScopes = None

    def out(self) -> ReadAccessOut:
        return ReadAccessOut(
            dataset_code=self.dataset.code,
            readable_fields=list(self.readable),
            withheld_fields=list(self.withheld),
            basis=self.basis,
            cross_jurisdiction=self.cross_jurisdiction,
        )


def _granted_to(
    session: Session, actor: Actor | None, dataset: Dataset, today: dt.date | None
) -> tuple[set[str], RowScopes]:
    """Fields the reader's organisation holds a current grant on, and the rows they cover."""
    if actor is None or actor.organisation_id is None:
        return set(), None
    grants = current_grants(
        session, dataset_id=dataset.id, organisation_id=actor.organisation_id, today=today
    )
    return {name for g in grants for name in g.fields}, union_of(grants)


def access_for(
    session: Session, *, actor: Actor | None, dataset: Dataset, today: dt.date | None = None
) -> ReadAccess:
    """Field-level read access of ``actor`` on ``dataset`` (never raises)."""
    owner = dataset.owner_organisation_id
    administration = policy.administration_basis(
        actor, owner_organisation_id=owner, jurisdiction_code=dataset.jurisdiction_code
    )
    # Administrators read every conditional field without a grant.
    granted, scopes = (
        (set[str](), None) if administration else _granted_to(session, actor, dataset, today)
    )
    readable_at_all = policy.dataset_readable(
        actor,
        sharing_class=dataset.sharing_class,
        open_to_public=dataset.open_to_public,
        owner_organisation_id=owner,
    )
    readable: list[str] = []
    withheld: list[WithheldField] = []
    for f in dataset.fields:
        reason = (
            policy.withheld_reason(
                actor,
                field_class=f.sharing_class,
                administration=administration,
                granted=f.name in granted,
                owner_organisation_id=owner,
            )
            if readable_at_all
            else policy.closed_dataset_reason(actor)
        )
        if reason is None:
            readable.append(f.name)
        else:
            withheld.append(WithheldField(field=f.name, reason=reason))
    used_grant = readable_at_all and any(
        f.sharing_class == "conditional" and f.name in granted for f in dataset.fields
    )
    return ReadAccess(
        dataset=dataset,
        readable=tuple(readable),
        withheld=tuple(withheld),
        basis=policy.read_basis(actor, administration=administration, used_grant=used_grant),
        cross_jurisdiction=policy.crosses_jurisdictions(
            actor, owner_province_code=dataset.province_code
        ),
        # A read through grants that are all scoped returns the rows of their scopes only.
        row_scopes=scopes if used_grant else None,
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
            msg(
                "dataset {dataset_code} is not open to the public: log in",
                dataset_code=dataset_code,
            ),
            errors=errors,
        )
    if dataset.sharing_class == "not_shared":
        raise PermissionDenied(
            msg(
                "dataset {dataset_code} is not shared (不予共享): "
                "only its owner organisation reads "
                "it",
                dataset_code=dataset_code,
            ),
            errors=errors,
        )
    raise PermissionDenied(
        msg(
            "no field of dataset {dataset_code} is readable for {username}: conditional "
            "fields need a current grant to your organisation (apply for access)",
            dataset_code=dataset_code,
            username=actor.username,
        ),
        errors=errors,
    )


def record_read(
    session: Session, *, actor: Actor | None, dataset_code: str, detail: dict[str, Any]
) -> AuditEntry | None:
    """Audit a read when it crosses jurisdictions (reader's province != owner's province).

    Anonymous reads of open data and reads within the owner's province are not audited.
    """
    dataset = get_dataset(session, code=dataset_code)
    if actor is None or not policy.crosses_jurisdictions(
        actor, owner_province_code=dataset.province_code
    ):
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
