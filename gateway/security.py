"""Origins and security headers: who may embed the widget, the headers every response carries, and which
client address a request comes from."""
from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

from aiohttp import web

from bot.settings import GatewaySettings

_DEFAULT_PORTS = {"http": 80, "https": 443}
log = logging.getLogger(__name__)
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def normalise_origin(value: str) -> str | None:
    """`scheme://host[:port]` in lower case without a default port, or None if `value` is not an origin."""
    value = value.strip()
    if not value or value == "null":
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


def configured_origins(settings: GatewaySettings) -> frozenset[str]:
    origins = {normalise_origin(o) for o in settings.allowed_origins}
    if settings.public_origin:
        origins.add(normalise_origin(settings.public_origin))
    return frozenset(o for o in origins if o)


def own_origin(request: web.Request) -> str | None:
    return normalise_origin(f"{request.scheme}://{request.host}")


def allowed_origins(request: web.Request, configured: frozenset[str]) -> frozenset[str]:
    """The configured origins plus the gateway's own origin (the one this request reached)."""
    own = own_origin(request)
    return configured | {own} if own else configured


def origin_allowed(request: web.Request, origin: str, configured: frozenset[str]) -> bool:
    normalised = normalise_origin(origin)
    return normalised is not None and normalised in allowed_origins(request, configured)


PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def frame_ancestors(configured: frozenset[str]) -> str:
    return " ".join(["'self'", *sorted(configured)])


COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def trusted_networks(entries: Iterable[str]) -> tuple[IPNetwork, ...]:
    """TRUSTED_PROXIES as networks; an entry that is not an address or CIDR is skipped with a warning."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            log.warning("TRUSTED_PROXIES: %r is not an address or network; ignored", entry)
    return tuple(networks)


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    return getattr(address, "ipv4_mapped", None) or address


def client_address(request: web.Request, trusted: tuple[IPNetwork, ...]) -> str:
    """The address the rate limit counts. X-Forwarded-For is only believed from a trusted proxy (anyone else
    could write any address into it): walking it from the right, the first hop that is not a trusted proxy
    is the client. Without trusted proxies, the connecting address."""
    peer = request.remote or "unknown"
    peer_address = _address(peer)
    if not trusted or peer_address is None or not any(peer_address in net for net in trusted):
        return peer
    hops = [hop for header in request.headers.getall("X-Forwarded-For", []) for hop in header.split(",")]
    client = peer_address
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a malformed hop: trust nothing further left
        client = address
        if not any(address in net for net in trusted):
            break
    return str(client)
