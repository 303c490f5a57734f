"""USCC validation and decoding (GB 32100-2015, GB 11714; standards.md §5)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingjinji.credit.kernels import uscc
from jingjinji.credit.kernels.uscc import check_uscc, make_uscc, synthetic_uscc
from jingjinji.credit.models import SubjectKind

REAL_VALID = [
    "12310000425022547M",
    "12100000470095016Q",
    "12100000425006117P",
    "11410182005291054B",
    "11140800558745220K",
    "51310110501144395U",
    "53100000500019795A",
    "91110000600037341L",
    "91140106713678575D",
]


def test_weights_are_the_published_ones() -> None:
    assert uscc.WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(uscc.ALPHABET) == 31 and not set("IOSVZ") & set(uscc.ALPHABET)


@pytest.mark.parametrize("code", REAL_VALID)
def test_real_codes_pass_both_checks(code: str) -> None:
    result = check_uscc(code)
    assert result.valid, result.reason
    assert result.reason is None and result.reason_code is None and result.position is None


@pytest.mark.parametrize(
    ("code", "org_expected", "after_fix"),
    [
        # Each published failing code fails the organisation-code check (character 17), which
        # is reported first. With character 17 corrected, the first is valid (a one-character
        # slip); the other two then fail the check character (18) as well.
        ("53100000500012015T", "6", None),
        ("52110101MJ0018899X", "1", "2"),
        ("53440300MJL0167883", "X", "Q"),
    ],
)
def test_published_failing_codes(code: str, org_expected: str, after_fix: str | None) -> None:
    result = check_uscc(code)
    assert not result.valid
    assert result.reason_code == "organisation_check"
    assert result.position == 17 and result.expected == org_expected
    assert result.reason == (
        f"wrong organisation-code check character at position 17: {code[16]!r}, "
        f"expected {org_expected!r}"
    )
    fixed = check_uscc(code[:16] + org_expected + code[17])
    if after_fix is None:
        assert fixed.valid
    else:
        assert (fixed.reason_code, fixed.position, fixed.expected) == ("check", 18, after_fix)
        assert check_uscc(code[:16] + org_expected + after_fix).valid


def test_the_check_character_reason_names_the_expected_one() -> None:
    result = check_uscc("91110000600037341A")
    assert not result.valid
    assert result.reason == "wrong check character at position 18: 'A', expected 'L'"
    assert (result.reason_code, result.position, result.expected) == ("check", 18, "L")


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("9111000060003734L", "bad length: 17 characters, 18 expected"),
        ("91110000600037341LL", "bad length: 19 characters, 18 expected"),
        ("", "bad length: 0 characters, 18 expected"),
        (" 91110000600037341L", "bad length: 19 characters, 18 expected"),
    ],
)
def test_bad_length(code: str, reason: str) -> None:
    result = check_uscc(code)
    assert (result.valid, result.reason_code, result.reason) == (False, "length", reason)


@pytest.mark.parametrize(
    ("code", "position", "char"),
    [
        ("9111I000600037341L", 5, "I"),
        ("O1110000600037341L", 1, "O"),
        ("91110000600037341S", 18, "S"),
        ("9111000060003734-L", 17, "-"),
        ("91110000600037341V", 18, "V"),
    ],
)
def test_bad_character_names_its_position(code: str, position: int, char: str) -> None:
    result = check_uscc(code)
    assert not result.valid and result.reason_code == "character"
    assert result.position == position
    assert result.reason is not None
    assert result.reason.startswith(f"bad character {char!r} at position {position}")


def test_lower_case_is_refused_with_a_hint() -> None:
    result = check_uscc("91140106713678575d")
    assert not result.valid and result.reason_code == "character"
    assert result.position == 18 and result.expected == "D"
    assert result.reason == (
        "bad character 'd' at position 18 (lower case: codes use capital letters, 'D')"
    )
    assert check_uscc("91140106713678575d".upper()).valid


@pytest.mark.parametrize(
    ("code", "authority", "category", "kind", "region", "province", "province_name"),
    [
        (
            "91110000600037341L",
            "market regulation",
            "enterprise",
            "legal_person",
            "110000",
            "110000",
            "Beijing",
        ),
        (
            "12310000425022547M",
            "institutional establishment",
            "public institution",
            "other_organisation",
            "310000",
            None,
            "Shanghai",
        ),
        (
            "11140800558745220K",
            "institutional establishment",
            "government body",
            "other_organisation",
            "140800",
            None,
            "Shanxi",
        ),
        (
            "51310110501144395U",
            "civil affairs",
            "social organisation",
            "other_organisation",
            "310110",
            None,
            "Shanghai",
        ),
        (
            "53100000500019795A",
            "civil affairs",
            "foundation",
            "other_organisation",
            "100000",
            None,
            None,
        ),
    ],
)
def test_decoding(
    code: str,
    authority: str,
    category: str,
    kind: str,
    region: str,
    province: str | None,
    province_name: str | None,
) -> None:
    result = check_uscc(code)
    assert result.authority == code[0] and result.authority_name == authority
    assert result.category == code[:2] and result.category_name == category
    assert result.subject_kind == kind
    assert result.region_code == region
    assert result.province_code == province
    assert result.province_name == province_name


def test_subject_kinds_match_the_model_enum() -> None:
    assert (
        check_uscc(synthetic_uscc("92", "130102", 1)).subject_kind
        == SubjectKind.INDIVIDUAL_BUSINESS
    )
    assert check_uscc(synthetic_uscc("93", "120101", 1)).subject_kind == SubjectKind.LEGAL_PERSON
    assert check_uscc(synthetic_uscc("91", "110108", 1)).subject_kind == SubjectKind.LEGAL_PERSON
    assert (
        check_uscc(synthetic_uscc("52", "110108", 1)).subject_kind == SubjectKind.OTHER_ORGANISATION
    )
    tianjin = check_uscc(synthetic_uscc("91", "120116", 5))
    assert tianjin.province_code == "120000" and tianjin.province_name == "Tianjin"
    hebei = check_uscc(synthetic_uscc("92", "130102", 5))
    assert hebei.province_code == "130000" and hebei.category_name == "individual business"


def test_letter_authorities_are_valid_and_decoded() -> None:
    # python-stdnum's cn.uscc wrongly requires characters 1-8 to be digits.
    for prefix, name in (("N2", "agriculture"), ("Y1", "other"), ("A1", "military establishment")):
        code = make_uscc(prefix + "110105" + "MA01B2C3")
        result = check_uscc(code)
        assert result.valid, (code, result.reason)
        assert result.authority_name == name and result.category_name != "unknown"
    unknown = make_uscc("Q7110105" + "12345678")
    result = check_uscc(unknown)
    assert result.valid and result.authority_name == "unknown" and result.category_name == "unknown"


def test_organisation_check_values() -> None:
    # 10 becomes X, 11 becomes 0 (GB 11714).
    assert uscc.organisation_check_character("MJL01678") == "X"
    assert uscc.organisation_check_character("60003734") == "1"
    assert uscc.organisation_check_character("50001201") == "6"
    zero = next(
        f"{n:08d}" for n in range(1000) if uscc.organisation_check_character(f"{n:08d}") == "0"
    )
    total = sum(int(c) * w for c, w in zip(zero, uscc.ORG_WEIGHTS, strict=True))
    assert total % 11 == 0


def test_make_uscc_refuses_bad_input() -> None:
    assert make_uscc("9111000060003734") == "91110000600037341L"
    with pytest.raises(ValueError):
        make_uscc("91110000")
    with pytest.raises(ValueError):
        make_uscc("9111000060003I34")
    with pytest.raises(ValueError):
        synthetic_uscc("91", "1100", 1)
    with pytest.raises(ValueError):
        synthetic_uscc("91", "110000", 10**8)


_SERIALS = st.integers(min_value=0, max_value=10**8 - 1)
_PREFIXES = st.sampled_from(sorted(uscc.CATEGORIES))
_REGIONS = st.sampled_from(["110000", "110108", "120116", "130102", "130600", "310115"])


@given(prefix=_PREFIXES, region=_REGIONS, serial=_SERIALS)
def test_synthetic_codes_are_always_valid(prefix: str, region: str, serial: int) -> None:
    code = synthetic_uscc(prefix, region, serial)
    result = check_uscc(code)
    assert result.valid, (code, result.reason)
    assert code[8:16] == f"{serial:08d}"


@given(
    prefix=_PREFIXES,
    region=_REGIONS,
    serial=_SERIALS,
    position=st.integers(min_value=0, max_value=17),
    replacement=st.sampled_from(uscc.ALPHABET),
)
def test_one_character_changes_are_detected(
    prefix: str, region: str, serial: int, position: int, replacement: str
) -> None:
    code = synthetic_uscc(prefix, region, serial)
    changed = code[:position] + replacement + code[position + 1 :]
    result = check_uscc(changed)
    # The check character (mod 31 over 31 symbols, weights coprime to 31) catches every
    # single substitution.
    assert result.valid == (changed == code)
    if changed != code:
        assert result.reason_code in {"organisation_check", "check"}


def test_reasons_and_names_in_chinese() -> None:
    from jingjinji import i18n

    zh = i18n.translations("zh_CN").gettext
    assert uscc.reason_message(check_uscc("91110000600037341L"), zh) is None
    assert uscc.reason_message(check_uscc("91110000600037341A"), zh) == (
        "第 18 位校验码错误：'A'，应为 'L'"
    )
    assert uscc.reason_message(check_uscc("53440300MJL0167883"), zh) == (
        "第 17 位组织机构代码校验码错误：'8'，应为 'X'"
    )
    assert uscc.reason_message(check_uscc("9111"), zh) == "长度错误：4 个字符，应为 18 个"
    lower = check_uscc("91140106713678575d")
    assert uscc.reason_message(lower, zh) == (
        "第 18 位字符 'd' 无效（小写：代码使用大写字母，应为 'D'）"
    )
    assert uscc.reason_message(check_uscc("9111I000600037341L"), zh) == (
        "第 5 位字符 'I' 无效（代码不使用 I、O、S、V、Z）"
    )
    assert uscc.reason_message(check_uscc("9111-000600037341L"), zh) == "第 5 位字符 '-' 无效"
    decoded = check_uscc("92130102MA0000001X")
    assert decoded.authority_name is not None and decoded.category_name is not None
    assert zh(decoded.authority_name) == "市场监督管理"
    assert zh(decoded.category_name) == "个体工商户"
    assert zh(uscc.PROVINCES["13"]) == "河北省"
    # Every name has a translation.
    for name in (*uscc.AUTHORITIES.values(), *uscc.CATEGORIES.values(), *uscc.PROVINCES.values()):
        assert zh(name) != name, name
