"""Input, output and filter models of the credit domain, by topic (re-exported here)."""

from __future__ import annotations

from jingjinji.credit.schemas.records import RecordIn as RecordIn
from jingjinji.credit.schemas.records import RecordOut as RecordOut
from jingjinji.credit.schemas.reports import IssuedReportOut as IssuedReportOut
from jingjinji.credit.schemas.reports import PublicSearchFilter as PublicSearchFilter
from jingjinji.credit.schemas.reports import PublicSearchPage as PublicSearchPage
from jingjinji.credit.schemas.reports import PublicSubjectOut as PublicSubjectOut
from jingjinji.credit.schemas.reports import ReportLanguage as ReportLanguage
from jingjinji.credit.schemas.reports import ReportQuery as ReportQuery
from jingjinji.credit.schemas.reports import SignedReport as SignedReport
from jingjinji.credit.schemas.reports import VerificationOut as VerificationOut
from jingjinji.credit.schemas.services import CheckOut as CheckOut
from jingjinji.credit.schemas.services import CommitmentOut as CommitmentOut
from jingjinji.credit.schemas.services import DeclarationOut as DeclarationOut
from jingjinji.credit.schemas.services import ObjectionOut as ObjectionOut
from jingjinji.credit.schemas.services import RepairOut as RepairOut
from jingjinji.credit.schemas.subjects import SubjectIn as SubjectIn
from jingjinji.credit.schemas.subjects import SubjectOut as SubjectOut
