"""A small stand-in for Rasa's REST channel and the action server's health check, for the gateway's tests.

It is a real aiohttp server (on 127.0.0.1): it records every message it receives and answers in the
format of Rasa 3.6's `POST /webhooks/rest/webhook`, with the reply contract's custom payload
(docs/reply-contract.md). `GET /` answers like Rasa, `GET /health` like the action server.

Knobs for failure tests: `delay_s` (answer slowly), `status` (answer with an HTTP error), `actions_healthy`
(the action server's health; when False, Rasa answers `[]` as it does when custom actions fail).
"""
from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

CONTACT = {
    "name": "Stub Contact, RN",
    "role": "Stub Program Manager",
    "phone": "617-555-0100",
    "email": "stub.contact@example.org",
}
SOURCE = {
    "title": "KYMRIAH patient facts (stub)",
    "url": "https://example.org/kymriah-patient-facts",
    "section": "Steps of treatment",
}


def answer_turn(sender: str) -> list[dict[str, Any]]:
    return [
        {"recipient_id": sender, "text": "Apheresis is how your child's T cells are collected from the blood."},
        {
            "recipient_id": sender,
            "text": "Was this helpful?",
            "buttons": [
                {"title": "Yes", "payload": "/feedback_helpful"},
                {"title": "No", "payload": "/feedback_not_helpful"},
            ],
        },
        {
            "recipient_id": sender,
            "custom": {
                "kind": "answer",
                "topic": "apheresis",
                "faq_id": "apheresis-what-is",
                "score": 0.83,
                "sources": [SOURCE],
                "reviewed": "2026-11-24",
                "suggestions": [{"title": "How are the cells made?", "payload": '/ask_question{"faq_id":"manufacturing"}'}],
            },
        },
    ]


def emergency_turn(sender: str) -> list[dict[str, Any]]:
    return [
        {
            "recipient_id": sender,
            "text": "A fever after CAR T-cell therapy needs attention now. Call your child's care team or get "
            "emergency help right away.",
        },
        {
            "recipient_id": sender,
            "custom": {
                "kind": "emergency",
                "topic": "side_effects",
                "faq_id": None,
                "score": None,
                "sources": [],
                "contact": CONTACT,
            },
        },
    ]


def smalltalk_turn(sender: str, text: str) -> list[dict[str, Any]]:
    return [
        {"recipient_id": sender, "text": text},
        {"recipient_id": sender, "custom": {"kind": "smalltalk", "topic": None, "faq_id": None, "score": None, "sources": []}},
    ]


def clarify_turn(sender: str, echo: str) -> list[dict[str, Any]]:
    # Echoes the user's words back, so tests can check that bot text is rendered as text too.
    return [
        {
            "recipient_id": sender,
            "text": f"I'm not sure what you mean by: {echo}",
            "buttons": [{"title": "What is apheresis?", "payload": '/ask_question{"faq_id":"apheresis-what-is"}'}],
        },
        {"recipient_id": sender, "custom": {"kind": "clarify", "topic": None, "faq_id": None, "score": None, "sources": []}},
    ]


def unsafe_turn(sender: str, what: str) -> list[dict[str, Any]]:
    """A hostile reply: markup in the text, URLs that must not become links. The widget must stay inert."""
    text = {"recipient_id": sender, "text": "<b>bold</b><script>alert('text')</script><img src=x onerror=alert('img')>"}
    if what == "contact":
        custom = {
            "kind": "handoff",
            "topic": None,
            "faq_id": None,
            "score": None,
            "sources": [],
            "contact": {
                "name": "<img src=x onerror=alert('name')>",
                "role": "Role",
                "phone": "javascript:alert('phone')",
                "email": "someone@example.org?cc=attacker@example.org",
            },
        }
    else:
        custom = {
            "kind": "answer",
            "topic": None,
            "faq_id": None,
            "score": 0.5,
            "sources": [
                {"title": "javascript source", "url": "javascript:alert('src')"},
                {"title": "plain http source", "url": "http://insecure.example/page"},
                {"title": "data source", "url": "data:text/html,<script>alert(1)</script>"},
            ],
            "reviewed": "<script>",
        }
    return [text, {"recipient_id": sender, "custom": custom}]


def reply_for(sender: str, text: str) -> list[dict[str, Any]]:
    lowered = text.lower()
    if lowered.startswith("show unsafe "):
        return unsafe_turn(sender, lowered.removeprefix("show unsafe "))
    if lowered.startswith("/restart"):
        return []
    if lowered.startswith("/feedback"):
        return smalltalk_turn(sender, "Thank you for telling us.")
    if "fever" in lowered:
        return emergency_turn(sender)
    if "<" in text or ">" in text:
        return clarify_turn(sender, text)
    return answer_turn(sender)


@dataclass
class StubRasa:
    received: list[dict[str, Any]] = field(default_factory=list)
    delay_s: float = 0.0
    status: int = 200
    actions_healthy: bool = True

    @property
    def texts(self) -> list[str]:
        return [item.get("message", "") for item in self.received]

    def make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", self._root)
        app.router.add_get("/health", self._health)
        app.router.add_post("/webhooks/rest/webhook", self._webhook)
        return app

    async def _root(self, request: web.Request) -> web.Response:
        return web.Response(text="Hello from Rasa: 3.6.21")

    async def _health(self, request: web.Request) -> web.Response:
        if not self.actions_healthy:
            return web.json_response({"status": "down"}, status=503)
        return web.json_response({"status": "ok"})

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.status != 200:
            return web.json_response({"error": "stub failure"}, status=self.status)
        if not self.actions_healthy:
            return web.json_response([])
        return web.json_response(reply_for(str(body.get("sender")), str(body.get("message", ""))))


class ThreadedServer:
    """Runs an aiohttp app on 127.0.0.1 in a background thread (for the synchronous browser tests)."""

    def __init__(self, app: web.Application, port: int = 0):
        self._app = app
        self._port = port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="stub-rasa", daemon=True)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def start(self) -> "ThreadedServer":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
        return self

    async def _start(self) -> None:
        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
