"""Who uploads observations and reads raw values: the pure predicates of ``air.policy``."""

from __future__ import annotations

import pytest

from jingjinji.air import policy
from jingjinji.air.models import Station
from jingjinji.security import Actor, Role

BJ_ENV, HE_ENV = 11, 13


def _actor(role: Role, jurisdiction: str | None = None, organisation: int | None = None) -> Actor:
    return Actor(
        user_id=1,
        username=role.value,
        role=role,
        jurisdiction_code=jurisdiction,
        organisation_id=organisation,
    )


def _station(code: str, city: str, owner: int | None) -> Station:
    return Station(
        code=code,
        city_code=city,
        province_code=city[:2] + "0000",
        organisation_id=owner,
    )


WANSHOUXIGONG = _station("1001A", "110000", BJ_ENV)
XIONGAN = _station("3631A", "133100", HE_ENV)
UNOWNED = _station("9999A", "120000", None)


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        (None, False),
        (_actor(Role.ANALYST, "110000", BJ_ENV), False),
        (_actor(Role.STEWARD, "110000", BJ_ENV), True),
        (_actor(Role.JURISDICTION_ADMIN, "130000"), True),
        (_actor(Role.OFFICE_ADMIN), True),
    ],
)
def test_stewards_and_administrators_upload(actor: Actor | None, expected: bool) -> None:
    assert policy.may_upload(actor) is expected


def test_raw_values_without_a_dataset_are_read_by_the_station_administrators() -> None:
    office = _actor(Role.OFFICE_ADMIN)
    bj_steward = _actor(Role.STEWARD, "110000", BJ_ENV)
    bj_analyst = _actor(Role.ANALYST, "110000", BJ_ENV)  # a member of the owner agency
    he_admin = _actor(Role.JURISDICTION_ADMIN, "130000")
    he_steward = _actor(Role.STEWARD, "130000", HE_ENV)
    no_organisation = _actor(Role.ANALYST, "120000")
    assert policy.may_read_raw(office, WANSHOUXIGONG)
    assert policy.may_read_raw(bj_steward, WANSHOUXIGONG)
    assert policy.may_read_raw(bj_analyst, WANSHOUXIGONG)
    assert not policy.may_read_raw(he_steward, WANSHOUXIGONG)
    assert not policy.may_read_raw(None, WANSHOUXIGONG)
    # Xiong'an (133100) belongs to Hebei: its province's administrator reads it.
    assert policy.may_read_raw(he_admin, XIONGAN)
    assert not policy.may_read_raw(he_admin, WANSHOUXIGONG)
    # No owner is no match for an actor without an organisation.
    assert not policy.may_read_raw(no_organisation, UNOWNED)


def test_the_upload_form_lists_the_stations_an_actor_administers() -> None:
    stations = [WANSHOUXIGONG, XIONGAN, UNOWNED]
    codes = [s.code for s in policy.stations_for_upload(_actor(Role.OFFICE_ADMIN), stations)]
    assert codes == ["1001A", "3631A", "9999A"]
    he_admin = _actor(Role.JURISDICTION_ADMIN, "130000")
    assert [s.code for s in policy.stations_for_upload(he_admin, stations)] == ["3631A"]
    bj_steward = _actor(Role.STEWARD, "110000", BJ_ENV)
    assert [s.code for s in policy.stations_for_upload(bj_steward, stations)] == ["1001A"]
    assert policy.stations_for_upload(None, stations) == []
