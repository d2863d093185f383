"""Spanish words families type, and the English words the reviewed content uses for them (data/glossary_es.yml).

The content, the embedding model and the safety rules are English. A question written in Spanish is read
through this word list ("¿cómo es la aféresis?" -> "how is the apheresis?") so that it can reach the entry
or hand-off reason it asks about; the answer is then the reviewed English one, with a line in Spanish that
says so (bot/answering.py `in_spanish`). Nothing is translated back: no Spanish medical text is ever made up.

Editors own the list. A term that is not text, or that repeats another, is a warning with its file:line and
is left out; a file that is not valid YAML is an error (the running assistant keeps its previous content).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from bot.problems import Problem
from bot.yaml_lines import YamlProblem, load_located


def fold(text: str) -> str:
    """Lower case without accents or Spanish question marks, so "Aféresis" and "aferesis" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("¿", " ").replace("¡", " "))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Glossary:
    """Folded Spanish term -> English words, with the one pattern that finds them (built once, on load)."""

    terms: dict[str, str] = field(default_factory=dict)
    _pattern: re.Pattern | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        if self.terms:
            # Longest first, so a phrase wins over its own words; whole words only ("de" is not in "desde").
            keys = sorted(self.terms, key=len, reverse=True)
            pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(k) for k in keys) + r")(?![\w-])")
            object.__setattr__(self, "_pattern", pattern)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def read(self, text: str) -> str:
        """The message with every listed Spanish word or phrase replaced by its English words; words not listed
        are kept (drug names, "kymriah", "car-t" read the same in both languages)."""
        folded = fold(text)
        if self._pattern is None:
            return folded
        return re.sub(r"\s+", " ", self._pattern.sub(lambda m: self.terms[m.group(0)], folded)).strip()


def load_glossary(path: Path) -> tuple[Glossary, list[Problem]]:
    """The word list; an absent file is an empty list (Spanish then goes to a person)."""
    if not path.exists():
        return Glossary(), []
    try:
        located = load_located(path)
    except YamlProblem as exc:
        return Glossary(), [Problem(path, exc.line, exc.message)]
    if located is None:
        return Glossary(), []
    if not isinstance(located.value, dict) or not isinstance(located.value.get("terms"), dict):
        return Glossary(), [Problem(path, located.line, "the file needs 'terms:', a mapping of Spanish words to English words")]
    node = located.children["terms"]
    terms: dict[str, str] = {}
    problems: list[Problem] = []
    for key, item in node.children.items():
        line = node.key_lines.get(str(key), item.line)
        if not isinstance(key, str) or not key.strip() or not isinstance(item.value, str) or not item.value.strip():
            problems.append(Problem(path, line, f"term '{key}' needs Spanish words and English words, both as text; "
                                    "it is left out", "warning"))
            continue
        folded = fold(key).strip()
        if folded in terms:
            problems.append(Problem(path, line, f"term '{key}' is already listed (accents aside); this one is left out",
                                    "warning"))
            continue
        terms[folded] = item.value.strip()
    return Glossary(terms), problems
