"""Who may read and check the audit trail: pure predicates of the actor.

No session and no queries here: the service enforces these rules (auditing refusals).
"""

from __future__ import annotations

from jingjinji.security import Actor, Role

# Who may read the trail: the coordination office all of it, a jurisdiction administrator the
# entries about their province.
TRAIL_READERS = (Role.OFFICE_ADMIN, Role.JURISDICTION_ADMIN)
# Who may verify the whole hash chain (it covers every province).
CHAIN_VERIFIERS = (Role.OFFICE_ADMIN,)


def may_verify_chain(actor: Actor) -> bool:
    return actor.role in CHAIN_VERIFIERS
