"""The framer of a TCP byte stream: frames by ``##`` and the declared length, whole whatever the
reads, garbage and broken frames dropped and reported, memory bounded (standards.md §6)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingjinji.sources.kernels import (
    MAX_FRAME,
    MAX_SEGMENT,
    Framer,
    FramingError,
    build_frame,
    crc_hex,
    parse_packet,
)

MN = "010000A8900016F000169DC0"
SEGMENTS = [
    f"QN=20160801085857223;ST=32;CN=1062;PW=100000;MN={MN};Flag=5;CP=&&RtdInterval=30&&",
    "ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817000;"
    "B01-Rtd=36.91;011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&",
    # Chinese text: the length counts UTF-8 bytes, not characters
    f"QN=20240101120000000;ST=91;CN=9013;PW=123456;MN={MN};Flag=4;CP=&&Info=设备维护中&&",
    "ST=91;CN=9014;PW=123456;MN=LD1;CP=&&&&",
]
FRAMES = [build_frame(s) for s in SEGMENTS]
STREAM = b"".join(FRAMES)
EXPECTED = [f[:-2] for f in FRAMES]  # frames come out without their "\r\n"


def frames_of(chunks: list[bytes]) -> list[bytes | FramingError]:
    framer = Framer()
    out: list[bytes | FramingError] = []
    for chunk in chunks:
        out += framer.feed(chunk)
    return out + framer.flush()


def broken(segment: str, length_offset: int) -> bytes:
    """A frame whose declared length is off by ``length_offset`` (its CRC is right)."""
    data = segment.encode()
    return b"##%04d%s%s\r\n" % (len(data) + length_offset, data, crc_hex(data).encode())


def test_chinese_text_counts_bytes() -> None:
    segment = SEGMENTS[2].encode()
    assert len(segment) == len(SEGMENTS[2]) + 10  # 5 characters of 3 bytes each
    assert FRAMES[2].startswith(b"##%04d" % len(segment))
    packet = parse_packet(FRAMES[2])
    assert packet.valid, packet.detail
    assert packet.fields["Info"] == "设备维护中"


@pytest.mark.parametrize("cut", range(len(STREAM) + 1))
def test_split_at_every_byte(cut: int) -> None:
    assert frames_of([STREAM[:cut], STREAM[cut:]]) == EXPECTED


def test_one_byte_at_a_time() -> None:
    framer = Framer()
    out: list[bytes | FramingError] = []
    for i in range(len(STREAM)):
        out += framer.feed(STREAM[i : i + 1])
        assert framer.pending() <= MAX_FRAME
    assert out == EXPECTED
    assert framer.pending() == 0


def test_glued_frames_in_one_read() -> None:
    framer = Framer()
    assert framer.feed(STREAM * 3) == EXPECTED * 3
    assert framer.pending() == 0


def test_line_breaks_do_not_frame() -> None:
    """A segment is read by its declared length: a frame cut by a line break in a capture is
    not two frames, and two frames on one line are two."""
    assert frames_of([FRAMES[0] + FRAMES[1]]) == EXPECTED[:2]


@pytest.mark.parametrize(
    ("garbage", "reason"),
    [
        (b"noise", "framing"),
        (b"\r\n", "framing"),
        (b"#", "framing"),  # "###0101...": the frame starts at the second "#"
        (b"2BC0\r\n", "framing"),  # a CRC left over from a broken line (Hebei traffic)
        (b"##12a4garbage\r\n", "framing"),  # length digits that are not digits
        (b"##test13912345678\x00\n$\t?\x00\r\n", "framing"),  # seen in the Hebei traffic
        (b"##9999" + b"x" * 20 + b"\r\n", "length"),  # over MAX_SEGMENT
    ],
    ids=["text", "crlf", "hash", "crc-left-over", "bad-digits", "hebei-test", "over-max"],
)
@pytest.mark.parametrize("cut", [None, 1, 3, 7])
def test_garbage_between_frames_is_dropped_and_reported(
    garbage: bytes, reason: str, cut: int | None
) -> None:
    stream = FRAMES[0] + garbage + FRAMES[1] + garbage
    chunks = [stream] if cut is None else [stream[i : i + cut] for i in range(0, len(stream), cut)]
    out = frames_of(chunks)
    frames = [item for item in out if isinstance(item, bytes)]
    errors = [item for item in out if isinstance(item, FramingError)]
    assert frames == EXPECTED[:2]
    assert errors
    assert {e.reason for e in errors} == {reason}
    assert b"".join(e.data for e in errors) == garbage * 2


def test_frame_longer_than_the_limit() -> None:
    segment = "ST=32;CN=2011;PW=123456;MN=LD1;CP=&&" + "w01018-Rtd=1.0;" * 70 + "&&"
    data = segment.encode()
    assert len(data) > MAX_SEGMENT
    too_long = b"##%04d%s%s\r\n" % (len(data), data, crc_hex(data).encode())
    out = frames_of([too_long + FRAMES[0]])
    assert out[-1] == EXPECTED[0]
    assert [(e.reason, e.detail) for e in out[:-1] if isinstance(e, FramingError)] == [
        ("length", f"declared {len(data):04d} bytes, over {MAX_SEGMENT}")
    ]
    assert b"".join(e.data for e in out[:-1] if isinstance(e, FramingError)) == too_long
    with pytest.raises(ValueError, match="over 1024"):
        build_frame(segment)


@pytest.mark.parametrize("offset", [-5, -1, 1, 2, 40])
@pytest.mark.parametrize("followed", [True, False], ids=["then-a-frame", "at-the-end"])
def test_wrong_declared_length(offset: int, followed: bool) -> None:
    bad = broken(SEGMENTS[1], offset)
    out = frames_of([bad + (FRAMES[0] if followed else b"")])
    assert isinstance(out[0], FramingError)
    assert out[0].reason == "length"
    actual = len(SEGMENTS[1].encode())
    assert out[0].detail == f"declared {actual + offset:04d} bytes, got {actual:04d}"
    assert out[0].data == bad
    assert out[1:] == (EXPECTED[:1] if followed else [])


def test_short_frame_is_reported_before_the_next_one_completes() -> None:
    """A frame that lost bytes is known broken as soon as the next frame starts: the gateway
    does not wait for a declared length's worth of later traffic."""
    bad = broken(SEGMENTS[1], 300)
    framer = Framer()
    out = framer.feed(bad + FRAMES[0][:8])
    assert [e.reason for e in out if isinstance(e, FramingError)] == ["length"]
    assert framer.feed(FRAMES[0][8:]) == EXPECTED[:1]


