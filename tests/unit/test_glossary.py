"""The Spanish word list: checked on load with file:line, and a Spanish question read through it."""
from __future__ import annotations

import dataclasses

import pytest

from bot.answering import respond
from bot.content.glossary import Glossary, load_glossary
from bot.live import LiveContent, Snapshot


def write(tmp_path, text: str):
    path = tmp_path / "glossary_es.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_broken_yaml_is_an_error_with_its_line(tmp_path):
    glossary, problems = load_glossary(write(tmp_path, "terms:\n  aféresis: apheresis\n  fiebre: [fever\n"))
    assert glossary.terms == {}
    [problem] = problems
    assert problem.severity == "error" and problem.line >= 3


def test_a_term_without_english_words_is_a_warning_on_its_line_and_left_out(tmp_path):
    glossary, problems = load_glossary(write(tmp_path, "terms:\n  aféresis: apheresis\n  fiebre:\n  cita: appointment\n"))
    assert glossary.terms == {"aferesis": "apheresis", "cita": "appointment"}
    [problem] = problems
    assert (problem.severity, problem.line) == ("warning", 3) and "fiebre" in problem.message


def test_the_same_term_twice_accents_aside_is_a_warning(tmp_path):
    glossary, problems = load_glossary(write(tmp_path, "terms:\n  qué: what\n  que: that\n"))
    assert glossary.terms == {"que": "what"}
    assert [(p.severity, p.line) for p in problems] == [("warning", 3)]


def test_a_file_without_terms_is_an_error(tmp_path):
    _, problems = load_glossary(write(tmp_path, "- aféresis\n"))
    assert [p.severity for p in problems] == ["error"]


def test_no_file_means_no_terms(tmp_path):
    glossary, problems = load_glossary(tmp_path / "missing.yml")
    assert (glossary.terms, problems) == ({}, [])


def test_gloss_reads_the_longest_phrase_first_ignores_accents_and_keeps_unlisted_words():
    terms = {"efectos secundarios": "side effects", "efectos": "effects", "cuales": "which", "de": "of"}
    assert Glossary(terms).read("¿Cuáles son los EFECTOS secundarios de kymriah?") == "which son los side effects of kymriah?"


def test_gloss_replaces_whole_words_only():
    assert Glossary({"de": "of", "la": "the"}).read("la cita de mañana") == "the cita of manana"


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return LiveContent().snapshot


def test_a_spanish_question_gets_the_reviewed_english_answer_led_by_a_spanish_line(snapshot):
    outcome = respond(snapshot, "¿qué es la linfodepleción?")
    assert outcome.kind == "answer" and outcome.topic == "lymphodepletion"
    assert outcome.messages[0].response == "utter_answer_in_english"
    payloads = [m.payload for m in outcome.messages if m.payload]
    assert len(payloads) == 1 and payloads[0]["reviewed"] and payloads[0]["sources"]


def test_a_spanish_question_for_a_person_gets_its_reason(snapshot):
    outcome = respond(snapshot, "¿el seguro paga la terapia?")
    assert (outcome.kind, outcome.reason) == ("handoff", "costs_insurance")


def test_a_spanish_question_on_nothing_we_cover_goes_to_a_person_in_both_languages(snapshot):
    outcome = respond(snapshot, "¿cuál es el mejor restaurante de la ciudad?")
    assert outcome.kind != "answer"


def test_without_a_word_list_a_spanish_question_goes_to_a_person(snapshot):
    bare = dataclasses.replace(snapshot, content=dataclasses.replace(snapshot.content, glossary=Glossary()))
    outcome = respond(bare, "¿cuánto tiempo dura la aféresis?")
    assert outcome.kind == "handoff"
    assert "utter_answer_in_english" not in [m.response for m in outcome.messages]


def test_a_glossary_edit_goes_live_and_a_broken_one_is_refused(tmp_path):
    import shutil
    import time

    from bot.settings import ROOT, Paths, Settings

    live = LiveContent()
    path = tmp_path / "glossary_es.yml"
    shutil.copy(ROOT / "data" / "glossary_es.yml", path)
    mine = LiveContent(Settings(paths=Paths(glossary_file=path)), embedder=live.embedder)
    assert "zanahoria" not in mine.snapshot.content.glossary.terms
    time.sleep(0.01)
    path.write_text(path.read_text(encoding="utf-8") + "  zanahoria: carrot\n", encoding="utf-8")
    assert mine.reload_if_changed()
    assert mine.snapshot.content.glossary.terms["zanahoria"] == "carrot"

    path.write_text("terms:\n  fiebre: [fever\n", encoding="utf-8")
    assert not mine.reload_if_changed()
    assert mine.snapshot.content.glossary.terms["zanahoria"] == "carrot"  # the previous list keeps serving
    assert any(p.file == path and p.line >= 2 for p in mine.last_problems)
