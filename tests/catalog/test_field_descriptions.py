"""Every field of every dataset the platform registers is described in Chinese (issue 15,
defect 4): the datasets the air, credit, sources and water domains register for each province,
and the demo's datasets and shared registers. The dataset page shows a field's
``description_zh`` on Chinese pages; an empty one leaves the English there."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from jingjinji.air import datasets as air_datasets
from jingjinji.catalog import demo as catalog_demo
from jingjinji.catalog import service as catalog
from jingjinji.credit import flows as credit_flows
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.sources import flows as sources_flows
from jingjinji.water import flows as water_flows
from tests.conftest import People

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_registered_field_has_a_chinese_description(session: Session, people: People) -> None:
    codes = [
        *air_datasets.register_datasets(session, actor=SYSTEM_ACTOR),
        *credit_flows.register_datasets(session, actor=SYSTEM_ACTOR),
        *sources_flows.register_datasets(session, actor=SYSTEM_ACTOR),
        *water_flows.register_datasets(session, actor=SYSTEM_ACTOR),
    ]
    orgs = people.organisations
    for data in [*catalog_demo.demo_datasets(orgs), *catalog_demo.register_datasets(orgs)]:
        catalog.ensure_dataset(session, actor=SYSTEM_ACTOR, data=data)
        codes.append(data.code)
    session.commit()
    # Every domain registered its datasets for the three provinces.
    for prefix in ("AIR-", "CREDIT-", "SOURCES-", "WATER-"):
        assert sum(c.startswith(prefix) for c in codes) >= 3, prefix
    undescribed: list[str] = []
    fields = 0
    for code in codes:
        for field in catalog.get_dataset(session, code=code).fields:
            fields += 1
            if not HAN.search(field.description_zh):
                undescribed.append(f"{code}.{field.name} ({field.description!r})")
    assert fields > 200
    assert not undescribed, f"fields without a Chinese description: {undescribed}"
