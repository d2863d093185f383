"""Who decides an emergency: the safety rules or the intent classifier, on every labelled message we may read.

    PYTHONPATH=. .venv/rasa/bin/python -m devtools.benchmarks.emergency_routing

Parses each message with the served Rasa model (models/current.tar.gz, the rasa env) and counts, per group,
the messages the rules flag (entity `symptom`) and those the classifier alone called `report_emergency`
(EmergencyIntentOverride demotes them and marks them `urgent_hint`). Urgent: the urgent lists of tests/data
and the evaluation cases whose only accepted reply is the emergency one; non-urgent: the rest. The held-out
files (`frozen:` evaluation files, tests/data/safety_holdout.yml) are left out: their messages are not read.
"""
from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field

from devtools.eval.cases import DEV_FILE, PARAPHRASES_FILE, TUNING_FILE, load_file
from devtools.eval.report import footer
from devtools.eval.safety_figures import NON_URGENT_LISTS, URGENT_LISTS, load
from bot.settings import ROOT

MODEL = ROOT / "models" / "current.tar.gz"


@dataclass
class Group:
    name: str
    texts: list[str] = field(default_factory=list)
    rule: int = 0
    classifier_only: list[str] = field(default_factory=list)


def groups() -> tuple[Group, Group]:
    urgent, non_urgent = Group("urgent"), Group("non-urgent")
    for name, key in URGENT_LISTS:
        urgent.texts += load(name, key)
    for name, key in NON_URGENT_LISTS:
        non_urgent.texts += load(name, key)
    for path in (TUNING_FILE, PARAPHRASES_FILE, DEV_FILE):
        for case in load_file(path).cases:
            (urgent if set(case.kinds) == {"emergency"} else non_urgent).texts.append(case.text)
    return urgent, non_urgent


async def measure(found: tuple[Group, Group]) -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(str(MODEL))
    for group in found:
        for text in group.texts:
            parsed = await agent.parse_message(text)
            names = {e.get("entity") for e in parsed.get("entities") or []}
            group.rule += "symptom" in names
            if "urgent_hint" in names:
                group.classifier_only.append(text)


def main() -> int:
    if not MODEL.exists():
        print("error: no trained model; run `make train`", file=sys.stderr)
        return 2
    urgent, non_urgent = found = groups()
    asyncio.run(measure(found))
    print("| messages | count | flagged by the rules | the classifier alone said report_emergency |")
    print("|---|---|---|---|")
    for group in found:
        print(f"| {group.name} | {len(group.texts)} | {group.rule} | {len(group.classifier_only)} |")
    print("\nthe classifier alone, on non-urgent messages (answered, with the urgent-care line):")
    for text in non_urgent.classifier_only:
        print(f"  - {text!r}")
    print(f"\nurgent messages only the classifier caught: {len(urgent.classifier_only)}")
    footer("devtools.benchmarks.emergency_routing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
