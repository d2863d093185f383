"""Builds the assistant's replies as plain data: text, buttons and the reply contract's payload.

Nothing here knows Rasa; actions/ hands these messages to the dispatcher. Payloads come from
bot/contract.py, the one owner of their shape (docs/reply-contract.md).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.content import FaqEntry
from bot.contract import contact as contract_contact
from bot.contract import payload
from bot.content.handoffs import Route
from bot.retrieval.scorer import Decision


@dataclass
class Message:
    """One thing to say. `response` names a domain.yml response; `text` is literal content."""

    text: str | None = None
    response: str | None = None
    buttons: list[dict[str, str]] = field(default_factory=list)
    payload: dict[str, Any] | None = None
    response_vars: dict[str, Any] = field(default_factory=dict)


def ask_button(entry: FaqEntry) -> dict[str, str]:
    """A quick reply that asks for one entry by id, so pressing it answers exactly that entry."""
    return {"title": entry.question, "payload": "/ask_question" + json.dumps({"faq_id": entry.id})}


def contact_text(contact: dict[str, Any]) -> str:
    return f"{contact['name']}, {contact['role']}\nPhone: {contact['phone']}\nEmail: {contact['email']}"


def contact_source(documents: dict, contact_document: str = "program-page") -> list[dict]:
    doc = documents.get(contact_document)
    return [{"title": doc.title, "url": doc.url, "section": "Contact"}] if doc else []


def _entry_ref(entry: FaqEntry) -> dict[str, Any]:
    return {"faq_id": entry.id, "topic": entry.topic, "reviewed": entry.reviewed.isoformat(),
            "sources": [entry.source.as_payload()]}


def answer(entry: FaqEntry, score: float, by_id: dict[str, FaqEntry], max_follow_ups: int,
           simple: bool = False, also: list[FaqEntry] | None = None) -> list[Message]:
    """An FAQ answer (its plain-language version when `simple`), then any second entry the same message
    asked about (`also`), the related questions and "Was this helpful?". One payload, on the last message."""
    text = entry.answer_simple if simple and entry.answer_simple else entry.answer
    messages = [Message(text=text)]
    for extra in also or []:
        messages.append(Message(text=extra.answer))
    follow_ups = [by_id[f] for f in entry.follow_ups if f in by_id and f not in {e.id for e in also or []}][:max_follow_ups]
    if follow_ups:
        messages.append(Message(response="utter_follow_ups", buttons=[ask_button(e) for e in follow_ups]))
    messages.append(Message(response="utter_ask_feedback", payload=payload(
        "answer", entry.topic, entry.id, score, [entry.source.as_payload()],
        reviewed=entry.reviewed.isoformat(),
        simple=True if simple and entry.answer_simple else None,
        also=[_entry_ref(e) for e in also] if also else None,
        suggestions=[ask_button(e) for e in follow_ups] or None,
    )))
    return messages


def clarify(decision: Decision, options: int) -> list[Message]:
    seen: set[str] = set()
    choices: list[FaqEntry] = []
    for candidate in decision.candidates:
        entry = candidate.target.entry
        if entry is not None and entry.id not in seen:
            seen.add(entry.id)
            choices.append(entry)
        if len(choices) == options:
            break
    top = decision.top
    buttons = [ask_button(e) for e in choices]
    return [Message(response="utter_clarify", buttons=buttons, payload=payload(
        "clarify", choices[0].topic if choices else None, None, decision.confidence, [], suggestions=buttons))]


def route(reason: Route, contact: dict[str, Any], sources: list[dict], score: float | None = None) -> list[Message]:
    """A hand-off reason or a near miss from data/handoff.yml or data/near_misses.yml: its reply, then the contact."""
    return [
        Message(text=reason.reply),
        Message(text=contact_text(contact), payload=payload(
            reason.kind, None, None, score, sources, reason=reason.id, contact=contract_contact(contact))),
    ]


def handoff(reason_response: str, contact: dict[str, Any], sources: list[dict], kind: str = "handoff",
            topic: str | None = None, score: float | None = None, reason: str | None = None) -> list[Message]:
    """A hand-off worded by a domain.yml response (unsure, no answer, not helpful, ...), then the contact."""
    return [
        Message(response=reason_response),
        Message(text=contact_text(contact), payload=payload(kind, topic, None, score, sources, reason=reason,
                                                            contact=contract_contact(contact))),
    ]
