"""Demo users: one per role and jurisdiction. All share one demo password (demo only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jingjinji.accounts.schemas import UserIn
from jingjinji.accounts.service import bootstrap_user
from jingjinji.security import Role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jingjinji.demo import DemoContext

DEMO_PASSWORD = "jingjinji-demo"
# argon2id of DEMO_PASSWORD with the production parameters, made once, so that loading the demo
# spends no time hashing (12 hashes took 2-15 s). The password is public, so is its hash; the
# demo users share it. tests/accounts/test_demo_hashes.py checks that it verifies and still has
# the production parameters; to make it again: PasswordHasher().hash("jingjinji-demo").
DEMO_PASSWORD_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$djeaqim8c+894sDoTiS4CQ"
    "$Ea89+JKWuO3YLatJfe1AFB3Rk4VJnsWyWPRS7v4rfIg"
)
OFFICE_ADMIN = "office"

# (username, role, jurisdiction, organisation key, description)
DEMO_USERS = [
    (OFFICE_ADMIN, Role.OFFICE_ADMIN, None, None, "coordination office administrator"),
    ("bj-admin", Role.JURISDICTION_ADMIN, "110000", None, "Beijing administrator"),
    ("tj-admin", Role.JURISDICTION_ADMIN, "120000", None, "Tianjin administrator"),
    ("he-admin", Role.JURISDICTION_ADMIN, "130000", None, "Hebei administrator"),
    ("bj-env", Role.STEWARD, None, "bj_env", "Beijing environment bureau data steward"),
    ("tj-env", Role.STEWARD, None, "tj_env", "Tianjin environment bureau data steward"),
    ("he-env", Role.STEWARD, None, "he_env", "Hebei environment department data steward"),
    ("bj-stats", Role.STEWARD, None, "bj_stats", "Beijing statistics bureau data steward"),
    ("tj-binhai", Role.STEWARD, None, "tj_binhai", "Binhai New Area data steward"),
    ("bj-samr", Role.STEWARD, None, "bj_samr", "Beijing market regulation credit steward"),
    ("tj-samr", Role.STEWARD, None, "tj_samr", "Tianjin market regulation credit steward"),
    ("he-samr", Role.STEWARD, None, "he_samr", "Hebei market regulation credit steward"),
    ("bj-analyst", Role.ANALYST, None, "bj_drc", "Beijing development and reform analyst"),
    ("tj-analyst", Role.ANALYST, None, "tj_drc", "Tianjin development and reform analyst"),
    ("he-analyst", Role.ANALYST, None, "he_drc", "Hebei development and reform analyst"),
]


def demo_logins() -> list[tuple[str, str, str]]:
    return [(u, DEMO_PASSWORD, what) for u, _, _, _, what in DEMO_USERS]


def load(session: Session, ctx: DemoContext) -> None:
    orgs: dict[str, int] = ctx.values["organisations"]
    for username, role, jurisdiction, org_key, what in DEMO_USERS:
        bootstrap_user(
            session,
            data=UserIn(
                username=username,
                display_name=what,
                password=DEMO_PASSWORD,
                role=role,
                jurisdiction_code=jurisdiction,
                organisation_id=orgs[org_key] if org_key else None,
            ),
            password_hash=DEMO_PASSWORD_HASH,
        )
