"""The compiled parser (native/hj212, kernels/native.py) against the Python reference: the same
Packet (every field, dict order, float bits) for every frame, and PacketFramer giving what
Framer then parse_packet give for every stream - on the real Hebei traffic (skipped when the
shared folder is absent), on test_packet's and test_batch's cases and on generated frames,
streams and mutations. The common case must be decided by the C code itself (``fallbacks``
counts the frames it hands to parse_packet). Every comparison reads a packet's other fields
first, checks its values are still unread, then reads them (on first access) and compares
the whole packet."""

from __future__ import annotations

import dataclasses
import gc
import sys
from collections import Counter
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jjj_hj212 import _native

from jingjinji.sources.kernels import (
    MAX_FRAME,
    MAX_SEGMENT,
    Framer,
    FramingError,
    Packet,
    PacketFramer,
    build_frame,
    crc16,
    parse_native,
    parse_packet,
)
from jingjinji.sources.kernels.native import fallbacks, values_read
from jingjinji.sources.kernels.samples import hebei_recording
from jingjinji.timezone import CHINA_TZ
from tests.sources.kernels import test_batch as batch_cases
from tests.sources.kernels import test_packet as cases

FILES = hebei_recording()
Item = Packet | FramingError
#: every field but the values, and the properties: what is decided when the frame is parsed
EAGER = [f.name for f in dataclasses.fields(Packet) if f.name != "values"]
EAGER += ["reply_required", "split"]


def assert_same(frame: bytes) -> Packet:
    """parse_native(frame) is parse_packet(frame)."""
    native = parse_native(frame)
    assert_lazily_same(native, parse_packet(frame))
    return native


def assert_lazily_same(native: Packet, reference: Packet) -> None:
    """Every field but the values is there and equal (type and value) while the values are
    unread - only a valid packet of the C code has unread values -, then the values read on
    first access are equal too: the whole packets equal, with equal reprs (dict order, float
    bits such as -0.0, str against float) and JSON."""
    pending = _native.pending(native)
    assert native.valid or not pending
    for name in EAGER:
        got, expected = getattr(native, name), getattr(reference, name)
        assert (type(got), got) == (type(expected), expected), name
    assert _native.pending(native) == pending
    assert native == reference
    assert repr(native) == repr(reference)
    assert native.to_json() == reference.to_json()
    assert not _native.pending(native)


def reference_items(chunks: list[bytes]) -> list[Item]:
    framer = Framer()
    items: list[bytes | FramingError] = []
    for chunk in chunks:
        items += framer.feed(chunk)
    items += framer.flush()
    return [item if isinstance(item, FramingError) else parse_packet(item) for item in items]


def native_items(chunks: list[bytes]) -> list[Item]:
    framer = PacketFramer()
    items: list[Item] = []
    for chunk in chunks:
        items += framer.feed(chunk)
        assert framer.pending() <= MAX_FRAME
    return items + framer.flush()


def assert_same_stream(chunks: list[bytes]) -> list[Item]:
    native = native_items(chunks)
    assert_same_items(native, reference_items(chunks))
    return native


def assert_same_items(native: list[Item], reference: list[Item]) -> None:
    assert len(native) == len(reference)
    for got, expected in zip(native, reference, strict=True):
        if isinstance(got, Packet) and isinstance(expected, Packet):
            assert_lazily_same(got, expected)
        else:
            assert got == expected
    assert repr(native) == repr(reference)


def test_a_valid_frame_is_read_by_the_compiled_code() -> None:
    before = fallbacks()
    for segment in (cases.HOURLY_2017, cases.FLUE_2005):
        packet = assert_same(build_frame(segment))
        assert packet.valid
        assert assert_same(build_frame(segment)[:-2]).valid  # without its \r\n
    assert fallbacks() == before
    broken = build_frame(cases.HOURLY_2017).replace(b"w01018-Avg", b"w01018-Avf")
    assert not assert_same(broken).valid  # the CRC no longer matches
    assert fallbacks() == before + 1


