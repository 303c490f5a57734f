"""The registry API: public lists and details, loggers for data readers only (never their
password), validated filters, and the authorisation matrix of every registry write."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.credit.kernels.uscc import synthetic_uscc
from tests.conftest import People
from tests.malformed import Case, problems_of
from tests.sources.conftest import Registry

API = "/api/v1/sources"
#: Who writes Hebei's registry, and who must be refused (None: anonymous, 401).
HEBEI_WRITERS = ("office", "he-admin", "he-env")
HEBEI_REFUSED = ("bj-env", "tj-env", "he-analyst", "he-samr", "bj-admin")


def _headers(
    people: People, session_factory: sessionmaker[Session], who: str | None
) -> dict[str, str]:
    return {} if who is None else people.headers(session_factory, who)


def _denials(session_factory: sessionmaker[Session], action: str) -> list[str]:
    with session_factory() as session:
        return list(
            session.scalars(
                select(AuditEntry.actor_username).where(
                    AuditEntry.action == action, AuditEntry.outcome == "denied"
                )
            )
        )


def test_the_registry_is_public_and_filters_are_checked(
    client: TestClient, registry: Registry
) -> None:
    everything = client.get(f"{API}/enterprises").json()
    assert [e["id"] for e in everything["items"]] == sorted(registry.enterprises.values())
    hebei = client.get(f"{API}/enterprises", params={"jurisdiction": "130000"}).json()
    assert [e["name_en"] for e in hebei["items"]] == ["Test enterprise HE-A"]
    city = client.get(f"{API}/enterprises", params={"jurisdiction": "130100"}).json()
    assert [e["id"] for e in city["items"]] == [registry.enterprises["HE-A"]]
    flue = client.get(f"{API}/enterprises", params={"kind": "flue_gas"}).json()
    assert {e["id"] for e in flue["items"]} == {
        registry.enterprises["HE-A"],
        registry.enterprises["TJ-A"],
    }
    named = client.get(f"{API}/enterprises", params={"q": "BJ-A"}).json()
    assert [e["id"] for e in named["items"]] == [registry.enterprises["BJ-A"]]
    paged = client.get(f"{API}/enterprises", params={"limit": 2}).json()
    rest = client.get(f"{API}/enterprises", params={"cursor": paged["next_cursor"]}).json()
    assert len(paged["items"]) + len(rest["items"]) == 3 and rest["next_cursor"] is None
    for params, loc in (
        ({"jurisdiction": "990000"}, ["query", "jurisdiction"]),
        ({"city": "139900"}, ["query", "city"]),
        ({"park": "NOPARK"}, ["query", "park"]),
        ({"kind": "noise"}, ["query", "kind"]),
        ({"limit": 0}, ["query", "limit"]),
    ):
        answer = client.get(f"{API}/enterprises", params=params)
        assert answer.status_code == 422, params
        assert loc in [e["loc"] for e in answer.json()["errors"]], answer.json()


def test_outlets_show_loggers_to_data_readers_only_and_never_a_password(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    registry: Registry,
) -> None:
    outlet = registry.outlets["HE-A/DW001"]
    public = client.get(f"{API}/outlets/{outlet}").json()
    assert public["loggers"] is None
    assert {f["code"]: f["hourly_limit"] for f in public["factors"]} == {
        "w00000": None,
        "w01018": 50.0,
        "w21003": 5.0,
    }
    assert public["enterprise"]["id"] == registry.enterprises["HE-A"]
    for who, sees in (("he-analyst", True), ("office", True), ("bj-env", False)):
        answer = client.get(
            f"{API}/outlets/{outlet}", headers=_headers(people, session_factory, who)
        )
        loggers = answer.json()["loggers"]
        assert (loggers is not None) is sees, who
        if sees:
            assert [lg["mn"] for lg in loggers] == ["HE-A-W-001"]
            assert "password" not in loggers[0]
    detail = client.get(f"{API}/enterprises/{registry.enterprises['HE-A']}").json()
    assert [o["code"] for o in detail["outlets"]] == ["DA001", "DW001"]
    assert detail["data_readable"] is False
    assert client.get(f"{API}/enterprises/999999").status_code == 404
    assert client.get(f"{API}/outlets/999999").status_code == 404

    # A logger by MN: 401 anonymous, audited 403 for Beijing, the record without its password.
    assert client.get(f"{API}/loggers/HE-A-W-001").status_code == 401
    beijing = _headers(people, session_factory, "bj-env")
    assert client.get(f"{API}/loggers/HE-A-W-001", headers=beijing).status_code == 403
    assert _denials(session_factory, "sources.logger.read") == ["bj-env"]
    hebei = _headers(people, session_factory, "he-env")
    found = client.get(f"{API}/loggers/HE-A-W-001", headers=hebei).json()
    assert (found["st"], found["outlet_id"], "password" in found) == ("32", outlet, False)
    assert client.get(f"{API}/loggers/NOPE", headers=hebei).status_code == 404


def _writes(registry: Registry, serial: int) -> list[tuple[str, str, dict[str, Any], str]]:
    """(method, url, body, audited action) of each registry write on Hebei's enterprise."""
    enterprise = registry.enterprises["HE-A"]
    outlet = registry.outlets["HE-A/DW001"]
    return [
        (
            "POST",
            f"{API}/enterprises",
            {
                "uscc": synthetic_uscc("91", "130100", serial),
                "name_zh": "矩阵企业",
                "jurisdiction_code": "130000",
                "city_code": "130100",
            },
            "sources.enterprise.save",
        ),
        (
            "POST",
            f"{API}/enterprises/{enterprise}/outlets",
            {
                "code": f"DW{serial:03d}",
                "name_zh": "排放口",
                "kind": "wastewater",
                "longitude": 114.5,
                "latitude": 38.0,
            },
            "sources.outlet.save",
        ),
        (
            "POST",
            f"{API}/outlets/{outlet}/loggers",
            {"mn": f"HE-MATRIX-{serial}", "password": "123456", "st": "32"},
            "sources.logger.save",
        ),
        (
            "PUT",
            f"{API}/outlets/{outlet}/factors/w21011",
            {"unit": "mg/L", "hourly_limit": 0.5, "daily_limit": 0.4},
            "sources.factor.save",
        ),
    ]


