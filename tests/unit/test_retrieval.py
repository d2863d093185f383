"""The retrieval layer on the shipped content, with the real embedding model."""
from __future__ import annotations

import shutil
import time

import pytest

from bot.live import LiveContent
from bot.retrieval import ANSWER, CLARIFY, HANDOFF, RetrievalIndex
from bot.settings import ROOT, Paths, Settings
from bot.text import normalise


@pytest.fixture(scope="module")
def live():
    return LiveContent()


@pytest.fixture(scope="module")
def index(live) -> RetrievalIndex:
    return live.snapshot.index


def test_spellings_are_folded():
    assert normalise("what is car-t") == "what is CAR T"
    assert normalise("cart therapy") == "CAR T therapy"
    assert normalise("why cd 19") == "why CD19"
    assert normalise("my 19yo son") == "my 19 years old son"


@pytest.mark.parametrize("question, topic", [
    ("what is apheresis", "apheresis"),
    ("apharesis??", "apheresis"),             # typo of a rare medical word
    ("cd 19 why", "cd19_targeting"),
    ("is kymria fda aproved", "kymriah"),
    ("how long do we stay close to the hospital after", "after_treatment"),
])
def test_families_questions_find_their_topic(index, question, topic):
    candidates, _, _ = index.rank(question)
    assert candidates[0].entry.topic == topic, [(c.entry.id, round(c.score, 2)) for c in candidates[:3]]


@pytest.mark.parametrize("typed, meant", [("apheresys", "apheresis"), ("cytokin", "cytokine")])
def test_typo_fixing_reaches_the_medical_word(index, typed, meant):
    query = index._prepare(f"what is {typed}")
    assert meant in query.text.lower() and meant in query.lemmas


def test_real_words_are_not_corrected_into_content_words(index):
    assert "whether" not in index._prepare("what's the weather").text


@pytest.mark.parametrize("question", [
    "what's the weather in boston",
    "can you help me with my taxes",
    "recommend a good pizza place",
    "who won the football game last night",
])
def test_off_topic_questions_are_never_answered_confidently(index, question):
    assert index.decide(question).band != ANSWER


def test_a_clear_question_is_answered_with_its_source(index):
    decision = index.decide("what is cytokine release syndrome")
    assert decision.band == ANSWER
    top = decision.top.entry
    assert top.topic == "side_effects" and top.source.url.startswith("https://")


def test_bands_follow_the_configured_thresholds(index):
    from dataclasses import replace

    strict = replace(index.settings, answer_min_score=0.99, clarify_min_score=0.3)
    assert index.decide("what is apheresis", settings=strict).band == CLARIFY
    nothing = replace(index.settings, answer_min_score=0.99, clarify_min_score=0.99, passage_min_score=0.99)
    assert index.decide("what is apheresis", settings=nothing).band == HANDOFF


def test_modes_rank_differently_but_all_work(index):
    for mode in ("hybrid", "dense", "lexical"):
        candidates, _, _ = index.rank("what is apheresis", mode=mode)
        assert candidates[0].entry.topic == "apheresis", mode


def test_embeddings_are_cached_on_disk(live):
    cache = live.settings.paths.cache_dir
    assert any(cache.glob("embeddings-*.npz"))


def test_a_valid_edit_is_picked_up_and_a_broken_one_refused(tmp_path, live):
    faq = tmp_path / "faq"
    shutil.copytree(ROOT / "data" / "faq", faq)
    settings = Settings(paths=Paths(faq_dir=faq))
    mine = LiveContent(settings, embedder=live.embedder)
    path = faq / "apheresis.yml"
    original = path.read_text(encoding="utf-8")

    time.sleep(0.01)
    path.write_text(original.replace("Apheresis (a way to collect blood cells)", "NEWTEXT apheresis (a way to collect blood cells)", 1), encoding="utf-8")
    assert mine.reload_if_changed()
    assert "NEWTEXT" in mine.snapshot.index.by_id["apheresis-what-is"].answer

    path.write_text(original.replace("topic: apheresis", "topic: nonsense", 1), encoding="utf-8")
    assert not mine.reload_if_changed()
    assert "NEWTEXT" in mine.snapshot.index.by_id["apheresis-what-is"].answer  # previous content still serving
    assert any("apheresis.yml" in str(p.file) and "nonsense" in p.message for p in mine.last_problems)
    assert not mine.reload_if_changed()  # the same broken save is not re-reported every poll


def test_settings_given_to_decide_set_the_weights_too(index):
    from dataclasses import replace

    lexical_only = replace(index.settings, dense_weight=0.0, lexical_weight=1.0)
    decided = index.decide("what is apheresis", settings=lexical_only)
    ranked, _, _ = index.rank("what is apheresis", mode="lexical")
    assert decided.top.score == pytest.approx(ranked[0].score)


def test_thresholds_come_only_from_config():
    from bot.retrieval import RetrievalSettings
    from bot.settings import assistant_config

    configured = assistant_config()["retrieval"]
    assert RetrievalSettings.from_mapping(configured).answer_min_score == configured["answer_min_score"]
    partial = {k: v for k, v in configured.items() if k != "clarify_min_score"}
    with pytest.raises(ValueError, match="clarify_min_score"):
        RetrievalSettings.from_mapping(partial)


def test_word_families_meet_on_both_sides(index):
    # "infused" in a question must meet "infusion" in the content, or the lexical side sees two words.
    assert "infusion" in index._prepare("how is it infused").lemmas
    assert "effective" in index._prepare("is it effective").lemmas  # not folded into "effect"
    assert "effect" not in index._prepare("is it effective").lemmas


def test_query_encoding_matches_sentence_transformers(index):
    # encode_query skips SentenceTransformer.encode() for speed; the vectors must not change.
    import numpy as np

    embedder = index._embedder
    for text in ("apharesis??", "my son is 19 and relapsed twice, can he get car t at your hospital?"):
        reference = embedder._model.encode([text], normalize_embeddings=True, convert_to_numpy=True)[0]
        assert np.allclose(embedder.encode_query(text), reference, atol=1e-5)
