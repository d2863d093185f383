"""The reply contract (docs/reply-contract.md): the one custom payload every answering turn carries.

Everything that builds or reads a payload uses this module: the actions (through bot/replies.py), the
web gateway (its back-end-down and busy replies), the tests, and domain.yml's fixed `custom:` payloads,
which a test checks against `check_payload`.
"""
from __future__ import annotations

from typing import Any

KINDS = ("answer", "clarify", "handoff", "emergency", "out_of_scope", "smalltalk", "eligibility")
# Kinds whose payload carries the program contact, so that a reader always has a person to call.
CONTACT_KINDS = ("handoff", "emergency", "out_of_scope", "eligibility")
CONTACT_FIELDS = ("name", "role", "phone", "email")
# Reasons that are not in data/handoff.yml or data/near_misses.yml: they come from the dialogue itself.
FIXED_REASONS = {
    "unsure": "the assistant was not sure twice in a row",
    "no_answer": "nothing in the reviewed content is close to the question",
    "not_helpful": "the family said the answer did not help",
    "language": "the message is not in English, the only language of the reviewed content",
    "unavailable": "the assistant's back end is down or too slow (sent by the web gateway)",
    "busy": "the gateway has too many messages in flight (sent by the web gateway)",
}
REQUIRED_FIELDS = ("kind", "topic", "faq_id", "score", "sources")

UNAVAILABLE_TEXT = (
    "Sorry, the assistant is not available right now. Please try again in a few minutes, "
    "or contact the program directly. If your child may need urgent care, call your child's care team "
    "or get emergency help (911) right away."
)
BUSY_TEXT = (
    "Sorry, the assistant is busy right now. Please try again in a few seconds, or contact the program "
    "directly. If your child may need urgent care, call your child's care team or get emergency help (911) "
    "right away."
)


def payload(kind: str, topic: str | None = None, faq_id: str | None = None, score: float | None = None,
            sources: list[dict] | None = None, **extra: Any) -> dict[str, Any]:
    """A payload; optional fields (reason, contact, reviewed, suggestions, also, ...) are left out when None."""
    if kind not in KINDS:
        raise ValueError(f"unknown reply kind {kind!r}")
    body = {"kind": kind, "topic": topic, "faq_id": faq_id,
            "score": round(float(score), 3) if score is not None else None, "sources": sources or []}
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def contact(entry: dict[str, Any] | None) -> dict[str, str] | None:
    """The contact as payloads carry it: `{name, role, phone, email}`, all strings."""
    if not entry:
        return None
    return {key: str(entry[key]) for key in CONTACT_FIELDS if entry.get(key)}


def unavailable_reply(program_contact: dict[str, Any] | None, reason: str = "unavailable",
                      text: str = UNAVAILABLE_TEXT) -> list[dict[str, Any]]:
    """The one message the gateway answers with when the back end cannot (always with the emergency wording)."""
    return [{"text": text, "custom": payload("handoff", reason=reason, contact=contact(program_contact))}]


def check_payload(body: Any) -> list[str]:
    """What is wrong with a payload against the contract (empty when it is fine)."""
    if not isinstance(body, dict):
        return ["the payload is not a mapping"]
    problems = [f"missing '{k}'" for k in REQUIRED_FIELDS if k not in body]
    if body.get("kind") not in KINDS:
        problems.append(f"unknown kind {body.get('kind')!r}")
    if not isinstance(body.get("sources", []), list):
        problems.append("sources must be a list")
    for source in body.get("sources") or []:
        if not isinstance(source, dict) or "title" not in source or "url" not in source:
            problems.append("every source needs a title and a url (which may be null)")
    if body.get("kind") == "answer" and body.get("faq_id") and not body.get("reviewed"):
        problems.append("an answer from an FAQ entry carries its `reviewed` date")
    return problems
