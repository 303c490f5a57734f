"""Issue 15: a refused form's problems in the reader's language, from one helper
(``problems.form_problems`` / ``problems.problem_lines``). A value outside a ``Literal`` or an
enum names the allowed values in both languages; the field is named by its form label where
the page gives one; the input types' own reasons are messages too."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Literal

import pytest
from pydantic import BaseModel, Field, ValidationError

from jingjinji import i18n, problems
from jingjinji.errors import Conflict, InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.inputs import IsoDate


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue, dark"


class Form(BaseModel):
    kind: Literal["BOL", "SWB"] = "BOL"
    number: Literal[1, "x", True] = 1
    colour: Colour = Colour.RED
    title: str = Field(default="t", min_length=1)
    day: IsoDate = dt.date(2021, 7, 1)


def _errors(**values: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        Form.model_validate(values)
    return caught.value


def test_a_literal_error_names_the_allowed_values_in_both_languages() -> None:
    (error,) = _errors(kind="XXX").errors()
    message = problems.error_message(error)
    assert i18n.translate("en", message) == "not one of the allowed values: 'BOL', 'SWB'"
    assert i18n.translate("zh_CN", message) == "不是允许的取值之一，可选：'BOL'、'SWB'"
    assert str(message) == "not one of the allowed values: 'BOL', 'SWB'"  # the API's text


def test_values_of_several_types_and_an_enum_with_a_comma_are_named_as_written() -> None:
    number, colour = _errors(number=5, colour="green").errors()
    assert str(problems.error_message(number)).endswith(": 1, 'x', True")
    assert str(problems.error_message(colour)).endswith(": 'red', 'blue, dark'")
    unreadable = {"type": "literal_error", "ctx": {"expected": "a, b or"}}
    assert str(problems.error_message(unreadable)).endswith(": a, b or")  # as pydantic said
    assert str(problems.error_message({"type": "literal_error"})) == (
        "not one of the allowed values"
    )


def test_problem_lines_name_the_field_by_its_label_and_read_in_chinese() -> None:
    exc = _errors(title="", kind="XXX", day="1.7.2021")
    labels = {"title": msg("Title"), "day": msg("Decision date")}
    zh = problems.problem_lines("zh_CN", exc, labels)
    assert zh == [
        "kind：不是允许的取值之一，可选：'BOL'、'SWB'",
        "名称：不得为空",
        "决定日期：日期应写作 YYYY-MM-DD（ISO 8601），而不是 '1.7.2021'",
    ]
    en = problems.problem_lines("en", exc, labels)
    assert en[1:] == [
        "Title: must not be blank",
        "Decision date: a date is written YYYY-MM-DD (ISO 8601), not '1.7.2021'",
    ]
    assert not any("should" in line or "Value error" in line for line in zh + en)


def test_domain_errors_each_field_translated_or_the_detail_alone() -> None:
    refused = InvalidInput(
        msg("the request is not valid"),
        errors=[field_error(["body", "period_end"], msg("must be at least {limit}", limit=1))],
    )
    assert problems.form_problems(refused) == [("period_end", "must be at least 1")]
    assert problems.problem_lines("zh_CN", refused, {"period_end": msg("Access until")}) == [
        "使用截止日期：不得小于 1"
    ]
    assert problems.problem_lines("zh_CN", Conflict(msg("Refused."))) == ["已拒绝。"]
    assert problems.problem_lines("en", Conflict("")) == ["Refused."]


def test_items_read_as_a_list_in_english_and_with_the_languages_separator() -> None:
    message = msg("values must be finite and not negative: {items}", items=i18n.Items(["a", "b"]))
    assert str(message) == "values must be finite and not negative: a, b"
    assert i18n.translate("zh_CN", message) == "数值必须为有限且非负的数：a、b"
