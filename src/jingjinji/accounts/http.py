"""What logins need from a request, shared by the API, the pages and the login view: the
client address, the throttle's rules, the TOTP vault.

The address is the TCP peer (``request.client.host``). Behind a reverse proxy that is the
proxy's address for every user: run uvicorn with ``--proxy-headers`` and
``--forwarded-allow-ips=<the proxy>`` so that it becomes the real client's. ``X-Forwarded-For``
is never read here: any client can send it.
"""

from __future__ import annotations

from fastapi import Request

from jingjinji.accounts import totp
from jingjinji.accounts.logins import LoginRules
from jingjinji.accounts.throttle import ThrottleRules
from jingjinji.config import Settings
from jingjinji.security import Role


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def throttle_rules(request: Request) -> ThrottleRules:
    settings: Settings = request.app.state.settings
    return ThrottleRules.from_settings(settings)


def totp_vault(request: Request) -> totp.Vault:
    settings: Settings = request.app.state.settings
    return totp.vault_in(settings.var_dir)


def login_rules(request: Request) -> LoginRules:
    settings: Settings = request.app.state.settings
    required = (
        frozenset({Role.OFFICE_ADMIN}) if settings.totp_required_for_office_admins else frozenset()
    )
    return LoginRules(
        throttle=throttle_rules(request), vault=totp_vault(request), totp_required_for=required
    )