def test_memory_stays_bounded() -> None:
    framer = Framer()
    for _ in range(100):
        out = framer.feed(b"x" * 10_000)  # no "##" at all
        assert [e.reason for e in out if isinstance(e, FramingError)] == ["framing"]
        assert framer.pending() == 0
    assert framer.feed(b"##1000" + b"y" * 900) == []  # a frame still coming
    assert framer.pending() == 906
    # more than declared and no "\r\n" where due: dropped once no next "##" can be waited for
    out = framer.feed(b"y" * 200)
    out += framer.feed(b"z" * 5000)
    assert framer.pending() <= MAX_FRAME
    assert [e.reason for e in out if isinstance(e, FramingError)] == ["length", "framing"]
    assert sum(len(e.data) for e in out if isinstance(e, FramingError)) == 6 + 1100 + 5000


def test_flush_gives_a_last_frame_without_crlf() -> None:
    framer = Framer()
    assert framer.feed(FRAMES[0][:-2]) == []
    assert framer.flush() == EXPECTED[:1]
    assert framer.pending() == 0
    framer.feed(FRAMES[0][:30])
    (error,) = framer.flush()
    assert isinstance(error, FramingError)
    assert error.reason == "length"
    assert error.data == FRAMES[0][:30]


# Composition of a stream: good frames, garbage without "#" or line breaks, broken lengths
pieces = st.one_of(
    st.sampled_from(FRAMES),
    st.binary(min_size=1, max_size=30).map(
        lambda b: b.replace(b"#", b"x").replace(b"\r", b"x").replace(b"\n", b"x")
    ),
    st.tuples(st.sampled_from(SEGMENTS[:2]), st.sampled_from([-3, -1, 1, 3])).map(
        lambda t: broken(*t)
    ),
)


@settings(max_examples=200, deadline=None)
@given(
    parts=st.lists(pieces, max_size=12),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=8),
)
def test_every_good_frame_comes_out_whole(parts: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(parts)
    bounds = sorted({c % (len(stream) + 1) for c in cuts} | {0, len(stream)})
    chunks = [stream[a:b] for a, b in itertools.pairwise(bounds)]
    out = frames_of(chunks)
    frames = [item for item in out if isinstance(item, bytes)]
    assert frames == [p[:-2] for p in parts if p in FRAMES]


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(st.one_of(st.binary(max_size=60), st.sampled_from(FRAMES)), max_size=10),
    cuts=st.lists(st.integers(min_value=0, max_value=3000), max_size=10),
)
def test_every_byte_comes_out_once(data: list[bytes], cuts: list[int]) -> None:
    """Whatever the input and the reads: frames (with their "\\r\\n"), dropped bytes and what
    is pending are the input, in order; pending never exceeds one maximal frame."""
    stream = b"".join(data)
    bounds = sorted({c % (len(stream) + 1) for c in cuts} | {0, len(stream)})
    framer = Framer()
    seen = b""
    for a, b in itertools.pairwise(bounds):
        for item in framer.feed(stream[a:b]):
            seen += item.data if isinstance(item, FramingError) else item + b"\r\n"
        assert framer.pending() <= MAX_FRAME
        assert seen + stream[b - framer.pending() : b] == stream[:b]
    for item in framer.flush():
        seen += item.data if isinstance(item, FramingError) else item
    assert seen in (stream, stream[:-2]) and stream.startswith(seen)
