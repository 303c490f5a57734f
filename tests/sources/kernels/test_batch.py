"""parse_batch against parse_packet, frame by frame: the same decision, reason, detail, header,
data time, CRC texts, values and fields - on the real Hebei traffic (skipped when the shared
folder is absent), on every frame of test_packet's cases and on generated frames."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingjinji.sources.kernels import MAX_SEGMENT, Framer, build_frame, parse_packet
from jingjinji.sources.kernels.batch import Batch, parse_batch
from jingjinji.sources.kernels.samples import hebei_recording
from tests.sources.kernels import test_packet as cases

FILES = hebei_recording()
_HEADER = (
    "valid",
    "reason",
    "detail",
    "version",
    "qn",
    "st",
    "cn",
    "pw",
    "mn",
    "flag",
    "pnum",
    "pno",
    "data_time",
    "crc_declared",
    "crc_computed",
    "length_declared",
)


def from_batch(batch: Batch, n: int) -> list[dict[str, Any]]:
    """One dict per frame, of the Packet's fields (``raw`` aside) as the tables hold them."""
    assert batch.packets["frame"].to_list() == list(range(n))
    out = [dict(zip(_HEADER, row, strict=True)) for row in batch.packets.select(_HEADER).rows()]
    for record in out:
        record["values"] = {}
        record["fields"] = {}
    for frame, code, key, text, number in batch.values.select(
        "frame", "code", "key", "text", "number"
    ).iter_rows():
        entry = out[frame]["values"].setdefault(code, {})
        assert key not in entry
        entry[key] = text if number is None else number
        assert (text is None) is (number is not None)
    for frame, key, value in batch.fields.iter_rows():
        assert key not in out[frame]["fields"]
        out[frame]["fields"][key] = value
    return out


def from_packet(frame: bytes) -> dict[str, Any]:
    packet = parse_packet(frame)
    record = {name: getattr(packet, name) for name in _HEADER}
    if packet.data_time is not None:
        record["data_time"] = packet.data_time.astimezone(dt.UTC)
    record["values"] = packet.values
    record["fields"] = packet.fields
    return record


def assert_same(frames: list[bytes]) -> Batch:
    batch = parse_batch(frames)
    got = from_batch(batch, len(frames))
    for frame, record in zip(frames, got, strict=True):
        assert record == from_packet(frame), frame
    return batch


def _marked(test: Any, argument: str) -> list[Any]:
    """The values of one argument of a parametrized test of test_packet."""
    (mark,) = [m for m in test.pytestmark if m.name == "parametrize"]
    names = (
        [name.strip() for name in mark.args[0]]
        if isinstance(mark.args[0], tuple)
        else [mark.args[0]]
    )
    at = names.index(argument)
    return [row[at] if len(names) > 1 else row for row in mark.args[1]]


def _case_frames() -> list[bytes]:
    frames = [f for f in _marked(cases.test_frame_length_crc_and_encoding_are_strict, "frame")]
    frames += [
        build_frame(s)
        for s in _marked(cases.test_malformed_fields_make_the_packet_invalid, "segment")
    ]
    frames += [
        build_frame(f"ST=91;CN=9015;PW=123456;MN=M1;Flag=0;CP=&&{cp}&&")
        for cp in _marked(cases.test_data_area, "cp")
    ]
    frames += [
        build_frame(f"{head};CP=&&DataTime=20240101110000;w01018-Avg=1&&")
        for head in _marked(cases.test_fields_in_any_order, "head")
    ]
    frames += [
        build_frame(
            "ST=32;CN=2011;PW=123456;MN=M1"
            + ("" if flag is None else f";Flag={flag}")
            + ";CP=&&w01018-Rtd=1&&"
        )
        for flag in _marked(cases.test_flag_versions, "flag")
    ]
    frames += [
        build_frame(f"ST=32;CN=2011;PW=123456;MN=M1;CP=&&{old}-Rtd=1.5,{old}-Flag=N&&")
        for old in _marked(cases.test_code_mapping, "old")
    ]
    frames += [
        build_frame(f"ST=32;CN=2011;PW=1;MN=M1;CP=&&DataTime={text}&&")
        for text in _marked(cases.test_data_time, "text")
    ]
    hourly = build_frame(cases.HOURLY_2017)
    frames += [
        hourly,
        hourly[:-2],
        hourly[:-6] + hourly[-6:-2].lower() + b"\r\n",
        cases.LOST_BYTES_CRC_MATCHES,
        cases.frame_of(cases.FLUE_2005.encode(), crc="0000"),
    ]
    return frames


