"""The gateway's middlewares, outermost first: security headers, origin/CORS, errors, limits."""
from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from gateway.errors import ApiError, json_error
from gateway.security import (
    API_CSP,
    COMMON_HEADERS,
    PAGE_CSP,
    client_address,
    configured_origins,
    frame_ancestors,
    origin_allowed,
)
from gateway.state import ADDRESS_RATE_KEY, SETTINGS_KEY, TRUSTED_PROXIES_KEY

log = logging.getLogger(__name__)

# Route names (see routes.py) that get a page CSP; "chat" may be framed by the allowed origins.
PAGE_ROUTES = {"index", "chat"}
FRAMEABLE_ROUTES = {"chat"}
CROSS_ORIGIN_ROUTES = {"embed", "static"}  # loaded by <script>/<link> on allowed pages
CORS_PATH_PREFIX = "/api/"

_HTTP_ERROR_CODES = {
    400: ("bad_request", "The request could not be understood."),
    403: ("forbidden", "This request is not allowed."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This method is not allowed here."),
    413: ("body_too_large", "The request body is too large."),
    415: ("unsupported_media_type", "Send JSON with Content-Type: application/json."),
}


def _route_name(request: web.Request) -> str | None:
    route = request.match_info.route
    resource = getattr(route, "resource", None)
    return getattr(resource, "name", None) or getattr(route, "name", None)


@web.middleware
async def security_headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # only if an inner middleware let one through
        response = json_error(exc.status, "http_error", exc.reason)
    name = _route_name(request)
    configured = configured_origins(request.app[SETTINGS_KEY].gateway)
    for header, value in COMMON_HEADERS.items():
        response.headers.setdefault(header, value)
    if name in PAGE_ROUTES:
        ancestors = frame_ancestors(configured) if name in FRAMEABLE_ROUTES else "'self'"
        response.headers["Content-Security-Policy"] = PAGE_CSP.format(ancestors=ancestors)
        if name not in FRAMEABLE_ROUTES or not configured:
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers.setdefault("Cache-Control", "no-cache")
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    else:
        response.headers.setdefault("Content-Security-Policy", API_CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
    if name in CROSS_ORIGIN_ROUTES:
        response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    else:
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    if request.path.startswith("/api/") or name in {"health", "ready"}:
        response.headers.setdefault("Cache-Control", "no-store")
    if request.secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


@web.middleware
async def origin_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse any request whose Origin is present and not allowed; add CORS headers on the API for allowed ones."""
    origin = request.headers.get("Origin")
    is_api = request.path.startswith(CORS_PATH_PREFIX)
    if origin is not None:
        configured = configured_origins(request.app[SETTINGS_KEY].gateway)
        if not origin_allowed(request, origin, configured):
            log.info("refused origin %r on %s %s", origin[:200], request.method, request.path)
            response = json_error(
                403,
                "origin_not_allowed",
                "This website is not allowed to use the assistant. Ask the site's administrator to add its "
                "origin to the gateway's ALLOWED_ORIGINS.",
            )
            if is_api:
                response.headers["Vary"] = "Origin"
            return response
    response = await handler(request)
    if is_api:
        response.headers["Vary"] = "Origin"
        if origin is not None:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = "Retry-After"
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error becomes a JSON body with a code and a human-readable message."""
    try:
        return await handler(request)
    except ApiError as exc:
        return exc.response()
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code, message = _HTTP_ERROR_CODES.get(exc.status, ("http_error", exc.reason))
        if exc.status == 413:
            limit = request.app[SETTINGS_KEY].gateway.max_body_bytes
            message = f"The request body is too large (at most {limit:,} bytes)."
        headers = {k: v for k, v in exc.headers.items() if k in ("Allow", "Retry-After")}
        return json_error(exc.status, code, message, headers)
    except Exception:  # noqa: BLE001 - the last line of defence: log, never leak a traceback
        log.exception("unhandled error on %s %s", request.method, request.path)
        return json_error(500, "internal_error", "Something went wrong on our side. Please try again.")


@web.middleware
async def limits_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Per-address rate limit (the client's address; behind a trusted proxy, from X-Forwarded-For) and
    body-size check for the message API, before the body is read."""
    if request.method == "POST" and request.path.startswith(CORS_PATH_PREFIX):
        settings = request.app[SETTINGS_KEY].gateway
        address = client_address(request, request.app[TRUSTED_PROXIES_KEY])
        wait = request.app[ADDRESS_RATE_KEY].hit(address)
        if wait is not None:
            raise ApiError(
                429,
                "rate_limited",
                f"Too many messages from your network. Please wait {wait} seconds and try again.",
                {"Retry-After": str(wait)},
            )
        length = request.content_length
        if length is not None and length > settings.max_body_bytes:
            raise ApiError(
                413, "body_too_large", f"The request body is too large (at most {settings.max_body_bytes:,} bytes)."
            )
    return await handler(request)


MIDDLEWARES = (security_headers_middleware, origin_middleware, error_middleware, limits_middleware)
