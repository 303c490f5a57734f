"""Demo data: the reference documents' agreements, commitments and every figure of the Binhai
review, loaded from ``data/demo_documents.json`` through the services (authorised as the
coordination office, audited)."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from typing import TYPE_CHECKING, Any

from jingjinji.progress import service
from jingjinji.progress.schemas import (
    AgreementIn,
    CommitmentIn,
    EvidenceIn,
    IndicatorIn,
    StatusChangeIn,
    TargetIn,
    ValueIn,
)
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.timezone import china_today

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jingjinji.demo import DemoContext

DATA_FILE = "demo_documents.json"


def demo_data() -> dict[str, Any]:
    text = resources.files("jingjinji.progress").joinpath("data", DATA_FILE).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def value_source(row: dict[str, Any]) -> str:
    """The source field of a demo value: document id and locator."""
    return f"document {row['document']}, {row['locator']}"


def load(session: Session, ctx: DemoContext) -> None:
    data = demo_data()
    orgs: dict[str, int] = ctx.values["organisations"]
    actor = SYSTEM_ACTOR
    for ind in data["indicators"]:
        service.create_indicator(session, actor=actor, data=IndicatorIn(**ind))
    for ag in data["agreements"]:
        service.create_agreement(
            session,
            actor=actor,
            data=AgreementIn(
                code=ag["code"],
                title_zh=ag["title_zh"],
                title_en=ag["title_en"],
                parties=ag["parties"],
                signed_on=ag["signed_on"],
                source_document=ag["source_document"],
            ),
        )
    for c in data["commitments"]:
        service.create_commitment(
            session,
            actor=actor,
            data=CommitmentIn(
                agreement_code=c["agreement"],
                code=c["code"],
                text_zh=c["text_zh"],
                text_en=c["text_en"],
                area=c["area"],
                lead_jurisdiction_code=c["lead"],
                supporting_jurisdiction_codes=c["supporting"],
                agency_ids=[orgs[key] for key in c["agencies"]],
                deadline=c["deadline"],
                status="in_progress",
                indicator_codes=c["indicators"],
                source_locator=c["locator"],
            ),
        )
        if c["status"] != "in_progress":
            service.change_status(
                session,
                actor=actor,
                code=c["code"],
                data=StatusChangeIn(
                    status=c["status"], changed_on=_today(), note=c.get("status_note")
                ),
            )
        for ev in c["evidence"]:
            service.add_evidence(session, actor=actor, code=c["code"], data=EvidenceIn(**ev))
    values = [
        ValueIn(
            indicator_code=v["indicator"],
            jurisdiction_code=v["jurisdiction"],
            period=v["period"],
            value=v["value"],
            source=value_source(v),
            note=v.get("note"),
        )
        for v in data["values"]
    ]
    service.submit_values(session, actor=actor, values=values, channel="demo")
    for t in data["targets"]:
        service.set_target(session, actor=actor, data=TargetIn(**t))
    session.flush()


def _today() -> dt.date:
    return china_today()
