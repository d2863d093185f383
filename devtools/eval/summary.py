"""The end-to-end summaries `make eval` prints: per kind, per hand-off reason, per topic, per style, and for
conversations per turn, per follow-up and per conversation. Misses are listed only for files that are
not frozen: a held-out set's misses are never printed, so nobody tunes to them by reading them."""
from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from devtools.eval.cases import Case, CaseFile, Got, matches, matches_kind_and_topic
from devtools.eval.metrics import measure, median, pct, percentile, ratio
from devtools.eval.replay import ConversationResult


def _group(title: str, keys: Sequence[str], cases: Sequence[Case], ok: Sequence[bool]) -> None:
    buckets: dict[str, list[bool]] = defaultdict(list)
    for key, good in zip(keys, ok):
        if key:
            buckets[key].append(good)
    print(title)
    for key in sorted(buckets):
        values = buckets[key]
        print(f"  {key:<26} {ratio(sum(values), len(values))}")


def cases_summary(file: CaseFile, cases: list[Case], gots: list[Got], where: str) -> dict:
    ok = [matches(c, g) for c, g in zip(cases, gots)]
    m = measure(cases, gots)
    label = "held out, frozen " + file.frozen if file.frozen else "not frozen: tuning or development data"
    print(f"\n== End to end: {file.name} ({len(cases)} cases, {label}; {where})")
    print(f"right                            {ratio(m.right, m.n)}")
    loose = sum(matches_kind_and_topic(c, g) for c, g in zip(cases, gots))
    print(f"right by kind and topic only     {ratio(loose, m.n)}  (the shared eval format's rule: hand-off reasons not checked)")
    _group("by expected kind (first acceptable kind):", [c.primary_kind for c in cases], cases, ok)
    _group("hand-offs by reason:", [c.reason if c.wants_person else "" for c in cases], cases, ok)
    _group("by topic (cases that accept an answer):", [(c.answer_topic or "(any)") if c.in_scope else "" for c in cases], cases, ok)
    if any(c.style for c in cases):
        _group("by style:", [c.style for c in cases], cases, ok)
    print(f"clarify rate (in-scope cases)    {ratio(m.clarified, m.n_in)}")
    print(f"wrong answers (all cases)        {ratio(m.wrong, m.n)}")
    print(f"out-of-scope answered            {ratio(m.oos_answered, m.n_oos)}")
    print(f"hand-off cases right             {ratio(m.handoff_right, m.n_handoff)}")
    bad = sum(g.payloads != 1 for g in gots)
    print(f"turns without exactly one payload {bad}")
    latencies = [g.ms for g in gots if g.kind != "error"]
    print(f"latency median / p95             {median(latencies):.0f} / {percentile(latencies, 95):.0f} ms")
    if not file.frozen:
        misses = [i for i, good in enumerate(ok) if not good]
        print(f"misses ({len(misses)}):" if misses else "misses: none")
        for i in misses:
            print(f"  - {cases[i].text!r}\n      expected {cases[i].describe_expect()}; got {gots[i].describe()}")
    return {"metrics": m}


def conversations_summary(file: CaseFile, results: list[ConversationResult], where: str) -> dict:
    label = "held out, frozen " + file.frozen if file.frozen else "not frozen"
    turns = [(t, g) for r in results for t, g in zip(r.conversation.turns, r.gots)]
    ok = [matches(t, g) for t, g in turns]
    follow = [good for (t, _), good in zip(turns, ok) if "follow_up" in t.tags]
    urgent = [good for (t, _), good in zip(turns, ok) if t.primary_kind == "emergency"]
    whole = [all(r.right) for r in results]
    print(f"\n== Conversations end to end: {file.name} ({len(results)} conversations, {len(turns)} turns, {label}; {where})")
    print(f"turns right                      {ratio(sum(ok), len(ok))}")
    loose = sum(matches_kind_and_topic(t, g) for t, g in turns)
    print(f"turns right by kind and topic only {ratio(loose, len(turns))}  (hand-off reasons not checked)")
    print(f"follow-up turns right            {ratio(sum(follow), len(follow))}")
    print(f"urgent turns given the emergency reply {ratio(sum(urgent), len(urgent))}")
    print(f"whole conversations right        {ratio(sum(whole), len(whole))}")
    tags: dict[str, list[bool]] = defaultdict(list)
    for (t, _), good in zip(turns, ok):
        for tag in t.tags:
            tags[tag].append(good)
    print("turns by tag:")
    for tag in sorted(tags):
        print(f"  {tag:<26} {ratio(sum(tags[tag]), len(tags[tag]))}")
    bad = sum(g.payloads != 1 for _, g in turns)
    print(f"turns without exactly one payload {bad}")
    if not file.frozen:
        for r in results:
            for j, (t, g) in enumerate(zip(r.conversation.turns, r.gots)):
                if not matches(t, g):
                    print(f"  - {r.conversation.id} turn {j + 1} {t.text!r}: expected {t.describe_expect()}; got {g.describe()}")
    return {"turns": (sum(ok), len(ok)), "follow": (sum(follow), len(follow))}


__all__ = ["cases_summary", "conversations_summary", "pct"]
