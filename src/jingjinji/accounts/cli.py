"""`jjj accounts ...`: users and API tokens for operators."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

app = typer.Typer(help="Users and API tokens.", no_args_is_help=True)


@app.command("list")
def list_users() -> None:
    """List users with their roles and jurisdictions."""
    from jingjinji.accounts import service
    from jingjinji.cli import cli_session, console

    with cli_session() as session:
        table = Table("id", "username", "role", "jurisdiction", "organisation", "active")
        for user in service.list_users(session):
            table.add_row(
                str(user.id),
                user.username,
                user.role,
                user.jurisdiction_code or "",
                str(user.organisation_id or ""),
                "yes" if user.is_active else "no",
            )
        console.print(table)


@app.command("create-user")
def create_user(
    username: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="office_admin, jurisdiction_admin, steward, analyst")],
    display_name: Annotated[str | None, typer.Option()] = None,
    jurisdiction: Annotated[str | None, typer.Option(help="for jurisdiction admins")] = None,
    organisation: Annotated[
        int | None, typer.Option(help="organisation id (stewards, analysts)")
    ] = None,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create a user (run by an operator; audited as the system)."""
    from pydantic import ValidationError

    from jingjinji.accounts import service
    from jingjinji.accounts.schemas import UserIn
    from jingjinji.cli import cli_session, console, fail
    from jingjinji.errors import DomainError

    try:
        data = UserIn(
            username=username,
            display_name=display_name or username,
            password=password,
            role=role,
            jurisdiction_code=jurisdiction,
            organisation_id=organisation,
        )
    except ValidationError as exc:
        raise fail(
            "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()),
            code=2,
        ) from exc
    try:
        with cli_session() as session:
            user = service.bootstrap_user(session, data=data)
            console.print(f"created user {user.username} (id {user.id}, {user.role})")
    except DomainError as exc:
        raise fail(exc.detail, code=2) from exc


@app.command("token")
def create_token(
    username: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option(help="what the token is for")],
    days: Annotated[int, typer.Option(min=1, max=730)] = 90,
) -> None:
    """Create an API token for a user; the secret is printed once."""
    from jingjinji.accounts import service
    from jingjinji.cli import cli_session, console, fail
    from jingjinji.errors import DomainError

    try:
        with cli_session() as session:
            user = service.get_user(session, username=username)
            actor = service.actor_of(user, channel="cli")
            token, secret = service.create_token(session, actor=actor, name=name, days_valid=days)
            console.print(f"token {token.id} for {username}, expires {token.expires_at:%Y-%m-%d}")
            console.print(secret, markup=False, highlight=False)
    except DomainError as exc:
        raise fail(exc.detail, code=2) from exc
