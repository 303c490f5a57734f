"""`jjj water ...`: cross-border river commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jingjinji.cli_output import FormatOption, ListFormat, write_rows

# Heavy modules (polars, numpy, SQLAlchemy, the water kernels and service) are imported inside
# the commands that use them: `jjj --help` must not pay for them (tests/test_cli.py).

app = typer.Typer(help="Cross-border rivers: water quality by GB 3838.", no_args_is_help=True)


@app.command("assess")
def assess_command(
    input_csv: Annotated[
        Path, typer.Argument(help="CSV of measurements (mg/L; pH no unit; fecal coliform per L)")
    ],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="default: stdout")] = None,
    reference: Annotated[
        str,
        typer.Option(help="class multiples are counted against: iii, or target (target_class)"),
    ] = "iii",
) -> None:
    """Classify each row by GB 3838: item classes, section class, grade, exceedance multiples
    and main pollutants."""
    from jingjinji.water.assess_file import run

    run(input_csv, reference=reference, output=output)


@app.command("status")
def status_command(
    year: Annotated[int, typer.Option(min=1900, max=2200, help="calendar year")],
    month: Annotated[
        int | None, typer.Option(min=1, max=12, help="a month of the year (default: the year)")
    ] = None,
    by: Annotated[
        str, typer.Option(help="river, river_system, basin or jurisdiction (monitoring province)")
    ] = "river",
    output_format: FormatOption = ListFormat.table,
) -> None:
    """Water-quality status per river (or river system, basin, province) from the stored
    samples: sections assessed, shares in I-III and inferior V, status, main pollutants."""
    from jingjinji.cli import cli_session, fail
    from jingjinji.errors import InvalidInput
    from jingjinji.water.service import assessment

    try:
        with cli_session() as session:
            rows = assessment.status_table(session, year=year, month=month, by=by)
    except InvalidInput as exc:
        raise fail(f"--by: {exc.errors[0]['msg'] if exc.errors else exc}") from exc
    columns = ["key", "name_en", "n_sections", "share_i_iii", "share_inferior_v", "status"]
    write_rows(
        [*columns, "method", "main_pollutants"],
        [
            {
                **{c: getattr(r, c) for c in columns},
                "method": r.method,
                "main_pollutants": ";".join(r.main_pollutants),
            }
            for r in rows
        ],
        output_format=output_format,
        title=f"Water status by {by}, {year}" + (f"-{month:02d}" if month else ""),
        empty="No sections to assess.",
    )


@app.command("import")
def import_command(
    csv_file: Annotated[
        Path,
        typer.Argument(help="CSV: section_code, sampled_at, kind, one column per item"),
    ],
    source: Annotated[str, typer.Option(help="where the values come from (kept)")] = "",
) -> None:
    """Store a CSV file of samples as one batch, whole or not at all (as the upload page
    does; a time without an offset is China time; <0.01 is below the detection limit). Every
    problem is listed by row (the file's line, header = 1) and column."""
    import dataclasses

    from jingjinji.cli import cli_session, console, fail
    from jingjinji.errors import DomainError, InvalidInput
    from jingjinji.security import SYSTEM_ACTOR
    from jingjinji.water.service import samples_csv

    if not csv_file.is_file():
        raise fail(f"{csv_file} is not a file")
    if csv_file.stat().st_size > samples_csv.MAX_CSV_BYTES:
        raise fail(
            f"{csv_file} is larger than {samples_csv.MAX_CSV_BYTES >> 20} MiB: split it "
            "(each part is stored whole or not at all)"
        )
    actor = dataclasses.replace(SYSTEM_ACTOR, username="cli", channel="cli")
    try:
        with cli_session() as session:
            done = samples_csv.load_samples_csv(
                session,
                actor=actor,
                data=csv_file.read_bytes(),
                channel="cli",
                source=source or csv_file.name,
            )
            summary = (
                f"ingestion {done.id}: {done.rows_received:,} rows, {done.inserted:,} new, "
                f"{done.updated:,} changed (kept as revisions), {done.unchanged:,} unchanged"
            )
    except InvalidInput as exc:
        for error in exc.errors[:50]:
            where = f"row {error.get('row')}, {error.get('column')}" if error.get("row") else "file"
            console.print(f"  {where}: {error.get('reason', error.get('msg'))}")
        if len(exc.errors) > 50:
            console.print(f"  ... {len(exc.errors) - 50} more")
        raise fail(exc.detail) from None
    except DomainError as exc:
        raise fail(exc.detail) from None
    console.print(summary)


@app.command("publish-indicators")
def publish_indicators_command(
    year: Annotated[int, typer.Option(help="the year to compute (China time)", min=2000)],
) -> None:
    """Compute the year's water indicators from the stored samples (sections meeting their
    target, cross-border ones apart, and inferior-V sections, per province and for the region)
    and submit them to the progress tracker as the office; the catalog's water datasets are
    registered too. Running it again changes nothing unless the samples changed."""
    import dataclasses

    from jingjinji.cli import cli_session, console, fail
    from jingjinji.errors import DomainError
    from jingjinji.security import SYSTEM_ACTOR
    from jingjinji.water import flows

    actor = dataclasses.replace(SYSTEM_ACTOR, username="cli", channel="cli")
    try:
        with cli_session() as session:
            flows.register_datasets(session, actor=actor)
            done = flows.publish_indicators(session, actor=actor, year=year)
    except DomainError as exc:
        raise fail(exc.detail) from None
    console.print(
        f"{year}: {done.stored} value(s) stored, {done.revised} revised, "
        f"{done.unchanged} unchanged; indicators created: {', '.join(done.created) or 'none'}"
    )
