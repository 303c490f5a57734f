"""What the login throttle needs from a request, shared by the API, the pages and the login
view: the client address and the configured rules.

The address is the TCP peer (``request.client.host``). Behind a reverse proxy that is the
proxy's address for every user: run uvicorn with ``--proxy-headers`` and
``--forwarded-allow-ips=<the proxy>`` so that it becomes the real client's. ``X-Forwarded-For``
is never read here: any client can send it.
"""

from __future__ import annotations

from fastapi import Request

from jingjinji.accounts.throttle import ThrottleRules
from jingjinji.config import Settings


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def throttle_rules(request: Request) -> ThrottleRules:
    settings: Settings = request.app.state.settings
    return ThrottleRules.from_settings(settings)
