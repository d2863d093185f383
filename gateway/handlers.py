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

from bot.contract import BUSY_TEXT, unavailable_reply
from gateway import commands
from gateway.errors import ApiError
from gateway.sessions import Session
from gateway.state import (
    CONTACT_KEY,
    EMBED_KEY,
    IN_FLIGHT_KEY,
    PAGES_KEY,
    REDACTION_POOL_KEY,
    REDACTOR_KEY,
    SESSION_RATE_KEY,
    SESSIONS_KEY,
    SETTINGS_KEY,
    UPSTREAM_KEY,
)
from gateway.upstream import UpstreamUnavailable

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"

# Control characters other than tab and newline never reach Rasa.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
# Where embed.js takes the back-end-down reply (with the program contact) that it shows when it cannot
# reach the gateway at all.
_EMBED_FALLBACK_MARK = "/*KYW_FALLBACK*/ null"


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


def render_embed_script(contact: dict[str, Any] | None) -> bytes:
    """embed.js with the gateway's own unavailable reply in it, as JSON that is safe inside a script."""
    fallback = json.dumps(unavailable_reply(contact), ensure_ascii=True)
    fallback = fallback.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    script = (STATIC_DIR / "embed.js").read_text(encoding="utf-8")
    if _EMBED_FALLBACK_MARK not in script:
        raise RuntimeError("embed.js has lost its fallback placeholder")
    return script.replace(_EMBED_FALLBACK_MARK, fallback).encode("utf-8")


def _page(request: web.Request, name: str) -> web.Response:
    return web.Response(text=request.app[PAGES_KEY][name], content_type="text/html", charset="utf-8")


async def index(request: web.Request) -> web.Response:
    return _page(request, "index")


async def chat_page(request: web.Request) -> web.Response:
    return _page(request, "chat")


async def embed_script(request: web.Request) -> web.Response:
    return web.Response(body=request.app[EMBED_KEY], content_type="text/javascript", charset="utf-8",
                        headers={"Cache-Control": "public, max-age=300"})


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def ready(request: web.Request) -> web.Response:
    """The primary lane's servers; with a standby, "degraded" (still 200) while only the standby answers."""
    upstream = request.app[UPSTREAM_KEY]
    rasa_ok, actions_ok, *standby = await asyncio.gather(
        upstream.rasa_ok(), upstream.actions_ok(), *(upstream.lane_ok(lane) for lane in upstream.lanes[1:]))
    primary = rasa_ok and actions_ok
    status = "ready" if primary else "degraded" if any(standby) else "not_ready"
    body: dict[str, Any] = {
        "status": status,
        "rasa": "ok" if rasa_ok else "unreachable",
        "actions": "ok" if actions_ok else "unreachable",
    }
    if standby:
        body["standby"] = "ok" if standby[0] else "unreachable"
    return web.json_response(body, status=503 if status == "not_ready" else 200)


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
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(
            400,
            "invalid_text",
            "The message contains characters that cannot be encoded as text (such as a lone surrogate, "
            "\"\\ud800\"). Please remove them and send the message again.",
        ) from None
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


def _busy(request: web.Request, session: Session) -> web.Response:
    """More messages are with Rasa than MAX_IN_FLIGHT: say so now rather than let this one wait into a timeout."""
    retry_after = request.app[SETTINGS_KEY].gateway.busy_retry_after_s
    body = {
        "session": session.token,
        "messages": unavailable_reply(request.app[CONTACT_KEY], reason="busy", text=BUSY_TEXT),
        "error": {"code": "busy", "message": BUSY_TEXT},
    }
    return web.json_response(body, status=503, headers={"Retry-After": str(retry_after)})


async def messages(request: web.Request) -> web.Response:
    """POST {session, text} -> {session, messages}: forward one (redacted) user message to Rasa."""
    app = request.app
    settings = app[SETTINGS_KEY].gateway
    data = await _read_json_object(request)
    text = _clean_text(data, settings.max_message_chars)

    sessions = app[SESSIONS_KEY]
    session = sessions.open(data.get("session"))
    wait = app[SESSION_RATE_KEY].hit(session.sender)
    if wait is not None:
        raise ApiError(
            429,
            "rate_limited",
            f"You are sending messages very quickly. Please wait {wait} seconds and try again.",
            {"Retry-After": str(wait)},
        )
    state = session.state
    routed = commands.route(text, state.offered)
    if routed.kind == "refused":
        raise ApiError(400, "command_not_offered", commands.REFUSED_MESSAGE)
    if routed.kind == "restart":
        return web.json_response({"session": sessions.open(None).token, "messages": []})
    if not routed.text:
        raise ApiError(400, "empty_text", "The message is empty. Please type a question.")
    if state.pending:
        raise ApiError(429, "previous_message_pending",
                       "The assistant is still answering your previous message. Please wait for its answer.",
                       {"Retry-After": "1"})
    in_flight = app[IN_FLIGHT_KEY]
    if not in_flight.try_enter():
        log.info("busy: %d messages in flight", in_flight.count)
        return _busy(request, session)

    state.pending = True
    offered_before, answered = state.offered, False
    started = time.monotonic()
    try:
        forwarded = routed.text
        if routed.kind == "text":  # the assistant's own payloads carry nothing to redact
            loop = asyncio.get_running_loop()
            forwarded = await loop.run_in_executor(app[REDACTION_POOL_KEY], app[REDACTOR_KEY].redact, forwarded)
        log.debug("sender=%s new=%s text=%r", session.sender[:8], session.issued_now, forwarded)
        try:
            replies = await app[UPSTREAM_KEY].send(session.sender, forwarded)
            answered = True
        except UpstreamUnavailable as exc:
            log.warning("back end unavailable for sender=%s: %s", session.sender[:8], exc)
            replies = unavailable_reply(app[CONTACT_KEY])
    finally:
        state.pending = False
        in_flight.leave()
        if answered:
            state.offered = commands.offered_payloads(replies)
        elif routed.is_vote:  # the vote may have been recorded: never a second one for this answer
            state.offered = commands.without_votes(offered_before)
    kinds = [m["custom"].get("kind") for m in replies if isinstance(m.get("custom"), dict)]
    log.info("sender=%s kinds=%s chars=%d in %.0f ms", session.sender[:8], kinds, len(text),
             1000 * (time.monotonic() - started))
    return web.json_response({"session": session.token, "messages": replies})
