"""Which context cues (data/safety/context_cues.yml) act on a symptom mention: the ConText algorithm.

The algorithm and the record shape are medspaCy's (Chapman et al.'s ConText, as medspaCy implements it):
each cue match gets a scope in its direction within its sentence, up to `max_scope` words; a cue of a
category named in another cue's `terminated_by`, a TERMINATE cue, or a later cue of the same category ends
that scope early; a cue inside a longer cue is dropped (the longer one, often a PSEUDO look-alike, wins).
Unlike medspaCy, cues that only partly overlap both stay (", she" and "she's" in ", she's confused"), and a
cue may ask for a mention told in the past tense (`target_in_past`).

Also here: the sentence splitter (no parser is loaded) and the "does the sentence name a person" test that
both classifiers use.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from bot.safety.records import Cue, Rules

Sentences = list[tuple[int, int]]


def sentences(doc: Doc, breaks: frozenset[str]) -> Sentences:
    """Split on end punctuation and newlines."""
    out: Sentences = []
    start = 0
    for tok in doc:
        ends = tok.lower_ in breaks or (tok.is_space and "\n" in tok.text) or (
            tok.is_punct and tok.text and tok.text[0] in "!?." and len(set(tok.text)) == 1)
        if ends:
            if tok.i + 1 > start:
                out.append((start, tok.i + 1))
            start = tok.i + 1
    if start < len(doc):
        out.append((start, len(doc)))
    return out


def sentence_of(sents: Sentences, i: int, length: int) -> tuple[int, int]:
    return next(((a, b) for a, b in sents if a <= i < b), (0, length))


@dataclass(frozen=True)
class _Setting:
    """A cue with its category's defaults filled in."""

    cue: Cue
    max_scope: Optional[int]
    terminated_by: frozenset[str]
    allowed: Optional[frozenset[str]]
    excluded: Optional[frozenset[str]]


@dataclass
class Modifier:
    setting: _Setting
    start: int
    end: int
    scope_start: int
    scope_end: int

    @property
    def category(self) -> str:
        return self.setting.cue.category

    @property
    def direction(self) -> str:
        return self.setting.cue.direction

    def cut_by(self, other: "Modifier") -> None:
        if self.direction in ("TERMINATE", "PSEUDO") or other is self:
            return
        same = other.category == self.category and other.setting.allowed == self.setting.allowed \
            and other.setting.excluded == self.setting.excluded
        if not (other.direction == "TERMINATE" or other.category in self.setting.terminated_by or same):
            return
        if self.direction in ("FORWARD", "BIDIRECTIONAL") and other.start > self.start:
            self.scope_end = min(self.scope_end, max(other.start, self.end))
        if self.direction in ("BACKWARD", "BIDIRECTIONAL") and other.end < self.end:
            self.scope_start = max(self.scope_start, min(other.end, self.start))

    def allows(self, types: Iterable[str]) -> bool:
        types = set(types)
        if self.setting.allowed is not None and not types & self.setting.allowed:
            return False
        return not (self.setting.excluded is not None and types & self.setting.excluded)


