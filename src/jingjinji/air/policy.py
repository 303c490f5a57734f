"""Who may do what with air data: pure predicates of the actor and a station, shared by the
services, the pages and their templates.

Writing a station's observations is :func:`jingjinji.security.may_write` (the owning agency's
stewards and the administrators above it), enforced by ``ensure_can_write`` in the services.
"""

from __future__ import annotations

from collections.abc import Iterable

from jingjinji.air.models import Station
from jingjinji.security import Actor, Role, administers

#: Roles that upload observations at all (which stations they may write is decided per station).
UPLOADING_ROLES = frozenset({Role.STEWARD, Role.OFFICE_ADMIN, Role.JURISDICTION_ADMIN})


def may_upload(actor: Actor | None) -> bool:
    """Whether the upload form is offered: data stewards and administrators upload."""
    return actor is not None and actor.role in UPLOADING_ROLES


def administers_station(actor: Actor | None, station: Station) -> bool:
    """The platform rule: office admin, member of the owning agency or admin of its province."""
    return administers(
        actor, organisation_id=station.organisation_id, jurisdiction_code=station.city_code
    )


def may_read_raw(actor: Actor | None, station: Station) -> bool:
    """Whether ``actor`` reads a station's raw hourly values while its raw dataset is not
    registered in the catalog (once it is, the catalog's grant decides)."""
    return administers_station(actor, station)


def stations_for_upload(actor: Actor | None, stations: Iterable[Station]) -> list[Station]:
    """The stations the upload form lists as writable for ``actor``."""
    return [s for s in stations if administers_station(actor, s)]
