"""`jjj ports ...`: port and logistics commands."""

from __future__ import annotations

from typing import Annotated

import typer

# Heavy modules (polars, SQLAlchemy, the ports service) are imported inside the commands that use
# them: `jjj --help` must not pay for them (tests/test_cli.py).

app = typer.Typer(help="Ports and logistics: DCSA container events.", no_args_is_help=True)


@app.command("indicators")
def indicators_command(
    year: Annotated[
        int | None, typer.Option(help="only this year (China time); default: every year", min=2000)
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="recompute every month from every event, not only the stale months"
        ),
    ] = False,
) -> None:
    """Compute the port indicators from the stored container events and submit the yearly
    container transit throughput and Xiong'an green-channel volume to the progress tracker as
    the office (the source says they were computed from events); the catalog's monthly
    PORTS-IND- datasets are registered too. Running it again changes nothing unless the events
    changed. The stored monthly values are refreshed first: the months new events changed, or
    every month with --full."""
    import dataclasses

    from jingjinji.cli import cli_session, console, fail
    from jingjinji.errors import DomainError
    from jingjinji.ports import flows
    from jingjinji.security import SYSTEM_ACTOR

    actor = dataclasses.replace(SYSTEM_ACTOR, username="cli", channel="cli")
    try:
        with cli_session() as session:
            flows.register_datasets(session, actor=actor)
            done = flows.publish_indicators(session, actor=actor, year=year, full=full)
    except DomainError as exc:
        raise fail(exc.detail) from None
    for code, by_year in done.totals.items():
        for period, value in sorted(by_year.items()):
            console.print(f"{code} {period}: {value:g} {flows.INDICATORS[code][2]}")
    console.print(
        f"{done.stored} value(s) stored, {done.revised} revised, {done.unchanged} unchanged; "
        f"indicators created: {', '.join(done.created) or 'none'}"
    )
