"""rasa_components/fast_load.py against Rasa's own loader: the same trained model, loaded both ways in one
process, gives the same intent ranking (DIET) and the same next action (the policy ensemble, which predicts
with whatever TensorFlow policy config.yml lists; today rules and memoization only).

Needs the trained model `make test` builds first (models/current.tar.gz); run with the rasa env.
"""
from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytest.importorskip("rasa")

from rasa.core.agent import load_agent  # noqa: E402
from rasa.nlu.utils.spacy_utils import SpacyNLP  # noqa: E402
from rasa.shared.core.events import ActionExecuted, UserUttered  # noqa: E402
from rasa.shared.core.trackers import DialogueStateTracker  # noqa: E402
from rasa.utils.tensorflow.models import RasaModel  # noqa: E402

from rasa_components import fast_load  # noqa: E402

MODEL = ROOT / "models" / "current.tar.gz"
MESSAGES = ["hello", "what is car t", "how long does apheresis take", "is my son eligible", "he is 14",
            "my daughter has a fever of 104", "who do I call", "thanks, bye"]
# Conversations as intents: the next action predicted after each is compared.
TURNS = [["greet"], ["greet", "ask_question"], ["ask_eligibility"], ["ask_question", "request_human"]]


def _tracker(agent, intents: list[str]) -> DialogueStateTracker:
    events = [ActionExecuted("action_listen")]
    for intent in intents:
        events += [UserUttered(intent=intent and {"name": intent, "confidence": 1.0}), ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events("fast-load", events[:-1], slots=agent.domain.slots)


def _spacy_pipelines(agent) -> list:
    nodes = agent.processor.graph_runner._instantiated_nodes.values()
    return [n._component._model.model for n in nodes if isinstance(n._component, SpacyNLP)]


def _outputs(agent):
    parses = [asyncio.run(agent.parse_message(m)) for m in MESSAGES]
    rankings = [[(r["name"], r["confidence"]) for r in p["intent_ranking"]] for p in parses]
    actions = [agent.processor._predict_next_with_tracker(_tracker(agent, t)).probabilities for t in TURNS]
    return rankings, actions


@pytest.fixture(scope="module")
def both(caplog_module):
    if not MODEL.exists():
        pytest.skip("no trained model: run `make train` first")
    rasa_loaded = _outputs(asyncio.run(load_agent(model_path=str(MODEL))))
    fast_load.install()
    try:
        assert RasaModel.load.__func__ is fast_load._load
        fast_agent = asyncio.run(load_agent(model_path=str(MODEL)))
        fast_loaded = _outputs(fast_agent)
        fast_spacy = _spacy_pipelines(fast_agent)
    finally:
        fast_load.uninstall()
    # A fall-back to Rasa's loader would make the comparison pass without testing the eager build.
    fell_back = [r.getMessage() for r in caplog_module if "Rasa's own loader" in r.getMessage()]
    assert not fell_back, fell_back
    return rasa_loaded, fast_loaded, fast_spacy


@pytest.fixture(scope="module")
def caplog_module():
    """Log records of the module's fixture (pytest's caplog is per test)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger(fast_load.__name__).addHandler(handler)
    yield records
    logging.getLogger(fast_load.__name__).removeHandler(handler)


def test_intent_rankings_are_the_same(both):
    (rasa_rankings, _), (fast_rankings, _), _ = both
    for message, a, b in zip(MESSAGES, rasa_rankings, fast_rankings):
        assert [n for n, _ in a] == [n for n, _ in b], message
        np.testing.assert_allclose([c for _, c in a], [c for _, c in b], atol=1e-5, err_msg=message)


def test_next_action_probabilities_are_the_same(both):
    (_, rasa_actions), (_, fast_actions), _ = both
    for turns, a, b in zip(TURNS, rasa_actions, fast_actions):
        assert len(a) == len(b) and max(a) > 0, turns
        np.testing.assert_allclose(a, b, atol=1e-5, err_msg=str(turns))


def test_served_spacy_pipeline_skips_the_entity_recogniser(both):
    """The rankings above are compared with it skipped: features without spaCy's entities are the same."""
    *_, pipelines = both
    assert pipelines, "no SpacyNLP node in the served model"
    for nlp in pipelines:
        assert "ner" in nlp.disabled and "ner" not in nlp.pipe_names
        assert {"tok2vec", "tagger", "lemmatizer"} <= set(nlp.pipe_names)


@pytest.mark.parametrize("pipeline, expected", [
    ("pipeline:\n  - name: SpacyNLP\n  - name: DIETClassifier\n", False),
    ("pipeline:\n  - name: SpacyNLP\n  - name: SpacyEntityExtractor\n", True),
    ("pipeline: [\n", True),  # unreadable: keep everything rather than guess
])
def test_entities_are_kept_only_for_a_pipeline_that_extracts_them(tmp_path, pipeline, expected):
    from bot.rasa_server import _extracts_spacy_entities

    config = tmp_path / "config.yml"
    config.write_text(pipeline, encoding="utf-8")
    assert _extracts_spacy_entities(config) is expected
    assert _extracts_spacy_entities(ROOT / "config.yml") is False


def test_uninstall_gives_rasa_its_loader_back():
    fast_load.install()
    fast_load.uninstall()
    assert RasaModel.load.__func__ is fast_load._RASA_LOAD
