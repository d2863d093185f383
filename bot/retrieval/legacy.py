"""Hybrid retrieval over the FAQ: dense similarity fused with lemma matching, then a three-band decision.

Questions are matched mostly against the entries' questions and alternates (question-to-question
matching is far stronger than question-to-answer); answers add a little. Lexical matching is an
IDF-weighted coverage of the user's lemmas, so rare medical words ("apheresis", "CD19") count, and
words the content has never seen (weather, taxes) pull the score down: that is what keeps
off-topic questions from being answered confidently.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from bot.content import Content, FaqEntry
from bot.embedding import Embedder
from bot.passages import Passage, split_passages
from bot.text import STOP_LEMMAS, TypoFixer, english_words, fold_lemma, lemma_batch, nlp, normalise

ANSWER, CLARIFY, HANDOFF = "answer", "clarify", "handoff"


@dataclass(frozen=True)
class RetrievalSettings:
    """Weights and bands. They have no defaults here on purpose: the values are calibrated on data and
    live in config.yml's `assistant.retrieval` (benchmarks/calibrate.py prints a new block)."""

    dense_weight: float
    lexical_weight: float
    answer_weight: float
    answer_min_score: float
    answer_min_margin: float
    clarify_min_score: float
    passage_min_score: float
    max_follow_ups: int
    clarify_options: int

    @classmethod
    def from_mapping(cls, values: dict) -> "RetrievalSettings":
        values = values or {}
        missing = [k for k in cls.__dataclass_fields__ if k not in values]
        if missing:
            raise ValueError("config.yml assistant.retrieval is missing " + ", ".join(missing))
        return cls(**{k: values[k] for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Candidate:
    entry: FaqEntry
    score: float
    dense: float
    lexical: float


@dataclass
class Decision:
    band: str
    candidates: list[Candidate]
    margin: float
    passage: Passage | None = None
    passage_score: float | None = None
    query: str = ""
    # Nothing close, and most of the question's words never occur in the content (weather, taxes): the
    # reply is "that is outside what I can help with" rather than "I have no answer, ask a person".
    off_topic: bool = False

    @property
    def top(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


@dataclass
class _Query:
    text: str
    lemmas: list[str]
    vector: np.ndarray = field(repr=False)


class RetrievalIndex:
    def __init__(self, content: Content, embedder: Embedder, settings: RetrievalSettings):
        self.content = content
        self.settings = settings
        self._embedder = embedder
        self.entries = list(content.entries)
        self.by_id = {e.id: e for e in self.entries}
        self._topics = [e.topic for e in self.entries]

        phrasings: list[str] = []
        owners: list[int] = []
        for i, entry in enumerate(self.entries):
            for text in entry.phrasings:
                phrasings.append(normalise(text))
                owners.append(i)
        self._owners = np.array(owners, dtype=np.int64)
        self._phrasing_vectors = embedder.encode_corpus(phrasings)
        self._answer_vectors = embedder.encode_corpus([normalise(e.answer) for e in self.entries])

        # Lexical side: the lemmas of each phrasing, matched one phrasing at a time like the dense side,
        # so that a long alternate that happens to contain two query words does not outrank the entry
        # whose question says exactly that. Answer words are a weaker hint.
        self._phrasing_lemmas = [frozenset(t) for t in lemma_batch(phrasings)]
        self._answer_terms = [frozenset(t) for t in lemma_batch([e.answer for e in self.entries])]
        document_frequency = Counter()
        for i in range(len(self.entries)):
            terms = set(self._answer_terms[i])
            for row in np.flatnonzero(self._owners == i):
                terms |= self._phrasing_lemmas[row]
            document_frequency.update(terms)
        n = max(len(self.entries), 1)
        self._idf = {t: math.log(1 + n / df) for t, df in document_frequency.items()}
        # A word the content never uses is as informative as the rarest word there is.
        self._unknown_idf = math.log(1 + n) + 1.0
        # Binary phrasing-by-term and answer-by-term matrices, so a query is scored with two products.
        self._term_index = {t: j for j, t in enumerate(sorted(document_frequency))}
        idf = np.zeros(len(self._term_index), dtype=np.float32)
        for t, j in self._term_index.items():
            idf[j] = self._idf[t]
        self._idf_vector = idf
        self._phrasing_terms = self._binary(self._phrasing_lemmas)
        self._answer_term_matrix = self._binary(self._answer_terms)
        self._phrasing_weight = self._phrasing_terms @ idf
        vocabulary = set(document_frequency)
        for text in phrasings:
            vocabulary.update(w.lower() for w in text.split() if w.isalpha())
        self._typos = TypoFixer(vocabulary, english_words())

        self.passages = [p for doc in content.documents.values() for p in split_passages(doc)]
        self._passage_vectors = embedder.encode_corpus([p.text for p in self.passages])

    # -- query side -------------------------------------------------------------------------------

    def _prepare(self, text: str) -> _Query:
        doc = nlp()(normalise(text))
        words: list[str] = []
        lemmas: list[str] = []
        for token in doc:
            fixed = self._typos.fix(token.lower_)
            words.append((fixed if fixed != token.lower_ else token.text) + token.whitespace_)
            if token.is_punct or token.is_space:
                continue
            lemma = fixed if fixed != token.lower_ else token.lemma_.lower().strip()
            if lemma:
                lemmas.append(fold_lemma(lemma))
        corrected = "".join(words).strip()
        lemmas = [l for l in lemmas if l not in STOP_LEMMAS]
        return _Query(corrected, lemmas, self._embedder.encode_query(corrected or text))

    def _weight(self, term: str) -> float:
        return self._idf.get(term, self._unknown_idf)

    def _binary(self, term_sets) -> np.ndarray:
        matrix = np.zeros((len(term_sets), len(self._term_index)), dtype=np.float32)
        for row, terms in enumerate(term_sets):
            for t in terms:
                matrix[row, self._term_index[t]] = 1.0
        return matrix

    def _lexical_scores(self, lemmas: list[str], exclude_row: int | None = None) -> np.ndarray:
        """Per entry: the best IDF-weighted F1 between the query's lemmas and one of its phrasings,
        or half the query's coverage by the answer's words if that is higher."""
        scores = np.zeros(len(self.entries), dtype=np.float32)
        query = set(lemmas)
        if not query or not len(self._term_index):
            return scores
        query_weight = sum(self._weight(t) for t in query)
        weights = np.zeros(len(self._term_index), dtype=np.float32)
        for t in query:
            j = self._term_index.get(t)
            if j is not None:
                weights[j] = self._idf_vector[j]
        shared = self._phrasing_terms @ weights
        recall = shared / query_weight
        precision = np.divide(shared, self._phrasing_weight, out=np.zeros_like(shared), where=self._phrasing_weight > 0)
        f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros_like(shared), where=shared > 0)
        if exclude_row is not None:
            f1[exclude_row] = 0.0
        np.maximum.at(scores, self._owners, f1)
        coverage = 0.5 * (self._answer_term_matrix @ weights) / query_weight
        return np.maximum(scores, coverage)

    def _dense_parts(self, vector: np.ndarray, exclude_row: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per entry: the best cosine over its question and alternates, and the cosine to its answer."""
        phrasing_sims = self._phrasing_vectors @ vector
        if exclude_row is not None:
            phrasing_sims[exclude_row] = -1.0
        best = np.full(len(self.entries), -1.0, dtype=np.float32)
        np.maximum.at(best, self._owners, phrasing_sims)
        return best, self._answer_vectors @ vector

    @staticmethod
    def combine(dense_best: np.ndarray, answer_sims: np.ndarray, lexical: np.ndarray | None,
                s: RetrievalSettings, mode: str = "hybrid") -> np.ndarray:
        """The one scoring formula: dense = mostly question-to-question, a little question-to-answer;
        hybrid = a weighted sum of dense and lexical. benchmarks/calibrate.py replays it with other weights."""
        dense = (1 - s.answer_weight) * dense_best + s.answer_weight * answer_sims
        if mode == "dense":
            return dense
        if mode == "lexical":
            return lexical
        return s.dense_weight * dense + s.lexical_weight * lexical

    def score_parts(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, _Query]:
        """The raw per-entry similarities of one question, before any weights are applied."""
        query = self._prepare(text)
        best, answer_sims = self._dense_parts(query.vector)
        return best, answer_sims, self._lexical_scores(query.lemmas), query

    @staticmethod
    def top_and_margin(scores: np.ndarray, topics: list[str], k: int) -> tuple[np.ndarray, float, float]:
        """The top k entries, the top score, and its margin over the best entry of another topic among
        them: two entries of one topic agreeing is not doubt."""
        order = np.argsort(-scores)[:k]
        top = int(order[0])
        rival = next((int(i) for i in order[1:] if topics[int(i)] != topics[top]), None)
        return order, float(scores[top]), float(scores[top]) - (float(scores[rival]) if rival is not None else 0.0)

    def rank(self, text: str, k: int = 5, mode: str = "hybrid",
             settings: RetrievalSettings | None = None) -> tuple[list[Candidate], _Query, float]:
        """The top k candidates, the prepared query, and the top score's margin over another topic."""
        s = settings or self.settings
        if not self.entries:
            return [], self._prepare(text), 0.0
        best, answer_sims, lexical, query = self.score_parts(text)
        dense = self.combine(best, answer_sims, None, s, "dense")
        scores = self.combine(best, answer_sims, lexical, s, mode)
        order, _, margin = self.top_and_margin(scores, self._topics, k)
        candidates = [Candidate(self.entries[i], float(scores[i]), float(dense[i]), float(lexical[i])) for i in order]
        return candidates, query, margin

    def phrasing_rows(self, entry_index: int) -> list[int]:
        return [int(r) for r in np.flatnonzero(self._owners == entry_index)]

    def leave_one_out_scores(self, row: int) -> np.ndarray:
        """Hybrid scores of one stored phrasing as a query, with that phrasing removed from the index."""
        best, answer_sims = self._dense_parts(self._phrasing_vectors[row], exclude_row=row)
        lexical = self._lexical_scores(list(self._phrasing_lemmas[row]), exclude_row=row)
        return self.combine(best, answer_sims, lexical, self.settings)

    def decide(self, text: str, mode: str = "hybrid", settings: RetrievalSettings | None = None) -> Decision:
        s = settings or self.settings
        candidates, query, margin = self.rank(text, k=max(5, s.clarify_options), mode=mode, settings=s)
        if not candidates:
            return Decision(HANDOFF, [], 0.0, query=query.text)
        top = candidates[0]
        if top.score >= s.answer_min_score and margin >= s.answer_min_margin:
            return Decision(ANSWER, candidates, margin, query=query.text)
        passage, passage_score = self._best_passage(query.vector)
        if top.score >= s.clarify_min_score:
            return Decision(CLARIFY, candidates, margin, passage, passage_score, query=query.text)
        if passage is not None and passage_score >= s.passage_min_score and mode == "hybrid":
            return Decision(ANSWER, candidates, margin, passage, passage_score, query=query.text)
        return Decision(HANDOFF, candidates, margin, passage, passage_score, query=query.text,
                        off_topic=self._mostly_unknown(query.lemmas))

    def _mostly_unknown(self, lemmas: list[str]) -> bool:
        """More than half of the question's content words are words the FAQ never uses. Counted, not
        IDF-weighted: "how much does kymriah cost" shares only one common word with the content, and
        it is still a question for the program (a hand-off), not an off-topic one."""
        distinct = set(lemmas)
        unknown = sum(1 for lemma in distinct if lemma not in self._idf)
        return bool(distinct) and unknown > len(distinct) / 2

    def _best_passage(self, vector: np.ndarray) -> tuple[Passage | None, float]:
        if not self.passages:
            return None, 0.0
        sims = self._passage_vectors @ vector
        i = int(np.argmax(sims))
        return self.passages[i], float(sims[i])

    def passage_topic(self, passage: Passage) -> str | None:
        """The topic of the FAQ entry whose answer is closest to a passage (passages carry no topic)."""
        if not self.entries:
            return None
        vector = self._embedder.encode_corpus([passage.text])[0]
        return self.entries[int(np.argmax(self._answer_vectors @ vector))].topic
