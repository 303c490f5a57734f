"""Who may do what with credit data: pure predicates of the actor and plain values.

- A record is written by its source agency (a steward of that organisation), the administrator of
  the agency's province, or the coordination office (``security.may_write``).
- Public view: a published record within its publicity period, without personal data.
- Staff view: every signed-in member of an agency of the region reads list entries (red/black)
  of all three jurisdictions, which is what joint rewards and punishments need; withdrawn and
  pending records and personal fields only those who administer the source agency or the
  subject's jurisdiction.
"""

from __future__ import annotations

import datetime as dt

from jingjinji.security import Actor, Role, administers, may_write, province_of


def may_write_record(
    actor: Actor | None, *, source_organisation_id: int, jurisdiction_code: str
) -> bool:
    """The source agency's steward, its province's administrator, or the office."""
    if actor is None:
        return False
    return may_write(
        actor, jurisdiction_code=jurisdiction_code, organisation_id=source_organisation_id
    )


def is_agency_staff(actor: Actor | None) -> bool:
    """A signed-in member of the office or of an agency of the region (not the public)."""
    if actor is None:
        return False
    return (
        actor.is_office_admin
        or actor.role is Role.JURISDICTION_ADMIN
        or (actor.organisation_id is not None)
    )


def sees_restricted(
    actor: Actor | None,
    *,
    source_organisation_id: int,
    source_jurisdiction_code: str,
    subject_jurisdiction_code: str,
) -> bool:
    """Withdrawn / pending records and personal fields: those who administer the source agency,
    or the administrator of the subject's province."""
    if actor is None:
        return False
    if administers(
        actor, organisation_id=source_organisation_id, jurisdiction_code=source_jurisdiction_code
    ):
        return True
    return actor.role is Role.JURISDICTION_ADMIN and actor.province_code == province_of(
        subject_jurisdiction_code
    )


def may_decide_objection(
    actor: Actor | None, *, source_organisation_id: int, source_jurisdiction_code: str
) -> bool:
    """Objections and repairs are answered by the record's source agency (or its province's
    administrator, or the office)."""
    return may_write_record(
        actor,
        source_organisation_id=source_organisation_id,
        jurisdiction_code=source_jurisdiction_code,
    )


def may_run_joint_check(actor: Actor | None) -> bool:
    """The joint check (``/credit/check``) is for agencies of any jurisdiction."""
    return is_agency_staff(actor)


def is_public_record(
    *,
    status: str,
    kind: str,
    publicity_start: dt.date | None,
    publicity_end: dt.date | None,
    today: dt.date,
) -> bool:
    """Whether the public sees a record today: published and inside its publicity period
    (``publicity_end`` is the first day it is no longer shown; None: no end, e.g. a licence or
    a list entry that has not been lifted)."""
    if status != "published":
        return False
    if publicity_start is not None and today < publicity_start:
        return False
    return publicity_end is None or today < publicity_end


def was_public_on(
    *,
    status: str,
    published_on: dt.date | None,
    withdrawn_on: dt.date | None,
    publicity_start: dt.date | None,
    publicity_end: dt.date | None,
    day: dt.date,
) -> bool:
    """Whether the public saw a record on ``day`` (a credit report at a date): published by
    then, not yet withdrawn (period over, repair, correction) and inside its publicity period.
    A record never published, or replaced after an objection, was never public."""
    if status not in ("published", "withdrawn") or published_on is None or day < published_on:
        return False
    if withdrawn_on is not None and day >= withdrawn_on:
        return False
    if publicity_start is not None and day < publicity_start:
        return False
    return publicity_end is None or day < publicity_end


def may_withdraw_declaration(
    actor: Actor | None, *, declared_by_user_id: int | None, subject_jurisdiction_code: str
) -> bool:
    """A self-declaration is withdrawn by whoever made it (signed in), the administrator of the
    subject's province, or the office."""
    if actor is None:
        return False
    if declared_by_user_id is not None and actor.user_id == declared_by_user_id:
        return True
    return actor.is_office_admin or (
        actor.role is Role.JURISDICTION_ADMIN
        and actor.province_code == province_of(subject_jurisdiction_code)
    )


def may_publish_record(
    actor: Actor | None, *, source_organisation_id: int, jurisdiction_code: str, status: str
) -> bool:
    """A pending record is published by those who write it."""
    return status == "pending" and may_write_record(
        actor, source_organisation_id=source_organisation_id, jurisdiction_code=jurisdiction_code
    )


def may_lift_record(
    actor: Actor | None,
    *,
    source_organisation_id: int,
    jurisdiction_code: str,
    kind: str,
    status: str,
) -> bool:
    """A published red- or black-list entry is lifted by those who write it."""
    return (
        kind in ("red_list", "black_list")
        and status == "published"
        and may_write_record(
            actor,
            source_organisation_id=source_organisation_id,
            jurisdiction_code=jurisdiction_code,
        )
    )
