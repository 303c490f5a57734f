"""A city without enough history says so instead of showing nothing."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from jingjinji.warnings import forecast
from jingjinji.warnings.forecast_inputs import forecast_status
from tests.conftest import People
from tests.warnings.conftest import SLICE_DAYS


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
