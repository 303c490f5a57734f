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
