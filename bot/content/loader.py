"""Loads the content editors own: FAQ entries, source documents, topics and the program contact.

Loading never raises on bad content: every problem comes back as a `Problem` with file and line,
so the editors' check and the live reload report the same messages.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.contract import CONTACT_FIELDS
from bot.content.handoffs import HANDOFF, OUT_OF_SCOPE, Route, load_routes
from bot.content.glossary import Glossary, load_glossary
from bot.content.journey import load_after_check, load_journey
from bot.problems import Problem
from bot.yaml_lines import Located, YamlProblem, load_located

REQUIRED_FIELDS = ("id", "topic", "question", "alternates", "answer", "source", "reviewed", "reviewer")
# `answer_simple`: the same answer in one or two very short sentences, for "say that in simpler words".
KNOWN_FIELDS = set(REQUIRED_FIELDS) | {"follow_ups", "answer_simple"}
MIN_ALTERNATES = 8
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Source:
    document: str
    title: str
    section: str
    url: str | None

    def as_payload(self) -> dict[str, Any]:
        return {"title": self.title, "url": self.url, "section": self.section}


@dataclass(frozen=True)
class FaqEntry:
    id: str
    topic: str
    question: str
    alternates: tuple[str, ...]
    answer: str
    source: Source
    follow_ups: tuple[str, ...]
    reviewed: dt.date
    reviewer: str
    file: Path
    line: int
    alternate_lines: tuple[int, ...] = ()
    answer_simple: str | None = None

    @property
    def phrasings(self) -> tuple[str, ...]:
        """What a user's question is matched against: the question and every alternate."""
        return (self.question, *self.alternates)


@dataclass(frozen=True)
class SourceDocument:
    id: str
    title: str
    url: str | None
    origin: str
    path: Path
    text: str
    read: dt.date | None = None


@dataclass(frozen=True)
class SupersededFact:
    """A fact that was true once (the 2024 stay-near period, the 2017 remission figure): never quotable."""

    id: str
    pattern: re.Pattern
    why: str
    line: int

    def found_in(self, text: str) -> bool:
        return bool(self.pattern.search(text))


@dataclass
class Content:
    entries: list[FaqEntry] = field(default_factory=list)
    documents: dict[str, SourceDocument] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)
    contact: dict[str, Any] = field(default_factory=dict)
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Hand-off reasons and near misses (bot/content/handoffs.py), matched beside the FAQ entries.
    routes: list[Route] = field(default_factory=list)
    superseded: list[SupersededFact] = field(default_factory=list)
    # The treatment's steps in order, as FAQ entry ids (bot/content/journey.py).
    journey: list[str] = field(default_factory=list)
    # The entry a follow-up to the eligibility check's summary refers to (bot/content/journey.py), or None.
    after_check: str | None = None
    # Spanish words and the English words the content uses for them (bot/content/glossary.py).
    glossary: Glossary = field(default_factory=Glossary)

    def by_id(self) -> dict[str, FaqEntry]:
        return {e.id: e for e in self.entries}


def load_topics(path: Path) -> tuple[dict[str, str], Located | None, list[Problem]]:
    """The topic ids and descriptions, the parsed file (its `journey:` and `after_eligibility_check:` are read
    from it once the entries are loaded, bot/content/journey.py), and the problems found."""
    try:
        located = load_located(path)
    except YamlProblem as exc:
        return {}, None, [Problem(path, exc.line, exc.message)]
    topics = (located.value or {}).get("topics") if located and isinstance(located.value, dict) else None
    if not isinstance(topics, dict) or not topics:
        return {}, located, [Problem(path, 1, "expected a 'topics:' mapping of topic id to description")]
    return {str(k): str(v) for k, v in topics.items()}, located, []


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _load_superseded(node: Located | None, path: Path) -> tuple[list[SupersededFact], list[Problem]]:
    if node is None:
        return [], []
    if not isinstance(node.children, list):
        return [], [Problem(path, node.line, "'superseded:' must be a list of facts, each with id, pattern and why")]
    facts, problems = [], []
    for item in node.children:
        value = item.value if isinstance(item.value, dict) else {}
        missing = [k for k in ("id", "pattern", "why") if not value.get(k)]
        if missing:
            problems.append(Problem(path, item.line, f"superseded fact is missing {', '.join(missing)}"))
            continue
        try:
            pattern = re.compile(str(value["pattern"]), re.I)
        except re.error as exc:
            problems.append(Problem(path, item.key_lines.get("pattern", item.line),
                                    f"superseded fact '{value['id']}' has a pattern that is not a valid regular expression: {exc}"))
            continue
        facts.append(SupersededFact(str(value["id"]), pattern, str(value["why"]), item.line))
    return facts, problems


