"""GB 32100-2015 check character."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingjinji.regions import uscc

# A widely published example code (its check character follows from the §5 weights).
VALID = ["91350100M000100Y43"]


@pytest.mark.parametrize("code", VALID)
def test_published_codes_are_valid(code: str) -> None:
    assert uscc.validate(code) is None


def test_weights_are_powers_of_three_mod_31() -> None:
    assert uscc.WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_wrong_check_character_names_position_and_expected() -> None:
    problem = uscc.validate("91350100M000100Y44")
    assert problem is not None
    assert problem.position == 18
    assert problem.expected == "3"


@pytest.mark.parametrize(
    ("code", "position"),
    [("I1350100M000100Y43", 1), ("91350100M0O0100Y43", 11), ("91350100m000100Y43", 9)],
)
def test_character_outside_alphabet(code: str, position: int) -> None:
    problem = uscc.validate(code)
    assert problem is not None and problem.position == position


@pytest.mark.parametrize("code", ["", "9135", "91350100M000100Y431"])
def test_wrong_length(code: str) -> None:
    problem = uscc.validate(code)
    assert problem is not None and problem.position is None


@given(st.text(alphabet=uscc.ALPHABET, min_size=17, max_size=17))
def test_computed_check_character_validates(body: str) -> None:
    assert uscc.validate(body + uscc.check_character(body)) is None


@given(
    st.text(alphabet=uscc.ALPHABET, min_size=17, max_size=17),
    st.integers(0, 16),
    st.sampled_from(uscc.ALPHABET),
)
def test_any_single_substitution_is_detected(body: str, pos: int, ch: str) -> None:
    code = body + uscc.check_character(body)
    changed = code[:pos] + ch + code[pos + 1 :]
    if changed != code:
        assert uscc.validate(changed) is not None
