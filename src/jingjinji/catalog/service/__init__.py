"""The data catalog: datasets, records, conditional access and the sharing report.

Sharing classes follow China's government data-sharing rules: 无条件共享 (``unconditional``),
有条件共享 (``conditional``) and 不予共享 (``not_shared``). A field is never more open than its
dataset. Access to conditional fields is granted to an organisation through an access request;
grants and revocations are append-only events from which current access is derived.

This package is the catalog's public API (``from jingjinji.catalog import service``); its
modules, by topic:

- ``datasets``: registering datasets, their visibility and listing
- ``access``: field-level read access and the audit of reads across jurisdictions
- ``records``: writing and reading records; ``sources``: records served by other domains
- ``requests``: applying for access; ``decisions``: approval, rejection, escalation
- ``grants``: grants in force, their visibility and revocation; ``events``: the history
- ``scopes``: grants of some rows only (row scopes), made by another domain's service
- ``deadlines``: decision deadlines in working days; ``report``: the sharing report
- ``pages``: what the pages show, and their form submissions

Who may do what is ``jingjinji.catalog.policy``.
"""

from __future__ import annotations

from jingjinji.catalog.service.access import ReadAccess, access_for, readable_fields, record_read
from jingjinji.catalog.service.activity import activity_page, dataset_activity
from jingjinji.catalog.service.datasets import (
    create_dataset,
    domains_in_use,
    ensure_dataset,
    get_dataset,
    list_datasets,
    register_provincial_datasets,
    update_dataset,
    visible_dataset,
)
from jingjinji.catalog.service.deadlines import DeadlinePolicy, deadline_policy, decision_deadline
from jingjinji.catalog.service.decisions import (
    ESCALATION_JOB,
    decide_access_request,
    escalate_overdue,
)
from jingjinji.catalog.service.downloads import DownloadPlan, plan_download, record_batches
from jingjinji.catalog.service.feed import catalog_feed, feed_entry
from jingjinji.catalog.service.grants import (
    get_grant,
    grant_of_request,
    granted_fields,
    list_grants,
    revoke_grant,
)
from jingjinji.catalog.service.pages import (
    DatasetPage,
    RequestsPage,
    dataset_page,
    requests_page,
    submit_access_request,
    submit_decision,
    submit_revocation,
)
from jingjinji.catalog.service.records import count_records, read_records, write_records
from jingjinji.catalog.service.report import (
    DatasetCounts,
    dataset_counts_by_province,
    sharing_report,
    sharing_reports,
)
from jingjinji.catalog.service.requests import (
    create_access_request,
    get_access_request,
    list_access_requests,
    open_request,
    period_errors,
    request_out,
    request_outs,
    visible_access_request,
)
from jingjinji.catalog.service.scopes import (
    UNTIL_REVOKED,
    RowScopes,
    grant_covers,
    grant_scoped,
    scopes_of,
)
from jingjinji.catalog.service.shapes import dataset_out, dataset_outs
from jingjinji.catalog.service.sources import (
    RecordReader,
    ValueLabels,
    provincial_code,
    record_source_for,
    register_record_source,
    register_value_labels,
    split_provincial_code,
    value_labels_for,
)
from jingjinji.catalog.service.validation import check_listing_query

__all__ = [
    "ESCALATION_JOB",
    "UNTIL_REVOKED",
    "DatasetCounts",
    "DatasetPage",
    "DeadlinePolicy",
    "DownloadPlan",
    "ReadAccess",
    "RecordReader",
    "RequestsPage",
    "RowScopes",
    "ValueLabels",
    "access_for",
    "activity_page",
    "catalog_feed",
    "check_listing_query",
    "count_records",
    "create_access_request",
    "create_dataset",
    "dataset_activity",
    "dataset_counts_by_province",
    "dataset_out",
    "dataset_outs",
    "dataset_page",
    "deadline_policy",
    "decide_access_request",
    "decision_deadline",
    "domains_in_use",
    "ensure_dataset",
    "escalate_overdue",
    "feed_entry",
    "get_access_request",
    "get_dataset",
    "get_grant",
    "grant_covers",
    "grant_of_request",
    "grant_scoped",
    "granted_fields",
    "list_access_requests",
    "list_datasets",
    "list_grants",
    "open_request",
    "period_errors",
    "plan_download",
    "provincial_code",
    "read_records",
    "readable_fields",
    "record_batches",
    "record_read",
    "record_source_for",
    "register_provincial_datasets",
    "register_record_source",
    "register_value_labels",
    "request_out",
    "request_outs",
    "requests_page",
    "revoke_grant",
    "scopes_of",
    "sharing_report",
    "sharing_reports",
    "split_provincial_code",
    "submit_access_request",
    "submit_decision",
    "submit_revocation",
    "update_dataset",
    "value_labels_for",
    "visible_access_request",
    "visible_dataset",
    "write_records",
]
