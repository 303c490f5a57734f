"""Forecasts on real data (a slice of the Beijing files through the air importer): stored with
issue date and model version, never overwritten; the daily job issues them for every city."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.jobs import service as jobs
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.warnings import forecast, service
from jingjinji.warnings.forecast import issue_time
from jingjinji.warnings.models import Forecast, ForecastModelRow
from tests.conftest import People
from tests.warnings.conftest import SLICE_END

CUTOFF = dt.date(2013, 12, 31)


def _rows(session: Session) -> list[tuple[object, ...]]:
    return [
        tuple(r)
        for r in session.execute(
            select(
                Forecast.issue_date,
                Forecast.target_date,
                Forecast.model_version,
                Forecast.aqi_p10,
                Forecast.aqi_p50,
                Forecast.aqi_p90,
                Forecast.issued_at,
            ).order_by(Forecast.id)
        )
    ]


def test_forecasts_are_never_overwritten(
    session_factory: sessionmaker[Session], beijing: People
) -> None:
    with session_factory() as s:
        row, created = service.train_model(s, actor=SYSTEM_ACTOR, city_code="110000", until=CUTOFF)
        # stored models are issue-time models, issued at the configured hour (default 15:00)
        assert created and row.version == issue_time.model_version(CUTOFF, 15, False)
        assert row.summary["issue_time"] == "15:00" and row.summary["weather_input"] == "none"
        again, created_again = service.train_model(
            s, actor=SYSTEM_ACTOR, city_code="110000", until=CUTOFF
        )
        assert again.id == row.id and not created_again
        grid = service.city_grid(s, city_code="110000")
        assert grid.end == SLICE_END
        days = [CUTOFF + dt.timedelta(days=i) for i in range(1, 11)]
        assert service.store_forecasts(s, row=row, grid=grid, issue_dates=days) == 30
        s.commit()
        first = _rows(s)
        # the same model again: nothing added, nothing changed
        assert service.store_forecasts(s, row=row, grid=grid, issue_dates=days) == 0
        s.commit()
        assert _rows(s) == first
        # a newer model adds its own rows next to the old ones
        newer, _ = service.train_model(
            s, actor=SYSTEM_ACTOR, city_code="110000", until=dt.date(2014, 1, 5)
        )
        added = service.store_forecasts(s, row=newer, grid=grid, issue_dates=days)
        assert added == 15  # only issue days after its own cutoff (01-06 .. 01-10)
        s.commit()
        assert _rows(s)[: len(first)] == first
        versions = s.scalars(select(Forecast.model_version).distinct()).all()
        assert sorted(versions) == sorted({row.version, newer.version})
        one = s.scalars(select(Forecast).where(Forecast.horizon_days == 2).limit(1)).one()
        assert one.target_date - one.issue_date == dt.timedelta(days=2)
        assert one.aqi_p10 <= one.aqi_p50 <= one.aqi_p90
        assert set(one.concentrations) == set(forecast.CONCENTRATIONS)
        # the chart shows the newest version per target day, with observed values
        chart = service.forecast_chart(s, city_code="110000")
        assert chart.dates[0] == "2014-01-02" and chart.dates[-1] == "2014-01-13"
        assert len(chart.observed) == 12 and sum(v is not None for v in chart.observed) >= 9
        assert all(v is not None for v in chart.p50[:10])  # +1 day: targets 01-02..01-11
        assert chart.model_versions == sorted({row.version, newer.version})


def test_database_refuses_a_duplicate_forecast(
    session_factory: sessionmaker[Session], beijing: People
) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError

    with session_factory() as s:
        values = {
            "city_code": "110000",
            "issue_date": dt.date(2014, 1, 1),
            "target_date": dt.date(2014, 1, 2),
            "horizon_days": 1,
            "model_version": "m:2013-12-31:x",
            "aqi_p10": 1.0,
            "aqi_p50": 2.0,
            "aqi_p90": 3.0,
            "concentrations": {},
        }
        s.add(Forecast(**values))
        s.commit()
        s.add(Forecast(**{**values, "aqi_p50": 99.0}))
        with pytest.raises(IntegrityError):
            s.commit()


def test_daily_job_issues_for_every_city_with_data(
    session_factory: sessionmaker[Session], beijing: People
) -> None:
    assert service.ISSUE_FORECASTS_JOB in jobs._periodic
    with session_factory() as s:
        jobs.enqueue(s, kind=service.ISSUE_FORECASTS_JOB, payload={})
        s.commit()
    assert jobs.run_pending(session_factory) == 1
    with session_factory() as s:
        from jingjinji.jobs.models import Job

        job = s.scalars(select(Job)).one()
        assert job.status == "done", job.last_error
        model = s.scalars(select(ForecastModelRow)).one()
        assert model.cutoff == SLICE_END - dt.timedelta(days=1)
        rows = s.scalars(select(Forecast)).all()
        assert {(r.issue_date, r.horizon_days) for r in rows} == {(SLICE_END, h) for h in (1, 2, 3)}
        assert service.cities_with_data(s) == ["110000"]
    # run again the same day: nothing new, no second model
    with session_factory() as s:
        result = service.run_daily(s)
        s.commit()
        assert result.issued_rows == 0 and result.cities == ["110000"]
        assert s.scalar(select(func.count()).select_from(ForecastModelRow)) == 1


def test_run_daily_proposes_when_the_outlook_reaches_a_level(
    session_factory: sessionmaker[Session], beijing: People
) -> None:
    with session_factory() as s:
        # 2013-12-06..08 were heavily polluted in the slice: issue on 12-07
        result = service.run_daily(s, issue_date=dt.date(2013, 12, 7))
        s.commit()
        ep = service.outlook(
            s,
            city_code="110000",
            grid=service.city_grid(s, city_code="110000"),
            day=dt.date(2013, 12, 7),
            model_version=s.scalars(select(ForecastModelRow.version)).one(),
        )
        if ep is None:
            assert result.proposed == []
        else:
            (wid,) = result.proposed
            w = service.get_warning(s, warning_id=wid)
            assert (w.status, w.basis, w.proposed_by) == ("proposed", "forecast", "system")
            assert w.level == ep.level and "110000" in w.cities
            # an open warning covers the city: the next run proposes nothing new
            assert service.run_daily(s, issue_date=dt.date(2013, 12, 7)).proposed == []
