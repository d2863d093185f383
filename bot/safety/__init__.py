"""The safety layer: urgent-symptom reports and requests for personal medical decisions.

Two questions are answered about a user message:

* ``urgent_symptom(text)``: does the message REPORT a current urgent symptom (the signs the KYMRIAH
  Medication Guide tells families to act on right away)? Returns a short label such as ``"fever"`` or
  ``"trouble breathing"``, else ``None``.
* ``personal_medical_decision(text)``: does the message ask for a decision or advice about one person's
  treatment, which only the care team can give?

The rules are data, reviewed by clinicians: data/safety/urgent_symptoms.yml (what names a warning sign),
context_cues.yml (what makes a mention not a report: "no fever", "if he gets a fever", "years ago") and
personal_decisions.yml. This package loads and checks them (rules.py, patterns.py), scopes the cues
(context.py, the ConText algorithm) and applies them (urgent.py, decisions.py). Only the standard library,
spaCy and PyYAML are used, so the same code runs in the actions env and inside Rasa's NLU pipeline.

Text is lowercased before tagging, as Rasa's ``SpacyNLP`` does by default, so a Doc that Rasa made from the
same pipeline gives the same answers (``SafetyChecker.check_doc``). No reply wording lives here.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from spacy.language import Language
from spacy.tokens import Doc

from bot.nlp import MODEL_NAME
from bot.nlp import nlp as shared_pipeline
from bot.problems import errors
from bot.safety.context import ConText
from bot.safety.decisions import DecisionRules
from bot.safety.records import Rules, SafetyRulesError
from bot.safety.rules import RULES_DIR, check_rules, load_rules
from bot.safety.urgent import UrgentRules

# Lemmas need POS tags; the sentencizer and anything else in a shared pipeline are not needed here.
NEEDED_PIPES = ("tok2vec", "tagger", "attribute_ruler", "lemmatizer")
DOC_CACHE_SIZE = 256


@dataclass(frozen=True)
class SymptomHit:
    """One reported symptom: its label and where it is in the text."""

    label: str
    start_char: int
    end_char: int
    text: str


class SafetyChecker:
    """The compiled rules and the pipeline they run on. Load once, call per message.

    ``nlp``: a loaded pipeline of MODEL_NAME (default: the process's one, bot/nlp.py; Rasa's SpacyNLP keeps
    more components, only those lemmas need are run). ``rules_dir``: a folder with the three rule files
    (default data/safety). Raises SafetyRulesError when the rules have errors.
    """

    def __init__(self, nlp: Optional[Language] = None, rules_dir: Optional[Path] = None) -> None:
        if nlp is None:
            nlp = shared_pipeline()
        self.nlp = nlp
        self._pipes = [(name, proc) for name, proc in nlp.pipeline if name in NEEDED_PIPES]
        rules, problems = load_rules(rules_dir, nlp)
        if errors(problems):
            raise SafetyRulesError(errors(problems))
        self.rules: Rules = rules
        self.context = ConText(nlp.vocab, rules)
        self.urgent = UrgentRules(nlp.vocab, rules, self.context)
        self.decisions = DecisionRules(nlp.vocab, rules)
        self._cache: "OrderedDict[str, Doc]" = OrderedDict()
        self._cache_lock = threading.Lock()

    def doc(self, text: str) -> Doc:
        """``text`` lowercased and tagged with only the components the rules need; cached per text, since
        callers usually ask both questions about one message."""
        key = (text or "").lower()
        with self._cache_lock:
            doc = self._cache.get(key)
            if doc is not None:
                self._cache.move_to_end(key)
                return doc
        doc = self.nlp.make_doc(key)
        for _name, proc in self._pipes:
            doc = proc(doc)
        with self._cache_lock:
            self._cache[key] = doc
            while len(self._cache) > DOC_CACHE_SIZE:
                self._cache.popitem(last=False)
        return doc

    def urgent_symptom(self, text: str) -> Optional[str]:
        """Label of an urgent symptom the message reports as happening now, else None."""
        hit = self.find_urgent(text)
        return hit.label if hit else None

    def find_urgent(self, text: str) -> Optional[SymptomHit]:
        """Like ``urgent_symptom`` but with the character offsets of the mention."""
        if not text or not text.strip() or not self.could_match(text):
            return None
        return self.check_doc(self.doc(text), original_text=text)

    def could_match(self, text: str) -> bool:
        """False when no urgent pattern can match: then the text is not tagged at all."""
        return self.urgent.gate.open([t.lower_ for t in self.nlp.make_doc((text or "").lower())])

    def check_doc(self, doc: Doc, original_text: Optional[str] = None) -> Optional[SymptomHit]:
        """The urgent-symptom rules on a Doc of lowercased text, tagged and lemmatized."""
        found = self.urgent.find(doc)
        if found is None:
            return None
        rule, start, end = found
        span = doc[start:end]
        text = original_text if original_text is not None and len(original_text) == len(doc.text) else doc.text
        return SymptomHit(rule.label, span.start_char, span.end_char, text[span.start_char:span.end_char])

    def personal_medical_decision(self, text: str) -> bool:
        """True when the message asks for a decision or advice about one person's care."""
        if not text or not text.strip():
            return False
        if not self.decisions.names_treatment(self.nlp.make_doc(text.lower())):
            return False
        return self.decision_in_doc(self.doc(text))

    def decision_in_doc(self, doc: Doc) -> bool:
        return self.decisions.in_doc(doc)


_checker: Optional[SafetyChecker] = None
_lock = threading.Lock()


def get_checker() -> SafetyChecker:
    """The process-wide checker on data/safety, loaded on first use."""
    global _checker
    if _checker is None:
        with _lock:
            if _checker is None:
                _checker = SafetyChecker()
    return _checker


def urgent_symptom(text: str) -> Optional[str]:
    return get_checker().urgent_symptom(text)


def personal_medical_decision(text: str) -> bool:
    return get_checker().personal_medical_decision(text)


__all__ = [
    "MODEL_NAME",
    "RULES_DIR",
    "SafetyChecker",
    "SafetyRulesError",
    "SymptomHit",
    "check_rules",
    "get_checker",
    "load_rules",
    "personal_medical_decision",
    "urgent_symptom",
]
