"""The answering order: urgent symptoms, then boundaries, then retrieval's decision; unsure twice hands off."""
from __future__ import annotations

import dataclasses

import pytest

from bot.answering import advice_requested, eligibility_or_answer, person_requested, respond
from bot.live import LiveContent, Snapshot


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return LiveContent().snapshot


def with_settings(snapshot: Snapshot, **changes) -> Snapshot:
    return dataclasses.replace(snapshot, settings=dataclasses.replace(snapshot.settings, **changes))


def payloads(outcome) -> list[dict]:
    return [m.payload for m in outcome.messages if m.payload]


def test_urgent_symptom_beats_everything(snapshot):
    outcome = respond(snapshot, "what is apheresis? my son has a fever of 103 right now")
    assert outcome.kind == "emergency"
    assert [m.response for m in outcome.messages] == ["utter_emergency"]


def test_a_confident_answer_has_one_payload_with_source_and_review_date(snapshot):
    outcome = respond(snapshot, "what is apheresis")
    [payload] = payloads(outcome)
    assert payload["kind"] == "answer" and payload["topic"] == "apheresis"
    assert payload["reviewed"] and payload["sources"][0]["url"]


def test_a_quick_reply_names_its_entry(snapshot):
    outcome = respond(snapshot, '/ask_question{"faq_id": "kymriah-what-is"}', faq_id="kymriah-what-is")
    assert outcome.faq_id == "kymriah-what-is"


def test_unsure_twice_in_a_row_hands_off(snapshot):
    # Bands that make every match "unsure" (a clarifying question).
    shaky = with_settings(snapshot, answer_min_score=5.0, clarify_min_score=-5.0)
    first = respond(shaky, "tell me about the cells", unsure_count=0)
    assert first.kind == "clarify" and first.unsure_count == 1
    buttons = [b for m in first.messages for b in m.buttons]
    assert 1 <= len(buttons) <= 3
    second = respond(shaky, "the cells thing", unsure_count=first.unsure_count)
    [payload] = payloads(second)
    assert second.kind == "handoff" and payload["reason"] == "unsure" and payload["contact"]["phone"]


def test_a_personal_decision_is_handed_off_with_its_reason(snapshot):
    outcome = respond(snapshot, "car t or transplant for my son?")
    [payload] = payloads(outcome)
    assert payload["kind"] == "handoff" and payload["reason"] == "treatment_decision"


def test_a_cost_question_is_handed_off_as_such_with_the_contact(snapshot):
    outcome = respond(snapshot, "how much does kymriah cost")
    [payload] = payloads(outcome)
    assert payload["kind"] == "handoff" and payload["reason"] == "costs_insurance"
    assert payload["contact"]["email"] and outcome.messages[0].text  # the reason's own reply is said first


def test_nothing_close_on_the_programs_subject_hands_off_to_the_contact(snapshot):
    outcome = respond(with_settings(snapshot, answer_min_score=5.0, clarify_min_score=5.0), "how long is the infusion")
    [payload] = payloads(outcome)
    assert payload["kind"] == "handoff" and payload["reason"] == "no_answer"
    assert outcome.messages[0].response == "utter_handoff_no_answer"


def test_nothing_close_and_off_topic_is_out_of_scope_with_the_contact(snapshot):
    for text in ("what's the capital of australia", "zxq blorf quantum parking validation"):
        outcome = respond(snapshot, text)
        [payload] = payloads(outcome)
        assert payload["kind"] == "out_of_scope" and payload["contact"]["email"], text


def test_a_near_miss_gets_its_own_reply_not_the_nearest_answer(snapshot):
    outcome = respond(snapshot, "my husband is getting yescarta for his lymphoma, what are its side effects")
    [payload] = payloads(outcome)
    assert payload["kind"] in ("out_of_scope", "handoff"), payload


def test_a_request_for_a_person_keeps_the_reason_it_names(snapshot):
    assert payloads(person_requested(snapshot, "can i talk to someone about the bill"))[0]["reason"] == "costs_insurance"
    assert payloads(person_requested(snapshot, "can i talk to a person"))[0]["reason"] == "request_person"


def test_a_request_for_a_person_gets_the_entry_that_gives_the_contact_when_retrieval_is_sure_of_it(snapshot):
    # The classifier hears "who do I contact" as a wish for a person; the entry on referring carries the
    # program manager's phone and email, so it is the better reply. An entry without a contact never is.
    outcome = person_requested(snapshot, "how do i refer a patient to your program")
    assert outcome.kind == "answer" and outcome.topic == "contact_referral"
    assert snapshot.content.contact["phone"] in snapshot.index.entry_by_id[outcome.faq_id].answer
    explained = person_requested(snapshot, "i need a human to explain lymphodepletion to me")
    assert explained.kind == "handoff" and explained.reason == "request_person"


