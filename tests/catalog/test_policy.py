"""The catalog's permission predicates, as pure functions of an actor and plain values."""

from __future__ import annotations

import datetime as dt

import pytest

from jingjinji.catalog import policy
from jingjinji.security import Actor, Role

OWNER_ORG = 7  # a Beijing bureau
BEIJING_UNIT = "110105"
OTHER_ORG = 9  # a Hebei bureau
HEBEI_UNIT = "130600"


def actor(role: Role, jurisdiction: str | None, organisation_id: int | None = None) -> Actor:
    return Actor(
        user_id=1,
        username=role.value,
        role=role,
        jurisdiction_code=jurisdiction,
        organisation_id=organisation_id,
    )


OFFICE = actor(Role.OFFICE_ADMIN, "JJJ")
BJ_ADMIN = actor(Role.JURISDICTION_ADMIN, "110000")
HE_ADMIN = actor(Role.JURISDICTION_ADMIN, "130000")
OWNER_STEWARD = actor(Role.STEWARD, BEIJING_UNIT, OWNER_ORG)
OWNER_ANALYST = actor(Role.ANALYST, BEIJING_UNIT, OWNER_ORG)
OTHER_ANALYST = actor(Role.ANALYST, HEBEI_UNIT, OTHER_ORG)
OTHER_STEWARD = actor(Role.STEWARD, HEBEI_UNIT, OTHER_ORG)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (OFFICE, "office_admin"),
        (OWNER_ANALYST, "owner"),
        (BJ_ADMIN, "jurisdiction_admin"),
        (HE_ADMIN, None),
        (OTHER_ANALYST, None),
        (None, None),
    ],
)
def test_administration_basis(who: Actor | None, expected: str | None) -> None:
    basis = policy.administration_basis(
        who, owner_organisation_id=OWNER_ORG, jurisdiction_code=BEIJING_UNIT
    )
    assert basis == expected


def test_not_shared_is_for_the_office_and_the_owner_only() -> None:
    assert policy.reads_not_shared(OFFICE, owner_organisation_id=OWNER_ORG)
    assert policy.reads_not_shared(OWNER_ANALYST, owner_organisation_id=OWNER_ORG)
    # The owner's province administrator reads conditional data, not the not-shared.
    assert not policy.reads_not_shared(BJ_ADMIN, owner_organisation_id=OWNER_ORG)
    assert not policy.reads_not_shared(None, owner_organisation_id=OWNER_ORG)
    assert not policy.dataset_readable(
        BJ_ADMIN, sharing_class="not_shared", open_to_public=False, owner_organisation_id=OWNER_ORG
    )
    assert not policy.dataset_readable(
        None, sharing_class="unconditional", open_to_public=False, owner_organisation_id=OWNER_ORG
    )
    assert policy.closed_dataset_reason(None) == "login required"


def test_withheld_reasons_field_by_field() -> None:
    def reason(who: Actor | None, field_class: str, *, granted: bool = False) -> str | None:
        administration = policy.administration_basis(
            who, owner_organisation_id=OWNER_ORG, jurisdiction_code=BEIJING_UNIT
        )
        return policy.withheld_reason(
            who,
            field_class=field_class,
            administration=administration,
            granted=granted,
            owner_organisation_id=OWNER_ORG,
        )

    assert reason(None, "unconditional") is None
    assert reason(None, "conditional") == "conditional: login and a grant required"
    assert reason(OTHER_ANALYST, "conditional") == "conditional: no grant"
    assert reason(OTHER_ANALYST, "conditional", granted=True) is None
    assert reason(BJ_ADMIN, "conditional") is None
    assert reason(BJ_ADMIN, "not_shared") == "not_shared: owner organisation only"
    assert reason(OWNER_ANALYST, "not_shared") is None


