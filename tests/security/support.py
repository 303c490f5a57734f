"""The world the attack tests run against: the embedded demo (without the air history), every
demo user with an API token, and Beijing-owned objects of each kind the API writes, made through
the services. A digest of every table tells whether a refused request changed anything."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.accounts import service as accounts_service
from jingjinji.accounts.demo import DEMO_USERS
from jingjinji.air import demo as air_demo
from jingjinji.catalog import demo as catalog_demo
from jingjinji.catalog.models import AccessRequest, Dataset
from jingjinji.credit import demo as credit_demo
from jingjinji.credit.kernels.uscc import synthetic_uscc
from jingjinji.credit.schemas.records import RecordIn
from jingjinji.credit.schemas.services import CommitmentIn, DeclarationIn, ObjectionIn, RepairIn
from jingjinji.credit.schemas.subjects import SubjectIn
from jingjinji.credit.service import commitments as credit_commitments
from jingjinji.credit.service import declarations as credit_declarations
from jingjinji.credit.service import objections as credit_objections
from jingjinji.credit.service import records as credit_records
from jingjinji.credit.service import repairs as credit_repairs
from jingjinji.credit.service import subjects as credit_subjects
from jingjinji.demo import DemoContext
from jingjinji.jobs import service as jobs_service
from jingjinji.notifications import service as notifications_service
from jingjinji.progress import demo as progress_demo
from jingjinji.progress import service as progress_service
from jingjinji.progress.models import IndicatorValue as Value
from jingjinji.progress.schemas import ValueIn
from jingjinji.regions import service as regions
from jingjinji.timezone import china_today
from jingjinji.warnings import demo as warnings_demo
from jingjinji.warnings import webhooks
from jingjinji.warnings.models import PollutionWarning as Warning
from tests.catalog.support import apply_and_approve
from tests.conftest import People
from tests.security.ports_world import ports_objects
from tests.security.sources_world import sources_objects
from tests.security.water_world import water_objects

PROBLEM = "application/problem+json"
ANONYMOUS = "anonymous"
USERS: tuple[str, ...] = tuple(username for username, *_ in DEMO_USERS)
PERSONAS: tuple[str, ...] = (ANONYMOUS, *USERS)
# Tables a refused request may change: the audit chain records the refusal; a token's use is
# noted on it; login throttling counts attempts.
BOOKKEEPING_TABLES = frozenset({"audit_entries", "audit_head", "audit_checkpoints"})
BOOKKEEPING_COLUMNS = frozenset({"last_used_at", "last_seen_at"})
# The Beijing objects the attacks aim at (owner: the Beijing ecology and environment bureau).
BJ_DATASET = "BJ-ENV-PERMIT"  # unconditional, not open to the public
BJ_CONDITIONAL = "BJ-ENV-PENALTY"
BJ_NOT_SHARED = "BJ-STATS-HOUSEHOLD-SURVEY"  # the Beijing statistics bureau's
BJ_COMMITMENT = "bjtj-01"  # led by Beijing
YEAR_INDICATOR = "bh_sei_share"  # a yearly indicator of the demo
# A Beijing subject of the credit registry (synthetic code) whose records the Beijing market
# regulator (bj_samr, steward bj-samr) keeps.
CREDIT_USCC = synthetic_uscc("91", "110105", 77001)


@dataclass
class World:
    """The personas' headers and the ids of the objects under attack."""

    client: TestClient
    factory: sessionmaker[Session]
    people: People
    headers: dict[str, dict[str, str]]
    ids: dict[str, Any] = field(default_factory=dict)

    def call(self, persona: str, method: str, url: str, **kwargs: Any) -> Response:
        return self.client.request(method, url, headers=self.headers[persona], **kwargs)


