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
