"""`/help` (the index) and `/help/<topic>` (an area, or the demo's tour), in the user's language."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from jingjinji.deps import OptionalActor
from jingjinji.errors import NotFound
from jingjinji.help import service
from jingjinji.i18n import msg
from jingjinji.web import language_of, render

router = APIRouter(include_in_schema=False)


@router.get("/help", response_class=HTMLResponse)
def help_index(request: Request, actor: OptionalActor) -> HTMLResponse:
    return render(
        request,
        "help/index.html",
        {"areas": list(service.AREAS.items()), "tour_title": service.TOUR_TITLE},
    )


@router.get("/help/{topic}", response_class=HTMLResponse)
def help_page(request: Request, topic: str, actor: OptionalActor) -> HTMLResponse:
    try:
        body = service.page(topic, language_of(request))
    except service.UnknownTopic:
        raise NotFound(msg("no help page {topic}", topic=repr(topic))) from None
    return render(
        request,
        "help/page.html",
        {
            "topic": topic,
            "title": service.title_of(topic),
            "body": body,
            "areas": list(service.AREAS.items()),
            "tour_title": service.TOUR_TITLE,
        },
    )
