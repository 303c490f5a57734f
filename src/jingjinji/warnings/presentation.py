"""What the API's warning detail and the pages show, composed from the reads, with the flags
the templates need already computed (from :mod:`jingjinji.warnings.policy`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from jingjinji.db import utcnow
from jingjinji.errors import InvalidInput
from jingjinji.i18n import msg
from jingjinji.security import Actor
from jingjinji.warnings import kernels, policy, schemas
from jingjinji.warnings.consultation import (
    ConsultationState,
    agency_jurisdiction,
    consultation_state,
)
from jingjinji.warnings.criteria import get_criteria
from jingjinji.warnings.flows import cities_with_data, city_points, place_names
from jingjinji.warnings.forecast_store import forecast_chart, list_models
from jingjinji.warnings.lifecycle import DEFAULT_CONSULTATION_HOURS
from jingjinji.warnings.models import ConsultationAnswer, PollutionWarning, WarningEvent
from jingjinji.warnings.queries import (
    event_out,
    events_of,
    last_event_id,
    list_warnings,
    visible_warning,
)
from jingjinji.warnings.states import OPEN_STATUSES

HORIZONS = (1, 2, 3)
HISTORY_ROWS = 100


def warning_out(warning: PollutionWarning, *, actor: Actor | None) -> schemas.WarningOut:
    """A warning as ``actor`` reads it: who proposed it only for those who may see staff
    usernames (``policy.sees_usernames``)."""
    out = schemas.WarningOut.model_validate(warning)
    if policy.sees_usernames(actor, jurisdictions=warning.jurisdictions):
        return out
    return out.model_copy(update={"proposed_by": None})


def answer_out(answer: ConsultationAnswer, *, actor: Actor | None) -> schemas.AnswerOut:
    """An answer as ``actor`` reads it: the organisation always, the person only for the office,
    the organisation's members and its province's administrators."""
    out = schemas.AnswerOut.model_validate(answer)
    named = policy.sees_usernames(
        actor, jurisdictions=[answer.jurisdiction_code], organisation_id=answer.organisation_id
    )
    return out if named else out.model_copy(update={"answered_by": None})


def warning_detail(
    session: Session, *, actor: Actor | None, warning_id: int
) -> schemas.WarningDetail:
    """One warning with its answers, steps and consultation state (404 if not visible)."""
    warning = visible_warning(session, actor=actor, warning_id=warning_id)
    state = consultation_state(session, warning)
    base = warning_out(warning, actor=actor).model_dump()
    named = policy.sees_usernames(actor, jurisdictions=warning.jurisdictions)
    return schemas.WarningDetail(
        **base,
        answers=[answer_out(a, actor=actor) for a in state.answers.values()],
        events=[event_out(e, named=named) for e in events_of(session, warning_id=warning.id)],
        missing_answers=state.missing,
        deadline_passed=state.deadline_passed,
        can_issue=state.can_issue,
    )


@dataclass(frozen=True)
class Overview:
    """The /warnings page: open warnings on the map, the history, a city's forecast chart."""

    active: list[PollutionWarning]
    history: list[PollutionWarning]
    map_points: list[dict[str, Any]]
    chart: schemas.ForecastChartOut
    forecast_cities: list[str]
    chosen_city: str | None
    horizon: int
    last_event: int
    is_office: bool
    names: dict[str, str]


def overview(
    session: Session, *, actor: Actor | None, lang: str, city: str | None, horizon: int
) -> Overview:
    """What ``actor`` sees on /warnings, places named in ``lang``."""
    names = place_names(session, lang=lang)
    active = list_warnings(session, status=policy.visible_statuses(actor, OPEN_STATUSES))
    history = list_warnings(session, status=policy.visible_statuses(actor), limit=HISTORY_ROWS)
    level_of_city: dict[str, str] = {}
    for w in active:  # newest first: a city shows its newest open warning
        for c in w.cities:
            level_of_city.setdefault(c, w.level)
    map_points = [
        {
            "name": names.get(p.code, p.code),
            "code": p.code,
            "value": [p.lon, p.lat],
            "level": level_of_city.get(p.code, ""),
        }
        for p in city_points(session).values()
    ]
    try:
        with_data = cities_with_data(session)
    except Exception:  # the air tables may be empty in a fresh database
        with_data = []
    forecast_cities = sorted(set(with_data) | {m.city_code for m in list_models(session)})
    chosen = city or (forecast_cities[0] if forecast_cities else None)
    if horizon not in HORIZONS:
        raise InvalidInput(msg("horizon must be 1, 2 or 3"))
    chart = (
        forecast_chart(session, city_code=chosen, horizon=horizon)
        if chosen
        else schemas.ForecastChartOut(dates=[])
    )
    return Overview(
        active=active,
        history=history,
        map_points=map_points,
        chart=chart,
        forecast_cities=forecast_cities,
        chosen_city=chosen,
        horizon=horizon,
        last_event=last_event_id(session),
        is_office=policy.runs_the_office(actor),
        names=names,
    )


@dataclass(frozen=True)
class WarningPage:
    """One warning's page: its consultation, steps, and the forms ``actor`` may submit."""

    warning: PollutionWarning
    state: ConsultationState
    criteria: kernels.Criteria
    events: list[WarningEvent]
    my_jurisdiction: str | None
    may_answer: bool
    answer_closed: bool  # an agency of the consultation that may not (or no longer) answer
    may_open_consultation: bool
    may_issue: bool
    may_change_level: bool
    may_lift: bool
    may_withdraw: bool
    default_deadline: dt.datetime
    last_event: int
    names: dict[str, str]
    # Staff usernames for those who may see them (``policy.sees_usernames``): the proposer and
    # the step takers, and who answered for each jurisdiction.
    names_people: bool
    answered_by: dict[str, str]


def warning_page(
    session: Session, *, actor: Actor | None, warning_id: int, lang: str
) -> WarningPage:
    """What ``actor`` sees on one warning's page (404 if not visible), places named in
    ``lang``."""
    warning = visible_warning(session, actor=actor, warning_id=warning_id)
    state = consultation_state(session, warning)
    mine = agency_jurisdiction(session, actor, warning) if actor else None
    may_answer = policy.may_answer(
        agency_jurisdiction=mine,
        status=warning.status,
        answered=state.answers,
        deadline_passed=state.deadline_passed,
    )
    status = warning.status
    return WarningPage(
        warning=warning,
        state=state,
        criteria=get_criteria(
            session, code=warning.criteria_code, version=warning.criteria_version
        ),
        events=events_of(session, warning_id=warning.id),
        my_jurisdiction=mine,
        may_answer=may_answer,
        answer_closed=mine is not None and status == "consultation" and not may_answer,
        may_open_consultation=policy.may_take_step(actor, "open_consultation", status=status),
        may_issue=policy.may_take_step(actor, "issue", status=status),
        may_change_level=policy.may_take_step(actor, "upgrade", status=status),
        may_lift=policy.may_take_step(actor, "lift", status=status),
        may_withdraw=policy.may_take_step(actor, "withdraw", status=status),
        default_deadline=utcnow() + dt.timedelta(hours=DEFAULT_CONSULTATION_HOURS),
        last_event=last_event_id(session),
        names=place_names(session, lang=lang),
        names_people=policy.sees_usernames(actor, jurisdictions=warning.jurisdictions),
        answered_by={
            j: a.answered_by
            for j, a in state.answers.items()
            if policy.sees_usernames(
                actor, jurisdictions=[a.jurisdiction_code], organisation_id=a.organisation_id
            )
        },
    )
