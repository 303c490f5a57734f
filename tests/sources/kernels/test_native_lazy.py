"""The compiled parser's lazy values (kernels/native.py, native/hj212 lazy.h): what the gateway
reads leaves them unread, the first read builds them, the slot behaves as the dataclass's;
mutated real frames and the sliced CRC against the reference. The comparisons are
test_native's (the other fields first with the values unread, then the values)."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jjj_hj212 import _native

from jingjinji.sources.kernels import (
    MAX_SEGMENT,
    Framer,
    Packet,
    build_frame,
    crc16,
    parse_native,
    parse_packet,
)
from jingjinji.sources.kernels.codes import NUMERIC_SUFFIXES, OLD_TO_NEW, version_of_flag
from jingjinji.sources.kernels.framing import dropped
from jingjinji.sources.kernels.native import values_read
from jingjinji.sources.kernels.replies import data_reply, request_reply
from jingjinji.timezone import CHINA_TZ
from tests.sources.kernels import test_packet as cases
from tests.sources.kernels.test_native import _GOOD, FILES, assert_same, assert_same_stream


def test_values_are_read_once_on_first_access() -> None:
    """What the gateway reads (the header, the frame, the DataTime text, the replies it
    builds) leaves the values unread; the first read of ``values`` builds them, later reads
    give the same dict."""
    frame = build_frame(cases.HOURLY_2017)
    read = values_read()
    packet = parse_native(frame)
    assert _native.pending(packet)
    assert (packet.valid, packet.mn, packet.pw, packet.cn, packet.st) == (
        True,
        cases.MN,
        "123456",
        "2061",
        "32",
    )
    assert (packet.qn, packet.flag, packet.reply_required, packet.raw) == (
        "20240101120000123",
        5,
        True,
        frame,
    )
    assert packet.fields.get("DataTime") == "20240101110000"
    assert data_reply(packet) == data_reply(parse_packet(frame))
    assert request_reply(packet, 1) == request_reply(parse_packet(frame), 1)
    assert _native.pending(packet) and values_read() == read
    values = packet.values
    assert values == parse_packet(frame).values and values["w01018"] == {"Avg": 78.0, "Flag": "N"}
    assert packet.values is values
    assert not _native.pending(packet) and values_read() == read + 1


def test_the_values_slot_behaves_as_a_slot() -> None:
    """The descriptor over ``values`` sets, deletes, copies and pickles as the dataclass's
    slot did, and refuses objects that are not Packets."""
    frame = build_frame(cases.FLUE_2005)
    reference = parse_packet(frame)
    descriptor: Any = Packet.__dict__["values"]
    assert getattr(Packet, "values") is descriptor  # noqa: B009 (mypy reads Packet.values as a slot)
    packet = parse_native(frame)
    with pytest.raises(dataclasses.FrozenInstanceError):
        packet.values = {}  # type: ignore[misc]
    object.__setattr__(packet, "values", {"x": {"Rtd": 1.0}})
    assert packet.values == {"x": {"Rtd": 1.0}} and not _native.pending(packet)
    object.__delattr__(packet, "values")
    with pytest.raises(AttributeError, match="values"):
        _ = packet.values
    with pytest.raises(AttributeError, match="values"):
        object.__delattr__(packet, "values")
    with pytest.raises(TypeError, match="doesn't apply"):
        descriptor.__get__(object(), object)
    with pytest.raises(TypeError, match="doesn't apply"):
        descriptor.__set__(object(), {})
    with pytest.raises(TypeError):
        _native.pending(object())
    for copied in (
        copy.copy(parse_native(frame)),
        copy.deepcopy(parse_native(frame)),
        pickle.loads(pickle.dumps(parse_native(frame))),
        dataclasses.replace(parse_native(frame)),
    ):
        assert copied == reference and repr(copied) == repr(reference)
    made = Packet(**{f.name: getattr(reference, f.name) for f in dataclasses.fields(Packet)})
    assert made == reference and not _native.pending(made)


def test_configure_again_keeps_the_lazy_values() -> None:
    """configure() once more (the descriptor is there already) reads the same slot."""
    _native.configure(
        packet_type=Packet,
        field_names=tuple(f.name for f in dataclasses.fields(Packet)),
        parse_packet=parse_packet,
        framing_error=dropped,
        china_tz=CHINA_TZ,
        old_to_new=OLD_TO_NEW,
        numeric_suffixes=NUMERIC_SUFFIXES,
        versions=tuple(version_of_flag(flag) for flag in range(256)),
        no_flag_version=version_of_flag(None),
        max_segment=MAX_SEGMENT,
    )
    assert _native.pending(assert_same(build_frame(cases.HOURLY_2017))) is False
    assert _native.pending(parse_native(build_frame(cases.HOURLY_2017)))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=1100))
def test_the_compiled_crc(data: bytes) -> None:
    assert _native.crc16(data) == crc16(data)


def _seed_segments() -> list[bytes]:
    """Segments to mutate: the test cases and, when the recording is there, every 400th frame
    of its first file (2005-era uploads, heartbeats, replies)."""
    seeds = [bytes(f[6:-6]) for f in _GOOD]
    if FILES:
        frames = Framer().feed(FILES[0].read_bytes())
        seeds += [f[6:-4] for f in frames[::400] if isinstance(f, bytes)]
    return seeds


_MUTANT = st.sampled_from(list(b"=;,-&CPNQSTMWFlagRtdAvgZs0123456789.eE+x _\x00\x7f\xe8\xff"))


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(_seed_segments()),
    st.lists(
        st.tuples(st.floats(0, 1), st.sampled_from(["replace", "insert", "delete"]), _MUTANT),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
)
def test_mutated_frames(
    segment: bytes, edits: list[tuple[float, str, int]], recompute_crc: bool
) -> None:
    """Real and test segments with bytes replaced, inserted or deleted, framed with their new
    length and either a CRC that matches (so the field checks decide) or the old one: the
    same packet, values included, from both parsers, alone and in a stream."""
    data = bytearray(segment)
    for where, edit, byte in edits:
        at = min(int(where * len(data)), len(data))
        if edit == "insert":
            data.insert(at, byte)
        elif at < len(data):
            if edit == "replace":
                data[at] = byte
            else:
                del data[at]
    crc = crc16(bytes(data) if recompute_crc else segment)
    frame = b"##%04d%s%04X\r\n" % (len(data), bytes(data), crc)
    assert_same(frame)
    assert_same_stream([_GOOD[0] + frame + _GOOD[1]])
