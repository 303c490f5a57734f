"""ISO 6346 container numbers (standards.md §7), IMO numbers, UN/LOCODEs, size-type codes.

The check digit is compared with python-stdnum's ``iso6346`` (an independent implementation)
over generated numbers, and with the published numbers of §7."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iso6346

from jingjinji.ports.kernels.edifact import (
    container_check_digit,
    container_syntax_ok,
    imo_check_ok,
    iso_size_type_ok,
    unlocode_ok,
)


@pytest.mark.parametrize("number", ["CSQU3054383", "APZU4812090", "CCLU4214635"])
def test_published_container_numbers_pass(number: str) -> None:
    assert container_syntax_ok(number)
    assert container_check_digit(number) == int(number[10])


def test_dcsas_own_example_fails_the_check_digit() -> None:
    # standards.md §7: DCSA's example APNR7744962 has a wrong check digit (1 is right).
    assert container_syntax_ok("APNR7744962")
    assert container_check_digit("APNR7744962") == 1


owner = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3)
category = st.sampled_from("UJZ")
serial = st.integers(min_value=0, max_value=999_999).map(lambda n: f"{n:06d}")


@given(owner, category, serial)
def test_check_digit_agrees_with_python_stdnum(o: str, c: str, s: str) -> None:
    stem = o + c + s
    assert container_check_digit(stem) == int(iso6346.calc_check_digit(stem))


@pytest.mark.parametrize(
    "number",
    ["", "CSQU305438", "CSQU30543833", "csqu3054383", "CSQ03054383", "CSQU305438X", "CSQU 305438"],
)
def test_container_syntax_refuses(number: str) -> None:
    assert not container_syntax_ok(number)


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        ("9074729", True),
        ("9074728", False),
        ("907472", False),
        ("90747290", False),
        ("IMO9074", False),
    ],
)
def test_imo_check_digit(number: str, ok: bool) -> None:
    # 9074729: IMO's own worked example (9*7 + 0*6 + 7*5 + 4*4 + 7*3 + 2*2 = 139, last digit 9).
    assert imo_check_ok(number) is ok


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("CNTXG", True),
        ("CNTSN", True),
        ("NLRTM", True),
        ("CN1XG", False),
        ("CNTX", False),
        ("cntxg", False),
        ("CNTXGG", False),
    ],
)
def test_unlocode(code: str, ok: bool) -> None:
    assert unlocode_ok(code) is ok


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("22G1", True),
        ("45R1", True),
        ("2210", True),
        ("22G", False),
        ("22g1", False),
        ("22G1X", False),
    ],
)
def test_size_type(code: str, ok: bool) -> None:
    assert iso_size_type_ok(code) is ok
