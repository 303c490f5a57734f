"""Each rule of the EDIFACT kernel on its own: an interchange is built from a good CODECO or
COARRI with one segment changed, and the test names what must come out (the error's segment
and element, or the event's field)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from jingjinji.i18n import translate
from jingjinji.ports.kernels.edifact import EdifactResult, parse_interchange

GOOD_CODECO = [
    "BGM+34+GI1+9",
    "EQD+CN+JJJU1000010+22G1:102:5++2+5",
    "RFF+BN:BK0001",
    "DTM+7:202611300742:203",
    "LOC+165+CNTXG:139:6+TCT:TER:ZZZ",
    "SEL+SL001+CA",
]
GOOD_COARRI = [
    "BGM+46+LD1+9",
    "TDT+20+B118S+1+13+JJJ:172:306+++9423102:146:11:BOHAI PIONEER:CN",
    "EQD+CN+HHGU3000203+22G1:102:5++2+5",
    "RFF+BM:BL0001",
    "LOC+147+0010184::5",
    "LOC+9+CNTXG:139:6",
    "LOC+11+CNHHA:139:6",
    "MEA+WT++KGM:19000",
    "DTM+203:202611291311:203",
]


@dataclass
class Msg:
    body: list[str]
    ref: str = "1"
    kind: str = "CODECO:D:95B:UN:ITG14"
    unt: str | None = None  # the whole UNT, when the test wants a wrong one


@dataclass
class Interchange:
    messages: list[Msg] = field(default_factory=lambda: [Msg(list(GOOD_CODECO))])
    una: str = "UNA:+.? '"
    between: str = ""  # after each segment terminator (line breaks)
    unz: str | None = None
    after: list[str] = field(default_factory=list)  # segments after UNZ

    def build(self) -> bytes:
        segments = ["UNB+UNOA:2+TJXGCT:ZZ+JJJPORTS:ZZ+261130:0815+X1"]
        for m in self.messages:
            segments += [f"UNH+{m.ref}+{m.kind}", *m.body]
            segments.append(m.unt or f"UNT+{len(m.body) + 2}+{m.ref}")
        segments.append(self.unz or f"UNZ+{len(self.messages)}+X1")
        segments += self.after
        text = self.una + self.between + "".join(s + "'" + self.between for s in segments)
        return text.encode("latin-1")


def codeco(*changes: tuple[int, str | None], extra: tuple[str, ...] = ()) -> Interchange:
    """GOOD_CODECO with segment ``i`` replaced (``None`` removes it), ``extra`` appended."""
    return Interchange([Msg(_changed(GOOD_CODECO, changes) + list(extra))])


def coarri(*changes: tuple[int, str | None], extra: tuple[str, ...] = ()) -> Interchange:
    body = _changed(GOOD_COARRI, changes) + list(extra)
    return Interchange([Msg(body, kind="COARRI:D:95B:UN:ITG13")])


def _changed(body: list[str], changes: tuple[tuple[int, str | None], ...]) -> list[str]:
    out: list[str | None] = list(body)
    for index, segment in changes:
        out[index] = segment
    return [s for s in out if s is not None]


def parse(interchange: Interchange) -> EdifactResult:
    return parse_interchange(interchange.build())


def test_the_good_codeco() -> None:
    result = parse(Interchange())
    assert (result.errors, result.warnings) == ([], [])
    assert result.events == [
        {
            "eventType": "EQUIPMENT",
            "eventClassifierCode": "ACT",
            "eventDateTime": "2026-11-30T07:42:00+08:00",
            "equipmentEventTypeCode": "GTIN",
            "equipmentReference": "JJJU1000010",
            "ISOEquipmentCode": "22G1",
            "emptyIndicatorCode": "LADEN",
            "eventLocation": {
                "UNLocationCode": "CNTXG",
                "facilityCode": "TCT",
                "facilityCodeListProvider": "SMDG",
            },
            "documentReferences": [
                {"documentReferenceType": "BKG", "documentReferenceValue": "BK0001"}
            ],
            "seals": [{"sealNumber": "SL001", "sealType": "BLT", "sealSource": "CAR"}],
        }
    ]
    assert (result.messages, result.messages_accepted, result.messages_rejected) == (1, 1, 0)
    header = result.interchange
    assert header is not None
    assert (header.sender, header.recipient, header.control_ref, header.syntax) == (
        "TJXGCT",
        "JJJPORTS",
        "X1",
        "UNOA:2",
    )


def test_the_good_coarri() -> None:
    result = parse(coarri())
    assert (result.errors, result.warnings) == ([], [])
    (event,) = result.events
    call = event["transportCall"]
    assert isinstance(call, dict)
    assert event["equipmentEventTypeCode"] == "LOAD"
    assert event["eventLocation"] == {"UNLocationCode": "CNTXG"}  # loaded at the port of loading
    assert call["UNLocationCode"] == "CNTXG"
    assert (call["carrierVoyageNumber"], call["exportVoyageNumber"]) == ("B118S", "B118S")
    assert "importVoyageNumber" not in call
    assert call["modeOfTransport"] == "VESSEL"
    assert call["vessel"] == {
        "vesselIMONumber": "9423102",
        "vesselName": "BOHAI PIONEER",
        "vesselFlag": "CN",
        "vesselOperatorCarrierCode": "JJJ",
        "vesselOperatorCarrierCodeListProvider": "SMDG",
    }
    assert event["documentReferences"] == [
        {"documentReferenceType": "TRD", "documentReferenceValue": "BL0001"}
    ]
    (source,) = result.sources
    assert (source.stowage_location, source.gross_weight_kg) == ("0010184", 19000.0)
    assert (source.port_of_loading, source.port_of_discharge) == ("CNTXG", "CNHHA")


def test_the_discharge_happens_at_the_port_of_discharge() -> None:
    result = parse(coarri((0, "BGM+44+DS1+9")))
    (event,) = result.events
    call = event["transportCall"]
    assert isinstance(call, dict)
    assert event["equipmentEventTypeCode"] == "DISC"
    assert event["eventLocation"] == {"UNLocationCode": "CNHHA"}
    assert (call["UNLocationCode"], call["importVoyageNumber"]) == ("CNHHA", "B118S")


def test_one_call_one_transport_call_id() -> None:
    # The id is derived from vessel, voyage and port: the same call reported twice, or by two
    # messages, gets the same id; another port gets another.
    first = parse(coarri()).events[0]["transportCall"]
    again = parse(coarri((6, "LOC+147+0990000::5"))).events[0]["transportCall"]
    other = parse(coarri((0, "BGM+44+DS1+9"))).events[0]["transportCall"]
    assert isinstance(first, dict) and isinstance(again, dict) and isinstance(other, dict)
    assert first["transportCallID"] == again["transportCallID"] != other["transportCallID"]


ERRORS = {
    "unknown BGM code": (codeco((0, "BGM+99+GI1+9")), "BGM", "1:1"),
    "BGM of the other message type": (codeco((0, "BGM+44+GI1+9")), "BGM", "1:1"),
    "no BGM": (codeco((0, None)), "BGM", None),
    "cancellation": (codeco((0, "BGM+34+GI1+1")), "BGM", "3"),
    "no EQD": (codeco((1, None), (2, None), (5, None)), "EQD", None),
    "EQD not a container": (codeco((1, "EQD+BB+JJJU1000010+22G1:102:5++2+5")), "EQD", "1"),
    "container too short": (codeco((1, "EQD+CN+JJJU100001+22G1:102:5++2+5")), "EQD", "2:1"),
    "container lower case": (codeco((1, "EQD+CN+jjju1000010+22G1:102:5++2+5")), "EQD", "2:1"),
    "container with a space": (codeco((1, "EQD+CN+JJJU 100001+22G1++2+5")), "EQD", "2:1"),
    "no container number": (codeco((1, "EQD+CN++22G1:102:5++2+5")), "EQD", "2:1"),
    "bad size-type": (codeco((1, "EQD+CN+JJJU1000010+22G:102:5++2+5")), "EQD", "3:1"),
    "no full/empty": (codeco((1, "EQD+CN+JJJU1000010+22G1:102:5++2")), "EQD", "6"),
    "unknown full/empty": (codeco((1, "EQD+CN+JJJU1000010+22G1:102:5++2+9")), "EQD", "6"),
    "no event time": (codeco((3, None)), "DTM", None),
    "event time of the wrong qualifier": (codeco((3, "DTM+203:202611300742:203")), "DTM", None),
    "date without time": (codeco((3, "DTM+7:20261130:102")), "DTM", "1:3"),
    "month 13": (codeco((3, "DTM+7:202613300742:203")), "DTM", "1:2"),
    "value of the wrong length": (codeco((3, "DTM+7:2026113007:203")), "DTM", "1:2"),
    "letters in the time": (codeco((3, "DTM+7:2026113007AB:203")), "DTM", "1:2"),
    "unknown zone": (codeco((3, "DTM+7:202611300742XYZ:303")), "DTM", "1:2"),
    "no place": (codeco((4, None)), "LOC", None),
    "place not a UN/LOCODE": (codeco((4, "LOC+165+CN1XG:139:6")), "LOC", "2:1"),
    "booking without number": (codeco((2, "RFF+BN")), "RFF", "1:2"),
    "seal number too long": (codeco((5, "SEL+SEAL0123456789AB+CA")), "SEL", "1"),
    "empty seal number": (codeco((5, "SEL++CA")), "SEL", "1"),
    "COARRI without TDT": (coarri((1, None)), "TDT", None),
    "COARRI TDT not main carriage": (coarri((1, "TDT+1+B118S+3")), "TDT", None),
    "COARRI without voyage": (coarri((1, "TDT+20++1+13+JJJ:172:306+++9423102:146")), "TDT", "2"),
    "loading without port of loading": (coarri((5, None)), "LOC", None),
    "discharge without port of discharge": (coarri((0, "BGM+44+DS1+9"), (6, None)), "LOC", None),
    "weight not a number": (coarri((7, "MEA+WT++KGM:19t")), "MEA", "3"),
    "weight in an unknown unit": (coarri((7, "MEA+WT++STN:19")), "MEA", "3"),
    "negative weight": (coarri((7, "MEA+WT++KGM:-5")), "MEA", "3"),
    "UNT count": (
        Interchange([Msg(list(GOOD_CODECO), unt=f"UNT+{len(GOOD_CODECO) + 3}+1")]),
        "UNT",
        "1",
    ),
    "UNT count not a number": (Interchange([Msg(list(GOOD_CODECO), unt="UNT+X+1")]), "UNT", "1"),
    "UNT reference": (
        Interchange([Msg(list(GOOD_CODECO), unt=f"UNT+{len(GOOD_CODECO) + 2}+2")]),
        "UNT",
        "2",
    ),
    "message type": (Interchange([Msg(list(GOOD_CODECO), kind="IFTSTA:D:95B:UN")]), "UNH", "2:1"),
    "directory not D": (
        Interchange([Msg(list(GOOD_CODECO), kind="CODECO:S:93A:UN")]),
        "UNH",
        "2:2",
    ),
}


@pytest.mark.parametrize(("interchange", "tag", "element"), ERRORS.values(), ids=ERRORS.keys())
def test_a_bad_message_is_reported_and_skipped(
    interchange: Interchange, tag: str, element: str | None
) -> None:
    result = parse(interchange)
    assert result.events == []
    assert (result.messages, result.messages_accepted) == (1, 0)
    assert [(e.message_index, e.segment_tag, e.element) for e in result.errors] == [
        (1, tag, element)
    ]
    (error,) = result.errors
    assert error.message_ref == "1"
    assert translate("zh_CN", error.reason) != str(error.reason)  # has its Chinese


@pytest.mark.parametrize(("interchange", "tag", "element"), ERRORS.values(), ids=ERRORS.keys())
def test_good_messages_beside_a_bad_one_still_come_out(
    interchange: Interchange, tag: str, element: str | None
) -> None:
    bad = interchange.messages[0]
    bad.ref = "2"
    if bad.unt is not None:
        bad.unt = bad.unt.rsplit("+", 1)[0] + ("+3" if element == "2" else "+2")
    interchange.messages = [
        Msg(list(GOOD_CODECO), ref="1"),
        bad,
        Msg(list(GOOD_COARRI), "3", "COARRI:D:95B:UN:ITG13"),
    ]
    result = parse(interchange)
    assert [e["equipmentEventTypeCode"] for e in result.events] == ["GTIN", "LOAD"]
    assert [s.message_ref for s in result.sources] == ["1", "3"]
    assert (result.messages, result.messages_accepted, result.messages_rejected) == (3, 2, 1)
    assert [(e.message_ref, e.segment_tag, e.element) for e in result.errors] == [
        ("2", tag, element)
    ]


WARNINGS = {
    "wrong check digit": (codeco((1, "EQD+CN+APNR7744962+22G1:102:5++2+5")), "EQD", "2:1"),
    "later directory": (
        Interchange([Msg(list(GOOD_CODECO), kind="CODECO:D:00B:UN")]),
        "UNH",
        "2:3",
    ),
    "terminal code too long": (codeco((4, "LOC+165+CNTXG:139:6+TERMINAL7:TER:ZZZ")), "LOC", "3:1"),
    "vessel by call sign": (
        coarri((1, "TDT+20+B118S+1+13+JJJ:172:306+++BVAB7:103::BOHAI")),
        "TDT",
        "8:1",
    ),
    "IMO check digit": (coarri((1, "TDT+20+B118S+1+13+JJJ:172:306+++9423103:146")), "TDT", "8:1"),
    "no vessel": (coarri((1, "TDT+20+B118S+1+13+JJJ:172:306")), "TDT", "8:1"),
}


@pytest.mark.parametrize(("interchange", "tag", "element"), WARNINGS.values(), ids=WARNINGS.keys())
def test_accepted_oddities_are_warnings(interchange: Interchange, tag: str, element: str) -> None:
    result = parse(interchange)
    assert result.errors == []
    assert len(result.events) == 1
    assert [(w.message_ref, w.segment_tag, w.element) for w in result.warnings] == [
        ("1", tag, element)
    ]


def test_a_vessel_without_imo_number_gives_a_call_without_vessel() -> None:
    result = parse(coarri((1, "TDT+20+B118S+1+13+JJJ:172:306+++BVAB7:103::BOHAI")))
    call = result.events[0]["transportCall"]
    assert isinstance(call, dict)
    assert "vessel" not in call
    assert call["carrierVoyageNumber"] == "B118S"


ENVELOPE = {
    "UNZ count": (Interchange(unz="UNZ+2+X1"), "UNZ", "1"),
    "UNZ reference": (Interchange(unz="UNZ+1+X2"), "UNZ", "2"),
    "segment after UNZ": (Interchange(after=["UNZ+1+X1"]), "UNZ", None),
}


@pytest.mark.parametrize(("interchange", "tag", "element"), ENVELOPE.values(), ids=ENVELOPE.keys())
def test_envelope_errors_keep_the_messages(
    interchange: Interchange, tag: str, element: str | None
) -> None:
    result = parse(interchange)
    assert len(result.events) == 1
    assert [(e.message_index, e.segment_tag, e.element) for e in result.errors] == [
        (None, tag, element)
    ]


def test_segments_outside_messages_and_functional_groups() -> None:
    raw = (
        Interchange().build().replace(b"UNH+", b"FTX+AAI+++STRAY'UNG+CODECO+A+B+261130:0815+1'UNH+")
    )
    raw = raw.replace(b"UNZ+", b"UNE+1+1'UNZ+")
    result = parse_interchange(raw)
    assert len(result.events) == 1
    assert [(e.segment_index, e.segment_tag) for e in result.errors] == [(2, "FTX")]


def test_a_missing_unt_is_reported_when_the_next_message_starts() -> None:
    raw = Interchange([Msg(list(GOOD_CODECO), "1"), Msg(list(GOOD_CODECO), "2")]).build()
    raw = raw.replace(b"UNT+8+1'", b"", 1)
    result = parse_interchange(raw)
    assert [s.message_ref for s in result.sources] == ["2"]
    assert [(e.message_ref, e.segment_tag) for e in result.errors] == [("1", "SEL")]
    assert "without its UNT" in result.errors[0].reason


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        ("DTM+7:202611300742:203", "2026-11-30T07:42:00+08:00"),
        ("DTM+7:20261130074205:204", "2026-11-30T07:42:05+08:00"),
        ("DTM+7:202611300742", "2026-11-30T07:42:00+08:00"),  # format inferred from length
        ("DTM+7:20261130074205", "2026-11-30T07:42:05+08:00"),
        ("DTM+7:202611300742UTC:303", "2026-11-30T07:42:00+00:00"),
        ("DTM+7:202611300742+08:303", "2026-11-30T07:42:00+08:00"),
        ("DTM+7:202611300742-0530:303", "2026-11-30T07:42:00-05:30"),
    ],
)
def test_event_time_formats(layout: str, expected: str) -> None:
    result = parse(codeco((3, layout)))
    assert result.errors == []
    assert result.events[0]["eventDateTime"] == expected


def test_local_times_follow_the_terminals_zone() -> None:
    raw = codeco().build()
    result = parse_interchange(raw, local=dt.timezone(dt.timedelta(hours=9)))
    assert result.events[0]["eventDateTime"] == "2026-11-30T07:42:00+09:00"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("4", "EMPTY"),
        ("5", "LADEN"),
        ("7", "LADEN"),
        ("8", "LADEN"),
        ("1", "LADEN"),
        ("6", "LADEN"),
    ],
)
def test_full_empty_indicator_8169(code: str, expected: str) -> None:
    result = parse(codeco((1, f"EQD+CN+JJJU1000010+22G1:102:5++2+{code}")))
    assert result.events[0]["emptyIndicatorCode"] == expected


@pytest.mark.parametrize(
    ("mea", "kg"),
    [
        ("MEA+WT++KGM:19000", 19000.0),
        ("MEA+WT++KGM:19000,5", 19000.5),
        ("MEA+WT++KGM:19000.5", 19000.5),
        ("MEA+WT++TNE:19.2", 19200.0),
        ("MEA+WT++LBR:1000", 453.592),
        ("MEA+AAE+G+KGM:21000", 21000.0),
        ("MEA+AAE+AAB+KGM:21000", 21000.0),
    ],
)
def test_gross_weight(mea: str, kg: float) -> None:
    result = parse(coarri((7, mea)))
    assert result.errors == []
    assert result.sources[0].gross_weight_kg == kg


def test_a_measurement_that_is_not_a_weight_is_passed_over() -> None:
    result = parse(coarri((7, "MEA+AAE+T+CEL:-18")))
    assert result.errors == []
    assert result.sources[0].gross_weight_kg is None


def test_release_characters() -> None:
    result = parse(codeco((2, "RFF+BN:BK?+1??2?:3?'4")))
    assert result.errors == []
    assert result.events[0]["documentReferences"] == [
        {"documentReferenceType": "BKG", "documentReferenceValue": "BK+1?2:3'4"}
    ]


def test_header_references_apply_to_every_container_once() -> None:
    body = [*GOOD_CODECO[:1], "RFF+BN:BK0001", "RFF+BM:BL7", *GOOD_CODECO[1:], "RFF+ZZZ:OTHER"]
    result = parse(Interchange([Msg(body)]))
    assert result.events[0]["documentReferences"] == [
        {"documentReferenceType": "BKG", "documentReferenceValue": "BK0001"},
        {"documentReferenceType": "TRD", "documentReferenceValue": "BL7"},
    ]


def test_several_containers_in_one_message() -> None:
    second = ["EQD+CN+BHHU2000104+45G1:102:5++2+4", "DTM+7:202611300755:203", "LOC+165+CNTXG"]
    result = parse(codeco(extra=tuple(second)))
    assert result.errors == []
    assert [e["equipmentReference"] for e in result.events] == ["JJJU1000010", "BHHU2000104"]
    assert [e["emptyIndicatorCode"] for e in result.events] == ["LADEN", "EMPTY"]
    assert [s.segment_index for s in result.sources] == [3, 8]


def test_a_groups_place_is_its_own_not_the_previous_groups() -> None:
    second = ["EQD+CN+BHHU2000104+45G1:102:5++2+4", "DTM+7:202611300755:203"]
    result = parse(codeco(extra=tuple(second)))
    assert result.events == []
    assert [(e.segment_index, e.segment_tag) for e in result.errors] == [(8, "LOC")]


def test_a_message_is_taken_whole_or_not_at_all() -> None:
    second = ["EQD+CN+BHHU2000104+45G1:102:5++2+4", "DTM+7:2026:203", "LOC+165+CNTXG:139:6"]
    result = parse(codeco(extra=tuple(second)))
    assert result.events == []
    assert [(e.segment_index, e.segment_tag) for e in result.errors] == [(9, "DTM")]


def test_a_header_problem_is_reported_once_for_all_containers() -> None:
    body = [
        *GOOD_CODECO[:1],
        "RFF+BN",
        *GOOD_CODECO[1:],
        "EQD+CN+BHHU2000104+45G1++2+4",
        "DTM+7:202611300755:203",
        "LOC+165+CNTXG",
    ]
    result = parse(Interchange([Msg(body)]))
    assert [(e.segment_index, e.segment_tag, e.element) for e in result.errors] == [
        (3, "RFF", "1:2")
    ]