def load_sources(sources_dir: Path) -> tuple[dict[str, SourceDocument], list[SupersededFact], list[Problem]]:
    index_path = sources_dir / "index.yml"
    try:
        located = load_located(index_path)
    except YamlProblem as exc:
        return {}, [], [Problem(index_path, exc.line, exc.message)]
    problems: list[Problem] = []
    documents: dict[str, SourceDocument] = {}
    items = located.children.get("documents") if located and isinstance(located.children, dict) else None
    if items is None or not isinstance(items.children, list):
        return {}, [], [Problem(index_path, 1, "expected a 'documents:' list")]
    for item in items.children:
        value = item.value if isinstance(item.value, dict) else {}
        missing = [k for k in ("id", "file", "title") if not value.get(k)]
        if missing:
            problems.append(Problem(index_path, item.line, f"source document is missing {', '.join(missing)}"))
            continue
        path = sources_dir / str(value["file"])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(index_path, item.line, f"cannot read source file {value['file']}: {exc}"))
            continue
        read = _date(value.get("read")) if value.get("read") is not None else None
        if value.get("read") is not None and read is None:
            problems.append(Problem(index_path, item.key_lines.get("read", item.line),
                                    f"source '{value['id']}': read must be a date like 2026-12-01"))
        documents[str(value["id"])] = SourceDocument(
            id=str(value["id"]),
            title=str(value["title"]),
            url=str(value["url"]) if value.get("url") else None,
            origin=str(value.get("origin", "")),
            path=path,
            text=text,
            read=read,
        )
    superseded, superseded_problems = _load_superseded(
        located.children.get("superseded") if isinstance(located.children, dict) else None, index_path)
    return documents, superseded, problems + superseded_problems


def load_contacts(path: Path) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    """Every named contact in data/contacts.yml (`program_contact` is the one every hand-off falls back to)."""
    try:
        located = load_located(path)
    except YamlProblem as exc:
        return {}, [Problem(path, exc.line, exc.message)]
    if not located or not isinstance(located.value, dict) or not isinstance(located.value.get("program_contact"), dict):
        return {}, [Problem(path, 1, "expected a 'program_contact:' mapping")]
    contacts: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    for name, node in located.children.items():
        if not isinstance(node.value, dict):
            continue
        missing = [k for k in CONTACT_FIELDS if not node.value.get(k)]
        if missing:
            problems.append(Problem(path, located.key_lines.get(str(name), 1), f"{name} is missing {', '.join(missing)}"))
            continue
        # The contract's fields, plus any other text the pages may show (such as `purpose`).
        contacts[str(name)] = {k: str(v) for k, v in node.value.items() if isinstance(v, (str, int, float))}
    return contacts, problems


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    return None


