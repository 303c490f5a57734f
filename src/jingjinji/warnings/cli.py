"""`jjj air forecast ...` and `jjj air warnings ...` (mounted under the air group by the root
CLI, ``jingjinji.cli``: air sits below warnings and does not import it).

The CLI acts as the operator on the machine (office administrator, channel ``cli``); every
write is audited as such.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
import time
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from jingjinji.cli_output import Cell, FormatOption, ListFormat, print_table

if TYPE_CHECKING:
    from jingjinji.security import Actor

forecast_app = typer.Typer(
    help="Daily AQI forecasts (1-3 days, with intervals).", no_args_is_help=True
)
warnings_app = typer.Typer(
    help="Heavy-pollution warnings: criteria, replay, lifecycle.", no_args_is_help=True
)

# No `jjj warnings` group: the root CLI mounts these as `jjj air forecast` and `jjj air warnings`.
MOUNT_UNDER = "air"
GROUPS = {"forecast": forecast_app, "warnings": warnings_app}


class OutputFormat(StrEnum):
    json = "json"
    table = "table"


def cli_actor() -> Actor:
    from jingjinji.security import SYSTEM_ACTOR

    return dataclasses.replace(SYSTEM_ACTOR, username="cli", channel="cli")


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from exc


def _run(fn: Any) -> Any:
    """Run a service call; domain errors become a clean CLI error (exit 1)."""
    from jingjinji.cli import fail
    from jingjinji.errors import DomainError

    try:
        return fn()
    except DomainError as exc:
        raise fail(exc.detail) from exc


# ------------------------------------------------------------------------------------ forecast


@forecast_app.command("train")
def train(
    city: Annotated[str, typer.Option(help="city code, e.g. 110000")],
    until: Annotated[str, typer.Option(help="training cutoff (inclusive), YYYY-MM-DD")],
) -> None:
    """Train the city's model on data up to --until and store it (model table)."""
    from jingjinji.cli import cli_session
    from jingjinji.warnings import service

    cutoff = _date(until, "--until")
    started = time.perf_counter()
    with cli_session() as session:
        row, created = _run(
            lambda: service.train_model(session, actor=cli_actor(), city_code=city, until=cutoff)
        )
        summary = {
            "version": row.version,
            "city": row.city_code,
            "cutoff": row.cutoff.isoformat(),
            "training_days": row.training_days,
            "artifact_bytes": len(row.artifact),
            "sha256": row.sha256,
            "created": created,
        }
    table = Table(title="forecast model" + ("" if created else " (already stored)"))
    table.add_column("field")
    table.add_column("value")
    for key, value in summary.items():
        table.add_row(key, str(value))
    table.add_row("seconds", f"{time.perf_counter() - started:.1f}")
    print_table(table)


