"""Weather forecast intake and the accessor the AQI forecast reads: storage (idempotent,
conflicts named), who may write (audited refusals), bounds, the API (JSON and CSV), the CLI
and :func:`weather_forecast_frame` (latest issue at or before the moment, hourly rows to the
day, wind components)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from jingjinji.audit.models import AuditEntry
from jingjinji.cli import app
from jingjinji.config import get_settings
from jingjinji.errors import Conflict, InvalidInput, PermissionDenied
from jingjinji.warnings import weather
from jingjinji.warnings.models import WeatherForecast
from jingjinji.warnings.weather import WeatherRow
from tests.conftest import People

UTC = dt.UTC
CST = dt.timezone(dt.timedelta(hours=8))
D1 = dt.date(2016, 12, 16)
D2 = dt.date(2016, 12, 17)
MET = "Beijing Meteorological Service"


def daily(
    day: dt.date = D1,
    issued: dt.datetime = dt.datetime(2016, 12, 15, 7, 0, tzinfo=UTC),
    *,
    city: str = "110000",
    source: str = MET,
    hour: int | None = None,
    **values: float,
) -> WeatherRow:
    return WeatherRow(
        city_code=city,
        target_date=day,
        target_hour=hour,
        issued_at=issued,
        source=source,
        **values,
    )


def store(session: Session, people: People, rows: list[WeatherRow], who: str = "office") -> None:
    weather.store_weather_forecasts(session, actor=people[who], rows=rows)
    session.commit()


def frame(
    session: Session, moment: dt.datetime, start: dt.date = D1, end: dt.date = D2
) -> pl.DataFrame:
    return weather.weather_forecast_frame(
        session, city_code="110000", issued_at_or_before=moment, target_from=start, target_to=end
    )


# ------------------------------------------------------------------------------------ accessor


def test_frame_takes_the_latest_issue_at_or_before_the_moment(
    session: Session, people: People
) -> None:
    early = dt.datetime(2016, 12, 14, 7, 0, tzinfo=UTC)
    late = dt.datetime(2016, 12, 15, 7, 0, tzinfo=UTC)
    store(
        session,
        people,
        [
            daily(D1, early, temp_mean=-2.0, rh_mean=60.0),
            daily(D1, late, temp_mean=-3.5, rh_mean=70.0),
            daily(D2, early, temp_mean=0.5),
        ],
    )
    before_late = frame(session, late - dt.timedelta(seconds=1))
    assert before_late["temp_mean"].to_list() == [-2.0, 0.5]
    assert before_late["issued_at"].to_list() == [early, early]
    at_late = frame(session, late)
    assert at_late["temp_mean"].to_list() == [-3.5, 0.5]
    assert at_late["rh_mean"].to_list() == [70.0, None]
    # a moment in another zone is the same instant
    assert frame(session, late.astimezone(CST))["temp_mean"].to_list() == [-3.5, 0.5]
    # nothing issued yet: an empty frame with the documented columns and types
    empty = frame(session, early - dt.timedelta(days=1))
    assert empty.height == 0
    assert empty.schema["target_date"] == pl.Date()
    assert empty.schema["issued_at"] == pl.Datetime("us", "UTC")
    assert all(empty.schema[c] == pl.Float64() for c in weather.FRAME_VALUES)
    assert "wind_dir_deg" not in empty.columns


def test_frame_aggregates_hours_and_derives_the_wind(session: Session, people: People) -> None:
    issued = dt.datetime(2016, 12, 15, 7, 0, tzinfo=UTC)
    hours = [
        daily(D1, issued, hour=h, temp_mean=t, rain_sum=r, wspm_mean=2.0, wind_dir_deg=d)
        for h, t, r, d in ((0, -4.0, 0.0, 0.0), (6, -6.0, 0.4, 90.0), (12, 2.0, 1.1, 180.0))
    ]
    store(session, people, [*hours, daily(D2, issued, wspm_mean=3.0, wind_dir_deg=270.0)])
    out = frame(session, issued)
    first = out.row(0, named=True)
    assert first["temp_mean"] == pytest.approx(-8.0 / 3)
    assert (first["temp_min"], first["temp_max"]) == (-6.0, 2.0)
    assert first["rain_sum"] == pytest.approx(1.5)
    # from the north (v=-2), from the east (u=-2), from the south (v=+2): mean u=-2/3, v=0
    assert first["wind_u"] == pytest.approx(-2.0 / 3)
    assert first["wind_v"] == pytest.approx(0.0, abs=1e-12)
    second = out.row(1, named=True)
    # a west wind blows towards the east: u > 0
    assert second["wind_u"] == pytest.approx(3.0)
    assert second["wind_v"] == pytest.approx(0.0, abs=1e-12)
    assert second["temp_mean"] is None


def test_a_daily_row_wins_over_the_hours_of_the_same_issue(
    session: Session, people: People
) -> None:
    issued = dt.datetime(2016, 12, 15, 7, 0, tzinfo=UTC)
    store(
        session,
        people,
        [daily(D1, issued, hour=3, temp_mean=-9.0), daily(D1, issued, temp_mean=-1.0)],
    )
    assert frame(session, issued)["temp_mean"].to_list() == [-1.0]


def test_wind_components_follow_the_meteorological_convention() -> None:
    u, v = weather.wind_components(5.0, 45.0)
    assert u == pytest.approx(-5 / math.sqrt(2))
    assert v == pytest.approx(-5 / math.sqrt(2))


# ------------------------------------------------------------------------------------ storing


def test_the_same_row_again_is_idempotent_and_other_values_are_a_conflict(
    session: Session, people: People
) -> None:
    row = daily(temp_mean=-2.0, pres_mean=1025.0)
    store(session, people, [row])
    result = weather.store_weather_forecasts(session, actor=people["office"], rows=[row])
    session.commit()
    assert (result.stored, result.unchanged) == (0, 1)
    assert len(session.scalars(select(WeatherForecast)).all()) == 1
    with pytest.raises(Conflict, match=r"city 110000, 2016-12-16 day, issued .*pres_mean"):
        weather.store_weather_forecasts(
            session, actor=people["office"], rows=[daily(temp_mean=-2.0, pres_mean=1020.0)]
        )
    # the same instant written in China time is the same key
    same = daily(
        issued=dt.datetime(2016, 12, 15, 15, 0, tzinfo=CST), temp_mean=-2.0, pres_mean=1025.0
    )
    assert (
        weather.store_weather_forecasts(session, actor=people["office"], rows=[same]).unchanged == 1
    )


def test_a_conflict_inside_one_batch_stores_nothing(session: Session, people: People) -> None:
    with pytest.raises(Conflict, match="in this batch"):
        weather.store_weather_forecasts(
            session,
            actor=people["office"],
            rows=[daily(D2, temp_mean=1.0), daily(temp_mean=1.0), daily(temp_mean=2.0)],
        )
    assert session.scalars(select(WeatherForecast)).all() == []


def test_who_may_send_weather_forecasts(session: Session, people: People) -> None:
    store(session, people, [daily(temp_mean=1.0)], who="bj-env")
    for who, city in (("bj-analyst", "110000"), ("bj-admin", "110000"), ("bj-env", "120000")):
        with pytest.raises(PermissionDenied):
            weather.store_weather_forecasts(
                session, actor=people[who], rows=[daily(D2, city=city, temp_mean=1.0)]
            )
    refused = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "weather_forecast.store", AuditEntry.outcome == "denied"
        )
    ).all()
    assert len(refused) == 3
    assert len(session.scalars(select(WeatherForecast)).all()) == 1


def test_an_unknown_city_is_named(session: Session, people: People) -> None:
    with pytest.raises(InvalidInput) as caught:
        weather.store_weather_forecasts(
            session, actor=people["office"], rows=[daily(temp_mean=1.0), daily(city="999999")]
        )
    assert caught.value.errors[0]["loc"] == ["body", "rows", 1, "city_code"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"rh_mean": 100.5}, "rh_mean"),
        ({"rh_mean": -0.1}, "rh_mean"),
        ({"wind_dir_deg": 360.1}, "wind_dir_deg"),
        ({"pres_mean": 799.9}, "pres_mean"),
        ({"pres_mean": 1100.1}, "pres_mean"),
        ({"wspm_mean": -1.0}, "wspm_mean"),
        ({"rain_sum": -0.1}, "rain_sum"),
        ({"temp_min": 3.0, "temp_max": 1.0}, "temp_min"),
        ({"temp_mean": 5.0, "temp_max": 1.0}, "temp_mean"),
        ({"wind_u": 1.0}, "wind_v"),
        ({"temp_mean": math.nan}, "temp_mean"),
    ],
)
def test_bounds(values: dict[str, float], field: str) -> None:
    assert field in [f for f, _ in weather.check_values(values)]


@pytest.mark.parametrize(
    "values",
    [{"rh_mean": 0.0}, {"rh_mean": 100.0}, {"wind_dir_deg": 360.0}, {"pres_mean": 800.0}, {}],
)
def test_values_on_the_bounds_pass(values: dict[str, float]) -> None:
    assert weather.check_values(values) == []


# ------------------------------------------------------------------------------------ API, CSV, CLI

API = "/api/v1/warnings/weather-forecasts"
ROW = {
    "city_code": "110000",
    "target_date": "2016-12-16",
    "issued_at": "2016-12-15T15:00:00+08:00",
    "source": MET,
    "temp_mean": -3.5,
    "rh_mean": 71,
    "wspm_mean": 1.2,
    "wind_dir_deg": 200,
}
HEADER = "city_code,target_date,target_hour,issued_at,source,temp_mean,rh_mean,pres_mean\n"


def test_api_batch_is_idempotent_and_a_changed_value_is_a_409(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    headers = people.headers(session_factory, "bj-env")
    first = client.post(API, json={"rows": [ROW, {**ROW, "target_hour": 5}]}, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json() == {"received": 2, "stored": 2, "unchanged": 0}
    again = client.post(API, json={"rows": [ROW]}, headers=headers)
    assert again.json() == {"received": 1, "stored": 0, "unchanged": 1}
    changed = client.post(API, json={"rows": [{**ROW, "rh_mean": 72}]}, headers=headers)
    assert changed.status_code == 409
    assert (
        "city 110000, 2016-12-16 day, issued 2016-12-15T07:00:00+00:00" in changed.json()["detail"]
    )
    listed = client.get(API, params={"city": "110000", "limit": 1}, headers=headers).json()
    assert len(listed["items"]) == 1 and listed["next_cursor"]
    rest = client.get(
        API, params={"city": "110000", "cursor": listed["next_cursor"]}, headers=headers
    ).json()
    assert [r["target_hour"] for r in listed["items"] + rest["items"]] == [None, 5]
    assert rest["items"][0]["issued_at"] == "2016-12-15T07:00:00Z"
    none = client.get(API, params={"target_from": "2016-12-17"}, headers=headers).json()
    assert none["items"] == []


def test_api_lists_every_bad_row_and_stores_nothing(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    headers = people.headers(session_factory, "office")
    bad = [
        ROW,
        {**ROW, "target_date": "2016-12-17", "rh_mean": 130},
        {**ROW, "target_date": "2016-12-18", "pres_mean": 700, "wind_dir_deg": 400},
    ]
    answer = client.post(API, json={"rows": bad}, headers=headers)
    assert answer.status_code == 422
    locs = [e["loc"] for e in answer.json()["errors"]]
    assert ["body", "rows", 1, "rh_mean"] in locs
    assert ["body", "rows", 2, "pres_mean"] in locs
    assert ["body", "rows", 2, "wind_dir_deg"] in locs
    naive = client.post(
        API, json={"rows": [{**ROW, "issued_at": "2016-12-15T15:00"}]}, headers=headers
    )
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["loc"][-1] == "issued_at"
    typed = client.post(API, json={"rows": [{**ROW, "rh_mean": "71"}]}, headers=headers)
    assert typed.status_code == 422
    with session_factory() as s:
        assert s.scalars(select(WeatherForecast)).all() == []


def test_api_writers(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    assert client.post(API, json={"rows": [ROW]}).status_code == 401
    analyst = people.headers(session_factory, "bj-analyst")
    assert client.post(API, json={"rows": [ROW]}, headers=analyst).status_code == 403
    tianjin = people.headers(session_factory, "tj-env")
    assert client.post(API, json={"rows": [ROW]}, headers=tianjin).status_code == 403
    assert client.get(API).status_code == 401


def test_csv_upload_reports_line_column_and_reason(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    headers = people.headers(session_factory, "office")
    body = (
        HEADER
        + f"110000,2016-12-16,,2016-12-15T15:00+08:00,{MET},-3.5,70,1025\n"
        + f"110000,2016-12-16,24,2016-12-15T15:00+08:00,{MET},-3.5,70,1025\n"
        + f"110000,2016-12-17,,2016-12-15T15:00,{MET},x,101,1025\n"
    )
    answer = client.post(
        API + "/csv", files={"file": ("w.csv", body.encode(), "text/csv")}, headers=headers
    )
    assert answer.status_code == 422, answer.text
    found = {(e["row"], e["column"]) for e in answer.json()["errors"]}
    assert {(3, "target_hour"), (4, "issued_at"), (4, "temp_mean")} <= found
    good = HEADER + f"110000,2016-12-16,,2016-12-15T15:00+08:00,{MET},-3.5,70,1025\n"
    stored = client.post(
        API + "/csv", files={"file": ("w.csv", good.encode(), "text/csv")}, headers=headers
    )
    assert stored.json() == {"received": 1, "stored": 1, "unchanged": 0}
    unknown = client.post(
        API + "/csv",
        files={"file": ("w.csv", b"city_code,when\n110000,x\n", "text/csv")},
        headers=headers,
    )
    assert unknown.status_code == 422
    cols = {e["column"] for e in unknown.json()["errors"]}
    assert {"when", "target_date", "issued_at", "source"} <= cols


def test_csv_without_the_target_hour_column_holds_daily_rows(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    # The column is optional: a file without it was a 500 (found by the authorisation matrix).
    headers = people.headers(session_factory, "office")
    body = (
        "city_code,target_date,issued_at,source,temp_mean\n"
        f"110000,2016-12-16,2016-12-15T15:00+08:00,{MET},-3.5\n"
    )
    stored = client.post(
        API + "/csv", files={"file": ("w.csv", body.encode(), "text/csv")}, headers=headers
    )
    assert stored.status_code == 200, stored.text
    assert stored.json() == {"received": 1, "stored": 1, "unchanged": 0}
    with session_factory() as s:
        assert [r.target_hour for r in s.scalars(select(WeatherForecast))] == [None]


def test_cli_weather_load(
    db_url: str,
    tmp_path: Path,
    people: People,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JJJ_DATABASE_URL", db_url)
    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    try:
        good = tmp_path / "w.csv"
        good.write_text(HEADER + f"110000,2016-12-16,,2016-12-15T15:00+08:00,{MET},-3.5,70,1025\n")
        result = CliRunner().invoke(app, ["air", "forecast", "weather-load", str(good)])
        assert result.exit_code == 0, result.output
        assert "stored: 1" in result.output
        again = CliRunner().invoke(app, ["air", "forecast", "weather-load", str(good)])
        assert "already stored: 1" in again.output
        bad = tmp_path / "bad.csv"
        bad.write_text(HEADER + f"110000,2016-12-16,,2016-12-15T15:00+08:00,{MET},-3.5,170,1\n")
        refused = CliRunner().invoke(app, ["air", "forecast", "weather-load", str(bad)])
        assert refused.exit_code == 1
        assert "line 2, rh_mean" in refused.output and "line 2, pres_mean" in refused.output
    finally:
        get_settings.cache_clear()
    with session_factory() as s:
        assert len(s.scalars(select(WeatherForecast)).all()) == 1
