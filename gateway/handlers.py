"""Request handlers: the pages, the widget script, the message API and the health checks."""
from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from gateway.errors import ApiError
from gateway.state import (
    CONTACT_KEY,
    PAGES_KEY,
    REDACTION_POOL_KEY,
    REDACTOR_KEY,
    SESSION_RATE_KEY,
    SESSIONS_KEY,
    SETTINGS_KEY,
    UPSTREAM_KEY,
)
from bot.contract import unavailable_reply
from gateway.upstream import UpstreamUnavailable, has_payload

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"

# Control characters other than tab and newline never reach Rasa.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
# Button payloads after which Rasa may legitimately say nothing.
_SILENT_OK_PREFIXES = ("/restart", "/session_start", "/feedback")


def render_pages(contact: dict[str, str] | None) -> dict[str, str]:
    """The HTML pages, with the program contact from data/contacts.yml filled in (HTML-escaped)."""
    contact = contact or {}
    values = {key: contact.get(key, "") for key in ("name", "role", "phone", "email", "purpose")}
    values["phone_digits"] = re.sub(r"[^\d+]", "", values["phone"])
    pages = {}
    for name in ("index", "chat"):
        text = (STATIC_DIR / f"{name}.html").read_text(encoding="utf-8")
        pages[name] = re.sub(r"\{\{(\w+)\}\}", lambda m: html.escape(values.get(m.group(1), ""), quote=True), text)
    return pages


def _page(request: web.Request, name: str) -> web.Response:
    return web.Response(text=request.app[PAGES_KEY][name], content_type="text/html", charset="utf-8")


async def index(request: web.Request) -> web.Response:
    return _page(request, "index")


async def chat_page(request: web.Request) -> web.Response:
    return _page(request, "chat")


async def embed_script(request: web.Request) -> web.FileResponse:
    return web.FileResponse(
        STATIC_DIR / "embed.js",
        headers={"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=300"},
    )


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def ready(request: web.Request) -> web.Response:
    upstream = request.app[UPSTREAM_KEY]
    rasa_ok, actions_ok = await asyncio.gather(upstream.rasa_ok(), upstream.actions_ok())
    body = {
        "status": "ready" if rasa_ok and actions_ok else "not_ready",
        "rasa": "ok" if rasa_ok else "unreachable",
        "actions": "ok" if actions_ok else "unreachable",
    }
    return web.json_response(body, status=200 if rasa_ok and actions_ok else 503)


async def preflight(request: web.Request) -> web.Response:
    """CORS preflight for the message API (the origin middleware has already refused foreign origins)."""
    return web.Response(
        status=204,
        headers={
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "600",
        },
    )


async def _read_json_object(request: web.Request) -> dict[str, Any]:
    content_type = request.headers.get("Content-Type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise ApiError(400, "not_json", "Send the message as JSON with Content-Type: application/json.")
    body = await request.read()  # aiohttp enforces client_max_size here (413)
    if not body:
        raise ApiError(400, "empty_body", "The request body is empty; send {\"session\": ..., \"text\": ...}.")
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "not_text", "The request body is not UTF-8 text; send JSON.") from None
    try:
        data = json.loads(decoded)
    except ValueError:
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object with a \"text\" field.")
    return data


def _clean_text(data: dict[str, Any], max_chars: int) -> str:
    text = data.get("text")
    if not isinstance(text, str):
        raise ApiError(400, "missing_text", "The \"text\" field is required and must be a string.")
    text = _CONTROL_RE.sub("", text).strip()
    if not text:
        raise ApiError(400, "empty_text", "The message is empty. Please type a question.")
    if len(text) > max_chars:
        raise ApiError(
            413,
            "message_too_long",
            f"The message is too long ({len(text):,} characters). Please keep it under {max_chars:,} characters.",
        )
    return text


async def messages(request: web.Request) -> web.Response:
    """POST {session, text} -> {session, messages}: forward one (redacted) user message to Rasa."""
    app = request.app
    settings = app[SETTINGS_KEY].gateway
    data = await _read_json_object(request)
    text = _clean_text(data, settings.max_message_chars)

    sessions = app[SESSIONS_KEY]
    session, issued = sessions.resolve(data.get("session"))
    wait = app[SESSION_RATE_KEY].hit(session)
    if wait is not None:
        raise ApiError(
            429,
            "rate_limited",
            f"You are sending messages very quickly. Please wait {wait} seconds and try again.",
            {"Retry-After": str(wait)},
        )

    loop = asyncio.get_running_loop()
    redacted = await loop.run_in_executor(app[REDACTION_POOL_KEY], app[REDACTOR_KEY].redact, text)
    sender = sessions.sender_id(session)
    log.debug("sender=%s new=%s text=%r", sender[:8], issued, redacted)

    started = time.monotonic()
    upstream = app[UPSTREAM_KEY]
    try:
        replies = await upstream.send(sender, redacted)
        if not has_payload(replies) and not redacted.startswith(_SILENT_OK_PREFIXES):
            # Every answered turn carries a payload; none means the action server (or Rasa) failed.
            if not replies or not await upstream.actions_ok():
                raise UpstreamUnavailable("no reply payload" if replies else "empty reply")
    except UpstreamUnavailable as exc:
        log.warning("back end unavailable for sender=%s: %s", sender[:8], exc)
        replies = unavailable_reply(app[CONTACT_KEY])
    kinds = [m["custom"].get("kind") for m in replies if isinstance(m.get("custom"), dict)]
    log.info("sender=%s kinds=%s chars=%d in %.0f ms", sender[:8], kinds, len(text), 1000 * (time.monotonic() - started))
    return web.json_response({"session": session, "messages": replies})
