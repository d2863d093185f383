"""The answering order: urgent symptoms, then boundaries, then retrieval's band; unsure twice hands off."""
from __future__ import annotations

from dataclasses import replace

import pytest

from bot.answering import respond
from bot.live import LiveContent, Snapshot


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return LiveContent().snapshot


def unsure(snapshot: Snapshot) -> Snapshot:
    """The same content with bands that make every match 'unsure'."""
    import copy

    index = snapshot.index
    strict = copy.copy(index)
    strict.settings = replace(index.settings, answer_min_score=1.1, clarify_min_score=0.0)
    return Snapshot(snapshot.content, strict, snapshot.fingerprint, snapshot.warnings)


def kinds(outcome) -> list[str]:
    return [m.payload["kind"] for m in outcome.messages if m.payload]


def test_urgent_symptom_beats_everything(snapshot):
    outcome = respond(snapshot, "what is apheresis? my son has a fever of 103 right now")
    assert outcome.kind == "emergency"
    assert [m.response for m in outcome.messages] == ["utter_emergency"]


def test_a_confident_answer_has_one_payload_with_source_and_review_date(snapshot):
    outcome = respond(snapshot, "what is apheresis")
    assert kinds(outcome) == ["answer"]
    payload = next(m.payload for m in outcome.messages if m.payload)
    assert payload["topic"] == "apheresis" and payload["reviewed"] and payload["sources"][0]["url"]


def test_a_quick_reply_names_its_entry(snapshot):
    outcome = respond(snapshot, '/ask_question{"faq_id": "kymriah-what-is"}', faq_id="kymriah-what-is")
    assert outcome.faq_id == "kymriah-what-is"


def test_unsure_twice_in_a_row_hands_off(snapshot):
    shaky = unsure(snapshot)
    first = respond(shaky, "tell me about the cells", unsure_count=0)
    assert first.kind == "clarify" and first.unsure_count == 1
    buttons = [b for m in first.messages for b in m.buttons]
    assert 1 <= len(buttons) <= 3
    second = respond(shaky, "the cells thing", unsure_count=first.unsure_count)
    assert second.kind == "handoff" and kinds(second) == ["handoff"]
    assert second.messages[-1].payload["contact"]["phone"]


def test_personal_decision_is_not_answered(snapshot):
    outcome = respond(snapshot, "car t or transplant for my son?")
    assert outcome.kind == "handoff"
    assert outcome.messages[0].response == "utter_medical_advice_boundary"


def nothing_close(snapshot: Snapshot) -> Snapshot:
    """The same content with bands no question reaches: every question is 'nothing close'."""
    import copy

    index = copy.copy(snapshot.index)
    index.settings = replace(index.settings, answer_min_score=1.1, clarify_min_score=1.1, passage_min_score=1.1)
    return Snapshot(snapshot.content, index, snapshot.fingerprint, snapshot.warnings)


def test_nothing_close_on_the_programs_subject_hands_off_to_the_contact(snapshot):
    # Cost is a real question for the program that the sources do not answer: a person must.
    outcome = respond(nothing_close(snapshot), "how much does kymriah cost")
    assert outcome.kind == "handoff" and kinds(outcome) == ["handoff"]
    assert outcome.messages[0].response == "utter_handoff_no_answer"
    assert outcome.messages[-1].payload["contact"]["phone"]


def test_nothing_close_and_off_topic_is_out_of_scope_with_the_contact(snapshot):
    for text in ("what's the capital of australia", "zxq blorf quantum parking validation"):
        outcome = respond(snapshot, text)
        assert outcome.kind == "out_of_scope" and kinds(outcome) == ["out_of_scope"], text
        assert outcome.messages[0].response == "utter_out_of_scope"
        assert outcome.messages[-1].payload["contact"]["email"]
