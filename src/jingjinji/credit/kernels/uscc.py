"""The Unified Social Credit Code (统一社会信用代码, GB 32100-2015) and the organisation-code check
of GB 11714 (pure functions; standards.md §5).

18 characters from ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, S, V, Z):

====  ==========================================================================
1     registration authority (登记管理部门), e.g. ``9`` market regulation
2     entity category (机构类别), read together with the authority (``91`` enterprise)
3-8   region code of the registering authority (GB/T 2260, ``110108`` Haidian)
9-17  organisation code (组织机构代码, GB 11714); character 17 is its own check
18    check character over characters 1-17
====  ==========================================================================

Checks are made in this order and the first failure is the reason: length, characters,
organisation-code check, check character. Authorities and categories outside the published
tables do not make a code invalid (new ones have appeared: ``A``, ``N``); they decode as unknown.
Names are English here; ``credit_kernels.po`` has the Chinese ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace


def N_(message: str) -> str:
    """Mark ``message`` for translation (``credit_kernels.po``) without translating it here."""
    return message


ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# w_i = 3^(i-1) mod 31, i = 1..17.
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# GB 11714: weights of the first 8 organisation-code characters.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
LENGTH = 18

UNKNOWN = N_("unknown")

AUTHORITIES: dict[str, str] = {
    "1": N_("institutional establishment"),  # 机构编制
    "2": N_("foreign affairs"),  # 外交
    "3": N_("justice"),  # 司法行政
    "4": N_("culture"),  # 文化
    "5": N_("civil affairs"),  # 民政
    "6": N_("tourism"),  # 旅游
    "7": N_("religious affairs"),  # 宗教
    "8": N_("trade unions"),  # 工会
    "9": N_("market regulation"),  # 市场监督管理 (formerly 工商)
    "A": N_("military establishment"),  # 中央军委改革和编制办公室
    "N": N_("agriculture"),  # 农业农村
    "Y": N_("other"),  # 其他
}

CATEGORIES: dict[str, str] = {
    "11": N_("government body"),
    "12": N_("public institution"),
    "13": N_("mass organisation"),
    "19": N_("other (institutional establishment)"),
    "21": N_("resident foreign news agency"),
    "29": N_("other (foreign affairs)"),
    "31": N_("law firm"),
    "32": N_("notary office"),
    "33": N_("grassroots legal service office"),
    "34": N_("judicial appraisal institution"),
    "35": N_("arbitration commission"),
    "39": N_("other (justice)"),
    "41": N_("foreign cultural centre in China"),
    "49": N_("other (culture)"),
    "51": N_("social organisation"),
    "52": N_("private non-enterprise unit"),
    "53": N_("foundation"),
    "59": N_("other (civil affairs)"),
    "61": N_("resident office of a foreign tourism authority"),
    "62": N_("resident office of a Hong Kong, Macao or Taiwan tourism authority"),
    "69": N_("other (tourism)"),
    "71": N_("religious venue"),
    "72": N_("religious college"),
    "79": N_("other (religious affairs)"),
    "81": N_("grassroots trade union"),
    "89": N_("other (trade unions)"),
    "91": N_("enterprise"),
    "92": N_("individual business"),
    "93": N_("farmers' cooperative"),
    "A1": N_("military public institution"),
    "A9": N_("other (military establishment)"),
    "N1": N_("group-level collective economic organisation"),
    "N2": N_("village-level collective economic organisation"),
    "N3": N_("township-level collective economic organisation"),
    "N9": N_("other (agriculture)"),
    "Y1": N_("other"),
}

# GB/T 2260 provincial-level divisions (the first two digits of a region code).
PROVINCES: dict[str, str] = {
    "11": N_("Beijing"),
    "12": N_("Tianjin"),
    "13": N_("Hebei"),
    "14": N_("Shanxi"),
    "15": N_("Inner Mongolia"),
    "21": N_("Liaoning"),
    "22": N_("Jilin"),
    "23": N_("Heilongjiang"),
    "31": N_("Shanghai"),
    "32": N_("Jiangsu"),
    "33": N_("Zhejiang"),
    "34": N_("Anhui"),
    "35": N_("Fujian"),
    "36": N_("Jiangxi"),
    "37": N_("Shandong"),
    "41": N_("Henan"),
    "42": N_("Hubei"),
    "43": N_("Hunan"),
    "44": N_("Guangdong"),
    "45": N_("Guangxi"),
    "46": N_("Hainan"),
    "50": N_("Chongqing"),
    "51": N_("Sichuan"),
    "52": N_("Guizhou"),
    "53": N_("Yunnan"),
    "54": N_("Tibet"),
    "61": N_("Shaanxi"),
    "62": N_("Gansu"),
    "63": N_("Qinghai"),
    "64": N_("Ningxia"),
    "65": N_("Xinjiang"),
    "71": N_("Taiwan"),
    "81": N_("Hong Kong"),
    "82": N_("Macao"),
}

# The platform's own jurisdictions (province codes as the regions domain stores them).
JURISDICTIONS = frozenset({"11", "12", "13"})

# Subject kinds (values of jingjinji.credit.models.SubjectKind, kept as strings so that this
# module imports nothing from the database layer).
LEGAL_PERSON = "legal_person"
OTHER_ORGANISATION = "other_organisation"
INDIVIDUAL_BUSINESS = "individual_business"


@dataclass(frozen=True)
class UsccCheck:
    """The outcome of checking one code, with what could be decoded from it."""

    code: str
    valid: bool
    reason: str | None = None
    reason_code: str | None = None  # "length" | "character" | "organisation_check" | "check"
    position: int | None = None  # 1-based
    expected: str | None = None
    authority: str | None = None
    authority_name: str | None = None
    category: str | None = None
    category_name: str | None = None
    region_code: str | None = None
    province_name: str | None = None
    province_code: str | None = None  # "110000", "120000", "130000" or None
    subject_kind: str | None = None


def check_character(first17: str) -> str:
    """The GB 32100 check character (18th) of 17 characters from ``ALPHABET``."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def _org_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    return ord(char) - ord("A") + 10


