"""`jjj audit verify | export`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


@app.command()
def verify() -> None:
    """Check the whole hash chain; exit 1 naming the first broken entry."""
    from jingjinji.audit import service
    from jingjinji.cli import cli_session, console, fail

    with cli_session() as session:
        report = service.verify(session)
    if not report.ok:
        raise fail(
            f"audit chain broken at entry {report.first_broken_seq}: {report.reason} "
            f"({report.entries_checked} entries before it are intact)"
        )
    console.print(f"audit chain intact: {report.entries_checked} entries verified")


@app.command()
def export(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="file; default stdout")
    ] = None,
) -> None:
    """Write the audit trail as JSON lines (one entry a line, in chain order)."""
    import sys

    from jingjinji.audit import service
    from jingjinji.cli import cli_session, err_console

    count = 0
    with cli_session() as session:
        if output is None:
            for line in service.export_jsonl_lines(session):
                sys.stdout.write(line)
                count += 1
        else:
            with output.open("w", encoding="utf-8") as fh:
                for line in service.export_jsonl_lines(session):
                    fh.write(line)
                    count += 1
    err_console.print(f"exported {count} audit entries")
