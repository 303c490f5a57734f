"""Found in a review: the water datasets' pages in the catalog showed their enumerations
(``cross_border``, ``lightly_polluted``, ``synthetic``, the compliance scope ``all``) as they are
stored, in English on Chinese pages. They show by their labels in the reader's language; the
section codes, item codes and numbers stay as they are, and the rows keep the values (both
databases)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from jingjinji import labels
from jingjinji.water import flows
from jingjinji.water.models import SampleOrigin
from jingjinji.water.service import samples
from tests.catalog.preview_support import preview_columns
from tests.conftest import People
from tests.water.conftest import WaterNetwork, china_time, samples_of

#: dataset kind -> field -> the label kind of its values
ENUMERATIONS = {
    "SECTION-MONTHLY": {
        "kind": "water.section_kind",
        "grade": "water.grade",
        "origins": "water.sample_origin",
    },
    "COMPLIANCE": {"scope": "water.compliance_scope"},
}


@pytest.fixture
def water_data(water_session: Session, water_sections: WaterNetwork, people: People) -> None:
    rows = [
        *samples_of(water_sections.he_tj, china_time(2026, 1, 9, 9), {"nh3n": 2.5, "cod": 18.0}),
        *samples_of(
            water_sections.he_provincial,
            china_time(2026, 1, 9, 9),
            {"nh3n": 0.4},
            origin=SampleOrigin.SYNTHETIC,
        ),
    ]
    samples.record_samples(water_session, actor=people["office"], rows=rows, channel="api")
    flows.register_datasets(water_session, actor=people["office"])
    water_session.commit()


@pytest.mark.parametrize("kind", sorted(ENUMERATIONS))
def test_the_water_datasets_show_their_enumerations_in_the_readers_language(
    client: TestClient, water_data: None, kind: str
) -> None:
    code = f"WATER-130000-{kind}"
    rows = client.get(f"/api/v1/datasets/{code}/records").json()["items"]
    assert rows
    for lang, param in (("zh_CN", "zh-CN"), ("en", "en")):
        shown = preview_columns(client.get(f"/catalog/{code}", params={"lang": param}).text)
        for i, row in enumerate(rows):
            for field, value in row.items():
                cell = shown[field][i]
                if field in ENUMERATIONS[kind]:
                    parts = str(value).split(";") if field == "origins" else [str(value)]
                    expected = [labels.label(lang, ENUMERATIONS[kind][field], p) for p in parts]
                    assert all(e != p or lang == "en" for e, p in zip(expected, parts, strict=True))
                    assert cell == ("、" if lang == "zh_CN" else ", ").join(expected), (field, cell)
                    if lang == "zh_CN":
                        assert not any(p in cell for p in parts), (field, cell)
                elif field in ("section_code", "main_pollutants", "section_name_zh"):
                    assert cell == value, (field, cell)  # identifiers and names as they are
