"""Demo data of the air domain: the station registry, the catalog datasets of the three
environment agencies and the real hourly history of Beijing's 12 stations (2013-03 .. 2017-02).

The history is the Beijing Multi-Site Air-Quality Data (Song Chen 2017, UCI Machine Learning
Repository, doi:10.24432/C5RK5G, CC BY 4.0), read from ``$JJJ_SHARED_DIR/data/air/
beijing-multisite`` (``JJJ_SHARED_DIR`` defaults to ``../shared`` next to the project). Without
it the demo continues with stations and datasets only.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from jingjinji.air import datasets, importer, service
from jingjinji.security import SYSTEM_ACTOR

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jingjinji.demo import DemoContext

RELATIVE = Path("data/air/beijing-multisite")
PROJECT_ROOT = Path(__file__).resolve().parents[3]


def history_dir() -> Path | None:
    """Where the Beijing multi-site files are, or None."""
    candidates: list[Path] = []
    explicit = os.environ.get("JJJ_SHARED_DIR")
    if explicit:
        candidates.append(Path(explicit) / RELATIVE)
    candidates += [
        Path.cwd().parent / "shared" / RELATIVE,
        PROJECT_ROOT.parent / "shared" / RELATIVE,
    ]
    for candidate in candidates:
        if candidate.is_dir() and any(candidate.glob(importer.FILE_GLOB)):
            return candidate
    return None


def load(session: Session, ctx: DemoContext) -> None:
    stations = service.load_stations(session, actor=SYSTEM_ACTOR)
    codes = datasets.register_datasets(session, actor=SYSTEM_ACTOR)
    ctx.values["air_stations"] = stations
    ctx.values["air_datasets"] = codes
    if ctx.values.get("skip_air_history"):
        return
    directory = history_dir()
    console = ctx.console
    if directory is None:
        message = (
            "demo: air history not found (looked for $JJJ_SHARED_DIR/data/air/beijing-multisite "
            "and ../shared/data/air/beijing-multisite); continuing without it"
        )
        if console is not None:
            console.print(f"[yellow]{message}[/]")
        else:
            print(message)
        return
    started = time.perf_counter()
    if console is None:
        summary = importer.import_beijing_multisite(session, directory, actor=SYSTEM_ACTOR)
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        ) as progress:
            rows = progress.add_task("air: Beijing station-hours", total=None)
            daily = progress.add_task("air: daily statistics", total=None)

            def report(name: str, done: int, total: int) -> None:
                task = daily if name.startswith("daily") else rows
                progress.update(task, completed=done, total=total)

            summary = importer.import_beijing_multisite(
                session, directory, actor=SYSTEM_ACTOR, progress=report
            )
    ctx.values["air_history_rows"] = summary.inserted + summary.updated + summary.unchanged
    if console is not None:
        console.print(
            f"demo: air history {summary.rows:,} station-hours, {summary.daily_rows:,} "
            f"station-days in {time.perf_counter() - started:.1f}s ({service.ATTRIBUTION})"
        )
