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

from dataclasses import dataclass, replace

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# w_i = 3^(i-1) mod 31, i = 1..17.
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# GB 11714: weights of the first 8 organisation-code characters.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
LENGTH = 18

AUTHORITIES: dict[str, str] = {
    "1": "institutional establishment",  # 机构编制
    "2": "foreign affairs",  # 外交
    "3": "justice",  # 司法行政
    "4": "culture",  # 文化
    "5": "civil affairs",  # 民政
    "6": "tourism",  # 旅游
    "7": "religious affairs",  # 宗教
    "8": "trade unions",  # 工会
    "9": "market regulation",  # 市场监督管理 (formerly 工商)
    "A": "military establishment",  # 中央军委改革和编制办公室
    "N": "agriculture",  # 农业农村
    "Y": "other",  # 其他
}

CATEGORIES: dict[str, str] = {
    "11": "government body",
    "12": "public institution",
    "13": "mass organisation",
    "19": "other (institutional establishment)",
    "21": "resident foreign news agency",
    "29": "other (foreign affairs)",
    "31": "law firm",
    "32": "notary office",
    "33": "grassroots legal service office",
    "34": "judicial appraisal institution",
    "35": "arbitration commission",
    "39": "other (justice)",
    "41": "foreign cultural centre in China",
    "49": "other (culture)",
    "51": "social organisation",
    "52": "private non-enterprise unit",
    "53": "foundation",
    "59": "other (civil affairs)",
    "61": "resident office of a foreign tourism authority",
    "62": "resident office of a Hong Kong, Macao or Taiwan tourism authority",
    "69": "other (tourism)",
    "71": "religious venue",
    "72": "religious college",
    "79": "other (religious affairs)",
    "81": "grassroots trade union",
    "89": "other (trade unions)",
    "91": "enterprise",
    "92": "individual business",
    "93": "farmers' cooperative",
    "A1": "military public institution",
    "A9": "other (military establishment)",
    "N1": "group-level collective economic organisation",
    "N2": "village-level collective economic organisation",
    "N3": "township-level collective economic organisation",
    "N9": "other (agriculture)",
    "Y1": "other",
}

# GB/T 2260 provincial-level divisions (the first two digits of a region code).
PROVINCES: dict[str, str] = {
    "11": "Beijing",
    "12": "Tianjin",
    "13": "Hebei",
    "14": "Shanxi",
    "15": "Inner Mongolia",
    "21": "Liaoning",
    "22": "Jilin",
    "23": "Heilongjiang",
    "31": "Shanghai",
    "32": "Jiangsu",
    "33": "Zhejiang",
    "34": "Anhui",
    "35": "Fujian",
    "36": "Jiangxi",
    "37": "Shandong",
    "41": "Henan",
    "42": "Hubei",
    "43": "Hunan",
    "44": "Guangdong",
    "45": "Guangxi",
    "46": "Hainan",
    "50": "Chongqing",
    "51": "Sichuan",
    "52": "Guizhou",
    "53": "Yunnan",
    "54": "Tibet",
    "61": "Shaanxi",
    "62": "Gansu",
    "63": "Qinghai",
    "64": "Ningxia",
    "65": "Xinjiang",
    "71": "Taiwan",
    "81": "Hong Kong",
    "82": "Macao",
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
        out = replace(out, authority=code[0], authority_name=AUTHORITIES.get(code[0], "unknown"))
    if len(code) >= 2:
        out = replace(
            out,
            category=code[:2],
            category_name=CATEGORIES.get(code[:2], "unknown"),
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


def check_uscc(code: str) -> UsccCheck:
    """Check ``code`` (exactly as given: no trimming, no case folding)."""
    decoded = _decode(code)
    if len(code) != LENGTH:
        return replace(
            decoded,
            reason=f"bad length: {len(code)} characters, {LENGTH} expected",
            reason_code="length",
        )
    for index, char in enumerate(code, start=1):
        if char in _VALUE:
            continue
        reason = f"bad character {char!r} at position {index}"
        expected = None
        if char.upper() in _VALUE:
            expected = char.upper()
            reason += f" (lower case: codes use capital letters, {expected!r})"
        elif char.upper() in "IOSVZ":
            reason += " (I, O, S, V and Z are never used)"
        return replace(
            decoded,
            reason=reason,
            reason_code="character",
            position=index,
            expected=expected,
        )
    org_expected = organisation_check_character(code[8:16])
    if code[16] != org_expected:
        return replace(
            decoded,
            reason=(
                f"wrong organisation-code check character at position 17: {code[16]!r}, "
                f"expected {org_expected!r}"
            ),
            reason_code="organisation_check",
            position=17,
            expected=org_expected,
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        return replace(
            decoded,
            reason=f"wrong check character at position 18: {code[17]!r}, expected {expected!r}",
            reason_code="check",
            position=18,
            expected=expected,
        )
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
