"""Opening incidents from stored samples (called at the end of every sample ingestion).

Only sections whose kind concerns a neighbour (``sections.LINKED_KINDS``: cross-border and
into-the-sea) are watched. For each sample (section, time, kind) of the ingestion:

* target exceeded: the section class of the sample's graded values (GB 3838, the items of the
  2011 method) is worse than the section's target for the sample's year (China time); a
  section without a target is held to class III;
* jump: a value above ``water_jump_multiple`` times the median of the same item at that section
  over the 30 days before the sample (at least 3 earlier values). pH, DO and temperature are
  not watched for jumps (pH is a scale, DO is better when higher).

Values reported below the detection limit never open an incident (they cannot exceed) and count
in earlier medians as the configured share of the limit (``water_below_detection``).

Severity (OPEN, docs/water.md): serious when the section is worse than class V or a value
jumped to twice the configured multiple or more; general otherwise.

One open incident per section, trigger and China day (``Incident.dedupe_key``): running the
detection again, or another batch the same day, adds nothing; of several samples of one batch
the worst opens the incident. A jump on a day the section also exceeds its target is one event,
not two: the target incident carries the jump in its detail.

Ingestion watches only samples taken within ``water_incident_window_days`` (30) of their
arrival: back-filled history is data, not an emergency (docs/water.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jingjinji.config import get_settings
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.timezone import china_date
from jingjinji.water.kernels import gb3838
from jingjinji.water.models import Incident, IncidentSeverity, IncidentTrigger, Sample, Section
from jingjinji.water.service import sections as sections_service
from jingjinji.water.service.incidents.opening import open_incident

DEFAULT_TARGET = 3
JUMP_WINDOW = dt.timedelta(days=30)
JUMP_MIN_EARLIER = 3
NO_JUMP_ITEMS = frozenset(gb3838.NO_MULTIPLE_ITEMS)
_BELOW_SHARE = {"half": 0.5, "zero": 0.0, "limit": 1.0}

SampleKey = tuple[str, dt.datetime, str]


@dataclass(frozen=True)
class Finding:
    section: Section
    trigger: str
    observed_at: dt.datetime
    severity: str
    rank: float  # the worse finding of one key opens the incident
    summary: str
    detail: dict[str, Any]

    @property
    def dedupe_key(self) -> str:
        return f"{self.section.code}:{self.trigger}:{china_date(self.observed_at).isoformat()}"


def _target_finding(
    section: Section, at: dt.datetime, values: dict[str, float], target: int
) -> Finding | None:
    graded = {i: v for i, v in values.items() if i in gb3838.EVALUATED_ITEMS}
    if not graded or section.waterbody not in gb3838.WATERBODIES:
        return None
    classes = {
        i: int(gb3838.item_class(i, [v], waterbody=section.waterbody)[0]) for i, v in graded.items()
    }
    worst = int(gb3838.section_class({i: [c] for i, c in classes.items()})[0])
    if worst <= target:
        return None
    items = sorted(i for i, c in classes.items() if c > target)
    serious = worst >= gb3838.WORSE_THAN_V
    named = ", ".join(f"{i} {graded[i]:g}" for i in items)
    return Finding(
        section=section,
        trigger=IncidentTrigger.TARGET_EXCEEDED.value,
        observed_at=at,
        severity=(IncidentSeverity.SERIOUS if serious else IncidentSeverity.GENERAL).value,
        rank=worst,
        summary=f"{section.name_en} ({section.code}): class {worst} against target {target} "
        f"({named})",
        detail={
            "target_class": target,
            "section_class": worst,
            "items": [{"item": i, "value": graded[i], "class": classes[i]} for i in items],
            "sampled_at": at.isoformat(),
        },
    )


def _jump_finding(
    section: Section,
    at: dt.datetime,
    values: dict[str, float],
    earlier: dict[str, list[tuple[dt.datetime, float]]],
    multiple: float,
) -> Finding | None:
    jumps: list[dict[str, Any]] = []
    ratios: list[float] = []
    for item, value in sorted(values.items()):
        if item in NO_JUMP_ITEMS:
            continue
        window = [v for t, v in earlier.get(item, []) if at - JUMP_WINDOW <= t < at]
        if len(window) < JUMP_MIN_EARLIER:
            continue
        median = statistics.median(window)
        if median > 0 and value > multiple * median:
            ratios.append(value / median)
            jumps.append(
                {
                    "item": item,
                    "value": value,
                    "median": median,
                    "ratio": value / median,
                    "earlier": len(window),
                }
            )
    if not jumps:
        return None
    ratio = max(ratios)
    named = ", ".join(f"{j['item']} {j['value']:g} ({j['ratio']:.1f}x)" for j in jumps)
    return Finding(
        section=section,
        trigger=IncidentTrigger.JUMP.value,
        observed_at=at,
        severity=(
            IncidentSeverity.SERIOUS if ratio >= 2 * multiple else IncidentSeverity.GENERAL
        ).value,
        rank=ratio,
        summary=f"{section.name_en} ({section.code}): values above {multiple:g} times their "
        f"30-day median ({named})",
        detail={"multiple": multiple, "items": jumps, "sampled_at": at.isoformat()},
    )


def _ingested(
    session: Session, ingestion_id: int, since: dt.datetime | None
) -> tuple[dict[str, Section], dict[SampleKey, dict[str, float]]]:
    """The linked sections the ingestion wrote and its values above detection, by sample
    (taken at or after ``since`` when given)."""
    stmt = (
        select(Sample.section_code, Sample.sampled_at, Sample.kind, Sample.item, Sample.value)
        .join(Section, Section.code == Sample.section_code)
        .where(
            Sample.ingestion_id == ingestion_id,
            Sample.below_detection.is_(False),
            Section.kind.in_(sorted(sections_service.LINKED_KINDS)),
        )
    )
    if since is not None:
        stmt = stmt.where(Sample.sampled_at >= since)
    rows = session.execute(stmt).all()
    samples: dict[SampleKey, dict[str, float]] = defaultdict(dict)
    for code, at, kind, item, value in rows:
        samples[(code, at, kind)][item] = value
    sections = sections_service.sections_by_code(session, codes={k[0] for k in samples})
    return sections, samples


def _earlier_values(
    session: Session, samples: dict[SampleKey, dict[str, float]]
) -> dict[str, dict[str, list[tuple[dt.datetime, float]]]]:
    """Values of the watched items at these sections in the 30 days before the batch's first
    sample (one query), by section and item."""
    codes = sorted({k[0] for k in samples})
    items = sorted({i for values in samples.values() for i in values} - NO_JUMP_ITEMS)
    first = min(k[1] for k in samples)
    last = max(k[1] for k in samples)
    share = _BELOW_SHARE.get(get_settings().water_below_detection, 0.5)
    found: dict[str, dict[str, list[tuple[dt.datetime, float]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    if not items:
        return found
    rows = session.execute(
        select(
            Sample.section_code,
            Sample.item,
            Sample.sampled_at,
            Sample.value,
            Sample.below_detection,
        ).where(
            Sample.section_code.in_(codes),
            Sample.item.in_(items),
            Sample.sampled_at >= first - JUMP_WINDOW,
            Sample.sampled_at < last,
        )
    ).all()
    for code, item, at, value, below in rows:
        found[code][item].append((at, value * share if below else value))
    return found


def _day_of(finding: Finding) -> str:
    return f"{finding.section.code}:{china_date(finding.observed_at).isoformat()}"


def _merge_jumps(findings: list[Finding], taken: set[str]) -> list[Finding]:
    """Fold a jump into the same day's target finding (or drop it where that day's target
    incident is already open): one reading, one incident."""
    target_days = {
        _day_of(f): f for f in findings if f.trigger == IncidentTrigger.TARGET_EXCEEDED.value
    }
    for f in findings:
        target = target_days.get(_day_of(f)) if f.trigger == IncidentTrigger.JUMP.value else None
        if target is not None:
            serious = IncidentSeverity.SERIOUS.value in (target.severity, f.severity)
            target_days[_day_of(f)] = dataclasses.replace(
                target,
                severity=(IncidentSeverity.SERIOUS if serious else IncidentSeverity.GENERAL).value,
                detail={**target.detail, "jump": f.detail},
            )
    target_days_taken = {
        key.replace(f":{IncidentTrigger.TARGET_EXCEEDED.value}:", ":", 1)
        for key in taken
        if f":{IncidentTrigger.TARGET_EXCEEDED.value}:" in key
    }
    kept: list[Finding] = []
    for f in findings:
        if f.trigger == IncidentTrigger.TARGET_EXCEEDED.value:
            kept.append(target_days[_day_of(f)])
        elif _day_of(f) not in target_days and _day_of(f) not in target_days_taken:
            kept.append(f)
    return kept


def _findings(session: Session, ingestion_id: int, since: dt.datetime | None) -> list[Finding]:
    sections, samples = _ingested(session, ingestion_id, since)
    if not samples:
        return []
    years = {china_date(k[1]).year for k in samples}
    targets = {y: sections_service.targets_for(session, year=y, codes=sections) for y in years}
    earlier = _earlier_values(session, samples)
    multiple = get_settings().water_jump_multiple
    best: dict[str, Finding] = {}
    for (code, at, _kind), values in sorted(samples.items()):
        section = sections[code]
        target = targets[china_date(at).year].get(code, DEFAULT_TARGET)
        for finding in (
            _target_finding(section, at, values, target),
            _jump_finding(section, at, values, earlier.get(code, {}), multiple),
        ):
            if finding is None:
                continue
            held = best.get(finding.dedupe_key)
            if held is None or finding.rank > held.rank:
                best[finding.dedupe_key] = finding
    return list(best.values())


def detect_after_ingestion(
    session: Session, *, ingestion_id: int, since: dt.datetime | None = None
) -> list[Incident]:
    """Open the incidents the ingestion's samples (those taken at or after ``since``, when
    given) call for; those already open for the same section, trigger and day are not opened
    again. Returns the incidents opened now."""
    findings = _findings(session, ingestion_id, since)
    if not findings:
        return []
    days = sorted({_day_of(f) for f in findings})
    keys = [
        f"{day.split(':')[0]}:{trigger.value}:{day.split(':')[1]}"
        for day in days
        for trigger in (IncidentTrigger.TARGET_EXCEEDED, IncidentTrigger.JUMP)
    ]
    taken = {
        k
        for k in session.scalars(select(Incident.dedupe_key).where(Incident.dedupe_key.in_(keys)))
        if k is not None
    }
    findings = _merge_jumps(findings, taken)
    opened: list[Incident] = []
    for finding in findings:
        if finding.dedupe_key in taken:
            continue
        try:
            # A concurrent batch may open the same incident first: its key then stands alone.
            with session.begin_nested():
                opened.append(
                    open_incident(
                        session,
                        actor=SYSTEM_ACTOR,
                        section=finding.section,
                        trigger=finding.trigger,
                        severity=finding.severity,
                        summary=finding.summary,
                        observed_at=finding.observed_at,
                        detail=finding.detail,
                        dedupe_key=finding.dedupe_key,
                    )
                )
        except IntegrityError:
            continue
    return opened
