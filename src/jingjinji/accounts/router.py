"""API: who am I, API tokens, users, passwords, deactivation."""

from __future__ import annotations

from fastapi import APIRouter, Request

from jingjinji.accounts import credentials, service
from jingjinji.accounts.http import client_address, throttle_rules
from jingjinji.accounts.schemas import (
    CredentialsEndedOut,
    PasswordChangeIn,
    PasswordResetIn,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
    WhoAmI,
)
from jingjinji.db import DbId
from jingjinji.deps import DbSession, RequiredActor
from jingjinji.pagination import Page

router = APIRouter(tags=["accounts"])


@router.get("/me", response_model=WhoAmI)
def whoami(actor: RequiredActor) -> WhoAmI:
    return WhoAmI(
        username=actor.username,
        role=actor.role.value,
        jurisdiction_code=actor.jurisdiction_code,
        organisation_id=actor.organisation_id,
    )


@router.get("/tokens", response_model=Page[TokenOut])
def list_tokens(
    session: DbSession, actor: RequiredActor, cursor: str | None = None, limit: int = 100
) -> Page[TokenOut]:
    page = service.token_page(session, actor=actor, cursor=cursor, limit=limit)
    return Page(
        items=[TokenOut.model_validate(t) for t in page.items], next_cursor=page.next_cursor
    )


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def create_token(session: DbSession, actor: RequiredActor, body: TokenIn) -> TokenCreated:
    token, secret = service.create_token(
        session, actor=actor, name=body.name, days_valid=body.days_valid
    )
    return TokenCreated(**TokenOut.model_validate(token).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke_token(session: DbSession, actor: RequiredActor, token_id: DbId) -> TokenOut:
    return TokenOut.model_validate(service.revoke_token(session, actor=actor, token_id=token_id))


@router.get("/users", response_model=Page[UserOut])
def list_users(
    session: DbSession, actor: RequiredActor, cursor: str | None = None, limit: int = 100
) -> Page[UserOut]:
    """Office administrators see every user; a jurisdiction administrator their province's."""
    page = service.user_page(session, actor=actor, cursor=cursor, limit=limit)
    return Page(items=[UserOut.model_validate(u) for u in page.items], next_cursor=page.next_cursor)


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(session: DbSession, actor: RequiredActor, body: UserIn) -> UserOut:
    return UserOut.model_validate(service.create_user(session, actor=actor, data=body))


@router.post("/me/password", response_model=CredentialsEndedOut)
def change_password(
    request: Request, session: DbSession, actor: RequiredActor, body: PasswordChangeIn
) -> CredentialsEndedOut:
    """Change your own password. Every web session and API token of yours ends, the token of
    this request included; a wrong current password counts towards the login throttle (429
    with Retry-After once it must wait)."""
    ended = credentials.change_password(
        session,
        actor=actor,
        current_password=body.current_password,
        new_password=body.new_password,
        address=client_address(request),
        rules=throttle_rules(request),
    )
    return CredentialsEndedOut.model_validate(ended)


@router.post("/users/{username}/password", response_model=CredentialsEndedOut)
def reset_password(
    session: DbSession, actor: RequiredActor, username: str, body: PasswordResetIn
) -> CredentialsEndedOut:
    """Set another user's password (office administrators: anyone; jurisdiction
    administrators: their province's users). Their sessions and API tokens end."""
    ended = credentials.reset_password(
        session, actor=actor, username=username, new_password=body.new_password
    )
    return CredentialsEndedOut.model_validate(ended)


@router.post("/users/{username}/deactivate", response_model=UserOut)
def deactivate_user(session: DbSession, actor: RequiredActor, username: str) -> UserOut:
    """The user can no longer log in; their web sessions and API tokens end at once."""
    user = credentials.set_active(session, actor=actor, username=username, active=False)
    return UserOut.model_validate(user)


@router.post("/users/{username}/reactivate", response_model=UserOut)
def reactivate_user(session: DbSession, actor: RequiredActor, username: str) -> UserOut:
    """The user may log in again (with a password; revoked tokens stay revoked)."""
    user = credentials.set_active(session, actor=actor, username=username, active=True)
    return UserOut.model_validate(user)