def _parse_entry(
    item: Located, path: Path, topics: dict[str, str], documents: dict[str, SourceDocument]
) -> tuple[FaqEntry | None, list[Problem]]:
    problems: list[Problem] = []

    def problem(key: str | None, message: str, severity: str = "error") -> None:
        line = item.key_lines.get(key, item.line) if key else item.line
        problems.append(Problem(path, line, message, severity))

    if not isinstance(item.value, dict):
        return None, [Problem(path, item.line, "each FAQ entry must be a mapping of fields (id:, topic:, ...)")]
    value = item.value
    entry_id = value.get("id")
    label = f"entry '{entry_id}'" if entry_id else "entry"
    for key in REQUIRED_FIELDS:
        if key not in value or value[key] in (None, "", []):
            problem(None, f"{label} is missing '{key}'")
    for key in value:
        if key not in KNOWN_FIELDS:
            problem(str(key), f"{label} has an unknown field '{key}' (known: {', '.join(sorted(KNOWN_FIELDS))})")
    if problems:
        return None, problems

    if not isinstance(entry_id, str) or not ID_PATTERN.match(entry_id):
        problem("id", f"id '{entry_id}' must be a lowercase slug like 'apheresis-what-is'")
    topic = value["topic"]
    if topic not in topics:
        problem("topic", f"{label} has unknown topic '{topic}' (see data/topics.yml)")
    question = _text(value["question"])
    if question is None:
        problem("question", f"{label}: question must be text")
    answer = _text(value["answer"])
    if answer is None:
        problem("answer", f"{label}: answer must be text")

    alternates: list[str] = []
    alternate_lines: list[int] = []
    alt_node = item.children.get("alternates") if isinstance(item.children, dict) else None
    if not isinstance(value["alternates"], list):
        problem("alternates", f"{label}: alternates must be a list")
    else:
        for alt in alt_node.children:
            text = _text(alt.value)
            if text is None:
                problems.append(Problem(path, alt.line, f"{label}: every alternate must be text"))
                continue
            alternates.append(text)
            alternate_lines.append(alt.line)
        if len(alternates) < MIN_ALTERNATES:
            problem("alternates", f"{label} has {len(alternates)} alternates; at least {MIN_ALTERNATES} are needed")
        seen: set[str] = set()
        for text, line in zip(alternates, alternate_lines):
            if text.lower() in seen or (question and text.lower() == question.lower()):
                problems.append(Problem(path, line, f"{label}: alternate '{text}' is repeated", "warning"))
            seen.add(text.lower())

    source_value = value["source"]
    source = None
    if not isinstance(source_value, dict):
        problem("source", f"{label}: source must have document, section and url")
    else:
        document_id = source_value.get("document")
        if document_id not in documents:
            known = ", ".join(sorted(documents)) or "none"
            problem("source", f"{label}: source document '{document_id}' is not in data/sources/index.yml (known: {known})")
        elif not _text(source_value.get("section")):
            problem("source", f"{label}: source needs the section of the document the answer comes from")
        else:
            url = source_value.get("url") or documents[document_id].url
            if url and not str(url).startswith("https://"):
                problem("source", f"{label}: source url must start with https://")
            source = Source(document_id, documents[document_id].title, _text(source_value["section"]), url)

    follow_ups = value.get("follow_ups") or []
    if not isinstance(follow_ups, list) or not all(isinstance(f, str) for f in follow_ups):
        problem("follow_ups", f"{label}: follow_ups must be a list of entry ids")
        follow_ups = []

    if "answer_simple" in value and _text(value.get("answer_simple")) is None:
        problem("answer_simple", f"{label}: answer_simple must be text (or leave the field out)")

    reviewed = _date(value["reviewed"])
    if reviewed is None:
        problem("reviewed", f"{label}: reviewed must be a date like 2026-11-24")
        reviewed = None

    if problems and any(p.severity == "error" for p in problems):
        return None, problems
    entry = FaqEntry(
        id=entry_id,
        topic=topic,
        question=question,
        alternates=tuple(alternates),
        answer=answer,
        source=source,
        follow_ups=tuple(follow_ups),
        reviewed=reviewed,
        reviewer=str(value["reviewer"]),
        file=path,
        line=item.line,
        alternate_lines=tuple(alternate_lines),
        answer_simple=_text(value.get("answer_simple")),
    )
    return entry, problems


