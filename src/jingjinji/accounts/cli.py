"""`jjj accounts ...`: users and API tokens for operators."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jingjinji.cli_output import Cell, FormatOption, ListFormat

if TYPE_CHECKING:
    from jingjinji.errors import DomainError

app = typer.Typer(help="Users and API tokens.", no_args_is_help=True)


@app.command("list")
def list_users(output_format: FormatOption = ListFormat.table) -> None:
    """List users with their roles and jurisdictions."""
    from jingjinji.accounts import service
    from jingjinji.cli import cli_session
    from jingjinji.cli_output import write_rows

    with cli_session() as session:
        rows: list[dict[str, Cell]] = [
            {
                "id": user.id,
                "username": user.username,
                "role": user.role,
                "jurisdiction": user.jurisdiction_code,
                "organisation": user.organisation_id,
                "active": user.is_active,
            }
            for user in service.list_users(session)
        ]
    write_rows(
        ("id", "username", "role", "jurisdiction", "organisation", "active"),
        rows,
        output_format=output_format,
        title="Users",
        empty="no users",
    )


@app.command("create-user")
def create_user(
    username: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="office_admin, jurisdiction_admin, steward, analyst")],
    display_name: Annotated[str | None, typer.Option()] = None,
    jurisdiction: Annotated[str | None, typer.Option(help="for jurisdiction admins")] = None,
    organisation: Annotated[
        int | None, typer.Option(help="organisation id (stewards, analysts)")
    ] = None,
    password_file: Annotated[
        Path | None, typer.Option(help="file whose first line is the password")
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(help="the password (shows in the shell history: prefer the prompt)"),
    ] = None,
) -> None:
    """Create a user (run by an operator; audited as the system). Everything else is checked
    before the password is asked for (hidden prompt, typed twice)."""
    from pydantic import ValidationError

    from jingjinji.accounts import policy, service
    from jingjinji.accounts.schemas import UserIn
    from jingjinji.cli import cli_session, console, fail
    from jingjinji.errors import DomainError

    def user_in(secret: str) -> UserIn:
        try:
            return UserIn(
                username=username,
                display_name=display_name or username,
                password=secret,
                role=role,
                jurisdiction_code=jurisdiction,
                organisation_id=organisation,
            )
        except ValidationError as exc:
            raise fail(
                "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
                ),
                code=2,
            ) from exc

    # An operator who typed a password twice should not learn only then that the username is
    # taken or the organisation wrong: the placement is checked first, on its own.
    placed = user_in("")
    try:
        with cli_session() as session:
            service.check_new_user(session, data=placed)
    except DomainError as exc:
        raise fail(_problem_text(exc), code=2) from exc
    if password is None:
        if password_file is None:
            password = _read_password(None, prompt="Password")
        else:
            password = _read_password(password_file, prompt="Password")
            problem = policy.password_problem(password, username=username)
            if problem is not None:
                raise fail(f"the password in {password_file} {problem}", code=2)
    data = user_in(password)
    try:
        with cli_session() as session:
            user = service.bootstrap_user(session, data=data)
            console.print(f"created user {user.username} (id {user.id}, {user.role})")
    except DomainError as exc:
        raise fail(_problem_text(exc), code=2) from exc


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


def _read_password(password_file: Path | None, *, prompt: str) -> str:
    """The first line of ``password_file``, else a hidden prompt typed twice (never an
    argument: it would show in the process list and the shell history)."""
    if password_file is not None:
        lines = password_file.read_text(encoding="utf-8").splitlines()
        return lines[0] if lines else ""
    value: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=True)
    return value


@app.command("passwd")
def change_password(
    username: Annotated[str, typer.Option(help="whose password (they know the current one)")],
    password_file: Annotated[
        Path | None, typer.Option(help="file whose first line is the new password")
    ] = None,
) -> None:
    """Change a user's password, given the current one (hidden prompt). Every web session and
    API token of the user ends."""
    from jingjinji.accounts import credentials, service
    from jingjinji.accounts.throttle import ThrottleRules
    from jingjinji.cli import cli_session, console, fail
    from jingjinji.config import get_settings
    from jingjinji.errors import DomainError

    current: str = typer.prompt("Current password", hide_input=True)
    new = _read_password(password_file, prompt="New password")
    try:
        with cli_session() as session:
            user = service.get_user(session, username=username)
            ended = credentials.change_password(
                session,
                actor=service.actor_of(user, channel="cli"),
                current_password=current,
                new_password=new,
                address="cli",
                rules=ThrottleRules.from_settings(get_settings()),
            )
            console.print(
                f"password of {username} changed; {ended.sessions_ended} web sessions ended, "
                f"{ended.tokens_revoked} API tokens revoked"
            )
    except DomainError as exc:
        raise fail(_problem_text(exc), code=2) from exc


@app.command("reset-password")
def reset_password(
    username: Annotated[str, typer.Option(help="whose password to set")],
    password_file: Annotated[
        Path | None, typer.Option(help="file whose first line is the new password")
    ] = None,
) -> None:
    """Set a user's password (run by an operator; audited as the system). Every web session
    and API token of the user ends."""
    from jingjinji.accounts import credentials
    from jingjinji.cli import cli_session, console, fail
    from jingjinji.errors import DomainError
    from jingjinji.security import SYSTEM_ACTOR

    new = _read_password(password_file, prompt="New password")
    try:
        with cli_session() as session:
            ended = credentials.reset_password(
                session, actor=SYSTEM_ACTOR, username=username, new_password=new
            )
            console.print(
                f"password of {username} reset; {ended.sessions_ended} web sessions ended, "
                f"{ended.tokens_revoked} API tokens revoked"
            )
    except DomainError as exc:
        raise fail(_problem_text(exc), code=2) from exc


def _set_active(username: str, *, active: bool) -> None:
    from jingjinji.accounts import credentials
    from jingjinji.cli import cli_session, console, fail
    from jingjinji.errors import DomainError
    from jingjinji.security import SYSTEM_ACTOR

    try:
        with cli_session() as session:
            credentials.set_active(session, actor=SYSTEM_ACTOR, username=username, active=active)
            console.print(f"user {username} {'activated' if active else 'deactivated'}")
    except DomainError as exc:
        raise fail(_problem_text(exc), code=2) from exc


@app.command("deactivate")
def deactivate(username: Annotated[str, typer.Option()]) -> None:
    """Deactivate a user: no login, their web sessions and API tokens end at once."""
    _set_active(username, active=False)


@app.command("activate")
def activate(username: Annotated[str, typer.Option()]) -> None:
    """Reactivate a user (revoked API tokens stay revoked)."""
    _set_active(username, active=True)


def _problem_text(exc: DomainError) -> str:
    fields = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', []))}: {e.get('msg')}" for e in exc.errors
    )
    return exc.detail + (f" ({fields})" if fields else "")


@app.command("totp-off")
def totp_off(username: Annotated[str, typer.Option()]) -> None:
    """Remove a user's TOTP second factor (a lost phone, a lost key file; run by an operator,
    audited as the system). The user logs in with the password alone until they enrol again."""
    from jingjinji.accounts import credentials
    from jingjinji.cli import cli_session, console, fail
    from jingjinji.errors import DomainError
    from jingjinji.security import SYSTEM_ACTOR

    try:
        with cli_session() as session:
            credentials.remove_totp(session, actor=SYSTEM_ACTOR, username=username)
            console.print(f"second factor of {username} removed")
    except DomainError as exc:
        raise fail(_problem_text(exc), code=2) from exc
