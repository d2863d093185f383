"""What the rule files of data/safety/ hold, once loaded and checked (bot/safety/rules.py)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from bot.problems import Problem


@dataclass
class UrgentRule:
    id: str
    category: str
    label: str
    kind: str
    patterns: list[list[dict[str, Any]]]
    file: Path
    line: int


@dataclass
class Category:
    name: str
    effect: str
    max_scope: Optional[int] = None
    terminated_by: frozenset[str] = frozenset()
    allowed_types: Optional[frozenset[str]] = None
    excluded_types: Optional[frozenset[str]] = None


@dataclass
class Cue:
    literal: str
    category: str
    direction: str
    patterns: list[list[dict[str, Any]]]
    max_scope: Optional[int]
    terminated_by: frozenset[str]
    allowed_types: Optional[frozenset[str]]
    excluded_types: Optional[frozenset[str]]
    target_in_past: bool
    file: Path
    line: int


@dataclass
class DecisionGroup:
    id: str
    patterns: list[list[dict[str, Any]]]
    treatment_within: Optional[int] = None
    not_after: frozenset[str] = frozenset()
    not_followed_by: tuple[tuple[str, ...], ...] = ()
    treatment_on_both_sides: bool = False
    needs_person_or_words: frozenset[str] = frozenset()


@dataclass
class Rules:
    folder: Path
    urgent: list[UrgentRule] = field(default_factory=list)
    categories: dict[str, Category] = field(default_factory=dict)
    cues: list[Cue] = field(default_factory=list)
    grammar: dict[str, frozenset[str]] = field(default_factory=dict)
    report: dict[str, frozenset[str]] = field(default_factory=dict)
    readings: list[re.Pattern[str]] = field(default_factory=list)
    treatments: list[list[dict[str, Any]]] = field(default_factory=list)
    time_prepositions: frozenset[str] = frozenset()
    time_determiners: frozenset[str] = frozenset()
    groups: list[DecisionGroup] = field(default_factory=list)
    reviews: dict[str, tuple[Optional[dt.date], str]] = field(default_factory=dict)


class SafetyRulesError(Exception):
    """The rule files have errors; each is a Problem (file:line)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("the safety rules have errors:\n" + "\n".join(p.format() for p in problems))
