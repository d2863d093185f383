"""Whole conversations over REST against the real servers: urgent symptoms first, the eligibility form
with interruptions, a person when needed, and no medical advice."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.stack


def texts(messages: list[dict]) -> str:
    return " ".join(m.get("text") or "" for m in messages)


def test_greeting_carries_the_disclaimer(conversation):
    payload, messages = conversation.ask("hi")
    assert payload["kind"] == "smalltalk"
    said = texts(messages).lower()
    assert "automated" in said and "medical advice" in said and "emergenc" in said


def test_an_urgent_symptom_inside_a_question_wins(conversation):
    payload, messages = conversation.ask("what is CRS? my son has a fever right now")
    assert payload["kind"] == "emergency"
    said = texts(messages)
    assert "911" in said and "care team" in said and "CAR T" in said


def test_a_question_about_a_symptom_is_answered(conversation):
    payload, _ = conversation.ask("what is a fever in CRS?")
    assert payload["kind"] != "emergency"


def test_personal_medical_decisions_are_handed_off(conversation):
    payload, messages = conversation.ask("should I stop giving my child his medication")
    assert payload["kind"] == "handoff"
    assert payload["contact"]["phone"] in texts(messages)
    assert "advice" in texts(messages).lower()


def test_eligibility_with_interruptions_and_resume(conversation):
    payload, messages = conversation.ask("can my daughter get kymriah?")
    assert payload["kind"] == "eligibility" and payload.get("asking") == "patient_age", messages

    # A question in the middle of the form is answered, then the form asks again for the age.
    payload, messages = conversation.ask("what is apheresis?")
    assert payload["kind"] == "answer" and payload["topic"] == "apheresis", messages
    assert "how old" in texts(messages).lower()

    payload, _ = conversation.ask("she's 6")
    assert payload["kind"] == "eligibility" and payload.get("asking") == "diagnosis"

    # An urgent symptom in the middle of the form gets the emergency reply first, then the form resumes.
    payload, messages = conversation.ask("wait she is shaking and has chills right now")
    assert payload["kind"] == "emergency", messages
    assert "diagnosis" in texts(messages).lower()

    payload, _ = conversation.ask("B-cell ALL")
    assert payload.get("asking") == "disease_status"
    payload, messages = conversation.ask("it came back twice")
    assert payload["kind"] == "eligibility" and payload["topic"] == "eligibility"
    said = texts(messages)
    assert "only your child's care team can decide" in said.lower()
    assert payload["contact"]["phone"] in said
    for verdict in ("qualifies", "does not qualify", "is eligible", "not eligible"):
        assert verdict not in said.lower()
    assert payload["in_line_with_label"] is True


def test_eligibility_answers_outside_the_label_are_explained(conversation):
    conversation.ask("is my son eligible for car t")
    conversation.ask("nineteen")
    conversation.ask("b cell all")
    payload, _ = conversation.ask("first relapse")
    assert payload.get("asking") == "relapse_response"  # a first relapse that did not respond is refractory
    payload, messages = conversation.ask("yes, it went into remission")
    assert payload["kind"] == "eligibility" and payload["in_line_with_label"] is False
    assert "two or more times" in texts(messages)


def test_the_form_can_be_left(conversation):
    payload, _ = conversation.ask("who can get kymriah")
    assert payload["kind"] == "eligibility"
    payload, messages = conversation.ask("never mind")
    assert payload["kind"] == "smalltalk"
    payload, _ = conversation.ask("what is cd19")
    assert payload["kind"] == "answer" and payload["topic"] == "cd19_targeting"


def test_an_unreadable_form_answer_does_not_derail_the_form(conversation):
    conversation.ask("does my kid qualify for kymriah")
    payload, messages = conversation.ask("older than his sister")
    assert payload["kind"] in ("eligibility", "smalltalk", "clarify", "handoff"), messages
    assert "patient_age" not in str(payload.get("answers", {}))
    payload, _ = conversation.ask("12")
    assert payload["kind"] == "eligibility" and payload.get("asking") == "diagnosis"


def test_not_helpful_offers_a_person(conversation):
    conversation.ask("how is kymriah given")
    payload, messages = conversation.ask("/feedback_not_helpful")
    assert payload["kind"] == "handoff" and payload["contact"]["email"] in texts(messages)


def test_out_of_scope_says_what_it_can_do_and_offers_the_contact(conversation):
    payload, messages = conversation.ask("what's a good recipe for lasagna")
    assert payload["kind"] == "out_of_scope"
    assert "CAR T" in texts(messages) and payload["contact"]["phone"]


@pytest.mark.parametrize("ask_next", ["what comes next?", "and then what happens", "next?"])
def test_what_comes_next_after_the_infusion_answer_is_the_next_step(conversation, ask_next):
    import yaml

    from bot.settings import ROOT

    journey = yaml.safe_load((ROOT / "data" / "topics.yml").read_text())["journey"]
    first, _ = conversation.ask("how is the car t infusion given")
    assert first["kind"] == "answer" and first["topic"] == "infusion", first
    after_infusion = journey[journey.index("infusion-how-given") + 1]
    following, _ = conversation.ask(ask_next)
    assert (following["kind"], following["faq_id"]) == ("answer", after_infusion), following


@pytest.mark.parametrize("reply", ["in simpler words please", "sorry, that is confusing", "huh?"])
def test_a_request_for_simpler_words_gets_the_plain_version_of_the_last_answer(conversation, reply):
    payload, _ = conversation.ask("what is apheresis?")
    assert payload["kind"] == "answer" and payload["topic"] == "apheresis"
    first = payload["faq_id"]
    payload, messages = conversation.ask(reply)
    assert payload["kind"] == "answer" and payload["faq_id"] == first and payload.get("simple") is True, messages


# "okay" was read as a request for advice, "sure" as a wish for a person, "ok" and "wow" as questions, and
# retrieval joined them to the last answer: the same answer again, or its next entry, unasked.
@pytest.mark.parametrize("reply", ["ok", "got it", "wow that's a lot", "okay", "sure", "oh ok cool"])
def test_an_acknowledgement_is_small_talk_and_keeps_the_context(conversation, reply):
    payload, _ = conversation.ask("what is apheresis?")
    assert payload["kind"] == "answer" and payload["topic"] == "apheresis"
    payload, messages = conversation.ask(reply)
    assert payload["kind"] == "smalltalk", (payload, messages)
    payload, _ = conversation.ask("how long does it take?")
    assert (payload["kind"], payload["topic"]) == ("answer", "apheresis"), payload


@pytest.mark.parametrize("reply", ["tell me more", "go on", "what else should i know"])
def test_tell_me_more_gets_the_first_related_question_listed_after_the_answer(conversation, reply):
    from bot.content import load_content
    from bot.settings import load_settings

    payload, _ = conversation.ask("what is apheresis?")
    assert payload["kind"] == "answer"
    listed = load_content(load_settings().paths)[0].by_id()[payload["faq_id"]].follow_ups
    payload, _ = conversation.ask(reply)
    assert (payload["kind"], payload["faq_id"]) == ("answer", listed[0]), payload


def test_a_question_the_classifier_reads_as_stop_is_still_answered(conversation):
    # "enough" is one of the classifier's examples of `stop`; outside the check, only a message that does not
    # ask gets "stopped".
    payload, _ = conversation.ask("what is apheresis?")
    assert payload["kind"] == "answer"
    payload, messages = conversation.ask("enough cells?")
    assert payload["kind"] != "smalltalk", (payload, messages)
    payload, messages = conversation.ask("never mind")
    assert payload["kind"] == "smalltalk" and "whenever you're ready" in texts(messages), (payload, messages)


def test_goodbye_is_said_only_to_a_goodbye(conversation):
    # The classifier reads "i see" and "sounds good" as goodbye too.
    payload, _ = conversation.ask("what is apheresis?")
    assert payload["kind"] == "answer"
    payload, messages = conversation.ask("i see")
    assert payload["kind"] == "smalltalk" and "Goodbye" not in texts(messages), messages
    payload, messages = conversation.ask("ok bye")
    assert payload["kind"] == "smalltalk" and "Goodbye" in texts(messages), messages


def test_thanks_with_a_question_gets_the_answer_and_plain_thanks_gets_thanked(conversation):
    payload, _ = conversation.ask("what is apheresis?")
    assert payload["kind"] == "answer"
    payload, messages = conversation.ask("ok thanks! and does it hurt?")
    assert (payload["kind"], payload.get("topic")) == ("answer", "apheresis"), (payload, messages)
    payload, messages = conversation.ask("thank you so much")
    assert payload["kind"] == "smalltalk" and "welcome" in texts(messages), messages


@pytest.mark.parametrize("text", ["help", "?", "tell me more"])
def test_help_gets_what_the_assistant_can_do(conversation, text):
    payload, messages = conversation.ask(text)
    assert payload["kind"] == "smalltalk" and "automated" in texts(messages), (payload, messages)


# Joined to the question just answered, these follow-ups land back on that answer; on their own words they
# are sure of another entry of the same topic, which is what they ask.
@pytest.mark.parametrize("first, follow_up, wanted", [
    ("what happens to the cells after they take them", "is it painful", "apheresis-does-it-hurt"),
    ("is kymriah fda approved", "how do you say it", "kymriah-pronounce"),
])
def test_a_follow_up_sure_of_another_entry_of_the_topic_gets_that_entry(conversation, first, follow_up, wanted):
    payload, _ = conversation.ask(first)
    assert payload["kind"] == "answer" and payload["faq_id"] != wanted, payload
    payload, messages = conversation.ask(follow_up)
    assert (payload["kind"], payload.get("faq_id")) == ("answer", wanted), (payload, messages)


def test_a_wish_for_a_person_the_classifier_reads_as_are_you_a_bot_is_handed_off(conversation):
    # "real person" makes the classifier read the whole message as bot_challenge.
    payload, messages = conversation.ask("are you real? i want a real person")
    assert (payload["kind"], payload.get("reason")) == ("handoff", "request_person"), (payload, messages)
    payload, messages = conversation.ask("are you a bot")
    assert payload["kind"] == "smalltalk" and "automated" in texts(messages), (payload, messages)
