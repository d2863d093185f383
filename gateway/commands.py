"""Which messages may reach Rasa as commands.

Rasa reads a message that starts with "/" as an intent with entities (`/feedback_not_helpful`,
`/greet{"phone": "..."}`): it skips NLU (and so the urgent-symptom check that runs inside it), stores the
JSON as it is, and records a vote each time. So the gateway forwards a "/..." message only when it is the
payload of a button the assistant offered in the reply it relayed last to that session; a vote consumes
the vote buttons (one vote per answer). Anything else that starts with "/" is the family's own text:
a bare command ("/restart", "/inform{...}") is refused with a message, and words after a slash ("/ my
son has a fever") go on as plain text without the slash.

`/restart` is the widget's "Start over": the gateway answers it itself with a new session (the old
conversation is simply never continued), so Rasa never receives a typed restart.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

RESTART = "/restart"
FEEDBACK_PREFIX = "/feedback"
# What the widget adds under every answer that carries no vote buttons of its own (gateway/static/embed.js).
WIDGET_FEEDBACK = frozenset({"/feedback_helpful", "/feedback_not_helpful"})

_BARE_COMMAND_RE = re.compile(r"^/+\s*[A-Za-z_][\w.-]*\s*(?:@[\d.]+)?\s*(?:\{.*\})?\s*$", re.DOTALL)
_LEADING_SLASHES_RE = re.compile(r"^[/\s]+")

REFUSED_MESSAGE = (
    "Messages that start with \"/\" are reserved for the assistant's own buttons. Please type your question "
    "in words (a button from an earlier answer no longer works). If your child may need urgent care, call "
    "your child's care team or 911."
)


@dataclass(frozen=True)
class Routed:
    """`kind`: "payload" (an offered button, forwarded untouched), "restart", "refused" or "text"."""

    kind: str
    text: str

    @property
    def is_vote(self) -> bool:
        return self.kind == "payload" and self.text.startswith(FEEDBACK_PREFIX)


def route(text: str, offered: frozenset[str]) -> Routed:
    if text in offered:
        return Routed("payload", text)
    if text == RESTART:
        return Routed("restart", text)
    if not text.startswith("/"):
        return Routed("text", text)
    if _BARE_COMMAND_RE.match(text):
        return Routed("refused", text)
    return Routed("text", _LEADING_SLASHES_RE.sub("", text))


def offered_payloads(messages: list[dict[str, Any]]) -> frozenset[str]:
    """The command payloads a reply offers: its buttons, its payload's suggestions, and the vote buttons the
    widget shows under an answer."""
    found: set[str] = set()
    answer = False
    for message in messages:
        for button in message.get("buttons") or []:
            found.add(button["payload"])
        custom = message.get("custom")
        if isinstance(custom, dict):
            answer = answer or custom.get("kind") == "answer"
            for suggestion in custom.get("suggestions") or []:
                if isinstance(suggestion, dict) and isinstance(suggestion.get("payload"), str):
                    found.add(suggestion["payload"])
    if answer and not any(p.startswith(FEEDBACK_PREFIX) for p in found):
        found |= WIDGET_FEEDBACK
    # Plain-text buttons ("B-cell ALL") are ordinary messages anyway; only commands need the permission.
    return frozenset(p for p in found if p.startswith("/"))


def without_votes(offered: frozenset[str]) -> frozenset[str]:
    return frozenset(p for p in offered if not p.startswith(FEEDBACK_PREFIX))
