"""Does a message report an urgent symptom happening now?

A spaCy Matcher finds the mentions that data/safety/urgent_symptoms.yml describes; the context cues
(bot/safety/context.py) rule out those that are denied, over, hypothetical, past, someone else's, talk about
the symptom, or another sense of the word; what survives counts as a report if the sentence is about a person
or about now (the `report:` words of context_cues.yml). Earliest mention first, the longest on a tie.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence

from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from bot.safety.context import ConText, Modifier, Sentences, has_person, sentence_of, sentences
from bot.safety.patterns import required_lowers
from bot.safety.records import Rules, UrgentRule

_APOSTROPHE_S = ("'s", "’s")


class LowerGate:
    """Can any pattern match, judging by the tokenizer alone? A text for which no pattern has every one of
    its LOWER constraints met cannot match, so it is never tagged. LOWER does not depend on the tagger."""

    def __init__(self, patterns: Iterable[list[dict[str, Any]]]) -> None:
        self._patterns = [required_lowers(p) for p in patterns]
        self.always_open = any(not required for required in self._patterns)

    def open(self, lowers: Sequence[str]) -> bool:
        if self.always_open:
            return True
        present = set(lowers)
        return any(all(_satisfied(kind, value, present) for kind, value in required) for required in self._patterns)


def _satisfied(kind: str, value: Any, present: set[str]) -> bool:
    if kind == "in":
        return not present.isdisjoint(value)
    if kind == "re":
        return any(value.search(w) for w in present)
    max_edits, word = value
    return any(abs(len(w) - len(word)) <= max_edits and _edit_distance(w, word) <= max_edits for w in present)


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


class UrgentRules:
    def __init__(self, vocab: Vocab, rules: Rules, context: ConText) -> None:
        self.matcher = Matcher(vocab)
        self._rules: dict[int, UrgentRule] = {}
        for rule in rules.urgent:
            self.matcher.add(f"urgent:{rule.id}", rule.patterns)
            self._rules[vocab.strings[f"urgent:{rule.id}"]] = rule
        self.gate = LowerGate(p for rule in rules.urgent for p in rule.patterns)
        self._context = context
        self._effects = {name: cat.effect for name, cat in rules.categories.items()}
        self._grammar, self._words, self._readings = rules.grammar, rules.report, rules.readings
        self._breaks = rules.grammar["sentence_breaks"]

    def find(self, doc: Doc) -> Optional[tuple[UrgentRule, int, int]]:
        """The first mention in `doc` that reports an urgent symptom: (rule, start token, end token)."""
        matches = self.matcher(doc)
        if not matches:
            return None
        sents = sentences(doc, self._breaks)
        mods = self._context.modifiers(doc, sents)
        for key, start, end in sorted(matches, key=lambda m: (m[1], -(m[2] - m[1]))):
            rule = self._rules[key]
            if self.is_report(doc, start, end, rule, sents, mods):
                return rule, start, end
        return None

    def ruled_out(self, doc: Doc, start: int, end: int, rule: UrgentRule, sents: Sentences, mods: list[Modifier]) -> list[Modifier]:
        """The cues that say this mention is not a report."""
        owned = self.owned(doc, start)
        out = []
        for mod in self._context.acting_on(doc, mods, sents, start, end, (rule.label, rule.category, rule.id)):
            effect = self._effects[mod.category]
            if effect == "not_a_report" or (effect == "not_a_report_unless_owned" and not owned):
                out.append(mod)
        return out

    def is_report(self, doc: Doc, start: int, end: int, rule: UrgentRule, sents: Sentences, mods: list[Modifier]) -> bool:
        if self.ruled_out(doc, start, end, rule, sents, mods):
            return False
        s_start, s_end = sentence_of(sents, start, len(doc))
        return self.sentence_reports(doc[s_start:s_end], start, rule.kind)

    def sentence_reports(self, sent: Span, start: int, kind: str) -> bool:
        """With no cue against it, does the mention at `start` count as a report in this sentence?"""
        owned = self.owned(sent.doc, start)
        question = self.is_question(sent)
        person = has_person(sent, question, self._grammar, self._words)
        if question:
            if owned:
                return True
            if not person:
                # "fever of 38.3 after kymriah, what do we do?" is still a report.
                return self.now_evidence(sent, start - sent.start, strict=True)
            # "can we go to the movies, she has chills right now": a reading or "right now" is about now even
            # inside a question about possibility.
            return not self.modal_question(sent) or self.now_evidence(sent, start - sent.start, strict=True)
        if person or owned or kind == "state":
            return True
        return self.now_evidence(sent, start - sent.start)

    def owned(self, doc: Doc, start: int) -> bool:
        """'his fever', 'my son's temp', 'her high fever': the symptom belongs to someone."""
        i, skipped = start - 1, 0
        while i >= 0 and skipped < 2 and doc[i].pos_ in ("ADJ", "ADV") and doc[i].lower_ not in self._words["possessives"]:
            i -= 1
            skipped += 1
        if i < 0:
            return False
        low = doc[i].lower_
        if low in self._words["owners"]:
            return True
        return low in _APOSTROPHE_S and i > 0 and doc[i - 1].lower_ in self._grammar["person_nouns"]

    def is_question(self, sent: Span) -> bool:
        if any(t.lower_.startswith("?") for t in sent[-2:]) or sent.text.rstrip().endswith("?"):
            return True
        first = next((t for t in sent if not (t.is_punct or t.is_space)), None)
        if first is None:
            return False
        if first.lower_ in self._words["question_words"]:
            return True
        if first.lower_ in self._words["question_auxiliaries"]:
            # An inverted auxiliary has its subject next: "is she ...", "can car t ...". "is having a seizure",
            # "can't breathe" are reports with the subject dropped.
            nxt = sent.doc[first.i + 1] if first.i + 1 < sent.end else None
            return nxt is not None and nxt.lower_ not in self._grammar["negation"] and (
                nxt.pos_ in ("PRON", "DET", "NOUN", "PROPN", "NUM", "ADJ") or nxt.lower_ in self._grammar["person_nouns"])
        return False

    def modal_question(self, sent: Span) -> bool:
        """'can my son get a fever from ivig?' asks about possibility, not about now."""
        toks = [t for t in sent if not (t.is_punct or t.is_space)]
        if not toks or toks[0].lower_ not in self._words["modal_question_starts"]:
            return False
        if len(toks) > 1 and toks[1].lower_ in self._words["help_subjects"]:
            return False  # "can you help, ..."
        # "could she be having a seizure?" asks about what is happening now
        return not any(a.lemma_ == "be" and b.tag_ == "VBG" for a, b in zip(toks, toks[1:]))

    def now_evidence(self, sent: Span, rel_start: int, strict: bool = False) -> bool:
        """A reading, or words tying the sentence to now. `strict` (for questions) accepts only readings and
        explicit "now" words: "how many hours does fever last" is general."""
        now_words = self._words["strict_now_words" if strict else "now_words"]
        for tok in sent:
            low = tok.lower_
            if any(r.match(low) for r in self._readings):
                return True
            if low in now_words:
                if low == "right" and not (tok.i + 1 < len(sent.doc) and sent.doc[tok.i + 1].lower_ == "now"):
                    continue
                return True
            if not strict and low.startswith("!"):
                return True
        if strict:
            return False
        return any(t.lower_ in self._words["progressive_cues"] for t in sent[:rel_start][-3:])

