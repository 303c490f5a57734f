"""`jjj air ...`: air-quality commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Joint air-quality monitoring.", no_args_is_help=True)


@app.command("aqi")
def aqi_command(
    input_csv: Annotated[Path, typer.Argument(help="CSV of concentrations (ug/m3, CO mg/m3)")],
    standard: Annotated[str, typer.Option(help="hj633-2012 or hj633-2026")] = "hj633-2026",
    report: Annotated[str, typer.Option(help="daily or hourly")] = "daily",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="default: stdout")] = None,
) -> None:
    """Compute IAQI, AQI, level, category and primary pollutants for each row of a CSV file."""
    from jingjinji.air.aqi_file import run

    run(input_csv, standard=standard, report=report, output=output)
