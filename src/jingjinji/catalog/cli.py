"""`jjj catalog list | report`."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from jingjinji.cli_output import Cell, FormatOption, ListFormat

app = typer.Typer(help="The regional data catalog and its sharing report.", no_args_is_help=True)

DATASET_COLUMNS = ("code", "title", "owner", "domain", "cycle", "class", "public", "fields")


@app.command("list")
def list_command(
    jurisdiction: Annotated[str | None, typer.Option(help="e.g. 110000")] = None,
    sharing_class: Annotated[
        str | None, typer.Option("--class", help="unconditional, conditional or not_shared")
    ] = None,
    domain: Annotated[str | None, typer.Option(help="e.g. environment")] = None,
    output_format: FormatOption = ListFormat.table,
) -> None:
    """List the catalogued datasets."""
    from jingjinji.catalog import service
    from jingjinji.cli import cli_session, console, fail
    from jingjinji.cli_output import write_rows
    from jingjinji.errors import DomainError
    from jingjinji.security import SYSTEM_ACTOR

    listed: list[dict[str, Cell]] = []
    with cli_session() as session:
        cursor: str | None = None
        try:
            while True:
                rows, cursor = service.list_datasets(
                    session,
                    actor=SYSTEM_ACTOR,
                    jurisdiction=jurisdiction,
                    sharing_class=sharing_class,
                    domain=domain,
                    cursor=cursor,
                    limit=500,
                )
                for d in rows:
                    out = service.dataset_out(session, d)
                    listed.append(
                        {
                            "code": out.code,
                            "title": f"{out.title_zh} / {out.title_en}",
                            "owner": out.owner_name_zh,
                            "domain": out.domain,
                            "cycle": out.update_cycle,
                            "class": out.sharing_class,
                            "public": out.open_to_public,
                            "fields": len(out.fields),
                        }
                    )
                if cursor is None:
                    break
        except DomainError as exc:
            raise fail(exc.detail) from exc
    write_rows(
        DATASET_COLUMNS,
        listed,
        output_format=output_format,
        title="Data catalog",
        empty="no datasets",
    )
    if output_format is ListFormat.table and listed:
        console.print(f"{len(listed)} dataset(s)")


@app.command("report")
def report_command(
    jurisdiction: Annotated[str, typer.Option(help="110000, 120000 or 130000")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The sharing-and-exchange level report of one provincial-level jurisdiction."""
    from jingjinji.catalog import service
    from jingjinji.cli import cli_session, console, fail
    from jingjinji.cli_output import print_table
    from jingjinji.config import get_settings
    from jingjinji.errors import DomainError

    with cli_session() as session:
        try:
            report = service.sharing_report(
                session, jurisdiction_code=jurisdiction, settings=get_settings()
            )
        except DomainError as exc:
            raise fail(exc.detail) from exc
    if as_json:
        console.print_json(json.dumps(report.model_dump()))
        return
    table = Table(title=f"Sharing and exchange report: {report.name_en} ({report.name_zh})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in report.model_dump().items():
        if key in ("jurisdiction_code", "name_zh", "name_en"):
            continue
        if key == "answered_within_deadline_share" and value is not None:
            shown = f"{value * 100:.1f}%"
        else:
            shown = "-" if value is None else str(value)
        table.add_row(key, shown)
    print_table(table)
