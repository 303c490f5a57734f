"""Coordinated-development tracking: agreements, commitments, indicators, values, targets,
validation, progress and roll-ups. This package is the domain's public API; its modules are
the topics.

Public functions are keyword-only and take a ``Session`` first. Every write is authorised
(``security.ensure_can_write`` / ``ensure_role``, on whose behalf: ``progress.policy``) and
audited in the same transaction.

Who may write what:

- agreements and indicator definitions: the coordination office (office administrators);
- commitments: office administrators, or the jurisdiction administrator of the lead
  jurisdiction's province; status changes and evidence also by a steward of a responsible agency;
- values: office administrators; jurisdiction administrators for their province; stewards of an
  organisation for its own jurisdiction and the jurisdictions below it; analysts never;
- targets: office administrators and the jurisdiction administrator of the target's province.

Reads are open: progress tracking is the region's shared, published record.
"""

from __future__ import annotations

from jingjinji.progress.service.agreements import create_agreement, get_agreement, list_agreements
from jingjinji.progress.service.checking import VALUE_COLUMNS, check_rows, problem_order
from jingjinji.progress.service.commitment_updates import add_evidence, change_status
from jingjinji.progress.service.commitments import (
    commitment_detail,
    commitment_history,
    commitment_out,
    create_commitment,
    get_commitment,
    history_out,
    list_commitments,
    page_commitments,
)
from jingjinji.progress.service.grouping import (
    COMMITMENT_GROUPS,
    PROGRESS_GROUPS,
    PROGRESS_STATUSES,
    commitments_grouped,
    group_commitments,
    group_progress,
    summary,
)
from jingjinji.progress.service.indicators import create_indicator, get_indicator, list_indicators
from jingjinji.progress.service.inputs import invalid
from jingjinji.progress.service.revisions import revisions_of, value_detail
from jingjinji.progress.service.targets import list_targets, set_target, target_out
from jingjinji.progress.service.tracking import latest_year, progress_rows, rollups, series_of
from jingjinji.progress.service.validation import rule_check, validate
from jingjinji.progress.service.values import (
    authorise_values,
    delete_value,
    list_values,
    page_values,
    permission_problems,
    refuse_values,
    store_clean,
    submit_value,
    submit_values,
    value_out,
)

__all__ = [
    "COMMITMENT_GROUPS",
    "PROGRESS_GROUPS",
    "PROGRESS_STATUSES",
    "VALUE_COLUMNS",
    "add_evidence",
    "authorise_values",
    "change_status",
    "check_rows",
    "commitment_detail",
    "commitment_history",
    "commitment_out",
    "commitments_grouped",
    "create_agreement",
    "create_commitment",
    "create_indicator",
    "delete_value",
    "get_agreement",
    "get_commitment",
    "get_indicator",
    "group_commitments",
    "group_progress",
    "history_out",
    "invalid",
    "latest_year",
    "list_agreements",
    "list_commitments",
    "list_indicators",
    "list_targets",
    "list_values",
    "page_commitments",
    "page_values",
    "permission_problems",
    "problem_order",
    "progress_rows",
    "refuse_values",
    "revisions_of",
    "rollups",
    "rule_check",
    "series_of",
    "set_target",
    "store_clean",
    "submit_value",
    "submit_values",
    "summary",
    "target_out",
    "validate",
    "value_detail",
    "value_out",
]
