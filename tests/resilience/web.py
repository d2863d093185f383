"""Helpers for the tests against the supervised stack: one web conversation through the gateway, and what
the back-end-down reply must carry."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

from bot.content import load_contacts
from bot.settings import load_settings

PROGRAM_CONTACT = load_contacts(load_settings().paths.contacts_file)[0]["program_contact"]


def post_raw(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, body, {"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


class WebConversation:
    """One family's conversation through the gateway's /api/messages, keeping its session token."""

    def __init__(self, gateway_url: str):
        self.url = f"{gateway_url}/api/messages"
        self.session: str | None = None

    def send(self, text: str) -> tuple[int, dict]:
        status, body = post_raw(self.url, json.dumps({"session": self.session, "text": text}).encode())
        if isinstance(body.get("session"), str):
            self.session = body["session"]
        return status, body

    def ask(self, text: str) -> dict:
        """The turn's one payload (fails on an HTTP error or on anything but exactly one payload)."""
        status, body = self.send(text)
        assert status == 200, (text, status, body)
        return payload(body)


def payload(body: dict) -> dict:
    payloads = [m["custom"] for m in body.get("messages", []) if "custom" in m]
    assert len(payloads) == 1, body
    return payloads[0]


def is_fallback(body: dict) -> bool:
    return any((m.get("custom") or {}).get("reason") == "unavailable" for m in body.get("messages", []))


def assert_fallback(body: dict) -> None:
    """The back-end-down reply: the program contact and, always, the emergency wording."""
    [message] = body["messages"]
    assert message["custom"]["kind"] == "handoff" and message["custom"]["reason"] == "unavailable", body
    contact = message["custom"]["contact"]
    assert contact["phone"] == PROGRAM_CONTACT["phone"] and contact["email"] == PROGRAM_CONTACT["email"], contact
    text = message["text"].lower()
    assert "urgent care" in text and "911" in text and "care team" in text, text
