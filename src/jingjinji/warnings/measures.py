"""Response measures: the versioned lists of what each level sets in motion, region-wide and
per jurisdiction, shipped as data; a warning keeps a snapshot of them when it is issued and
whenever its level changes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.db import utcnow
from jingjinji.errors import Conflict, InvalidInput
from jingjinji.i18n import msg
from jingjinji.security import SYSTEM_ACTOR, Actor, ensure_role
from jingjinji.warnings import policy, shipped
from jingjinji.warnings.models import ResponseMeasureSet
from jingjinji.warnings.states import LEVELS


def load_measures(session: Session, *, actor: Actor | None = SYSTEM_ACTOR) -> int:
    """Load every shipped measures file (new versions only). Returns how many were added."""
    ensure_role(
        session,
        actor,
        policy.OFFICE_ROLE,
        action="warnings.measures.load",
        object_type="warning_measures",
    )
    added = 0
    for name in shipped.data_files("measures"):
        data = json.loads(shipped.data_text("measures", name))
        scope, version = str(data["scope"]), int(data["version"])
        unknown = set(data["levels"]) - set(LEVELS)
        if unknown:
            raise InvalidInput(
                msg("measures {name}: unknown levels {unknown}", name=name, unknown=sorted(unknown))
            )
        digest = shipped.content_digest(data)
        row = session.scalar(
            select(ResponseMeasureSet).where(
                ResponseMeasureSet.scope == scope, ResponseMeasureSet.version == version
            )
        )
        if row is not None:
            if row.sha256 != digest:
                raise Conflict(
                    msg(
                        "measures {scope} version {version} is loaded with other content: give the "
                        "changed file a new version",
                        scope=scope,
                        version=version,
                    )
                )
            continue
        session.add(
            ResponseMeasureSet(
                scope=scope,
                version=version,
                levels=data["levels"],
                source=data.get("source", ""),
                sha256=digest,
            )
        )
        added += 1
        audit.record(
            session,
            actor=actor,
            action="warnings.measures.load",
            object_type="warning_measures",
            object_id=f"{scope}@{version}",
            detail={"sha256": digest},
        )
    session.flush()
    return added


def _latest_measures(session: Session, scope: str) -> ResponseMeasureSet | None:
    return session.scalar(
        select(ResponseMeasureSet)
        .where(ResponseMeasureSet.scope == scope)
        .order_by(ResponseMeasureSet.version.desc())
        .limit(1)
    )


def measures_snapshot(
    session: Session, *, jurisdictions: Sequence[str], level: str
) -> dict[str, Any]:
    """The measures of ``level`` as they stand now: regional minimum plus each jurisdiction's
    own, with the versions they came from."""
    region = _latest_measures(session, "region")
    out: dict[str, Any] = {
        "level": level,
        "taken_at": utcnow().isoformat(),
        "region": {
            "version": region.version if region else None,
            "items": list(region.levels.get(level, [])) if region else [],
        },
        "jurisdictions": {},
    }
    for code in jurisdictions:
        local = _latest_measures(session, code)
        out["jurisdictions"][code] = {
            "version": local.version if local else None,
            "items": list(local.levels.get(level, [])) if local else [],
        }
    return out
