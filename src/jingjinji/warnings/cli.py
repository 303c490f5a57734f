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
from pathlib import Path
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
    issue_time: Annotated[
        str | None,
        typer.Option(
            help="issue time HH:MM China time (24:00 = midnight after the whole day); "
            "default JJJ_FORECAST_ISSUE_TIME, else 15:00"
        ),
    ] = None,
    oracle_weather: Annotated[
        bool,
        typer.Option(
            help="use the OBSERVED weather of the target days as if it were a weather forecast "
            "(an upper bound, not a forecast; labelled as such)"
        ),
    ] = False,
    format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Hold-out evaluation per horizon against persistence available at the issue time,
    climatology and the baseline model."""
    from jingjinji.cli import cli_session
    from jingjinji.warnings import service
    from jingjinji.warnings.forecast import timing

    t0, t1 = _date(train_until, "--train-until"), _date(until, "--until")
    hour: int | None = None
    if issue_time is not None:
        try:
            hour = timing.parse_issue_time(issue_time)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--issue-time") from exc
    with cli_session() as session:
        result = _run(
            lambda: service.evaluate_city(
                session,
                city_code=city,
                train_until=t0,
                until=t1,
                issue_hour=hour,
                oracle_weather=oracle_weather,
            )
        )
    if format is OutputFormat.json:
        sys.stdout.write(json.dumps(result.as_json(), indent=2) + "\n")
        return
    meta = result.metadata
    label = (
        "ORACLE: observed target-day weather (upper bound, not a forecast)"
        if meta["oracle_weather"]
        else "no weather forecast (honest)"
    )
    table = Table(
        title=f"{city}: issued {meta['issue_time']} China time, trained to {t0}, hold-out to "
        f"{t1} ({meta['issue_days']} issue days); {label}; model {meta['model_version']}"
    )
    columns = (
        ("horizon", None),
        ("n", "n"),
        ("MAE model", "model_mae"),
        ("MAE persist.", "persistence_mae"),
        ("MAE clim.", "climatology_mae"),
        ("RMSE model", "model_rmse"),
        ("RMSE persist.", "persistence_rmse"),
        ("RMSE clim.", "climatology_rmse"),
        ("gain vs persist.", "mae_gain_over_persistence_pct"),
        ("level exact", "level_accuracy"),
        ("p10-p90 cover", "interval_coverage_p10_p90"),
        (">200 hit p50", "hit_rate_gt200_p50"),
        (">200 FAR p50", "false_alarm_ratio_gt200_p50"),
        (">200 hit q90", "hit_rate_gt200_q90"),
        (">200 FAR q90", "false_alarm_ratio_gt200_q90"),
        (">300 hit q90", "hit_rate_gt300_q90"),
        (">300 FAR q90", "false_alarm_ratio_gt300_q90"),
        ("MAE baseline", None),
    )
    for name, _ in columns:
        table.add_column(name, justify="right")
    for r, b in zip(result.horizons, result.baseline, strict=True):
        cells = [f"+{r['horizon_days']}d"]
        for _, key in columns[1:-1]:
            cells.append(_cell(key or "", r))
        cells.append(_num(b.get("model_mae")))
        table.add_row(*cells)
    print_table(table)


def _cell(key: str, row: dict[str, Any]) -> str:
    value = row.get(key)
    if key.startswith("false_alarm_ratio_") and value is None:
        return "none forecast"
    if key.startswith("hit_rate_") and value is None:
        return "no event"
    if key in ("n",):
        return str(value)
    if key.endswith("_pct"):
        return _num(value) + "%"
    if key.startswith(("hit_rate", "false_alarm", "interval", "level")):
        return _pct(value)
    return _num(value)


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
            from jingjinji.warnings.forecast_inputs import forecast_status

            st = forecast_status(session, city_code=city)
            if st.status != "ready":
                raise fail(f"no forecast for {city}: {st.message}")
            raise fail(f"no stored model for {city} (train one: jjj air forecast train)")
        grid = _run(lambda: service.city_grid(session, city_code=city, end=end))
        days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        _run(lambda: service.ensure_weather_model(session, actor=cli_actor(), row=row))
        added = _run(lambda: service.store_forecasts(session, row=row, grid=grid, issue_dates=days))
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


@forecast_app.command("weather-load")
def weather_load(
    file: Annotated[Path, typer.Argument(help="CSV of weather forecasts (docs/warnings.md)")],
) -> None:
    """Load the meteorological service's weather forecasts from a CSV file (all or nothing;
    every problem is listed by file line and column)."""
    from jingjinji.cli import cli_session, console, fail
    from jingjinji.errors import DomainError, InvalidInput
    from jingjinji.warnings import service

    try:
        content = file.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror}") from exc
    with cli_session() as session:
        try:
            result = service.load_weather_csv(
                session, actor=cli_actor(), content=content, channel="cli"
            )
        except InvalidInput as exc:
            lines = [
                f"line {e.get('row', '-')}, {e.get('column', '-')}: {e['msg']}" for e in exc.errors
            ]
            raise fail("\n".join([exc.detail, *lines])) from exc
        except DomainError as exc:
            raise fail(exc.detail) from exc
    console.print(
        f"weather forecast rows received: {result.received}; stored: {result.stored}; "
        f"already stored: {result.unchanged}"
    )


# ------------------------------------------------------------------------------------ warnings


@warnings_app.command("replay")
def replay(
    city: Annotated[str, typer.Option(help="city code, e.g. 110000")],
    from_: Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD")],
    to: Annotated[str, typer.Option(help="last day, YYYY-MM-DD")],
    criteria: Annotated[
        str,
        typer.Option(
            help="criteria set, e.g. bth-2017, or in-force: each episode under the set the "
            "city's jurisdiction had adopted on its start date"
        ),
    ] = "in-force",
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
    if result.in_force:  # which set judged each episode
        columns.append("criteria")
        for row, applied_set in zip(rows, result.applied, strict=True):
            row["criteria"] = applied_set
    applied = (
        "criteria in force"
        if result.in_force
        else f"{result.criteria.code}@{result.criteria.version}"
    )
    for note in result.notes:
        err_console.print(f"note: {note}")
    write_rows(
        columns,
        rows,
        output_format=output_format,
        title=f"{city} {start}..{end}, {applied}, {result.basis}",
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
def criteria_list(output_format: FormatOption = ListFormat.table) -> None:
    """The loaded criteria sets and which jurisdiction applies which since when."""
    from jingjinji.cli import cli_session
    from jingjinji.cli_output import write_rows
    from jingjinji.warnings import service
    from jingjinji.warnings.kernels import criteria_from_dict

    with cli_session() as session:
        adopted: dict[str, list[str]] = {}
        for a in service.list_adoptions(session):
            adopted.setdefault(a.criteria_code, []).append(
                f"{a.jurisdiction_code} from {a.effective_from.isoformat()}"
            )
        rows: list[dict[str, Cell]] = []
        for row in service.list_criteria(session):
            c = criteria_from_dict(row.definition)
            rows.append(
                {
                    "code": c.code,
                    "version": c.version,
                    "merge_gap_days": c.merge_gap_days,
                    "levels": "; ".join(f"{r.level}: {r.describe()}" for r in c.levels),
                    "name": row.name_en,
                    "adopted_by": "; ".join(adopted.get(c.code, [])),
                }
            )
    write_rows(
        ("code", "version", "merge_gap_days", "levels", "name", "adopted_by"),
        rows,
        output_format=output_format,
        title="Warning criteria sets",
        empty="no criteria sets (jjj air warnings load-data loads them)",
    )


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
