"""Tables of HJ 212: pollutant codes of 2005 and 2017, value-field suffixes, versions (standards.md
§6)."""

from __future__ import annotations

__all__ = [
    "FLAG_VERSIONS",
    "NUMERIC_SUFFIXES",
    "OLD_TO_NEW",
    "VERSION_BITS",
    "map_code",
    "version_of_flag",
]

#: HJ/T 212-2005 pollutant code -> HJ 212-2017 code. The old codes (``011``, ``B01``, ``S01``)
#: never collide with the 2017 ones (a letter and five digits), so a code not in the table - a
#: 2017 code or one neither standard lists - is kept as it is.
OLD_TO_NEW: dict[str, str] = {
    # wastewater
    "B01": "w00000",  # flow
    "001": "w01001",  # pH
    "011": "w01018",  # COD
    "060": "w21003",  # ammonia nitrogen
    "101": "w21011",  # total phosphorus
    "065": "w21001",  # total nitrogen
    "020": "w20111",  # mercury
    "022": "w20115",  # cadmium
    "024": "w20117",  # hexavalent chromium
    "026": "w20119",  # arsenic
    "027": "w20120",  # lead
    "080": "w22001",  # petroleum
    "110": "w23002",  # volatile phenol
    # flue gas
    "B02": "a00000",  # flow
    "01": "a34013",  # dust
    "02": "a21026",  # SO2
    "03": "a21002",  # NOx
    "04": "a21005",  # CO
    "08": "a21024",  # HCl
    "S01": "a19001",  # O2
    "S02": "a01011",  # velocity
    "S03": "a01012",  # temperature
    "S04": "a01017",  # dynamic pressure
    "S05": "a01014",  # humidity
    "S07": "a01016",  # cross-section
    "S08": "a01013",  # pressure
}


def map_code(code: str) -> str:
    """The 2017 code of ``code`` (``"011"`` -> ``"w01018"``); any other code is kept as is."""
    return OLD_TO_NEW.get(code, code)


#: Value-field suffixes whose value is a number (``w01018-Rtd=78.0``). Every other suffix -
#: ``Flag``, ``ZsFlag``, ``SampleTime``, the running state ``RS`` and time ``RT`` of 2021/9015,
#: the alarm value ``Ala`` of 2072, anything a device invents - is kept as text.
NUMERIC_SUFFIXES: frozenset[str] = frozenset(
    {"Rtd", "Min", "Avg", "Max", "Cou", "ZsRtd", "ZsMin", "ZsAvg", "ZsMax", "ZsCou"}
)

#: Flag's version bits (V5..V0 = Flag >> 2) -> standard. 0 is HJ/T 212-2005 (a packet with no Flag
#: at all is 2005-era too), 1 is HJ 212-2017 (Flag 4-7). HJ 212-2025 is OPEN in standards.md: the
#: reported "Flag version value 8" is read as Flag 8 = version bits 000010 (the next value after
#: 2017's 000001), so 2025 packets carry Flag 8-11. Other version bits leave the version unknown
#: (None); the packet is still parsed.
FLAG_VERSIONS: dict[int, int] = {0: 2005, 1: 2017, 2: 2025}
#: the inverse, for the Flag of a reply
VERSION_BITS: dict[int, int] = {version: bits for bits, version in FLAG_VERSIONS.items()}


def version_of_flag(flag: int | None) -> int | None:
    """The standard of a packet whose Flag is ``flag`` (None: no Flag, a 2005-era packet)."""
    if flag is None:
        return 2005
    return FLAG_VERSIONS.get(flag >> 2)
