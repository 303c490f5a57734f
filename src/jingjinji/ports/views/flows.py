"""/ports/flows: container transit between Tianjin and Hebei ports in one month, as a Sankey
diagram of TEU by port pair with the same figures in a table, the Xiong'an green channel's
volume and the dwell time at each terminal."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from jingjinji.deps import DbSession, OptionalActor
from jingjinji.i18n import msg
from jingjinji.ports import presentation, service
from jingjinji.ports.service import indicators
from jingjinji.web import language_of, render, t

router = APIRouter(include_in_schema=False)

Month = Annotated[str | None, Query(max_length=7)]


def _teu(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _hours(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}"


def _why_empty(request: Request, view: indicators.FlowMonth) -> str:
    """Why the month shows no transit, in the reader's language."""
    found = view.found
    if found is None or found.first is None or found.last is None:
        return t(request, msg("The platform holds no container events yet."))
    if view.month not in view.months:
        return t(
            request,
            msg(
                "No container events fall in {month}: the events held run from {first} to {last}.",
                month=view.month,
                first=found.first.strftime("%Y-%m-%d"),
                last=found.last.strftime("%Y-%m-%d"),
            ),
        )
    return t(
        request,
        msg(
            "No container left a Tianjin port for a Hebei port, or the other way, in {month}: "
            "the month's containers stayed within one province or are still at their port.",
            month=view.month,
        ),
    )


def _key(side: str, code: str) -> str:
    return f"{side}_{code.lower()}"


@router.get("/ports/flows", response_class=HTMLResponse)
def flows_page(
    request: Request, session: DbSession, actor: OptionalActor, month: Month = None
) -> Response:
    view = indicators.flow_month(session, month=month)
    lang = language_of(request)
    zh = lang == "zh_CN"
    assumed = presentation.assumed_codes(service.list_locations(session), lang)

    def name(code: str) -> str:
        zh_name, en_name = view.names.get(code, (code, code))
        return zh_name if zh else en_name

    found = view.found
    pairs: list[dict[str, Any]] = []
    green: dict[str, Any] | None = None
    dwell: list[dict[str, Any]] = []
    if found is not None:
        for _, start, end, containers, teu, laden, unsized in found.transits.iter_rows():
            pairs.append(
                {
                    "from": start, "to": end, "from_name": name(start), "to_name": name(end),
                    "containers": containers, "teu": teu, "teu_text": _teu(teu),
                    "laden_text": _teu(laden), "empty_text": _teu(teu - laden),
                    "unsized": unsized, "from_assumed": assumed.get(start),
                    "to_assumed": assumed.get(end),
                }
            )  # fmt: skip
        for _, containers, teu, laden, _unsized in found.green_channel.iter_rows():
            green = {"containers": containers, "teu": _teu(teu), "laden": _teu(laden)}
        for _, location, stays, mean, median, longest in found.dwell.iter_rows():
            dwell.append(
                {
                    "code": location, "name": name(location), "stays": stays,
                    "mean": _hours(mean), "median": _hours(median), "max": _hours(longest),
                    "assumed": assumed.get(location),
                }
            )  # fmt: skip
    # Ports that send and receive in the same month would make a cycle, which a Sankey cannot
    # draw: each port is a node on the left (leaving) and one on the right (arriving).
    # Node keys are identifiers (from_cntxg), never shown: the labels are the ports' names.
    nodes = {_key("from", p["from"]): p["from_name"] for p in pairs}
    nodes |= {_key("to", p["to"]): p["to_name"] for p in pairs}
    chart = {
        "nodes": [{"key": key, "label": label} for key, label in sorted(nodes.items())],
        "links": [
            {"source": _key("from", p["from"]), "target": _key("to", p["to"]), "value": p["teu"]}
            for p in pairs
        ],
        "unit": "TEU",
    }
    return render(
        request,
        "ports/flows.html",
        {
            "month": view.month,
            "months": view.months,
            "pairs": pairs,
            "total": _teu(sum(p["teu"] for p in pairs)),
            "green": green,
            "green_channel": name(indicators.GREEN_CHANNEL),
            "dwell": dwell,
            "why_empty": None if pairs else _why_empty(request, view),
            "chart": chart,
        },
    )
