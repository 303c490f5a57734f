"""Pages of water-pollution incidents: ``/water/incidents`` (the notices waiting for the
user's province with their deadlines, and the incidents it may see), ``/water/incidents/new``
(report) and ``/water/incidents/{id}`` (facts, notices, timeline, upstream sections and the
forms of the steps the user may take).

The step forms post with htmx to ``/water/incidents/{id}/{step}``: the answer is the page's
body fragment (``#incident-body``), with the refusal shown in it and its status (403, 409,
422) when refused; a plain form gets a redirect, or the whole page with the refusal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError

from jingjinji import labels, problems
from jingjinji.db import DbId
from jingjinji.deps import DbSession, RequiredActor
from jingjinji.errors import DomainError, InvalidInput, field_error
from jingjinji.i18n import Items, msg
from jingjinji.timezone import CHINA_TZ
from jingjinji.water.incident_presentation import incident_context
from jingjinji.water.incident_presentation import summary as incident_summary
from jingjinji.water.models import IncidentSeverity, IncidentStatus
from jingjinji.water.schemas import incidents as schemas
from jingjinji.water.service import incidents as service
from jingjinji.water.service import sections as sections_service
from jingjinji.web import check_csrf, language_of, redirect, render, t

router = APIRouter(include_in_schema=False)
LIST_LIMIT = 50
#: The forms' fields by their labels on the pages, for the problems a refused form lists (the
#: steps' ``text`` has a label of its own in each step's form: ``TEXT_LABELS``).
FORM_LABELS = {
    "section_code": msg("Section"),
    "summary": msg("What was seen"),
    "severity": msg("Severity"),
    "observed_at": msg("Observed at"),
    "location": msg("Where"),
    "estimated_amount": msg("Estimated amount"),
    "sampled_at": msg("Sampled at (China time)"),
    "values": msg("Values (item=value, comma-separated)"),
    "closure_report": msg("Closure report"),
    "answer": msg("Your answer"),
}
#: The ``text`` of each step's form by that form's label.
TEXT_LABELS = {
    "consultation": msg("Question to the concerned jurisdictions"),
    "answer": msg("Your answer"),
    "conclude": msg("Conclusion"),
    "measure": msg("Measure taken"),
}


def china_time(value: dt.datetime | None) -> str:
    """A stored UTC moment on China Standard Time (pages say "China time, UTC+8" once)."""
    return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if value else ""


def _problems(
    request: Request, exc: ValidationError | DomainError, step: str | None = None
) -> list[str]:
    """The problems of a refused form; a step's ``text`` by the label of that step's form."""
    labels = FORM_LABELS if step not in TEXT_LABELS else {**FORM_LABELS, "text": TEXT_LABELS[step]}
    return problems.problem_lines(language_of(request), exc, labels)


@router.get("/water/incidents", response_class=HTMLResponse)
def incidents_page(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    status: Annotated[IncidentStatus | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    page = service.list_incidents(
        session,
        actor=actor,
        status=status.value if status else None,
        cursor=cursor,
        limit=LIST_LIMIT,
    )
    return render(
        request,
        "water/incidents.html",
        {
            "waiting": service.my_notices(session, actor=actor),
            "incidents": [schemas.IncidentOut.model_validate(i) for i in page.items],
            "next_cursor": page.next_cursor,
            "status": status.value if status else "",
            "statuses": [s.value for s in IncidentStatus],
            "china_time": china_time,
            "summary": lambda i: incident_summary(
                i, language_of(request), lambda text: t(request, text)
            ),
        },
    )


def _report_page(
    request: Request,
    session: DbSession,
    *,
    values: dict[str, str],
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    linked = [
        s for s in sections_service.all_sections(session) if s.kind in sections_service.LINKED_KINDS
    ]
    return render(
        request,
        "water/incident_new.html",
        {
            "sections": linked,
            "values": values,
            "errors": errors or [],
            "severities": [s.value for s in IncidentSeverity],
        },
        status_code=status_code,
    )


@router.get("/water/incidents/new", response_class=HTMLResponse)
def report_form(request: Request, session: DbSession, actor: RequiredActor) -> Response:
    return _report_page(request, session, values={"severity": "general"})


@router.post("/water/incidents/new", response_class=HTMLResponse)
def report(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    section_code: Annotated[str, Form(max_length=20)] = "",
    summary: Annotated[str, Form(max_length=10_000)] = "",
    severity: Annotated[str, Form(max_length=20)] = "",
    observed_at: Annotated[str, Form(max_length=40)] = "",
    location: Annotated[str, Form(max_length=300)] = "",
    estimated_amount: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    values = {
        "section_code": section_code,
        "summary": summary,
        "severity": severity,
        "observed_at": observed_at,
        "location": location,
        "estimated_amount": estimated_amount,
    }
    try:
        made = service.report_incident(
            session, actor=actor, data=schemas.IncidentIn.model_validate(values)
        )
    except (ValidationError, DomainError) as exc:
        status_code = 422 if isinstance(exc, ValidationError) else exc.status
        return _report_page(
            request,
            session,
            values=values,
            errors=_problems(request, exc),
            status_code=status_code,
        )
    return _done(request, made.id)


def _done(request: Request, incident_id: int) -> Response:
    url = f"/water/incidents/{incident_id}"
    if request.headers.get("HX-Request"):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return redirect(url)


def _detail_page(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    incident_id: int,
    *,
    errors: list[str] | None = None,
    status_code: int = 200,
    fragment: bool = False,
) -> Response:
    detail = service.incident_detail(session, actor=actor, incident_id=incident_id)
    lang = language_of(request)
    return render(
        request,
        "water/_incident_body.html" if fragment else "water/incident.html",
        {
            **incident_context(session, detail, lang, lambda text: t(request, text)),
            "i": detail,
            "errors": errors or [],
            "china_time": china_time,
            "items": sorted(schemas.SAMPLING_ITEMS),
        },
        status_code=status_code,
    )


@router.get("/water/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(
    request: Request, session: DbSession, actor: RequiredActor, incident_id: DbId
) -> Response:
    return _detail_page(request, session, actor, incident_id)


def _step(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    incident_id: int,
    csrf_token: str,
    action: Callable[[], Any],
    step: str | None = None,
) -> Response:
    """Run one step; answer with the refreshed body (htmx) or a redirect, and with the
    refusal and its status shown on the page when refused (``step`` names its form)."""
    check_csrf(request, csrf_token)
    fragment = bool(request.headers.get("HX-Request"))
    try:
        action()
    except (ValidationError, DomainError) as exc:
        if isinstance(exc, DomainError) and exc.status == 404:
            raise
        status_code = 422 if isinstance(exc, ValidationError) else exc.status
        return _detail_page(
            request,
            session,
            actor,
            incident_id,
            errors=_problems(request, exc, step),
            status_code=status_code,
            fragment=fragment,
        )
    if fragment:
        return _detail_page(request, session, actor, incident_id, fragment=True)
    return redirect(f"/water/incidents/{incident_id}")


@router.post("/water/incidents/{incident_id}/acknowledge", response_class=HTMLResponse)
def acknowledge(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    incident_id: DbId,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    return _step(
        request,
        session,
        actor,
        incident_id,
        csrf_token,
        lambda: service.acknowledge(session, actor=actor, incident_id=incident_id),
    )


@router.post("/water/incidents/{incident_id}/answer", response_class=HTMLResponse)
def answer(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    incident_id: DbId,
    answer: Annotated[str, Form(max_length=16)] = "",
    text: Annotated[str, Form(max_length=10_000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    return _step(
        request,
        session,
        actor,
        incident_id,
        csrf_token,
        lambda: service.answer(
            session,
            actor=actor,
            incident_id=incident_id,
            data=schemas.AnswerIn.model_validate({"answer": _answer_choice(answer), "text": text}),
        ),
        step="answer",
    )


def _answer_choice(answer: str) -> str:
    """The answer form's button, or its refusal naming the buttons by their labels (pydantic's
    would name their keys)."""
    if answer not in schemas.ANSWERS:
        allowed = Items([labels.msg_label("water.incident_answer", a) for a in schemas.ANSWERS])
        reason = msg("not one of the allowed values: {allowed}", allowed=allowed)
        raise InvalidInput(reason, errors=[field_error(["body", "answer"], reason)])
    return answer


def parse_values(text: str) -> dict[str, float]:
    """``nh3n=2.1, cod=30`` (or one pair a line) -> {item: value}; the schema checks items."""
    values: dict[str, float] = {}
    for part in text.replace("\n", ",").split(","):
        if not part.strip():
            continue
        item, sep, number = part.partition("=")
        try:
            values[item.strip().lower()] = float(number) if sep else float("nan")
        except ValueError:
            values[item.strip().lower()] = float("nan")
    if any(v != v for v in values.values()) or not values:
        raise InvalidInput(
            msg("write the values as item=value pairs, e.g. nh3n=2.1, cod=30"),
            errors=[field_error(["body", "values"], msg("item=value pairs, e.g. nh3n=2.1"))],
        )
    return values


@router.post("/water/incidents/{incident_id}/sampling", response_class=HTMLResponse)
def sampling(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    incident_id: DbId,
    sampled_at: Annotated[str, Form(max_length=40)] = "",
    location: Annotated[str, Form(max_length=300)] = "",
    values: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    def act() -> Any:
        data = schemas.SamplingIn.model_validate(
            {"sampled_at": sampled_at, "location": location, "values": parse_values(values)}
        )
        return service.record_sampling(session, actor=actor, incident_id=incident_id, data=data)

    return _step(request, session, actor, incident_id, csrf_token, act)


#: The steps whose form is one text: the service call, its input model and the form field.
TEXT_STEPS: dict[str, tuple[Callable[..., Any], type[BaseModel], str]] = {
    "consultation": (service.open_consultation, schemas.ConsultationIn, "text"),
    "conclude": (service.conclude_consultation, schemas.ConsultationIn, "text"),
    "measure": (service.record_measure, schemas.MeasureIn, "text"),
    "close": (service.close_incident, schemas.CloseIn, "closure_report"),
}


@router.post("/water/incidents/{incident_id}/{step}", response_class=HTMLResponse)
def text_step(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    incident_id: DbId,
    step: Literal["consultation", "conclude", "measure", "close"],
    text: Annotated[str, Form(max_length=10_000)] = "",
    closure_report: Annotated[str, Form(max_length=10_000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Open or conclude the consultation, record a measure, close with a report."""
    act, model, field = TEXT_STEPS[step]
    given = {"text": text, "closure_report": closure_report}[field]
    return _step(
        request,
        session,
        actor,
        incident_id,
        csrf_token,
        lambda: act(
            session,
            actor=actor,
            incident_id=incident_id,
            data=model.model_validate({field: given}),
        ),
        step=step,
    )
