"""ISO 6346 check digits: the numbers standards.md §7 lists, DCSA's failing example, and the
shapes that are not container numbers at all."""

from __future__ import annotations

import pytest

from jingjinji.ports.kernels import check_equipment_reference, iso6346_check_digit


@pytest.mark.parametrize("number", ["CSQU3054383", "APZU4812090", "CCLU4214635"])
def test_published_numbers_pass(number: str) -> None:
    check = check_equipment_reference(number)
    assert check.status == "valid"
    assert check.warning is None
    assert iso6346_check_digit(number[:10]) == number[10]


def test_dcsa_example_fails_with_a_warning_naming_both_digits() -> None:
    check = check_equipment_reference("APNR7744962")
    assert check.status == "bad_check_digit"
    assert not check.valid
    assert check.expected_check_digit == "1"
    assert check.warning is not None and "is 2" in check.warning and "call for 1" in check.warning


@pytest.mark.parametrize(
    ("first_ten", "digit"),
    [
        # Sum mod 11 is 10 for these, which ISO 6346 writes as 0 (worked out by hand from the
        # letter values and weights, independently of the implementation).
        ("CSQU000007", "0"),
        ("CSQU000011", "0"),
        # Only letter values count: C=13, S=30, Q=28, U=32: 13 + 60 + 112 + 256 = 441 = 40*11 + 1.
        ("CSQU000000", "1"),
    ],
)
def test_check_digit_edges(first_ten: str, digit: str) -> None:
    assert iso6346_check_digit(first_ten) == digit


@pytest.mark.parametrize("reference", ["", "ABC", "APZU481209", "APZU48120900", "1PZU4812090"])
def test_other_shapes_are_not_iso_but_not_errors(reference: str) -> None:
    check = check_equipment_reference(reference)
    assert check.status == "not_iso"
    assert check.expected_check_digit is None


def test_lower_case_is_read_as_upper_case() -> None:
    assert check_equipment_reference("csqu3054383").status == "valid"


@pytest.mark.parametrize("bad", ["CSQU30543", "CSQ1305438", "CSQU30543X"])
def test_check_digit_of_a_bad_prefix_names_it(bad: str) -> None:
    with pytest.raises(ValueError, match=bad):
        iso6346_check_digit(bad)
