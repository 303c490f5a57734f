"""`jjj credit uscc | deadline` (no database) and the commands other credit modules add."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jingjinji.cli_output import Cell, FormatOption, ListFormat

if TYPE_CHECKING:
    from jingjinji.credit.kernels.uscc import UsccCheck

app = typer.Typer(
    help="The unified social credit system: codes, deadlines, reports.", no_args_is_help=True
)

USCC_TABLE_COLUMNS = ("code", "result", "authority", "category", "region", "kind")
USCC_COLUMNS = (
    "code",
    "valid",
    "reason",
    "reason_code",
    "position",
    "expected",
    "authority",
    "authority_name",
    "category",
    "category_name",
    "region_code",
    "province_name",
    "province_code",
    "subject_kind",
)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
KIND_WORDS = {
    "working": "working day",
    "adjusted_working": "adjusted working day (weekend worked)",
    "weekend": "weekend",
    "holiday": "public holiday",
    "unknown_working": "weekday (no official data)",
    "unknown_weekend": "weekend (no official data)",
    "extra_working": "configured working day (JJJ_WORKDAYS)",
    "extra_holiday": "configured holiday (JJJ_HOLIDAYS)",
}


def _uscc_row(check: UsccCheck) -> dict[str, Cell]:
    return {c: getattr(check, c) for c in USCC_COLUMNS}


def _uscc_table_row(check: UsccCheck) -> dict[str, Cell]:
    def named(code: str | None, name: str | None) -> str:
        return "" if code is None else f"{code} {name}" if name else code

    return {
        "code": check.code,
        "result": "valid" if check.valid else check.reason,
        "authority": named(check.authority, check.authority_name),
        "category": named(check.category, check.category_name),
        "region": named(check.region_code, check.province_name),
        "kind": check.subject_kind,
    }


@app.command("uscc")
def uscc_command(
    codes: Annotated[list[str], typer.Argument(help="Unified Social Credit Codes (18 characters)")],
    output_format: FormatOption = ListFormat.table,
) -> None:
    """Check Unified Social Credit Codes (GB 32100-2015) and decode them; exit 1 if any fails."""
    from jingjinji.cli_output import write_rows
    from jingjinji.credit.kernels.uscc import check_uscc

    checks = [check_uscc(code.strip()) for code in codes]
    if output_format is ListFormat.table:
        rows = [_uscc_table_row(c) for c in checks]
        columns: tuple[str, ...] = USCC_TABLE_COLUMNS
    else:
        rows = [_uscc_row(c) for c in checks]
        columns = USCC_COLUMNS
    write_rows(
        columns,
        rows,
        output_format=output_format,
        title="Unified Social Credit Codes",
        empty="no codes",
    )
    if not all(c.valid for c in checks):
        raise typer.Exit(1)


def _parse_day(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {value!r}", param_hint=option) from exc


@app.command("deadline")
def deadline_command(
    decided: Annotated[str, typer.Option(help="decision date, YYYY-MM-DD")],
    working_days: Annotated[
        int | None,
        typer.Option(
            min=0, help="working days to publish in (default JJJ_CREDIT_PUBLICATION_WORKING_DAYS)"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The publication deadline of a licence or penalty decision on China's official calendar
    (adjusted working weekends included), with the days skipped and counted."""
    from jingjinji.cli import console, fail
    from jingjinji.config import get_settings
    from jingjinji.credit.kernels.publicity import publication_deadline
    from jingjinji.workdays import calendar_from_settings, covered_years, official_day_kind

    day = _parse_day(decided, "--decided")
    settings = get_settings()
    try:
        calendar = calendar_from_settings(settings)
    except ValueError as exc:
        raise fail(f"JJJ_HOLIDAYS / JJJ_WORKDAYS: {exc}") from exc
    n = settings.credit_publication_working_days if working_days is None else working_days
    try:
        deadline = publication_deadline(day, calendar=calendar, working_days=n)
    except (ValueError, OverflowError) as exc:
        raise fail(str(exc)) from exc
    days = calendar.days_between(day, deadline)
    skipped = [(d, k) for d, k in days if not calendar.is_working_day(d)]
    adjusted = [(d, k) for d, k in days if k in ("adjusted_working", "extra_working")]
    uncovered = sorted({d.year for d in (day, deadline) if not calendar.covers(d)})
    first, last = covered_years()
    if as_json:
        out = {
            "decided": day.isoformat(),
            "decided_kind": official_day_kind(day),
            "working_days": n,
            "deadline": deadline.isoformat(),
            "skipped": [{"date": d.isoformat(), "kind": k} for d, k in skipped],
            "adjusted_working_days": [{"date": d.isoformat(), "kind": k} for d, k in adjusted],
            "official_data": {"first_year": first, "last_year": last},
            "outside_official_data": uncovered,
        }
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return

    def show(d: dt.date) -> str:
        return f"{d.isoformat()} {WEEKDAYS[d.weekday()]}"

    console.print(
        f"decided:  {show(day)} ({KIND_WORDS[official_day_kind(day)]}; it does not count)",
        markup=False,
        highlight=False,
    )
    console.print(
        f"deadline: {show(deadline)} ({n} working days after the decision)",
        markup=False,
        highlight=False,
    )
    if skipped:
        console.print(f"skipped ({len(skipped)} days):", markup=False, highlight=False)
        for d, kind in skipped:
            console.print(f"  {show(d)}  {KIND_WORDS[kind]}", markup=False, highlight=False)
    else:
        console.print("skipped: none", markup=False, highlight=False)
    if adjusted:
        console.print(
            f"adjusted working days counted ({len(adjusted)}):", markup=False, highlight=False
        )
        for d, kind in adjusted:
            console.print(f"  {show(d)}  {KIND_WORDS[kind]}", markup=False, highlight=False)
    for year in uncovered:
        console.print(
            f"warning: {year} is outside the official calendar data ({first}-{last}): only "
            "weekends and the configured JJJ_HOLIDAYS / JJJ_WORKDAYS count, holidays and "
            "adjusted working days of that year are unknown",
            markup=False,
            highlight=False,
        )