def test_authorisation_matrix_of_registry_writes(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    registry: Registry,
) -> None:
    park = {
        "code": "TEST-PARK",
        "name_zh": "测试园区",
        "host_jurisdiction_code": "130000",
        "partner_jurisdiction_codes": ["110000"],
    }
    for serial, who in enumerate([*HEBEI_WRITERS, *HEBEI_REFUSED, None], start=40):
        headers = _headers(people, session_factory, who)
        for method, url, body, action in _writes(registry, serial):
            answer = client.request(method, url, json=body, headers=headers)
            if who in HEBEI_WRITERS:
                assert answer.status_code == 200, (who, url, answer.text)
            elif who is None:
                assert answer.status_code == 401, (url, answer.text)
            else:
                assert answer.status_code == 403, (who, url, answer.text)
                assert answer.headers["content-type"].startswith("application/problem+json")
                assert who in _denials(session_factory, action), (who, action)
        answer = client.post(f"{API}/parks", json=park, headers=headers)
        expected = 200 if who == "office" else 401 if who is None else 403
        assert answer.status_code == expected, (who, answer.text)
    assert [p["code"] for p in client.get(f"{API}/parks").json()["items"]] == ["TEST-PARK"]
    # What the writers registered is there; nothing of the refused ones is.
    hebei = client.get(f"{API}/enterprises", params={"jurisdiction": "130000"}).json()["items"]
    assert len(hebei) == 1 + len(HEBEI_WRITERS)
    outlets = client.get(f"{API}/enterprises/{registry.enterprises['HE-A']}").json()["outlets"]
    assert sorted(o["code"] for o in outlets) == ["DA001", "DW001", "DW040", "DW041", "DW042"]


def test_writes_take_effect_and_bad_input_names_the_field(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    registry: Registry,
) -> None:
    office = _headers(people, session_factory, "office")
    outlet = registry.outlets["HE-A/DW001"]
    saved = client.put(
        f"{API}/outlets/{outlet}/factors/w01018",
        json={"unit": "mg/L", "hourly_limit": 60.0, "daily_limit": 45.0},
        headers=office,
    )
    assert saved.json()["hourly_limit"] == 60.0
    factors = client.get(f"{API}/outlets/{outlet}").json()["factors"]
    assert {f["code"]: f["daily_limit"] for f in factors}["w01018"] == 45.0
    park = {
        "code": "P1",
        "name_zh": "园区",
        "host_jurisdiction_code": "130000",
        "partner_jurisdiction_codes": ["130100", "990000"],
    }
    refused = client.post(f"{API}/parks", json=park, headers=office)
    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["errors"]] == [
        ["body", "partner_jurisdiction_codes", 0],
        ["body", "partner_jurisdiction_codes", 1],
    ]
    enterprise = registry.enterprises["HE-A"]
    cases: list[Case] = [
        ("PUT", f"{API}/outlets/{outlet}/factors/w0!", {"json": {"unit": "mg/L"}}),
        ("PUT", f"{API}/outlets/{outlet}/factors/w01018", {"json": {"unit": "mg/L", "x": 1}}),
        ("PUT", f"{API}/outlets/{outlet}/factors/w01018", {"json": {"hourly_limit": -1}}),
        ("PUT", f"{API}/outlets/999999/factors/w01018", {"json": {"unit": "mg/L"}}),
        ("POST", f"{API}/outlets/{outlet}/loggers", {"json": {"mn": "x y", "password": "1"}}),
        ("POST", f"{API}/enterprises/{enterprise}/outlets", {"json": {"code": "A", "kind": "x"}}),
        ("POST", f"{API}/enterprises", {"json": {"uscc": "123"}}),
        ("POST", f"{API}/parks", {"json": {"code": "P", "name_zh": "x"}}),
        ("GET", f"{API}/enterprises/abc", {}),
        ("GET", f"{API}/enterprises", {"params": {"cursor": "!!"}}),
        ("GET", f"{API}/parks", {"params": {"limit": 5000}}),
        ("GET", f"{API}/loggers/{'M' * 60}", {}),
    ]
    assert problems_of(client, office, cases) == []
