"""Registers the credit domain's periodic job, withdrawal of records whose publicity period
is over (``credit.withdraw_expired``, hourly; see ``service.publication``), and, as every
process imports this module, the catalog record source of the credit datasets (``flows``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from jingjinji.credit import flows
from jingjinji.credit.service import publication
from jingjinji.jobs import service as jobs

jobs.periodic(publication.WITHDRAW_JOB, every=dt.timedelta(hours=1))


@jobs.handler(publication.WITHDRAW_JOB)
def withdraw_expired(session: Session, payload: dict[str, Any]) -> None:
    day = payload.get("as_of")
    publication.withdraw_expired(session, today=dt.date.fromisoformat(day) if day else None)


__all__ = ["flows", "withdraw_expired"]
