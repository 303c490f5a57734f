"""Demo: criteria and measures, the Beijing model (trained to 2015-12-31) with its forecasts for
the hold-out, the observed history replayed through the lifecycle, and one consultation left
open for the browser walk-through (awaiting the answers of bj-env, tj-env and he-env); every
later start of the demo re-opens one when none is open (:func:`refresh`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from jingjinji.accounts import service as accounts
from jingjinji.security import SYSTEM_ACTOR, Actor
from jingjinji.timezone import china_date
from jingjinji.warnings import kernels, service

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jingjinji.demo import DemoContext
    from jingjinji.warnings.models import PollutionWarning

CITY = "110000"
TRAIN_UNTIL = dt.date(2015, 12, 31)
HISTORY_FROM = dt.date(2016, 11, 1)
HISTORY_TO = dt.date(2017, 2, 28)
# The Beijing red alert of 2016-12-16..21: the walk-through replays its run-up.
OPEN_CONSULTATION_SEARCH = (dt.date(2016, 12, 12), dt.date(2016, 12, 20))
AGENCIES = ("bj-env", "tj-env", "he-env")
# The consultation re-opened on a start that finds none open (see refresh).
FRESH_LEVEL = "orange"
FRESH_MAX_AQI = 320.0
FRESH_CRITERIA = "bth-2017"
CONSULTATION_OPEN_FOR = dt.timedelta(days=7)


def _say(ctx: DemoContext, message: str) -> None:
    if ctx.console is not None:
        ctx.console.print(f"demo: warnings: {message}")


def _actor(session: Session, username: str) -> Actor:
    return accounts.actor_of(accounts.get_user(session, username=username), channel="web")


def open_consultation(
    session: Session, *, now: dt.datetime | None = None
) -> PollutionWarning | None:
    """The consultation the tour answers: one whose deadline lies ahead (the newest), if any."""
    now = now or dt.datetime.now(dt.UTC)
    for warning in service.list_warnings(session, status=["consultation"]):
        if warning.deadline is not None and warning.deadline > now:
            return warning
    return None


def refresh(session: Session, ctx: DemoContext, *, now: dt.datetime | None = None) -> int:
    """Keep the tour's consultation open on every start: with none open (the one of the last
    run issued, withdrawn or past its deadline), the office proposes an orange warning for
    Beijing for today and the next two days (China's dates) and opens its consultation for a
    week. Idempotent: with one open, nothing changes. Returns the open consultation's id."""
    now = now or dt.datetime.now(dt.UTC)
    found = open_consultation(session, now=now)
    if found is not None:
        ctx.values["open_consultation"] = found.id
        return found.id
    # A used database may predate the shipped criteria (or hold older versions): loading them
    # is idempotent and brings the adoptions up to date before the proposal names a set.
    service.load_criteria(session, actor=SYSTEM_ACTOR)
    service.load_measures(session, actor=SYSTEM_ACTOR)
    office = _actor(session, "office")
    today = china_date(now)
    w = service.propose(
        session,
        actor=office,
        cities=[CITY],
        level=FRESH_LEVEL,
        start=today,
        end=today + dt.timedelta(days=2),
        max_aqi=FRESH_MAX_AQI,
        criteria_code=FRESH_CRITERIA,
        basis="manual",
        evidence={"demo": "re-opened so that the tour has a consultation to answer"},
    )
    service.open_consultation(
        session, actor=office, warning_id=w.id, deadline=now + CONSULTATION_OPEN_FOR, now=now
    )
    ctx.values["open_consultation"] = w.id
    _say(
        ctx,
        f"consultation open: /warnings/{w.id} ({FRESH_LEVEL} from {today}); "
        "answer as bj-env, tj-env, he-env, then issue as office",
    )
    return w.id


def load(session: Session, ctx: DemoContext) -> None:
    service.load_criteria(session, actor=SYSTEM_ACTOR)
    service.load_measures(session, actor=SYSTEM_ACTOR)
    office = _actor(session, "office")
    if CITY not in service.cities_with_data(session):
        _say(ctx, "no Beijing history loaded; proposing one manual warning only")
        refresh(session, ctx)
        return
    row, _ = service.train_model(session, actor=SYSTEM_ACTOR, city_code=CITY, until=TRAIN_UNTIL)
    grid = service.city_grid(session, city_code=CITY)
    days = [TRAIN_UNTIL + dt.timedelta(days=i) for i in range(1, (grid.end - TRAIN_UNTIL).days + 1)]
    added = service.store_forecasts(session, row=row, grid=grid, issue_dates=days)
    _say(ctx, f"model {row.version}: {added} forecast rows for {len(days)} issue days")

    # History: the observed episodes of winter 2016/17 (orange and red) walked through the
    # lifecycle, so the history table and the audit trail show complete warnings.
    criteria = service.get_criteria(session, code="bth-2017")
    replay = service.replay(
        session, city_code=CITY, start=HISTORY_FROM, end=HISTORY_TO, criteria_code=criteria.code
    )
    agencies = [_actor(session, name) for name in AGENCIES]
    done = 0
    for ep in replay.episodes:
        if criteria.rank_of(ep.level) < criteria.rank_of("orange"):
            continue
        w = service.propose_from_episodes(
            session, actor=SYSTEM_ACTOR, episodes={CITY: (ep, criteria)}, basis="observed"
        )
        service.open_consultation(session, actor=office, warning_id=w.id)
        for agency in agencies:
            service.answer(session, actor=agency, warning_id=w.id, agree=True)
        service.issue(session, actor=office, warning_id=w.id)
        service.lift(
            session,
            actor=office,
            warning_id=w.id,
            reason="demo: replayed from the observed history",
        )
        done += 1
    _say(ctx, f"{done} historical warnings replayed through the lifecycle")

    # The open consultation: the first day of the search window whose observed-plus-forecast
    # outlook reaches a level (proposed by the system, consultation opened by the office).
    proposal: tuple[kernels.Episode, str] | None = None
    day = OPEN_CONSULTATION_SEARCH[0]
    while day <= OPEN_CONSULTATION_SEARCH[1] and proposal is None:
        found = service.outlook(
            session,
            city_code=CITY,
            grid=grid,
            day=day,
            model_version=row.version,
            criteria=criteria,
        )
        if found is not None:
            proposal = (found, "forecast")
        day += dt.timedelta(days=1)
    if proposal is None:
        red = [e for e in replay.episodes if e.level == "red"]
        proposal = (red[0], "observed") if red else (replay.episodes[-1], "observed")
    episode, basis = proposal
    w = service.propose_from_episodes(
        session, actor=SYSTEM_ACTOR, episodes={CITY: (episode, criteria)}, basis=basis
    )
    service.open_consultation(
        session,
        actor=office,
        warning_id=w.id,
        deadline=dt.datetime.now(dt.UTC) + CONSULTATION_OPEN_FOR,
    )
    ctx.values["open_consultation"] = w.id
    _say(
        ctx,
        f"consultation open: /warnings/{w.id} ({episode.level}, {basis}); "
        "answer as bj-env, tj-env, he-env, then issue as office",
    )
