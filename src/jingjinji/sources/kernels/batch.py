"""Many HJ 212 frames parsed at once, into columns (numpy for the bytes, polars for the text).

``parse_batch(frames)`` gives the same decision as ``parse_packet`` for every frame, as three
tables instead of one Packet each:

    packets  one row per frame, in input order: frame (its index), valid, reason, detail,
             version, qn, st, cn, pw, mn, flag, pnum, pno, data_time (UTC), crc_declared,
             crc_computed, length_declared
    values   one row per value field kept: frame, code (2017, via codes.OLD_TO_NEW), key (the
             suffix: Rtd, Flag, ...), text (the value of a text suffix, null for a number),
             number (the value of a numeric suffix), flag (the code's own ``-Flag`` in that
             packet, null without one); rows of one frame in the order sent
    fields   the packet's other fields (``DataTime``, ...): frame, key, value

The bytes are checked in numpy over the frames joined into one buffer: the framing bytes, the
declared length, the CRC (crc.py's fold: the XOR of the segment's bytes in each of the 8
positions counted from its end, taken from a prefix XOR of the buffer read as 64-bit words,
then 8 table look-ups) and ASCII-ness. The text of the frames that pass is split in polars.
A frame the columns cannot decide exactly as ``parse_packet`` does - any failed check, a
non-ASCII segment, a malformed field, a number the strict pattern does not match - is given
to ``parse_packet`` itself and its Packet turned into rows: the decision, reason and detail
are then parse_packet's by construction. On real traffic that is a few frames in 100,000.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from jingjinji.sources.kernels.codes import FLAG_VERSIONS, NUMERIC_SUFFIXES, OLD_TO_NEW
from jingjinji.sources.kernels.crc import STEP
from jingjinji.sources.kernels.framing import MAX_SEGMENT
from jingjinji.sources.kernels.packet import Packet, parse_packet

__all__ = ["Batch", "parse_batch"]

_HEADER_KEYS = ("QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO")
_NUMBER = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_SMALL_INT = r"^[0-9]{1,4}$"

_U8 = npt.NDArray[np.uint8]
_I64 = npt.NDArray[np.int64]


def _power_tables() -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    high = np.array([s >> 8 for s in STEP], dtype=np.uint8)
    powers = np.empty((8, 256), dtype=np.uint8)
    powers[0] = np.arange(256, dtype=np.uint8)
    for j in range(1, 8):
        powers[j] = high[powers[j - 1]]
    return powers, powers[:, 0xFF].copy()


_POWERS, _INITIAL = _power_tables()
_STEP = np.array(STEP, dtype=np.int64)
_STEP_HEX = np.array([f"{s:04X}" for s in STEP])
_LOW = np.array([(1 << (8 * k)) - 1 for k in range(8)], dtype=np.uint64)
_HIGH_BITS = np.uint64(0x8080808080808080)
_HEXVAL = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(b"0123456789abcdef"):
    _HEXVAL[_c] = _i
for _i, _c in enumerate(b"ABCDEF"):
    _HEXVAL[_c] = 10 + _i

_PACKET_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "frame": pl.Int64,
    "valid": pl.Boolean,
    "reason": pl.String,
    "detail": pl.String,
    "version": pl.Int64,
    "qn": pl.String,
    "st": pl.String,
    "cn": pl.String,
    "pw": pl.String,
    "mn": pl.String,
    "flag": pl.Int64,
    "pnum": pl.Int64,
    "pno": pl.Int64,
    "data_time": pl.Datetime("us", "UTC"),
    "crc_declared": pl.String,
    "crc_computed": pl.String,
    "length_declared": pl.Int64,
}
_VALUE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "frame": pl.Int64,
    "code": pl.String,
    "key": pl.String,
    "text": pl.String,
    "number": pl.Float64,
}
_FLAGGED_SCHEMA = {**_VALUE_SCHEMA, "flag": pl.String}
_FIELD_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "frame": pl.Int64,
    "key": pl.String,
    "value": pl.String,
}


@dataclass(frozen=True, slots=True)
class Batch:
    """The parsed frames as three tables (see the module's docstring)."""

    packets: pl.DataFrame
    values: pl.DataFrame
    fields: pl.DataFrame
    #: how many frames parse_packet decided (the columns could not)
    fallback: int


def _crc_and_ascii(buf: _U8, start: _I64, stop: _I64) -> tuple[_I64, npt.NDArray[np.bool_]]:
    """The HJ 212 CRC of each ``buf[start:stop]`` as ``y`` (the CRC is ``STEP[y]``), and
    whether it may hold a byte over 127 (conservative: a word shared with a neighbour counts)."""
    words = buf.view("<u8")
    prefix = np.zeros(len(words) + 1, dtype=np.uint64)
    np.bitwise_xor.accumulate(words, out=prefix[1:])

    def upto(p: _I64) -> npt.NDArray[np.uint64]:
        w = p >> 3
        return prefix[w] ^ (words[w] & _LOW[p & 7])  # type: ignore[no-any-return]

    lanes = (upto(stop) ^ upto(start)).view(np.uint8).reshape(-1, 8)
    # lane l holds the bytes at absolute position = l (mod 8); class j counts from the end
    order = (stop[:, None] - 1 - np.arange(8)) & 7
    by_class = np.take_along_axis(lanes, order, axis=1)
    y = _INITIAL[(stop - start - 1) & 7]
    for j in range(8):
        y = y ^ _POWERS[j][by_class[:, j]]
    flagged = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum((words & _HIGH_BITS) != 0, out=flagged[1:])
    last = np.maximum(stop - 1, start) >> 3
    high = (flagged[last + 1] - flagged[start >> 3]) > 0
    return y.astype(np.int64), high


def _check_bytes(
    frames: Sequence[bytes],
) -> tuple[npt.NDArray[np.bool_], pa.Array, _I64, npt.NDArray[np.str_], npt.NDArray[np.str_]]:
    """Which frames pass framing, length, CRC and ASCII (``ok``), their segments as one arrow
    array (empty where not ok), declared lengths and the declared and computed CRC texts."""
    n = len(frames)
    lens = np.fromiter(map(len, frames), dtype=np.int64, count=n)
    joined = b"".join(frames)
    size = len(joined)
    buf = np.zeros(((size + 24) >> 3) << 3, dtype=np.uint8)
    buf[:size] = np.frombuffer(joined, dtype=np.uint8)
    ends = np.cumsum(lens)
    starts = ends - lens
    crlf = (lens >= 2) & (buf[np.maximum(ends - 2, 0)] == 13) & (buf[np.maximum(ends - 1, 0)] == 10)
    fend = ends - 2 * crlf
    ok = (fend - starts) >= 17  # "##", 4 digits, "CP=&&&&" at least, 4 CRC digits
    at = np.where(ok, starts, 0)
    ok &= (buf[at] == 0x23) & (buf[at + 1] == 0x23)
    digits = buf[at[:, None] + 2 + np.arange(4)].astype(np.int64) - 48
    ok &= ((digits >= 0) & (digits <= 9)).all(axis=1)
    declared = digits @ np.array([1000, 100, 10, 1], dtype=np.int64)
    seg_start = at + 6
    seg_stop = np.where(ok, fend - 4, seg_start)
    ok &= (declared <= MAX_SEGMENT) & (declared == seg_stop - seg_start)
    seg_stop = np.where(ok, seg_stop, seg_start)
    crc_bytes = buf[seg_stop[:, None] + np.arange(4)]
    crc_digits = _HEXVAL[crc_bytes]
    ok &= (crc_digits >= 0).all(axis=1)
    crc_declared = crc_digits @ np.array([4096, 256, 16, 1], dtype=np.int64)
    y, high = _crc_and_ascii(buf, seg_start, seg_stop)
    ok &= (_STEP[y] == crc_declared) & ~high
    seg_stop = np.where(ok, seg_stop, seg_start)
    upper = np.where((crc_bytes >= 97) & (crc_bytes <= 102), crc_bytes - 32, crc_bytes)
    upper[~ok] = 0x30  # read by parse_packet instead
    declared_hex = np.ascontiguousarray(upper.astype(np.uint8)).view("S4")[:, 0].astype("U4")
    computed_hex = _STEP_HEX[y]
    offsets = np.empty(2 * n + 2, dtype=np.int64)
    offsets[0] = 0
    offsets[1:-1:2] = np.where(ok, seg_start, starts)  # an empty piece where not ok
    offsets[2:-1:2] = np.where(ok, seg_stop, starts)
    offsets[-1] = size
    pieces = pa.Array.from_buffers(
        pa.large_binary(), 2 * n + 1, [None, pa.py_buffer(offsets), pa.py_buffer(joined)]
    )
    pieces.validate()
    return ok, pieces, declared, declared_hex, computed_hex


def parse_batch(frames: Sequence[bytes]) -> Batch:
    """Check and read every frame (``##`` to the CRC, with or without ``\\r\\n``), as
    ``parse_packet`` would one by one. Never raises on bytes."""
    n = len(frames)
    ok, pieces, declared, declared_hex, computed_hex = _check_bytes(frames)
    pieces_series = pl.from_arrow(pieces)
    assert isinstance(pieces_series, pl.Series)
    frame_ids = np.flatnonzero(ok)
    seg = pl.DataFrame(
        {"frame": frame_ids, "seg": pieces_series.gather(2 * frame_ids + 1).cast(pl.String)},
        schema={"frame": pl.Int64, "seg": pl.String},
    )
    fast, values, fields = _read_text(seg)
    fast = fast.with_columns(
        crc_declared=pl.Series(declared_hex)[fast["frame"]],
        crc_computed=pl.Series(computed_hex)[fast["frame"]],
        length_declared=pl.Series(declared)[fast["frame"]],
    )
    slow = np.ones(n, dtype=bool)
    slow[fast["frame"].to_numpy()] = False
    slow_ids = np.flatnonzero(slow)
    slow_packets, slow_values, slow_fields = _from_packets(
        slow_ids, [parse_packet(frames[i]) for i in slow_ids.tolist()]
    )
    packets = pl.concat([fast.select(list(_PACKET_SCHEMA)), slow_packets]).sort("frame")
    values = values.merge_sorted(slow_values, key="frame")
    fields = fields.sort("frame", maintain_order=True).merge_sorted(slow_fields, key="frame")
    return Batch(packets, values, fields, len(slow_ids))


def _read_text(
    seg: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The packets, values and fields of the segments (frame, seg) the columns can read; the
    rest are left out (the caller gives them to parse_packet)."""
    s = pl.col("seg")
    seg = seg.with_columns(cp=s.str.find("CP=&&", literal=True), n=s.str.len_bytes())
    bad_frames = seg.filter(
        pl.col("cp").is_null() | (pl.col("n") < pl.col("cp") + 7) | ~s.str.ends_with("&&")
    )["frame"]
    seg = seg.filter(~pl.col("frame").is_in(bad_frames.implode()))
    head = _split_items(seg.select("frame", item=s.str.slice(0, pl.col("cp")).str.split(";")))
    data = _split_items(
        seg.select(
            "frame",
            item=s.str.slice(pl.col("cp") + 5, pl.col("n") - pl.col("cp") - 7)
            .str.replace_all(",", ";", literal=True)
            .str.split(";"),
        )
    )
    broken = pl.concat([head, data]).filter(pl.col("eq").is_null() | (pl.col("eq") == 0))
    values, extra, bad_keys = _read_values(data.filter(pl.col("eq") > 0))
    head = head.filter(pl.col("eq") > 0)
    is_header = pl.col("key").is_in(list(_HEADER_KEYS))
    header = head.filter(is_header).unique(["frame", "key"], keep="first", maintain_order=True)
    fields = (
        pl.concat([head.filter(~is_header).select("frame", "key", "value"), extra])
        .unique(["frame", "key"], keep="first", maintain_order=True)
        .select("frame", "key", "value")
    )
    packets = seg.select("frame")
    for key in _HEADER_KEYS:
        packets = packets.join(
            header.filter(pl.col("key") == key).select("frame", pl.col("value").alias(key)),
            on="frame",
            how="left",
            maintain_order="left",
        )
    stamps = fields.filter(pl.col("key") == "DataTime").select("frame", stamp="value")
    packets = packets.join(
        stamps.join(_times(stamps["stamp"].unique()), on="stamp", how="left"),
        on="frame",
        how="left",
        maintain_order="left",
    )
    small = {key: pl.col(key).str.contains(_SMALL_INT) for key in ("Flag", "PNUM", "PNO")}
    header_bad = (
        pl.any_horizontal(*(pl.col(k).fill_null("") == "" for k in ("ST", "CN", "PW", "MN")))
        | ~pl.col("CN").fill_null("").str.contains(r"^[0-9]{4}$")
        | (pl.col("Flag").is_not_null() & ~(small["Flag"].fill_null(False)))
        | (pl.col("PNUM").is_not_null() & ~small["PNUM"].fill_null(False))
        | (pl.col("PNO").is_not_null() & ~small["PNO"].fill_null(False))
        | (pl.col("Flag").cast(pl.Int64, strict=False).fill_null(0) > 255)
        | pl.col("bad_time").fill_null(False)
    )
    bad = pl.concat(
        [bad_frames, broken["frame"], bad_keys, packets.filter(header_bad)["frame"]]
    ).unique()
    keep = ~pl.col("frame").is_in(bad.implode())
    flag = pl.col("Flag").cast(pl.Int64)
    packets = packets.filter(keep).select(
        "frame",
        valid=pl.lit(True),
        reason=pl.lit(None, pl.String),
        detail=pl.lit(None, pl.String),
        version=pl.when(flag.is_null())
        .then(2005)
        .otherwise((flag // 4).replace_strict(FLAG_VERSIONS, default=None, return_dtype=pl.Int64)),
        qn="QN",
        st="ST",
        cn="CN",
        pw="PW",
        mn="MN",
        flag=flag,
        pnum=pl.col("PNUM").cast(pl.Int64),
        pno=pl.col("PNO").cast(pl.Int64),
        data_time="data_time",
    )
    return packets, values.filter(keep), fields.filter(keep)


def _split_items(lists: pl.DataFrame) -> pl.DataFrame:
    """(frame, item) of (frame, list of items), empty items left out, with ``eq`` (where the
    first "=" is, null without one), ``key`` and ``value``."""
    items = lists.explode("item").filter(pl.col("item") != "")
    eq = pl.col("item").str.find("=", literal=True)
    return items.with_columns(eq=eq).with_columns(
        key=pl.col("item").str.slice(0, pl.col("eq")),
        value=pl.col("item").str.slice(pl.col("eq") + 1),
    )


def _read_values(items: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.Series]:
    """The value fields (first of each 2017 code and suffix), the other fields of the data
    area and the frames with a malformed name, of its name=value ``items``. Each distinct name
    is split and mapped once in Python; the rows carry its number."""
    names = items["key"].unique(maintain_order=True).to_list()
    pairs: dict[tuple[str, str], int] = {}
    codes: dict[str, int] = {}
    pair_of = np.empty(len(names), dtype=np.int64)  # -1: another field, -2: malformed
    for at, name in enumerate(names):
        code, dash, suffix = name.partition("-")
        if not dash:
            pair_of[at] = -1
        elif not code or not suffix:
            pair_of[at] = -2
        else:
            pair = (OLD_TO_NEW.get(code, code), suffix)
            pair_of[at] = pairs.setdefault(pair, len(pairs))
            codes.setdefault(pair[0], len(codes))
    pair_code = np.array([codes[c] for c, _ in pairs], dtype=np.int64)
    pair_suffix = pl.Series([sfx for _, sfx in pairs], dtype=pl.String)
    pair_numeric = np.array([sfx in NUMERIC_SUFFIXES for _, sfx in pairs], dtype=bool)
    code_names = pl.Series(list(codes), dtype=pl.String)
    name_ids = items["key"].replace_strict(names, np.arange(len(names)), return_dtype=pl.Int64)
    pair = pair_of[name_ids.to_numpy().astype(np.int64)]
    frame = items["frame"].to_numpy().astype(np.int64)
    bad_keys = pl.Series(frame[pair == -2], dtype=pl.Int64)
    extra = items.filter(pl.Series(pair == -1)).select("frame", "key", "value")
    named = pair >= 0
    frame, pair = frame[named], pair[named]
    first = pl.Series(frame * max(len(pairs), 1) + pair).is_first_distinct().to_numpy()
    frame, pair = frame[first], pair[first]
    text = items["value"].filter(pl.Series(named)).filter(pl.Series(first))
    numeric = pair_numeric[pair]
    number = text.cast(pl.Float64, strict=False)
    fine = text.str.contains(_NUMBER) & number.is_finite()
    bad_numbers = pl.Series(frame[numeric & ~fine.fill_null(False).to_numpy()], dtype=pl.Int64)
    numeric_s = pl.Series(numeric)
    code = pair_code[pair]
    # the code's own -Flag: rows of one frame and code share frame * codes + code
    entry = frame * max(len(codes), 1) + code
    is_flag = np.array([sfx == "Flag" for _, sfx in pairs], dtype=bool)[pair]
    flags = pl.DataFrame({"entry": entry[is_flag], "flag": text.filter(pl.Series(is_flag))})
    values = pl.DataFrame(
        {
            "frame": frame,
            "code": code_names.gather(code),
            "key": pair_suffix.gather(pair),
            "text": pl.select(pl.when(~numeric_s).then(text)).to_series(),
            "number": pl.select(pl.when(numeric_s).then(number)).to_series(),
            "entry": entry,
        },
        schema={**_VALUE_SCHEMA, "entry": pl.Int64},
    )
    values = values.join(flags, on="entry", how="left", maintain_order="left").drop("entry")
    return values, extra, pl.concat([bad_keys, bad_numbers])


def _times(stamps: pl.Series) -> pl.DataFrame:
    """(stamp, data_time in UTC, bad_time) of distinct DataTime texts. A text polars reads and
    writes back to the same digits, of a year 1000-9998, is read here; any other is bad_time
    (its frame goes to parse_packet, which decides)."""
    whole = stamps.str.slice(0, 14)
    naive = whole.str.to_datetime("%Y%m%d%H%M%S", strict=False, time_unit="us")
    millis = stamps.str.slice(14, 3).cast(pl.Int64, strict=False).fill_null(0)
    fine = (
        stamps.str.contains(r"^[0-9]{14}(?:[0-9]{3})?$")
        & (naive.dt.strftime("%Y%m%d%H%M%S") == whole)
        & naive.dt.year().is_between(1000, 9998)
    ).fill_null(False)
    moment = naive + pl.Series(millis * 1000).cast(pl.Duration("us")) - dt.timedelta(hours=8)
    return pl.DataFrame(
        {
            "stamp": stamps,
            "data_time": moment.dt.replace_time_zone("UTC"),
            "bad_time": ~fine,
        }
    )


def _from_packets(
    ids: npt.NDArray[np.int64], packets: list[Packet]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Rows of the packets parse_packet made (frames ``ids``)."""
    rows = []
    value_rows: list[tuple[int, str, str, str | None, float | None, str | None]] = []
    field_rows: list[tuple[int, str, str]] = []
    for i, p in zip(ids.tolist(), packets, strict=True):
        moment = p.data_time.astimezone(dt.UTC) if p.data_time else None
        rows.append(
            (
                i,
                p.valid,
                p.reason,
                p.detail,
                p.version,
                p.qn,
                p.st,
                p.cn,
                p.pw,
                p.mn,
                p.flag,
                p.pnum,
                p.pno,
                moment,
                p.crc_declared,
                p.crc_computed,
                p.length_declared,
            )
        )
        for code, entry in p.values.items():
            flag = entry.get("Flag")
            flag = flag if isinstance(flag, str) else None
            for key, value in entry.items():
                if isinstance(value, str):
                    value_rows.append((i, code, key, value, None, flag))
                else:
                    value_rows.append((i, code, key, None, value, flag))
        field_rows += [(i, key, value) for key, value in p.fields.items()]
    return (
        pl.DataFrame(rows, schema=_PACKET_SCHEMA, orient="row"),
        pl.DataFrame(value_rows, schema=_FLAGGED_SCHEMA, orient="row"),
        pl.DataFrame(field_rows, schema=_FIELD_SCHEMA, orient="row"),
    )
