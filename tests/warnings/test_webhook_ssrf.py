"""Webhook receivers may not be the platform itself or its private network (SSRF): refused at
registration (422 on ``url``, audited) and at delivery (audited, nothing sent), pinned to the
checked address, redirects not followed; the administrator's allow-list makes exceptions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji import net
from jingjinji.app import create_app
from jingjinji.audit.models import AuditEntry
from jingjinji.config import Settings
from jingjinji.errors import InvalidInput
from jingjinji.warnings import service, webhooks
from jingjinji.warnings.models import WebhookDelivery, WebhookSubscription
from tests.conftest import People

LOOPBACK_ONLY = net.AllowList.parse(["127.0.0.1"])
NOTHING_ALLOWED = net.AllowList()

FORBIDDEN = [
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.5",
    "172.16.3.4",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # carrier-grade NAT
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"]


@pytest.mark.parametrize("address", FORBIDDEN)
def test_forbidden_addresses(address: str) -> None:
    assert net.forbidden_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert net.forbidden_reason(ipaddress.ip_address(address)) is None


def test_allow_list_parses_hosts_and_networks_and_refuses_garbage() -> None:
    allow = net.AllowList.parse([" Hooks.Example ", "10.1.0.0/16", "::1", ""])
    assert allow.allows_host("hooks.example.") and not allow.allows_host("other.example")
    assert allow.allows_address(ipaddress.ip_address("10.1.2.3"))
    assert allow.allows_address(ipaddress.ip_address("::ffff:10.1.2.3"))
    assert not allow.allows_address(ipaddress.ip_address("10.2.0.1"))
    assert allow.allows_address(ipaddress.ip_address("::1"))
    with pytest.raises(ValueError, match="neither a host name nor a CIDR"):
        net.AllowList.parse(["10.0.0.0/99"])


def resolver_of(table: Mapping[str, Sequence[str]], calls: list[str] | None = None) -> net.Resolver:
    """A DNS server for made-up names (the test machine's resolver knows none of them)."""

    def resolve(host: str, port: int) -> Sequence[str]:
        if calls is not None:
            calls.append(host)
        if host not in table:
            raise OSError(f"{host}: name not known")
        return table[host]

    return resolve


@pytest.mark.parametrize(
    ("table", "why"),
    [
        ({"intranet.test": ["10.0.0.8"]}, "intranet.test resolves to 10.0.0.8 is a private"),
        # every address is checked, not just the first one
        ({"intranet.test": ["93.184.216.34", "127.0.0.1"]}, "127.0.0.1 is a loopback"),
        ({"intranet.test": ["::ffff:192.168.0.1"]}, "is a private"),
    ],
)
def test_host_resolving_to_a_forbidden_address_is_refused(
    table: dict[str, Sequence[str]], why: str
) -> None:
    with pytest.raises(net.UnsafeTarget, match=re.escape(why)):
        net.check_target("https://intranet.test/h", NOTHING_ALLOWED, resolver=resolver_of(table))


# ------------------------------------------------------------------------------------ registration


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:5432/", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::1]:8000/hook", "loopback"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://0.0.0.0:8000/", "unspecified"),
        ("http://10.0.0.5/hook", "private"),
        ("http://localhost:8000/hook", "loopback"),
        ("http://admin.localhost/hook", "loopback"),
        # other spellings of 127.0.0.1: the system resolver reads them, the check sees through
        ("http://2130706433/hook", "resolves to 127.0.0.1 is a loopback"),
        ("http://0x7f.0.0.1/hook", "resolves to 127.0.0.1 is a loopback"),
        ("http://127.1/hook", "resolves to 127.0.0.1 is a loopback"),
        ("http://[::ffff:7f00:1]/hook", "loopback"),
        ("http://LOCALHOST./hook", "loopback"),
        ("file:///etc/passwd", "http(s)"),
        ("gopher://x.example/", "http(s)"),
    ],
)
def test_registration_refuses_forbidden_urls_with_a_422_on_url(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    url: str,
    why: str,
) -> None:
    response = client.post(
        "/api/v1/warnings/webhooks",
        json={"url": url, "event_types": ["*"]},
        headers=people.headers(session_factory, "office"),
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    (error,) = [e for e in problem["errors"] if e["loc"] == ["body", "url"]]
    assert why in error["msg"], error
    with session_factory() as s:
        assert s.scalars(select(WebhookSubscription)).all() == []
        refused = s.scalars(select(AuditEntry).where(AuditEntry.outcome == "refused")).all()
        assert [(e.actor_username, e.action) for e in refused] == [("office", "webhook.create")]
        assert why in refused[0].detail_json


def test_the_allow_list_in_the_settings_admits_a_loopback_receiver(
    settings: Settings, session_factory: sessionmaker[Session], people: People
) -> None:
    allowed = dataclasses.replace(settings, webhook_allowed_hosts=("127.0.0.1", "::1/128"))
    with TestClient(create_app(allowed, session_factory=session_factory)) as client:
        headers = people.headers(session_factory, "office")
        for url in ("http://127.0.0.1:8080/hook", "http://[::1]:8080/hook"):
            response = client.post(
                "/api/v1/warnings/webhooks",
                json={"url": url, "event_types": ["*"]},
                headers=headers,
            )
            assert response.status_code == 201, response.text
        # the allow-list names these addresses only
        other = client.post(
            "/api/v1/warnings/webhooks",
            json={"url": "http://10.0.0.5/hook", "event_types": ["*"]},
            headers=headers,
        )
        assert other.status_code == 422, other.text


def test_registration_accepts_a_name_that_does_not_resolve_yet(
    session: Session, people: People
) -> None:
    row = webhooks.create_subscription(
        session,
        actor=people["office"],
        url="https://future.example/h",
        event_types=["*"],
        allow=NOTHING_ALLOWED,
        resolver=resolver_of({}),
    )
    assert row.url == "https://future.example/h"


def test_registration_refuses_a_name_resolving_to_a_private_address(
    session: Session, people: People
) -> None:
    with pytest.raises(InvalidInput, match=re.escape("resolves to 192.168.4.4 is a private")):
        webhooks.create_subscription(
            session,
            actor=people["office"],
            url="https://printer.test/h",
            event_types=["*"],
            allow=NOTHING_ALLOWED,
            resolver=resolver_of({"printer.test": ["192.168.4.4"]}),
        )


# ------------------------------------------------------------------------------------ delivery


class Receiver:
    """A real HTTP server on 127.0.0.1 recording each request's path and Host header; it
    answers with ``redirect_to`` (a 302) when set, else 204."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self.redirect_to: str | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.seen.append((self.path, self.headers.get("Host", "")))
                if receiver.redirect_to:
                    self.send_response(302)
                    self.send_header("Location", receiver.redirect_to)
                else:
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    pair = (Receiver(), Receiver())
    yield pair
    for r in pair:
        r.close()


def _delivery_to(
    session: Session,
    people: People,
    url: str,
    allow: net.AllowList,
    resolver: net.Resolver = net.system_resolver,
) -> int:
    """A subscription to ``url`` (registered under ``allow``) and its one queued delivery."""
    webhooks.create_subscription(
        session, actor=people["office"], url=url, event_types=["*"], allow=allow, resolver=resolver
    )
    session.commit()
    service.propose(
        session,
        actor=people["office"],
        cities=["110000"],
        level="orange",
        start=dt.date(2016, 12, 16),
        end=dt.date(2016, 12, 18),
        max_aqi=350,
        criteria_code="bth-2017",
        basis="manual",
    )
    session.commit()
    return session.scalars(select(WebhookDelivery.id)).one()


def test_delivery_to_an_address_no_longer_allowed_is_refused_and_audited(
    session: Session, warn: People, receivers: tuple[Receiver, Receiver]
) -> None:
    """Registered while the administrator allowed loopback; the allow-list changed since: the
    delivery is checked again, nothing is sent, the delivery is dead and the refusal audited."""
    rx, _ = receivers
    delivery_id = _delivery_to(session, warn, f"http://127.0.0.1:{rx.port}/h", LOOPBACK_ONLY)
    delivery = webhooks.attempt(session, delivery_id=delivery_id, allow=NOTHING_ALLOWED)
    assert rx.seen == []
    assert delivery.status == "dead"
    assert delivery.last_error == "refused: 127.0.0.1 is a loopback address"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "webhook.deliver")).one()
    assert (entry.outcome, entry.object_id) == ("refused", str(delivery_id))
    assert "loopback" in entry.detail_json


def test_delivery_is_pinned_to_the_checked_address(
    session: Session, warn: People, receivers: tuple[Receiver, Receiver]
) -> None:
    """``hooks.test`` is known only to the checking resolver, which is asked once: the request
    reaches the receiver at the checked address with the original Host header, so no second
    DNS answer (a rebinding) is ever used for the connection."""
    rx, _ = receivers
    calls: list[str] = []
    allow = net.AllowList.parse(["127.0.0.0/8"])
    resolver = resolver_of({"hooks.test": ["127.0.0.1"]}, calls)
    url = f"http://hooks.test:{rx.port}/h"
    delivery_id = _delivery_to(session, warn, url, allow, resolver)
    calls.clear()
    done = webhooks.attempt(session, delivery_id=delivery_id, allow=allow, resolver=resolver)
    assert done.status == "delivered", done.last_error
    assert calls == ["hooks.test"]
    assert rx.seen == [("/h", f"hooks.test:{rx.port}")]


def test_a_rebinding_answer_with_a_forbidden_address_is_refused(
    session: Session, warn: People, receivers: tuple[Receiver, Receiver]
) -> None:
    """At registration the name resolved to a public address; at delivery it also resolves to
    loopback: refused, nothing sent."""
    rx, _ = receivers
    answers = {"flip.test": ["93.184.216.34"]}
    resolver = resolver_of(answers)
    url = f"http://flip.test:{rx.port}/h"
    delivery_id = _delivery_to(session, warn, url, NOTHING_ALLOWED, resolver)
    answers["flip.test"] = ["127.0.0.1"]
    done = webhooks.attempt(
        session, delivery_id=delivery_id, allow=NOTHING_ALLOWED, resolver=resolver
    )
    assert done.status == "dead" and "flip.test resolves to 127.0.0.1" in (done.last_error or "")
    assert rx.seen == []


def test_redirects_are_not_followed(
    session: Session, warn: People, receivers: tuple[Receiver, Receiver]
) -> None:
    """An allowed receiver answering 302 towards another (internal) address: the redirect is a
    failed attempt, the second address never hears from the platform."""
    rx, internal = receivers
    rx.redirect_to = f"http://127.0.0.1:{internal.port}/admin"
    delivery_id = _delivery_to(session, warn, f"http://127.0.0.1:{rx.port}/h", LOOPBACK_ONLY)
    with pytest.raises(webhooks.DeliveryFailed, match="HTTP 302"):
        webhooks.attempt(session, delivery_id=delivery_id, allow=LOOPBACK_ONLY)
    assert len(rx.seen) == 1 and internal.seen == []
