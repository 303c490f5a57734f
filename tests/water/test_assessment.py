"""Section classes over a period from stored samples: the classes are those of the kernels
applied to the period values; pH is averaged through the hydrogen ion, values below detection
count as half the limit, a month without a manual sample falls back on the station."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from jingjinji.errors import InvalidInput, NotFound
from jingjinji.water import kernels
from jingjinji.water.models import SampleKind, SampleOrigin
from jingjinji.water.schemas.samples import SampleIn
from jingjinji.water.service import assessment, samples, sections
from tests.conftest import People
from tests.water.conftest import WaterNetwork, china_time, sample, samples_of


def _store(session: Session, people: People, rows: list[SampleIn]) -> None:
    samples.record_samples(session, actor=people["office"], rows=rows, channel="api")
    session.commit()


MONTHS = {  # BJ-HE-01 in 2026: one manual sample a month
    1: {"ph": 7.2, "do": 6.5, "cod": 18.0, "nh3n": 1.2, "tp": 0.15},
    2: {"ph": 7.8, "do": 5.5, "cod": 22.0, "nh3n": 1.6, "tp": 0.21},
    3: {"ph": 8.1, "do": 4.1, "cod": 26.0, "nh3n": 2.3, "tp": 0.18},
}


def _monthly(session: Session, people: People, code: str) -> None:
    rows = [
        r
        for month, values in MONTHS.items()
        for r in samples_of(code, china_time(2026, month, 10, 9), values)
    ]
    _store(session, people, rows)


def test_year_class_is_the_kernels_class_of_the_period_means(
    water_session: Session, water_sections: WaterNetwork, people: People
) -> None:
    _monthly(water_session, people, water_sections.bj_he)
    result = assessment.assess_sections(water_session, year=2026, codes=[water_sections.bj_he])[0]
    expected_values: dict[str, Any] = {}
    for item in ("do", "cod", "nh3n", "tp"):
        mean = sum(MONTHS[m][item] for m in MONTHS) / 3
        expected_values[item] = float(kernels.round_item(item, [mean])[0])
    hydrogen = -math.log10(sum(10 ** -MONTHS[m]["ph"] for m in MONTHS) / 3)
    expected_values["ph"] = float(kernels.round_item("ph", [hydrogen])[0])
    assert result.values == pytest.approx(expected_values)
    direct = kernels.assess({k: np.array([v]) for k, v in expected_values.items()})
    assert result.section_class == int(direct.section_class[0])
    assert result.grade == str(direct.grade[0])
    assert result.classes == {k: int(v[0]) for k, v in direct.classes.items()}
    assert result.main_pollutants == list(direct.main_pollutants[0])
    # NH3-N 1.7 is class V; (1.7 - 1.0) / 1.0 above class III.
    assert result.values["nh3n"] == 1.7 and result.classes["nh3n"] == 5
    assert result.multiples["nh3n"] == 0.7
    assert result.target_class == 4 and result.meets_target is False
    assert result.target_multiples["nh3n"] == pytest.approx(round((1.7 - 1.5) / 1.5, 2))
    assert result.samples.manual == 3 and result.samples.automatic == 0
    assert result.samples.months_manual == [1, 2, 3] and not result.samples.synthetic


def test_ph_is_averaged_through_the_hydrogen_ion(
    water_session: Session, water_sections: WaterNetwork, people: People
) -> None:
    code = water_sections.bj_he
    _store(
        water_session,
        people,
        [
            sample(code, china_time(2026, 4, 3, 9), "ph", 6.0),
            sample(code, china_time(2026, 4, 20, 9), "ph", 9.0),
        ],
    )
    result = assessment.assess_sections(water_session, year=2026, month=4, codes=[code])[0]
    # -log10((1e-6 + 1e-9) / 2) = 6.30 -> 6; the arithmetic mean 7.5 would have given 8.
    assert result.values["ph"] == 6.0
    assert result.section_class == 1


def test_below_detection_counts_as_half_the_limit(
    water_session: Session, water_sections: WaterNetwork, people: People
) -> None:
    code = water_sections.bj_he
    _store(
        water_session,
        people,
        [
            sample(code, china_time(2026, 5, 3, 9), "cd", 0.001, below_detection=True),
            sample(code, china_time(2026, 5, 20, 9), "cd", 0.002),
            sample(code, china_time(2026, 6, 3, 9), "cd", 0.001, below_detection=True),
        ],
    )
    may = assessment.assess_sections(water_session, year=2026, month=5, codes=[code])[0]
    assert may.values["cd"] == pytest.approx((0.0005 + 0.002) / 2)
    assert may.classes["cd"] == 2
    june = assessment.assess_sections(water_session, year=2026, month=6, codes=[code])[0]
    assert june.values["cd"] == pytest.approx(0.0005)
    assert june.classes["cd"] == 1


def test_station_readings_count_only_in_months_without_a_manual_sample(
    water_session: Session, water_sections: WaterNetwork, people: People
) -> None:
    code = water_sections.he_tj
    auto = SampleKind.AUTOMATIC
    _store(
        water_session,
        people,
        [
            sample(code, china_time(2026, 1, 12, 9), "nh3n", 1.8),
            sample(code, china_time(2026, 1, 12, 12), "nh3n", 0.2, kind=auto),
            sample(code, china_time(2026, 2, 1, 0), "nh3n", 0.4, kind=auto),
            sample(code, china_time(2026, 2, 1, 4), "nh3n", 0.6, kind=auto),
        ],
    )
    result = assessment.assess_sections(water_session, year=2026, codes=[code])[0]
    assert result.values["nh3n"] == pytest.approx((1.8 + 0.5) / 2)
    assert result.classes["nh3n"] == 4
    assert result.samples.months_manual == [1] and result.samples.months_automatic == [2]
    assert result.samples.manual == 1 and result.samples.automatic == 2
    assert result.target_class == 3 and result.meets_target is False


def test_dongdaqiao_against_a_class_v_target(
    water_session: Session, water_sections: WaterNetwork, people: People
) -> None:
    """The published January 2017 check: COD 33 meets class V, NH3-N 9.74 is 3.87 times over."""
    code = water_sections.he_tj
    sections.set_target(water_session, actor=people["office"], code=code, year=2024, target_class=5)
    rows = samples_of(
        code,
        china_time(2024, 1, 15, 10),
        {"cod": 33.0, "nh3n": 9.74},
        origin=SampleOrigin.PUBLISHED,
    )
    _store(water_session, people, rows)
    result = assessment.section_period(
        water_session, section_code=code, start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 31)
    )
    assert result.target_class == 5 and result.section_class == 6
    assert result.target_multiples == {"nh3n": 3.87}
    assert result.target_pollutants == ["nh3n"]
    assert result.samples.published and result.samples.origins == ["published"]


def test_months_are_china_time(
    water_session: Session, water_sections: WaterNetwork, people: People
) -> None:
    code = water_sections.bj_he
    # 1 March 00:30 in China is still February in UTC.
    _store(water_session, people, [sample(code, china_time(2026, 3, 1, 0, 30), "cod", 35.0)])
    history = assessment.class_history(water_session, section_code=code, year=2026)
    assert [(m.month, m.section_class) for m in history if m.section_class] == [(3, 5)]
    assert len(history) == 12 and history[0].grade == "" and history[0].meets_target is None


def test_class_history_gives_each_month(
    water_session: Session, water_sections: WaterNetwork, people: People
) -> None:
    _monthly(water_session, people, water_sections.bj_he)
    history = assessment.class_history(water_session, section_code=water_sections.bj_he, year=2026)
    expected = {}
    for month, values in MONTHS.items():
        rounded = {k: kernels.round_item(k, [v]) for k, v in values.items()}
        expected[month] = int(kernels.assess(rounded).section_class[0])
    assert {m.month: m.section_class for m in history if m.section_class} == expected
    assert history[2].meets_target is (expected[3] <= 4)


def test_a_section_without_samples_is_not_assessed(
    water_session: Session, water_sections: WaterNetwork
) -> None:
    found = assessment.assess_sections(water_session, year=2026)
    assert [a.section_code for a in found] == sorted(water_sections.codes)
    assert all(a.section_class == 0 and a.grade == "" and a.meets_target is None for a in found)
    assert all(a.samples.manual == 0 for a in found)


def test_assess_sections_runs_the_same_statements_for_more_sections(
    water_session: Session, water_sections: WaterNetwork, people: People
) -> None:
    counted: list[str] = []

    def count(*args: Any) -> None:
        counted.append(str(args[2]))

    engine = water_session.get_bind()
    _monthly(water_session, people, water_sections.bj_he)
    event.listen(engine, "before_cursor_execute", count)
    try:
        assessment.assess_sections(water_session, year=2026, codes=[water_sections.bj_he])
        one = len(counted)
        for code in water_sections.codes[1:]:
            _monthly(water_session, people, code)
        counted.clear()
        assessment.assess_sections(water_session, year=2026)
        assert len(counted) == one <= 4
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_item_series_carries_the_class_limits(
    water_session: Session, water_sections: WaterNetwork, people: People
) -> None:
    _monthly(water_session, people, water_sections.bj_he)
    series = assessment.item_series(
        water_session,
        section_code=water_sections.bj_he,
        item="nh3n",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 2, 28),
    )
    assert series.limits == list(kernels.limits("nh3n"))
    assert [p.value for p in series.points] == [1.2, 1.6]
    assert series.unit == "mg/L" and series.ph_range is None
    ph = assessment.item_series(
        water_session,
        section_code=water_sections.bj_he,
        item="ph",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 12, 31),
    )
    assert ph.limits == [] and ph.ph_range == [6.0, 9.0] and len(ph.points) == 3
    with pytest.raises(InvalidInput) as bad:
        assessment.item_series(
            water_session,
            section_code=water_sections.bj_he,
            item="gold",
            start=dt.date(2026, 1, 1),
            end=dt.date(2026, 1, 2),
        )
    assert bad.value.errors[0]["loc"] == ["query", "item"]
    with pytest.raises(NotFound):
        assessment.class_history(water_session, section_code="NOPE", year=2026)
