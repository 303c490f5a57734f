"""Who writes progress data on whose behalf: pure rules of the actor and plain values (no
session, no queries), used by the service, which authorises and audits every write.

The platform rule itself (office administrators everywhere, jurisdiction administrators in
their province, stewards for their own organisation) is :func:`jingjinji.security.may_write`;
these functions only say which organisation a write is made for.
"""

from __future__ import annotations

from collections.abc import Collection

from jingjinji.security import Actor, administers


def commitment_agency(actor: Actor | None, *, agency_ids: Collection[int]) -> int | None:
    """The organisation an actor writes a commitment's status or evidence for: its own, when it
    is one of the commitment's responsible agencies."""
    if actor is not None and actor.organisation_id in agency_ids:
        return actor.organisation_id
    return None


def value_owner(
    organisation_id: int,
    *,
    organisation_jurisdiction: str,
    value_jurisdictions: Collection[str],
) -> int | None:
    """The organisation owning a value it enters: it owns the values of its own jurisdiction and
    of those below it (``value_jurisdictions``: the value's jurisdiction and every one above)."""
    return organisation_id if organisation_jurisdiction in value_jurisdictions else None


def sees_usernames(
    actor: Actor | None, *, organisation_ids: Collection[int | None], jurisdiction_code: str
) -> bool:
    """Whether ``actor`` sees the staff usernames on a progress record (who submitted a value,
    recorded a status change, added evidence): the coordination office, members of the owning
    organisations and the administrators of the owning jurisdiction's province. Everyone else
    sees the owning organisation, not the people (a username names a person and is half of a
    login)."""
    owners = list(organisation_ids) or [None]
    return any(
        administers(actor, organisation_id=o, jurisdiction_code=jurisdiction_code) for o in owners
    )
