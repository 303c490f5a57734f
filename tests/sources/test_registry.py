"""The registry service: who registers what, idempotence, and the gateway's logger directory."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.credit.kernels.uscc import synthetic_uscc
from jingjinji.errors import InvalidInput, PermissionDenied
from jingjinji.sources.schemas.registry import EnterpriseIn, LoggerIn
from jingjinji.sources.service import registry as registry_service
from tests.conftest import People
from tests.sources.conftest import Registry


def test_directory_lists_every_logger_with_its_province(
    session_factory: sessionmaker[Session], registry: Registry
) -> None:
    with session_factory() as session:
        directory = registry_service.logger_directory(session)
    assert set(directory) == set(registry.loggers)
    entry = directory["HE-A-G-001"]
    assert (entry.province_code, entry.protocol_version, entry.st) == ("130000", 2005, "31")
    assert directory["BJ-A-W-001"].password == "654321"


def test_a_beijing_steward_may_not_register_a_hebei_enterprise(
    session_factory: sessionmaker[Session], people: People
) -> None:
    with session_factory() as session, pytest.raises(PermissionDenied):
        registry_service.save_enterprise(
            session,
            actor=people["bj-env"],
            data=EnterpriseIn(
                uscc=synthetic_uscc("91", "130100", 9), name_zh="某企业", jurisdiction_code="130000"
            ),
        )


def test_saving_twice_updates_and_unknown_jurisdictions_are_named(
    session_factory: sessionmaker[Session], people: People, registry: Registry
) -> None:
    with session_factory() as session:
        again = registry_service.save_enterprise(
            session,
            actor=people["office"],
            data=EnterpriseIn(
                uscc=synthetic_uscc("91", "130100", 1),
                name_zh="改名企业",
                jurisdiction_code="130000",
            ),
        )
        assert again.id == registry.enterprises["HE-A"]
        with pytest.raises(InvalidInput) as refused:
            registry_service.save_enterprise(
                session,
                actor=people["office"],
                data=EnterpriseIn(
                    uscc=synthetic_uscc("91", "990000", 8),
                    name_zh="某企业",
                    jurisdiction_code="990000",
                ),
            )
        assert "990000" in str(refused.value.errors)
        logger = registry_service.save_logger(
            session,
            actor=people["office"],
            outlet_id=registry.outlets["HE-A/DW001"],
            data=LoggerIn(mn="HE-A-W-001", password="999999", st="32"),
        )
        assert logger.id == registry.loggers["HE-A-W-001"]
        assert registry_service.logger_directory(session)["HE-A-W-001"].password == "999999"