def test_read_basis_prefers_administration_then_grant() -> None:
    assert policy.read_basis(OFFICE, administration="office_admin", used_grant=True) == (
        "office_admin"
    )
    assert policy.read_basis(OTHER_ANALYST, administration=None, used_grant=True) == "grant"
    assert policy.read_basis(OTHER_ANALYST, administration=None, used_grant=False) == (
        "unconditional"
    )
    assert policy.read_basis(None, administration=None, used_grant=False) == "public"
    assert policy.crosses_jurisdictions(OTHER_ANALYST, owner_province_code="110000")
    assert not policy.crosses_jurisdictions(OWNER_ANALYST, owner_province_code="110000")
    assert not policy.crosses_jurisdictions(None, owner_province_code="110000")


def test_who_may_apply() -> None:
    def may_apply(
        who: Actor | None,
        *,
        sharing_class: str = "conditional",
        fields_to_request: bool = True,
        has_open_request: bool = False,
    ) -> bool:
        return policy.may_apply(
            who,
            owner_organisation_id=OWNER_ORG,
            sharing_class=sharing_class,
            fields_to_request=fields_to_request,
            has_open_request=has_open_request,
        )

    assert may_apply(OTHER_ANALYST) and may_apply(OTHER_STEWARD)
    assert not may_apply(None)
    assert not may_apply(BJ_ADMIN)  # administrators read without applying
    assert not may_apply(OWNER_ANALYST)
    assert not may_apply(OTHER_ANALYST, sharing_class="not_shared")
    assert not may_apply(OTHER_ANALYST, fields_to_request=False)
    assert not may_apply(OTHER_ANALYST, has_open_request=True)


def test_both_sides_see_a_request() -> None:
    def sees(who: Actor | None) -> bool:
        return policy.may_see_request(
            who,
            owner_organisation_id=OWNER_ORG,
            dataset_jurisdiction_code=BEIJING_UNIT,
            requester_organisation_id=OTHER_ORG,
            requester_jurisdiction_code=HEBEI_UNIT,
        )

    assert all(sees(w) for w in (OFFICE, BJ_ADMIN, HE_ADMIN, OWNER_ANALYST, OTHER_ANALYST))
    assert not sees(actor(Role.JURISDICTION_ADMIN, "120000"))
    assert not sees(actor(Role.ANALYST, "120101", 11))
    assert not sees(None)


@pytest.mark.parametrize(
    ("who", "status", "expected"),
    [
        (OWNER_STEWARD, "pending", True),
        (OWNER_STEWARD, "escalated", True),
        (OWNER_STEWARD, "approved", False),
        (OWNER_ANALYST, "pending", False),
        (BJ_ADMIN, "pending", True),
        (HE_ADMIN, "pending", False),
        (OTHER_STEWARD, "pending", False),
        (OFFICE, "pending", False),  # the office waits for escalation
        (OFFICE, "escalated", True),
        (None, "pending", False),
    ],
)
def test_who_may_decide(who: Actor | None, status: str, expected: bool) -> None:
    decides = policy.may_decide(
        who, status=status, owner_organisation_id=OWNER_ORG, dataset_jurisdiction_code=BEIJING_UNIT
    )
    assert decides is expected


def test_overdue_and_revocation() -> None:
    today = dt.date(2026, 11, 23)
    yesterday = today - dt.timedelta(days=1)
    assert policy.is_overdue(status="pending", due_date=yesterday, today=today)
    assert policy.is_overdue(status="escalated", due_date=yesterday, today=today)
    assert not policy.is_overdue(status="pending", due_date=today, today=today)
    assert not policy.is_overdue(status="approved", due_date=yesterday, today=today)

    def may_revoke(who: Actor | None) -> bool:
        return policy.may_revoke(
            who, owner_organisation_id=OWNER_ORG, jurisdiction_code=BEIJING_UNIT
        )

    assert may_revoke(OWNER_STEWARD) and may_revoke(BJ_ADMIN) and may_revoke(OFFICE)
    assert not may_revoke(OWNER_ANALYST) and not may_revoke(HE_ADMIN) and not may_revoke(None)
    assert policy.decides_escalated(OFFICE) and not policy.decides_escalated(BJ_ADMIN)
