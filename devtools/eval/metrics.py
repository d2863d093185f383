"""What is measured, defined once for every method (the assistant end to end, retrieval alone, the peers).

- right: the reply matches one of the case's acceptable expectations (kind, and topic/reason when given);
- clarify rate: of the cases that accept an FAQ answer, the share that got "Did you mean...";
- wrong answers: of all cases, the share that got an FAQ answer the case does not accept;
- out-of-scope answered: of the cases whose first expectation is out_of_scope, the share given an answer;
- handoff right: of the cases whose first expectation is a hand-off, the share that got an acceptable reply.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from devtools.eval.cases import Case, Got, matches


@dataclass
class Metrics:
    n: int
    right: int
    n_in: int
    in_right: int
    clarified: int
    wrong: int
    n_oos: int
    oos_answered: int
    n_handoff: int
    handoff_right: int

    @property
    def accuracy(self) -> float:
        return self.right / self.n if self.n else math.nan

    @property
    def in_scope_accuracy(self) -> float:
        return self.in_right / self.n_in if self.n_in else math.nan

    @property
    def clarify_rate(self) -> float:
        return self.clarified / self.n_in if self.n_in else math.nan

    @property
    def wrong_rate(self) -> float:
        return self.wrong / self.n if self.n else math.nan

    @property
    def oos_rate(self) -> float:
        return self.oos_answered / self.n_oos if self.n_oos else math.nan

    @property
    def handoff_accuracy(self) -> float:
        return self.handoff_right / self.n_handoff if self.n_handoff else math.nan


def measure(cases: Sequence[Case], gots: Sequence[Got]) -> Metrics:
    ok = [matches(c, g) for c, g in zip(cases, gots)]
    inside = [i for i, c in enumerate(cases) if c.in_scope]
    oos = [i for i, c in enumerate(cases) if c.out_of_scope]
    handoff = [i for i, c in enumerate(cases) if c.wants_person]
    return Metrics(
        n=len(cases), right=sum(ok),
        n_in=len(inside), in_right=sum(ok[i] for i in inside),
        clarified=sum(gots[i].kind == "clarify" for i in inside),
        wrong=sum(g.kind == "answer" and not ok_ for g, ok_ in zip(gots, ok)),
        n_oos=len(oos), oos_answered=sum(gots[i].kind == "answer" for i in oos),
        n_handoff=len(handoff), handoff_right=sum(ok[i] for i in handoff),
    )


def pct(x: float) -> str:
    return "n/a" if x != x else f"{100 * x:.1f}%"


def ratio(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.1f}%)" if whole else f"{part}/0 (n/a)"


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(max(1, math.ceil(q / 100 * len(ordered))), len(ordered)) - 1]


def median(values: Sequence[float]) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
