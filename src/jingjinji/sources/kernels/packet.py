"""One HJ 212 packet: checks (framing, length, CRC, encoding, fields) and its contents.

Strict where the standard must be (the frame, the declared length, the CRC), lenient where real
devices deviate (standards.md §6): fields in any order, no QN or Flag (2005-era uploads), PNO
before PNUM, DataTime with milliseconds, commands the standard does not list, 2005 pollutant
codes (mapped to 2017's). A value field that must be a number and is not makes the packet
invalid (reason ``field``): the length and CRC matched, so the device itself sent it, and
storing the rest would hide a broken instrument channel.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from jingjinji.sources.kernels.codes import NUMERIC_SUFFIXES, OLD_TO_NEW, version_of_flag
from jingjinji.sources.kernels.crc import crc16
from jingjinji.sources.kernels.framing import MAX_SEGMENT
from jingjinji.timezone import CHINA_TZ

__all__ = ["REASONS", "Packet", "PacketValues", "parse_packet", "parse_time"]

#: why a packet is invalid, in the order they are checked
REASONS = ("framing", "length", "crc", "encoding", "field")
_HEADER_KEYS = frozenset({"QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO"})
_REQUIRED = ("ST", "CN", "PW", "MN")
_HEX = b"0123456789abcdefABCDEF"
_CP_OPEN = "CP=&&"
_CP_CLOSE = "&&"

PacketValues = dict[str, dict[str, float | str]]


@dataclass(frozen=True, slots=True)
class Packet:
    """A parsed frame. ``valid`` is True when every check passed; otherwise ``reason`` names the
    first that failed and ``detail`` says how, and the header fields hold what could be read
    (unchecked, for diagnostics: ``mn`` of a CRC failure may itself be corrupt)."""

    valid: bool
    reason: str | None
    detail: str | None
    version: int | None
    qn: str | None
    st: str | None
    cn: str | None
    pw: str | None
    mn: str | None
    flag: int | None
    pnum: int | None
    pno: int | None
    data_time: dt.datetime | None
    crc_declared: str | None
    crc_computed: str | None
    length_declared: int | None
    values: PacketValues = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    raw: bytes = b""

    @property
    def reply_required(self) -> bool:
        """Flag bit A: the sender waits for a reply (9014 to an upload)."""
        return self.flag is not None and bool(self.flag & 1)

    @property
    def split(self) -> bool:
        """Flag bit D: the packet is one of several (``pnum`` of them, this is ``pno``)."""
        return self.flag is not None and bool(self.flag & 2)

    def to_json(self) -> dict[str, object]:
        """The packet as ``jjj sources parse`` prints it (``reason`` and ``detail`` only when
        invalid, the data time in China time with its offset)."""
        out: dict[str, object] = {"valid": self.valid}
        if not self.valid:
            out["reason"] = self.reason
            out["detail"] = self.detail
        out.update(
            version=self.version,
            st=self.st,
            cn=self.cn,
            mn=self.mn,
            qn=self.qn,
            flag=self.flag,
            pnum=self.pnum,
            pno=self.pno,
            data_time=self.data_time.isoformat() if self.data_time else None,
            length_declared=self.length_declared,
            crc_declared=self.crc_declared,
            crc_computed=self.crc_computed,
            values=self.values,
            fields=self.fields,
        )
        return out


class _FieldError(Exception):
    """A field of a packet whose length and CRC are right is malformed."""


def parse_packet(frame: bytes) -> Packet:
    """Check and read one frame (``##`` to the CRC, with or without the ``\\r\\n``). Never
    raises: whatever is wrong makes an invalid packet saying why."""
    raw = frame
    if frame.endswith(b"\r\n"):
        frame = frame[:-2]
    if len(frame) < 10 or not frame.startswith(b"##"):
        what = "does not start with '##'" if not frame.startswith(b"##") else "is too short"
        return _invalid(raw, "framing", f"the frame {what}")
    digits = frame[2:6]
    if not digits.isdigit():
        return _invalid(raw, "framing", f"length {digits!r} is not 4 decimal digits")
    declared = int(digits)
    segment = frame[6:-4]
    crc_text = frame[-4:]
    crc_declared = crc_text.decode("ascii", "replace").upper()
    if declared > MAX_SEGMENT:
        return _invalid(
            raw,
            "length",
            f"declared {declared:04d} bytes, over {MAX_SEGMENT}",
            segment,
            length=declared,
            crc=(crc_declared, None),
        )
    if len(segment) != declared:
        return _invalid(
            raw,
            "length",
            f"declared {declared:04d} bytes, got {len(segment):04d}",
            segment,
            length=declared,
            crc=(crc_declared, None),
        )
    computed = crc16(segment)
    crc_computed = f"{computed:04X}"
    if crc_text.translate(None, _HEX) or int(crc_text, 16) != computed:
        return _invalid(
            raw,
            "crc",
            f"CRC declared {crc_declared}, computed {crc_computed}",
            segment,
            length=declared,
            crc=(crc_declared, crc_computed),
        )
    try:
        text = segment.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _invalid(
            raw,
            "encoding",
            f"the data segment is not UTF-8 (byte {exc.start}: {segment[exc.start : exc.end]!r})",
            segment,
            length=declared,
            crc=(crc_declared, crc_computed),
        )
    header: dict[str, str] = {}
    try:
        return _read_segment(text, header, raw, declared, crc_declared, crc_computed)
    except _FieldError as exc:
        return _with_header(
            raw,
            "field",
            str(exc),
            header,
            length=declared,
            crc=(crc_declared, crc_computed),
        )


def _read_segment(
    text: str,
    header: dict[str, str],
    raw: bytes,
    declared: int,
    crc_declared: str,
    crc_computed: str,
) -> Packet:
    """The packet of a data segment whose frame checked out; ``header`` is filled as it is
    read (a _FieldError leaves what was read there)."""
    cp_at = text.find(_CP_OPEN)
    extra: dict[str, str] = {}
    for item in text[: cp_at if cp_at >= 0 else len(text)].split(";"):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise _FieldError(f"field {item!r}: not name=value")
        if key in _HEADER_KEYS:
            header.setdefault(key, value)
        else:
            extra.setdefault(key, value)
    if cp_at < 0:
        raise _FieldError("field CP: no data area CP=&&...&&")
    if len(text) < cp_at + 7 or not text.endswith(_CP_CLOSE):
        raise _FieldError("field CP: the data area does not end with &&")
    for key in _REQUIRED:
        if not header.get(key):
            raise _FieldError(f"field {key}: missing")
    cn = header["CN"]
    if len(cn) != 4 or not cn.isdigit() or not cn.isascii():
        raise _FieldError(f"field CN: {cn!r} is not 4 digits")
    flag = _small_int(header, "Flag", 255)
    pnum = _small_int(header, "PNUM", 9999) if "PNUM" in header else None
    pno = _small_int(header, "PNO", 9999) if "PNO" in header else None
    values = _read_values(text[cp_at + 5 : -2], extra)
    data_time = None
    stamp = extra.get("DataTime")
    if stamp is not None:
        data_time = parse_time(stamp)
        if data_time is None:
            raise _FieldError(f"field DataTime: {stamp!r} is not YYYYMMDDhhmmss[zzz]")
    return _new_packet(
        (
            True,
            None,
            None,
            version_of_flag(flag),
            header.get("QN"),
            header["ST"],
            cn,
            header["PW"],
            header["MN"],
            flag,
            pnum,
            pno,
            data_time,
            crc_declared,
            crc_computed,
            declared,
            values,
            extra,
            raw,
        )
    )


#: what a data-area name means: (2017 code, suffix, numeric) for a value field, (None, name,
#: False) for another field. Loggers repeat a few hundred names, so each is split and mapped
#: once; the cache is emptied when it grows past _KEYS_KEPT (a sender inventing names).
_KEYS: dict[str, tuple[str | None, str, bool]] = {}
_KEYS_KEPT = 4096


def _key_meaning(key: str) -> tuple[str | None, str, bool]:
    """The meaning of the name ``key`` (not empty), remembered in ``_KEYS``."""
    code, dash, suffix = key.partition("-")
    if not dash:
        meaning: tuple[str | None, str, bool] = (None, key, False)
    elif not code or not suffix:
        raise _FieldError(f"field {key}: not <code>-<suffix>")
    else:
        meaning = (OLD_TO_NEW.get(code, code), suffix, suffix in NUMERIC_SUFFIXES)
    if len(_KEYS) >= _KEYS_KEPT:
        _KEYS.clear()
    _KEYS[key] = meaning
    return meaning


def _read_values(
    cp: str, extra: dict[str, str], meanings: dict[str, tuple[str | None, str, bool]] = _KEYS
) -> PacketValues:
    """The value fields of the data area ``cp`` by 2017 code; its other fields go to
    ``extra``. The parser's inner loop: one split and one look-up of the name's meaning per
    field, consecutive fields of one code sharing one look-up of the code's entry."""
    values: PacketValues = {}
    last_code = None
    entry: dict[str, float | str] = {}
    for item in cp.replace(",", ";").split(";"):
        key, sep, value = item.partition("=")
        meaning = meanings.get(key) if sep else None
        if meaning is None:
            if not item:
                continue
            if not sep or not key:
                raise _FieldError(f"field {item!r}: not name=value")
            meaning = _key_meaning(key)
        code, suffix, numeric = meaning
        if code is None:
            extra.setdefault(key, value)
            continue
        if code != last_code:
            last_code = code
            found = values.get(code)
            if found is None:
                found = values[code] = {}
            entry = found
        if suffix in entry:
            continue  # a repeated field (2005 devices repeat -Flag): the first one counts
        if numeric:
            try:
                number = float(value)
            except ValueError:
                raise _FieldError(f"field {key}: {value!r} is not a number") from None
            if number - number:  # NaN for inf and nan, 0.0 for every finite number
                raise _FieldError(f"field {key}: {value!r} is not a finite number")
            entry[suffix] = number
        else:
            entry[suffix] = value
    return values


_SLOT_SETTERS = tuple(Packet.__dict__[f.name].__set__ for f in dataclasses.fields(Packet))


def _new_packet(state: tuple[object, ...]) -> Packet:
    """A Packet of its field values in order, for the valid path: a frozen dataclass's own
    __init__ sets each of the 19 fields through object.__setattr__, which was a fifth of the
    parser's time; the slots' own setters do the same in half of it."""
    packet = object.__new__(Packet)
    for set_slot, value in zip(_SLOT_SETTERS, state, strict=True):
        set_slot(packet, value)
    return packet


def _small_int(header: dict[str, str], key: str, largest: int) -> int | None:
    """The header field ``key`` as an integer 0..``largest``, None when absent."""
    text = header.get(key)
    if text is None:
        return None
    if not text.isdigit() or not text.isascii() or len(text) > 4 or int(text) > largest:
        raise _FieldError(f"field {key}: {text!r} is not an integer 0-{largest}")
    return int(text)


_TIMES: dict[str, dt.datetime | None] = {}
_TIMES_KEPT = 4096  # many loggers send the same minute or hour: a small cache of parsed times


def parse_time(text: str) -> dt.datetime | None:
    """``YYYYMMDDhhmmss`` or ``YYYYMMDDhhmmsszzz`` (milliseconds, as 2005 devices send) as an
    aware China-time datetime; None when it is neither, no real time, or one without a UTC
    time (0001-01-01 before 08:00)."""
    try:
        return _TIMES[text]
    except KeyError:
        pass
    if len(_TIMES) >= _TIMES_KEPT:
        _TIMES.clear()
    moment = _TIMES[text] = _parse_time(text)
    return moment


def _parse_time(text: str) -> dt.datetime | None:
    n = len(text)
    if (n != 14 and n != 17) or not text.isdigit() or not text.isascii():
        return None
    try:
        moment = dt.datetime(
            int(text[0:4]),
            int(text[4:6]),
            int(text[6:8]),
            int(text[8:10]),
            int(text[10:12]),
            int(text[12:14]),
            int(text[14:17]) * 1000 if n == 17 else 0,
            tzinfo=CHINA_TZ,
        )
        if moment.year == 1:  # before 08:00 on 0001-01-01 there is no UTC time to store
            moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None
    return moment


def _invalid(
    raw: bytes,
    reason: str,
    detail: str,
    segment: bytes | None = None,
    *,
    length: int | None = None,
    crc: tuple[str, str | None] | None = None,
) -> Packet:
    """An invalid packet, with the header fields of ``segment`` read as far as they can be."""
    header: dict[str, str] = {}
    if segment is not None:
        text = segment.decode("utf-8", "replace")
        cp_at = text.find(_CP_OPEN)
        for item in text[: cp_at if cp_at >= 0 else len(text)].split(";"):
            key, sep, value = item.partition("=")
            if sep and key in _HEADER_KEYS:
                header.setdefault(key, value)
    return _with_header(raw, reason, detail, header, length=length, crc=crc)


def _with_header(
    raw: bytes,
    reason: str,
    detail: str,
    header: dict[str, str],
    *,
    length: int | None,
    crc: tuple[str, str | None] | None,
) -> Packet:
    flag_text = header.get("Flag", "")
    flag = None
    if flag_text.isdigit() and flag_text.isascii() and len(flag_text) <= 3:
        flag = int(flag_text) if int(flag_text) <= 255 else None
    return Packet(
        valid=False,
        reason=reason,
        detail=detail,
        version=version_of_flag(flag) if "Flag" not in header or flag is not None else None,
        qn=header.get("QN"),
        st=header.get("ST"),
        cn=header.get("CN"),
        pw=header.get("PW"),
        mn=header.get("MN"),
        flag=flag,
        pnum=None,
        pno=None,
        data_time=None,
        crc_declared=crc[0] if crc else None,
        crc_computed=crc[1] if crc else None,
        length_declared=length,
        raw=raw,
    )
