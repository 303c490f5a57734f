"""The warning's levels and states, the steps between them, and what the public sees.

Lifecycle (every step audited, each by the role that owns it)::

    proposed --open_consultation--> consultation --issue--> issued --lift--> lifted
        |  (system job or office)        | (office)     (office)   ^  |
        |                                 |                         |  upgrade / downgrade
        +-------------withdraw------------+--> withdrawn            +--+  (office)
"""

from __future__ import annotations

from jingjinji.warnings import kernels

LEVELS: tuple[str, ...] = kernels.LEVEL_ORDER
STATUSES = ("proposed", "consultation", "issued", "lifted", "withdrawn")
OPEN_STATUSES = ("proposed", "consultation", "issued")

# transition name -> (allowed from-statuses, to-status)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "open_consultation": (("proposed",), "consultation"),
    "issue": (("consultation",), "issued"),
    "upgrade": (("issued",), "issued"),
    "downgrade": (("issued",), "issued"),
    "lift": (("issued",), "lifted"),
    "withdraw": (("proposed", "consultation"), "withdrawn"),
}

#: What the public (no login) sees: issued and lifted warnings and their public steps. Proposals,
#: consultations and the agencies' answers are for logged-in users of the platform.
PUBLIC_STATUSES: tuple[str, ...] = ("issued", "lifted")
PUBLIC_EVENTS: tuple[str, ...] = ("issued", "upgraded", "downgraded", "lifted")
