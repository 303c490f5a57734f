"""Found in a review: the dataset pages showed the values of enumerations in English on Chinese
pages (the demo registers' ``operating right``, ``bus``; the water datasets' ``cross_border``).
A field registered with ``register_value_labels`` shows its values by their labels in the
reader's language; identifiers, names and numbers stay as they are, and the rows themselves
(API, downloads) keep the values (both databases)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.catalog import demo as catalog_demo
from jingjinji.catalog import service
from jingjinji.demo import DemoContext
from tests.catalog.preview_support import preview_columns
from tests.catalog.support import SETTINGS
from tests.conftest import People, login

#: register -> field -> (a value, its Chinese label, its English label)
EXPECTED = {
    "TJ-TOURISM-RESOURCE-TRADING": {"kind": ("operating right", "经营权", "operating right")},
    "BJ-TECH-ACHIEVEMENTS-TRANSFER": {
        "field": ("environment", "生态环境", "environment"),
        "transfer_mode": ("licence", "许可", "licence"),
    },
    "HE-TRANSPORT-CARD-INTEROP": {"mode": ("bus", "公交", "bus")},
}


def test_a_value_is_shown_by_its_label() -> None:
    kind = service.ValueLabels("catalog.demo.transport_mode", separator=";")
    assert kind.shown("zh_CN", "bus;metro") == "公交、地铁"
    assert kind.shown("en", "bus; metro") == "bus, metro"
    assert kind.shown("zh_CN", "ferry") == "ferry"  # no label: as it is
    assert kind.shown("zh_CN", 3) == 3
    assert service.value_labels_for("TJ-TOURISM-RESOURCE-TRADING")["kind"].kind == (
        "catalog.demo.listing_kind"
    )
    assert service.value_labels_for("BJ-ENV-PENALTY") == {}


@pytest.fixture
def registers(session_factory: sessionmaker[Session], people: People) -> None:
    ctx = DemoContext(values={"settings": SETTINGS, "organisations": people.organisations})
    with session_factory() as session:
        catalog_demo.load(session, ctx)
        session.commit()


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_the_demo_registers_show_their_enumerations_in_the_readers_language(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    registers: None,
    code: str,
) -> None:
    login(client, "office", people.password)  # one register is not open to the public
    zh = preview_columns(client.get(f"/catalog/{code}", params={"lang": "zh-CN"}).text)
    en = preview_columns(client.get(f"/catalog/{code}", params={"lang": "en"}).text)
    for field, (value, chinese, english) in EXPECTED[code].items():
        assert chinese in zh[field] and value not in zh[field], (field, zh[field])
        assert english in en[field], (field, en[field])
    office = people.headers(session_factory, "office")
    rows = client.get(f"/api/v1/datasets/{code}/records", headers=office).json()["items"]
    for field, (value, _, _) in EXPECTED[code].items():
        assert value in {row[field] for row in rows}  # the data keeps the value
    # identifiers and numbers as they are, in both languages
    first = rows[0]
    for name, cell in zip(zh, (zh[name][0] for name in zh), strict=True):
        if name not in EXPECTED[code] and isinstance(first[name], str):
            assert cell == first[name] == en[name][0], name
