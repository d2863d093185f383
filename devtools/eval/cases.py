"""Labelled evaluation cases and conversations, and what counts as a right reply.

Format (../shared/eval/README.md): a case is `{text, expect}`, `expect` one mapping or a list of
acceptable ones, each with `kind` and optionally `topic` and `reason`. A conversation is `{id, turns}`,
each turn a case with optional `tags` (follow_up, urgent, form, ...). A file with `frozen:` at its top
is held out: its misses are counted, never printed, so nobody tunes to them by reading them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.settings import ROOT

SHARED_EVAL = ROOT.parent / "shared" / "eval"
DEV_FILE = SHARED_EVAL / "dev.yml"
DEV_CONVERSATIONS = SHARED_EVAL / "dev_conversations.yml"
TUNING_FILE = ROOT / "tests" / "eval" / "tuning.yml"
PARAPHRASES_FILE = ROOT / "tests" / "eval" / "paraphrases.yml"
HELDOUT_FILE = ROOT / "tests" / "eval" / "heldout.yml"
HELDOUT_CONVERSATIONS = ROOT / "tests" / "eval" / "conversations.yml"
TUNING_CONVERSATIONS = ROOT / "tests" / "eval" / "conversations_tuning.yml"
KINDS = ("answer", "clarify", "handoff", "emergency", "out_of_scope", "smalltalk", "eligibility")


@dataclass(frozen=True)
class Case:
    text: str
    expects: tuple[dict, ...]
    file: str
    style: str = ""
    tags: tuple[str, ...] = ()

    @property
    def kinds(self) -> list[str]:
        return [e["kind"] for e in self.expects]

    @property
    def primary_kind(self) -> str:
        return self.expects[0]["kind"]

    @property
    def in_scope(self) -> bool:
        """Expects an answer from the FAQ (possibly among other acceptable replies)."""
        return "answer" in self.kinds

    @property
    def out_of_scope(self) -> bool:
        return "out_of_scope" in self.kinds and "answer" not in self.kinds

    @property
    def wants_person(self) -> bool:
        return self.primary_kind == "handoff"

    @property
    def answer_topic(self) -> str | None:
        return next((e.get("topic") for e in self.expects if e["kind"] == "answer"), None)

    @property
    def reason(self) -> str | None:
        return next((e.get("reason") for e in self.expects if e["kind"] == self.primary_kind), None)

    def topic_ok(self, topic: str | None) -> bool:
        return any(e["kind"] == "answer" and e.get("topic") in (None, topic) for e in self.expects)

    def describe_expect(self) -> str:
        return " | ".join(e["kind"] + "".join(f"/{e[k]}" for k in ("topic", "reason") if e.get(k)) for e in self.expects)


@dataclass
class Got:
    """What a method replied: the reply contract's fields that matter for scoring."""

    kind: str
    topic: str | None = None
    faq_id: str | None = None
    score: float | None = None
    reason: str | None = None
    ms: float = 0.0
    note: str = ""
    payloads: int = 1

    def describe(self) -> str:
        score = f"{self.score:.3f}" if isinstance(self.score, (int, float)) else "-"
        extra = f"/{self.reason}" if self.reason else ""
        return f"{self.kind}{extra}/{self.topic or '-'}/{self.faq_id or '-'}/{score}" + (f" ({self.note})" if self.note else "")


def matches(case: Case, got: Got) -> bool:
    return any(e["kind"] == got.kind and e.get("topic") in (None, got.topic) and e.get("reason") in (None, got.reason)
               for e in case.expects)


def matches_kind_and_topic(case: Case, got: Got) -> bool:
    """The rule of ../shared/eval/README.md, by which the separate held-out set is judged: kind, and topic when
    given. `reason` is this project's own stricter check (a hand-off for the wrong reason is a miss in `matches`)."""
    return any(e["kind"] == got.kind and e.get("topic") in (None, got.topic) for e in case.expects)


@dataclass(frozen=True)
class Conversation:
    id: str
    turns: tuple[Case, ...]
    file: str
    style: str = ""


@dataclass
class CaseFile:
    path: Path
    name: str
    frozen: str | None
    cases: list[Case] = field(default_factory=list)
    conversations: list[Conversation] = field(default_factory=list)


def display_path(path: Path) -> str:
    path = Path(path).resolve()
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return os.path.relpath(path, ROOT)


def _case(item: dict, where: str, name: str) -> Case:
    expect = item.get("expect")
    expects = tuple(expect if isinstance(expect, list) else [expect])
    if not item.get("text") or not expects or not all(isinstance(e, dict) and e.get("kind") in KINDS for e in expects):
        raise ValueError(f"{where} needs `text` and `expect` with a known `kind`: {item!r}")
    return Case(str(item["text"]), expects, name, str(item.get("style") or ""), tuple(item.get("tags") or ()))


def load_file(path: Path) -> CaseFile:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    name = display_path(path)
    frozen = str(data["frozen"]) if data.get("frozen") else None
    out = CaseFile(Path(path), name, frozen)
    for i, item in enumerate(data.get("cases") or []):
        out.cases.append(_case(item, f"{name}: case {i + 1}", name))
    for i, item in enumerate(data.get("conversations") or []):
        turns = tuple(_case(t, f"{name}: conversation {item.get('id') or i + 1}, turn {j + 1}", name)
                      for j, t in enumerate(item.get("turns") or []))
        if not turns:
            raise ValueError(f"{name}: conversation {i + 1} has no turns")
        out.conversations.append(Conversation(str(item.get("id") or i + 1), turns, name, str(item.get("style") or "")))
    return out


def load_cases(path: Path) -> list[Case]:
    return load_file(path).cases
