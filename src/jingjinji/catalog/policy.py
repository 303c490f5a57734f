"""Who may do what in the catalog: pure predicates of the actor and plain values.

No session and no queries here: the service enforces these rules (auditing refusals), the views
and the output schemas carry their answers to the templates as flags. Reading data as its
administrator is the platform-wide rule ``jingjinji.security.administers``; the catalog's own
rules are built on it and on ``may_write``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from jingjinji.security import Actor, Role, administers, may_write

# Requests awaiting a decision.
OPEN_STATUSES = ("pending", "escalated")

AdministrationBasis = Literal["office_admin", "owner", "jurisdiction_admin"]
ReadBasis = Literal[
    "office_admin", "owner", "jurisdiction_admin", "grant", "unconditional", "public"
]

# Why a field is withheld; the pages translate these exact texts.
LOGIN_REQUIRED = "login required"
DATASET_NOT_SHARED = "not_shared: dataset readable by its owner organisation only"
FIELD_NOT_SHARED = "not_shared: owner organisation only"
CONDITIONAL_ANONYMOUS = "conditional: login and a grant required"
CONDITIONAL_NO_GRANT = "conditional: no grant"


# --------------------------------------------------------------------------- reading


def may_see_metadata(actor: Actor | None, *, open_to_public: bool) -> bool:
    """Logged-in users see every catalogue entry; anonymous visitors the open ones."""
    return actor is not None or open_to_public


def administration_basis(
    actor: Actor | None, *, owner_organisation_id: int, jurisdiction_code: str
) -> AdministrationBasis | None:
    """Why ``actor`` reads a dataset as its administrator (every field but the not-shared
    ones of other organisations), or None when they do not."""
    if actor is None or not administers(
        actor, organisation_id=owner_organisation_id, jurisdiction_code=jurisdiction_code
    ):
        return None
    if actor.is_office_admin:
        return "office_admin"
    if actor.organisation_id == owner_organisation_id:
        return "owner"
    return "jurisdiction_admin"


def reads_not_shared(actor: Actor | None, *, owner_organisation_id: int) -> bool:
    """Not-shared data (不予共享) is read by the coordination office and the owner organisation
    only: not by the administrator of the owner's province."""
    if actor is None:
        return False
    return actor.is_office_admin or actor.organisation_id == owner_organisation_id


def dataset_readable(
    actor: Actor | None, *, sharing_class: str, open_to_public: bool, owner_organisation_id: int
) -> bool:
    """Whether any field of the dataset may be read at all (then field by field)."""
    if not may_see_metadata(actor, open_to_public=open_to_public):
        return False
    return sharing_class != "not_shared" or reads_not_shared(
        actor, owner_organisation_id=owner_organisation_id
    )


def closed_dataset_reason(actor: Actor | None) -> str:
    """Why every field of a dataset that is not readable at all is withheld."""
    return LOGIN_REQUIRED if actor is None else DATASET_NOT_SHARED


def withheld_reason(
    actor: Actor | None,
    *,
    field_class: str,
    administration: AdministrationBasis | None,
    granted: bool,
    owner_organisation_id: int,
) -> str | None:
    """Why one field of a readable dataset is withheld (None: it is readable).

    ``granted``: the reader's organisation holds a current grant on this field."""
    if field_class == "unconditional":
        return None
    if field_class == "conditional":
        if administration is not None or granted:
            return None
        return CONDITIONAL_ANONYMOUS if actor is None else CONDITIONAL_NO_GRANT
    if reads_not_shared(actor, owner_organisation_id=owner_organisation_id):
        return None
    return FIELD_NOT_SHARED


def read_basis(
    actor: Actor | None, *, administration: AdministrationBasis | None, used_grant: bool
) -> ReadBasis:
    """Why the readable fields are readable (the strongest reason)."""
    if administration is not None:
        return administration
    if used_grant:
        return "grant"
    return "public" if actor is None else "unconditional"


def crosses_jurisdictions(actor: Actor | None, *, owner_province_code: str) -> bool:
    """A read from another province than the owner's (such reads are audited)."""
    return actor is not None and actor.province_code != owner_province_code


# --------------------------------------------------------------------------- access requests


def may_apply(
    actor: Actor | None,
    *,
    owner_organisation_id: int,
    sharing_class: str,
    fields_to_request: bool,
    has_open_request: bool,
) -> bool:
    """Whether ``actor`` may apply, for their organisation, for conditional fields of a dataset
    (``fields_to_request``: some conditional field is not readable to them yet)."""
    return (
        actor is not None
        and actor.role in (Role.ANALYST, Role.STEWARD)
        and actor.organisation_id != owner_organisation_id
        and sharing_class != "not_shared"
        and fields_to_request
        and not has_open_request
    )


def may_see_request(
    actor: Actor | None,
    *,
    owner_organisation_id: int,
    dataset_jurisdiction_code: str,
    requester_organisation_id: int,
    requester_jurisdiction_code: str,
) -> bool:
    """Both sides see a request: the owner's and the requester's organisation, the
    administrators of either province, and the coordination office."""
    return administers(
        actor, organisation_id=owner_organisation_id, jurisdiction_code=dataset_jurisdiction_code
    ) or administers(
        actor,
        organisation_id=requester_organisation_id,
        jurisdiction_code=requester_jurisdiction_code,
    )


def office_must_wait(actor: Actor, *, status: str) -> bool:
    """The coordination office decides a request only once it is escalated."""
    return actor.is_office_admin and status == "pending"


def may_decide(
    actor: Actor | None, *, status: str, owner_organisation_id: int, dataset_jurisdiction_code: str
) -> bool:
    """Whether ``actor`` may decide a request now: the owner (its steward, or the
    administrator of its province) while it is open, the coordination office once escalated."""
    if actor is None or status not in OPEN_STATUSES:
        return False
    if actor.is_office_admin:
        return not office_must_wait(actor, status=status)
    return may_write(
        actor, jurisdiction_code=dataset_jurisdiction_code, organisation_id=owner_organisation_id
    )


def decides_escalated(actor: Actor) -> bool:
    """Escalated requests are the coordination office's to decide."""
    return actor.is_office_admin


def is_overdue(*, status: str, due_date: dt.date, today: dt.date) -> bool:
    """An undecided request past the last day of its decision deadline."""
    return status in OPEN_STATUSES and due_date < today


# --------------------------------------------------------------------------- grants


def may_revoke(actor: Actor | None, *, owner_organisation_id: int, jurisdiction_code: str) -> bool:
    """The owner (its steward, or the administrator of its province) or the office."""
    if actor is None:
        return False
    return may_write(
        actor, jurisdiction_code=jurisdiction_code, organisation_id=owner_organisation_id
    )


# --------------------------------------------------------------------------- people


def may_see_access_activity(actor: Actor | None) -> bool:
    """The access steps of a dataset's activity stream (requests, decisions, grants) are
    shown to logged-in users of the region, as the catalogue entries are; anonymous visitors
    see the dataset's own changes only."""
    return actor is not None


def sees_usernames(
    actor: Actor | None, *, organisation_id: int, jurisdiction_code: str | None
) -> bool:
    """Whether ``actor`` sees the staff usernames on a record of this organisation (who asked
    for access, who decided, granted or revoked): the coordination office, the organisation's
    members and, given its jurisdiction, that province's administrators. Others see the
    organisation only: a username names a person and is half of a login."""
    return administers(actor, organisation_id=organisation_id, jurisdiction_code=jurisdiction_code)
