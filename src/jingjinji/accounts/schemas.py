from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from jingjinji.db import DbId
from jingjinji.security import Role


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=100, pattern=r"^[a-z0-9_.-]+$")
    display_name: str = Field(min_length=1, max_length=200)
    # The rules (length in characters, common passwords, the username) are
    # accounts.policy.password_problem, checked by the service; this bound only caps the body.
    password: str = Field(max_length=1024)
    role: Role
    jurisdiction_code: str | None = None
    organisation_id: DbId | None = None


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: str
    jurisdiction_code: str | None
    organisation_id: int | None
    is_active: bool


class ManagedUserOut(UserOut):
    """A row of the user administration page: may the viewer reset or deactivate this user."""

    may_manage: bool


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    days_valid: int = Field(default=90, ge=1, le=730)


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret. It is shown only in this response.")


class WhoAmI(BaseModel):
    username: str
    role: str
    jurisdiction_code: str | None
    organisation_id: int | None


class PasswordChangeIn(BaseModel):
    """``POST /me/password``: the current password, then the new one."""

    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class PasswordResetIn(BaseModel):
    """``POST /users/{username}/password``: the new password an administrator sets."""

    model_config = ConfigDict(extra="forbid")

    new_password: str = Field(max_length=1024)


class CredentialsEndedOut(BaseModel):
    """What a password change or reset ended: every web session and API token of the user
    (a change made with an API token ends that token too)."""

    model_config = ConfigDict(from_attributes=True)

    sessions_ended: int
    tokens_revoked: int
