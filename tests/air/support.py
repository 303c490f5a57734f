"""Helpers of the air tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from jingjinji.air.demo import history_dir

SHARED: Path | None = history_dir()  # $JJJ_SHARED_DIR or ../shared next to the project
SLICE_FILES = (
    "PRSA_Data_Dongsi_20130301-20170228.csv",
    "PRSA_Data_Aotizhongxin_20130301-20170228.csv",
)
SLICE_HOURS = 24 * 10  # 2013-03-01 .. 2013-03-10 (local time)


def hour(day: str, h: int) -> str:
    """ISO timestamp of local (CST) hour ``h`` of ``day``."""
    return f"{day}T{h:02d}:00:00+08:00"


def obs(station: str = "1001A", ts: str | None = None, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"station_code": station, "ts": ts or hour("2016-12-20", 8)}
    row.update(values or {"pm2_5": 300.0, "pm10": 350.0, "co": 3.5})
    return row


def post(
    client: TestClient,
    headers: dict[str, str],
    rows: list[dict[str, Any]],
    *,
    partial: bool = False,
    **body: Any,
) -> Any:
    return client.post(
        "/api/v1/air/observations" + ("?partial=true" if partial else ""),
        json={"observations": rows, **body},
        headers=headers,
    )


def day_hours(station: str, day: dt.date, **values: float) -> list[dict[str, Any]]:
    """24 hourly rows of one local day with constant values."""
    return [obs(station, hour(day.isoformat(), h), **values) for h in range(24)]
