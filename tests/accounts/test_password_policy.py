"""The password policy: length in Unicode characters, common passwords, the username."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.accounts import policy
from jingjinji.accounts.demo import DEMO_PASSWORD
from tests.conftest import People


@pytest.mark.parametrize(
    ("password", "username", "problem"),
    [
        ("short-pw-11", "someone", "at least 12 characters"),
        ("x" * 257, "someone", "at most 256 characters"),
        ("qwerty123456", "someone", "most common passwords"),
        ("QWERTY123456", "someone", "most common passwords"),
        ("my-name-is-Bj-Env!", "bj-env", "must not contain the username"),
        ("bj-env", "bj-env", "at least 12 characters"),
        ("BJ-ENV-BJ-ENV", "bj-env", "must not contain the username"),
        # 11 Chinese characters are 11 characters (33 bytes in UTF-8): too short
        ("京津冀空气质量数据共享", "someone", "at least 12 characters"),
    ],
)
def test_refused_passwords_name_the_rule(password: str, username: str, problem: str) -> None:
    found = policy.password_problem(password, username=username)
    assert found is not None and problem in found


@pytest.mark.parametrize(
    "password",
    [
        DEMO_PASSWORD,
        "京津冀空气质量数据共享平",  # 12 characters (36 bytes)
        "correct horse battery",
        "x" * 256,
    ],
)
def test_accepted_passwords(password: str) -> None:
    assert policy.password_problem(password, username="bj-env") is None


def test_the_demo_password_is_not_a_common_one() -> None:
    assert len(DEMO_PASSWORD) == 14
    assert DEMO_PASSWORD.lower() not in policy.common_passwords()
    assert len(policy.common_passwords()) > 29_000


def test_create_user_refuses_a_weak_password_with_422_naming_the_field(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    body = {
        "username": "new-analyst",
        "display_name": "New analyst",
        "password": "1qaz2wsx3edc",
        "role": "analyst",
        "organisation_id": people.organisations["bj_drc"],
    }
    headers = people.headers(session_factory, "office")
    refused = client.post("/api/v1/users", json=body, headers=headers)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["errors"][0]["loc"] == ["body", "password"]
    assert "common" in problem["errors"][0]["msg"]
    body["password"] = "a long and unusual one"
    assert client.post("/api/v1/users", json=body, headers=headers).status_code == 201