def organisation_check_character(first8: str) -> str:
    """The GB 11714 check character of the first 8 organisation-code characters."""
    total = sum(_org_value(c) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    if c == 10:
        return "X"
    if c == 11:
        return "0"
    return str(c)


def subject_kind_for(authority: str, category: str) -> str:
    """Category 92 is an individual business, the rest of authority 9 legal persons (enterprises,
    cooperatives), everything else another organisation."""
    if category == "92":
        return INDIVIDUAL_BUSINESS
    if authority == "9":
        return LEGAL_PERSON
    return OTHER_ORGANISATION


def _decode(code: str) -> UsccCheck:
    """What can be read from ``code`` (even an invalid one), as a not-yet-valid check."""
    out = UsccCheck(code=code, valid=False)
    if len(code) >= 1:
        out = replace(out, authority=code[0], authority_name=AUTHORITIES.get(code[0], UNKNOWN))
    if len(code) >= 2:
        out = replace(
            out,
            category=code[:2],
            category_name=CATEGORIES.get(code[:2], UNKNOWN),
            subject_kind=subject_kind_for(code[0], code[:2]),
        )
    if len(code) >= 8:
        region = code[2:8]
        out = replace(
            out,
            region_code=region,
            province_name=PROVINCES.get(region[:2]),
            province_code=region[:2] + "0000" if region[:2] in JURISDICTIONS else None,
        )
    return out


# Reason templates (English; ``credit_kernels.po`` has them in Chinese), filled by
# ``reason_message``: {length}, {char} (quoted), {position}, {expected} (quoted).
REASON_LENGTH = N_("bad length: {length} characters, 18 expected")
REASON_CHARACTER = N_("bad character {char} at position {position}")
REASON_LOWER_CASE = N_(
    "bad character {char} at position {position} (lower case: codes use capital letters, "
    "{expected})"
)
REASON_NEVER_USED = N_(
    "bad character {char} at position {position} (I, O, S, V and Z are never used)"
)
REASON_ORGANISATION_CHECK = N_(
    "wrong organisation-code check character at position 17: {char}, expected {expected}"
)
REASON_CHECK = N_("wrong check character at position 18: {char}, expected {expected}")


def _template(check: UsccCheck) -> str | None:
    if check.reason_code == "length":
        return REASON_LENGTH
    if check.reason_code == "character":
        assert check.position is not None
        char = check.code[check.position - 1]
        if check.expected is not None:
            return REASON_LOWER_CASE
        return REASON_NEVER_USED if char.upper() in "IOSVZ" else REASON_CHARACTER
    if check.reason_code == "organisation_check":
        return REASON_ORGANISATION_CHECK
    if check.reason_code == "check":
        return REASON_CHECK
    return None


def reason_message(check: UsccCheck, translate: Callable[[str], str] = N_) -> str | None:
    """Why ``check`` failed, in the language of ``translate`` (English by default); None when
    the code is valid. ``reason_message(c, lambda m: t(request, m))`` in a view."""
    template = _template(check)
    if template is None:
        return None
    char = check.code[check.position - 1] if check.position is not None else ""
    return translate(template).format(
        length=len(check.code),
        char=repr(char),
        position=check.position,
        expected=repr(check.expected),
    )


def _failed(
    decoded: UsccCheck, reason_code: str, position: int | None, expected: str | None
) -> UsccCheck:
    failed = replace(decoded, reason_code=reason_code, position=position, expected=expected)
    return replace(failed, reason=reason_message(failed))


def check_uscc(code: str) -> UsccCheck:
    """Check ``code`` (exactly as given: no trimming, no case folding)."""
    decoded = _decode(code)
    if len(code) != LENGTH:
        return _failed(decoded, "length", None, None)
    for index, char in enumerate(code, start=1):
        if char in _VALUE:
            continue
        expected = char.upper() if char.upper() in _VALUE else None
        return _failed(decoded, "character", index, expected)
    org_expected = organisation_check_character(code[8:16])
    if code[16] != org_expected:
        return _failed(decoded, "organisation_check", 17, org_expected)
    expected = check_character(code[:17])
    if code[17] != expected:
        return _failed(decoded, "check", 18, expected)
    return replace(decoded, valid=True)


def make_uscc(first16: str) -> str:
    """Complete 16 characters (authority, category, region, 8 organisation-code characters) with
    the organisation-code check and the check character."""
    if len(first16) != 16 or any(c not in _VALUE for c in first16):
        raise ValueError(f"16 characters from {ALPHABET} expected: {first16!r}")
    first17 = first16 + organisation_check_character(first16[8:16])
    return first17 + check_character(first17)


def synthetic_uscc(authority_category: str, region: str, serial: int) -> str:
    """A code passing both checks, for demos and tests: ``synthetic_uscc("91", "130100", 7)``.

    The organisation code is ``serial`` in 8 digits (so distinct serials give distinct codes).
    """
    if len(authority_category) != 2 or len(region) != 6:
        raise ValueError("authority_category has 2 characters and region 6")
    if not 0 <= serial < 10**8:
        raise ValueError("serial must be in 0 .. 99999999")
    return make_uscc(f"{authority_category}{region}{serial:08d}")
