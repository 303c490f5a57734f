"""E-mail through the configured SMTP server (``JJJ_SMTP_*``): plain text with an HTML
alternative, every value escaped in the HTML part and no line break in a header."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from jingjinji.config import Settings
from jingjinji.web import environment


class EmailNotConfigured(RuntimeError):
    """No SMTP host is configured (``JJJ_SMTP_HOST``)."""


@dataclass(frozen=True)
class Letter:
    to: str
    subject: str
    text: str
    title: str
    body: str
    link: str | None
    lang: str


def _header(value: str) -> str:
    """One line: a title cannot add headers to the message."""
    return " ".join(value.split())


def compose(settings: Settings, letter: Letter) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = _header(letter.subject)
    message["From"] = settings.smtp_from
    message["To"] = _header(letter.to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    message.set_content(letter.text)
    html = (
        environment()
        .get_template("notifications/email.html")
        .render(lang=letter.lang, title=letter.title, body=letter.body, link=letter.link)
    )
    message.add_alternative(html, subtype="html")
    return message


def send(settings: Settings, message: EmailMessage) -> None:
    """Hand the message to the SMTP server; raises ``OSError`` or ``smtplib.SMTPException``."""
    if not settings.smtp_host:
        raise EmailNotConfigured("no SMTP server: set JJJ_SMTP_HOST")
    with smtplib.SMTP(
        settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout
    ) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)
