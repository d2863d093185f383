"""The retrieval layer on the shipped content, with the real embedding model."""
from __future__ import annotations

import dataclasses
import shutil
import time

import numpy as np
import pytest

from bot.live import LiveContent
from bot.retrieval.index import FEATURES
from bot.retrieval.scorer import ANSWER, CLARIFY, NOTHING, RetrievalSettings, decide
from bot.settings import ROOT, Paths, Settings, assistant_config
from bot.text import normalise, untitle


@pytest.fixture(scope="module")
def live():
    return LiveContent()


@pytest.fixture(scope="module")
def snapshot(live):
    return live.snapshot


def top(snapshot, question):
    decision = decide(snapshot.index, question, snapshot.settings)
    return decision, decision.top.target


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
def test_families_questions_find_their_topic(snapshot, question, topic):
    decision, target = top(snapshot, question)
    assert target.topic == topic, [(c.target.id, round(c.score, 2)) for c in decision.candidates[:3]]


@pytest.mark.parametrize("question, reason", [
    ("how much does kymriah cost", "costs_insurance"),
    ("can someone help us pay for a hotel near the hospital", "travel_lodging"),
    ("i need to move his appointment to next week", "appointments"),
])
def test_a_question_for_a_person_lands_on_its_handoff_reason(snapshot, question, reason):
    _, target = top(snapshot, question)
    assert target.kind == "handoff" and target.reason == reason


def test_shared_words_are_found_from_the_content(snapshot):
    # Words most entries use are "generic": they are left out of the bare vectors.
    generic = snapshot.index.generic
    assert {"car", "kymriah"} & generic and "apheresis" not in generic


@pytest.mark.parametrize("typed, meant", [("apheresys", "apheresis"), ("cytokin", "cytokine")])
def test_typo_fixing_reaches_the_medical_word(snapshot, typed, meant):
    query = snapshot.index.prepare(f"what is {typed}")
    assert meant in query.text.lower() and meant in query.lemmas


def test_real_words_are_not_corrected_into_content_words(snapshot):
    assert "whether" not in snapshot.index.prepare("what's the weather").text


@pytest.mark.parametrize("question", [
    "what's the weather in boston",
    "can you help me with my taxes",
    "recommend a good pizza place",
    "who won the football game last night",
])
def test_off_topic_questions_are_never_answered_from_the_faq(snapshot, question):
    decision, target = top(snapshot, question)
    assert not (decision.band == ANSWER and target.kind == "answer")


def test_a_clear_question_is_answered_with_its_source(snapshot):
    decision, target = top(snapshot, "what is cytokine release syndrome")
    assert decision.band == ANSWER
    assert target.topic == "side_effects" and target.entry.source.url.startswith("https://")


def test_bands_follow_the_configured_thresholds(snapshot):
    index, settings = snapshot.index, snapshot.settings
    strict = dataclasses.replace(settings, answer_min_score=5.0, clarify_min_score=0.1)
    assert decide(index, "what is apheresis", strict).band == CLARIFY
    nothing = dataclasses.replace(settings, answer_min_score=5.0, clarify_min_score=5.0)
    assert decide(index, "what is apheresis", nothing).band == NOTHING


def test_weights_decide_the_score(snapshot):
    index = snapshot.index
    lexical_only = dataclasses.replace(snapshot.settings, weights={"lexical": 1.0})
    decision = decide(index, "what is apheresis", lexical_only)
    assert decision.top.score == pytest.approx(float(decision.features.column("lexical").max()))


def test_embeddings_are_cached_on_disk(live):
    assert any(live.settings.paths.cache_dir.glob("embeddings-*.npz"))


def test_a_valid_edit_is_picked_up_and_a_broken_one_refused(tmp_path, live):
    faq = tmp_path / "faq"
    shutil.copytree(ROOT / "data" / "faq", faq)
    mine = LiveContent(Settings(paths=Paths(faq_dir=faq)), embedder=live.embedder)
    path = faq / "apheresis.yml"
    original = path.read_text(encoding="utf-8")

    time.sleep(0.01)
    path.write_text(original.replace("    answer: >-\n", "    answer: >-\n      NEWTEXT\n", 1), encoding="utf-8")
    assert mine.reload_if_changed()
    assert any("NEWTEXT" in e.answer for e in mine.snapshot.content.entries)

    path.write_text(original.replace("topic: apheresis", "topic: nonsense", 1), encoding="utf-8")
    assert not mine.reload_if_changed()
    assert any("NEWTEXT" in e.answer for e in mine.snapshot.content.entries)  # previous content still serving
    assert any("apheresis.yml" in str(p.file) and "nonsense" in p.message for p in mine.last_problems)
    assert not mine.reload_if_changed()  # the same broken save is not re-reported every poll


