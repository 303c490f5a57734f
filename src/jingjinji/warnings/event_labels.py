"""The names of the warnings' webhook events in both languages (``label("event", name)``);
the water and sources domains register theirs where they define them."""

from __future__ import annotations

from jingjinji.labels import N_, register

EVENT_LABELS = register(
    "event",
    {
        "warning.proposed": N_("warning proposed"),
        "warning.consultation_opened": N_("warning consultation opened"),
        "warning.answered": N_("warning consultation answered"),
        "warning.issued": N_("warning issued"),
        "warning.upgraded": N_("warning upgraded"),
        "warning.downgraded": N_("warning downgraded"),
        "warning.lifted": N_("warning lifted"),
        "warning.withdrawn": N_("warning withdrawn"),
    },
)
