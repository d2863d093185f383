"""From similarities to a decision: rank the targets, then answer, ask which one was meant, or give up.

The score of a target is a weighted sum of its similarities (bot/retrieval/index.py FEATURES); the
weights and the three bands are calibrated out of fold on labelled questions (devtools/eval/calibrate.py)
and live in config.yml `assistant.retrieval`, never here. The top target is acted on when its score
clears `answer_min_score` and beats the best target of another topic by `answer_min_margin`; between
that and `clarify_min_score` the assistant offers the top entries as choices; below, nothing is close.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bot.retrieval.index import FEATURES, Features, Query, RetrievalIndex, Target

ANSWER, CLARIFY, NOTHING = "answer", "clarify", "nothing"


@dataclass(frozen=True)
class RetrievalSettings:
    generic_min_share: float
    weights: dict
    answer_min_score: float
    answer_min_margin: float
    clarify_min_score: float
    off_topic_min_unknown: float
    max_follow_ups: int
    clarify_options: int

    @classmethod
    def from_mapping(cls, values: dict) -> "RetrievalSettings":
        values = values or {}
        missing = [k for k in cls.__dataclass_fields__ if k not in values]
        if missing:
            raise ValueError("config.yml assistant.retrieval is missing " + ", ".join(missing))
        unknown = [k for k in values.get("weights") or {} if k not in FEATURES]
        if unknown:
            raise ValueError(f"config.yml assistant.retrieval.weights has unknown features {unknown} (known: {', '.join(FEATURES)})")
        return cls(**{k: values[k] for k in cls.__dataclass_fields__})

    def weight_vector(self) -> np.ndarray:
        return np.array([float(self.weights.get(f, 0.0)) for f in FEATURES], dtype=np.float32)


@dataclass(frozen=True)
class Candidate:
    target: Target
    score: float
    index: int


@dataclass
class Decision:
    band: str
    candidates: list[Candidate]
    margin: float
    query: Query
    # Nothing is close and most of the question's words never occur in the content (weather, taxes).
    off_topic: bool = False
    features: Features | None = field(default=None, repr=False)

    @property
    def top(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def group_of(target: Target) -> str:
    """Two candidates of one group agreeing is not doubt: entries group by topic, reasons by reason."""
    return target.topic or target.id


def scores(features: Features, settings: RetrievalSettings) -> np.ndarray:
    return features.values @ settings.weight_vector()


def top_and_margin(values: np.ndarray, groups: list[str], k: int) -> tuple[np.ndarray, float, float]:
    """The top k targets, the top score, and its margin over the best target of another group among them."""
    order = np.argsort(-values)[:k]
    top = int(order[0])
    rival = next((int(i) for i in order[1:] if groups[int(i)] != groups[top]), None)
    return order, float(values[top]), float(values[top]) - (float(values[rival]) if rival is not None else 0.0)


def band_of(top: float, margin: float, unknown_share: float, s: RetrievalSettings) -> tuple[str, bool]:
    """The band for a top score and margin, and whether "nothing close" means "off topic"."""
    if top >= s.answer_min_score and margin >= s.answer_min_margin:
        return ANSWER, False
    if top >= s.clarify_min_score:
        return CLARIFY, False
    return NOTHING, unknown_share >= s.off_topic_min_unknown


def decide(index: RetrievalIndex, text: str, settings: RetrievalSettings, features: Features | None = None) -> Decision:
    features = features or index.features(text)
    if not index.targets:
        return Decision(NOTHING, [], 0.0, features.query, features=features)
    values = scores(features, settings)
    groups = [group_of(t) for t in index.targets]
    order, top, margin = top_and_margin(values, groups, max(8, settings.clarify_options))
    band, off_topic = band_of(top, margin, features.query.unknown_share, settings)
    candidates = [Candidate(index.targets[int(i)], float(values[int(i)]), int(i)) for i in order]
    return Decision(band, candidates, margin, features.query, off_topic, features)
