"""The demo loads the reference documents' data: the agreements' commitments and every figure of
the Binhai review, exactly as printed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.progress import service
from jingjinji.progress.demo import demo_data
from tests.conftest import People

REVIEW = Path("/work/shared/reference/documents/000_e498ed14dd151b0f.txt")


def stored(session: Session, indicator: str, jurisdiction: str = "120116") -> dict[str, float]:
    return {
        v.period: v.value
        for v in service.series_of(session, indicator=indicator, jurisdiction=jurisdiction)
    }


def test_exact_figures_of_the_binhai_review(
    session_factory: sessionmaker[Session],
    demo: People,
) -> None:
    with session_factory() as session:
        assert stored(session, "bh_sei_share") == {"2021": 25.2}
        assert stored(session, "bh_sei_value_added_growth") == {"2021": 10.3}
        assert stored(session, "bh_container_transit") == {"2019": 1.2, "2020": 1.85}
        assert stored(session, "bh_container_transit_growth") == {"2020": 54.2}
        assert stored(session, "tj_carbon_trading_volume", "120000") == {
            "2020": 28.94,
            "2021": 50.47,
        }
        assert stored(session, "tj_carbon_trading_growth", "120000") == {"2021": 74.4}
        assert stored(session, "bh_green_coverage") == {"2020": 39.2}
        assert stored(session, "bh_green_area_per_person") == {"2020": 12.8}
        assert stored(session, "bh_pm25") == {"2019": 54, "2021": 38}
        assert stored(session, "bh_soe_reformed") == {"2019": 66, "2020": 145, "2021": 73}
        assert stored(session, "bh_hsr_length") == {"2021-08": 62.2}
        assert stored(session, "bh_science_park_enterprises") == {"2021": 3178}
        assert stored(session, "bh_5g_base_stations") == {"2021": 2577}
        assert stored(session, "bh_xiongan_green_channel") == {"2020": 9694}
        assert len(stored(session, "tj_carbon_compliance_rate", "120000")) == 6
        pm = service.series_of(session, indicator="bh_pm25", jurisdiction="120116")
        assert "derived" in (pm[0].note or "") and "000_e498ed14dd151b0f" in pm[0].source
        carbon = service.series_of(
            session, indicator="tj_carbon_trading_volume", jurisdiction="120000"
        )
        assert "+74.4%" in (carbon[0].note or "")
        pm25 = service.get_indicator(session, code="bh_pm25")
        assert (pm25.direction, pm25.unit) == ("lower_is_better", "μg/m³")


def test_every_figure_is_in_the_review_text() -> None:
    """Each loaded value (except those derived from a stated change, which say so) is a
    number printed in the review."""
    if not REVIEW.exists():
        pytest.skip("reference document not available")
    text = REVIEW.read_text("utf-8").replace(",", "")
    printed = {float(x) for x in re.findall(r"\d+(?:\.\d+)?", text)}
    words = {"one": 1, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
    printed |= {float(n) for w, n in words.items() if re.search(rf"\b{w}\b", text, re.I)}
    for million in ("28", "1.85", "1.5"):  # '28 million', '1.85 million', '1.5 million'
        assert float(million) in printed
    for v in demo_data()["values"]:
        note = v.get("note") or ""
        if "derived" in note or "rounded" in note:
            continue
        assert float(v["value"]) in printed, v
    # no stock-code company names from the machine translation leaked into the data
    assert re.search(r"Co\.Ltd\(\d{6}\)", REVIEW.read_text("utf-8"))
    import json

    blob = json.dumps(demo_data(), ensure_ascii=False)
    assert "Co.Ltd" not in blob and not re.search(r"[A-Za-z]\(\d{6}\)", blob)


def test_agreement_commitments(client: TestClient, demo: People) -> None:
    agreements = {a["code"]: a for a in client.get("/api/v1/progress/agreements").json()}
    assert agreements["bj-tj-integration"]["parties"] == ["110000", "120000"]
    assert agreements["bj-tj-integration"]["signed_on"] is None  # the text gives no date
    by_area = client.get("/api/v1/progress/commitments", params={"group_by": "area"}).json()[
        "groups"
    ]
    counts = {g["key"]: g["count"] for g in by_area}
    assert set(counts) == {
        "planning",
        "transport",
        "ecology",
        "industry",
        "innovation",
        "ports",
        "investment_trade",
        "factor_markets",
        "public_services",
        "working_mechanism",
    }
    assert sum(counts.values()) == 35
    ftz = client.get("/api/v1/progress/commitments/bjtj-23").json()
    assert ftz["status"] == "completed"
    assert [h["status"] for h in ftz["history"]] == ["in_progress", "completed"]
    assert ftz["evidence"] and ftz["evidence"][0]["url"].startswith("urn:jingjinji:document:")
    park = client.get("/api/v1/progress/commitments/bjtj-17").json()
    assert park["lead_jurisdiction_code"] == "120116"
    assert park["indicator_codes"] == ["bh_science_park_enterprises"]
    others = client.get(
        "/api/v1/progress/commitments", params={"status": "in_progress", "limit": 1000}
    ).json()["items"]
    assert len(others) == 34 and all(c["deadline"] is None for c in others)
    hebei = client.get(
        "/api/v1/progress/commitments", params={"jurisdiction": "130000", "limit": 1000}
    ).json()["items"]
    assert {c["agreement_code"] for c in hebei} == {
        "bj-tj-integration",
        "jjj-transport-memo",
        "tj-he-ports",
    }


def test_demo_loader_is_found_by_the_embedded_demo() -> None:
    from jingjinji import domains
    from jingjinji.progress import demo as progress_demo

    assert progress_demo in domains.modules("demo")
    assert progress_demo.DATA_FILE == "demo_documents.json"
