""""What comes next" after an answer: the treatment's steps as editors list them in data/topics.yml, checked
on load with file:line, and the assistant's reply to it in a conversation."""
from __future__ import annotations

import dataclasses

import pytest
import yaml

from bot.answering import respond
from bot.content.journey import load_after_check, load_journey, next_step
from bot.yaml_lines import load_located
from bot.live import LiveContent
from bot.questions import asks_what_next
from bot.settings import ROOT

TOPICS_FILE = ROOT / "data" / "topics.yml"


@pytest.fixture(scope="module")
def snapshot():
    return LiveContent().snapshot


@pytest.mark.parametrize("text", ["what comes next", "and after that?", "ok then what", "whats next",
                                  "what is the next step", "thanks, what now", "what happens after that",
                                  "ok so what do we do now", "what should i do next"])
def test_asks_for_the_next_step(text):
    assert asks_what_next(text)


@pytest.mark.parametrize("text", ["what happens next week at clinic", "what happens after the infusion",
                                  "what do we do now about her fever",
                                  "what is apheresis", "", "next to the hospital is there a hotel"])
def test_other_messages_do_not(text):
    assert not asks_what_next(text)


def test_the_shipped_journey_names_entries_in_order(snapshot):
    journey = snapshot.content.journey
    listed = yaml.safe_load(TOPICS_FILE.read_text())["journey"]
    assert journey == listed and len(journey) >= 4
    assert all(step in snapshot.index.entry_by_id for step in journey)


def test_a_wrong_step_is_reported_with_its_line(tmp_path):
    path = tmp_path / "topics.yml"
    path.write_text("topics:\n  a: one\njourney:\n  - first\n  - nowhere\n  - first\n")
    steps, problems = load_journey(load_located(path), path, {"first", "second"})
    assert steps == ["first"]
    assert [(p.line, "nowhere" in p.message or "twice" in p.message) for p in problems] == [(5, True), (6, True)]
    # A missing step is left out, not a reason to refuse the whole content.
    assert {p.severity for p in problems} == {"warning"}


def test_a_journey_that_is_not_a_list_is_a_problem(tmp_path):
    path = tmp_path / "topics.yml"
    path.write_text("topics:\n  a: one\njourney: apheresis\n")
    steps, problems = load_journey(load_located(path), path, {"apheresis"})
    assert steps == [] and problems[0].line == 3


def test_next_step_by_entry_by_topic_and_at_the_end():
    journey, topics = ["s1", "s2", "s3"], ["apheresis", "infusion", "after_treatment"]
    assert next_step(journey, topics, "s1", "apheresis") == "s2"
    assert next_step(journey, topics, "other-infusion-entry", "infusion") == "s3"
    assert next_step(journey, topics, "s3", "after_treatment") is None
    assert next_step(journey, topics, "x", "side_effects") is None


def test_what_comes_next_after_each_step_is_the_following_step(snapshot):
    journey = snapshot.content.journey
    for here, following in zip(journey, journey[1:]):
        outcome = respond(snapshot, "what comes next?", last_faq_id=here)
        assert (outcome.kind, outcome.faq_id) == ("answer", following), here


def test_another_entry_of_a_steps_topic_counts_as_that_step(snapshot):
    journey = snapshot.content.journey
    entries = snapshot.index.entry_by_id
    first_topic = entries[journey[0]].topic
    sibling = next(e.id for e in snapshot.content.entries if e.topic == first_topic and e.id != journey[0])
    assert respond(snapshot, "and after that?", last_faq_id=sibling).faq_id == journey[1]


def test_without_a_previous_answer_or_off_the_journey_it_is_an_ordinary_question(snapshot):
    journey = snapshot.content.journey
    off = next(e.id for e in snapshot.content.entries if e.topic not in {snapshot.index.entry_by_id[s].topic for s in journey})
    outcome = respond(snapshot, "what comes next?", last_faq_id=off)
    assert outcome.faq_id not in journey


def test_an_empty_journey_turns_the_feature_off(snapshot):
    content = dataclasses.replace(snapshot.content, journey=[])
    quiet = dataclasses.replace(snapshot, content=content)
    journey = snapshot.content.journey
    outcome = respond(quiet, "what comes next?", last_faq_id=journey[0])
    assert outcome.faq_id != journey[1]


# -- after the eligibility check's summary (data/topics.yml after_eligibility_check) -------------------

def test_the_shipped_after_check_entry_is_loaded(snapshot):
    listed = yaml.safe_load(TOPICS_FILE.read_text())["after_eligibility_check"]
    assert snapshot.content.after_check == listed and listed in snapshot.index.entry_by_id


def test_an_after_check_id_that_is_not_an_entry_is_a_warning_with_its_line(tmp_path):
    path = tmp_path / "topics.yml"
    path.write_text("topics:\n  a: one\njourney:\n  - first\nafter_eligibility_check: nowhere\n")
    entry, problems = load_after_check(load_located(path), path, {"first"})
    assert entry is None and [(p.line, p.severity) for p in problems] == [(5, "warning")]
    path.write_text("topics:\n  a: one\n")
    assert load_after_check(load_located(path), path, {"first"}) == (None, [])


def test_what_do_we_do_now_after_the_summary_names_whom_to_contact(snapshot):
    after = snapshot.content.after_check
    for text in ("ok so what do we do now", "so what happens next"):
        outcome = respond(snapshot, text, after_check=True)
        assert (outcome.kind, outcome.faq_id) == ("answer", after), text
    # A question of its own after the summary is read on its own words.
    outcome = respond(snapshot, "what is apheresis", after_check=True)
    assert (outcome.kind, outcome.topic) == ("answer", "apheresis")
