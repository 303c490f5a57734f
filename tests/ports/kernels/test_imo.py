"""IMO numbers: seven digits, the last the check digit of the first six weighted 7..2."""

from __future__ import annotations

import pytest

from jingjinji.ports.kernels import imo_check_digit, is_valid_imo


@pytest.mark.parametrize("number", ["9074729", "9321483", "8814275"])
def test_valid_numbers(number: str) -> None:
    assert is_valid_imo(number)


@pytest.mark.parametrize(
    "number",
    ["9074728", "1801323", "907472", "90747290", "IMO9074729", "９０７４７２９", "907472a", ""],
)
def test_invalid_numbers(number: str) -> None:
    assert not is_valid_imo(number)


def test_check_digit_is_the_last_digit_of_the_weighted_sum() -> None:
    # 9*7 + 0*6 + 7*5 + 4*4 + 7*3 + 2*2 = 139
    assert imo_check_digit("907472") == 9
    assert imo_check_digit("000000") == 0


@pytest.mark.parametrize("bad", ["90747", "9074729", "90747x"])
def test_check_digit_refuses_other_lengths_naming_the_input(bad: str) -> None:
    with pytest.raises(ValueError, match=bad):
        imo_check_digit(bad)
