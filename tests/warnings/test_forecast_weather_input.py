"""The stored forecasts use weather forecasts when present and say so: a weather forecast
issued before the issue moment feeds the weather-input variant of the city's model
(``weather_input = "forecast"``); one issued after it, or none, leaves the forecast without
weather input (``"none"``). Shown in the API, the chart and the page (both languages)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.security import SYSTEM_ACTOR
from jingjinji.warnings import service, weather
from jingjinji.warnings.flows import city_data
from jingjinji.warnings.forecast import issue_time
from jingjinji.warnings.forecast_store import load_model
from jingjinji.warnings.models import Forecast
from jingjinji.warnings.weather import WeatherRow
from tests.conftest import People

CUTOFF = dt.date(2013, 12, 31)
ISSUE = dt.date(2014, 1, 1)
UTC = dt.UTC
MET = "Beijing Meteorological Service"


def _forecast(day: dt.date, issued: dt.datetime, **values: float) -> WeatherRow:
    return WeatherRow(
        city_code="110000",
        target_date=day,
        target_hour=None,
        issued_at=issued,
        source=MET,
        **values,
    )


STAGNANT = {
    "temp_mean": -2.0,
    "temp_min": -6.0,
    "temp_max": 3.0,
    "dewp_mean": -4.0,
    "pres_mean": 1018.0,
    "wspm_mean": 0.8,
    "wind_dir_deg": 180.0,
    "rain_sum": 0.0,
}


def test_weather_forecasts_issued_before_the_issue_time_are_used_and_recorded(
    session_factory: sessionmaker[Session], beijing: People, client: TestClient
) -> None:
    with session_factory() as s:
        row, _ = service.train_model(s, actor=SYSTEM_ACTOR, city_code="110000", until=CUTOFF)
        # no weather forecasts: no variant is trained, forecasts say "none"
        assert service.ensure_weather_model(s, actor=SYSTEM_ACTOR, row=row) is None
        # 08:00 China time on the issue day (before 15:00): targets +1 and +2
        early = dt.datetime(2014, 1, 1, 0, 0, tzinfo=UTC)
        # 16:00 China time on the issue day (after 15:00): target +3 must not be read
        late = dt.datetime(2014, 1, 1, 8, 0, tzinfo=UTC)
        weather.store_weather_forecasts(
            s,
            actor=SYSTEM_ACTOR,
            rows=[
                _forecast(ISSUE + dt.timedelta(days=1), early, **STAGNANT),
                _forecast(ISSUE + dt.timedelta(days=2), early, **STAGNANT),
                _forecast(ISSUE + dt.timedelta(days=3), late, **STAGNANT),
            ],
        )
        variant = service.ensure_weather_model(s, actor=SYSTEM_ACTOR, row=row)
        assert variant is not None and variant.version == issue_time.model_version(CUTOFF, 15, True)
        assert variant.summary["weather_input"].startswith("target-day observed weather")
        # the variant is a companion: the city's latest model stays the one without weather
        assert service.latest_model(s, city_code="110000").id == row.id  # type: ignore[union-attr]
        grid = service.city_grid(s, city_code="110000")
        assert service.store_forecasts(s, row=row, grid=grid, issue_dates=[ISSUE]) == 3
        s.commit()
        stored = {
            f.horizon_days: f
            for f in s.scalars(select(Forecast).where(Forecast.issue_date == ISSUE))
        }
        assert {h: f.weather_input for h, f in stored.items()} == {
            1: "forecast",
            2: "forecast",
            3: "none",
        }
        assert stored[1].model_version == variant.version
        assert stored[3].model_version == row.version
        # the forecast row is what the variant predicts from the weather forecast ...
        data = city_data(s, city_code="110000")
        i = np.array([data.daily.index_of(ISSUE)], dtype=np.int64)
        frame = service.weather_forecast_frame(
            s,
            city_code="110000",
            issued_at_or_before=dt.datetime(
                2014, 1, 1, 15, tzinfo=dt.timezone(dt.timedelta(hours=8))
            ),
            target_from=ISSUE,
            target_to=ISSUE + dt.timedelta(days=3),
        )
        assert frame["target_date"].to_list() == [ISSUE + dt.timedelta(days=d) for d in (1, 2)]
        model = load_model(variant)
        assert isinstance(model, issue_time.IssueTimeModel)
        expected = model.predict(
            data, i, target_weather=issue_time.weather_from_frame(frame, data)
        )[1]
        assert stored[1].aqi_p50 == round(float(expected.aqi[0.5][0]), 1)
        # ... and not what the model without weather predicts
        plain = load_model(row)
        assert isinstance(plain, issue_time.IssueTimeModel)
        assert stored[1].aqi_p50 != round(float(plain.predict(data, i)[1].aqi[0.5][0]), 1)
        # issuing again adds nothing
        assert service.store_forecasts(s, row=row, grid=grid, issue_dates=[ISSUE]) == 0

    api = client.get(
        "/api/v1/warnings/forecasts",
        params={"city": "110000", "start": "2014-01-02", "end": "2014-01-04", "horizon": 1},
    )
    assert api.status_code == 200, api.text
    assert [f["weather_input"] for f in api.json()] == ["forecast"]
    chart = client.get(
        "/api/v1/warnings/forecasts/chart", params={"city": "110000", "horizon": 3}
    ).json()
    assert chart["status"] == "ready"
    assert [w for w in chart["weather_input"] if w is not None] == ["none"]
    chart1 = client.get("/api/v1/warnings/forecasts/chart", params={"city": "110000"}).json()
    assert [w for w in chart1["weather_input"] if w is not None] == ["forecast"]
    client.cookies.set("jjj_lang", "en")
    page = client.get("/warnings", params={"city": "110000", "horizon": 1}).text
    assert "Weather input: 1 of 1 forecasts shown used a weather forecast" in page
    client.cookies.set("jjj_lang", "zh_CN")
    page = client.get("/warnings", params={"city": "110000", "horizon": 3}).text
    assert "图中 1 条预报中有 0 条使用了目标日的天气预报" in page


def test_the_daily_job_issues_with_the_weather_forecast(
    session_factory: sessionmaker[Session], beijing: People
) -> None:
    """The daily job trains the city's model and its weather-input variant (the city has weather
    forecasts) and issues its latest day with the forecast issued that morning."""
    last = dt.date(2014, 1, 24)  # the slice's last day
    morning = dt.datetime(2014, 1, 24, 1, 0, tzinfo=UTC)  # 09:00 China time
    with session_factory() as s:
        weather.store_weather_forecasts(
            s,
            actor=SYSTEM_ACTOR,
            rows=[_forecast(last + dt.timedelta(days=d), morning, **STAGNANT) for d in (1, 2, 3)],
        )
        run = service.run_daily(s, actor=SYSTEM_ACTOR)
        s.commit()
        assert run.cities == ["110000"] and run.issued_rows == 3
        rows = list(s.scalars(select(Forecast).where(Forecast.issue_date == last)))
        assert sorted(f.weather_input for f in rows) == ["forecast"] * 3
        cutoff = last - dt.timedelta(days=1)
        assert {f.model_version for f in rows} == {issue_time.model_version(cutoff, 15, True)}
