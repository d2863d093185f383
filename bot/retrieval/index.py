"""The retrieval index: everything a question can be routed to, and how similar a question is to each.

Targets are the FAQ entries (an answer), the hand-off reasons (a person) and the near misses (outside
the program). Each is matched through its phrasings (an entry's question and alternates, a reason's
examples) and, more weakly, through its text (the answer or the reply). For one question the index
returns a row of similarities per target (`Features`); bot/retrieval/scorer.py turns them into a
ranking and a decision.

Words that most entries share ("car", "T-cell", "therapy", "KYMRIAH") say little about which entry a
question wants, yet they dominate a sentence embedding: "can CAR T therapy cure leukemia" sits next to
"What is CAR T-cell therapy?". So every phrasing and every question is also embedded with those words
removed (the "bare" vectors), and the lexical side weights words by how rare they are in the content.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from bot.content import Content, FaqEntry
from bot.embedding import Embedder
from bot.content.handoffs import Route
from bot.text import STOP_LEMMAS, TypoFixer, english_words, fold_lemma, lemma_batch, nlp, normalise, parse_many, untitle

ANSWER = "answer"
FEATURES = ("dense", "dense_second", "dense_bare", "dense_text", "dense_sentence", "lexical", "lexical_text", "is_route")


@dataclass(frozen=True)
class Target:
    id: str
    kind: str                      # "answer", "handoff" or "out_of_scope"
    topic: str | None
    phrasings: tuple[str, ...]
    text: str
    entry: FaqEntry | None = None
    route: Route | None = None

    @property
    def reason(self) -> str | None:
        return self.route.id if self.route else None


def targets_of(content: Content) -> list[Target]:
    targets = [Target(e.id, ANSWER, e.topic, e.phrasings, e.answer, entry=e) for e in content.entries]
    targets += [Target(f"{r.kind}:{r.id}", r.kind, None, r.phrasings, r.reply, route=r) for r in content.routes]
    return targets


@dataclass
class Query:
    text: str                      # normalised, typos fixed
    lemmas: list[str]
    vector: np.ndarray = field(repr=False)
    bare_vector: np.ndarray = field(repr=False)
    unknown_share: float = 0.0     # content words the content never uses
    generic_share: float = 0.0     # content words most entries share


@dataclass
class Features:
    """Per target (arrays of the index's length), the similarities of one question."""

    values: np.ndarray             # (targets, len(FEATURES))
    query: Query

    def column(self, name: str) -> np.ndarray:
        return self.values[:, FEATURES.index(name)]


_BARE_CACHE: dict[frozenset, dict[str, str]] = {}


def _sentences(doc) -> tuple[str, ...]:
    """An answer's sentences of four words or more."""
    return tuple(s.text.strip() for s in doc.sents if len(s.text.split()) >= 4)


class RetrievalIndex:
    def __init__(self, content: Content, embedder: Embedder, generic_min_share: float):
        """`generic_min_share`: a word used by at least this share of the FAQ entries counts as generic."""
        self.content = content
        self._embedder = embedder
        self.targets = targets_of(content)
        self.by_id = {t.id: t for t in self.targets}
        # Entries group by topic, reasons by themselves: two candidates of one group agreeing is not doubt.
        self.groups = [t.topic or t.id for t in self.targets]
        self.entries = [t.entry for t in self.targets if t.entry is not None]
        self.entry_by_id = {e.id: e for e in self.entries}
        n = len(self.targets)

        phrasings: list[str] = []
        owners: list[int] = []
        for i, target in enumerate(self.targets):
            for text in target.phrasings:
                phrasings.append(normalise(text))
                owners.append(i)
        self._texts = phrasings
        self._owners = np.array(owners, dtype=np.int64)

        # Lexical side: lemmas per phrasing, document frequency over FAQ entries (what "shared by most
        # entries" means), IDF over all targets.
        self._phrasing_lemmas = [frozenset(t) for t in lemma_batch(phrasings)]
        self._text_lemmas = [frozenset(t) for t in lemma_batch([t.text for t in self.targets])]
        target_terms = []
        for i in range(n):
            terms = set(self._text_lemmas[i])
            for row in np.flatnonzero(self._owners == i):
                terms |= self._phrasing_lemmas[row]
            target_terms.append(terms)
        entry_df = Counter(t for i, terms in enumerate(target_terms) if self.targets[i].entry for t in terms)
        n_entries = max(len(self.entries), 1)
        self.generic = frozenset(t for t, df in entry_df.items() if df / n_entries >= generic_min_share)
        df = Counter(t for terms in target_terms for t in terms)
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self._unknown_idf = math.log(1 + n) + 1.0
        self._term_index = {t: j for j, t in enumerate(sorted(df))}
        self._idf_vector = np.array([self._idf[t] for t in sorted(df)], dtype=np.float32)
        self._phrasing_terms = self._binary(self._phrasing_lemmas)
        self._text_terms = self._binary(self._text_lemmas)
        self._phrasing_weight = self._phrasing_terms @ self._idf_vector

        vocabulary = set(df)
        for text in phrasings:
            vocabulary.update(w.lower() for w in text.split() if w.isalpha())
        self._typos = TypoFixer(vocabulary, english_words())

        # Dense side: each phrasing as written and bare, each answer or reply whole and by sentence.
        self._phrasing_vectors = embedder.encode_corpus(phrasings)
        self._bare_vectors = embedder.encode_corpus(self._bare_texts(phrasings))
        self._text_vectors = embedder.encode_corpus([normalise(t.text) for t in self.targets])
        sentences, sentence_owners = [], []
        answers = [i for i, target in enumerate(self.targets) if target.entry is not None]
        for i, doc in zip(answers, parse_many(normalise(self.targets[i].text) for i in answers)):
            for sentence in _sentences(doc):
                sentences.append(sentence)
                sentence_owners.append(i)
        self._sentence_owners = np.array(sentence_owners, dtype=np.int64)
        self._sentence_vectors = embedder.encode_corpus(sentences)
        self._is_route = np.array([t.route is not None for t in self.targets], dtype=np.float32)

    # -- text ---------------------------------------------------------------------------------------

    def _bare_texts(self, phrasings: list[str]) -> list[str]:
        """Bare forms of many phrasings; remembered per generic-word set, because a live edit re-reads mostly
        unchanged text and must be served within the 2 seconds editors are promised."""
        memo = _BARE_CACHE.setdefault(self.generic, {})
        missing = [p for p in dict.fromkeys(phrasings) if p not in memo]
        for text, doc in zip(missing, parse_many(missing)):
            memo[text] = self._bare_of(doc)
        return [memo[p] for p in phrasings]

    def bare(self, text: str) -> str:
        """The text without the words most entries share; kept whole if nothing else is left."""
        return self._bare_of(nlp()(normalise(text)))

    def _bare_of(self, doc) -> str:
        kept = [t.text for t in doc if not (t.is_punct or t.is_space)
                and fold_lemma(t.lemma_.lower().strip()) not in self.generic]
        return " ".join(kept) if kept else doc.text

    def prepare(self, text: str) -> Query:
        doc = nlp()(untitle(normalise(text)))
        words, lemmas, bare = [], [], []
        removed = False
        for token in doc:
            fixed = self._typos.fix(token.lower_)
            word = fixed if fixed != token.lower_ else token.text
            words.append(word + token.whitespace_)
            if token.is_punct or token.is_space:
                continue
            lemma = fold_lemma(fixed if fixed != token.lower_ else token.lemma_.lower().strip())
            if lemma:
                lemmas.append(lemma)
            if lemma in self.generic:
                removed = True
            else:
                bare.append(word)
        corrected = "".join(words).strip() or text
        lemmas = [l for l in lemmas if l not in STOP_LEMMAS]
        distinct = set(lemmas)
        unknown = sum(1 for l in distinct if l not in self._idf) / len(distinct) if distinct else 0.0
        generic = sum(1 for l in distinct if l in self.generic) / len(distinct) if distinct else 0.0
        bare_text = " ".join(bare)
        # A question made only of shared words ("what is car t") keeps its own vector as the bare one.
        if bare and removed:
            vector, bare_vector = self._embedder.encode_queries([corrected, bare_text])
        else:
            vector = bare_vector = self._embedder.encode_query(corrected)
        return Query(corrected, lemmas, vector, bare_vector, unknown, generic)

    # -- similarities -------------------------------------------------------------------------------

    def _binary(self, term_sets) -> np.ndarray:
        matrix = np.zeros((len(term_sets), len(self._term_index)), dtype=np.float32)
        for row, terms in enumerate(term_sets):
            for t in terms:
                matrix[row, self._term_index[t]] = 1.0
        return matrix

    def _weight(self, term: str) -> float:
        return self._idf.get(term, self._unknown_idf)

    def _lexical(self, lemmas: list[str], exclude_row: int | None) -> tuple[np.ndarray, np.ndarray]:
        """Per target: the best IDF-weighted F1 of the question's lemmas against one phrasing, and the
        share of the question's weight that the answer's words cover."""
        n = len(self.targets)
        best = np.zeros(n, dtype=np.float32)
        query = set(lemmas)
        if not query or not self._term_index:
            return best, np.zeros(n, dtype=np.float32)
        total = sum(self._weight(t) for t in query)
        weights = np.zeros(len(self._term_index), dtype=np.float32)
        for t in query:
            j = self._term_index.get(t)
            if j is not None:
                weights[j] = self._idf_vector[j]
        shared = self._phrasing_terms @ weights
        recall = shared / total
        precision = np.divide(shared, self._phrasing_weight, out=np.zeros_like(shared), where=self._phrasing_weight > 0)
        f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros_like(shared), where=shared > 0)
        if exclude_row is not None:
            f1[exclude_row] = 0.0
        np.maximum.at(best, self._owners, f1)
        return best, (self._text_terms @ weights) / total

    def _per_target(self, sims: np.ndarray, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Best and second-best similarity per target (0 where a target has no second phrasing)."""
        n = len(self.targets)
        first = np.full(n, -1.0, dtype=np.float32)
        np.maximum.at(first, owners, sims)
        # Knock out each target's best row once, then take the maximum again.
        is_best = sims >= first[owners]
        best_rows = np.flatnonzero(is_best)
        _, keep = np.unique(owners[best_rows], return_index=True)
        rest = sims.copy()
        rest[best_rows[keep]] = -1.0
        second = np.full(n, -1.0, dtype=np.float32)
        np.maximum.at(second, owners, rest)
        return first, np.maximum(second, 0.0)

    def features(self, text: str, exclude_row: int | None = None, query: Query | None = None) -> Features:
        """Similarities of one question to every target. `exclude_row` leaves one stored phrasing out
        (a phrasing asked as a question must not find itself)."""
        query = query or self.prepare(text)
        sims = self._phrasing_vectors @ query.vector
        bare = self._bare_vectors @ query.bare_vector
        if exclude_row is not None:
            sims[exclude_row] = -1.0
            bare[exclude_row] = -1.0
        dense, dense_second = self._per_target(sims, self._owners)
        dense_bare, _ = self._per_target(bare, self._owners)
        sentence = np.zeros(len(self.targets), dtype=np.float32)
        if len(self._sentence_owners):
            np.maximum.at(sentence, self._sentence_owners, self._sentence_vectors @ query.vector)
        text_sims = self._text_vectors @ query.vector
        sentence = np.where(self._is_route > 0, text_sims, sentence)
        lexical, lexical_text = self._lexical(query.lemmas, exclude_row)
        values = np.stack([dense, dense_second, dense_bare, text_sims, sentence, lexical, lexical_text, self._is_route], axis=1)
        return Features(values.astype(np.float32), query)

    # -- stored phrasings as questions (for the editors' check and for training the scorer) -------------

    def phrasing_rows(self, target_index: int) -> list[int]:
        return [int(r) for r in np.flatnonzero(self._owners == target_index)]

    def stored_phrasings(self) -> list[tuple[int, int, str]]:
        """(row, owning target, text) of every stored phrasing except each target's first (its question)."""
        out = []
        for i, target in enumerate(self.targets):
            rows = self.phrasing_rows(i)
            start = 1 if target.entry is not None else 0
            for row, text in zip(rows[start:], target.phrasings[start:]):
                out.append((row, i, text))
        return out

    def stored_query(self, row: int) -> Query:
        """A stored phrasing as a question, from the vectors and lemmas the index already holds."""
        lemmas = list(self._phrasing_lemmas[row])
        generic = sum(1 for l in lemmas if l in self.generic) / len(lemmas) if lemmas else 0.0
        return Query(self._texts[row], lemmas, self._phrasing_vectors[row], self._bare_vectors[row], 0.0, generic)

    def stored_features(self, row: int) -> Features:
        """Similarities of a stored phrasing, asked as a question, with itself left out."""
        return self.features("", exclude_row=row, query=self.stored_query(row))

    def topic_of(self, target_index: int) -> str | None:
        return self.targets[target_index].topic
