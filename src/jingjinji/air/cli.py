"""`jjj air ...`: air-quality commands."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jingjinji.cli_output import UNBOUNDED_WIDTH, FormatOption, ListFormat
from jingjinji.timezone import china_today

if TYPE_CHECKING:
    from jingjinji.security import Actor

# Heavy modules (polars, SQLAlchemy, the air service and kernels) are imported inside the
# commands that use them: `jjj --help` must not pay for them (tests/test_cli.py).

app = typer.Typer(help="Joint air-quality monitoring.", no_args_is_help=True)


@app.command("aqi")
def aqi_command(
    input_csv: Annotated[Path, typer.Argument(help="CSV of concentrations (ug/m3, CO mg/m3)")],
    standard: Annotated[
        str,
        typer.Option(help="hj633-2012, hj633-2026, or auto (per row from a `date` column)"),
    ] = "hj633-2026",
    report: Annotated[str, typer.Option(help="daily or hourly")] = "daily",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="default: stdout")] = None,
) -> None:
    """Compute IAQI, AQI, level, category and primary pollutants for each row of a CSV file."""
    from jingjinji.air.aqi_file import run

    run(input_csv, standard=standard, report=report, output=output)


CLI_ACTOR_CHANNEL = "cli"


def _cli_actor() -> Actor:
    from jingjinji.security import SYSTEM_ACTOR

    return dataclasses.replace(SYSTEM_ACTOR, channel=CLI_ACTOR_CHANNEL)


def _date_option(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=name) from None


@app.command("load-stations")
def load_stations_command() -> None:
    """Create or update the station registry (135 stations) from the package data."""
    from jingjinji.air import service
    from jingjinji.cli import cli_session, console

    with cli_session() as session:
        count = service.load_stations(session, actor=_cli_actor())
    console.print(f"{count} stations loaded")


@app.command("register-datasets")
def register_datasets_command() -> None:
    """Register the air datasets of each environment agency in the data catalog."""
    from jingjinji.air import datasets
    from jingjinji.cli import cli_session, console

    with cli_session() as session:
        codes = datasets.register_datasets(session, actor=_cli_actor())
    console.print("\n".join(codes) or "no environment agency registered")


@app.command("import-beijing-multisite")
def import_beijing_multisite_command(
    directory: Annotated[Path, typer.Argument(help="folder with the PRSA_Data_*.csv files")],
    strict: Annotated[bool, typer.Option(help="abort on any invalid row")] = False,
    verify: Annotated[bool, typer.Option(help="check SHA256SUMS when present")] = True,
) -> None:
    """Import the Beijing multi-site data (12 stations, ~420,768 station-hours); idempotent."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from jingjinji.air import importer, service
    from jingjinji.air.models import Station
    from jingjinji.air.service import ATTRIBUTION
    from jingjinji.cli import cli_session, console, fail
    from jingjinji.errors import DomainError

    if not directory.is_dir():
        raise fail(f"{directory} is not a folder")
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        rows_task = progress.add_task("station-hours", total=None)
        daily_task = progress.add_task("daily statistics", total=None)

        def report(name: str, done: int, total: int) -> None:
            task = daily_task if name.startswith("daily") else rows_task
            progress.update(task, completed=done, total=total, description=name)

        try:
            with cli_session() as session:
                if session.get(Station, "1001A") is None:
                    service.load_stations(session, actor=_cli_actor())
                summary = importer.import_beijing_multisite(
                    session,
                    directory,
                    actor=_cli_actor(),
                    progress=report,
                    strict=strict,
                    verify=verify,
                )
        except DomainError as exc:
            raise fail(exc.detail) from None
    elapsed = time.perf_counter() - started
    console.print(
        f"{summary.rows:,} rows from {summary.files} files in {elapsed:.1f}s "
        f"({summary.rows / max(elapsed, 1e-9):,.0f} rows/s): inserted {summary.inserted:,}, "
        f"updated {summary.updated:,}, unchanged {summary.unchanged:,}, "
        f"rejected {summary.rejected:,}; {summary.daily_rows:,} station-days; "
        f"checksums verified: {summary.checksums_verified}"
    )
    for item in summary.issues[:20]:
        console.print(f"  {item.get('file')}: row {item['row']} {item['column']}: {item['reason']}")
    console.print(f"[dim]{ATTRIBUTION}[/]")


@app.command("recompute")
def recompute_command(
    station: Annotated[list[str] | None, typer.Option(help="station code (repeatable)")] = None,
) -> None:
    """Recompute the cached GB 3095 daily statistics from the stored hourly values."""
    from jingjinji.air import service
    from jingjinji.cli import cli_session, console

    with cli_session() as session:
        count = service.recompute_all(session, station_codes=station or None)
    console.print(f"{count} station-days recomputed")


