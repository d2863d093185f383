"""From similarities to a decision: rank the targets, then answer, ask which one was meant, or give up.

The score of a target is a weighted sum of its similarities (bot/retrieval/index.py FEATURES). The
confidence that the top target is the right one is the top score itself or, when config.yml has an
`acceptor`, a logistic model over what separates right from wrong tops (the score, its margin over
another topic, whether the dense and lexical sides agree, the share of unknown words, ...). The top
target is acted on when the confidence clears `answer_min_score` and its margin `answer_min_margin`;
between that and `clarify_min_score` the assistant offers the top entries as choices; below, nothing is
close. Weights, acceptor and bands are calibrated out of fold on labelled questions
(devtools/eval/calibrate.py) and live in config.yml `assistant.retrieval`, never here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bot.retrieval.index import FEATURES, Features, Query, RetrievalIndex, Target

ANSWER, CLARIFY, NOTHING = "answer", "clarify", "nothing"
CONFIDENCE_INPUTS = ("top", "margin", "dense", "dense_bare", "lexical", "lexical_agrees", "dense_agrees",
                     "unknown_share", "is_route")


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
    # {weights: {input: w}, bias: b, c: C} over CONFIDENCE_INPUTS, or None: the bands then apply to the top
    # score. `c` only records the regularisation it was fitted with (devtools/eval/calibrate.py refits with it).
    acceptor: dict | None

    @classmethod
    def from_mapping(cls, values: dict) -> "RetrievalSettings":
        values = values or {}
        missing = [k for k in cls.__dataclass_fields__ if k not in values]
        if missing:
            raise ValueError("config.yml assistant.retrieval is missing " + ", ".join(missing))
        unknown = [k for k in values.get("weights") or {} if k not in FEATURES]
        if unknown:
            raise ValueError(f"config.yml assistant.retrieval.weights has unknown features {unknown} (known: {', '.join(FEATURES)})")
        acceptor = values.get("acceptor")
        if acceptor is not None:
            if not isinstance(acceptor, dict) or "bias" not in acceptor or not isinstance(acceptor.get("weights"), dict):
                raise ValueError("config.yml assistant.retrieval.acceptor needs weights and bias (or null)")
            unknown = [k for k in acceptor["weights"] if k not in CONFIDENCE_INPUTS]
            if unknown:
                raise ValueError(f"acceptor has unknown inputs {unknown} (known: {', '.join(CONFIDENCE_INPUTS)})")
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
    confidence: float = 0.0
    # Nothing is close and most of the question's words never occur in the content (weather, taxes).
    off_topic: bool = False
    features: Features | None = field(default=None, repr=False)

    @property
    def top(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def group_of(target: Target) -> str:
    """Two candidates of one group agreeing is not doubt: entries group by topic, reasons by reason
    (RetrievalIndex.groups holds this for every target)."""
    return target.topic or target.id


def top_and_margin(values: np.ndarray, groups: list[str], k: int) -> tuple[np.ndarray, float, float]:
    """The top k targets, the top score, and its margin over the best target of another group among them."""
    order = np.argsort(-values)[:k]
    top = int(order[0])
    rival = next((int(i) for i in order[1:] if groups[int(i)] != groups[top]), None)
    return order, float(values[top]), float(values[top]) - (float(values[rival]) if rival is not None else 0.0)


def confidence_inputs(features: np.ndarray, values: np.ndarray, order: np.ndarray, margin: float,
                      groups: list[str], unknown_share: float) -> np.ndarray:
    """What the acceptor looks at, in CONFIDENCE_INPUTS order, for one question's top target."""
    top = int(order[0])
    row = features[top]
    lexical_top = int(np.argmax(features[:, FEATURES.index("lexical")]))
    dense_top = int(np.argmax(features[:, FEATURES.index("dense")]))
    return np.array([values[top], margin, row[FEATURES.index("dense")], row[FEATURES.index("dense_bare")],
                     row[FEATURES.index("lexical")], float(groups[lexical_top] == groups[top]),
                     float(groups[dense_top] == groups[top]), unknown_share, row[FEATURES.index("is_route")]],
                    dtype=np.float64)


def confidence(inputs: np.ndarray, acceptor: dict | None) -> float:
    if acceptor is None:
        return float(inputs[0])
    z = float(acceptor["bias"]) + sum(float(acceptor["weights"].get(name, 0.0)) * x
                                      for name, x in zip(CONFIDENCE_INPUTS, inputs))
    return 1.0 / (1.0 + np.exp(-z))


def band_of(top: float, margin: float, unknown_share: float, s: RetrievalSettings) -> tuple[str, bool]:
    """The band for a confidence and margin, and whether "nothing close" means "off topic"."""
    if top >= s.answer_min_score and margin >= s.answer_min_margin:
        return ANSWER, False
    off_topic = unknown_share >= s.off_topic_min_unknown
    # Most words unknown to the content and only a fair match ("zxq blorf quantum parking" near the travel
    # reason by one word): off topic, never "did you mean" or a hand-off reason.
    if top >= s.clarify_min_score and not off_topic:
        return CLARIFY, False
    return NOTHING, off_topic


@dataclass(frozen=True)
class Assessment:
    order: np.ndarray        # the top targets, best first
    values: np.ndarray       # every target's score
    margin: float
    confidence: float
    band: str
    off_topic: bool


def assess(feature_values: np.ndarray, groups: list[str], unknown_share: float, settings: RetrievalSettings) -> Assessment:
    """Scores, ranking, confidence and band of one question: the one decision path, shared by the assistant,
    the editors' check and the evaluation's replay."""
    values = feature_values @ settings.weight_vector()
    order, _, margin = top_and_margin(values, groups, max(8, settings.clarify_options))
    sure = confidence(confidence_inputs(feature_values, values, order, margin, groups, unknown_share), settings.acceptor)
    band, off_topic = band_of(sure, margin, unknown_share, settings)
    return Assessment(order, values, margin, sure, band, off_topic)


def decide(index: RetrievalIndex, text: str, settings: RetrievalSettings, features: Features | None = None) -> Decision:
    features = features or index.features(text)
    if not index.targets:
        return Decision(NOTHING, [], 0.0, features.query, features=features)
    a = assess(features.values, index.groups, features.query.unknown_share, settings)
    candidates = [Candidate(index.targets[int(i)], float(a.values[int(i)]), int(i)) for i in a.order]
    return Decision(a.band, candidates, a.margin, features.query, a.confidence, a.off_topic, features)
