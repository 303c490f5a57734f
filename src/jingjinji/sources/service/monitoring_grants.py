"""The catalog grants of linked enforcement cases: how a neighbour reads an enterprise's data.

When a case involves a jurisdiction other than the enterprise's own (border, park, or added by
the office), the case grants the owner province's ``SOURCES-<province>-MONITORING`` dataset to
the involved jurisdiction's environment agency, scoped to the enterprise's USCC, as an audited
step of the case (``catalog.grant_scoped``). Whoever reads an enterprise's loggers and
monitoring data from outside its province does so only through such a current grant to their
own organisation: the grant, not the involvement, is the permission, and revoking it in the
catalog ends the reading. The grant holds until revoked; closing the case does not end it (the
record stays readable to the neighbour's agency, as the catalog's grant list shows).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from jingjinji.catalog import service as catalog
from jingjinji.errors import NotFound
from jingjinji.regions import service as regions
from jingjinji.security import SYSTEM_ACTOR, Actor, province_of
from jingjinji.sources.flows import monitoring
from jingjinji.sources.flows.datasets import PROVINCES
from jingjinji.sources.models import Case, Enterprise

#: The agency of a province that owns the dataset and receives the grants.
AGENCY_KIND = "environment"


def _ensure_dataset(session: Session, province: str) -> str | None:
    """The code of the province's MONITORING dataset, registered (by the system, audited) when
    a case first needs it; None where the province has no environment agency."""
    if province not in PROVINCES:
        return None
    owner = regions.find_organisation(session, jurisdiction_code=province, kind=AGENCY_KIND)
    if owner is None:
        return None
    code = monitoring.dataset_code(province)
    try:
        catalog.get_dataset(session, code=code)
    except NotFound:
        catalog.ensure_dataset(
            session, actor=SYSTEM_ACTOR, data=monitoring.definition(province, owner.id)
        )
    return code


def grant_to_neighbour(
    session: Session, *, actor: Actor, case: Case, enterprise: Enterprise, province: str
) -> int | None:
    """Grant ``province``'s environment agency the enterprise's rows of the owner province's
    MONITORING dataset, for ``case``; the grant's id (None: no agency to grant to)."""
    agency = regions.find_organisation(session, jurisdiction_code=province, kind=AGENCY_KIND)
    code = _ensure_dataset(session, province_of(enterprise.jurisdiction_code))
    if agency is None or code is None:
        return None
    grant = catalog.grant_scoped(
        session,
        actor=actor,
        dataset_code=code,
        organisation_id=agency.id,
        row_scope={monitoring.ENTERPRISE_FIELD: [enterprise.uscc]},
        reason=f"linked enforcement case {case.id} involves {province}",
    )
    return grant.id


def reads_through_grant(session: Session, actor: Actor, *, enterprise: Enterprise) -> bool:
    """Whether the actor's organisation holds a current grant covering the enterprise's rows of
    its province's MONITORING dataset."""
    return catalog.grant_covers(
        session,
        dataset_code=monitoring.dataset_code(province_of(enterprise.jurisdiction_code)),
        organisation_id=actor.organisation_id,
        field=monitoring.ENTERPRISE_FIELD,
        value=enterprise.uscc,
    )