@app.command("verify-report")
def verify_report(
    file: Annotated[Path, typer.Argument(help="a credit report: its PDF or its JSON")],
    output_format: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    offline: Annotated[
        bool, typer.Option("--offline", help="check the signature only, not the database")
    ] = False,
) -> None:
    """Check a credit report: its signature against the platform's public keys and, with a
    database (JJJ_DATABASE_URL, or var/jingjinji.db when it exists), that its verification code
    was issued with this payload. Exit 1 when it is not valid."""
    import json
    import os

    from sqlalchemy.exc import SQLAlchemyError

    from jingjinji.audit import service as audit
    from jingjinji.cli import cli_session, console, fail
    from jingjinji.config import get_settings
    from jingjinji.credit.service import reports

    if output_format not in ("text", "json"):
        raise fail(f"--format must be text or json, not {output_format!r}", code=2)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc}", code=2) from None
    settings = get_settings()
    use_database = not offline and (
        bool(os.environ.get("JJJ_DATABASE_URL")) or (settings.var_dir / "jingjinji.db").exists()
    )
    try:
        if use_database:
            with cli_session() as session:
                result = reports.verify_document(data, session=session)
        else:
            result = reports.verify_document(data)
    except audit.AuditKeyError as exc:
        raise fail(f"cannot read the platform's public keys: {exc}", code=2) from None
    except SQLAlchemyError as exc:
        raise fail(f"cannot check the database (use --offline): {exc}", code=2) from None
    if output_format == "json":
        typer.echo(json.dumps(result.model_dump(), ensure_ascii=False))
    elif result.valid:
        checked = (
            "issued with this payload" if result.checked_against_database else "signature only"
        )
        console.print(
            f"valid: report {result.verification_code} of {result.uscc} as of {result.as_of}, "
            f"signed with key {result.key_id} ({checked})",
            markup=False,
            highlight=False,
        )
    else:
        console.print(f"invalid: {result.reason}", markup=False, highlight=False)
    if not result.valid:
        raise typer.Exit(1)
