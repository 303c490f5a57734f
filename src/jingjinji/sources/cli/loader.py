"""`jjj sources loader`, `jjj sources partitions` and `jjj sources retention`."""

from __future__ import annotations

from typing import Annotated

import typer

from jingjinji.sources.cli import app


@app.command("loader")
def loader_command(
    batch: Annotated[
        int | None,
        typer.Option(
            min=1, max=100_000, help="messages per batch (default JJJ_SOURCES_LOADER_BATCH)"
        ),
    ] = None,
    ack_wait: Annotated[
        float,
        typer.Option(min=1.0, help="seconds before the stream redelivers a batch not acknowledged"),
    ] = 60.0,
) -> None:
    """Store the HJ 212 packets of the JetStream stream in the database, one transaction and
    one audit entry per batch, acknowledged after the commit. SIGTERM or Ctrl-C lets the batch
    in hand finish, then stops."""
    import logging
    import signal
    import threading
    from types import FrameType

    from jingjinji import bootstrap
    from jingjinji.cli import console, fail, make_engine, make_session_factory
    from jingjinji.config import get_settings
    from jingjinji.sources.loader import run_loader
    from jingjinji.sources.stream import StreamNames

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        bootstrap.require_current_schema(engine)
    except bootstrap.SchemaNotReady as exc:
        engine.dispose()
        raise fail(str(exc)) from None
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    names = StreamNames.from_settings(settings)
    try:
        run_loader(
            make_session_factory(engine), names, stop=stop, batch_size=batch, ack_wait=ack_wait
        )
    except OSError as exc:  # NATS not reachable at start
        raise fail(f"NATS at {names.url}: {exc}") from None
    finally:
        engine.dispose()
    console.print("loader stopped")


@app.command("partitions")
def partitions_command(
    months_ahead: Annotated[
        int, typer.Option(min=0, max=120, help="months after the current one to make")
    ] = 3,
) -> None:
    """Make the monthly partitions of the packets and values (PostgreSQL) from this month
    MONTHS_AHEAD ahead, and of every month with rows in the default partition (moved out).
    Run with the owner's URL (JJJ_OWNER_DATABASE_URL), as `jjj db upgrade` is."""
    import datetime as dt

    from sqlalchemy.exc import DBAPIError

    from jingjinji.cli import _owner_url, console, fail, make_engine
    from jingjinji.sources.loader import ensure_month_partitions, plan_months

    engine = make_engine(_owner_url())
    try:
        if engine.dialect.name != "postgresql":
            console.print("SQLite keeps packets and values in plain tables: nothing to make.")
            return
        with engine.begin() as connection:
            months = plan_months(
                connection, today=dt.datetime.now(dt.UTC).date(), months_ahead=months_ahead
            )
            made = ensure_month_partitions(connection, months)
    except DBAPIError as exc:
        raise fail(f"could not make the partitions: {str(exc.orig).splitlines()[0]}") from None
    finally:
        engine.dispose()
    if not made:
        console.print("Every month asked for has its partitions.")
    for month in made:
        console.print(
            f"{month.month:%Y-%m}: partitions made; {month.moved_packets} packets and "
            f"{month.moved_values} values moved from the default partition"
        )


@app.command("retention")
def retention_command(
    dry_run: Annotated[bool, typer.Option(help="count what would go, remove nothing")] = False,
    days: Annotated[
        int | None,
        typer.Option(min=1, help="keep this many days (default JJJ_SOURCES_RETENTION_DAYS)"),
    ] = None,
) -> None:
    """Remove real-time (2011) and minute (2051) data of the months entirely older than the
    retention period; hourly and daily data stay. PostgreSQL empties the months' real-time
    partitions (run with the owner's URL); SQLite deletes the rows in chunks."""
    import datetime as dt

    from sqlalchemy.exc import DBAPIError

    from jingjinji.cli import _owner_url, console, fail, make_engine, make_session_factory
    from jingjinji.config import get_settings
    from jingjinji.sources.loader import apply_retention

    keep = days or get_settings().sources_retention_days
    engine = make_engine(_owner_url())
    try:
        report = apply_retention(
            make_session_factory(engine), now=dt.datetime.now(dt.UTC), days=keep, dry_run=dry_run
        )
    except DBAPIError as exc:
        raise fail(f"retention failed: {str(exc.orig).splitlines()[0]}") from None
    finally:
        engine.dispose()
    verb = "would remove" if dry_run else "removed"
    months = ", ".join(f"{m:%Y-%m}" for m in report.months) or "none"
    console.print(
        f"Real-time and minute data before {report.boundary:%Y-%m-%d} (UTC, {keep} days kept): "
        f"{verb} {report.packets} packets and {report.values} values; partitions: {months}."
    )
