"""API: who am I, API tokens, users."""

from __future__ import annotations

from fastapi import APIRouter

from jingjinji.accounts import service
from jingjinji.accounts.schemas import TokenCreated, TokenIn, TokenOut, UserIn, UserOut, WhoAmI
from jingjinji.deps import DbSession, RequiredActor
from jingjinji.security import Role, ensure_role

router = APIRouter(tags=["accounts"])


@router.get("/me", response_model=WhoAmI)
def whoami(actor: RequiredActor) -> WhoAmI:
    return WhoAmI(
        username=actor.username,
        role=actor.role.value,
        jurisdiction_code=actor.jurisdiction_code,
        organisation_id=actor.organisation_id,
    )


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(session: DbSession, actor: RequiredActor) -> list[TokenOut]:
    return [TokenOut.model_validate(t) for t in service.list_tokens(session, actor=actor)]


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def create_token(session: DbSession, actor: RequiredActor, body: TokenIn) -> TokenCreated:
    token, secret = service.create_token(
        session, actor=actor, name=body.name, days_valid=body.days_valid
    )
    return TokenCreated(**TokenOut.model_validate(token).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke_token(session: DbSession, actor: RequiredActor, token_id: int) -> TokenOut:
    return TokenOut.model_validate(service.revoke_token(session, actor=actor, token_id=token_id))


@router.get("/users", response_model=list[UserOut])
def list_users(session: DbSession, actor: RequiredActor) -> list[UserOut]:
    ensure_role(
        session,
        actor,
        Role.OFFICE_ADMIN,
        Role.JURISDICTION_ADMIN,
        action="user.list",
        object_type="user",
    )
    users = service.list_users(session)
    if actor.role is Role.JURISDICTION_ADMIN:
        users = [
            u for u in users if (u.jurisdiction_code or "")[:2] == (actor.province_code or "")[:2]
        ]
    return [UserOut.model_validate(u) for u in users]


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(session: DbSession, actor: RequiredActor, body: UserIn) -> UserOut:
    return UserOut.model_validate(service.create_user(session, actor=actor, data=body))