def test_the_cases_of_parse_packet_and_parse_batch() -> None:
    frames = batch_cases._case_frames() + [build_frame(s) for s in batch_cases._EDGES]
    frames += [b"##0000FFFF", b"##0000FFFF\r\n", b"\r\n", b"", b"##", b"##abcd" + b"x" * 20]
    frames += [b"##%04d" % len(s) + s + b"FFFF" for s in (b"\xff" * 9, b"ST=1;CP=&&&&")]
    for frame in frames:
        assert_same(frame)


@pytest.mark.parametrize(
    "segment",
    [
        "ST=32;CN=2011;PW=1;MN=M1;CP=&&w01018-Rtd=1,w01018-Rtd=x&&",  # the first one counts
        "ST=32;CN=2011;PW=1;MN=M1;CP=&&011-Rtd=1;w01018-Rtd=2;011-Flag=N&&",  # one 2017 code
        "ST=32;CN=2011;PW=1;MN=M1;CP=&&w01018-ZsRtd=-0;w01018-ZsFlag=N;w01018-RS=1&&",
        "ST=32;CN=2011;PW=1;MN=M1;Flag=11;PNUM=2;PNO=1;QN=;CP=&&a-b=;Foo=&&",
        "QN=1;QN=2;ST=32;CN=2011;PW=1;MN=M1;Flag=252;CP=&&&&",  # version bits 63: unknown
        "ST=32;CN=2011;PW=1;MN=M1;CP=&&w01018-Rtd=0.1000000000000000055511151231257827&&",
        "ST=32;CN=2011;PW=1;MN=M1;CP=&&w01018-Rtd=9007199254740993;w21003-Rtd=1e22&&",
        "ST=32;CN=2011;PW=1;MN=M1;CP=&&w01018-Rtd=00000000000000000000001.5e-3&&",
        "ST=32;CN=2011;PW=1;MN=M1;CP=&&DataTime=20240229235959999&&",
        "ST=32;CN=2011;PW=1;MN=M1;CP=&&DataTime=20230229000000&&",  # no such day: invalid
        "ST=32;CN=2011;PW=1;MN=M1;CP=&&DataTime=00010101075959&&",  # no UTC time: invalid
        # the first DataTime counts, the header's before the data area's
        "ST=32;CN=2011;PW=1;MN=M1;DataTime=20240101000000;CP=&&DataTime=20240102000000&&",
        "ST=32;CN=2011;PW=1;MN=M1;DataTime=2024;CP=&&DataTime=20240102000000&&",
        "ST=32;CN=2011;PW=1;MN=M1;DataTime=20240101000000;CP=&&DataTime=2024&&",
        "ST=32;CN=2011;PW=1;MN=M1;CP=&&DataTime=20240101000000;DataTime=x,DataTime=&&",
        "ST=32;CN=2011;PW=1;MN=M1;CP=&&DataTime=x;DataTime=20240101000000&&",
        "ST=32;CN=2011;PW=1;MN=M1;CP=&&DataTime=;a-Rtd=1&&",
        "ST=32;CN=2011;PW=1;MN=M1;CP=&&DataTimes=20240101000000;Datatime=x&&",
        "ST=32;CN=2011;PW=1;MN=M1;CP=&&-Rtd=1&&",
        "ST=32;CN=2011;PW=1;MN=M1;CP=&&w01018-=1&&",
        "ST=32;CN=2011;PW=1;MN=M1;-x=1;CP=&&&&",  # a bad name is an error in CP only
        "ST=32;CN=2011;PW=1;MN=M1;CP=&&w01018-Rtd=1",
    ],
)
def test_field_rules(segment: str) -> None:
    assert_same(build_frame(segment))


def test_the_maximum_segment_is_respected() -> None:
    head = "ST=32;CN=2011;PW=1;MN=M1;CP=&&x="
    fits = head + "y" * (MAX_SEGMENT - len(head) - 2) + "&&"
    assert assert_same(build_frame(fits)).valid
    over = (fits[:-2] + "y&&").encode()
    frame = b"##%04d%s%04X\r\n" % (len(over), over, crc16(over))
    packet = assert_same(frame)
    assert (packet.reason, packet.length_declared) == ("length", MAX_SEGMENT + 1)
    items = assert_same_stream([frame + build_frame(fits)])
    assert [type(item) for item in items] == [FramingError, Packet]
    assert assert_same_stream([b"##9999" + b"z" * 20_000])[0] == FramingError(
        "length", "declared 9999 bytes, over 1024", b"##9999" + b"z" * 20_000
    )


