"""/sources/gateway: the HJ 212 gateways' live counters (connections, packets per second,
accepted, rejects by reason, acknowledgement latency) from their latest report (read from their
stats bucket, so a backlog of packets before the loader does not delay it); the table is a
fragment htmx reloads every few seconds, and says when a gateway stopped reporting. Signed-in
users only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jingjinji.deps import DbSession, OptionalActor
from jingjinji.sources import presentation as show
from jingjinji.sources.service import overview
from jingjinji.sources.stream import StreamNames
from jingjinji.web import render

router = APIRouter(include_in_schema=False)

REFRESH_SECONDS = 5


def _row(g: overview.GatewayRow) -> dict[str, Any]:
    return {
        "gateway": g.gateway,
        "reported": show.china_time(g.reported_at),
        "silent": g.silent,
        "connections": show.number(g.connections, 0),
        "rate": show.number(g.packets_per_second, 1),
        "accepted": show.number(g.accepted, 0),
        "rejects": [(reason, show.number(n, 0)) for reason, n in g.rejects.items()],
        "p50": show.number(g.ack_p50_ms, 1),
        "p99": show.number(g.ack_p99_ms, 1),
    }


def _context(request: Request, session: DbSession, actor: OptionalActor) -> dict[str, Any]:
    # The app's NATS and stream: the service reads the gateways' stats bucket there.
    names = StreamNames.from_settings(request.app.state.settings)
    return {
        "gateways": [_row(g) for g in overview.gateway_rows(session, actor=actor, names=names)],
        "refresh": REFRESH_SECONDS,
        "silent_after": int(overview.GATEWAY_SILENT_AFTER.total_seconds()),
    }


@router.get("/sources/gateway", response_class=HTMLResponse)
def gateway_page(request: Request, session: DbSession, actor: OptionalActor) -> Response:
    return render(request, "sources/gateway.html", _context(request, session, actor))


@router.get("/sources/gateway/counters", response_class=HTMLResponse)
def gateway_counters(request: Request, session: DbSession, actor: OptionalActor) -> Response:
    """The counters table alone (what htmx swaps in)."""
    return render(request, "sources/_gateway_counters.html", _context(request, session, actor))
