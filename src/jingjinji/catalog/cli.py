"""`jjj catalog list | report`."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

app = typer.Typer(help="The regional data catalog and its sharing report.", no_args_is_help=True)


@app.command("list")
def list_command(
    jurisdiction: Annotated[str | None, typer.Option(help="e.g. 110000")] = None,
    sharing_class: Annotated[
        str | None, typer.Option("--class", help="unconditional, conditional or not_shared")
    ] = None,
    domain: Annotated[str | None, typer.Option(help="e.g. environment")] = None,
) -> None:
    """List the catalogued datasets."""
    from jingjinji.catalog import service
    from jingjinji.cli import cli_session, console, fail
    from jingjinji.errors import DomainError
    from jingjinji.security import SYSTEM_ACTOR

    table = Table(title="Data catalog")
    for column in ("code", "title", "owner", "domain", "cycle", "class", "public", "fields"):
        table.add_column(column)
    count = 0
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
                    table.add_row(
                        out.code,
                        f"{out.title_zh} / {out.title_en}",
                        out.owner_name_zh,
                        out.domain,
                        out.update_cycle,
                        out.sharing_class,
                        "yes" if out.open_to_public else "no",
                        str(len(out.fields)),
                    )
                    count += 1
                if cursor is None:
                    break
        except DomainError as exc:
            raise fail(exc.detail) from exc
    console.print(table)
    console.print(f"{count} dataset(s)")


@app.command("report")
def report_command(
    jurisdiction: Annotated[str, typer.Option(help="110000, 120000 or 130000")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The sharing-and-exchange level report of one provincial-level jurisdiction."""
    from jingjinji.catalog import service
    from jingjinji.cli import cli_session, console, fail
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
    console.print(table)
