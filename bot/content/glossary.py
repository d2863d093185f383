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
from pathlib import Path

from bot.problems import Problem
from bot.yaml_lines import YamlProblem, load_located


def fold(text: str) -> str:
    """Lower case without accents or Spanish question marks, so "Aféresis" and "aferesis" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("¿", " ").replace("¡", " "))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def load_glossary(path: Path) -> tuple[dict[str, str], list[Problem]]:
    """Folded Spanish term -> English words; an absent file is an empty list (Spanish then goes to a person)."""
    if not path.exists():
        return {}, []
    try:
        located = load_located(path)
    except YamlProblem as exc:
        return {}, [Problem(path, exc.line, exc.message)]
    if located is None:
        return {}, []
    if not isinstance(located.value, dict) or not isinstance(located.value.get("terms"), dict):
        return {}, [Problem(path, located.line, "the file needs 'terms:', a mapping of Spanish words to English words")]
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
    return terms, problems


def gloss(text: str, terms: dict[str, str]) -> str:
    """The message with every listed Spanish word or phrase replaced by its English words, longest phrase first;
    words not listed are kept (drug names, "kymriah", "car-t" read the same in both languages)."""
    folded = fold(text)
    if not terms:
        return folded
    pattern = _pattern(tuple(sorted(terms, key=len, reverse=True)))
    return re.sub(r"\s+", " ", pattern.sub(lambda m: terms[m.group(0)], folded)).strip()


_PATTERNS: dict[tuple, re.Pattern] = {}


def _pattern(keys: tuple) -> re.Pattern:
    if keys not in _PATTERNS:
        _PATTERNS.clear()  # one glossary serves at a time; a live edit replaces it
        _PATTERNS[keys] = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(k) for k in keys) + r")(?![\w-])")
    return _PATTERNS[keys]
