"""`jjj sources parse FILE|-`: check and read HJ 212 packets, one JSON object per packet.

Pure: no database, no network. The input is framed as a TCP stream is (by ``##`` and the
declared length) and parsed in the same pass by the compiled parser
(``sources.kernels.PacketFramer``: what ``Framer`` then ``parse_packet`` give), so a captured
byte stream and a file of one packet per line both work; in a file whose lines end in LF only
(typed or pasted packets) each LF is read as the CRLF the standard requires. Blank lines
between packets are skipped.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO

import typer

from jingjinji.sources.cli import app

if TYPE_CHECKING:
    from jingjinji.sources.kernels import FramingError

CHUNK = 1 << 16  # bytes read at a time: memory stays bounded whatever the file's size


@app.command("parse")
def parse_command(
    source: Annotated[
        str, typer.Argument(metavar="FILE|-", help="raw packets: a file, or - for stdin")
    ],
    summary: Annotated[
        bool,
        typer.Option("--summary", help="count packets by validity, reason and CN on stderr"),
    ] = False,
) -> None:
    """Check and read raw HJ 212 packets: one JSON object per line for each packet or dropped
    run of bytes (valid, reason, detail, version, ST, CN, MN, QN, Flag, data time in China
    time, CRCs, values by 2017 pollutant code). Exits 0 whatever the packets are, 1 when the
    input cannot be read."""
    import json

    from jingjinji.cli import fail

    counts: Counter[tuple[str, str, str]] = Counter()
    write = sys.stdout.write
    try:
        with _open(source) as stream:
            for record in records(stream):
                counts[_summary_key(record)] += 1
                write(json.dumps(record, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise fail(f"cannot read {source}: {exc.strerror or exc}") from None
    sys.stdout.flush()
    if summary:
        _print_summary(counts)


def _open(source: str) -> AbstractContextManager[BinaryIO]:
    if source == "-":
        return nullcontext(sys.stdin.buffer)
    path = Path(source)
    if path.is_dir():
        raise IsADirectoryError(21, "is a directory")
    return path.open("rb")


def records(stream: BinaryIO) -> Iterator[dict[str, object]]:
    """The JSON objects of the packets and dropped bytes of ``stream``, a chunk at a time."""
    from jingjinji.sources.kernels import FramingError, PacketFramer

    framer = PacketFramer()
    lf_only: bool | None = None  # decided on the first chunk
    while True:
        chunk = stream.read(CHUNK)
        if chunk:
            if lf_only is None:
                lf_only = b"\n" in chunk and b"\r\n" not in chunk
            items = framer.feed(chunk.replace(b"\n", b"\r\n") if lf_only else chunk)
        else:
            items = framer.flush()
        for item in items:
            if isinstance(item, FramingError):
                if item.data.strip():
                    yield _dropped(item)
            else:
                record = item.to_json()
                if not record["valid"]:
                    record["raw"] = item.raw.decode("utf-8", "replace")
                yield record
        if not chunk:
            return


def _dropped(error: FramingError) -> dict[str, object]:
    """Bytes the framer dropped. A frame of a wrong length is read as far as it goes (its MN
    and CN say which logger sends broken frames); the framer's reason and detail stand."""
    from jingjinji.sources.kernels import parse_native

    record: dict[str, object] = {}
    if error.reason == "length":
        record = parse_native(error.data).to_json()
    record.update(
        valid=False,
        reason=error.reason,
        detail=error.detail,
        raw=error.data.decode("utf-8", "replace"),
    )
    return record


def _summary_key(record: dict[str, object]) -> tuple[str, str, str]:
    validity = "valid" if record["valid"] else "invalid"
    return validity, str(record.get("reason") or ""), str(record.get("cn") or "")


def _print_summary(counts: Counter[tuple[str, str, str]]) -> None:
    """Counts by validity, reason and CN, as a table on stderr (stdout keeps the JSON)."""
    from rich.table import Table

    from jingjinji.cli import err_console

    table = Table("validity", "reason", "CN", "packets")
    for (validity, reason, cn), count in sorted(counts.items()):
        table.add_row(validity, reason, cn, f"{count:,}")
    table.add_row("total", "", "", f"{sum(counts.values()):,}", end_section=True)
    err_console.print(table)
