"""Issue 15, defect 4: the progress pages say why in the reader's language. A bad period, a CSV
file the csv module cannot read, a bad form field (pydantic's own validation) and a forecast
that cannot be made reach a Chinese page in Chinese, not in the English of their source."""

from __future__ import annotations

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji import i18n, problems
from jingjinji.progress import kernels
from jingjinji.warnings import forecast as fc
from tests.conftest import People, csrf_from, login

HEADER = "indicator_code,jurisdiction_code,period,value,unit,source,note\n"


def _chinese_upload(client: TestClient, people: People, content: bytes) -> str:
    client.cookies.set("jjj_lang", "zh-CN")
    login(client, "tj-binhai", people.password)
    page = client.get("/progress/upload")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        "/progress/upload", data={"csrf_token": token}, files={"file": ("values.csv", content)}
    )
    assert answer.status_code == 422, answer.text
    return answer.text


@pytest.mark.parametrize(
    ("period", "chinese", "english"),
    [
        ("2021-13", "不是有效的期间", "is not a valid period string"),
        ("2020Q1", "但该指标按年报送", "but this indicator is reported by"),
        ("1850", "不在 1900–2100 之间", "is outside"),
    ],
)
def test_a_bad_period_reads_in_chinese(
    client: TestClient, indicators: People, period: str, chinese: str, english: str
) -> None:
    row = f"green_share,120116,{period},39.2,%,src,\n"
    html = _chinese_upload(client, indicators, (HEADER + row).encode())
    assert 'data-row="2" data-column="period"' in html
    assert chinese in html and english not in html


def test_a_csv_file_the_csv_module_cannot_read_reads_in_chinese(
    client: TestClient, indicators: People
) -> None:
    # A bare CR inside an unquoted cell: the csv module's own text names "universal-newline
    # mode"; and a cell past its field limit.
    broken = HEADER + "green_share,120116,2020,39.2,%,src\rmore,\n"
    html = _chinese_upload(client, indicators, broken.encode())
    assert "未加引号的单元格中含有换行符" in html and "new-line character" not in html
    huge = HEADER + "green_share,120116,2020,39.2,%," + "x" * 200_000 + ",\n"
    html = _chinese_upload(client, indicators, huge.encode())
    assert "有单元格超过" in html and "field larger than field limit" not in html


def test_a_bad_form_field_reads_in_chinese(
    client: TestClient, session_factory: sessionmaker[Session], commitments: People
) -> None:
    client.cookies.set("jjj_lang", "zh-CN")
    login(client, "bj-env", commitments.password)
    page = client.get("/progress/commitments/c-eco")
    assert page.status_code == 200
    # A value pydantic refuses in the view (the commitment page shows the reason).
    shown = client.post(
        "/progress/commitments/c-eco/status",
        data={
            "status": "delayed",
            "changed_on": "not a date",
            "note": "",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert shown.status_code == 200
    error = shown.text.split('data-testid="status-error">', 1)[1].split("<", 1)[0]
    assert error.startswith("`changed_on`："), error
    assert "validation error" not in shown.text and "Input should" not in shown.text
    # A form FastAPI refuses before the view (a required field missing): the error page.
    refused = client.post(
        "/progress/commitments/c-eco/status",
        data={"status": "delayed", "csrf_token": csrf_from(page.text)},
        headers={"accept": "text/html"},
    )
    assert refused.status_code == 422
    assert "此项为必填项" in refused.text and "Field required" not in refused.text


@pytest.mark.parametrize(
    ("error", "chinese"),
    [
        ({"type": "missing", "loc": ("body", "x"), "msg": "Field required"}, "此项为必填项"),
        (
            {"type": "string_too_long", "ctx": {"max_length": 5}, "msg": "String should..."},
            "最多 5 个字符",
        ),
        ({"type": "int_parsing", "msg": "Input should be a valid integer"}, "需要填写整数"),
        ({"type": "float_parsing", "msg": "Input should be a valid number"}, "需要填写数字"),
        ({"type": "date_from_datetime_parsing", "msg": "Input should be..."}, "需要填写日期"),
        (
            {"type": "value_error", "ctx": {"error": ValueError("plain")}, "msg": "Value error"},
            "取值无效",
        ),
        (
            {
                "type": "value_error",
                "ctx": {"error": ValueError(i18n.msg("a value is required"))},
                "msg": "Value error, a value is required",
            },
            "数值不能为空",
        ),
        ({"type": "some_new_type", "msg": "Something"}, "取值无效"),
    ],
)
def test_pydantic_error_types_read_in_chinese(error: dict[str, object], chinese: str) -> None:
    message = problems.error_message(error)
    assert chinese in i18n.translate("zh_CN", message)
    assert str(message) == i18n.translate("en", message)  # English stays for the API and logs


def test_period_and_forecast_errors_carry_translatable_reasons() -> None:
    with pytest.raises(kernels.PeriodError) as period:
        kernels.parse_period("2021-13")
    assert "不是有效的期间" in i18n.translate("zh_CN", period.value.reason)
    with pytest.raises(fc.ForecastError) as forecast:
        fc.grid_from_frame(pl.DataFrame())
    assert i18n.translate("zh_CN", forecast.value.reason) == "没有逐日数据"
