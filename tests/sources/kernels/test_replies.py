"""Replies in the sender's dialect: the standard's worked frames for 2017, the Hebei traffic's
form for 2005-era packets without a Flag."""

from __future__ import annotations

import pytest

from jingjinji.sources.kernels import (
    build_frame,
    data_reply,
    execution_reply,
    parse_packet,
    request_reply,
)

MN = "010000A8900016F000169DC0"


def upload(head: str) -> bytes:
    return build_frame(f"{head};CP=&&DataTime=20160801085000;w01018-Rtd=1&&")


def test_data_reply_is_the_standards_worked_frame() -> None:
    packet = parse_packet(upload(f"QN=20160801085000001;ST=32;CN=2011;PW=123456;MN={MN};Flag=5"))
    assert packet.reply_required
    reply = data_reply(packet)
    assert (
        reply
        == (
            f"##0087QN=20160801085000001;ST=91;CN=9014;PW=123456;MN={MN};Flag=4;CP=&&&&C241\r\n"
        ).encode()
    )


def test_request_reply_is_the_standards_worked_frame() -> None:
    request = build_frame(
        f"QN=20160801085857223;ST=32;CN=1062;PW=123456;MN={MN};Flag=5;CP=&&RtdInterval=30&&"
    )
    reply = request_reply(parse_packet(request), 1)
    assert (
        reply
        == (
            f"##0094QN=20160801085857223;ST=91;CN=9011;PW=123456;MN={MN};Flag=4;CP=&&QnRtn=1&&1B00\r\n"
        ).encode()
    )


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        # 2025 (Flag 8-11): same version bits, D and A clear
        (
            f"QN=20260101000000000;ST=31;CN=2051;PW=654321;MN={MN};Flag=11;PNUM=2;PNO=1",
            f"QN=20260101000000000;ST=91;CN=9012;PW=654321;MN={MN};Flag=8;CP=&&ExeRtn=1&&",
        ),
        # 2005-era without Flag: no Flag in the reply, the QN in the data area (as the Hebei
        # loggers' own 9012 replies: CP=&&QN=2016082400501001;ExeRtn=1&&)
        (
            "QN=20160824005010010;ST=32;CN=2011;PW=123456;MN=LD130100000452",
            "ST=91;CN=9012;PW=123456;MN=LD130100000452;CP=&&QN=20160824005010010;ExeRtn=1&&",
        ),
        (
            "ST=32;CN=2011;PW=123456;MN=LD130100000452",
            "ST=91;CN=9012;PW=123456;MN=LD130100000452;CP=&&ExeRtn=1&&",
        ),
        # 2005 with Flag=0: a Flag in the reply, no QN to echo
        (
            "ST=31;CN=2011;PW=123456;MN=LD1;Flag=1",
            "ST=91;CN=9012;PW=123456;MN=LD1;Flag=0;CP=&&ExeRtn=1&&",
        ),
    ],
    ids=["2025", "2005-qn", "2005", "2005-flag"],
)
def test_execution_reply_in_the_senders_dialect(head: str, expected: str) -> None:
    reply = execution_reply(parse_packet(upload(head)), 1)
    assert reply == build_frame(expected)


@pytest.mark.parametrize("flag", [None, 0, 1, 4, 5, 7, 9])
def test_replies_are_valid_packets_that_ask_for_nothing(flag: int | None) -> None:
    head = f"QN=20240101120000000;ST=32;CN=2011;PW=123456;MN={MN}"
    packet = parse_packet(upload(head if flag is None else f"{head};Flag={flag}"))
    for reply, cn in (
        (data_reply(packet), "9014"),
        (request_reply(packet, 3), "9011"),
        (execution_reply(packet, 100), "9012"),
    ):
        parsed = parse_packet(reply)
        assert parsed.valid, parsed.detail
        assert (parsed.cn, parsed.st, parsed.mn, parsed.pw) == (cn, "91", MN, "123456")
        assert not parsed.reply_required
        assert parsed.version == packet.version
        assert "20240101120000000" in (parsed.qn, parsed.fields.get("QN"))
