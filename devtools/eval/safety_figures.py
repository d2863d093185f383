"""Urgent recall and the false-emergency rate of the safety rules, on every message list of tests/data/.

    PYTHONPATH=. .venv/actions/bin/python -m devtools.eval.safety_figures [--rules-dir DIR] [--show] [--no-holdout]

The rule layer alone (bot/safety/, rules in data/safety/), no Rasa model: the figures `make eval` prints
first. The lists of the unit tests' bar are in-sample (the rules were tuned on them); safety_holdout.yml was
written after tuning and never tuned on, so its line is the one that says how the rules carry over.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import yaml

from bot.settings import ROOT

DATA = ROOT / "tests" / "data"
URGENT_LISTS = [("urgent_messages.yml", "messages"), ("urgent_more.yml", "messages"), ("urgent_even_more.yml", "messages")]
NON_URGENT_LISTS = [("non_urgent_messages.yml", "messages"), ("non_urgent_context.yml", "messages"),
                    ("non_urgent_more.yml", "messages")]
HOLDOUT = "safety_holdout.yml"


def load(name: str, key: str) -> list[str]:
    with open(DATA / name, encoding="utf-8") as handle:
        return list(yaml.safe_load(handle)[key])


@dataclass
class Figure:
    name: str
    urgent: bool
    total: int
    wrong: list[str]

    @property
    def rate(self) -> float:
        return (self.total - len(self.wrong)) / self.total if self.urgent else len(self.wrong) / self.total

    def line(self) -> str:
        what = "urgent recall" if self.urgent else "false emergencies"
        count = self.total - len(self.wrong) if self.urgent else len(self.wrong)
        return f"{self.name:<40} {what:<18} {count:>3}/{self.total:<3} = {self.rate:6.1%}"


def figures(detect: Callable[[str], bool], lists: Optional[list[tuple[str, str, bool]]] = None) -> list[Figure]:
    """One Figure per list; `detect(text)` says whether a message is flagged as urgent."""
    if lists is None:
        lists = [(n, k, True) for n, k in URGENT_LISTS] + [(n, k, False) for n, k in NON_URGENT_LISTS]
    out = []
    for name, key, urgent in lists:
        messages = load(name, key)
        wrong = [m for m in messages if detect(m) != urgent]
        out.append(Figure(f"{name}" + (f" ({key})" if key != "messages" else ""), urgent, len(messages), wrong))
    return out


def totals(figs: list[Figure]) -> tuple[Figure, Figure]:
    urgent = [f for f in figs if f.urgent]
    calm = [f for f in figs if not f.urgent]
    return (Figure("all urgent lists", True, sum(f.total for f in urgent), [w for f in urgent for w in f.wrong]),
            Figure("all non-urgent lists", False, sum(f.total for f in calm), [w for f in calm for w in f.wrong]))


def report(detect: Callable[[str], bool], show: bool = False, holdout_too: bool = True) -> list[str]:
    """The lines for every list; `show` lists the misses of the tuning lists only, never of the held-out file
    (reading those would turn it into one more tuning list)."""
    main = figures(detect)
    lines = [f.line() for f in main] + [f.line() for f in totals(main)]
    if holdout_too:
        holdout = figures(detect, [(HOLDOUT, "urgent", True), (HOLDOUT, "non_urgent", False)])
        lines += ["held out (written after tuning, never tuned on; totals only):"] + ["  " + f.line() for f in holdout]
    if show:
        for fig in main:
            lines += [f"  {'missed' if fig.urgent else 'flagged'}: {text}" for text in fig.wrong]
    return lines


def eval_case_figures(detect: Callable[[str], bool], show: bool = False, holdout_too: bool = True) -> list[str]:
    """The rule layer on the evaluation cases: turns that expect only the emergency reply, and turns that do
    not accept it. Held-out (`frozen:`) files give totals only, and nothing with `holdout_too=False`."""
    from devtools.eval.cases import (DEV_CONVERSATIONS, DEV_FILE, HELDOUT_CONVERSATIONS, HELDOUT_FILE, PARAPHRASES_FILE,
                                     TUNING_FILE, load_file)

    lines = []
    for path in (DEV_FILE, DEV_CONVERSATIONS, TUNING_FILE, PARAPHRASES_FILE, HELDOUT_FILE, HELDOUT_CONVERSATIONS):
        if not path.exists():
            continue
        case_file = load_file(path)
        if case_file.frozen and not holdout_too:
            continue
        cases = case_file.cases + [t for c in case_file.conversations for t in c.turns]
        urgent = [c.text for c in cases if set(c.kinds) == {"emergency"}]
        calm = [c.text for c in cases if "emergency" not in c.kinds]
        for fig in (Figure(case_file.name, True, len(urgent), [t for t in urgent if not detect(t)]),
                    Figure(case_file.name, False, len(calm), [t for t in calm if detect(t)])):
            if fig.total:
                lines.append(fig.line() + ("  (held out)" if case_file.frozen else ""))
                if show and not case_file.frozen:
                    lines += [f"  {'missed' if fig.urgent else 'flagged'}: {text}" for text in fig.wrong]
    return lines


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules-dir", type=Path, default=None, help="another folder of rule files (default data/safety)")
    parser.add_argument("--show", action="store_true", help="also list each missed or wrongly flagged message")
    # While rules are being tuned the held-out figures are better not seen at all: looking after every edit
    # is tuning on them by another route. Print them once, when the tuning is done.
    parser.add_argument("--no-holdout", action="store_true", help="leave out the held-out files (while tuning the rules)")
    args = parser.parse_args(argv)
    from bot.safety import SafetyChecker, get_checker

    checker = get_checker() if args.rules_dir is None else SafetyChecker(rules_dir=args.rules_dir)
    started = time.perf_counter()
    lines = report(lambda text: checker.urgent_symptom(text) is not None, args.show, not args.no_holdout)
    print("Safety rules (bot/safety, data/safety), the rule layer alone:")
    for line in lines:
        print("  " + line)
    print("  evaluation cases (a turn that expects only the emergency reply / one that does not accept it):")
    for line in eval_case_figures(lambda text: checker.urgent_symptom(text) is not None, args.show, not args.no_holdout):
        print("    " + line)
    print(f"  ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
