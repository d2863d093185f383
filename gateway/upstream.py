"""The gateway's client for Rasa's REST channel and the action server, over one shared ClientSession."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import aiohttp

from bot.content import load_contacts
from bot.settings import GatewaySettings

log = logging.getLogger(__name__)


class UpstreamUnavailable(Exception):
    """Rasa (or the action server behind it) did not give a usable reply in time."""


def load_program_contact(path: Path) -> dict[str, str] | None:
    """The program contact as data/contacts.yml has it, read by the content loader (the one reader of that
    file); None (and a warning) if the file cannot be used."""
    contacts, problems = load_contacts(path)
    for problem in problems:
        log.warning("%s", problem.format())
    return contacts.get("program_contact")


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