class ConText:
    """Finds the cues of one Doc and tells which of them act on a mention."""

    def __init__(self, vocab: Vocab, rules: Rules) -> None:
        self._settings: list[_Setting] = []
        self._matcher = Matcher(vocab)
        self._boundaries = {name for name, cat in rules.categories.items() if cat.effect == "boundary"}
        self._past_verbs = rules.report.get("past_verbs", frozenset())
        for i, cue in enumerate(rules.cues):
            category = rules.categories[cue.category]
            self._settings.append(_Setting(
                cue,
                cue.max_scope if cue.max_scope is not None else category.max_scope,
                cue.terminated_by | category.terminated_by,
                cue.allowed_types if cue.allowed_types is not None else category.allowed_types,
                cue.excluded_types if cue.excluded_types is not None else category.excluded_types,
            ))
            self._matcher.add(f"cue{i}", cue.patterns)
        self._index = {vocab.strings[f"cue{i}"]: i for i in range(len(rules.cues))}

    def modifiers(self, doc: Doc, sents: Sentences) -> list[Modifier]:
        found = {(self._index[key], start, end) for key, start, end in self._matcher(doc)}
        spans = sorted(found, key=lambda m: (-(m[2] - m[1]), m[1]))
        kept: list[tuple[int, int, int]] = []
        for cue, start, end in spans:
            # A cue inside a longer one is part of it ("n't" in "can't stop", "if" in "not sure if").
            if any(s <= start and end <= e and (e - s) > (end - start) for _, s, e in kept):
                continue
            kept.append((cue, start, end))
        mods = [self._scoped(self._settings[cue], start, end, sents, len(doc)) for cue, start, end in sorted(kept, key=lambda m: m[1])]
        by_sentence: dict[tuple[int, int], list[Modifier]] = {}
        for mod in mods:
            by_sentence.setdefault(sentence_of(sents, mod.start, len(doc)), []).append(mod)
        for group in by_sentence.values():
            for mod in group:
                for other in group:
                    mod.cut_by(other)
        return mods

    @staticmethod
    def _scoped(setting: _Setting, start: int, end: int, sents: Sentences, length: int) -> Modifier:
        s_start, s_end = sentence_of(sents, start, length)
        direction, limit = setting.cue.direction, setting.max_scope
        scope_start, scope_end = s_start, s_end
        if direction == "FORWARD":
            scope_start = end
        elif direction == "BACKWARD":
            scope_end = start
        if limit is not None:
            if direction in ("FORWARD", "BIDIRECTIONAL"):
                scope_end = min(scope_end, end + limit)
            if direction in ("BACKWARD", "BIDIRECTIONAL"):
                scope_start = max(scope_start, start - limit)
        return Modifier(setting, start, end, scope_start, scope_end)

    def acting_on(self, doc: Doc, mods: list[Modifier], sents: Sentences, start: int, end: int,
                  types: Iterable[str]) -> list[Modifier]:
        """The modifiers whose scope covers the mention doc[start:end] and that may act on it."""
        types = set(types)
        s_start = sentence_of(sents, start, len(doc))[0]
        out = []
        for mod in mods:
            if mod.direction in ("TERMINATE", "PSEUDO") or mod.start < end and start < mod.end:
                continue
            if not (mod.scope_start < end and start < mod.scope_end) or not mod.allows(types):
                continue
            if mod.setting.cue.target_in_past and not self.in_past(doc, mods, start, s_start):
                continue
            out.append(mod)
        return out

    def clause_start(self, doc: Doc, mods: list[Modifier], start: int, s_start: int) -> int:
        """Where the clause of token `start` begins: after the last boundary cue before it. An adverb before an
        adjective is an intensifier, not a break ("i was so shaky": "so" is not "so we went home")."""
        ends = [m.start for m in mods if m.category in self._boundaries and s_start <= m.start < start
                and not (doc[m.start].pos_ == "ADV" and m.start + 1 < len(doc) and doc[m.start + 1].pos_ in ("ADJ", "ADV"))]
        return max(ends, default=s_start)

    def in_past(self, doc: Doc, mods: list[Modifier], start: int, s_start: int) -> bool:
        """'she had a fever', 'he was shaking': a past-tense verb in the mention's clause, before it.

        A part joined by a conjunction with no verb of its own shares the verb before it: in "she was shaky
        and dizzy" or "had a fever and some shaking" the "and" is a clause break for the other cues, but
        "dizzy" and "shaking" are told in the past too. "had a fever and is shaking" has its own verb."""
        lo = self.clause_start(doc, mods, start, s_start)
        while lo > s_start and doc[lo].pos_ == "CCONJ" and not self._new_subject_at(mods, lo) and \
                not any(doc[i].pos_ in ("VERB", "AUX") for i in range(lo + 1, start)):
            lo = self.clause_start(doc, mods, lo, s_start)
        return any(doc[i].tag_ in ("VBD", "VBN") and doc[i].lemma_ in self._past_verbs for i in range(lo, start))

    def _new_subject_at(self, mods: list[Modifier], i: int) -> bool:
        """Does a boundary cue other than a plain clause break ("and she", "but") start at token i? If the data
        renamed CLAUSE_BREAK, every boundary would count here and in_past would fall back to the plain clause
        (fewer mentions read as past, so fewer ruled out: the safe side)."""
        return any(m.start == i and m.category in self._boundaries and m.category != "CLAUSE_BREAK" for m in mods)


def has_person(sent: Span, question: bool, grammar: dict[str, frozenset[str]], report: dict[str, frozenset[str]]) -> bool:
    """Does the sentence name someone the symptom could belong to? 'my kids' does, 'why do kids ...' does not."""
    doc = sent.doc
    pronouns, nouns = grammar["person_pronouns"], grammar["person_nouns"]
    for tok in sent:
        low = tok.lower_
        prev = doc[tok.i - 1].lower_ if tok.i > sent.start else ""
        if low in pronouns:
            # In "what should I do", "who do I call", "tell me about" the asker is not the one with the symptom.
            if question and low in ("i", "me") and prev in report["asker_markers"]:
                continue
            if low == "her" and prev in report["her_object_markers"]:
                continue
            return True
        if low == "m" and prev == "i":
            return True
        if low in nouns:
            if prev in report["person_determiners"]:
                return True
            if prev in report["generic_determiners"]:
                continue
            if tok.tag_ in ("NNS", "NNPS") or low.endswith("s") or question:
                continue
            return True
    return False