def build_world(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> World:
    ctx = DemoContext(values={"organisations": people.organisations, "skip_air_history": True})
    for module in (catalog_demo, air_demo, warnings_demo, progress_demo, credit_demo):
        with session_factory() as session:
            module.load(session, ctx)
            session.commit()
    headers: dict[str, dict[str, str]] = {ANONYMOUS: {}}
    for username in USERS:
        headers[username] = people.headers(session_factory, username)
    world = World(client, session_factory, people, headers)
    ids = world.ids
    _, ids["grant"] = apply_and_approve(
        session_factory, people["he-analyst"], people["bj-env"], BJ_CONDITIONAL, ["uscc"]
    )
    with session_factory() as session:
        ids["pending_request"] = session.scalar(
            select(AccessRequest.id)
            .join(Dataset, Dataset.id == AccessRequest.dataset_id)
            .where(Dataset.code == BJ_CONDITIONAL, AccessRequest.status == "pending")
        )
        ids["warning"] = session.scalar(select(Warning.id).order_by(Warning.id))
        progress_service.submit_value(
            session,
            actor=people["bj-admin"],
            value=ValueIn(
                indicator_code=YEAR_INDICATOR,
                jurisdiction_code="110000",
                period="2022",
                value=3.5,
                source="Beijing's own",
            ),
        )
        ids["bj_value"] = session.scalar(
            select(Value.id).where(Value.jurisdiction_code == "110000").order_by(Value.id)
        )
        token, _ = accounts_service.create_token(
            session, actor=people["bj-env"], name="bj-env's own"
        )
        ids["bj_token"] = token.id
        ids["job"] = jobs_service.enqueue(session, kind="security.noop", payload={"n": 1}).id
        [ids["notification"]] = [
            n.id
            for n in notifications_service.notify(
                session,
                kind=notifications_service.Kind.ACCESS_ESCALATED,
                audience=notifications_service.Audience(usernames=("office",)),
                params={"dataset": BJ_DATASET, "due": "2026-01-19"},
                link="/access-requests",
            )
        ]
        ids["subscription"] = webhooks.create_subscription(
            session,
            actor=people["office"],
            url="https://receiver.example/h",
            event_types=["*"],
        ).id
        session.commit()
    ids.update(_credit_objects(session_factory, people))
    ids.update(water_objects(session_factory, people))
    ids.update(sources_objects(session_factory, people))
    ids.update(ports_objects(session_factory, people))
    assert all(value is not None for value in ids.values()), ids
    return world


def _record(number: str, *, kind: str, decided: dt.date, org_id: int, **extra: Any) -> RecordIn:
    return RecordIn.model_validate(
        {
            "kind": kind,
            "uscc": CREDIT_USCC,
            "source_organisation_id": org_id,
            "document_number": number,
            "title": "测试记录",
            "legal_basis": "测试法律依据",
            "decision_date": decided.isoformat(),
            "synthetic": True,
            **extra,
        }
    )


def penalty_fields() -> dict[str, Any]:
    """What a penalty needs beyond the fields of every record."""
    return {
        "category": "罚款",
        "severity": "ordinary",
        "facts": "测试违法事实",
        "content": "罚款",
        "fine_10k_cny": "1.5",
    }


def _credit_objects(factory: sessionmaker[Session], people: People) -> dict[str, Any]:
    """The Beijing market regulator's credit objects under attack, made through the services:
    a pending penalty, a published red-list entry, published penalties past their minimum
    publicity period (decided 120 days ago: 3 months minimum) with a pending objection, a
    pending repair, and two free for the public forms; an active commitment made to bj_samr;
    an anonymous self-declaration of the Beijing subject."""
    bj_samr = people.organisations["bj_samr"]
    steward = people["bj-samr"]
    day = china_today()
    ids: dict[str, Any] = {"bj_samr": bj_samr, "credit_uscc": CREDIT_USCC}
    with factory() as session:
        ids["bj_samr_uscc"] = regions.get_organisation(session, organisation_id=bj_samr).uscc
        credit_subjects.register_subject(
            session,
            actor=steward,
            data=SubjectIn(uscc=CREDIT_USCC, name="京测试科技有限公司（虚构）", synthetic=True),
        )
        past = day - dt.timedelta(days=120)
        published = [
            credit_records.create_record(
                session,
                actor=steward,
                data=_record(
                    f"京市监测罚〔{i}〕号",
                    kind="penalty",
                    decided=past,
                    org_id=bj_samr,
                    publish=True,
                    **penalty_fields(),
                ),
            ).id
            for i in range(4)
        ]
        ids["credit_objection_record"], ids["credit_repair_record"] = published[2:]
        ids["credit_pending"] = credit_records.create_record(
            session,
            actor=steward,
            data=_record(
                "京市监测待〔1〕号",
                kind="penalty",
                decided=day - dt.timedelta(days=1),
                org_id=bj_samr,
                **penalty_fields(),
            ),
        ).id
        ids["credit_entry"] = credit_records.create_record(
            session,
            actor=steward,
            data=_record("京市监测红〔1〕号", kind="red_list", decided=past, org_id=bj_samr),
        ).id
        ids["credit_objection"] = credit_objections.submit_objection(
            session,
            actor=None,
            data=ObjectionIn(
                record_id=published[0],
                objector_name="测试联系人",
                objector_contact="010-00000000",
                reason="事实有误（测试）",
            ),
        ).id
        ids["credit_repair"] = credit_repairs.apply_for_repair(
            session,
            actor=None,
            data=RepairIn(record_id=published[1], applicant_name="测试企业", evidence="已整改"),
        ).id
        ids["credit_commitment"] = credit_commitments.sign_commitment(
            session,
            actor=None,
            data=CommitmentIn(
                uscc=CREDIT_USCC,
                representative_name="测试代表",
                purpose="告知承诺（测试）",
                content="承诺九十日内整改",
                organisation_id=bj_samr,
                due_date=day + dt.timedelta(days=90),
            ),
        ).id
        ids["credit_declaration"] = credit_declarations.declare(
            session,
            actor=None,
            data=DeclarationIn(
                uscc=CREDIT_USCC,
                kind="honour",
                title="守合同重信用（测试）",
                declared_by_name="测试",
            ),
        ).id
        session.commit()
    return ids


def table_digests(engine: Engine) -> dict[str, str]:
    """Each table's rows (bookkeeping left out) as a digest, to compare before and after."""
    digests = {}
    with engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            if table in BOOKKEEPING_TABLES:
                continue
            columns = [
                c["name"]
                for c in inspect(conn).get_columns(table)
                if c["name"] not in BOOKKEEPING_COLUMNS
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            rows = conn.execute(text(f'SELECT {listed} FROM "{table}"')).all()
            digest = hashlib.sha256(repr(sorted(map(repr, rows))).encode())
            digests[table] = f"{len(rows)}:{digest.hexdigest()[:16]}"
    return digests


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))


def is_problem(response: Response) -> bool:
    content_type: str = response.headers.get("content-type", "")
    return content_type.startswith(PROBLEM)


def today_plus(days: int) -> str:
    return (china_today() + dt.timedelta(days=days)).isoformat()


def summary(counts: Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in counts)
