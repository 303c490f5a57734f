"""The joint measures of the red and black lists (credit/data/measures.json)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from jingjinji.credit.service import measures


def test_the_catalogue_has_both_colours_for_every_common_purpose() -> None:
    cat = measures.catalogue()
    assert len(cat.measures) == 14
    black = {m.code for m in cat.measures.values() if m.kind == "black"}
    red = {m.code for m in cat.measures.values() if m.kind == "red"}
    assert "B01_PROCUREMENT_BAN" in black and "R01_GREEN_CHANNEL" in red
    used = {p for m in cat.measures.values() for p in m.purposes}
    assert used == set(cat.purposes)  # no purpose without a measure
    for purpose in ("procurement", "licensing", "subsidy", "bidding", "inspection"):
        kinds = {m.kind for m in cat.measures.values() if purpose in m.purposes}
        assert kinds == {"red", "black"}, purpose
    for m in cat.measures.values():
        assert m.name_zh and m.name_en and m.name("zh_CN") == m.name_zh
        assert m.name("en") == m.name_en


def test_measures_for_keeps_file_order_skips_unknown_and_defaults_by_kind() -> None:
    found = measures.measures_for(["R01_GREEN_CHANNEL", "B01_PROCUREMENT_BAN", "NOPE"])
    assert [m.code for m in found] == ["B01_PROCUREMENT_BAN", "R01_GREEN_CHANNEL"]
    assert measures.unknown_codes(["NOPE", "B03_STRICT_INSPECTION"]) == ["NOPE"]
    assert all(m.kind == "black" for m in measures.measures_of_record("black_list", []))
    assert all(m.kind == "red" for m in measures.measures_of_record("red_list", []))
    assert [m.code for m in measures.measures_of_record("court_enforcement", [])] == [
        "B05_HIGH_CONSUMPTION"
    ]
    assert measures.measures_of_record("penalty", []) == []
    own = measures.measures_of_record("black_list", ["B03_STRICT_INSPECTION"])
    assert [m.code for m in own] == ["B03_STRICT_INSPECTION"]
    assert own[0].applies_to("inspection") and not own[0].applies_to("subsidy")
    assert own[0].applies_to(None)


def test_the_measures_are_served(client: TestClient) -> None:
    response = client.get("/api/v1/credit/measures")
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 14
    ban = next(m for m in body if m["code"] == "B01_PROCUREMENT_BAN")
    assert ban == {
        "code": "B01_PROCUREMENT_BAN",
        "kind": "black",
        "name_zh": "限制参与政府采购活动",
        "name_en": "Barred from public procurement",
        "purposes": ["procurement"],
    }