# what the columns must not read differently from Python: numbers float() takes or refuses,
# repeated and misplaced names, a second CP=&&, non-ASCII text, limits of the header integers
_EDGES = [
    f"ST=32;CN=2011;PW=1;MN=M1;CP=&&w01018-Rtd={number}&&"
    for number in (
        "1.", ".5", "+1", "-0", "1e5", "1E+5", "1e-400", "1e400", "1_0", " 1", "1 ", "inf",
        "NaN", "0x10", "1e", ".", "-", "", "00012.500", "1.7976931348623157e308",
        "123456789012345678901234567890", "4.9e-324", "0.1000000000000000055511151231257827",
    )
] + [
    "ST=32;CN=2011;PW=1;MN=M1;MN=M2;Foo=1;Foo=2;CP=&&Foo=3;QN=9;MN=M3&&",
    "ST=32;CN=2011;PW=1;MN=M1;CP=&&a-b-c=1;a-Rtd=2,a-Rtd=x;011-Rtd=3;w01018-Rtd=4&&",
    "ST=32;CN=2011;PW=1;MN=M1;CP=&&w01018-Rtd=1=2&&",
    "ST=32;CN=2011;PW=1;MN=M1;CP=&&x=1;CP=&&y=2&&",
    "ST=32;CN=2011;PW=1;MN=M1;CP=&&x=1&&y=2&&",
    "ST=32;CN=2011;PW=1;MN=设备;CP=&&w01018-Flag=设&&",
    "ST=32;CN=2011;PW=1;MN=M1;Flag=0255;PNUM=9999;PNO=0000;CP=&&&&",
    "ST=32;CN=2011;PW=1;MN=M1;Flag=00256;CP=&&&&",
    "ST=32;CN=2011;PW=1;MN=M1;PNUM=10000;CP=&&&&",
    "ST=32;CN=2011;PW=1;MN=M1;PNO=;CP=&&&&",
    "ST=32;CN=2011;PW=1;MN=M1;Flag=;CP=&&&&",
    "ST=32;CN=201;PW=1;MN=M1;CP=&&&&",
    "ST=32;CN=2011;PW=1;MN=M1;;;CP=&&;;,,&&",
    "ST=32;CN=2011;PW=1;MN=M1;CP=&&DataTime=20160824003817;DataTime=x&&",
    "ST=32;CN=2011;PW=1;MN=M1;DataTime=20160824003817;CP=&&DataTime=x&&",
    "ST=32;CN=2011;PW=1;MN=M1;CP=&&DataTime=00010101080000&&",
    "ST=32;CN=2011;PW=1;MN=M1;CP=&&DataTime=99991231235959999&&",
    "ST=32;CN=2011;PW=1;MN=M1;CP=&&",
    "ST=32;CN=2011;PW=1;MN=M1;CP=&&&",
    "",
]  # fmt: skip


def test_the_cases_of_parse_packet() -> None:
    frames = _case_frames() + [build_frame(s) for s in _EDGES]
    frames += [b"##0000FFFF", b"##0000FFFF\r\n", b"\r\n", b"##", b"##abcd" + b"x" * 20]
    frames += [b"##%04d" % len(s) + s + b"FFFF" for s in (b"\xff" * 9, b"ST=1;CP=&&&&")]
    assert_same(frames)


def test_no_frames() -> None:
    batch = assert_same([])
    assert batch.packets.height == batch.values.height == batch.fields.height == 0


def test_most_real_frames_are_read_by_the_columns() -> None:
    frames = [build_frame(cases.HOURLY_2017), build_frame(cases.FLUE_2005), b"##00"]
    batch = assert_same(frames)
    assert batch.fallback == 1
    assert batch.values.filter(frame=0, code="w21003", key="Avg")["flag"].to_list() == ["N"]


_SEGMENT_TEXT = st.text(
    alphabet=st.sampled_from(list("=;,-&CPNQSTMWFlagRtdAvgOK01289.eE+x设 \x00")), max_size=120
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_SEGMENT_TEXT, _SEGMENT_TEXT), max_size=12))
def test_generated_frames(parts: list[tuple[str, str]]) -> None:
    frames = []
    for head, cp in parts:
        for segment in (head + cp, f"ST=32;CN=2011;PW=1;MN=M;{head}CP=&&{cp}&&"):
            if len(segment.encode()) <= MAX_SEGMENT:
                frames.append(build_frame(segment))
    assert_same(frames)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=12))
def test_generated_bytes(data: list[bytes]) -> None:
    frames = []
    for item in data:
        frames += [item, b"##" + item, b"##%04d" % len(item) + item + b"FFFF"]
    assert_same(frames)


def _corpus(files: list[Any]) -> list[bytes]:
    frames: list[bytes] = []
    for path in files:
        framer = Framer()
        items = framer.feed(path.read_bytes()) + framer.flush()
        frames += [item for item in items if isinstance(item, bytes)]
    return frames


@pytest.mark.skipif(not FILES, reason="shared/data/hj212/hebei-2016-08-24 is absent")
@pytest.mark.slow
def test_the_whole_recording() -> None:
    frames = _corpus(FILES)
    assert len(frames) == 190_366
    batch = assert_same(frames)
    assert batch.packets["valid"].sum() == 190_365
    assert batch.fallback < 100