@app.command("daily")
def daily_command(
    city: Annotated[str | None, typer.Option(help="city code, e.g. 110000")] = None,
    station: Annotated[str | None, typer.Option(help="station code, e.g. 1001A")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="first date, YYYY-MM-DD")] = None,
    to: Annotated[str | None, typer.Option("--to", help="last date, YYYY-MM-DD")] = None,
    output_format: FormatOption = ListFormat.table,
    standard: Annotated[
        str | None, typer.Option(help="hj633-2012 or hj633-2026 (default: by date)")
    ] = None,
) -> None:
    """Daily AQI, level, primary pollutants and the daily concentrations used."""
    import polars as pl
    from rich.console import Console
    from rich.table import Table

    from jingjinji.air import kernels, service
    from jingjinji.cli import cli_session, console, fail
    from jingjinji.errors import DomainError

    if (city is None) == (station is None):
        raise fail("give exactly one of --city or --station")
    start, end = _date_option(from_, "--from"), _date_option(to, "--to")
    try:
        with cli_session() as session:
            codes = (
                [station]
                if station
                else service.station_codes_of_city(session, city_code=city or "")
            )
            span = service.date_span(session, station_codes=codes) if codes else None
            if end is None:
                end = span[1] if span else china_today()
            if start is None:
                start = end - dt.timedelta(days=30)
            service.check_range(start, end)
            service.check_standard(standard, loc=["--standard"])
            if city is not None:
                frame = service.city_daily_frame(
                    session, city_code=city, start=start, end=end, standard=standard
                )
            else:
                frame = service.station_daily_frame(
                    session, station_code=station or "", start=start, end=end, standard=standard
                )
    except DomainError as exc:
        raise fail(exc.detail) from None
    columns = ["date", "aqi", "level", "category", "primary_pollutants", *service.DAILY_COLUMNS]
    frame = frame.with_columns(
        pl.col("level")
        .map_elements(lambda v: kernels.category_en(int(v)), return_dtype=pl.Utf8)
        .alias("category")
    ).select(columns)
    if output_format is ListFormat.csv:
        from jingjinji import numbers
        from jingjinji.air.exports import column_decimals

        decimals = [column_decimals(n, t) for n, t in frame.schema.items()]
        sys.stdout.write(numbers.frame_csv(frame, decimals))
        return
    if output_format is ListFormat.json:
        rounded = frame.with_columns(*(pl.col(c).round(3) for c in service.DAILY_COLUMNS))
        sys.stdout.write(json.dumps(rounded.to_dicts(), default=str, indent=2) + "\n")
        return
    if frame.is_empty():
        console.print(f"no daily values for {city or station}, {start} .. {end}")
        return
    table = Table(
        title=f"Daily AQI, {city or station}, {start} .. {end} ({standard or 'standard by date'})"
    )
    for name in columns:
        table.add_column(
            name, justify="left" if name in {"date", "category", "primary_pollutants"} else "right"
        )
    for row in frame.iter_rows(named=True):
        cells = []
        for name in columns:
            value = row[name]
            if value is None:
                cells.append("-")
            elif isinstance(value, float):
                cells.append(f"{value:.2f}" if name == "co" else f"{value:.0f}")
            else:
                cells.append(str(value))
        table.add_row(*cells)
    # On a terminal at least 160 columns (it may scroll); through a pipe as wide as the table.
    wide = (
        Console(width=max(console.width, 160))
        if console.is_terminal
        else Console(width=UNBOUNDED_WIDTH)
    )
    wide.print(table)
    wide.print(
        "[dim]Concentrations in ug/m3, CO in mg/m3; city values average the "
        "stations' GB 3095-valid daily values.[/]"
    )


@app.command("export")
def export_command(
    city: Annotated[str | None, typer.Option(help="city code, e.g. 110000")] = None,
    station: Annotated[str | None, typer.Option(help="station code, e.g. 1001A")] = None,
    kind: Annotated[
        str, typer.Option(help="daily, hourly, raw (one station), monthly or yearly")
    ] = "daily",
    from_: Annotated[str | None, typer.Option("--from", help="first date, YYYY-MM-DD")] = None,
    to: Annotated[str | None, typer.Option("--to", help="last date, YYYY-MM-DD")] = None,
    file_format: Annotated[str, typer.Option("--file-format", help="csv or parquet")] = "csv",
    standard: Annotated[
        str | None, typer.Option(help="hj633-2012 or hj633-2026 (default: by date)")
    ] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="default: stdout")] = None,
) -> None:
    """Download a series of any length, as GET /api/v1/air/export does: written a window of
    dates at a time while it is computed (memory does not grow with the range)."""
    from pydantic import ValidationError

    from jingjinji.air import exports
    from jingjinji.air.schemas import ExportQuery
    from jingjinji.cli import cli_session, fail
    from jingjinji.errors import DomainError

    try:
        query = ExportQuery.model_validate(
            {
                "city": city,
                "station": station,
                "kind": kind,
                "start": from_,
                "end": to,
                "format": file_format,
                "standard": standard,
            }
        )
    except ValidationError as exc:
        raise fail("; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())) from None
    try:
        with cli_session() as session:
            plan = exports.plan_export(session, actor=_cli_actor(), query=query)
            sink = output.open("wb") if output is not None else sys.stdout.buffer
            try:
                for chunk in exports.export_chunks(session, plan):
                    sink.write(chunk)
            finally:
                if output is not None:
                    sink.close()
    except DomainError as exc:
        raise fail(exc.detail) from None
