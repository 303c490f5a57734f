"""A city without enough history says so instead of showing nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.air import service as air
from jingjinji.air.importer import import_beijing_multisite
from jingjinji.air.service.daily import station_daily_rows
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.warnings import forecast
from jingjinji.warnings.forecast_inputs import forecast_status
from tests.air.support import SHARED
from tests.conftest import People
from tests.warnings.conftest import SLICE_DAYS, SLICE_FILES


def test_a_city_without_data_says_so(session_factory: sessionmaker[Session], warn: People) -> None:
    with session_factory() as s:
        st = forecast_status(s, city_code="110000")
    assert (st.status, st.days_with_aqi) == ("no_data", 0)
    assert "no air-quality data" in st.message


def test_a_city_with_history_is_ready(
    session_factory: sessionmaker[Session], beijing: People
) -> None:
    with session_factory() as s:
        st = forecast_status(s, city_code="110000")
    assert st.status == "ready" and SLICE_DAYS - 5 <= st.days_with_aqi <= SLICE_DAYS
    assert st.needed == forecast.MIN_TRAINING_DAYS + 3


# ------------------------------------------------------------------------------ API and page

FEW_DAYS = 10


@pytest.fixture(scope="session")
def few_days_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 10 days of two real station files (with SHA256SUMS)."""
    if SHARED is None:
        pytest.skip("the Beijing multi-site files were not found (set JJJ_SHARED_DIR)")
    target = tmp_path_factory.mktemp("beijing-few-days")
    sums = []
    for name in SLICE_FILES:
        with (SHARED / name).open("rb") as fh:
            data = b"".join(fh.readline() for _ in range(24 * FEW_DAYS + 1))
        (target / name).write_bytes(data)
        sums.append(f"{hashlib.sha256(data).hexdigest()}  {name}")
    (target / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    return target


def _chart(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/v1/warnings/forecasts/chart", params={"city": "110000"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _page(client: TestClient, lang: str) -> str:
    client.cookies.set("jjj_lang", lang)
    response = client.get("/warnings", params={"city": "110000"})
    assert response.status_code == 200
    return response.text


def test_the_chart_of_a_city_without_data_says_so(client: TestClient, warn: People) -> None:
    chart = _chart(client)
    assert chart["status"] == "no_data" and chart["dates"] == []
    assert "no air-quality data" in chart["message"]
    assert 'data-status="no_data"' in _page(client, "en")
    assert "No forecast: there is no air-quality data for this city." in _page(client, "en")
    assert "无预报：该城市没有空气质量数据。" in _page(client, "zh_CN")


def test_the_chart_of_a_city_with_a_few_days_says_how_many_it_needs(
    session_factory: sessionmaker[Session], client: TestClient, warn: People, few_days_slice: Path
) -> None:
    with session_factory() as s:
        import_beijing_multisite(s, few_days_slice, actor=SYSTEM_ACTOR)
        s.commit()
        st = forecast_status(s, city_code="110000")
    assert st.status == "too_little_history" and 0 < st.days_with_aqi <= FEW_DAYS
    chart = _chart(client)
    assert chart["status"] == "too_little_history" and chart["dates"] == []
    assert chart["days_with_aqi"] == st.days_with_aqi and chart["needed_days"] == st.needed
    assert f"has {st.days_with_aqi} days with a daily AQI" in chart["message"]
    en = _page(client, "en")
    assert 'data-status="too_little_history"' in en
    assert (
        f"this city has {st.days_with_aqi} days with a daily AQI; a forecast model needs at "
        f"least {st.needed}."
    ) in en
    zh = _page(client, "zh_CN")
    assert f"该城市只有 {st.days_with_aqi} 天的日 AQI，预报模型至少需要 {st.needed} 天。" in zh


def test_the_city_aqi_days_are_those_of_the_full_daily_frame(
    session_factory: sessionmaker[Session], beijing: People
) -> None:
    """forecast_status and the chart read only date and AQI (air.city_aqi_days, the pollutant
    columns alone): the same values as the full city_daily_frame, whole history and a window;
    station_daily_rows(columns=...) is the full rows' selection of those columns."""
    with session_factory() as s:
        span = air.date_span(s, station_codes=air.station_codes_of_city(s, city_code="110000"))
        assert span is not None
        first, last = span
        full = air.city_daily_frame(s, city_code="110000", start=first, end=last)
        whole = air.city_aqi_days(s, city_code="110000")
        window = (first + dt.timedelta(days=3), first + dt.timedelta(days=12))
        part = air.city_aqi_days(s, city_code="110000", start=window[0], end=window[1])
        codes = air.station_codes_of_city(s, city_code="110000")
        rows = station_daily_rows(s, station_codes=codes, start=first, end=last)
        some = station_daily_rows(
            s, station_codes=codes, start=first, end=last, columns=["pm2_5", "co"]
        )
        with pytest.raises(ValueError, match="not columns of the daily cache"):
            station_daily_rows(s, station_codes=codes, start=first, end=last, columns=["x"])
    assert whole.height == full.height > 0
    assert whole.equals(full.select("date", "aqi"))
    wanted = full.filter(pl.col("date").is_between(*window)).select("date", "aqi")
    assert part.height == 10 and part.equals(wanted)
    assert some.equals(rows.select("station_code", "date", "pm2_5", "co"))
