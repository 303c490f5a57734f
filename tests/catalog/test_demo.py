"""The embedded demo's catalog: every jurisdiction and class, records, requests in each state."""

from __future__ import annotations

from collections import Counter

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.accounts import demo as accounts_demo
from jingjinji.accounts import service as accounts
from jingjinji.catalog import demo as catalog_demo
from jingjinji.catalog import service
from jingjinji.catalog.models import AccessRequest, Dataset, Record
from jingjinji.demo import DemoContext
from jingjinji.regions import demo as regions_demo
from jingjinji.security import SYSTEM_ACTOR
from tests.catalog.support import SETTINGS, audit_entries, request_in


def _load(session_factory: sessionmaker[Session]) -> DemoContext:
    ctx = DemoContext(values={"settings": SETTINGS})
    for module in (regions_demo, accounts_demo, catalog_demo):
        with session_factory() as session:
            module.load(session, ctx)
            session.commit()
    return ctx


def test_demo_catalog(session_factory: sessionmaker[Session], client: TestClient) -> None:
    _load(session_factory)
    with session_factory() as session:
        per_province = Counter(
            (p, c) for p, c in session.execute(select(Dataset.province_code, Dataset.sharing_class))
        )
        for province in ("110000", "120000", "130000"):
            for cls in ("unconditional", "conditional", "not_shared"):
                assert per_province[(province, cls)] >= 1, (province, cls)
        assert (session.scalar(select(func.count(Record.id))) or 0) > 40
        statuses = Counter(session.scalars(select(AccessRequest.status)))
        assert statuses == {"pending": 1, "approved": 1, "rejected": 1, "escalated": 1}
        # The browser demo: Hebei's analyst may apply for Beijing's penalties.
        actor = accounts.actor_of(accounts.get_user(session, username="he-analyst"))
        created = service.create_access_request(
            session,
            actor=actor,
            settings=SETTINGS,
            data=request_in("BJ-ENV-PENALTY", ["enterprise_name", "fine_amount"]),
        )
        assert created.status == "pending"
    assert len(audit_entries(session_factory, action="catalog.access_request.escalate")) == 1
    # The demo's datasets are consistent enough to be served.
    page = client.get("/catalog", headers={"accept-language": "en"})
    assert "Beijing enterprise registration basics" in page.text
    records = client.get("/api/v1/datasets/TJ-STATS-GDP-QUARTERLY/records").json()
    assert records["withheld_fields"] == [] and len(records["items"]) == 8


def test_demo_datasets_are_ensured_idempotently(session_factory: sessionmaker[Session]) -> None:
    ctx = _load(session_factory)
    entries = len(audit_entries(session_factory))
    with session_factory() as session:
        for data in catalog_demo.demo_datasets(ctx.values["organisations"]):
            service.ensure_dataset(session, actor=SYSTEM_ACTOR, data=data)
        session.commit()
        assert session.scalar(select(func.count(Dataset.id))) == len(catalog_demo.DATASETS) + len(
            catalog_demo.REGISTERS
        )
    assert len(audit_entries(session_factory)) == entries


def test_the_shared_registers_are_catalog_datasets(
    session_factory: sessionmaker[Session], client: TestClient
) -> None:
    """The five registers of the agreement: each with an owner, fields, a sharing class, tags
    and a few rows labelled synthetic; the practitioners' register cites the review's 149."""
    _load(session_factory)
    codes = [r[0] for r in catalog_demo.REGISTERS]
    assert len(codes) == 5
    headers = {"accept-language": "en"}
    with session_factory() as session:
        for code in codes:
            dataset = service.get_dataset(session, code=code)
            assert dataset.fields and dataset.owner_organisation_id
            assert "synthetic" in dataset.description_en and "合成" in dataset.description_zh
            assert {t.tag for t in dataset.tags} >= {"synthetic sample", "合成示例数据"}
            count = session.scalar(
                select(func.count(Record.id)).where(Record.dataset_id == dataset.id)
            )
            assert count is not None and 3 <= count <= 10
        medical = service.get_dataset(session, code="TJ-BINHAI-MED-MULTISITE")
        assert medical.sharing_class == "conditional" and "149" in medical.description_en
    # Open registers are downloadable by anyone; the conditional one is not.
    r = client.get("/api/v1/datasets/HE-TRANSPORT-CARD-INTEROP/download.jsonl", headers=headers)
    assert r.status_code == 200 and len(r.text.splitlines()) == 4
    r = client.get("/api/v1/datasets/TJ-BINHAI-MED-MULTISITE/download.csv", headers=headers)
    assert r.status_code == 401
    # Search finds them by a tag in either language.
    found = client.get("/api/v1/datasets", params={"q": "TRANSPORT CARD"}).json()["items"]
    assert [d["code"] for d in found] == ["HE-TRANSPORT-CARD-INTEROP"]
    page = client.get("/catalog", params={"q": "科技成果"}, headers=headers).text
    assert 'data-code="BJ-TECH-ACHIEVEMENTS-TRANSFER"' in page
