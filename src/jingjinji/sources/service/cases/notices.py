"""Who hears of a new enforcement case: the environment agency (its stewards) and the
administrator of every jurisdiction involved (lead, border, park), and the coordination office."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from jingjinji.notifications import service as notifications
from jingjinji.notifications.service import Audience, Kind
from jingjinji.regions import service as regions
from jingjinji.security import Actor
from jingjinji.sources.models import Case


def case_opened(session: Session, *, actor: Actor, case: Case, involved: Iterable[str]) -> None:
    provinces = tuple(involved)
    agencies = (
        regions.find_organisation(session, jurisdiction_code=code, kind="environment")
        for code in provinces
    )
    notifications.notify(
        session,
        kind=Kind.CASE_OPENED,
        audience=Audience(
            organisation_ids=tuple(org.id for org in agencies if org is not None),
            province_admins=provinces,
            office=True,
        ),
        params={"case": case.id, "title": case.title, "opened_by": case.opened_by},
        link=f"/sources/cases/{case.id}",
        actor=actor,
    )
