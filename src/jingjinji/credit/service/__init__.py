"""The credit domain's public API (``from jingjinji.credit import service as credit``).

Modules by topic: ``subjects`` (registry, name history), ``records`` (licences, penalties, list
entries, court records; batch upload), ``publication`` (deadlines, publishing, late counts,
withdrawal at the end of publicity), ``objections``, ``repairs``, ``commitments``,
``declarations``, ``checks`` (the joint check), ``scoring`` (risk classes), ``reports`` (signed
credit reports), ``public`` (the anonymous window). Who may do what is ``credit.policy``.
"""

from __future__ import annotations

from jingjinji.credit.service import checks as checks
from jingjinji.credit.service import commitments as commitments
from jingjinji.credit.service import declarations as declarations
from jingjinji.credit.service import objections as objections
from jingjinji.credit.service import public as public
from jingjinji.credit.service import repairs as repairs
from jingjinji.credit.service import reports as reports
from jingjinji.credit.service import scoring as scoring
from jingjinji.credit.service.measures import Measure as Measure
from jingjinji.credit.service.measures import measures_for as measures_for
from jingjinji.credit.service.records import create_record as create_record
from jingjinji.credit.service.records import get_record as get_record
from jingjinji.credit.service.records import public_records as public_records
from jingjinji.credit.service.scoring import class_distribution as class_distribution
from jingjinji.credit.service.scoring import recompute_subject as recompute_subject
from jingjinji.credit.service.subjects import find_subject as find_subject
from jingjinji.credit.service.subjects import get_subject as get_subject
from jingjinji.credit.service.subjects import register_subject as register_subject
from jingjinji.credit.service.subjects import search_subjects as search_subjects
