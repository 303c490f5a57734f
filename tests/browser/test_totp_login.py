"""The two-step login of an administrator with a TOTP second factor, in a real browser."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyotp
import pytest
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.accounts import credentials, totp
from jingjinji.config import Settings
from tests.browser_support import LiveServer
from tests.conftest import People

pytestmark = pytest.mark.browser


def test_two_step_login_with_a_totp_code(
    page: Any,
    live_server: LiveServer,
    people: People,
    session_factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    vault = totp.vault_in(settings.var_dir)
    with session_factory() as session:
        enrolment = credentials.begin_totp(session, actor=people["office"], vault=vault)
        credentials.confirm_totp(
            session, actor=people["office"], code=pyotp.TOTP(enrolment.secret).now(), vault=vault
        )
        session.commit()
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", people.password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_selector("input[name=code]")
    assert page.locator("[data-testid=who]").count() == 0  # no session before the code
    page.fill(
        "input[name=code]", "000000" if pyotp.TOTP(enrolment.secret).now() != "000000" else "111111"
    )
    page.click("form[action='/login/totp'] button[type=submit]")
    page.wait_for_selector("[role=alert]")
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    page.fill("input[name=code]", pyotp.TOTP(enrolment.secret).at(ahead))
    page.click("form[action='/login/totp'] button[type=submit]")
    page.wait_for_selector("[data-testid=who]")
    assert "office" in page.inner_text("[data-testid=who]")
