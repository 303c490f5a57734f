"""`jjj water ...`: cross-border river commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
