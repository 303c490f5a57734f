"""Who receives a notification: the raising domain names its audience in plain values, and this
predicate decides for each user. Pure functions of the actor and those values."""

from __future__ import annotations

from dataclasses import dataclass

from jingjinji.security import Actor, Role, province_of


@dataclass(frozen=True)
class Audience:
    """The people a domain's event concerns; a user matching any line receives it.

    - ``usernames``: these people (the requester of a decision);
    - ``organisation_ids`` with ``member_roles``: members of these organisations in these roles
      (the stewards of a dataset's owner, the environment agency of a province);
    - ``province_admins``: the jurisdiction administrators of the provinces of these codes;
    - ``office``: the coordination office's administrators.
    """

    usernames: tuple[str, ...] = ()
    organisation_ids: tuple[int, ...] = ()
    member_roles: tuple[Role, ...] = (Role.STEWARD,)
    province_admins: tuple[str, ...] = ()
    office: bool = False


def receives(actor: Actor, audience: Audience) -> bool:
    if actor.username in audience.usernames:
        return True
    if audience.office and actor.role is Role.OFFICE_ADMIN:
        return True
    if (
        actor.organisation_id is not None
        and actor.organisation_id in audience.organisation_ids
        and actor.role in audience.member_roles
    ):
        return True
    return actor.role is Role.JURISDICTION_ADMIN and actor.province_code in {
        province_of(code) for code in audience.province_admins
    }


def may_read(actor: Actor, *, recipient_user_id: int) -> bool:
    """A notification is its recipient's alone (the office does not read others' inboxes)."""
    return actor.user_id == recipient_user_id
