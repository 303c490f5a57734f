"""Demo data of the ports domain: the region's ports and their (demo) operators, carriers, a
user for a Tianjin and a Hebei terminal and for the feeder line, and a synthetic season of
port calls and container events (``season``), transport orders over them (``orders``), a
live and a dead subscriber of event callbacks (``subscribers``) and the EDIFACT sample files
submitted through the intake's job (``edifact``), all written through the
services."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

# The demo password and its precomputed hash are the accounts demo's (public, demo only).
from jingjinji.accounts.demo import DEMO_PASSWORD, DEMO_PASSWORD_HASH
from jingjinji.accounts.schemas import UserIn
from jingjinji.accounts.service import actor_of, bootstrap_user
from jingjinji.ports import flows, service
from jingjinji.ports.demo import edifact, green_channel, orders, places, season, subscribers
from jingjinji.ports.models import EventSource
from jingjinji.ports.schemas.api import CarrierIn, LocationIn
from jingjinji.regions import service as regions
from jingjinji.regions import uscc
from jingjinji.regions.schemas import OrganisationIn
from jingjinji.security import SYSTEM_ACTOR, Actor, Role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jingjinji.demo import DemoContext


def _uscc(jurisdiction_code: str, serial: int) -> str:
    """A synthetic, check-valid USCC (as the regions demo makes them)."""
    body = f"11{jurisdiction_code}DEM0{serial:05d}"[:17]
    return body + uscc.check_character(body)


def organisations(session: Session) -> dict[str, int]:
    """The demo operators of the ports and the feeder line, by key."""
    out: dict[str, int] = {}
    for key, (jurisdiction, name_zh, name_en, serial) in places.OPERATORS.items():
        org = regions.create_organisation(
            session,
            actor=SYSTEM_ACTOR,
            data=OrganisationIn(
                uscc=_uscc(jurisdiction, serial),
                name_zh=name_zh,
                name_en=name_en,
                jurisdiction_code=jurisdiction,
                kind="port" if key != "carrier" else "carrier",
            ),
        )
        out[key] = org.id
    return out


def reference_data(session: Session, orgs: dict[str, int]) -> None:
    for p in places.PLACES:
        service.register_location(
            session,
            actor=SYSTEM_ACTOR,
            data=LocationIn(
                un_location_code=p.code,
                facility_code=p.facility,
                name_en=p.name_en,
                name_zh=p.name_zh,
                kind=p.kind,
                jurisdiction_code=p.jurisdiction,
                longitude=p.longitude,
                latitude=p.latitude,
                organisation_id=orgs[p.operator] if p.operator else None,
                code_assumed=p.assumed,
                code_assumed_reason=p.reason,
            ),
        )
    for code, name, operator in places.CARRIERS:
        service.register_carrier(
            session,
            actor=SYSTEM_ACTOR,
            data=CarrierIn(
                code=code,
                code_list_provider="SMDG",
                name=name,
                organisation_id=orgs[operator] if operator else None,
            ),
        )


def writers(session: Session, orgs: dict[str, int]) -> dict[str, Actor]:
    """A steward per operator (the ones in ``TERMINAL_USERS`` can log in; the others write
    the demo's events only)."""
    usernames = {v: k for k, v in places.TERMINAL_USERS.items()}
    out: dict[str, Actor] = {}
    for key, org_id in orgs.items():
        username = usernames.get(key, f"demo-{key.replace('_', '-')}")
        user = bootstrap_user(
            session,
            data=UserIn(
                username=username,
                display_name=places.OPERATORS[key][2],
                password=DEMO_PASSWORD,
                role=Role.STEWARD,
                jurisdiction_code=None,
                organisation_id=org_id,
            ),
            password_hash=DEMO_PASSWORD_HASH,
        )
        out[key] = actor_of(user, channel="system")
    return out


def load_green_channel(session: Session, actors: dict[str, Actor], vessels: dict[str, str]) -> int:
    """The synthetic Xiong'an trains and empty returns (``green_channel``), the dry port's
    gate-ins written by the office, and one correction of them; the number of events."""
    by_writer, (wrong, fixed) = green_channel.make(vessels)
    count = 0
    for writer, payloads in by_writer.items():
        actor = SYSTEM_ACTOR if writer == "office" else actors[writer]
        events, payloads = service.parse_events(payloads)
        service.record_events(session, actor=actor, events=events, payloads=payloads)
        count += len(events)
    events, payloads = service.parse_events(fixed)
    service.record_events(
        session, actor=SYSTEM_ACTOR, events=events, payloads=payloads, supersedes=uuid.UUID(wrong)
    )
    return count + 1


def logins() -> list[tuple[str, str, str]]:
    """The terminals' and the feeder line's logins (username, password, who), printed with the
    platform's other demo logins."""
    return [
        (username, DEMO_PASSWORD, places.OPERATORS[key][2])
        for username, key in places.TERMINAL_USERS.items()
    ]


def load(session: Session, ctx: DemoContext) -> None:
    started = time.perf_counter()
    orgs = organisations(session)
    reference_data(session, orgs)
    actors = writers(session, orgs)
    flows.register_events_dataset(
        session, actor=SYSTEM_ACTOR, owner_organisation_id=orgs["tj_port"]
    )
    made = season.make_season()
    count = 0
    for writer, payloads in made.events.items():
        events, payloads = service.parse_events(payloads)
        service.record_events(
            session, actor=actors[writer], events=events, payloads=payloads,
            source=EventSource.API,
        )  # fmt: skip
        count += len(events)
    # The two demo subscribers (one live, one dead) before the green channel's events, which
    # then make their callbacks for the worker to send.
    subscribed = subscribers.load(
        session, actors, str(ctx.values.get("ports_receiver_base") or subscribers.DEFAULT_BASE)
    )
    count += load_green_channel(session, actors, made.vessels)
    # The indicators computed once from the season (`jjj ports indicators` recomputes them).
    flows.register_datasets(session, actor=SYSTEM_ACTOR)
    published = flows.publish_indicators(session, actor=SYSTEM_ACTOR)
    made_orders = orders.load(session, made, orgs)
    # After the published season: the samples' events (November) go to the stored indicators.
    submissions = edifact.load(session, actors)
    service.refresh_indicators(session)
    ctx.logins.extend(logins())
    ctx.values["ports_demo"] = {
        "organisations": orgs,
        "events": count,
        "edifact_submissions": submissions,
        "indicators": published.totals,
        **made_orders,
        "subscribers": subscribed,
        "seconds": round(time.perf_counter() - started, 2),
    }
