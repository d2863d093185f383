"""What the assistant says to a question: urgent symptoms first, then boundaries, then retrieval's decision."""
from __future__ import annotations

from dataclasses import dataclass, field

from bot import replies
from bot.live import Snapshot
from bot.replies import Message
from bot.retrieval import ANSWER, CLARIFY
from bot.safety import get_checker

# Two unsure replies in a row and the assistant stops guessing and offers a person.
MAX_UNSURE_IN_A_ROW = 2


@dataclass
class Outcome:
    messages: list[Message]
    kind: str
    faq_id: str | None = None
    unsure_count: int = 0
    extra: dict = field(default_factory=dict)


def emergency() -> Outcome:
    return Outcome([Message(response="utter_emergency")], "emergency")


def respond(snapshot: Snapshot, text: str, unsure_count: int = 0, faq_id: str | None = None) -> Outcome:
    checker = get_checker()
    if text and checker.urgent_symptom(text):
        return emergency()
    content, index = snapshot.content, snapshot.index
    settings = index.settings
    contact_sources = replies.contact_source(content.documents)

    if faq_id and faq_id in index.by_id:  # a quick reply names its entry: no guessing needed
        entry = index.by_id[faq_id]
        return Outcome(replies.answer(entry, 1.0, index.by_id, settings.max_follow_ups), "answer", entry.id)

    if text and checker.personal_medical_decision(text):
        return Outcome(replies.handoff("utter_medical_advice_boundary", content.contact, contact_sources), "handoff")

    decision = index.decide(text or "")
    top = decision.top
    if decision.band == ANSWER and decision.passage is None and top is not None:
        return Outcome(replies.answer(top.entry, top.score, index.by_id, settings.max_follow_ups), "answer", top.entry.id)
    if decision.band == ANSWER and decision.passage is not None:
        return Outcome(replies.passage_answer(decision, index.passage_topic(decision.passage)), "answer")
    if decision.band == CLARIFY and unsure_count + 1 < MAX_UNSURE_IN_A_ROW:
        return Outcome(replies.clarify(decision, settings.clarify_options), "clarify", unsure_count=unsure_count + 1)
    if decision.off_topic:
        return Outcome(replies.handoff("utter_out_of_scope", content.contact, contact_sources, kind="out_of_scope",
                                       score=top.score if top else None), "out_of_scope")
    reason = "utter_handoff_unsure" if decision.band == CLARIFY else "utter_handoff_no_answer"
    return Outcome(replies.handoff(reason, content.contact, contact_sources,
                                   score=top.score if top else None), "handoff")
