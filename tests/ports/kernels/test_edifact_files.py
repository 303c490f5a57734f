"""Whole files: the synthetic samples, the service string advice, line breaks, character sets,
truncation at every byte, the limits, and arbitrary bytes (only ``EdifactError`` may escape)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jingjinji.ports
from jingjinji.i18n import translate
from jingjinji.ports.kernels.edifact import (
    EdifactError,
    EdifactResult,
    container_check_digit,
    parse_interchange,
)

SAMPLES = Path(jingjinji.ports.__file__).parent / "data" / "edifact"
GOOD = sorted(p.name for p in SAMPLES.glob("*.edi") if not p.name.startswith("bad_"))

# A CODECO of two messages in the default service characters, one segment per line.
PLAIN = (
    "UNB+UNOA:2+TJXGCT:ZZ+JJJPORTS:ZZ+261130:0815+X1'\n"
    "UNH+1+CODECO:D:95B:UN:ITG14'\nBGM+34+GI1+9'\nEQD+CN+JJJU1000010+22G1:102:5++2+5'\n"
    "RFF+BN:BK?'01'\nDTM+7:202611300742:203'\nLOC+165+CNTXG:139:6'\nUNT+7+1'\n"
    "UNH+2+CODECO:D:95B:UN:ITG14'\nBGM+36+GO1+9'\nEQD+CN+BHHU2000104+45G1:102:5++2+4'\n"
    "DTM+7:202611300755:203'\nLOC+165+CNCFD:139:6'\nUNT+6+2'\n"
    "UNZ+2+X1'\n"
)


def read(name: str) -> EdifactResult:
    return parse_interchange((SAMPLES / name).read_bytes())


def summary(result: EdifactResult) -> list[tuple[object, ...]]:
    return [
        (
            e["equipmentEventTypeCode"],
            e["equipmentReference"],
            e["emptyIndicatorCode"],
            e["eventDateTime"],
        )
        for e in result.events
    ]


def test_samples_readme_says_synthetic() -> None:
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in readme.lower()
    for name in [*GOOD, "bad_counts.edi"]:
        assert name in readme


@pytest.mark.parametrize("name", GOOD)
def test_good_samples_have_no_errors_and_valid_container_numbers(name: str) -> None:
    result = read(name)
    assert result.errors == []
    assert result.events
    assert result.messages == result.messages_accepted
    for event in result.events:
        number = str(event["equipmentReference"])
        valid = container_check_digit(number) == int(number[10])
        assert valid or name == "warn_check_digit.edi"


def test_the_sample_journey_tianjin_to_huanghua() -> None:
    # One container discharged at Tianjin from the mother vessel, loaded on the Bohai feeder,
    # discharged at Huanghua: the same feeder call id for loading at CNTXG is not Huanghua's.
    discharged = read("coarri_discharge_cntxg.edi")
    loaded = read("coarri_loading_cntxg_feeder.edi")
    arrived = read("coarri_discharge_cnhha.edi")
    assert summary(discharged)[0] == ("DISC", "JJJU1000026", "LADEN", "2026-11-28T22:10:00+08:00")
    assert summary(loaded)[0] == ("LOAD", "JJJU1000026", "LADEN", "2026-11-29T13:10:00+08:00")
    assert summary(arrived)[0] == ("DISC", "JJJU1000026", "LADEN", "2026-11-30T05:10:00+08:00")
    feeder_out = loaded.events[0]["transportCall"]
    feeder_in = arrived.events[0]["transportCall"]
    assert isinstance(feeder_out, dict) and isinstance(feeder_in, dict)
    assert (feeder_out["UNLocationCode"], feeder_in["UNLocationCode"]) == ("CNTXG", "CNHHA")
    assert feeder_out["vessel"] == feeder_in["vessel"]
    assert discharged.sources[1].gross_weight_kg == 21850.5  # decimal comma in the file


def test_the_custom_una_sample_equals_its_plain_reading() -> None:
    result = read("codeco_gatein_cncfd_una_wrapped.edi")
    assert summary(result) == [("GTIN", "JJJU1000047", "LADEN", "2026-12-02T09:05:00+08:00")]
    assert result.events[0]["eventLocation"] == {
        "UNLocationCode": "CNCFD",
        "facilityCode": "CFDCT",
        "facilityCodeListProvider": "SMDG",
    }


def test_bad_samples() -> None:
    mixed = read("bad_mixed_messages.edi")
    assert [s.message_ref for s in mixed.sources] == ["M1"]
    assert [(e.message_ref, e.segment_tag, e.element) for e in mixed.errors] == [
        ("M2", "BGM", "1:1"),
        ("M3", "EQD", "2:1"),
    ]
    counts = read("bad_counts.edi")
    assert [s.message_ref for s in counts.sources] == ["C1"]
    assert [(e.message_ref, e.segment_tag, e.element) for e in counts.errors] == [
        ("C2", "UNT", "1"),
        (None, "UNZ", "1"),
    ]
    cut = read("bad_truncated.edi")
    assert cut.events == []
    assert {e.segment_tag for e in cut.errors} >= {"UNZ"}
    assert any("without its UNT" in e.reason for e in cut.errors)
    warned = read("warn_check_digit.edi")
    assert [(w.segment_tag, w.element) for w in warned.warnings] == [("EQD", "2:1")]


EXPECTED_PLAIN = [
    ("GTIN", "JJJU1000010", "LADEN", "2026-11-30T07:42:00+08:00"),
    ("GTOT", "BHHU2000104", "EMPTY", "2026-11-30T07:55:00+08:00"),
]


def wrapped(text: str, width: int, newline: str) -> str:
    flat = text.replace("\n", "")
    return newline.join(flat[i : i + width] for i in range(0, len(flat), width))


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda t: t, id="LF per segment"),
        pytest.param(lambda t: t.replace("\n", "\r\n"), id="CRLF per segment"),
        pytest.param(lambda t: t.replace("\n", "\r"), id="CR per segment"),
        pytest.param(lambda t: t.replace("\n", ""), id="one line"),
        pytest.param(lambda t: "UNA:+.? '\r\n" + t, id="default UNA"),
        pytest.param(lambda t: "\ufeff" + t, id="byte order mark"),
        pytest.param(lambda t: wrapped(t, 80, "\r\n"), id="wrapped at 80 CRLF"),
        pytest.param(lambda t: wrapped(t, 7, "\n"), id="wrapped at 7"),
        pytest.param(lambda t: wrapped(t, 1, "\n"), id="one character a line"),
        pytest.param(
            lambda t: (
                "UNA|*,# ~"
                + t.translate(str.maketrans({":": "|", "+": "*", "'": "~", "?": "#"}))
                # an apostrophe is plain data under these characters: no release needed
                .replace("BK#~01", "BK'01")
            ),
            id="own service characters",
        ),
        pytest.param(
            lambda t: "UNA:+.? \n" + t.replace("'\n", "\n").replace("?\n", "?'"),
            id="newline as terminator",
        ),
    ],
)
def test_service_characters_and_line_breaks(variant: Callable[[str], str]) -> None:
    text = variant(PLAIN)
    result = parse_interchange(text.encode("utf-8"))
    assert result.errors == []
    assert summary(result) == EXPECTED_PLAIN
    refs = result.events[0]["documentReferences"]
    assert refs == [{"documentReferenceType": "BKG", "documentReferenceValue": "BK'01"}]


def test_character_sets() -> None:
    latin = PLAIN.replace("UNOA", "UNOC").replace("RFF+BN:BK?'01", "RFF+BN:BK?'01'FTX+AAI+++Müller")
    latin = latin.replace("UNT+7+1", "UNT+8+1")
    result = parse_interchange(latin.encode("latin-1"))
    assert result.errors == []
    chinese = PLAIN.replace("RFF+BN:BK?'01", "RFF+BN:BK?'01'FTX+AAI+++天津港").replace(
        "UNT+7+1", "UNT+8+1"
    )
    assert parse_interchange(chinese.encode("utf-8")).errors == []  # declared UNOA, sent UTF-8
    with pytest.raises(EdifactError) as caught:
        parse_interchange(PLAIN.encode("ascii").replace(b"BK?'01", b"BK\xff\xfe01"))
    assert "UNOA" in caught.value.reason


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b" \r\n\t", "empty"),
        (b"UNA:+", "UNA"),
        (b"UNA::.? '", "two purposes"),
        (b"UNH+1+CODECO:D:95B:UN'", "UNB"),
        (b"hello world", "UNB"),
        (b"UNB+UNOA:2+A:ZZ+B:ZZ", "UNB"),
        (b"UNB+UNOA:2+A:ZZ'UNZ+0+X'", "UNB"),
    ],
)
def test_files_refused_whole(data: bytes, words: str) -> None:
    with pytest.raises(EdifactError) as caught:
        parse_interchange(data)
    assert words in caught.value.reason
    assert translate("zh_CN", caught.value.reason) != str(caught.value.reason)


def test_size_limit_checked_before_reading() -> None:
    data = PLAIN.encode()
    assert parse_interchange(data, max_bytes=len(data)).errors == []
    with pytest.raises(EdifactError) as caught:
        parse_interchange(data, max_bytes=len(data) - 1)
    assert f"{len(data)} bytes" in caught.value.reason
    with pytest.raises(EdifactError):
        parse_interchange(data + b"UNH+9'" * 1_000_000)  # 6 MB over the default limit


def test_message_count_limit() -> None:
    data = PLAIN.encode()
    assert parse_interchange(data, max_messages=2).errors == []
    with pytest.raises(EdifactError) as caught:
        parse_interchange(data, max_messages=1)
    assert "2 messages" in caught.value.reason


def test_a_cut_anywhere_is_reported_never_silent() -> None:
    # Every prefix of the file is either refused or reports an error; the messages that were
    # complete before the cut still come out.
    data = PLAIN.encode()
    end = len(data.rstrip(b"\n"))
    first_message_end = data.index(b"UNT+7+1'") + len(b"UNT+7+1'")
    for cut in range(end):
        try:
            result = parse_interchange(data[:cut])
        except EdifactError:
            assert cut < data.index(b"'") + 1  # only while the UNB is incomplete
            continue
        assert result.errors, cut
        if cut >= first_message_end:
            assert summary(result)[:1] == EXPECTED_PLAIN[:1], cut


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_arbitrary_bytes_raise_only_the_kernels_error(data: bytes) -> None:
    with contextlib.suppress(EdifactError):
        parse_interchange(data)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mangled_interchanges_raise_only_the_kernels_error(draw: st.DataObject) -> None:
    # Arbitrary bytes rarely get past the UNB; mangling a good file reaches every rule.
    data = bytearray(PLAIN.encode())
    for _ in range(draw.draw(st.integers(1, 6))):
        position = draw.draw(st.integers(0, len(data)))
        action = draw.draw(st.sampled_from(["insert", "delete", "replace"]))
        byte = draw.draw(st.sampled_from(list(b"'+:?\n\r UNHTZ0123456789\xff\x00AB")))
        if action == "insert":
            data.insert(position, byte)
        elif position < len(data):
            if action == "delete":
                del data[position]
            else:
                data[position] = byte
    try:
        result = parse_interchange(bytes(data))
    except EdifactError:
        return
    # never silent: exactly the rejected messages have errors
    rejected = {e.message_index for e in result.errors if e.message_index is not None}
    assert len(rejected) == result.messages_rejected
    assert len(result.events) == len(result.sources)


def test_a_released_line_break_terminator_stops_reading_with_an_error() -> None:
    # With a line break as the segment terminator, "?\n" releases it; pydifact cannot read
    # that, so the kernel reports where reading stopped instead of losing the rest silently.
    text = "UNA:+.? \n" + PLAIN.replace("'\n", "\n").replace("BK?'01", "BK?\n01")
    result = parse_interchange(text.encode())
    assert result.events == []
    assert "segment 5 cannot be read" in result.errors[-2].reason
    assert [e.segment_tag for e in result.errors][-1] == "UNZ"
