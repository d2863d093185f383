"""Does a message ask for a decision about one person's treatment (data/safety/personal_decisions.yml)?

Every group needs a treatment term in the same sentence, and finding one needs only the tokenizer, so most
messages never reach the tagger here.
"""
from __future__ import annotations

from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from bot.safety.context import has_person, sentence_of, sentences
from bot.safety.records import DecisionGroup, Rules

# Without its own setting, a group's extra conditions look this many words past the match.
DEFAULT_WINDOW = 4


class DecisionRules:
    def __init__(self, vocab: Vocab, rules: Rules) -> None:
        self.treatments = Matcher(vocab)
        self.treatments.add("treatment", rules.treatments)
        self.matcher = Matcher(vocab)
        self._groups: dict[int, DecisionGroup] = {}
        for group in rules.groups:
            self.matcher.add(f"decision:{group.id}", group.patterns)
            self._groups[vocab.strings[f"decision:{group.id}"]] = group
        self._rules = rules

    def names_treatment(self, doc: Doc) -> bool:
        return bool(self.treatments(doc))

    def in_doc(self, doc: Doc) -> bool:
        """True when the (tagged, lowercased) Doc asks for a decision about someone's treatment."""
        treatment: set[int] = set()
        for _key, start, end in self.treatments(doc):
            if not self._time_reference(doc, start):
                treatment.update(range(start, end))
        if not treatment:
            return False
        sents = sentences(doc, self._rules.grammar["sentence_breaks"])
        for key, start, end in self.matcher(doc):
            group = self._groups[key]
            s_start, s_end = sentence_of(sents, start, len(doc))
            in_sentence = [i for i in treatment if s_start <= i < s_end]
            if in_sentence and self._holds(group, doc, start, end, s_start, s_end, treatment, in_sentence):
                return True
        return False

    def _holds(self, group: DecisionGroup, doc: Doc, start: int, end: int, s_start: int, s_end: int,
               treatment: set[int], in_sentence: list[int]) -> bool:
        window = group.treatment_within or DEFAULT_WINDOW
        if group.treatment_within is not None and not any(i in treatment for i in range(end, end + window)):
            return False
        if group.not_after and any(t.lower_ in group.not_after for t in doc[s_start:start]):
            return False
        following = [t.lower_ for t in doc[end:end + window]]
        for phrase in group.not_followed_by:
            if any(tuple(following[i:i + len(phrase)]) == phrase for i in range(len(following))):
                return False
        if group.treatment_on_both_sides:
            if not (any(i < start for i in in_sentence) and any(i >= end for i in in_sentence)):
                return False
            sent = doc[s_start:s_end]
            return has_person(sent, False, self._rules.grammar, self._rules.report) or \
                any(t.lower_ in group.needs_person_or_words for t in sent)
        return True

    def _time_reference(self, doc: Doc, start: int) -> bool:
        """'after the infusion': the treatment names a point in time."""
        i = start - 1
        while i >= 0 and doc[i].lower_ in self._rules.time_determiners:
            i -= 1
        return i >= 0 and doc[i].lower_ in self._rules.time_prepositions
