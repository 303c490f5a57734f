"""Who may write and read port events: pure predicates of the actor and plain values, used by
the service (which turns them into SQL for listings) and by future pages.

Writing: each container terminal, port or inland port is an organisation of the platform that
operates one or more locations (``ports_locations.organisation_id``); its stewards write the
events that happen at those locations' UN/LOCODEs and no others. A carrier's organisation
writes its SHIPMENT events (they have no location). The coordination office writes any event
(corrections, replays of EDIFACT files).

Reading (``GET /v2/events``), the first rule that holds:

1. the coordination office reads every event;
2. an organisation reads the events it wrote;
3. a terminal organisation reads every event at its own UN/LOCODEs, and every event of
   equipment that has an event at one of them (the transhipment partner: a Hebei port sees
   Tianjin's events of a container that is bound to it, or came from it);
4. a carrier's organisation reads the events that carry one of its booking references (the
   ``BKG`` references on events it wrote);
5. the administrator of a province reads the events at the locations in that province;
6. any other organisation reads the events at the UN/LOCODEs a current catalog grant on
   ``PORTS-EVENTS`` covers (a grant scoped to ``un_location_code`` values, or the whole
   dataset; ``flows.register_events_dataset`` registers it).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from jingjinji.security import Actor, Role

#: The catalog dataset whose grants open port events to other organisations.
EVENTS_DATASET = "PORTS-EVENTS"
#: The field of that dataset a grant's row scope names.
LOCATION_FIELD = "un_location_code"


@dataclass(frozen=True)
class ReadScope:
    """What an actor reads, as plain values the service turns into one SQL condition.

    ``everything``: no restriction. Otherwise an event is read when any of these holds: it was
    written by ``organisation_id``; its UN/LOCODE is in ``locations``; its equipment has an event
    at one of ``equipment_locations``; it carries a booking reference written by
    ``booking_writer``."""

    everything: bool = False
    organisation_id: int | None = None
    locations: frozenset[str] = frozenset()
    equipment_locations: frozenset[str] = frozenset()
    booking_writer: int | None = None

    @property
    def nothing(self) -> bool:
        return not (
            self.everything
            or self.organisation_id is not None
            or self.locations
            or self.equipment_locations
        )


def may_write_event(
    actor: Actor | None,
    *,
    event_type: str,
    un_location_code: str | None,
    own_locations: Collection[str],
    is_carrier: bool,
) -> bool:
    """Whether ``actor`` may record an event of this type at this UN/LOCODE (``own_locations``:
    the UN/LOCODEs its organisation operates; ``is_carrier``: its organisation acts for a
    carrier)."""
    if actor is None:
        return False
    if actor.is_office_admin:
        return True
    if actor.role is not Role.STEWARD or actor.organisation_id is None:
        return False
    if event_type == "SHIPMENT":
        return is_carrier
    return un_location_code is not None and un_location_code in own_locations


def read_scope(
    actor: Actor | None,
    *,
    own_locations: Collection[str],
    province_locations: Collection[str],
    granted_locations: Collection[str] | None,
    is_carrier: bool,
) -> ReadScope:
    """The events ``actor`` reads (see the module's rules). ``own_locations``: UN/LOCODEs its
    organisation operates; ``province_locations``: those in the province it administers (for a
    jurisdiction administrator); ``granted_locations``: UN/LOCODEs its catalog grants cover
    (None: a grant on the whole dataset)."""
    if actor is None:
        return ReadScope()
    if actor.is_office_admin or granted_locations is None:
        return ReadScope(everything=True)
    locations = set(own_locations) | set(granted_locations)
    if actor.role is Role.JURISDICTION_ADMIN:
        locations |= set(province_locations)
    return ReadScope(
        organisation_id=actor.organisation_id,
        locations=frozenset(locations),
        equipment_locations=frozenset(own_locations),
        booking_writer=actor.organisation_id if is_carrier else None,
    )


# ------------------------------------------------------------------------------ subscriptions
#
# A DCSA event subscription belongs to an organisation (``organisation_id``) or, made by a
# coordination office administrator, to the office (``None``). Its owner alone reads, changes
# and deletes it. It receives only events its owner reads: the organisation's rules above (2, 3,
# 4 and 6) evaluated when the event is recorded, never the reach of the person who made it (a
# province administrator's rule 5 belongs to that person, not to an organisation).


def may_subscribe(actor: Actor | None) -> bool:
    """Whether ``actor`` may keep subscriptions: a member of an organisation, or the office."""
    return actor is not None and (actor.is_office_admin or actor.organisation_id is not None)


def subscription_owner(actor: Actor) -> int | None:
    """The owner a subscription made by ``actor`` gets (None: the coordination office)."""
    return None if actor.is_office_admin else actor.organisation_id


def owns_subscription(actor: Actor | None, *, organisation_id: int | None) -> bool:
    """Whether ``actor`` is of the subscription's owner."""
    return (
        may_subscribe(actor)
        and actor is not None
        and (subscription_owner(actor) == organisation_id)
    )


def may_see_subscription(actor: Actor | None, *, organisation_id: int | None) -> bool:
    """Whether ``actor`` reads a subscription and its delivery health: its owner, and the
    coordination office, which oversees every organisation's (changing stays the owner's)."""
    if actor is not None and actor.is_office_admin:
        return True
    return owns_subscription(actor, organisation_id=organisation_id)


def subscription_scope(
    organisation_id: int | None,
    *,
    own_locations: Collection[str],
    granted_locations: Collection[str] | None,
    is_carrier: bool,
) -> ReadScope:
    """The events a subscription of ``organisation_id`` (None: the office) receives."""
    if organisation_id is None or granted_locations is None:
        return ReadScope(everything=True)
    return ReadScope(
        organisation_id=organisation_id,
        locations=frozenset(set(own_locations) | set(granted_locations)),
        equipment_locations=frozenset(own_locations),
        booking_writer=organisation_id if is_carrier else None,
    )


# --- Transport orders (ports-orders) --------------------------------------------------------


def may_create_order(actor: Actor | None, *, owner_organisation_id: int) -> bool:
    """The coordination office for any owner; a steward for its own organisation."""
    if actor is None:
        return False
    if actor.is_office_admin:
        return True
    return actor.role is Role.STEWARD and actor.organisation_id == owner_organisation_id


def may_read_order(actor: Actor | None, *, party_organisation_ids: Collection[int]) -> bool:
    """The coordination office, and the members of the order's parties (the owner is one).
    A party sees the whole timeline of its order: the events of every party for the order's
    containers, whoever wrote them; that is what an order is for."""
    if actor is None:
        return False
    if actor.is_office_admin:
        return True
    return actor.organisation_id is not None and actor.organisation_id in party_organisation_ids


# ------------------------------------------------------------------------ EDIFACT submissions
#
# A terminal's stewards (an organisation that operates a location) and the office submit
# interchanges; which events of a file they may write is decided by ``may_write_event`` when the
# job records them. A submission is read by the office, the submitter's organisation and the
# submitter.


def may_submit_edifact(actor: Actor | None, *, own_locations: Collection[str]) -> bool:
    """Whether ``actor`` may submit an EDIFACT interchange (``own_locations``: the UN/LOCODEs
    its organisation operates)."""
    if actor is None:
        return False
    if actor.is_office_admin:
        return True
    return actor.role is Role.STEWARD and actor.organisation_id is not None and bool(own_locations)


def may_read_submission(actor: Actor | None, *, organisation_id: int | None, user_id: int) -> bool:
    """Whether ``actor`` reads a submission made by ``user_id`` of ``organisation_id``."""
    if actor is None:
        return False
    if actor.is_office_admin or actor.user_id == user_id:
        return True
    return organisation_id is not None and actor.organisation_id == organisation_id
