"""`jjj sources gateway` (the HJ 212 TCP gateway) and `jjj sources replay` (recorded traffic to a
gateway)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jingjinji.sources.cli import app


@app.command("gateway")
def gateway_command(
    host: Annotated[
        str, typer.Option(help="address to listen on; 0.0.0.0 for loggers on the network")
    ] = "127.0.0.1",
    port: Annotated[
        int | None,
        typer.Option(min=0, max=65535, help="TCP port (default JJJ_SOURCES_GATEWAY_PORT, 9212)"),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="the gateway's name in its counters (default host:port)")
    ] = None,
    max_connections: Annotated[
        int, typer.Option(min=1, help="connections beyond this are closed at once (counted)")
    ] = 20_000,
    idle_timeout: Annotated[
        float, typer.Option(min=1.0, help="seconds without a byte before a connection is closed")
    ] = 600.0,
    publish_timeout: Annotated[
        float, typer.Option(min=0.1, help="seconds to wait for JetStream to store a packet")
    ] = 5.0,
    uvloop: Annotated[
        bool,
        typer.Option(help="run on uvloop's event loop (no gain measured: docs/sources.md)"),
    ] = False,
    processes: Annotated[
        int,
        typer.Option(
            help="worker processes on the one port (SO_REUSEPORT, Linux), supervised; "
            "counters per process as NAME-1, NAME-2...; at most 4 per CPU"
        ),
    ] = 1,
) -> None:
    """Receive HJ 212 packets from data loggers over TCP and publish the accepted ones to
    JetStream; reply 9014 to a packet asking for it once the stream stored it. Stops gracefully
    on SIGTERM or Ctrl-C."""
    import asyncio
    import logging

    from jingjinji.cli import fail
    from jingjinji.config import get_settings
    from jingjinji.sources.gateway import GatewayConfig, database_loader, run_until_signalled
    from jingjinji.sources.gateway.processes import check_process_count, run_processes
    from jingjinji.sources.gateway.runner import new_event_loop
    from jingjinji.sources.stream import StreamNames

    try:
        check_process_count(processes)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = get_settings()
    config = GatewayConfig(
        name=name or "",
        max_connections=max_connections,
        idle_timeout=idle_timeout,
        publish_timeout=publish_timeout,
    )
    port = settings.sources_gateway_port if port is None else port
    if processes > 1:
        try:
            run_processes(
                processes,
                names=StreamNames.from_settings(settings),
                directory_loader=database_loader,
                host=host,
                port=port,
                config=config,
                use_uvloop=uvloop,
            )
        except OSError as exc:
            raise fail(f"cannot listen on {host}:{port}: {exc}") from exc
        return
    with asyncio.Runner(loop_factory=lambda: new_event_loop(uvloop)) as runner:
        runner.run(
            run_until_signalled(
                names=StreamNames.from_settings(settings),
                directory_loader=database_loader(),
                host=host,
                port=port,
                config=config,
            )
        )


@app.command("replay")
def replay_command(
    recording: Annotated[
        list[Path], typer.Argument(exists=True, help="recorded .h212 files or folders of them")
    ],
    host: Annotated[str, typer.Option(help="the gateway's address")] = "127.0.0.1",
    port: Annotated[
        int | None,
        typer.Option(
            min=1, max=65535, help="the gateway's port (default JJJ_SOURCES_GATEWAY_PORT)"
        ),
    ] = None,
    speed: Annotated[
        float, typer.Option(min=0.0, help="times faster than recorded; 0: as fast as possible")
    ] = 0.0,
    connections: Annotated[
        int, typer.Option(min=1, help="at most this many connections (one per logger below it)")
    ] = 300,
    limit: Annotated[int | None, typer.Option(min=1, help="send only the first N packets")] = None,
    ask_replies: Annotated[
        bool,
        typer.Option(
            help="give each valid packet a QN and Flag bit A (length and CRC recomputed) so the "
            "gateway's 9014 can be counted; corrupted packets always go unchanged"
        ),
    ] = True,
) -> None:
    """Play recorded HJ 212 traffic to a gateway over TCP and count its replies."""
    import asyncio

    from jingjinji.cli import console, fail
    from jingjinji.config import get_settings
    from jingjinji.sources.replay import replay

    settings = get_settings()
    try:
        result = asyncio.run(
            replay(
                recording,
                host=host,
                port=settings.sources_gateway_port if port is None else port,
                speed=speed,
                connections=connections,
                limit=limit,
                ask_replies=ask_replies,
            )
        )
    except OSError as exc:
        raise fail(f"cannot reach the gateway: {exc}") from exc
    if ask_replies:
        console.print(
            "valid packets were sent with a QN and Flag bit A set (--no-ask-replies: as recorded)"
        )
    console.print(
        f"sent {result.sent} packets on {result.connections} connections in "
        f"{result.duration:.1f} s ({result.packets_per_second:.0f}/s); "
        f"corrupted (sent unchanged) {result.corrupted}"
    )
    console.print(
        f"asked for a reply {result.asked}: acknowledged {result.acknowledged}, refused "
        f"{result.refused} {result.refusals or ''}, unanswered {result.unanswered}"
    )