def _decision(snapshot, band: str, entry_id: str):
    """A retrieval decision whose top candidate is `entry_id` (the rest as retrieval ranked them)."""
    from bot.retrieval.scorer import Candidate, Decision

    index = snapshot.index
    real = decide_for(snapshot, "what is it")
    row = next(i for i, t in enumerate(index.targets) if t.id == entry_id)
    top = Candidate(index.targets[row], 0.7, row)
    return Decision(band, [top] + [c for c in real.candidates if c.index != row], 0.05, real.query, 0.76)


def decide_for(snapshot, text):
    from bot.retrieval.scorer import decide

    return decide(snapshot.index, text, snapshot.settings)


@pytest.mark.parametrize("same_topic", [True, False])
def test_a_follow_up_unsure_only_about_the_topic_just_answered_is_answered(snapshot, monkeypatch, same_topic):
    import bot.answering as answering

    entries = snapshot.content.entries
    previous = entries[0]
    sibling = next(e for e in entries if e.topic == previous.topic and e.id != previous.id)
    elsewhere = next(e for e in entries if e.topic != previous.topic)
    joined_top = sibling if same_topic else elsewhere

    def fake_decide(index, text, settings, features=None):
        if text.startswith(previous.question):  # the follow-up read with the question just answered
            return _decision(snapshot, "clarify", joined_top.id)
        return _decision(snapshot, "nothing", elsewhere.id)

    monkeypatch.setattr(answering, "decide", fake_decide)
    outcome = respond(snapshot, "how long?", last_faq_id=previous.id)
    if same_topic:
        assert (outcome.kind, outcome.faq_id) == ("answer", sibling.id)
    else:
        assert outcome.kind == "clarify"


@pytest.mark.parametrize("text, points_back", [("is that at the clinic", True), ("where do we park at the clinic", False)])
def test_a_near_miss_does_not_take_a_message_that_points_back_at_the_answer(snapshot, monkeypatch, text, points_back):
    import bot.answering as answering
    from bot.retrieval.scorer import Candidate, Decision

    previous = snapshot.index.entry_by_id["after-treatment-monitoring"]
    near_miss = next(i for i, t in enumerate(snapshot.index.targets) if t.kind == "out_of_scope")

    def fake_decide(index, message, settings, features=None):
        if message.startswith(previous.question):
            return _decision(snapshot, "answer", previous.id)
        real = decide_for(snapshot, message)  # the message's own words (a message without any is read in context)
        return Decision("answer", [Candidate(index.targets[near_miss], 0.9, near_miss)], 0.3, real.query, 0.95)

    monkeypatch.setattr(answering, "decide", fake_decide)
    outcome = respond(snapshot, text, last_faq_id=previous.id)
    if points_back:
        assert (outcome.kind, outcome.faq_id) == ("answer", previous.id)
    else:
        assert outcome.kind == "out_of_scope"


@pytest.mark.parametrize("text, moves_on", [("how many hours does it take", True), ("what is apheresis", False)])
def test_a_follow_up_that_lands_on_the_answer_just_given_moves_to_the_listed_follow_up_it_matches(
        snapshot, monkeypatch, text, moves_on):
    import bot.answering as answering
    from bot.retrieval.scorer import decide

    previous = snapshot.index.entry_by_id["apheresis-what-is"]
    assert "apheresis-how-long" in previous.follow_ups

    def joined_lands_on_previous(index, message, settings, features=None):
        if message.startswith(previous.question):  # surer than the message alone, so it is the reading taken
            return dataclasses.replace(_decision(snapshot, "answer", previous.id), confidence=0.999)
        return decide(index, message, settings, features)

    monkeypatch.setattr(answering, "decide", joined_lands_on_previous)
    outcome = respond(snapshot, text, last_faq_id=previous.id)
    if moves_on:
        assert (outcome.kind, outcome.faq_id) == ("answer", "apheresis-how-long")
    else:
        assert outcome.faq_id == previous.id


# -- the intent classifier's routing, checked by the content (bot.answering.eligibility_or_answer,
#    advice_requested) ---------------------------------------------------------------------------------

def test_a_real_eligibility_request_starts_the_check(snapshot):
    for text in ("is my daughter eligible for kymriah", "does my son qualify for car t"):
        assert eligibility_or_answer(snapshot, text) is None, text


def test_a_message_taken_for_eligibility_that_is_about_costs_gets_the_costs_reply(snapshot):
    outcome = eligibility_or_answer(snapshot, "how much does kymriah cost, my son might need it")
    assert outcome is not None and outcome.kind == "handoff" and outcome.reason == "costs_insurance"


