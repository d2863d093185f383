"""Retrieval alone, in process: the same index, scores and decision the action server uses, replayed fast.

`compute` asks the index once per case and keeps the similarities; `replay` then decides every case for
any weights and bands with bot/retrieval/scorer.py's own functions and maps the decision to a reply the
way bot/answering.py's `act_on` does, so calibration and evaluation measure what families would get.
Urgent-symptom and personal-decision checks (bot/safety.py) run first, as in `respond`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from bot.answering import LANGUAGE, OFF_TOPIC, TREATMENT_DECISION, plainly_off_topic
from bot.content.handoffs import route_by_terms
from bot.retrieval.index import ANSWER as ANSWER_TARGET
from bot.retrieval.index import FEATURES, RetrievalIndex, Target
from bot.retrieval.scorer import ANSWER, CLARIFY, RetrievalSettings, assess, group_of
from bot.safety import get_checker
from bot.text import looks_spanish
from devtools.eval.cases import DEV_FILE, PARAPHRASES_FILE, TUNING_FILE, Case, Got, load_file

# The kinds that retrieval decides (the others come from Rasa's intents: greetings, the eligibility check).
RETRIEVAL_KINDS = ("answer", "handoff", "out_of_scope", "clarify")


def retrieval_cases(cases: list[Case]) -> list[Case]:
    return [c for c in cases if c.primary_kind in RETRIEVAL_KINDS]


def tuning_pool() -> list[Case]:
    """The labelled tuning questions that retrieval decides (tuning, paraphrases and dev; never held out):
    what calibration, model selection and the peers' out-of-fold column use."""
    return [c for f in (TUNING_FILE, PARAPHRASES_FILE, DEV_FILE) if f.exists() for c in retrieval_cases(load_file(f).cases)]


@dataclass
class FeatureSet:
    cases: list[Case]
    values: np.ndarray        # (cases, targets, features)
    unknown: np.ndarray       # (cases,) share of words the content never uses
    urgent: np.ndarray        # (cases,) bool
    decision: np.ndarray      # (cases,) bool: asks for a decision about one patient
    spanish: np.ndarray       # (cases,) bool: written in Spanish
    named: list               # (cases,) the route a message names by one of its terms, or None
    ms: np.ndarray            # (cases,) feature time per case
    targets: list[Target]
    glossed: np.ndarray       # (cases, targets, features): a Spanish message read through the glossary (else 0)
    glossed_unknown: np.ndarray  # (cases,) the glossed reading's share of unknown words

    def subset(self, rows) -> "FeatureSet":
        rows = np.asarray(rows)
        return FeatureSet([self.cases[i] for i in rows], self.values[rows], self.unknown[rows], self.urgent[rows],
                          self.decision[rows], self.spanish[rows], [self.named[i] for i in rows], self.ms[rows],
                          self.targets, self.glossed[rows], self.glossed_unknown[rows])


def compute(index: RetrievalIndex, cases: list[Case]) -> FeatureSet:
    checker = get_checker()
    index.features("warm up the tagger and the encoder")
    values, unknown, urgent, decision, ms = [], [], [], [], []
    for case in cases:
        started = time.perf_counter()
        features = index.features(case.text)
        ms.append((time.perf_counter() - started) * 1000)
        values.append(features.values)
        unknown.append(features.query.unknown_share)
        urgent.append(bool(checker.urgent_symptom(case.text)))
        decision.append(bool(checker.personal_medical_decision(case.text)))
    spanish = np.array([looks_spanish(c.text) for c in cases], dtype=bool)
    named = [route_by_terms(index.content.routes, c.text) for c in cases]
    stacked = np.stack(values) if values else np.zeros((0, len(index.targets), len(FEATURES)), dtype=np.float32)
    glossed, glossed_unknown = np.zeros_like(stacked), np.zeros(len(cases))
    glossary = index.content.glossary
    for i in np.flatnonzero(spanish) if glossary else []:
        read = index.features(glossary.read(cases[i].text))
        glossed[i], glossed_unknown[i] = read.values, read.query.unknown_share
    return FeatureSet(list(cases), stacked, np.array(unknown), np.array(urgent, dtype=bool),
                      np.array(decision, dtype=bool), spanish, named, np.array(ms), index.targets, glossed,
                      glossed_unknown)


def _confident(target: Target | None, band: str) -> Got | None:
    """As bot/answering.py's `_confident`: a reason or near miss near the top, or a confident answer."""
    if target is not None and band in (ANSWER, CLARIFY) and target.kind != ANSWER_TARGET:
        return Got(target.kind, None, None, reason=target.reason)
    if band == ANSWER and target is not None:
        return Got("answer", target.topic, target.id)
    return None


def reply_for(target: Target | None, band: str, off_topic: bool, clarified: bool = True) -> Got:
    """The reply kind bot/answering.py's `act_on` gives for a decision (first unsure turn: clarify)."""
    confident = _confident(target, band)
    if confident is not None:
        return confident
    if band == CLARIFY:
        return Got("clarify", target.topic if target else None) if clarified else Got("handoff", reason="unsure")
    if off_topic:
        return Got("out_of_scope", reason=OFF_TOPIC)
    return Got("handoff", reason="no_answer")


def _in_spanish(fs: FeatureSet, i: int, own: Target, own_band: str, groups, settings: RetrievalSettings) -> Got:
    """As bot/answering.py's in_spanish: what the glossed reading finds, else a reason the Spanish text names."""
    if fs.glossed[i].any():
        read = assess(fs.glossed[i], groups, float(fs.glossed_unknown[i]), settings)
        confident = _confident(fs.targets[int(read.order[0])], read.band)
        if confident is not None:
            return confident
    if own.kind == "handoff" and own_band == ANSWER:
        return Got("handoff", reason=own.reason)
    return Got("handoff", reason=LANGUAGE)


def replay(fs: FeatureSet, settings: RetrievalSettings) -> list[Got]:
    groups = [group_of(t) for t in fs.targets]
    out = []
    for i in range(len(fs.cases)):
        if fs.urgent[i]:
            out.append(Got("emergency", ms=float(fs.ms[i])))
            continue
        if fs.decision[i]:
            out.append(Got("handoff", reason=TREATMENT_DECISION, ms=float(fs.ms[i])))
            continue
        if fs.named[i] is not None:
            out.append(Got(fs.named[i].kind, reason=fs.named[i].id, ms=float(fs.ms[i])))
            continue
        a = assess(fs.values[i], groups, float(fs.unknown[i]), settings)
        band, off_topic, sure = a.band, a.off_topic, a.confidence
        target = fs.targets[int(a.order[0])]
        if fs.spanish[i]:
            got = _in_spanish(fs, i, target, band, groups, settings)
        else:
            got = reply_for(target, band, plainly_off_topic(off_topic, fs.cases[i].text))
        got.score, got.ms = sure, float(fs.ms[i])
        out.append(got)
    return out
