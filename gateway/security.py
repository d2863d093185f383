"""Origins and security headers: who may embed the widget, and the headers every response carries."""
from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from bot.settings import GatewaySettings

_DEFAULT_PORTS = {"http": 80, "https": 443}


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