def test_nothing_sure_leaves_the_classifier_in_charge(snapshot):
    # Bands no match can clear: retrieval is never sure, so the check starts and advice goes to a person.
    unsure = with_settings(snapshot, answer_min_score=5.0, clarify_min_score=5.0)
    assert eligibility_or_answer(unsure, "what is apheresis") is None
    outcome = advice_requested(unsure, "what is apheresis")
    assert outcome.kind == "handoff" and outcome.reason == "treatment_decision"


def test_an_eligibility_answer_never_replaces_the_check(snapshot):
    # Sure of an eligibility entry: that is what the check is for.
    assert eligibility_or_answer(snapshot, "what is the age limit for kymriah") is None


def test_a_decision_reason_found_only_by_similarity_does_not_replace_the_check(snapshot):
    # "can my daughter get this treatment" resembles the decision examples; whether she can is the check's job.
    text = "can my daughter get this treatment"
    assert respond(snapshot, text).reason == "treatment_decision"  # what the check would otherwise lose to
    assert eligibility_or_answer(snapshot, text) is None


def test_a_decision_the_rules_confirm_still_goes_to_a_person_instead_of_the_check(snapshot):
    outcome = eligibility_or_answer(snapshot, "should my son do car t")
    assert outcome is not None and outcome.kind == "handoff" and outcome.reason == "treatment_decision"


def test_right_after_the_summary_an_eligibility_question_is_answered_not_checked_again(snapshot):
    text = "what is the age limit for kymriah"
    assert eligibility_or_answer(snapshot, text) is None
    outcome = eligibility_or_answer(snapshot, text, just_checked=True)
    assert outcome is not None and outcome.kind == "answer" and outcome.topic == "eligibility"


def test_advice_the_rules_confirm_goes_to_a_person(snapshot):
    outcome = advice_requested(snapshot, "car t or transplant for my son?")
    [payload] = payloads(outcome)
    assert outcome.kind == "handoff" and payload["reason"] == "treatment_decision"


def test_advice_the_rules_do_not_confirm_is_answered_when_the_content_is_sure(snapshot):
    outcome = advice_requested(snapshot, "what is apheresis")
    assert outcome.kind == "answer" and outcome.topic == "apheresis"


def test_an_urgent_symptom_taken_for_advice_gets_the_emergency_reply(snapshot):
    assert advice_requested(snapshot, "should we wait, he has a fever of 104 right now").kind == "emergency"


def test_a_short_question_of_its_own_after_an_answer_is_not_bent_back_to_that_answer(snapshot):
    # Joined to "Who can I contact to ask if KYMRIAH is right for my child?", "what is apheresis" lands on the
    # contact entry again; it points back at nothing, and alone it is sure of apheresis.
    outcome = respond(snapshot, "what is apheresis", last_faq_id="contact-program")
    assert (outcome.kind, outcome.topic) == ("answer", "apheresis")
    # A follow-up that points back still reads the context.
    outcome = respond(snapshot, "does it hurt", last_faq_id="apheresis-what-is")
    assert (outcome.kind, outcome.topic) == ("answer", "apheresis")


def test_nothing_close_about_the_therapy_goes_to_a_person_not_out_of_scope(snapshot):
    # The classifier's out_of_scope and words the content never uses; but the message names the therapy.
    outcome = respond(snapshot, "can siblings visit during car t", intent="out_of_scope")
    assert (outcome.kind, outcome.reason) == ("handoff", "no_answer")
    outcome = respond(snapshot, "can siblings visit", intent="out_of_scope")
    assert outcome.kind == "out_of_scope"


def test_a_follow_up_with_no_words_of_its_own_is_read_in_context(snapshot):
    # "why not" alone matches a hand-off reason by noise; after an answer it asks about that answer.
    outcome = respond(snapshot, "why not", last_faq_id="after-treatment-driving")
    assert outcome.kind == "answer" and outcome.topic == "after_treatment"
    outcome = respond(snapshot, "why?", last_faq_id="side-effects-crs")
    assert outcome.kind == "answer" and outcome.topic == "side_effects"


@pytest.mark.parametrize("text", ["", "   ", "<script>alert(1)</script>", "\x00\x01\x02", "kymriah " * 400])
def test_bad_input_to_the_routing_checks_gets_a_reply_not_an_error(snapshot, text):
    outcome = eligibility_or_answer(snapshot, text)
    assert outcome is None or len(payloads(outcome)) == 1
    assert len(payloads(advice_requested(snapshot, text))) == 1
