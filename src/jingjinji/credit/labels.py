"""Labels of the credit registry's codes in both languages (``jingjinji.labels``; the Chinese is
in ``credit_public.po`` and ``enums.po``)."""

from __future__ import annotations

from jingjinji.labels import N_, register

RECORD_KINDS = register(
    "credit.record_kind",
    {
        "licence": N_("Administrative licence"),
        "penalty": N_("Administrative penalty"),
        "red_list": N_("Red list (joint incentives)"),
        "black_list": N_("Black list (seriously untrustworthy)"),
        "court_enforcement": N_("Court enforcement"),
        "broken_commitment": N_("Broken credit commitment"),
    },
)
# The colour of a joint measure: whom it rewards (red list) or restrains (black list).
MEASURE_KINDS = register("credit.measure_kind", {"red": N_("red list"), "black": N_("black list")})
RISK_CLASSES = register("credit.risk_class", {"unclassified": N_("unclassified")})
# The identity document of a record's natural person (``details.id_type``; the closed list of
# ``kernels/identity.py``).
ID_TYPES = register(
    "credit.id_type",
    {
        "resident_id_card": N_("Resident identity card"),
        "passport": N_("Passport"),
        "hk_macao_permit": N_("Mainland travel permit for Hong Kong and Macao residents"),
        "taiwan_permit": N_("Mainland travel permit for Taiwan residents"),
        "foreign_permanent_residence": N_("Foreign permanent resident ID card"),
        "other": N_("Other document"),
    },
)
# A record's state and why it left public view (the agency's record page).
RECORD_STATUSES = register(
    "credit.record_status",
    {
        "pending": N_("Pending publication"),
        "published": N_("Published"),
        "withdrawn": N_("Withdrawn"),
        "corrected": N_("Corrected after an objection"),
    },
)
WITHDRAWN_REASONS = register(
    "credit.withdrawn_reason",
    {
        "lifted": N_("lifted from the list"),
        "period_over": N_("publicity period over"),
        "repaired": N_("credit repaired"),
        "objection_corrected": N_("corrected after an objection"),
    },
)
# The outcomes of objections and repair applications in a record's history.
OUTCOMES = register(
    "credit.outcome",
    {
        "corrected": N_("Corrected"),
        "upheld": N_("Upheld"),
        "approved": N_("Approved"),
        "rejected": N_("Rejected"),
    },
)

#: The fields of the public forms (objection, repair, commitment, declaration) and of the
#: agency's record form by their labels on the page, for the problems a refused form lists.
FORM_FIELDS: dict[str, dict[str, str]] = {
    "object": {
        "record_id": N_("Record"),
        "objector_name": N_("Your name"),
        "objector_contact": N_("How to reach you (telephone or e-mail; not published)"),
        "reason": N_("What is wrong in the record"),
    },
    "repair": {
        "record_id": N_("Record"),
        "applicant_name": N_("Applicant"),
        "evidence": N_("Evidence (what was done: fine paid, rectification...)"),
    },
    "commit": {
        "representative_name": N_("Representative"),
        "organisation_id": N_("Agency the commitment is made to"),
        "purpose": N_("Purpose"),
        "content": N_("What the subject promises"),
        "due_date": N_("To be kept by"),
    },
    "declare": {
        "kind": N_("Kind"),
        "title": N_("Title"),
        "content": N_("Details"),
        "declared_by_name": N_("Declared by"),
    },
    # the agency desks' answer forms
    "objection_answer": {
        "outcome": N_("Outcome"),
        "answer": N_("Answer"),
        "correction": N_("Corrected content (optional: a new revision instead of withdrawal)"),
    },
    "repair_decision": {"outcome": N_("Outcome"), "note": N_("Note")},
    "commitment_outcome": {"outcome": N_("Outcome"), "note": N_("Note")},
}

#: The columns of a record (the agency's record form and an uploaded file's header, the detail
#: fields by their own names) by their labels, for the problems the agency page lists.
RECORD_COLUMNS: dict[str, str] = {
    "kind": N_("Kind"),
    "uscc": N_("Unified Social Credit Code"),
    "subject_name": N_("Subject name"),
    "source_agency_uscc": N_("Source agency (USCC)"),
    "document_number": N_("Document number"),
    "title": N_("Title"),
    "category": N_("Category"),
    "severity": N_("Severity"),
    "penalty_types": N_("Penalty types"),
    "facts": N_("Facts"),
    "legal_basis": N_("Legal basis"),
    "content": N_("Content"),
    "fine_10k_cny": N_("Fine (10k CNY)"),
    "confiscated_10k_cny": N_("Confiscated (10k CNY)"),
    "licence_suspended_or_revoked": N_("Licence suspended or revoked"),
    "licence_number": N_("Licence number"),
    "valid_from": N_("Valid from"),
    "valid_to": N_("Valid to"),
    "measures": N_("Measures (list entries)"),
    "decision_date": N_("Decision date"),
    "publish": N_("Publish at once"),
    "legal_representative": N_("Legal representative"),
    "id_type": N_("ID type"),
    "id_number": N_("ID number"),
    "authority_name": N_("Authority"),
    "authority_uscc": N_("Authority (USCC)"),
    "court": N_("Court"),
    "enforcement_basis": N_("Enforcement basis"),
    "obligation": N_("Obligation"),
    "performance": N_("Performance"),
    "list_reason": N_("Reason for listing"),
    "licence_category": N_("Licence category"),
}


def record_column(field: str) -> str:
    """The column of :data:`RECORD_COLUMNS` a problem's field (its location, dotted) names: the
    field itself, a detail field by its own name as a file's header writes it (``details.court``
    -> ``court``), an item of a list by its list (``measures.0`` -> ``measures``); ``-`` for
    none (a problem of the whole record)."""
    parts = field.split(".")
    if parts[0] == "details" and len(parts) > 1:
        return parts[1]
    return parts[0] or "-"
