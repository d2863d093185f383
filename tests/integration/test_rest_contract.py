"""The real action server and Rasa server over REST: one question per topic, a person on request,
and the reply contract on every turn."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.stack

# One plain question per topic, written here (not taken from the FAQ files under test).
TOPIC_QUESTIONS = {
    "car_t_overview": "what is car t cell therapy",
    "how_it_works": "how do the new t cells fight the leukemia once they are back in the body",
    "cd19_targeting": "why do the cells target CD19",
    "apheresis": "what is apheresis",
    "manufacturing": "how long does it take to make the car t cells",
    "lymphodepletion": "why does my child need chemo before the car t infusion",
    "infusion": "how is the infusion of the new cells done",
    "kymriah": "what is kymriah",
    "side_effects": "what is cytokine release syndrome",
    "after_treatment": "how long do we need to stay near the hospital after the infusion",
    "treatment_center": "are you a certified treatment center",
    "gene_therapy_program": "what other conditions does your gene therapy program treat",
    "clinical_trials": "do you have clinical trials for relapsed leukemia",
    "outcomes": "how many patients go into remission with kymriah",
}

KINDS = {"answer", "clarify", "handoff", "emergency", "out_of_scope", "smalltalk", "eligibility"}


def check_contract(payload: dict) -> None:
    assert set(payload) >= {"kind", "topic", "faq_id", "score", "sources"}, payload
    assert payload["kind"] in KINDS
    for source in payload["sources"]:
        assert source["title"], payload


@pytest.mark.parametrize("topic", sorted(TOPIC_QUESTIONS))
def test_each_topic_is_answered_with_its_source(conversation, topic):
    payload, messages = conversation.ask(TOPIC_QUESTIONS[topic])
    check_contract(payload)
    assert payload["kind"] == "answer", messages
    assert payload["topic"] == topic, messages
    assert payload["faq_id"]
    assert payload["sources"] and payload["sources"][0]["url"].startswith("https://")
    assert payload["reviewed"]
    texts = [m.get("text", "") for m in messages]
    assert any(len(t) > 40 for t in texts), "the answer text itself is missing"


def test_the_readme_example(conversation):
    payload, _ = conversation.ask("what is apheresis")
    assert (payload["kind"], payload["topic"]) == ("answer", "apheresis")
    assert payload["sources"]


@pytest.mark.parametrize("text", ["I want to talk to a nurse", "can i speak to a real person please", "human please"])
def test_a_person_on_request(conversation, text):
    payload, messages = conversation.ask(text)
    check_contract(payload)
    assert payload["kind"] == "handoff", messages
    contact = payload["contact"]
    assert contact["phone"] and contact["email"] and contact["name"]
    assert any(contact["phone"] in m.get("text", "") for m in messages)


def test_every_turn_of_a_conversation_carries_one_payload(conversation):
    for text in ["hi", "what is CD19", "thanks", "what's the weather in boston", "bye"]:
        payload, _ = conversation.ask(text)
        check_contract(payload)


def test_a_follow_up_button_answers_its_entry(conversation):
    payload, messages = conversation.ask("what is apheresis")
    buttons = [b for m in messages for b in m.get("buttons", []) if b["payload"].startswith("/ask_question")]
    assert buttons, messages
    follow, _ = conversation.ask(buttons[0]["payload"])
    assert follow["kind"] == "answer"
    assert follow["faq_id"] in buttons[0]["payload"]


def test_feedback_is_stored_with_the_faq_id(stack, conversation):
    from tests.conftest import get_json

    payload, _ = conversation.ask("what is kymriah")
    reply, _ = conversation.ask("/feedback_not_helpful")
    assert reply["kind"] == "handoff"
    tracker = get_json(stack.tracker_url(conversation.sender))
    stored = [e["value"] for e in tracker["events"] if e.get("event") == "slot" and e.get("name") == "answer_feedback"]
    assert stored and stored[-1]["faq_id"] == payload["faq_id"] and stored[-1]["helpful"] is False
