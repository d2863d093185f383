"""Hand-off reasons and near misses: the questions a person must answer, or that are outside the program.

Both files (data/handoff.yml, data/near_misses.yml) have one shape: a list of reasons, each with an id,
a reply, example phrasings and the contact to give. The examples are matched like FAQ alternates, so a
cost question lands on `costs_insurance` rather than on the nearest FAQ answer. Loading never raises:
every problem is a `Problem` with file and line, as for the FAQ files.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.problems import Problem
from bot.yaml_lines import Located, YamlProblem, load_located

HANDOFF, OUT_OF_SCOPE = "handoff", "out_of_scope"
REQUIRED = ("id", "title", "contact", "reply", "examples")
# `terms`: names that settle the reason on their own (another CAR T product's name, "neuroblastoma"):
# retrieval cannot tell "what are Yescarta's side effects" from the FAQ's side-effects question.
OPTIONAL = ("terms",)
MIN_EXAMPLES = 5
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Route:
    """One reason: the reply kind it produces (`handoff` or `out_of_scope`) and what it says."""

    id: str
    kind: str
    title: str
    reply: str
    examples: tuple[str, ...]
    contact: str
    file: Path
    line: int
    example_lines: tuple[int, ...] = ()
    terms: tuple[str, ...] = ()

    @property
    def phrasings(self) -> tuple[str, ...]:
        return self.examples

    @property
    def term_pattern(self) -> re.Pattern | None:
        if not self.terms:
            return None
        return re.compile(r"\b(?:" + "|".join(re.escape(t) for t in self.terms) + r")\b", re.I)


def _text(value: Any) -> str | None:
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


def _parse_reason(item: Located, path: Path, kind: str, contacts: dict[str, dict]) -> tuple[Route | None, list[Problem]]:
    if not isinstance(item.value, dict):
        return None, [Problem(path, item.line, "each reason must be a mapping of fields (id:, title:, reply:, ...)")]
    value = item.value
    label = f"reason '{value.get('id')}'" if value.get("id") else "reason"
    problems = [Problem(path, item.line, f"{label} is missing '{key}'") for key in REQUIRED
                if value.get(key) in (None, "", [])]
    for key in value:
        if key not in REQUIRED + OPTIONAL:
            problems.append(Problem(path, item.key_lines.get(str(key), item.line),
                                    f"{label} has an unknown field '{key}' (known: {', '.join(REQUIRED + OPTIONAL)})"))
    terms = value.get("terms") or []
    if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
        problems.append(Problem(path, item.key_lines.get("terms", item.line), f"{label}: terms must be a list of words or names"))
        terms = []
    if problems:
        return None, problems
    line_of = lambda key: item.key_lines.get(key, item.line)  # noqa: E731
    if not isinstance(value["id"], str) or not ID_PATTERN.match(value["id"]):
        problems.append(Problem(path, line_of("id"), f"id '{value['id']}' must be lowercase words joined by _ (like costs_insurance)"))
    if value["contact"] not in contacts:
        known = ", ".join(sorted(contacts)) or "none"
        problems.append(Problem(path, line_of("contact"),
                                f"{label} names contact '{value['contact']}', which is not in data/contacts.yml (known: {known})"))
    reply = _text(value["reply"])
    if reply is None:
        problems.append(Problem(path, line_of("reply"), f"{label}: reply must be text"))
    examples: list[str] = []
    lines: list[int] = []
    node = item.children.get("examples") if isinstance(item.children, dict) else None
    if node is None or not isinstance(node.children, list):
        problems.append(Problem(path, line_of("examples"), f"{label}: examples must be a list of phrasings"))
    else:
        seen: set[str] = set()
        for example in node.children:
            text = _text(example.value)
            if text is None:
                problems.append(Problem(path, example.line, f"{label}: every example must be text"))
                continue
            if text.lower() in seen:
                problems.append(Problem(path, example.line, f"{label}: example '{text}' is repeated", "warning"))
            seen.add(text.lower())
            examples.append(text)
            lines.append(example.line)
        if len(examples) < MIN_EXAMPLES:
            problems.append(Problem(path, line_of("examples"),
                                    f"{label} has {len(examples)} examples; at least {MIN_EXAMPLES} are needed"))
    if any(p.severity == "error" for p in problems):
        return None, problems
    return Route(value["id"], kind, str(value["title"]), reply, tuple(examples), value["contact"], path, item.line,
                 tuple(lines), tuple(t.strip() for t in terms)), problems


def route_by_terms(routes: list[Route], text: str) -> Route | None:
    """The first reason one of whose `terms` the message names."""
    for route in routes:
        pattern = route.term_pattern
        if pattern is not None and pattern.search(text):
            return route
    return None


def load_routes(path: Path, kind: str, contacts: dict[str, dict]) -> tuple[list[Route], list[Problem]]:
    """The reasons in one file. A missing file is a problem too: without it nothing routes to a person."""
    try:
        located = load_located(path)
    except YamlProblem as exc:
        return [], [Problem(path, exc.line, exc.message)]
    if located is None or not isinstance(located.value, dict) or "reasons" not in located.value:
        return [], [Problem(path, located.line if located else 1, "this file needs a top-level 'reasons:' list")]
    problems: list[Problem] = []
    for key in ("reviewed", "reviewer"):
        if not located.value.get(key):
            problems.append(Problem(path, 1, f"the file needs '{key}:' at the top (who last checked these replies, and when)"))
    if located.value.get("reviewed") and not isinstance(located.value["reviewed"], dt.date):
        problems.append(Problem(path, located.key_lines.get("reviewed", 1), "reviewed must be a date like 2026-12-01"))
    node = located.children["reasons"]
    if not isinstance(node.children, list):
        return [], problems + [Problem(path, node.line, "'reasons:' must be a list, each item starting with '- id:'")]
    routes: list[Route] = []
    seen: dict[str, int] = {}
    for item in node.children:
        route, item_problems = _parse_reason(item, path, kind, contacts)
        problems += item_problems
        if route is None:
            continue
        if route.id in seen:
            problems.append(Problem(path, route.line, f"duplicate reason id '{route.id}' (also at line {seen[route.id]})"))
            continue
        seen[route.id] = route.line
        routes.append(route)
    return routes, problems
