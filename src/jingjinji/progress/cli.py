"""`jjj progress report | validate | summary`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from jingjinji.cli_output import Cell, FormatOption, ListFormat, print_table

app = typer.Typer(help="Coordinated-development tracking.", no_args_is_help=True)


def _report_language(lang: str | None) -> str:
    """``--lang`` as the catalogs name it; without it, the platform's default language."""
    from jingjinji.cli import fail
    from jingjinji.config import get_settings

    if lang is None:
        return get_settings().default_language
    chosen = {"en": "en", "zh-cn": "zh_CN", "zh_cn": "zh_CN", "zh": "zh_CN"}.get(lang.lower())
    if chosen is None:
        raise fail(f"--lang must be en or zh-CN, not {lang!r}", code=2)
    return chosen


@app.command()
def report(
    year: Annotated[int, typer.Option(help="report year (values up to this year)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="file to write")],
    jurisdiction: Annotated[
        str | None, typer.Option(help="e.g. 120000 (includes the jurisdictions below it)")
    ] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="md, html or pdf")] = "md",
    lang: Annotated[
        str | None,
        typer.Option(help="en or zh-CN; default: the platform's (JJJ_DEFAULT_LANGUAGE)"),
    ] = None,
) -> None:
    """Write the narrative progress report: a cover page, the contents, a section per area
    and the method notes (Markdown charts go to FILE_charts/*.svg). Progress goes to stderr."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from jingjinji.cli import cli_session, console, err_console, fail
    from jingjinji.errors import DomainError
    from jingjinji.progress import report as report_mod
    from jingjinji.regions import service as regions

    if format not in report_mod.FORMATS:
        raise fail(f"--format must be one of {', '.join(report_mod.FORMATS)}", code=2)
    if not 1900 <= year <= 2100:
        raise fail("--year must be between 1900 and 2100", code=2)
    language = _report_language(lang)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
    )
    try:
        with progress, cli_session() as session:
            task = progress.add_task("Gathering the figures", total=3)
            if jurisdiction:
                regions.jurisdiction_or_invalid(session, code=jurisdiction, loc=["jurisdiction"])
            built = report_mod.build_report(
                session, year=year, jurisdiction=jurisdiction, lang=language
            )
            progress.update(
                task,
                advance=1,
                description=f"Rendering the {format} report ({len(built.areas)} areas, {language})",
            )
            files = report_mod.write_report(built, fmt_name=format, output=output)
            progress.update(task, advance=2, description=f"Rendering done: {format}, {language}")
    except DomainError as exc:
        raise fail(exc.detail, code=2) from exc
    for path in files:
        console.print(f"wrote {path}")


@app.command()
def validate(
    rules: Annotated[
        Path | None, typer.Option(help="a rule set JSON file; default: the shipped data/rules.json")
    ] = None,
    indicator: Annotated[str | None, typer.Option()] = None,
    jurisdiction: Annotated[str | None, typer.Option()] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Run the validation rules on every stored value and list each violation.

    Exit status 1 when a rule of severity 'error' is violated, else 0."""
    from rich.table import Table

    from jingjinji.cli import cli_session, fail
    from jingjinji.errors import DomainError
    from jingjinji.progress import rules as rules_mod
    from jingjinji.progress import service

    try:
        ruleset = rules_mod.load_ruleset(rules)
        with cli_session() as session:
            result = service.validate(
                session, ruleset=ruleset, indicator=indicator, jurisdiction=jurisdiction
            )
    except (DomainError, OSError) as exc:
        raise fail(getattr(exc, "detail", str(exc)), code=2) from exc
    if as_json:
        print(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        table = Table(
            title=f"{len(result.violations)} violation(s) of {result.rules} rules "
            f"in {result.checked_values} values"
        )
        for column in ("indicator", "jurisdiction", "period", "rule", "severity", "message"):
            table.add_column(column)
        for v in result.violations:
            table.add_row(
                v.indicator_code, v.jurisdiction_code, v.period, v.rule_id, v.severity, v.message
            )
        print_table(table)
    if any(v.severity == "error" for v in result.violations):
        raise typer.Exit(1)


@app.command()
def summary(
    year: Annotated[int | None, typer.Option()] = None,
    jurisdiction: Annotated[str | None, typer.Option()] = None,
    area: Annotated[str | None, typer.Option()] = None,
    output_format: FormatOption = ListFormat.table,
) -> None:
    """Print the progress table: latest value, change and status per series."""
    from jingjinji.cli import cli_session, fail
    from jingjinji.cli_output import write_rows
    from jingjinji.errors import DomainError
    from jingjinji.progress import service
    from jingjinji.progress.labels import fmt, fmt_pct

    try:
        with cli_session() as session:
            rows = service.progress_rows(session, year=year, jurisdiction=jurisdiction, area=area)
    except DomainError as exc:
        raise fail(exc.detail, code=2) from exc
    # The table shows numbers for reading; CSV and JSON keep them as numbers.
    shown = output_format is ListFormat.table
    listed: list[dict[str, Cell]] = [
        {
            "indicator": r.indicator_code,
            "jurisdiction": r.jurisdiction_code,
            "period": r.latest_period,
            "value": fmt(r.latest_value) if shown else r.latest_value,
            "unit": r.unit,
            "change_pct": fmt_pct(r.change_previous_pct) if shown else r.change_previous_pct,
            "status": r.status,
        }
        for r in rows
    ]
    write_rows(
        ("indicator", "jurisdiction", "period", "value", "unit", "change_pct", "status"),
        listed,
        output_format=output_format,
        title=f"{len(rows)} indicator series",
        empty="no indicator series",
    )
