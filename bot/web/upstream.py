"""The gateway's client for Rasa's REST channel and the action server, over one shared ClientSession."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from bot.settings import GatewaySettings

log = logging.getLogger(__name__)

CONTACT_FIELDS = ("name", "role", "phone", "email")

UNAVAILABLE_TEXT = (
    "Sorry, the assistant is not available right now. Please try again in a few minutes, "
    "or contact the program directly. If your child may need urgent care, call your child's care team "
    "or get emergency help (911) right away."
)


class UpstreamUnavailable(Exception):
    """Rasa (or the action server behind it) did not give a usable reply in time."""


def load_contact_entry(path: Path) -> dict[str, str] | None:
    """The `program_contact` entry of data/contacts.yml, its scalar fields as strings."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        log.warning("program contact not loaded from %s: %s", path, exc)
        return None
    entry = data.get("program_contact") if isinstance(data, dict) else None
    if not isinstance(entry, dict):
        return None
    return {key: str(value) for key, value in entry.items() if isinstance(value, (str, int, float))}


def contract_contact(entry: dict[str, str] | None) -> dict[str, str] | None:
    """The contact as the reply contract carries it: `{name, role, phone, email}`."""
    if not entry:
        return None
    return {key: entry[key] for key in CONTACT_FIELDS if entry.get(key)}


def unavailable_reply(contact: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The one message the gateway answers with when the back end is down or too slow."""
    custom: dict[str, Any] = {
        "kind": "handoff",
        "reason": "unavailable",
        "topic": None,
        "faq_id": None,
        "score": None,
        "sources": [],
    }
    if contact:
        custom["contact"] = dict(contact)
    return [{"text": UNAVAILABLE_TEXT, "custom": custom}]


def normalise_messages(raw: Any) -> list[dict[str, Any]]:
    """Keep only what the widget renders from Rasa's REST reply: text, buttons and the custom payload."""
    if not isinstance(raw, list):
        raise UpstreamUnavailable(f"Rasa replied with {type(raw).__name__}, not a list")
    messages: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        message: dict[str, Any] = {}
        if isinstance(item.get("text"), str) and item["text"].strip():
            message["text"] = item["text"]
        buttons = [
            {"title": str(button["title"]), "payload": str(button["payload"])}
            for button in item.get("buttons") or []
            if isinstance(button, dict) and button.get("title") and button.get("payload")
        ]
        if buttons:
            message["buttons"] = buttons
        if isinstance(item.get("custom"), dict):
            message["custom"] = item["custom"]
        if message:
            messages.append(message)
    return messages


def has_payload(messages: list[dict[str, Any]]) -> bool:
    return any("custom" in message for message in messages)


class Upstream:
    """Rasa's REST webhook and the two health checks. Owns no session: the app's cleanup_ctx does."""

    def __init__(self, session: aiohttp.ClientSession, settings: GatewaySettings):
        self._session = session
        self._rasa = settings.rasa_url.rstrip("/")
        self._actions = settings.actions_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=settings.upstream_timeout_s)
        self._health_timeout = aiohttp.ClientTimeout(total=settings.health_timeout_s)

    async def send(self, sender: str, text: str) -> list[dict[str, Any]]:
        url = f"{self._rasa}/webhooks/rest/webhook"
        try:
            async with self._session.post(url, json={"sender": sender, "message": text}, timeout=self._timeout) as resp:
                if resp.status != 200:
                    raise UpstreamUnavailable(f"Rasa answered HTTP {resp.status}")
                raw = await resp.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise UpstreamUnavailable(f"{type(exc).__name__}: {exc}") from exc
        return normalise_messages(raw)

    async def rasa_ok(self) -> bool:
        return await self._ok(f"{self._rasa}/")

    async def actions_ok(self) -> bool:
        return await self._ok(f"{self._actions}/health")

    async def _ok(self, url: str) -> bool:
        try:
            async with self._session.get(url, timeout=self._health_timeout) as resp:
                await resp.read()
                return resp.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return False
