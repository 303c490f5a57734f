"""Statement budgets: each page and list API answers with a bounded number of SQL statements,
and that number does not grow with the data (no query per row: an N+1 fails here).

The data is the embedded demo (catalog, air stations, warnings, progress: built by the demo
loaders, through the services), plus hourly observations and warnings; every URL is measured,
then the data is grown to about three times as many rows (copies of the demo's datasets, access
requests, commitments, indicators, values and targets under new codes, three times as many
stations with observations and warnings) and measured again. Counts are of the request only
(``tests/statements.py``), as the coordination office with a fresh token (the token's lookup and
its last-use stamp are three of the statements).
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.accounts import service as accounts
from jingjinji.air import demo as air_demo
from jingjinji.air import ingest
from jingjinji.catalog import demo as catalog_demo
from jingjinji.catalog import service as catalog
from jingjinji.catalog.schemas import AccessRequestIn, DecisionIn
from jingjinji.credit import demo as credit_demo
from jingjinji.credit.kernels.uscc import synthetic_uscc
from jingjinji.credit.schemas.records import RecordIn
from jingjinji.credit.schemas.subjects import SubjectIn
from jingjinji.credit.service import publication as credit_publication
from jingjinji.credit.service import records as credit_records
from jingjinji.credit.service import subjects as credit_subjects
from jingjinji.demo import DemoContext
from jingjinji.progress import demo as progress_demo
from jingjinji.progress import service as progress
from jingjinji.progress.schemas import TargetIn
from jingjinji.security import SYSTEM_ACTOR, Actor
from jingjinji.timezone import china_today
from jingjinji.warnings import demo as warnings_demo
from jingjinji.warnings import service as warnings
from tests.conftest import People
from tests.statements import Counted, count_request

# URL -> most statements it may take: what it takes today plus 2 (3 of them resolve the token).
# Before issue 9 on the same data (small -> three times the rows): /progress 131 -> 363,
# /progress/commitments 45 -> 115, /progress/indicators/<code> 55 -> 125, /access-requests
# 18 -> 28, /api/v1/datasets 48 -> 100, /api/v1/access-requests 9 -> 17, /air 38 -> 39,
# /api/v1/air/latest 8 -> 20, /api/v1/air/cities 43, /api/v1/progress/rollups 125 -> 357,
# /api/v1/progress/commitments 40 -> 105.
# The first subject of the credit demo's Beijing registry.
SUBJECT = synthetic_uscc("91", "110101", 11001)
BUDGETS: dict[str, int] = {
    # progress
    "/progress": 19,
    "/progress/commitments": 13,
    "/progress/commitments?group_by=agency": 13,
    "/progress/indicators": 12,
    "/progress/indicators?group_by=agency": 13,
    "/progress/indicators/bh_pm25": 23,
    "/progress/commitments/bjtj-23": 15,
    "/api/v1/progress/agreements": 3,
    "/api/v1/progress/commitments": 8,
    "/api/v1/progress/commitments?group_by=area": 8,
    # resolves the reader now (who may see staff usernames): 3 statements more
    "/api/v1/progress/commitments/bjtj-23": 13,
    "/api/v1/progress/indicators": 3,
    "/api/v1/progress/values": 7,
    "/api/v1/progress/targets": 4,
    "/api/v1/progress/summary": 6,
    "/api/v1/progress/summary?group_by=agency": 7,
    "/api/v1/progress/rollups": 13,
    # catalog
    "/catalog": 9,
    # issue 15: +6 for the tags, record count and owner of the entry, and the activity
    # stream (the dataset's request and grant ids, then its audit entries)
    "/catalog/BJ-ENV-PENALTY": 22,
    "/access-requests": 14,
    "/region": 11,
    # issue 15: +2 for the tags and the record counts of the page's datasets
    "/api/v1/datasets": 10,
    "/api/v1/datasets/BJ-ENV-PENALTY": 10,
    "/api/v1/access-requests": 7,
    "/api/v1/access-grants": 7,
    # air
    "/air": 10,
    "/air/stations/1001A": 9,
    "/api/v1/air/latest": 4,
    "/api/v1/air/latest?city=110000": 5,
    "/api/v1/air/stations": 3,
    "/api/v1/air/stations/1001A": 5,
    "/api/v1/air/cities": 4,
    "/api/v1/air/ranking": 6,
    "/api/v1/air/ranking/hourly": 7,
    "/air/public": 11,
    # warnings
    # +1 since issue 16: the forecast chart says why a city has no forecast (its history)
    "/warnings": 12,
    "/api/v1/warnings": 6,
    "/api/v1/warnings/criteria": 3,
    # regions, accounts, jobs, audit
    "/api/v1/jurisdictions": 3,
    "/api/v1/organisations": 3,
    "/api/v1/users": 6,
    "/api/v1/jobs": 6,
    "/api/v1/audit/entries": 6,
    "/audit": 8,
    # credit (before the batched former names, 54 for a page of 50 subjects)
    "/credit": 5,
    "/credit?q=示例": 7,
    f"/credit/subjects/{SUBJECT}": 10,
    "/credit/agency": 11,
    "/credit/agency/dashboard": 8,
    "/credit/desk/objections": 13,
    "/credit/desk/repairs": 9,
    "/api/v1/credit/subjects?q=示例": 7,
    "/api/v1/credit/records": 8,
    "/api/v1/credit/public/subjects?q=示例": 7,
    f"/api/v1/credit/public/subjects/{SUBJECT}": 10,
    "/api/v1/credit/objections": 9,
    "/api/v1/credit/repairs": 9,
    "/api/v1/credit/commitments": 8,
    f"/api/v1/credit/declarations?uscc={SUBJECT}": 5,
    "/api/v1/credit/publication/queue": 8,
    "/api/v1/credit/publication/timeliness": 7,
    "/api/v1/credit/classes": 3,
    # water pages (without water data here: tests/water/test_pages.py counts them with sections)
    "/water": 8,
    "/water/status": 9,
    "/water/compliance": 15,
    # sources pages (tests/sources/test_pages.py counts them with outlets and stored data)
    "/sources": 5,
    "/sources/indicators": 8,
    # ports pages (tests/ports/test_pages.py counts them with orders and events)
    "/ports": 4,
    "/ports/orders": 8,
}

DAY = dt.date(2016, 12, 20)
DAY_CREDIT = china_today() - dt.timedelta(days=2)
STATIONS = ("1001A", "1003A", "1029A", "1011A", "1012A", "1030A")
MORE_STATIONS = (
    *STATIONS,
    *("1002A", "1004A", "1005A", "1006A", "1007A", "1008A"),
    *("1031A", "1032A", "1033A", "1034A", "1035A", "1036A"),
)


def _load_demo(factory: sessionmaker[Session], people: People) -> None:
    """The embedded demo (the air history left out: too big for a test)."""
    ctx = DemoContext(values={"organisations": people.organisations, "skip_air_history": True})
    for module in (catalog_demo, air_demo, warnings_demo, progress_demo, credit_demo):
        with factory() as session:
            module.load(session, ctx)
            session.commit()
    with factory() as session:  # the demo has no targets; the pages show them
        for target in _targets(progress_demo.demo_data()):
            progress.set_target(session, actor=SYSTEM_ACTOR, data=TargetIn(**target))
        session.commit()


def _observe(factory: sessionmaker[Session], stations: tuple[str, ...]) -> None:
    """Two days of hourly observations at each station (the daily cache follows)."""
    start = dt.datetime(DAY.year, DAY.month, DAY.day, tzinfo=dt.UTC)
    rows = [
        {
            "station_code": code,
            "ts": (start + dt.timedelta(hours=h)).isoformat(),
            "pm2_5": 80.0 + 3 * h + i,
            "pm10": 120.0 + h,
            "so2": 8.0,
            "no2": 35.0,
            "co": 1.2,
            "o3": 20.0 + h,
        }
        for i, code in enumerate(stations)
        for h in range(48)
    ]
    with factory() as session:
        ingest.ingest(
            session, actor=SYSTEM_ACTOR, normalised=ingest.normalise_records(rows), channel="api"
        )
        session.commit()


def _warnings(factory: sessionmaker[Session], count: int) -> None:
    """``count`` warnings through the lifecycle: every other one issued and lifted (public
    history), the others left in consultation."""
    with factory() as session:
        office = accounts.actor_of(accounts.get_user(session, username="office"), channel="api")
        for i in range(count):
            w = warnings.propose(
                session,
                actor=office,
                cities=["110000", "120000"] if i % 3 else ["130100"],
                level="orange",
                start=DAY + dt.timedelta(days=i),
                end=DAY + dt.timedelta(days=i + 2),
                max_aqi=260 + i,
                criteria_code="bth-2017",
                basis="manual",
            )
            warnings.open_consultation(session, actor=office, warning_id=w.id)
            if i % 2 == 0:
                for name in ("bj-env", "tj-env", "he-env"):
                    agency = accounts.actor_of(accounts.get_user(session, username=name))
                    warnings.answer(session, actor=agency, warning_id=w.id, agree=True)
                warnings.issue(session, actor=office, warning_id=w.id)
                warnings.lift(session, actor=office, warning_id=w.id, reason="test: over")
        session.commit()


def _progress_copy(documents: dict[str, Any], suffix: str) -> dict[str, Any]:
    """The progress demo documents under new codes, with targets for measured indicators."""
    data = copy.deepcopy(documents)

    def new(code: str) -> str:
        return f"{code}{suffix}"

    for row in data["indicators"] + data["agreements"]:
        row["code"] = new(row["code"])
    for c in data["commitments"]:
        c["code"], c["agreement"] = new(c["code"]), new(c["agreement"])
        c["indicators"] = [new(i) for i in c["indicators"]]
    for v in data["values"]:
        v["indicator"] = new(v["indicator"])
    data["targets"] = _targets(data)
    return data


def _targets(documents: dict[str, Any]) -> list[dict[str, Any]]:
    """Targets (2030: the latest value) for ten measured indicator-jurisdictions."""
    measured = {(v["indicator"], v["jurisdiction"]): v["value"] for v in documents["values"]}
    return [
        {"indicator_code": i, "jurisdiction_code": j, "target_value": value, "target_year": 2030}
        for (i, j), value in sorted(measured.items())[:10]
    ]


def _catalog_copy(session: Session, people: People, suffix: str) -> None:
    """The demo datasets under new codes, with a pending, an approved and a rejected request."""
    for data in catalog_demo.demo_datasets(people.organisations):
        catalog.ensure_dataset(
            session, actor=SYSTEM_ACTOR, data=data.model_copy(update={"code": data.code + suffix})
        )

    def user(name: str) -> Actor:
        return accounts.actor_of(accounts.get_user(session, username=name), channel="api")

    today = china_today()
    asks = [
        ("tj-analyst", "BJ-ENV-PENALTY", ["enterprise_name", "fine_amount"], None),
        ("he-analyst", "TJ-ENV-ONLINE-MONITORING", ["outlet_id", "so2_mg_m3"], "tj-env"),
        ("bj-analyst", "HE-ENV-PENALTY", ["enterprise_name", "fine_amount"], "he-env"),
    ]
    for i, (who, code, fields, owner) in enumerate(asks):
        request = catalog.create_access_request(
            session,
            actor=user(who),
            data=AccessRequestIn(
                dataset_code=code + suffix,
                purpose="Statement budgets: a request on a copied dataset.",
                fields=fields,
                period_start=today,
                period_end=today + dt.timedelta(days=90),
            ),
        )
        if owner is not None:
            decision = "approve" if i == 1 else "reject"
            catalog.decide_access_request(
                session,
                actor=user(owner),
                request_id=request.id,
                data=DecisionIn(decision=decision, reason="Statement budgets."),
            )


def _grow(factory: sessionmaker[Session], people: People, monkeypatch: pytest.MonkeyPatch) -> None:
    """Twice more of everything the pages list."""
    documents = progress_demo.demo_data()
    for suffix in ("-c1", "-c2"):
        data = _progress_copy(documents, suffix)
        monkeypatch.setattr(progress_demo, "demo_data", lambda data=data: data)
        with factory() as session:
            progress_demo.load(session, DemoContext(values={"organisations": people.organisations}))
            _catalog_copy(session, people, suffix.upper())
            session.commit()
    _observe(factory, MORE_STATIONS[len(STATIONS) :])
    _warnings(factory, 4)
    _credit(factory, people, 120)


def _credit(factory: sessionmaker[Session], people: People, count: int) -> None:
    """``count`` more subjects (three times the demo's 60), each with a published penalty of a
    market regulator and a pending licence."""
    regulators = ("bj_samr", "tj_samr", "he_samr")
    regions = ("110105", "120104", "130102")
    with factory() as session:
        for i in range(count):
            code = synthetic_uscc("91", regions[i % 3], 70_000 + i)
            credit_subjects.register_subject(
                session,
                actor=SYSTEM_ACTOR,
                data=SubjectIn(uscc=code, name=f"示例增长{i:03d}有限公司（虚构）", synthetic=True),
            )
            org = people.organisations[regulators[i % 3]]
            for kind, number in (("penalty", f"增罚{i}"), ("licence", f"增许{i}")):
                record = credit_records.create_record(
                    session,
                    actor=SYSTEM_ACTOR,
                    data=RecordIn.model_validate(
                        {
                            "kind": kind,
                            "uscc": code,
                            "source_organisation_id": org,
                            "document_number": number,
                            "title": "示例记录（虚构）",
                            "legal_basis": "示例法律依据（虚构数据）",
                            "decision_date": (DAY_CREDIT - dt.timedelta(days=i % 20)).isoformat(),
                            "severity": "ordinary" if kind == "penalty" else None,
                            "content": "罚款（示例）" if kind == "penalty" else None,
                            "synthetic": True,
                        }
                    ),
                )
                if kind == "penalty":
                    credit_publication.publish_record(
                        session, actor=SYSTEM_ACTOR, record_id=record.id
                    )
        session.commit()


def _measure(
    client: TestClient, factory: sessionmaker[Session], people: People
) -> dict[str, Counted]:
    out = {}
    for url in BUDGETS:
        counted = count_request(client, url, headers=people.headers(factory, "office"))
        assert counted.response.status_code == 200, (url, counted.response.text[:300])
        out[url] = counted
    return out


def test_statements_are_bounded_and_do_not_grow_with_the_data(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _load_demo(session_factory, people)
    _observe(session_factory, STATIONS)
    _warnings(session_factory, 2)
    small = _measure(client, session_factory, people)
    _grow(session_factory, people, monkeypatch)
    large = _measure(client, session_factory, people)

    table = "\n".join(
        f"  {u}: {small[u].count} -> {large[u].count} (budget {b})" for u, b in BUDGETS.items()
    )
    over = [large[u].report() for u, b in BUDGETS.items() if large[u].count > b]
    over += [small[u].report() for u, b in BUDGETS.items() if small[u].count > b]
    assert not over, "over budget:\n" + "\n".join(over) + "\nall counts:\n" + table
    grew = [large[u].report() for u in BUDGETS if large[u].count != small[u].count]
    assert not grew, "grows with the data:\n" + "\n".join(grew) + "\nall counts:\n" + table
