"""A data logger's MN is the address the HJ 212 gateway takes packets for, and most loggers
send the same default password: the outlet page and the API name it only to readers of the
enterprise's data (the office, its province, a province involved in a case about it)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import People, login
from tests.security.sources_world import SOURCES_MN, sources_objects

# The Beijing enterprise's cases involve Hebei (its outlet is 3 km from the border).
READERS = ("office", "bj-env", "bj-analyst", "he-env")
OTHERS = ("tj-env", "tj-admin", "tj-analyst")


def test_only_readers_of_the_data_learn_a_loggers_mn(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    ids = sources_objects(session_factory, people)
    page = f"/sources/outlets/{ids['sources_outlet']}"
    api = f"/api/v1/sources/outlets/{ids['sources_outlet']}"
    html = {"Accept": "text/html"}
    anonymous = client.get(page, headers=html)
    assert anonymous.status_code == 200 and "w01018" in anonymous.text  # the registry shows
    assert SOURCES_MN not in anonymous.text
    assert client.get(api).json()["loggers"] is None
    for who in (*READERS, *OTHERS):
        login(client, who, people.password)
        shown = client.get(page, headers=html)
        assert shown.status_code == 200, who
        assert (SOURCES_MN in shown.text) is (who in READERS), who
        loggers = client.get(api).json()["loggers"]
        assert (loggers is not None and loggers[0]["mn"] == SOURCES_MN) is (who in READERS), who
        client.cookies.clear()
