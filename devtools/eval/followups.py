"""`python -m devtools.eval.followups`: conversations replayed in process, for the turns retrieval decides.

`make eval` replays conversations end to end over REST (Rasa's intents, forms and slots included), which
takes minutes. This replays the same files through `bot.answering.respond` alone, carrying the context the
action server keeps in Rasa's slots (`last_faq_id` after an answer, `unsure_count`), so that a change to
how follow-ups are read can be measured in seconds. Turns that Rasa decides (small talk, the eligibility
check) are not scored here; an urgent turn is, because `respond` checks the safety rules first.

Held-out files (`frozen:`) print totals only. `--show` lists the misses of the files that are not frozen.
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict

import torch

from bot.answering import respond
from bot.live import LiveContent
from bot.settings import load_settings
from devtools.eval.cases import (DEV_CONVERSATIONS, HELDOUT_CONVERSATIONS, TUNING_CONVERSATIONS, CaseFile, Got,
                                 load_file, matches)
from devtools.eval.metrics import ratio
from devtools.eval.report import footer

FILES = [TUNING_CONVERSATIONS, DEV_CONVERSATIONS, HELDOUT_CONVERSATIONS]
RASA_KINDS = ("smalltalk", "eligibility")


def replay_file(snapshot, file: CaseFile) -> list[tuple[object, Got, bool]]:
    """(turn, reply, right) for every scored turn of the file's conversations."""
    out = []
    for conversation in file.conversations:
        last_faq_id, unsure = None, 0
        for turn in conversation.turns:
            if turn.primary_kind in RASA_KINDS:
                continue
            outcome = respond(snapshot, turn.text, unsure_count=unsure, last_faq_id=last_faq_id)
            got = Got(outcome.kind, outcome.topic, outcome.faq_id, reason=outcome.reason)
            out.append((turn, got, matches(turn, got)))
            unsure = outcome.unsure_count
            if outcome.kind == "answer" and outcome.faq_id:
                last_faq_id = outcome.faq_id
    return out


def summary(file: CaseFile, results, show: bool) -> None:
    label = "held out, frozen " + file.frozen if file.frozen else "not frozen"
    print(f"\n== {file.name} ({len(file.conversations)} conversations, {len(results)} turns scored; {label})")
    print(f"turns right              {ratio(sum(r for _, _, r in results), len(results))}")
    by_tag: dict[str, list[bool]] = defaultdict(list)
    for turn, _, right in results:
        for tag in turn.tags or ("(untagged)",):
            by_tag[tag].append(right)
    for tag in sorted(by_tag):
        print(f"  {tag:<22} {ratio(sum(by_tag[tag]), len(by_tag[tag]))}")
    if show and not file.frozen:
        for turn, got, right in results:
            if not right:
                print(f"  - {turn.text!r}\n      expected {turn.describe_expect()}; got {got.describe()}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.eval.followups", description=__doc__)
    parser.add_argument("--show", action="store_true", help="list the misses of files that are not frozen")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    snapshot = LiveContent(load_settings()).snapshot
    for path in FILES:
        if path.exists():
            file = load_file(path)
            summary(file, replay_file(snapshot, file), args.show)
    footer("devtools.eval.followups", argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
