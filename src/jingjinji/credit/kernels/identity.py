"""Identity documents of natural persons in a credit record (the legal representative, or the
person who runs an individual business): the closed list of document types and the check of a
resident identity card number.

Document types (``details.id_type``; the codes are this platform's, the Chinese names those of
the "ID type" column of the credit portals, standards.md §5):

===============================  ===================================
``resident_id_card``             居民身份证 (GB 11643, checked here)
``passport``                     护照
``hk_macao_permit``              港澳居民来往内地通行证
``taiwan_permit``                台湾居民来往大陆通行证
``foreign_permanent_residence``  外国人永久居留身份证
``other``                        其他证件
===============================  ===================================

A resident identity card number (GB 11643-1999, citizen identification number) has 18
characters: a 6-digit address code, the 8-digit date of birth, a 3-digit sequence and the check
character, computed with ISO 7064 MOD 11-2 over the first 17 digits: weights
``2^(18 - i) mod 11`` (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), and the check
character is ``"10X98765432"[sum mod 11]`` (so that sum + check ≡ 1 mod 11, X standing for 10).
Only the structure and the check character are checked: the address code and the date of birth
are not (a region code may have been abolished since the card was issued).
"""

from __future__ import annotations

from dataclasses import dataclass

RESIDENT_ID_CARD = "resident_id_card"
#: The closed list of ID document types, in the order a form offers them.
ID_TYPES = (
    RESIDENT_ID_CARD,
    "passport",
    "hk_macao_permit",
    "taiwan_permit",
    "foreign_permanent_residence",
    "other",
)
#: Names under which records stored an ID type as free text before the closed list: the
#: list's Chinese and English names and the usual short forms, by the type each names. A legacy
#: value is matched with its white space collapsed and case folded (:func:`listed_type_for`).
LEGACY_NAMES = {
    "居民身份证": RESIDENT_ID_CARD,
    "身份证": RESIDENT_ID_CARD,
    "二代身份证": RESIDENT_ID_CARD,
    "resident identity card": RESIDENT_ID_CARD,
    "id card": RESIDENT_ID_CARD,
    "护照": "passport",
    "港澳居民来往内地通行证": "hk_macao_permit",
    "港澳通行证": "hk_macao_permit",
    "回乡证": "hk_macao_permit",
    "台湾居民来往大陆通行证": "taiwan_permit",
    "台胞证": "taiwan_permit",
    "外国人永久居留身份证": "foreign_permanent_residence",
    "外国人永久居留证": "foreign_permanent_residence",
    "其他证件": "other",
}
ID_CARD_LENGTH = 18
#: ISO 7064 MOD 11-2 weights of the first 17 characters (2^(18 - i) mod 11).
WEIGHTS = tuple(pow(2, ID_CARD_LENGTH - i, 11) for i in range(1, ID_CARD_LENGTH))
#: The check character by the weighted sum mod 11.
CHECK_CHARACTERS = "10X98765432"
#: An address code no province has (GB/T 2260 has no 99): synthetic numbers never belong to a
#: real person.
SYNTHETIC_ADDRESS = "990000"


@dataclass(frozen=True)
class IdCardCheck:
    """The outcome of checking a resident identity card number: the first failure, if any."""

    valid: bool
    reason_code: str | None = None  # "length" | "character" | "lower_case" | "check"
    position: int | None = None  # 1-based
    found: str | None = None  # the length (as text) or the character found
    expected: str | None = None  # the check character (or the capital X)


def check_character(first17: str) -> str:
    """The check character of 17 digits (ISO 7064 MOD 11-2)."""
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def check_id_card(number: str) -> IdCardCheck:
    """Check a resident identity card number exactly as given (no trimming, no case folding):
    its length, 17 digits and a check character that is a digit or X, and the check character."""
    if len(number) != ID_CARD_LENGTH:
        return IdCardCheck(False, "length", found=str(len(number)))
    for position, char in enumerate(number, start=1):
        if position < ID_CARD_LENGTH and not ("0" <= char <= "9"):
            return IdCardCheck(False, "character", position=position, found=char)
    last = number[-1]
    if last == "x":
        return IdCardCheck(False, "lower_case", position=ID_CARD_LENGTH, found=last, expected="X")
    if not ("0" <= last <= "9" or last == "X"):
        return IdCardCheck(False, "character", position=ID_CARD_LENGTH, found=last)
    expected = check_character(number[:-1])
    if last != expected:
        return IdCardCheck(False, "check", position=ID_CARD_LENGTH, found=last, expected=expected)
    return IdCardCheck(True)


def synthetic_id_card(born: str, serial: int) -> str:
    """A resident identity card number that passes the check but belongs to nobody (address
    code :data:`SYNTHETIC_ADDRESS`), for demos: ``born`` as YYYYMMDD, ``serial`` 0-999."""
    first17 = f"{SYNTHETIC_ADDRESS}{born}{serial:03d}"
    return first17 + check_character(first17)


def listed_type_for(legacy: str) -> str | None:
    """The listed type a legacy free-text ID type names without doubt (a code of
    :data:`ID_TYPES` or a name of :data:`LEGACY_NAMES`, white space collapsed and case folded),
    else None. Only a suggestion: the writer confirms it (docs/credit.md)."""
    key = " ".join(legacy.split()).casefold()
    if key in ID_TYPES:
        return key
    return LEGACY_NAMES.get(key)