def test_wrong_types_are_refused() -> None:
    with pytest.raises(TypeError):
        parse_native("##0000FFFF")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _native.scan(bytearray(b"##"))  # type: ignore[arg-type]


def test_configure_checks_the_packet_class() -> None:
    """A Packet whose fields moved would be filled wrong: configure refuses it and keeps the
    configuration it had."""
    fields = ("valid", "detail", "reason", *[n for n in Packet.__slots__][3:])
    with pytest.raises(ValueError, match="expected 'reason'"):
        _native.configure(
            packet_type=Packet,
            field_names=fields,
            parse_packet=parse_packet,
            framing_error=lambda kind, declared, data: None,
            china_tz=CHINA_TZ,
            old_to_new={},
            numeric_suffixes=frozenset(),
            versions=(None,) * 256,
            no_flag_version=None,
            max_segment=MAX_SEGMENT,
        )
    assert assert_same(build_frame(cases.HOURLY_2017)).valid


def test_split_and_glued_streams() -> None:
    stream = b"".join(
        [
            build_frame(cases.HOURLY_2017),
            b"garbage\r\n",
            build_frame(cases.FLUE_2005),
            b"##0100short\r\n",
            b"##abcdnot digits\r\n",
            build_frame("ST=32;CN=2011;PW=1;MN=设备;CP=&&&&"),
            b"\xff\xfe##",
            build_frame(cases.HOURLY_2017)[:-2],
        ]
    )
    for cut in range(len(stream) + 1):
        assert_same_stream([stream[:cut], stream[cut:]])
    assert_same_stream([stream[i : i + 1] for i in range(len(stream))])
    assert_same_stream([stream * 3])


_SEGMENT_TEXT = st.text(
    alphabet=st.sampled_from(list("=;,-&CPNQSTMWFlagRtdAvgOK01289.eE+x设 \x00")), max_size=120
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_SEGMENT_TEXT, _SEGMENT_TEXT), max_size=12))
def test_generated_frames(parts: list[tuple[str, str]]) -> None:
    for head, cp in parts:
        for segment in (head + cp, f"ST=32;CN=2011;PW=1;MN=M;{head}CP=&&{cp}&&"):
            if len(segment.encode()) <= MAX_SEGMENT:
                assert_same(build_frame(segment))


_NUMBER = st.one_of(
    st.floats(allow_nan=False).map(repr),
    st.floats(allow_nan=False).map(lambda x: f"{x:.17e}"),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda x: f"{x:.30f}"),
    st.from_regex(r"\A[+-]?[0-9]{0,25}\.?[0-9]{0,25}([eE][+-]?[0-9]{1,4})?\Z"),
    st.text(alphabet="0123456789.eE+-_ infa", max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_NUMBER, min_size=1, max_size=8))
def test_generated_numbers(numbers: list[str]) -> None:
    """Each number is read to float()'s very double (or refused as float() refuses it)."""
    for number in numbers:
        assert_same(build_frame(f"ST=32;CN=2011;PW=1;MN=M1;CP=&&c-Rtd={number};c-Avg={number}&&"))


_TIME = st.one_of(
    st.datetimes().map(lambda t: t.strftime("%Y%m%d%H%M%S") + f"{t.microsecond // 1000:03d}"),
    st.datetimes().map(lambda t: t.strftime("%Y%m%d%H%M%S")),
    st.from_regex(
        r"\A(0001|0000|2024|2023|9999)(0[0-2]|1[2-3])[0-3][0-9][0-2][0-9]"
        r"[0-6][0-9][0-6][0-9]([0-9]{3})?\Z"
    ),
    st.text(alphabet="0123456789 +-a", min_size=13, max_size=18),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TIME, min_size=1, max_size=8))
def test_generated_times(times: list[str]) -> None:
    """DataTime is read as parse_time reads it (leap days, 0001-01-01 before 08:00, ...)."""
    for text in times:
        assert_same(build_frame(f"ST=32;CN=2011;PW=1;MN=M1;CP=&&DataTime={text}&&"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=12))
