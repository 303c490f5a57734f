"""`jjj sources publish-indicators --month YYYY-MM`: the month's monitoring indicators (online
rate, transmission effectiveness, exceedance events) into the progress tracker as the office,
and the catalog's sources datasets registered."""

from __future__ import annotations

from typing import Annotated

import typer

from jingjinji.sources.cli import app


@app.command("publish-indicators")
def publish_indicators_command(
    month: Annotated[str, typer.Option(help="the month to compute, YYYY-MM (China time)")],
) -> None:
    """Compute the month's indicators from the stored monitoring data (per province and for
    the region) and submit them to the progress tracker as the office; the catalog's sources
    datasets are registered too. Running it again changes nothing unless the data changed; a
    changed figure is stored as a correction."""
    import dataclasses

    from jingjinji.cli import cli_session, console, fail
    from jingjinji.errors import DomainError
    from jingjinji.security import SYSTEM_ACTOR
    from jingjinji.sources import flows

    actor = dataclasses.replace(SYSTEM_ACTOR, username="cli", channel="cli")
    try:
        with cli_session() as session:
            flows.register_datasets(session, actor=actor)
            done = flows.publish_indicators(session, actor=actor, month=month)
    except DomainError as exc:
        raise fail(exc.detail) from None
    console.print(
        f"{month}: {done.stored} value(s) stored, {done.revised} revised, "
        f"{done.unchanged} unchanged; indicators created: {', '.join(done.created) or 'none'}"
    )
