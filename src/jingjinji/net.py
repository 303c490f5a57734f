"""Outbound requests to addresses that users name (webhook receivers): which addresses may be
reached, and requests pinned to the address that was checked.

A URL a user registers could point the server at itself or its private network (server-side
request forgery: the database port, a cloud metadata service, an admin interface bound to
loopback). :func:`check_target` resolves the host once, refuses the URL when any of its
addresses is loopback, private, link-local, multicast, reserved or unspecified (IPv4-mapped
IPv6 forms included) and returns the checked addresses; :func:`pinned_request` builds the
request to one of those addresses with the original ``Host`` header and TLS server name, so a
DNS answer that changes between the check and the connection (rebinding) is never used.

Administrators may allow hosts that would otherwise be refused (``JJJ_WEBHOOK_ALLOWED_HOSTS``:
comma-separated host names or CIDR networks). A host allowed by name is trusted as it is: its
name is resolved by the HTTP client as usual. An allowed network permits its addresses only.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
#: ``(host, port) -> addresses`` as text; the default asks the system resolver.
Resolver = Callable[[str, int], Sequence[str]]
ALLOWED_SCHEMES = ("http", "https")


class UnsafeTarget(ValueError):
    """A URL the server must not send requests to; the message says why."""


@dataclass(frozen=True)
class AllowList:
    """Hosts (by name) and networks (CIDR) an administrator allows despite the checks."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        """``entries`` as host names or CIDR networks (a bare address is a one-address
        network); raises ``ValueError`` naming an entry that is neither."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in entries:
            entry = raw.strip().lower()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            if "/" in entry or not _is_host_name(entry):
                raise ValueError(f"allow-list entry {raw!r} is neither a host name nor a CIDR")
            hosts.add(entry.rstrip("."))
        return cls(hosts=frozenset(hosts), networks=tuple(networks))

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def allows_address(self, address: IPAddress) -> bool:
        plain = _unmapped(address)
        return any(plain in net for net in self.networks if net.version == plain.version)


def _is_host_name(text: str) -> bool:
    labels = text.rstrip(".").split(".")
    return all(
        0 < len(label) <= 63 and all(c.isalnum() or c in "-_" for c in label) for label in labels
    )


def _unmapped(address: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped (``::ffff:a.b.c.d``) or 6to4/NAT64-free form."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def forbidden_reason(address: IPAddress) -> str | None:
    """Why the server must not connect to ``address`` (None when it may)."""
    plain = _unmapped(address)
    checks = (
        ("an unspecified", plain.is_unspecified),
        ("a loopback", plain.is_loopback),
        ("a link-local", plain.is_link_local),
        ("a multicast", plain.is_multicast),
        ("a private", plain.is_private),
        ("a reserved", plain.is_reserved),
        ("a non-global", not plain.is_global),
    )
    for name, hit in checks:
        if hit:
            return f"{address} is {name} address"
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for info in infos:
        text = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone index
        if text not in seen:
            seen.append(text)
    return seen


@dataclass(frozen=True)
class Target:
    """A checked URL: ``addresses`` to connect to (empty: the host is allowed by name and
    connected to as it is)."""

    url: httpx.URL
    addresses: tuple[str, ...] = field(default=())


def parse_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
        raise UnsafeTarget(f"not a valid URL: {exc}") from exc
    if parsed.scheme not in ALLOWED_SCHEMES or not parsed.host:
        raise UnsafeTarget("not an absolute http(s) URL")
    return parsed


def check_target(
    url: str,
    allow: AllowList,
    *,
    resolver: Resolver = system_resolver,
    unresolvable_ok: bool = False,
) -> Target:
    """Resolve and check ``url``; raise :class:`UnsafeTarget` saying why it is refused.

    ``unresolvable_ok`` (registration): a host that does not resolve yet is accepted, since it
    is checked again, and pinned, at every delivery."""
    parsed = parse_url(url)
    host = parsed.host
    if allow.allows_host(host):
        return Target(url=parsed)
    if host.lower().rstrip(".") == "localhost" or host.lower().rstrip(".").endswith(".localhost"):
        raise UnsafeTarget(f"{host} names this machine (loopback)")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        texts: Sequence[str] = [str(literal)]
    else:
        try:
            texts = resolver(host, port)
        except (OSError, UnicodeError) as exc:
            if unresolvable_ok:
                return Target(url=parsed)
            raise UnsafeTarget(f"{host} does not resolve: {exc}") from exc
        if not texts:
            if unresolvable_ok:
                return Target(url=parsed)
            raise UnsafeTarget(f"{host} does not resolve")
    checked: list[str] = []
    for text in texts:
        address = ipaddress.ip_address(text)
        reason = forbidden_reason(address)
        if reason is not None and not allow.allows_address(address):
            raise UnsafeTarget(reason if literal is not None else f"{host} resolves to {reason}")
        checked.append(str(address))
    return Target(url=parsed, addresses=tuple(checked))


def pinned_request(
    client: httpx.Client,
    target: Target,
    address: str | None,
    *,
    content: bytes,
    headers: dict[str, str],
) -> httpx.Request:
    """A POST of ``content`` to ``target`` connecting to ``address`` (one of the checked ones;
    None: the URL as it is), with the original ``Host`` header and TLS server name, so that
    certificates are still checked against the host name."""
    if address is None:
        return client.build_request("POST", target.url, content=content, headers=headers)
    url = target.url.copy_with(host=address)
    host_header = target.url.netloc.decode("ascii")
    extensions = {"sni_hostname": target.url.host} if target.url.scheme == "https" else {}
    return client.build_request(
        "POST",
        url,
        content=content,
        headers={**headers, "Host": host_header},
        extensions=extensions,
    )


def post_pinned(
    client: httpx.Client, target: Target, *, content: bytes, headers: dict[str, str]
) -> httpx.Response:
    """POST to the first checked address that accepts a connection (no redirects followed:
    a 3xx is returned as it is, so a redirect can never lead to an unchecked address)."""
    addresses: Sequence[str | None] = target.addresses or (None,)
    last: httpx.ConnectError | None = None
    for address in addresses:
        request = pinned_request(client, target, address, content=content, headers=headers)
        try:
            return client.send(request, follow_redirects=False)
        except httpx.ConnectError as exc:
            last = exc
    assert last is not None
    raise last
