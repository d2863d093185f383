"""The gateway's client for Rasa's REST channel and the action servers, over one shared ClientSession."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
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


# Turns after which Rasa may legitimately say nothing.
_SILENT_OK_PREFIXES = ("/restart", "/session_start", "/feedback")


@dataclass
class Lane:
    """One Rasa server and the action server it calls. `healthy` is what the last check (or call) found."""

    name: str
    rasa: str
    actions: str | None
    healthy: bool = True


class _NotDelivered(Exception):
    """The connection to Rasa could not be made: Rasa never saw the message, so another lane may have it."""


class Upstream:
    """Rasa's REST webhook on the primary lane, and on the standby lane while the primary is down; and the
    health checks. Owns no ClientSession: the app's cleanup_ctx does.

    A message goes to the first healthy lane. It moves on to the next lane only when it could not be
    delivered (connection refused): once Rasa has it, another lane would record the same turn twice.
    The gateway sends one message per session at a time, so two lanes never work on one conversation
    at once (Rasa's lock store is per process).
    """

    def __init__(self, session: aiohttp.ClientSession, settings: GatewaySettings):
        self._session = session
        self.lanes = [Lane("primary", settings.rasa_url.rstrip("/"), settings.actions_url.rstrip("/"))]
        if settings.standby_rasa_url:
            actions = settings.standby_actions_url.rstrip("/") or None
            self.lanes.append(Lane("standby", settings.standby_rasa_url.rstrip("/"), actions))
        self._timeout = aiohttp.ClientTimeout(total=settings.upstream_timeout_s)
        self._health_timeout = aiohttp.ClientTimeout(total=settings.health_timeout_s)

    async def send(self, sender: str, text: str) -> list[dict[str, Any]]:
        """The replies to one message; UpstreamUnavailable if no lane gave a usable answer."""
        problem = "no lane"
        for lane in sorted(self.lanes, key=lambda lane: not lane.healthy):  # stable: preference kept
            try:
                replies = await self._post(lane, sender, text)
            except _NotDelivered as exc:
                self._mark(lane, False, str(exc))
                problem = str(exc)
                continue
            if not has_payload(replies) and not text.startswith(_SILENT_OK_PREFIXES):
                # Every answered turn carries a payload; none means the action server (or Rasa) failed.
                if not replies or not await self.lane_ok(lane):
                    self._mark(lane, False, "reply without payload")
                    raise UpstreamUnavailable(f"{lane.name}: " + ("empty reply" if not replies else "no reply payload"))
            return replies
        raise UpstreamUnavailable(problem)

    async def _post(self, lane: Lane, sender: str, text: str) -> list[dict[str, Any]]:
        url = f"{lane.rasa}/webhooks/rest/webhook"
        try:
            async with self._session.post(url, json={"sender": sender, "message": text}, timeout=self._timeout) as resp:
                if resp.status != 200:
                    raise UpstreamUnavailable(f"{lane.name}: Rasa answered HTTP {resp.status}")
                raw = await resp.json(content_type=None)
        except aiohttp.ClientConnectorError as exc:
            raise _NotDelivered(f"{lane.name}: {type(exc).__name__}: {exc}") from exc
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise UpstreamUnavailable(f"{lane.name}: {type(exc).__name__}: {exc}") from exc
        return normalise_messages(raw)

    def _mark(self, lane: Lane, healthy: bool, why: str = "") -> None:
        if lane.healthy != healthy:
            if healthy:
                log.info("%s lane is back", lane.name)
            else:
                log.warning("%s lane is down: %s", lane.name, why)
        lane.healthy = healthy

    # -- health ----------------------------------------------------------------------------------------------

    async def rasa_ok(self) -> bool:
        return await self._ok(f"{self.lanes[0].rasa}/")

    async def actions_ok(self) -> bool:
        return await self._ok(f"{self.lanes[0].actions}/health")

    async def lane_ok(self, lane: Lane) -> bool:
        checks = [self._ok(f"{lane.rasa}/")]
        if lane.actions:
            checks.append(self._ok(f"{lane.actions}/health"))
        return all(await asyncio.gather(*checks))

    async def check_lanes(self) -> None:
        results = await asyncio.gather(*(self.lane_ok(lane) for lane in self.lanes))
        for lane, ok in zip(self.lanes, results):
            self._mark(lane, ok, "health check failed")

    async def watch(self, interval_s: float) -> None:
        """Keeps `Lane.healthy` current, so that a message goes straight to a lane that can answer it."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.check_lanes()
            except Exception:  # noqa: BLE001 - the watcher must outlive any surprise
                log.exception("lane health check failed")

    async def _ok(self, url: str) -> bool:
        try:
            async with self._session.get(url, timeout=self._health_timeout) as resp:
                await resp.read()
                return resp.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return False