@forecast_app.command("evaluate")
def evaluate(
    city: Annotated[str, typer.Option(help="city code, e.g. 110000")],
    train_until: Annotated[str, typer.Option(help="last training day, YYYY-MM-DD")],
    until: Annotated[str, typer.Option(help="last day of the hold-out, YYYY-MM-DD")],
    format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Hold-out evaluation per horizon against persistence and climatology."""
    from jingjinji.cli import cli_session
    from jingjinji.warnings import service

    t0, t1 = _date(train_until, "--train-until"), _date(until, "--until")
    with cli_session() as session:
        result = _run(
            lambda: service.evaluate_city(session, city_code=city, train_until=t0, until=t1)
        )
    if format is OutputFormat.json:
        sys.stdout.write(json.dumps(result.rows, indent=2) + "\n")
        return
    table = Table(
        title=f"{city}: trained to {t0}, hold-out to {t1} "
        f"({result.issue_days} issue days), model {result.model.version}"
    )
    for col in (
        "horizon",
        "n",
        "MAE model",
        "MAE persist.",
        "MAE clim.",
        "RMSE model",
        "RMSE persist.",
        "hit>200 model",
        "hit>200 persist.",
        "FAR model",
        "FAR persist.",
        "p10-p90 cover",
        "MAE gain",
    ):
        table.add_column(col, justify="right")
    for r in result.rows:
        table.add_row(
            f"+{r['horizon_days']}d",
            str(r["n"]),
            _num(r["model_mae"]),
            _num(r["persistence_mae"]),
            _num(r["climatology_mae"]),
            _num(r["model_rmse"]),
            _num(r["persistence_rmse"]),
            _pct(r["model_hit_rate_over_200"]),
            _pct(r["persistence_hit_rate_over_200"]),
            _pct(r["model_false_alarm_ratio_over_200"]),
            _pct(r["persistence_false_alarm_ratio_over_200"]),
            _pct(r["interval_coverage_p10_p90"]),
            _num(r["mae_improvement_over_persistence_pct"]) + "%",
        )
    print_table(table)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


@forecast_app.command("issue")
def issue(
    city: Annotated[str, typer.Option(help="city code")],
    from_: Annotated[str, typer.Option("--from", help="first issue day")],
    to: Annotated[str, typer.Option(help="last issue day")],
    model: Annotated[
        str | None, typer.Option(help="model version; default the latest one trained before --from")
    ] = None,
) -> None:
    """Store the forecasts a stored model issues on each day from --from to --to (existing
    rows of that model version are kept, never overwritten)."""
    from sqlalchemy import select

    from jingjinji.cli import cli_session, console, fail
    from jingjinji.warnings import service
    from jingjinji.warnings.models import ForecastModelRow

    start, end = _date(from_, "--from"), _date(to, "--to")
    with cli_session() as session:
        if model:
            row = session.scalar(
                select(ForecastModelRow).where(
                    ForecastModelRow.city_code == city, ForecastModelRow.version == model
                )
            )
        else:
            row = service.latest_model(session, city_code=city, before=start)
        if row is None:
            raise fail(f"no stored model for {city} (train one: jjj air forecast train)")
        grid = _run(lambda: service.city_grid(session, city_code=city, end=end))
        days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        added = service.store_forecasts(session, row=row, grid=grid, issue_dates=days)
    console.print(f"{added} forecast rows added for {city} with model {row.version}")


@forecast_app.command("run-daily")
def run_daily(
    date: Annotated[str | None, typer.Option(help="issue day (default: latest data)")] = None,
) -> None:
    """What the daily job does: forecasts for every city with data, then proposals."""
    from jingjinji.cli import cli_session, console
    from jingjinji.warnings import service

    day = _date(date, "--date") if date else None
    with cli_session() as session:
        result = _run(lambda: service.run_daily(session, actor=cli_actor(), issue_date=day))
    console.print(
        f"forecast rows added: {result.issued_rows}; cities: "
        f"{', '.join(result.cities) or '-'}; proposed warnings: "
        f"{result.proposed or '-'}"
    )
    for city, why in result.skipped.items():
        console.print(f"skipped {city}: {why}")


# ------------------------------------------------------------------------------------ warnings


@warnings_app.command("replay")
def replay(
    city: Annotated[str, typer.Option(help="city code, e.g. 110000")],
    from_: Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD")],
    to: Annotated[str, typer.Option(help="last day, YYYY-MM-DD")],
    criteria: Annotated[str, typer.Option(help="criteria set, e.g. bth-2017")] = "bth-2017",
    use_observed: Annotated[
        bool,
        typer.Option(
            "--use-observed/--use-forecast",
            help="replay on observed daily AQI, or on the forecasts the model would have issued "
            "(expanding yearly retraining)",
        ),
    ] = True,
    horizon: Annotated[
        int, typer.Option(min=1, max=3, help="forecast lead (with --use-forecast)")
    ] = 1,
    quantile: Annotated[
        float, typer.Option(help="forecast quantile replayed: 0.5 (median) or 0.9 (upper bound)")
    ] = 0.5,
    output_format: FormatOption = ListFormat.table,
) -> None:
    """Episodes and warning levels of a city's history under a criteria set."""
    from jingjinji.cli import cli_session, err_console
    from jingjinji.cli_output import write_rows
    from jingjinji.warnings import service

    start, end = _date(from_, "--from"), _date(to, "--to")
    with cli_session() as session:
        result = _run(
            lambda: service.replay(
                session,
                city_code=city,
                start=start,
                end=end,
                criteria_code=criteria,
                use_forecast=not use_observed,
                horizon=horizon,
                quantile=quantile,
            )
        )
    rows = [ep.as_row() for ep in result.episodes]
    columns = ["start", "end", "level", "max_aqi", "days_over_200", "days_over_300"]
    for note in result.notes:
        err_console.print(f"note: {note}")
    write_rows(
        columns,
        rows,
        output_format=output_format,
        title=f"{city} {start}..{end}, {result.criteria.code}@"
        f"{result.criteria.version}, {result.basis}",
        empty=f"no episodes in {city} {start}..{end}",
    )


@warnings_app.command("load-data")
def load_data() -> None:
    """Load the shipped criteria sets and response measures (new versions only)."""
    from jingjinji.cli import cli_session, console
    from jingjinji.warnings import service

    with cli_session() as session:
        crit = _run(lambda: service.load_criteria(session, actor=cli_actor()))
        meas = _run(lambda: service.load_measures(session, actor=cli_actor()))
    console.print(f"criteria versions added: {crit}; measure sets added: {meas}")


@warnings_app.command("criteria")
def criteria_list() -> None:
    """The loaded criteria sets and which jurisdiction applies which since when."""
    from jingjinji.cli import cli_session
    from jingjinji.warnings import service
    from jingjinji.warnings.kernels import criteria_from_dict

    with cli_session() as session:
        table = Table(title="criteria sets")
        for col in ("code", "version", "merge gap", "levels", "name"):
            table.add_column(col)
        for row in service.list_criteria(session):
            c = criteria_from_dict(row.definition)
            table.add_row(
                c.code,
                str(c.version),
                str(c.merge_gap_days),
                "; ".join(f"{r.level}: {r.describe()}" for r in c.levels),
                row.name_en,
            )
        print_table(table)
        adopt = Table(title="adoptions")
        for col in ("jurisdiction", "criteria", "effective from"):
            adopt.add_column(col)
        for a in service.list_adoptions(session):
            adopt.add_row(a.jurisdiction_code, a.criteria_code, a.effective_from.isoformat())
        print_table(adopt)


@warnings_app.command("adopt")
def adopt(
    jurisdiction: Annotated[str, typer.Option(help="jurisdiction code")],
    criteria: Annotated[str, typer.Option(help="criteria set code")],
    effective_from: Annotated[str, typer.Option("--from", help="YYYY-MM-DD")],
) -> None:
    """Have a jurisdiction apply a criteria set from a date on."""
    from jingjinji.cli import cli_session, console
    from jingjinji.warnings import service

    day = _date(effective_from, "--from")
    with cli_session() as session:
        _run(
            lambda: service.adopt_criteria(
                session,
                actor=cli_actor(),
                jurisdiction_code=jurisdiction,
                criteria_code=criteria,
                effective_from=day,
            )
        )
    console.print(f"{jurisdiction} applies {criteria} from {day}")


@warnings_app.command("list")
def list_warnings(output_format: FormatOption = ListFormat.table) -> None:
    """Warnings, newest first."""
    from jingjinji.cli import cli_session
    from jingjinji.cli_output import write_rows
    from jingjinji.warnings import service

    with cli_session() as session:
        rows: list[dict[str, Cell]] = [
            {
                "id": w.id,
                "status": w.status,
                "level": w.level,
                "cities": ",".join(w.cities),
                "start": w.start_date.isoformat(),
                "end": w.end_date.isoformat(),
                "max AQI": round(w.max_aqi),
                "criteria": f"{w.criteria_code}@{w.criteria_version}",
            }
            for w in service.list_warnings(session)
        ]
    write_rows(
        ("id", "status", "level", "cities", "start", "end", "max AQI", "criteria"),
        rows,
        output_format=output_format,
        title="warnings",
        empty="no warnings",
    )
