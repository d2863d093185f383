"""The plain-text readings of a message: openers stripped, question sentences, two questions, follow-ups."""
from __future__ import annotations

import pytest

from bot.questions import (acknowledges, asks_for_a_person, asks_for_help, asks_for_more, asks_what_next, core_question, looks_like_follow_up, question_part, split_two,
                           wants_simpler)


@pytest.mark.parametrize("text, core", [
    ("ok switching gears, what is apheresis", "what is apheresis"),
    ("hi quick question: how long is the hospital stay?", "how long is the hospital stay?"),
    ("what even is car t", "what is car t"),
    ("so how often does kymriah actually work", "how often does kymriah work"),
    ("can you tell me who is eligible", "who is eligible"),
])
def test_core_question_drops_openers_and_hedges(text, core):
    assert core_question(text) == core


@pytest.mark.parametrize("text", [
    "what is it like",            # nothing to strip
    "ok thanks",                  # nothing left that asks anything
    "",
    "what is apheresis",
])
def test_core_question_is_none_when_nothing_changes_or_too_little_is_left(text):
    assert core_question(text) is None


def test_question_part_keeps_the_questions_of_a_long_story():
    story = ("My daughter is 12 and she was diagnosed three years ago. She relapsed last spring and again "
             "this fall, and her oncologist mentioned a new treatment at your hospital. We live two hours "
             "away. How long would we need to stay near the hospital?")
    assert question_part(story) == "How long would we need to stay near the hospital?"
    assert question_part("How long would we need to stay near the hospital?") is None


def test_split_two_finds_a_second_question_after_and():
    assert split_two("what is lymphodepletion and how many days does it last?") == (
        "what is lymphodepletion", "how many days does it last?")
    assert split_two("what are car t and kymriah") is None       # one question about two things
    assert split_two("what is apheresis") is None


@pytest.mark.parametrize("text", ["in simpler words please", "please more simple, my english is not so good",
                                  "explain it to my 8 year old"])
def test_wants_simpler(text):
    assert wants_simpler(text)


@pytest.mark.parametrize("text", ["that is confusing", "sorry, im confused", "i dont get it", "huh?", "too technical",
                                  "can you break that down for me", "what does that even mean", "too many big words",
                                  "ok that went over my head lol", "in laymans terms please", "explain it to me like a kid",
                                  "what?", "sorry what"])
def test_a_message_that_only_says_the_answer_was_not_understood_wants_simpler_words(text):
    assert wants_simpler(text)


@pytest.mark.parametrize("text", ["is the infusion a simple procedure?", "what does CRS mean",
                                  "im confused about how long manufacturing takes", "is the infusion complicated?",
                                  "that is confusing, is apheresis the same as dialysis?", "i dont get why they need chemo first"])
def test_a_question_of_its_own_is_not_a_request_for_simpler_words(text):
    assert not wants_simpler(text)


@pytest.mark.parametrize("text", ["ok, what comes next?", "and then what happens", "so what happens then", "next?",
                                  "and after?", "what do we do after this step", "what's the step after that"])
def test_asks_what_next(text):
    assert asks_what_next(text)


@pytest.mark.parametrize("text", ["what happens next week at clinic", "after the infusion what happens", "next week?",
                                  "then can he go home?", "what comes after the infusion"])
def test_asks_what_next_only_for_the_whole_message(text):
    assert not asks_what_next(text)


def test_follow_up_is_short_or_points_back():
    assert looks_like_follow_up("how long?", content_words=1)
    assert looks_like_follow_up("does it hurt my son a lot", content_words=2)
    assert not looks_like_follow_up("who decides whether my son can get kymriah at your hospital", content_words=5)


# The whole-message readers of small talk and follow-ups: what each reads, and what it must leave alone.
WHOLE_MESSAGE_READINGS = {
    acknowledges: (
        ["ok", "OK!", "okay", "k", "got it", "makes sense", "wow", "hmm", "oh ok cool", "that's a lot to take in", "sure",
         "ok got it thanks", "interesting", "lol"],
        ["ok and how long does it take", "cool, is there an age limit", "wow does it hurt", "is that ok", "yes", "no",
         "ok he has a fever", "this is a lot can i talk to someone", "", None, "ok " * 50_000 + "how long"]),
    asks_for_more: (
        ["tell me more", "Tell me more about it", "go on", "can you tell me more?", "what else should i know",
         "anything else we should know", "more info please"],
        ["tell me more about crs", "more about the side effects", "what else can cause a fever", "more than one infusion?",
         "", None]),
    asks_for_help: (
        ["help", "help me", "?", "...", "what can you do", "what can i ask you", "I need help"],
        ["help with money", "can you help me find a hotel", "help! he has a fever", "ok", "", "   ", None]),
}


@pytest.mark.parametrize("reader,text,expected", [
    (reader, text, expected)
    for reader, (read, left_alone) in WHOLE_MESSAGE_READINGS.items()
    for expected, texts in ((True, read), (False, left_alone))
    for text in texts], ids=lambda v: v.__name__ if callable(v) else None)
def test_a_whole_message_reader_reads_only_its_own_messages(reader, text, expected):
    assert reader(text) is expected


@pytest.mark.parametrize("text, wants", [
    ("can i talk to a real person", True), ("are you real? i want a real person", True), ("i need a human", True),
    ("is there a person i can talk to", True), ("can i speak with the nurse", True),
    ("is this a real person", False), ("are you a bot", False), ("is a human reading this", False),
    ("talk to you later", False), ("", False), (None, False),
])
def test_a_wish_for_a_person_in_the_message_s_own_words(text, wants):
    assert asks_for_a_person(text) is wants
