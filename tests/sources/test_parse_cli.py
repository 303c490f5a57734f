"""`jjj sources parse`: JSON Lines for each packet and dropped run of bytes, framed as a TCP
stream; a summary on stderr; exit 0 whatever the packets, 1 when the input cannot be read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from jingjinji.cli import app
from jingjinji.sources.kernels import build_frame, crc_hex

MN = "010000A8900016F000169DC0"
HOURLY = build_frame(
    f"QN=20240101120000123;ST=32;CN=2061;PW=123456;MN={MN};Flag=5;"
    "CP=&&DataTime=20240101110000;w01018-Avg=78.0,w01018-Flag=N&&"
)
FLUE_2005 = build_frame(
    "ST=31;CN=2011;PW=123456;MN=LD130182000052;CP=&&DataTime=20160824003817000;"
    "02-Rtd=3.1,02-Flag=N;S01-Rtd=20.4&&"
)
HEARTBEAT = build_frame("ST=32;CN=8013;PW=123456;MN=ZG130182201205;Flag=0;CP=&&HeartbeatTime=120&&")
_BAD_SEGMENT = b"ST=32;CN=2011;PW=123456;MN=LD1;CP=&&011-Rtd=1&&"
BAD_CRC = b"##%04d%sABCD\r\n" % (len(_BAD_SEGMENT), _BAD_SEGMENT)
SHORT = b"##%04d%s%s\r\n" % (len(_BAD_SEGMENT) + 3, _BAD_SEGMENT, crc_hex(_BAD_SEGMENT).encode())


def run(*args: str, stdin: bytes | None = None) -> tuple[int, list[dict[str, Any]], str]:
    result = CliRunner().invoke(app, ["sources", "parse", *args], input=stdin, prog_name="jjj")
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, records, result.stderr


def test_a_captured_stream(tmp_path: Path) -> None:
    """Frames glued and split across lines, with garbage and broken frames between them."""
    capture = tmp_path / "capture.h212"
    capture.write_bytes(HOURLY + FLUE_2005[:30] + FLUE_2005[30:] + b"noise" + BAD_CRC + SHORT)
    code, records, _ = run(str(capture))
    assert code == 0
    assert [(r["valid"], r.get("reason")) for r in records] == [
        (True, None),
        (True, None),
        (False, "framing"),
        (False, "crc"),
        (False, "length"),
    ]
    hourly, flue, noise, bad_crc, short = records
    assert hourly["version"] == 2017
    assert (hourly["cn"], hourly["mn"], hourly["qn"], hourly["flag"]) == (
        "2061",
        MN,
        "20240101120000123",
        5,
    )
    assert hourly["data_time"] == "2024-01-01T11:00:00+08:00"
    assert hourly["values"] == {"w01018": {"Avg": 78.0, "Flag": "N"}}
    assert hourly["crc_declared"] == hourly["crc_computed"]
    assert "reason" not in hourly
    assert flue["version"] == 2005
    assert flue["values"] == {"a21026": {"Rtd": 3.1, "Flag": "N"}, "a19001": {"Rtd": 20.4}}
    assert noise["raw"] == "noise"
    assert bad_crc["detail"] == f"CRC declared ABCD, computed {crc_hex(_BAD_SEGMENT)}"
    assert bad_crc["mn"] == "LD1"
    assert (
        short["detail"]
        == f"declared {len(_BAD_SEGMENT) + 3:04d} bytes, got {len(_BAD_SEGMENT):04d}"
    )
    assert short["cn"] == "2011"


def test_one_packet_per_line_with_lf_only(tmp_path: Path) -> None:
    typed = tmp_path / "typed.txt"
    lines = [frame.rstrip(b"\r\n") for frame in (HOURLY, FLUE_2005, HEARTBEAT)]
    typed.write_bytes(b"\n".join(lines) + b"\n\n")
    code, records, _ = run(str(typed))
    assert code == 0
    assert [(r["valid"], r["cn"]) for r in records] == [
        (True, "2061"),
        (True, "2011"),
        (True, "8013"),
    ]


def test_stdin_and_summary() -> None:
    code, records, stderr = run("-", "--summary", stdin=HOURLY + HEARTBEAT * 2 + BAD_CRC)
    assert code == 0
    assert len(records) == 4
    rows = {tuple(line.split()) for line in stderr.splitlines()}
    assert ("│", "valid", "│", "│", "8013", "│", "2", "│") in rows
    assert ("│", "invalid", "│", "crc", "│", "2011", "│", "1", "│") in rows
    assert ("│", "total", "│", "│", "│", "4", "│") in rows


def test_an_unreadable_input_is_an_error(tmp_path: Path) -> None:
    for target in (tmp_path / "absent.h212", tmp_path):
        result = CliRunner().invoke(app, ["sources", "parse", str(target)], prog_name="jjj")
        assert result.exit_code == 1
        assert f"cannot read {target}" in result.stderr
        assert result.stdout == ""