def test_generated_bytes(data: list[bytes]) -> None:
    for item in data:
        for frame in (item, b"##" + item, b"##%04d" % len(item) + item + b"FFFF"):
            assert_same(frame)
            assert_same(frame + b"\r\n")


_GOOD = [
    build_frame(cases.HOURLY_2017),
    build_frame(cases.FLUE_2005),
    build_frame("ST=91;CN=9015;PW=1;MN=M;Flag=1;CP=&&&&"),
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(_GOOD),
            st.binary(max_size=40),
            st.sampled_from(_GOOD).map(lambda f: f[: len(f) // 2]),  # truncated
            st.sampled_from(_GOOD).map(lambda f: f[:-4] + b"0000\r\n"),  # bad CRC
            st.sampled_from(_GOOD).map(lambda f: f[:2] + b"0999" + f[6:]),  # bad length
            st.sampled_from(_GOOD).map(lambda f: f[:30] + b"\xe8\xae" + f[32:]),  # not UTF-8
            st.integers(1025, 9999).map(lambda n: b"##%04d" % n + b"x" * 300),  # huge
        ),
        max_size=10,
    ),
    st.lists(st.integers(0, 4000), max_size=6),
)
def test_generated_streams(pieces: list[bytes], cuts: list[int]) -> None:
    """Good frames, garbage and mutated frames glued into one stream, read in chunks split at
    arbitrary bytes."""
    stream = b"".join(pieces)
    bounds = sorted({min(cut, len(stream)) for cut in cuts} | {0, len(stream)})
    assert_same_stream([stream[a:b] for a, b in pairwise(bounds)])


def test_no_references_are_leaked() -> None:
    """Parsing the same frames again allocates nothing that stays (the caches are full after
    the first round), and a frame's own reference count comes back."""
    frames = [
        *_GOOD,
        _GOOD[0][:-6] + b"0000\r\n",
        build_frame("ST=32;CN=2011;PW=1;MN=设备;CP=&&&&"),
        build_frame("ST=32;CN=2011;PW=1;MN=M1;CP=&&w01018-Rtd= 1&&"),
    ]
    stream = b"garbage" + b"".join(frames) + b"##0100short\r\n" + _GOOD[0]

    def work() -> None:
        for round_ in range(200):
            for frame in frames:
                packet = parse_native(frame)
                if round_ % 2:
                    assert packet.values is packet.values
            framer = PacketFramer()
            for item in framer.feed(stream) + framer.flush():
                if round_ % 2 and isinstance(item, Packet):
                    assert item.values is not None

    work()
    gc.collect()
    before = sys.getallocatedblocks()
    work()
    gc.collect()
    assert sys.getallocatedblocks() - before < 50
    frame = build_frame(cases.HOURLY_2017)
    count = sys.getrefcount(frame)
    packet = parse_native(frame)
    assert packet.raw is frame
    del packet
    assert sys.getrefcount(frame) == count
    packet = parse_native(frame)
    assert packet.values
    del packet
    assert sys.getrefcount(frame) == count


@pytest.mark.skipif(not FILES, reason="shared/data/hj212/hebei-2016-08-24 is absent")
@pytest.mark.slow
def test_the_whole_recording() -> None:
    """Every item of every file, read whole and in 4 KiB chunks, as Framer then parse_packet
    read it, values included; the C code decides all but the one frame whose CRC is wrong,
    and builds each valid packet's values only when they are first read."""
    before, read = fallbacks(), values_read()
    counts: Counter[tuple[str, str | None]] = Counter()
    unread = 0
    for path in FILES:
        data = path.read_bytes()
        items = native_items([data])
        unread += sum(isinstance(item, Packet) and _native.pending(item) for item in items)
        assert_same_items(items, reference_items([data]))
        for item in items:
            if isinstance(item, FramingError):
                counts["framer", item.reason] += 1
            else:
                counts["valid" if item.valid else "invalid", item.reason] += 1
    assert counts == Counter(
        {("valid", None): 190_365, ("framer", "length"): 71, ("framer", "framing"): 14}
    ) + Counter({("invalid", "crc"): 1})
    assert fallbacks() - before == 1
    assert unread == values_read() - read == 190_365
    data = FILES[0].read_bytes()
    assert_same_stream([data[at : at + 4096] for at in range(0, len(data), 4096)])
