"""Creating and updating datasets: who may, and which sharing classes are consistent."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.catalog import service
from jingjinji.catalog.schemas import DatasetBody
from jingjinji.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.catalog.support import PROBLEM, audit_entries, dataset_in, dataset_json
from tests.conftest import People


def test_steward_creates_dataset_of_own_organisation(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    org = people.organisations["bj_env"]
    body = dataset_json(
        "BJ-ENV-TEST",
        org,
        fields=[
            {
                "name": "station",
                "type": "string",
                "unit": "",
                "description": "Station",
                "sharing_class": "unconditional",
            },
            {"name": "pm25", "type": "number", "unit": "ug/m3", "sharing_class": "conditional"},
        ],
    )
    response = client.post(
        "/api/v1/datasets", json=body, headers=people.headers(session_factory, "bj-env")
    )
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["code"] == "BJ-ENV-TEST"
    assert out["jurisdiction_code"] == "110000" and out["province_code"] == "110000"
    assert out["owner_name_en"] == "Beijing Municipal Ecology and Environment Bureau"
    assert [(f["name"], f["sharing_class"]) for f in out["fields"]] == [
        ("station", "unconditional"),
        ("pm25", "conditional"),
    ]
    assert out["fields"][1]["unit"] == "ug/m3"
    entries = audit_entries(session_factory, action="catalog.dataset.create")
    assert [(e.actor_username, e.object_id, e.outcome) for e in entries] == [
        ("bj-env", "BJ-ENV-TEST", "ok")
    ]
    fetched = client.get(
        "/api/v1/datasets/BJ-ENV-TEST", headers=people.headers(session_factory, "he-analyst")
    )
    assert fetched.status_code == 200 and fetched.json()["fields"] == out["fields"]


def test_hebei_steward_writing_beijing_data_is_refused_and_audited(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    body = dataset_json("BJ-FORGED", people.organisations["bj_env"])
    response = client.post(
        "/api/v1/datasets", json=body, headers=people.headers(session_factory, "he-env")
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith(PROBLEM)
    denied = audit_entries(session_factory, outcome="denied")
    assert [(e.actor_username, e.action, e.object_id, e.jurisdiction_code) for e in denied] == [
        ("he-env", "catalog.dataset.create", "BJ-FORGED", "110000")
    ]
    with session_factory() as session, pytest.raises(NotFound):
        service.get_dataset(session, code="BJ-FORGED")


@pytest.mark.parametrize(
    ("username", "owner_key", "allowed"),
    [
        ("bj-env", "bj_env", True),
        ("bj-env", "bj_stats", False),  # a steward writes only its own organisation's data
        ("bj-admin", "bj_stats", True),  # jurisdiction admin: its own province
        ("tj-admin", "tj_binhai", True),  # a district's organisation is in the province
        ("he-admin", "bj_env", False),
        ("office", "he_transport", True),
        ("bj-analyst", "bj_drc", False),  # analysts never write
    ],
)
def test_who_may_create(
    session_factory: sessionmaker[Session],
    people: People,
    username: str,
    owner_key: str,
    allowed: bool,
) -> None:
    data = dataset_in("X-TEST", people.organisations[owner_key])
    with session_factory() as session:
        if allowed:
            created = service.create_dataset(session, actor=people[username], data=data)
            assert created.owner_organisation_id == people.organisations[owner_key]
        else:
            with pytest.raises(PermissionDenied):
                service.create_dataset(session, actor=people[username], data=data)
    assert len(audit_entries(session_factory, outcome="denied")) == (0 if allowed else 1)


@pytest.mark.parametrize("dataset_class", ["unconditional", "conditional", "not_shared"])
@pytest.mark.parametrize("field_class", ["unconditional", "conditional", "not_shared"])
def test_a_field_is_never_more_open_than_its_dataset(
    session_factory: sessionmaker[Session],
    people: People,
    dataset_class: str,
    field_class: str,
) -> None:
    order = ["unconditional", "conditional", "not_shared"]
    valid = order.index(field_class) >= order.index(dataset_class)
    data = dataset_in(
        "CLS-TEST",
        people.organisations["bj_env"],
        sharing_class=dataset_class,
        specs=(("keep", "string", "not_shared"), ("f", "string", field_class)),
    )
    with session_factory() as session:
        if valid:
            assert service.create_dataset(session, actor=people["bj-env"], data=data).id
            return
        with pytest.raises(InvalidInput) as caught:
            service.create_dataset(session, actor=people["bj-env"], data=data)
    assert caught.value.errors == [
        {
            "loc": ["body", "fields", 1, "sharing_class"],
            "msg": f"a {field_class} field cannot be in a {dataset_class} dataset: "
            "a field may not be more open than its dataset",
        }
    ]


@pytest.mark.parametrize("dataset_class", ["conditional", "not_shared"])
def test_only_unconditional_datasets_are_open_to_the_public(
    client: TestClient,
    people: People,
    session_factory: sessionmaker[Session],
    dataset_class: str,
) -> None:
    body = dataset_json(
        "PUB-TEST",
        people.organisations["bj_env"],
        sharing_class=dataset_class,
        open_to_public=True,
        fields=[{"name": "a", "type": "string", "sharing_class": "not_shared"}],
    )
    response = client.post(
        "/api/v1/datasets", json=body, headers=people.headers(session_factory, "bj-env")
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "open_to_public"]]


def test_duplicate_code_and_field_names(
    session_factory: sessionmaker[Session], people: People
) -> None:
    org = people.organisations["bj_env"]
    with session_factory() as session:
        service.create_dataset(session, actor=people["bj-env"], data=dataset_in("DUP", org))
        with pytest.raises(Conflict):
            service.create_dataset(session, actor=people["bj-env"], data=dataset_in("DUP", org))
        with pytest.raises(InvalidInput) as caught:
            service.create_dataset(
                session,
                actor=people["bj-env"],
                data=dataset_in(
                    "DUP2",
                    org,
                    specs=(("a", "string", "unconditional"), ("a", "integer", "unconditional")),
                ),
            )
    assert caught.value.errors[0]["loc"] == ["body", "fields", 1, "name"]


def test_update_is_audited_and_ensure_dataset_is_idempotent(
    session_factory: sessionmaker[Session], people: People
) -> None:
    org = people.organisations["bj_env"]
    data = dataset_in("IDEM", org, specs=(("a", "string", "unconditional"),))
    with session_factory() as session:
        first = service.ensure_dataset(session, actor=people["bj-env"], data=data)
        again = service.ensure_dataset(session, actor=people["bj-env"], data=data)
        assert first.id == again.id
        session.commit()
    assert len(audit_entries(session_factory, object_id="IDEM")) == 1
    changed = data.model_copy(update={"sharing_class": "conditional"})
    changed.fields[0].sharing_class = "conditional"
    with session_factory() as session:
        updated = service.ensure_dataset(session, actor=people["bj-env"], data=changed)
        assert updated.sharing_class == "conditional"
        assert [f.sharing_class for f in updated.fields] == ["conditional"]
        session.commit()
    updates = audit_entries(session_factory, action="catalog.dataset.update")
    assert len(updates) == 1
    assert "sharing_class" in updates[0].detail_json and "fields" in updates[0].detail_json


def test_update_through_api_and_refusals(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    org = people.organisations["bj_env"]
    owner = people.headers(session_factory, "bj-env")
    assert (
        client.post("/api/v1/datasets", json=dataset_json("UPD", org), headers=owner).status_code
        == 201
    )
    body = dataset_json(
        "UPD",
        org,
        title_en="Renamed",
        fields=[
            {"name": "name", "type": "string", "sharing_class": "unconditional"},
            {"name": "extra", "type": "integer", "sharing_class": "conditional"},
        ],
    )
    del body["code"]
    response = client.put("/api/v1/datasets/UPD", json=body, headers=owner)
    assert response.status_code == 200, response.text
    assert response.json()["title_en"] == "Renamed"
    assert [f["name"] for f in response.json()["fields"]] == ["name", "extra"]
    # Another province's steward may not update it, nor move it to its own organisation.
    other = people.headers(session_factory, "he-env")
    assert client.put("/api/v1/datasets/UPD", json=body, headers=other).status_code == 403
    body["owner_organisation_id"] = people.organisations["he_env"]
    assert client.put("/api/v1/datasets/UPD", json=body, headers=other).status_code == 403
    # The owner may not hand it to another province's organisation either.
    assert client.put("/api/v1/datasets/UPD", json=body, headers=owner).status_code == 403
    assert client.put("/api/v1/datasets/NOPE", json=body, headers=owner).status_code == 404


def test_field_types_are_fixed_once_records_exist(
    session_factory: sessionmaker[Session], people: People
) -> None:
    org = people.organisations["bj_env"]
    data = dataset_in("TYPED", org, specs=(("n", "integer", "unconditional"),))
    with session_factory() as session:
        service.create_dataset(session, actor=people["bj-env"], data=data)
        service.write_records(
            session, actor=people["bj-env"], dataset_code="TYPED", rows=[{"n": 1}]
        )
        body = DatasetBody.model_validate(
            {
                **data.model_dump(exclude={"code"}),
                "fields": [{"name": "n", "type": "string", "sharing_class": "unconditional"}],
            }
        )
        with pytest.raises(InvalidInput) as caught:
            service.update_dataset(session, actor=people["bj-env"], code="TYPED", data=body)
    assert caught.value.errors[0]["loc"] == ["body", "fields", 0, "type"]