def test_settings_come_only_from_config():
    configured = assistant_config()["retrieval"]
    assert RetrievalSettings.from_mapping(configured).answer_min_score == configured["answer_min_score"]
    partial = {k: v for k, v in configured.items() if k != "clarify_min_score"}
    with pytest.raises(ValueError, match="clarify_min_score"):
        RetrievalSettings.from_mapping(partial)
    with pytest.raises(ValueError, match="unknown features"):
        RetrievalSettings.from_mapping({**configured, "weights": {"densest": 1.0}})


def test_a_stored_phrasing_asked_again_finds_itself_unless_left_out(snapshot):
    index = snapshot.index
    row, owner, text = index.stored_phrasings()[0]
    weights = snapshot.settings.weight_vector()
    with_itself = index.features(text).values @ weights
    left_out = index.stored_features(row).values @ weights
    assert int(np.argmax(with_itself)) == owner
    assert left_out[owner] <= with_itself[owner]


def test_word_families_meet_on_both_sides(snapshot):
    # "infused" in a question must meet "infusion" in the content, or the lexical side sees two words.
    assert "infusion" in snapshot.index.prepare("how is it infused").lemmas
    assert "effective" in snapshot.index.prepare("is it effective").lemmas  # not folded into "effect"


@pytest.mark.parametrize("heading", ["Clinical Trials Provide Additional Options", "Growth Of Altered Cells",
                                     "Side Effects After Infusion", "Refer A Patient For CAR T-Cell Therapy"])
def test_a_heading_in_title_case_reads_like_the_same_words_in_lower_case(snapshot, heading):
    # spaCy tags capitalised words as proper nouns and keeps their lemmas ("Trials"), which the content never
    # uses: the heading would be "mostly unknown words", i.e. off topic.
    titled, lower = snapshot.index.prepare(heading), snapshot.index.prepare(heading.lower())
    assert titled.lemmas == lower.lemmas
    assert titled.unknown_share == lower.unknown_share


def test_only_title_case_is_changed_and_capitals_stay():
    assert untitle("Relapsed ALL Treatment Options") == "relapsed ALL treatment options"
    for text in ("What is CAR T-cell therapy?", "my son has B-cell ALL", "What is Kymriah?",
                 "I live in New York City and my son Jack has ALL", "CRS"):
        assert untitle(text) == text


def test_query_encoding_matches_sentence_transformers(live):
    embedder = live.embedder
    for text in ("apharesis??", "my son is 19 and relapsed twice, can he get car t at your hospital?"):
        reference = embedder.model.encode([text], normalize_embeddings=True, convert_to_numpy=True)[0]
        assert np.allclose(embedder.encode_query(text), reference, atol=1e-5)


def test_readings_encoded_together_match_each_alone(live):
    # prepare() encodes a question and its bare form in one padded batch: padding must not move either.
    embedder = live.embedder
    texts = ["how long does apheresis take for a small child", "long apheresis small child"]
    together = embedder.encode_queries(texts)
    reference = embedder.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, batch_size=1)
    assert together.shape == reference.shape
    assert np.allclose(together, reference, atol=1e-5)


def test_every_feature_is_a_column(snapshot):
    features = snapshot.index.features("what is apheresis")
    assert features.values.shape == (len(snapshot.index.targets), len(FEATURES))


def test_an_example_naming_its_reason_s_term_is_not_reported_as_answered_by_an_entry(snapshot):
    # Retrieval alone (the example left out) answers it from "what is KYMRIAH"; the term routes it first,
    # so a warning about it would be one editors learn to ignore.
    from bot.answering import respond
    from bot.content.checks import check_alternates_belong

    from bot.retrieval.scorer import assess

    example = "is yescarta the same as kymriah"
    index = snapshot.index
    row = next(r for r, _, text in index.stored_phrasings() if text == example)
    left_out = assess(index.stored_features(row).values, index.groups, 0.0, snapshot.settings)
    rival = index.targets[int(left_out.order[0])]
    assert left_out.band == ANSWER and rival.entry is not None, "pick an example retrieval answers from an entry"
    assert respond(snapshot, example).reason == "other_car_t_product"
    reported = [p.message for p in check_alternates_belong(snapshot.index, snapshot.settings)]
    assert not [m for m in reported if example in m], reported