def load_faq_file(
    path: Path, topics: dict[str, str], documents: dict[str, SourceDocument]
) -> tuple[list[FaqEntry], list[Problem]]:
    try:
        located = load_located(path)
    except YamlProblem as exc:
        return [], [Problem(path, exc.line, exc.message)]
    if located is None:
        return [], [Problem(path, 1, "file is empty; it needs a 'faq:' list of entries")]
    if not isinstance(located.value, dict) or "faq" not in located.value:
        return [], [Problem(path, located.line, "a FAQ file needs a top-level 'faq:' list of entries")]
    faq = located.children["faq"]
    if not isinstance(faq.children, list):
        return [], [Problem(path, faq.line, "'faq:' must be a list of entries, each starting with '- id:'")]
    entries: list[FaqEntry] = []
    problems: list[Problem] = []
    for item in faq.children:
        entry, entry_problems = _parse_entry(item, path, topics, documents)
        problems.extend(entry_problems)
        if entry is not None:
            entries.append(entry)
    return entries, problems


def check_references(entries: list[FaqEntry]) -> list[Problem]:
    """Problems that span entries: duplicate ids and follow-ups that point nowhere."""
    problems: list[Problem] = []
    first_seen: dict[str, FaqEntry] = {}
    for entry in entries:
        if entry.id in first_seen:
            other = first_seen[entry.id]
            problems.append(
                Problem(entry.file, entry.line, f"duplicate id '{entry.id}' (also at {other.file.name}:{other.line})")
            )
        else:
            first_seen[entry.id] = entry
    for entry in entries:
        for follow_up in entry.follow_ups:
            if follow_up not in first_seen:
                problems.append(Problem(entry.file, entry.line, f"entry '{entry.id}' has unknown follow-up '{follow_up}'"))
            elif follow_up == entry.id:
                problems.append(Problem(entry.file, entry.line, f"entry '{entry.id}' lists itself as a follow-up", "warning"))
    return problems


def load_content(paths) -> tuple[Content, list[Problem]]:
    """Load everything editors own (`paths` is bot.settings.Paths). Returns what loaded and every problem found."""
    problems: list[Problem] = []
    topics, topics_file, topic_problems = load_topics(paths.topics_file)
    documents, superseded, source_problems = load_sources(paths.sources_dir)
    contacts, contact_problems = load_contacts(paths.contacts_file)
    handoffs, handoff_problems = load_routes(paths.handoff_file, HANDOFF, contacts)
    near_misses, near_miss_problems = load_routes(paths.near_misses_file, OUT_OF_SCOPE, contacts)
    problems += topic_problems + source_problems + contact_problems + handoff_problems + near_miss_problems
    entries: list[FaqEntry] = []
    faq_dir = paths.faq_dir
    files = sorted(faq_dir.glob("*.yml")) + sorted(faq_dir.glob("*.yaml"))
    if not files:
        problems.append(Problem(faq_dir, 1, "no FAQ files (*.yml) found"))
    for path in files:
        file_entries, file_problems = load_faq_file(path, topics, documents)
        entries.extend(file_entries)
        problems.extend(file_problems)
    problems.extend(check_references(entries))
    journey, journey_problems = load_journey(topics_file, paths.topics_file, {e.id for e in entries})
    problems.extend(journey_problems)
    after_check, after_check_problems = load_after_check(topics_file, paths.topics_file, {e.id for e in entries})
    problems.extend(after_check_problems)
    glossary, glossary_problems = load_glossary(paths.glossary_file)
    problems.extend(glossary_problems)
    content = Content(entries=entries, documents=documents, topics=topics,
                      contact=contacts.get("program_contact", {}), contacts=contacts,
                      routes=handoffs + near_misses, superseded=superseded, journey=journey,
                      after_check=after_check, glossary=glossary)
    return content, problems
