"""Loads and checks the safety rules in data/safety/*.yml. Every problem is a `Problem` with file and line.

The checker refuses to start on errors: a rule file that does not say what it means would otherwise
silently stop an emergency from being noticed.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Optional

import spacy
from spacy.language import Language

from bot.problems import Problem
from bot.safety.patterns import Compiler, PatternError, Vocabulary
from bot.safety.records import Category, Cue, DecisionGroup, Rules, UrgentRule
from bot.yaml_lines import Located, YamlProblem, load_located

RULES_DIR = Path(__file__).resolve().parents[2] / "data" / "safety"
URGENT_FILE, CUES_FILE, DECISIONS_FILE = "urgent_symptoms.yml", "context_cues.yml", "personal_decisions.yml"
DIRECTIONS = ("FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO")
EFFECTS = ("not_a_report", "not_a_report_unless_owned", "boundary")
KINDS = ("state", "topic")
REVIEW_MAX_AGE_DAYS = 365
_ID = re.compile(r"^[a-z0-9_]+$")
# Words the code reads by name (generic grammar, the rest is in the files).
GRAMMAR_WORDS = ("sentence_breaks", "negation", "person_pronouns", "person_nouns")
REPORT_WORDS = ("question_words", "question_auxiliaries", "modal_question_starts", "help_subjects", "owners",
                "possessives", "person_determiners", "generic_determiners", "asker_markers", "her_object_markers",
                "now_words", "strict_now_words", "progressive_cues", "past_verbs")

TOP_KEYS = {
    URGENT_FILE: {"reviewed", "reviewer", "categories", "rules", "sequences", "words"},
    CUES_FILE: {"reviewed", "reviewer", "categories", "cues", "words", "report", "sequences"},
    DECISIONS_FILE: {"reviewed", "reviewer", "treatments", "time_references", "groups", "sequences", "words"},
}
RULE_KEYS = {"id", "category", "label", "kind", "phrases", "patterns", "source"}
CUE_KEYS = {"literal", "category", "direction", "pattern", "max_scope", "allowed_types", "excluded_types",
            "terminated_by", "target_in_past", "source"}
CATEGORY_KEYS = {"effect", "meaning", "max_scope", "terminated_by", "allowed_types", "excluded_types"}
GROUP_KEYS = {"id", "source", "patterns", "treatment_within", "not_after", "not_followed_by",
              "treatment_on_both_sides", "needs_person_or_words"}


class _Loader:
    def __init__(self, folder: Path, nlp: Optional[Language], today: dt.date) -> None:
        self.folder = folder
        self.today = today
        self.problems: list[Problem] = []
        self.vocabulary = Vocabulary()
        self.word_homes: dict[str, tuple[Path, int]] = {}
        pipeline = nlp if nlp is not None else spacy.blank("en")
        self._tokenize = lambda text: [t.text for t in pipeline.make_doc(text)]
        self._vocab = pipeline.vocab
        self.compiler: Optional[Compiler] = None

    def problem(self, file: Path, line: int, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(file, line, message, severity))

    # -- files and shared words ----------------------------------------------------------------------

    def load(self) -> Optional[Rules]:
        docs: dict[str, Optional[Located]] = {}
        for name in (URGENT_FILE, CUES_FILE, DECISIONS_FILE):
            docs[name] = self._read(self.folder / name)
        rules = Rules(self.folder)
        for name, doc in docs.items():
            if doc is not None:
                self._header(name, doc, rules)
                self._collect_words(self.folder / name, doc)
        for name, (home, line) in self.word_homes.items():
            if name.startswith("words:"):
                try:
                    self.vocabulary.word(name[6:])
                except PatternError as exc:
                    self.problem(home, line, str(exc))
        breaks = self._grammar(rules)
        self.compiler = Compiler(self.vocabulary, self._vocab, self._tokenize, breaks)
        if docs[URGENT_FILE] is not None:
            self._urgent(self.folder / URGENT_FILE, docs[URGENT_FILE], rules)
        if docs[CUES_FILE] is not None:
            self._cues(self.folder / CUES_FILE, docs[CUES_FILE], rules)
        if docs[DECISIONS_FILE] is not None:
            self._decisions(self.folder / DECISIONS_FILE, docs[DECISIONS_FILE], rules)
        return rules

    def _read(self, path: Path) -> Optional[Located]:
        if not path.exists():
            self.problem(path, 1, "file missing: the safety layer needs it")
            return None
        try:
            doc = load_located(path)
        except YamlProblem as exc:
            self.problem(path, exc.line, exc.message)
            return None
        if doc is None or not isinstance(doc.children, dict):
            self.problem(path, 1, "expected a mapping with reviewed:, reviewer: and the rules")
            return None
        for key in doc.children:
            if key not in TOP_KEYS[path.name]:
                self.problem(path, doc.key_lines[str(key)], f"unknown section '{key}' (expected one of {sorted(TOP_KEYS[path.name])})")
        return doc

    def _header(self, name: str, doc: Located, rules: Rules) -> None:
        path = self.folder / name
        reviewed, reviewer = doc.value.get("reviewed"), doc.value.get("reviewer")
        if not isinstance(reviewed, dt.date):
            self.problem(path, doc.key_lines.get("reviewed", 1), "reviewed: must be a date like 2026-12-01")
            reviewed = None
        elif reviewed > self.today:
            self.problem(path, doc.key_lines["reviewed"], "reviewed: is a date in the future")
        elif (self.today - reviewed).days > REVIEW_MAX_AGE_DAYS:
            self.problem(path, doc.key_lines["reviewed"], f"last reviewed on {reviewed.isoformat()}, over a year ago; "
                         "re-check the rules against the current Medication Guide", "warning")
        if not isinstance(reviewer, str) or not reviewer.strip():
            self.problem(path, doc.key_lines.get("reviewer", 1), "reviewer: must name who signed the rules off "
                         "(or say 'pending clinical review')")
            reviewer = ""
        rules.reviews[name] = (reviewed, reviewer)

    def _collect_words(self, path: Path, doc: Located) -> None:
        for section, store in (("words", self.vocabulary.raw_words), ("sequences", self.vocabulary.raw_sequences)):
            node = doc.children.get(section)
            if node is None:
                continue
            if not isinstance(node.children, dict):
                self.problem(path, node.line, f"{section}: must map names to lists")
                continue
            for key, child in node.children.items():
                line = node.key_lines[str(key)]
                home = self.word_homes.get(f"{section}:{key}")
                if home is not None:
                    self.problem(path, line, f"'{key}' is already defined in {home[0].name}:{home[1]}")
                    continue
                self.word_homes[f"{section}:{key}"] = (path, line)
                store[str(key)] = child.value

    def _grammar(self, rules: Rules) -> list[str]:
        cues = self.folder / CUES_FILE
        for name in GRAMMAR_WORDS:
            rules.grammar[name] = self._wordset(name, cues, 1)
        return sorted(rules.grammar["sentence_breaks"])

    def _wordset(self, name: str, path: Path, line: int) -> frozenset[str]:
        try:
            return frozenset(self.vocabulary.words(name))
        except PatternError as exc:
            self.problem(path, line, f"{exc} (the safety layer needs it)")
            return frozenset()

    def _patterns(self, path: Path, node: Optional[Located], phrases: Optional[Located] = None) -> list[list[dict[str, Any]]]:
        out: list[list[dict[str, Any]]] = []
        assert self.compiler is not None
        if phrases is not None:
            if not isinstance(phrases.children, list):
                self.problem(path, phrases.line, "phrases: must be a list")
            else:
                seen: set[str] = set()
                for item in phrases.children:
                    try:
                        out.append(self.compiler.phrase(item.value))
                    except PatternError as exc:
                        self.problem(path, item.line, str(exc))
                        continue
                    if str(item.value).lower() in seen:
                        self.problem(path, item.line, f"phrase '{item.value}' is listed twice", "warning")
                    seen.add(str(item.value).lower())
        if node is not None:
            if not isinstance(node.children, list) or not node.children:
                self.problem(path, node.line, "patterns: must be a list of patterns, each a list of tokens")
                return out
            for item in node.children:
                try:
                    out.extend(self.compiler.pattern(item.value))
                except PatternError as exc:
                    self.problem(path, item.line, str(exc))
        return out

    def _records(self, path: Path, doc: Located, section: str) -> list[Located]:
        node = doc.children.get(section)
        if node is None or not isinstance(node.children, list):
            self.problem(path, node.line if node else 1, f"{section}: must be a list of records")
            return []
        records = []
        for item in node.children:
            if not isinstance(item.children, dict):
                self.problem(path, item.line, f"each entry of {section}: must be a mapping")
            else:
                records.append(item)
        return records

    def _keys(self, path: Path, record: Located, allowed: set[str], what: str) -> None:
        for key in record.children:
            if key not in allowed:
                self.problem(path, record.key_lines[str(key)], f"{what}: unknown field '{key}' (expected {', '.join(sorted(allowed))})")

    def _text(self, path: Path, record: Located, key: str, what: str) -> Optional[str]:
        value = record.value.get(key)
        if not isinstance(value, str) or not value.strip():
            self.problem(path, record.key_lines.get(key, record.line), f"{what} needs {key}: (text)")
            return None
        return value.strip()

    def _int(self, path: Path, record: Located, key: str, what: str) -> Optional[int]:
        value = record.value.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            self.problem(path, record.key_lines[key], f"{what}: {key} must be a whole number of words, 1 or more")
            return None
        return value

    def _names(self, path: Path, record: Located, key: str, known: set[str], what: str, upper: bool = False) -> Optional[frozenset[str]]:
        value = record.value.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(path, record.key_lines[key], f"{what}: {key} must be a list of names")
            return None
        names = frozenset(v.upper() if upper else v for v in value)
        for name in sorted(names - known):
            self.problem(path, record.key_lines[key], f"{what}: {key} names '{name}', which is not one of {', '.join(sorted(known))}")
        return names & known

    # -- the three files ---------------------------------------------------------------------------

    def _urgent(self, path: Path, doc: Located, rules: Rules) -> None:
        categories = doc.children.get("categories")
        known = set(categories.value) if categories is not None and isinstance(categories.value, dict) else set()
        if not known:
            self.problem(path, categories.line if categories else 1, "categories: must map each category to what it covers")
        ids: dict[str, int] = {}
        for record in self._records(path, doc, "rules"):
            rid = record.value.get("id")
            what = f"rule '{rid}'" if isinstance(rid, str) else f"the rule at line {record.line}"
            self._keys(path, record, RULE_KEYS, what)
            if not isinstance(rid, str) or not _ID.match(rid):
                self.problem(path, record.key_lines.get("id", record.line), f"{what} needs an id: of lowercase letters, digits and _")
            elif rid in ids:
                self.problem(path, record.key_lines["id"], f"rule id '{rid}' is used twice (also line {ids[rid]})")
            else:
                ids[rid] = record.line
            category = record.value.get("category")
            if category is None:
                self.problem(path, record.line, f"{what} has no category: (one of {', '.join(sorted(known))})")
            elif category not in known:
                self.problem(path, record.key_lines["category"], f"{what} has unknown category '{category}' (one of {', '.join(sorted(known))})")
            label = self._text(path, record, "label", what)
            kind = record.value.get("kind")
            if kind not in KINDS:
                self.problem(path, record.key_lines.get("kind", record.line), f"{what}: kind must be state or topic")
            self._text(path, record, "source", what)
            if "phrases" not in record.children and "patterns" not in record.children:
                self.problem(path, record.line, f"{what} needs phrases: or patterns:")
            patterns = self._patterns(path, record.children.get("patterns"), record.children.get("phrases"))
            if isinstance(rid, str) and label and kind in KINDS and isinstance(category, str) and patterns:
                rules.urgent.append(UrgentRule(rid, category, label, kind, patterns, path, record.line))

    def _cues(self, path: Path, doc: Located, rules: Rules) -> None:
        types = {r.label for r in rules.urgent} | {r.category for r in rules.urgent} | {r.id for r in rules.urgent}
        node = doc.children.get("categories")
        if node is None or not isinstance(node.children, dict):
            self.problem(path, node.line if node else 1, "categories: must map each cue category to its settings")
            return
        names = {str(k).upper() for k in node.children}
        for name, record in node.children.items():
            what = f"category {name}"
            if not isinstance(record.children, dict):
                self.problem(path, record.line, f"{what} must be a mapping with effect:")
                continue
            self._keys(path, record, CATEGORY_KEYS, what)
            effect = record.value.get("effect")
            if effect not in EFFECTS:
                self.problem(path, record.key_lines.get("effect", record.line), f"{what}: effect must be one of {', '.join(EFFECTS)}")
                continue
            rules.categories[str(name).upper()] = Category(
                str(name).upper(), effect, self._int(path, record, "max_scope", what),
                self._names(path, record, "terminated_by", names, what, upper=True) or frozenset(),
                self._names(path, record, "allowed_types", types, what), self._names(path, record, "excluded_types", types, what))
        literals: dict[tuple[str, str, str], int] = {}
        for record in self._records(path, doc, "cues"):
            literal = record.value.get("literal")
            what = f"cue '{literal}'" if isinstance(literal, str) else f"the cue at line {record.line}"
            self._keys(path, record, CUE_KEYS, what)
            literal = self._text(path, record, "literal", what)
            category = record.value.get("category")
            if not isinstance(category, str) or category.upper() not in rules.categories:
                self.problem(path, record.key_lines.get("category", record.line),
                             f"{what} needs a category: one of {', '.join(sorted(rules.categories))}")
                continue
            direction = record.value.get("direction")
            if not isinstance(direction, str) or direction.upper() not in DIRECTIONS:
                self.problem(path, record.key_lines.get("direction", record.line),
                             f"{what}: unknown direction {direction!r} (one of {', '.join(DIRECTIONS)})")
                continue
            past = record.value.get("target_in_past", False)
            if not isinstance(past, bool):
                self.problem(path, record.key_lines["target_in_past"], f"{what}: target_in_past must be true or false")
            allowed = self._names(path, record, "allowed_types", types, what)
            excluded = self._names(path, record, "excluded_types", types, what)
            if allowed is not None and excluded is not None:
                self.problem(path, record.line, f"{what}: give allowed_types or excluded_types, not both")
            if "pattern" in record.children:
                patterns = self._patterns(path, Located([record.value["pattern"]], record.key_lines["pattern"], {},
                                                         [record.children["pattern"]]))
            elif literal:
                patterns = self._patterns(path, None, Located([literal], record.line, {}, [Located(literal, record.line, {}, None)]))
            else:
                continue
            key = (str(literal).lower(), category.upper(), direction.upper())
            if "pattern" not in record.children and key in literals:
                self.problem(path, record.line, f"{what} repeats the cue at line {literals[key]}", "warning")
            literals.setdefault(key, record.line)
            if literal and patterns:
                rules.cues.append(Cue(literal, category.upper(), direction.upper(), patterns,
                                      self._int(path, record, "max_scope", what),
                                      self._names(path, record, "terminated_by", set(rules.categories), what, upper=True) or frozenset(),
                                      allowed, excluded, past is True, path, record.line))
        report = doc.children.get("report")
        if report is None or not isinstance(report.children, dict):
            self.problem(path, report.line if report else 1, "report: must hold the word lists of the report test")
            return
        for name in REPORT_WORDS:
            value = report.value.get(name)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                self.problem(path, report.key_lines.get(name, report.line), f"report: needs {name}: as a list of words (in quotes where YAML needs them)")
                continue
            self.vocabulary.raw_words[f"report.{name}"] = value
            rules.report[name] = self._wordset(f"report.{name}", path, report.key_lines[name])
        try:
            rules.readings = self.vocabulary.readings(report.value.get("readings") or [])
        except PatternError as exc:
            self.problem(path, report.key_lines.get("readings", report.line), f"report: readings: {exc}")

    def _decisions(self, path: Path, doc: Located, rules: Rules) -> None:
        treatments = doc.children.get("treatments")
        if treatments is None or not isinstance(treatments.children, dict):
            self.problem(path, treatments.line if treatments else 1, "treatments: needs phrases: and/or patterns:")
        else:
            rules.treatments = self._patterns(path, treatments.children.get("patterns"), treatments.children.get("phrases"))
        times = doc.children.get("time_references")
        if times is not None and isinstance(times.value, dict):
            for key in ("prepositions", "determiners"):
                value = times.value.get(key)
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    self.problem(path, times.key_lines.get(key, times.line), f"time_references: {key} must be a list of words")
            rules.time_prepositions = frozenset(map(str.lower, times.value.get("prepositions") or []))
            rules.time_determiners = frozenset(map(str.lower, times.value.get("determiners") or []))
        ids: set[str] = set()
        for record in self._records(path, doc, "groups"):
            gid = record.value.get("id")
            what = f"group '{gid}'"
            self._keys(path, record, GROUP_KEYS, what)
            if not isinstance(gid, str) or gid in ids:
                self.problem(path, record.key_lines.get("id", record.line), f"{what} needs a unique id:")
                continue
            ids.add(gid)
            if "patterns" not in record.children:
                self.problem(path, record.line, f"{what} needs patterns:")
                continue
            patterns = self._patterns(path, record.children["patterns"])
            words = {k: record.value.get(k) or [] for k in ("not_after", "not_followed_by", "needs_person_or_words")}
            for key, value in words.items():
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    self.problem(path, record.key_lines[key], f"{what}: {key} must be a list of words")
                    words[key] = []
            if patterns:
                rules.groups.append(DecisionGroup(
                    gid, patterns, self._int(path, record, "treatment_within", what),
                    frozenset(w.lower() for w in words["not_after"]),
                    tuple(tuple(self._tokenize(w.lower())) for w in words["not_followed_by"]),
                    record.value.get("treatment_on_both_sides") is True,
                    frozenset(w.lower() for w in words["needs_person_or_words"])))


def load_rules(folder: Optional[Path] = None, nlp: Optional[Language] = None,
               today: Optional[dt.date] = None) -> tuple[Rules, list[Problem]]:
    """The rules of `folder` (data/safety by default) and every problem found in them."""
    loader = _Loader(Path(folder) if folder is not None else RULES_DIR, nlp, today or dt.date.today())
    rules = loader.load()
    return rules, loader.problems


def check_rules(folder: Optional[Path] = None) -> list[Problem]:
    """What `python -m bot safety check` prints."""
    return load_rules(folder)[1]
