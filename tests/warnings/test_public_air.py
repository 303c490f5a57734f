"""The public air page /air/public (issue 15): anyone reads the latest hour's city ranking with
each level's colour and advice, HJ 633's table of health effects and measures, and each city's
outlook from the stored forecasts (or a clear message when none is stored), in zh-CN and en."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.air import kernels
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.warnings import service
from tests.air.hourly_support import load_three_cities
from tests.conftest import People

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


def _ranked_cities(html: str) -> list[str]:
    return re.findall(r'<tr data-city="(\d+)" data-rank="\d+">', html)


def test_without_data_the_page_says_why(warn: People, client: TestClient) -> None:
    page = client.get("/air/public", headers=EN)
    assert page.status_code == 200
    html = unescape(page.text)
    assert 'data-testid="empty-ranking"' in html
    assert "No hourly observations yet" in html
    assert 'data-testid="no-outlook"' in html
    # the advice table is there all the same: six levels, each with its colour
    for level, advice in kernels.HEALTH_ADVICE.items():
        assert f'<tr data-level="{level}">' in html
        assert advice.effects_en in html and advice.measures_en in html
        assert kernels.LEVELS[level].colour_hex in html
    zh = client.get("/air/public", headers=ZH).text
    assert "尚无小时监测数据" in zh and "对健康的影响" in zh
    assert kernels.HEALTH_ADVICE[6].measures_zh in zh and "严重污染" in zh


def test_ranking_with_colours_and_advice_and_no_forecast_message(
    session_factory: sessionmaker[Session], warn: People, client: TestClient
) -> None:
    load_three_cities(session_factory)
    html = unescape(client.get("/air/public", headers=EN).text)
    assert _ranked_cities(html) == ["120000", "110000", "130100"]
    # the hour shown is the latest with enough data, in China Standard Time
    assert '<span data-testid="ranking-hour">2016-12-20 23:00</span>' in html
    beijing = html.split('<tr data-city="110000"', 1)[1].split("</tr>", 1)[0]
    assert "#FF7E00" in beijing and "Lightly polluted" in beijing
    # each city's primary pollutants and advice are the row under it
    advice = html.split('<tr class="advice" data-advice-for="110000">', 1)[1].split("</tr>")[0]
    assert "Primary pollutants: PM2.5 (24 h)" in advice
    assert kernels.HEALTH_ADVICE[3].measures_en in advice
    # no forecast stored: each city says so
    for city in ("120000", "110000", "130100"):
        outlook = html.split(f'data-testid="outlook-{city}"', 1)[1].split("</div>", 1)[0]
        assert "No forecast has been issued for this city yet." in outlook
    # the Beijing data's licence asks for the attribution
    assert 'data-testid="attribution"' in html
    zh = client.get("/air/public", headers=ZH).text
    assert "北京市" in zh and "轻度污染" in zh and kernels.HEALTH_ADVICE[3].measures_zh in zh
    assert "该城市尚未发布预报。" in zh
    # the page is public and linked from the navigation
    assert '<a href="/air/public">' in client.get("/", headers=EN).text


def test_an_hour_without_data_links_to_the_latest(
    session_factory: sessionmaker[Session], warn: People, client: TestClient
) -> None:
    load_three_cities(session_factory)
    html = client.get("/air/public?hour=2015-06-01T08:00%2B08:00", headers=EN).text
    assert _ranked_cities(html) == []
    assert "No station reported at this hour" in html
    assert 'data-testid="latest-hour-link"' in html and "2016-12-20 23:00" in html
    bad = client.get("/air/public?hour=2016-12-20T08:30%2B08:00", headers=EN)
    assert bad.status_code == 422 and "beginning of an hour" in bad.text


def test_outlook_shows_the_latest_issued_forecasts(
    session_factory: sessionmaker[Session], beijing: People, client: TestClient
) -> None:
    cutoff = dt.date(2013, 12, 31)
    with session_factory() as s:
        row, _ = service.train_model(s, actor=SYSTEM_ACTOR, city_code="110000", until=cutoff)
        grid = service.city_grid(s, city_code="110000")
        days = [cutoff + dt.timedelta(days=i) for i in range(1, 6)]
        assert service.store_forecasts(s, row=row, grid=grid, issue_dates=days) == 15
        s.commit()
        issued = [
            f
            for h in (1, 2, 3)
            for f in service.forecasts_for(
                s,
                city_code="110000",
                start=dt.date(2014, 1, 6),
                end=dt.date(2014, 1, 8),
                horizon=h,
            )
            if f.issue_date == days[-1]
        ]
    assert sorted(f.target_date for f in issued) == [
        dt.date(2014, 1, 6),
        dt.date(2014, 1, 7),
        dt.date(2014, 1, 8),
    ]
    html = client.get("/air/public", headers=EN).text
    assert _ranked_cities(html) == ["110000"]
    outlook = html.split('data-testid="outlook-110000"', 1)[1].split("</div>", 1)[0]
    assert "Issued on 2014-01-05" in outlook
    assert re.findall(r'data-target="([0-9-]+)"', outlook) == [
        "2014-01-06",
        "2014-01-07",
        "2014-01-08",
    ]
    for f in sorted(issued, key=lambda f: f.target_date):
        item = outlook.split(f'data-target="{f.target_date}"', 1)[1].split("</li>", 1)[0]
        assert f"AQI {round(f.aqi_p10)}–{round(f.aqi_p90)}" in item
        level = kernels.advice_for(f.aqi_p50)
        assert level is not None and f'data-level="{level.level}"' in item
        assert level.aqi_level.category_en in item
