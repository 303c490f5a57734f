"""`jjj notifications test-email ADDRESS`: check the SMTP configuration."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="In-app and e-mail notifications.", no_args_is_help=True)


@app.command("test-email")
def test_email(
    address: Annotated[str, typer.Argument(help="where to send the test message")],
    lang: Annotated[str, typer.Option("--lang", help="zh-CN or en")] = "",
) -> None:
    """Send a test message through the configured SMTP server (JJJ_SMTP_HOST, JJJ_SMTP_PORT,
    JJJ_SMTP_STARTTLS, JJJ_SMTP_USER, JJJ_SMTP_PASSWORD, JJJ_SMTP_FROM); exit 1 naming the
    problem when it cannot be sent."""
    import smtplib

    from pydantic import TypeAdapter, ValidationError

    from jingjinji import i18n
    from jingjinji.cli import console, fail
    from jingjinji.config import get_settings
    from jingjinji.notifications import mail, service
    from jingjinji.notifications.schemas import EmailAddress

    try:
        TypeAdapter(EmailAddress).validate_python(address)
    except ValidationError:
        raise fail(f"{address!r} is not one e-mail address (name@example.org)") from None
    settings = get_settings()
    language = i18n.normalise(lang or settings.default_language)
    try:
        service.send_test_email(settings, address=address, lang=language)
    except mail.EmailNotConfigured as exc:
        raise fail(str(exc)) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise fail(
            f"the SMTP server {settings.smtp_host}:{settings.smtp_port} refused or could not be "
            f"reached: {type(exc).__name__}: {exc}"
        ) from None
    console.print(f"sent a test message to {address} via {settings.smtp_host}:{settings.smtp_port}")
