"""Builds the assistant's replies as plain data: text, buttons and the reply contract's payload.

Nothing here knows Rasa; actions/ hands these messages to the dispatcher. The payload shape is
documented in docs/reply-contract.md.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.content import FaqEntry, Source
from bot.retrieval import Decision

KINDS = ("answer", "clarify", "handoff", "emergency", "out_of_scope", "smalltalk", "eligibility")


@dataclass
class Message:
    """One thing to say. `response` names a domain.yml response; `text` is literal content."""

    text: str | None = None
    response: str | None = None
    buttons: list[dict[str, str]] = field(default_factory=list)
    payload: dict[str, Any] | None = None
    response_vars: dict[str, Any] = field(default_factory=dict)


def payload(kind: str, topic: str | None = None, faq_id: str | None = None, score: float | None = None,
            sources: list[dict] | None = None, **extra: Any) -> dict[str, Any]:
    if kind not in KINDS:
        raise ValueError(f"unknown reply kind {kind!r}")
    body = {"kind": kind, "topic": topic, "faq_id": faq_id,
            "score": round(score, 3) if score is not None else None, "sources": sources or []}
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def ask_button(entry: FaqEntry) -> dict[str, str]:
    """A quick reply that asks for one entry by id, so pressing it answers exactly that entry."""
    return {"title": entry.question, "payload": "/ask_question" + json.dumps({"faq_id": entry.id})}


def contact_text(contact: dict[str, Any]) -> str:
    return f"{contact['name']}, {contact['role']}\nPhone: {contact['phone']}\nEmail: {contact['email']}"


def contact_source(content_documents: dict, contact_document: str = "program-page") -> list[dict]:
    doc = content_documents.get(contact_document)
    return [{"title": doc.title, "url": doc.url, "section": "Contact"}] if doc else []


def answer(entry: FaqEntry, score: float, by_id: dict[str, FaqEntry], max_follow_ups: int) -> list[Message]:
    follow_ups = [by_id[f] for f in entry.follow_ups if f in by_id][:max_follow_ups]
    messages = [Message(text=entry.answer)]
    if follow_ups:
        messages.append(Message(response="utter_follow_ups", buttons=[ask_button(e) for e in follow_ups]))
    messages.append(Message(response="utter_ask_feedback"))
    messages[-1].payload = payload(
        "answer", entry.topic, entry.id, score, [entry.source.as_payload()],
        reviewed=entry.reviewed.isoformat(),
        suggestions=[ask_button(e) for e in follow_ups] or None,
    )
    return messages


def passage_answer(decision: Decision, topic: str | None) -> list[Message]:
    passage = decision.passage
    source = Source(passage.document.id, passage.document.title, passage.section, passage.document.url)
    return [
        Message(text=f"I don't have a reviewed answer for that, but our source material says: \u201c{passage.text}\u201d"),
        Message(response="utter_ask_feedback", payload=payload(
            "answer", topic, None, decision.passage_score, [source.as_payload()], tier="source_passage")),
    ]


def clarify(decision: Decision, options: int) -> list[Message]:
    seen: set[str] = set()
    choices = []
    for candidate in decision.candidates:
        if candidate.entry.id not in seen:
            seen.add(candidate.entry.id)
            choices.append(candidate.entry)
        if len(choices) == options:
            break
    top = decision.top
    buttons = [ask_button(e) for e in choices]
    return [Message(response="utter_clarify", buttons=buttons, payload=payload(
        "clarify", top.entry.topic if top else None, None, top.score if top else None, [], suggestions=buttons))]


def handoff(reason_response: str, contact: dict[str, Any], sources: list[dict], kind: str = "handoff",
            topic: str | None = None, score: float | None = None) -> list[Message]:
    return [
        Message(response=reason_response),
        Message(text=contact_text(contact), payload=payload(kind, topic, None, score, sources, contact=contact)),
    ]
