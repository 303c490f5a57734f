"""The output of every `jjj` list command: one `--format` option and one writer.

Every list command takes ``FormatOption`` and writes through :func:`write_rows`, so a pipe gets
whole values, a CSV its header and JSON a list, also when nothing matched. Tables printed
elsewhere go through :func:`print_table`. Light to import (Typer and Rich only): domain ``cli``
modules import it at start-up.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

console = Console(soft_wrap=True)  # messages whole, as in jingjinji.cli


class ListFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


FormatOption = Annotated[
    ListFormat,
    typer.Option("--format", help="table, csv or json (a table through a pipe is never cut)"),
]

# A table through a pipe or into a file is as wide as its widest row: Rich would otherwise cut
# values to the 80 columns it assumes when stdout is not a terminal.
UNBOUNDED_WIDTH = 100_000


def print_table(table: Table) -> None:
    """Print ``table`` on the terminal's width, or whole when stdout is not a terminal."""
    if console.is_terminal:
        console.print(table)
    else:
        Console(width=UNBOUNDED_WIDTH).print(table)


Cell = str | int | float | bool | None


def write_rows(
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Cell]],
    *,
    output_format: ListFormat,
    title: str,
    empty: str,
) -> None:
    """``rows`` (one mapping per row, keyed by ``columns``) as a table, CSV or JSON on stdout.

    An empty result says ``empty`` in a table run; its CSV is the header alone, its JSON ``[]``.
    """
    if output_format is ListFormat.json:
        listed = [{c: row.get(c) for c in columns} for row in rows]
        sys.stdout.write(json.dumps(listed, ensure_ascii=False, indent=2) + "\n")
        return
    if output_format is ListFormat.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_cell_text(row.get(c)) for c in columns] for row in rows)
        return
    if not rows:
        console.print(empty, markup=False, highlight=False)
        return
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        # Text, not str: a value holding "[...]" is data, not Rich markup.
        table.add_row(*(Text(_cell_text(row.get(c))) for c in columns))
    print_table(table)


def _cell_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
