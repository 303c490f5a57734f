"""A whole batch: authorise, validate, store or refuse it, and keep the ingestion on record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.air import service
from jingjinji.air.ingest.parsing import Normalised
from jingjinji.air.ingest.store import merge
from jingjinji.air.ingest.validation import validate
from jingjinji.air.models import Ingestion, Station
from jingjinji.air.service import daily_cache
from jingjinji.audit import service as audit
from jingjinji.db import utcnow
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.security import Actor, Role, ensure_role

MAX_ISSUES_RETURNED = 10_000
MAX_ISSUES_STORED = 1_000


@dataclass
class IngestResult:
    ingestion_id: int | None
    status: str  # accepted | partial | rejected
    rows_received: int
    rows_accepted: int
    rows_rejected: int
    inserted: int
    updated: int
    unchanged: int
    issues: list[dict[str, Any]]
    stations: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ingestion_id": self.ingestion_id,
            "status": self.status,
            "rows_received": self.rows_received,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "issues": self.issues[:MAX_ISSUES_RETURNED],
            "issues_truncated": len(self.issues) > MAX_ISSUES_RETURNED,
            "stations": self.stations,
        }


def ingest(
    session: Session,
    *,
    actor: Actor,
    normalised: Normalised,
    channel: str,
    source: str = "",
    partial: bool = False,
    co_declared: bool = True,
    now: dt.datetime | None = None,
    recompute: bool = True,
) -> IngestResult:
    """Authorise, validate and store a normalised batch; 403 / 422 as the package documents."""
    frame = normalised.frame
    authorise(session, actor, frame["station_code"].drop_nulls().unique().to_list())
    accepted, issues = validate(session, normalised, now=now, co_declared=co_declared)
    received = frame.height
    rejected_rows = len({i["row"] for i in issues})
    ingestion = Ingestion(
        channel=channel,
        source=source[:200],
        actor_username=actor.username,
        started_at=utcnow(),
        rows_received=received,
        rows_rejected=rejected_rows,
    )
    if issues and not partial:
        raise _refuse_batch(
            session,
            ingestion,
            issues,
            actor=actor,
            channel=channel,
            source=source,
        )
    session.add(ingestion)
    session.flush()
    touched = daily_cache.station_days(accepted)
    # Writers of the same station-days go one after the other from here on (see daily_cache).
    daily_cache.lock_station_days(session, touched)
    counts = merge(
        session,
        accepted,
        actor_name=actor.username,
        ingestion_id=ingestion.id,
        columns=normalised.columns,
        now=now,
    )
    stations = sorted(set(accepted["station_code"].to_list()))
    if recompute and not accepted.is_empty():
        daily_cache.recompute_station_days(session, touched)
    status = "accepted" if not issues else "partial"
    ingestion.status = status
    ingestion.finished_at = utcnow()
    ingestion.inserted, ingestion.updated, ingestion.unchanged = (
        counts.inserted,
        counts.updated,
        counts.unchanged,
    )
    ingestion.report = issues[:MAX_ISSUES_STORED]
    audit.record(
        session,
        actor=actor,
        action="air.observations.ingest",
        object_type="air_ingestion",
        object_id=ingestion.id,
        jurisdiction_code=_common_jurisdiction(session, stations),
        detail={
            "channel": channel,
            "source": source,
            "rows": received,
            "rows_rejected": rejected_rows,
            "inserted": counts.inserted,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "stations": stations[:50],
        },
    )
    return IngestResult(
        ingestion.id,
        status,
        received,
        accepted.height,
        rejected_rows,
        counts.inserted,
        counts.updated,
        counts.unchanged,
        issues,
        stations,
    )


def _refuse_batch(
    session: Session,
    ingestion: Ingestion,
    issues: list[dict[str, Any]],
    *,
    actor: Actor,
    channel: str,
    source: str,
) -> InvalidInput:
    """A batch with bad rows and no ``partial``: nothing of it is stored; the rejected ingestion
    and its audit entry are committed together, and the 422 listing every bad row is returned
    to raise."""
    received, rejected_rows = ingestion.rows_received, ingestion.rows_rejected
    error = InvalidInput(
        msg(
            "{rejected} of {received} rows are invalid; nothing was stored (send ?partial=true "
            "to store the valid rows)",
            rejected=rejected_rows,
            received=received,
        ),
        errors=[
            field_error(
                ["body", "observations", i["row"], i["column"] or "row"],
                i["reason"],
                **{k: v for k, v in i.items() if k != "reason"},
            )
            for i in issues[:MAX_ISSUES_RETURNED]
        ],
    )

    def keep_rejected_ingestion(session: Session) -> int:
        ingestion.status = "rejected"
        ingestion.finished_at = utcnow()
        ingestion.report = issues[:MAX_ISSUES_STORED]
        session.add(ingestion)
        session.flush()
        return ingestion.id

    return audit.audited_refusal(
        session,
        error,
        actor=actor,
        action="air.observations.ingest",
        object_type="air_ingestion",
        keep=keep_rejected_ingestion,
        outcome="rejected",
        detail={
            "channel": channel,
            "source": source,
            "rows": received,
            "rows_rejected": rejected_rows,
        },
    )


def authorise(session: Session, actor: Actor, station_codes: Iterable[str]) -> None:
    """403 (audited) unless the actor may write every known station of the batch; a batch
    naming no known station still needs a role that writes observations at all (an analyst's
    batch is refused before it is validated or recorded as an ingestion)."""
    codes = sorted(set(station_codes))
    if not codes or session.scalar(select(Station.code).where(Station.code.in_(codes))) is None:
        ensure_role(
            session,
            actor,
            Role.OFFICE_ADMIN,
            Role.JURISDICTION_ADMIN,
            Role.STEWARD,
            action="air.observations.write",
            object_type="air_station",
        )
        return
    seen: set[tuple[str, int | None]] = set()
    for station in session.scalars(
        select(Station).where(Station.code.in_(codes)).order_by(Station.code)
    ):
        owner = (station.city_code, station.organisation_id)
        if owner in seen:
            continue
        seen.add(owner)
        service.ensure_can_write_station(session, actor, station, action="air.observations.write")


def _common_jurisdiction(session: Session, stations: Sequence[str]) -> str | None:
    if not stations:
        return None
    cities = set(
        session.scalars(select(Station.province_code).where(Station.code.in_(list(stations))))
    )
    return cities.pop() if len(cities) == 1 else None
