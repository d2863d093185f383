"""Loading and validating FAQ files: every problem comes back as file:line, nothing raises."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.content import load_content, load_faq_file
from bot.faq_check import check_plain_language, check_review_dates
from bot.problems import errors
from bot.settings import ROOT

ENTRY = """\
faq:
  - id: apheresis-what-is
    topic: apheresis
    question: What is apheresis?
    alternates: [a one, a two, a three, a four, a five, a six]
    answer: Apheresis is a way to collect blood cells. A small tube goes in a vein.
    source: {document: patient-facts, section: Steps of treatment, url: "https://example.org/mg"}
    follow_ups: [apheresis-how-long]
    reviewed: 2026-11-01
    reviewer: Test
  - id: apheresis-how-long
    topic: apheresis
    question: How long does apheresis take?
    alternates: [b one, b two, b three, b four, b five, b six]
    answer: It takes about 3 to 6 hours.
    source: {document: patient-facts, section: Steps of treatment}
    follow_ups: []
    reviewed: 2026-11-01
    reviewer: Test
"""


def load(tmp_path: Path, text: str, name: str = "apheresis.yml"):
    faq = tmp_path / "faq"
    faq.mkdir(exist_ok=True)
    (faq / name).write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return load_content(faq, ROOT / "data" / "sources", ROOT / "data" / "topics.yml", ROOT / "data" / "contacts.yml")


def messages(problems) -> list[str]:
    return [p.format() for p in problems]


def test_a_valid_file_loads_with_sources_and_dates(tmp_path):
    content, problems = load(tmp_path, ENTRY)
    assert not errors(problems), messages(problems)
    first, second = content.entries
    assert first.id == "apheresis-what-is" and len(first.alternates) == 6
    assert first.source.url == "https://example.org/mg"
    assert second.source.url == content.documents["patient-facts"].url  # falls back to the document's url
    assert first.reviewed == dt.date(2026, 11, 1)
    assert first.line == 2
    assert content.contact["phone"]


def test_broken_yaml_is_reported_with_its_line(tmp_path):
    broken = ENTRY.replace("question: What is apheresis?", 'question: "What is apheresis?')
    content, problems = load(tmp_path, broken)
    assert content.entries == []
    [problem] = errors(problems)
    assert problem.file.name == "apheresis.yml" and problem.line >= 4
    assert "YAML" in problem.message


@pytest.mark.parametrize("mutation, expected", [
    (("topic: apheresis", "topic: aphaeresis"), "unknown topic 'aphaeresis'"),
    (("follow_ups: [apheresis-how-long]", "follow_ups: [nowhere]"), "unknown follow-up 'nowhere'"),
    (("id: apheresis-how-long", "id: apheresis-what-is"), "duplicate id 'apheresis-what-is'"),
    (("document: patient-facts, section: Steps of treatment, url", "document: blog, section: x, url"), "source document 'blog'"),
    (("alternates: [a one, a two, a three, a four, a five, a six]", "alternates: [a one]"), "at least 6"),
    (("    reviewer: Test\n  - id", "  - id"), "missing 'reviewer'"),
    (("id: apheresis-what-is", "id: Apheresis What"), "lowercase slug"),
    (("reviewed: 2026-11-01\n    reviewer: Test\n  - id", "reviewed: someday\n    reviewer: Test\n  - id"), "reviewed must be a date"),
    (("    follow_ups: []", "    follow_ups: []\n    colour: blue"), "unknown field 'colour'"),
])
def test_schema_problems_name_file_line_and_what_is_wrong(tmp_path, mutation, expected):
    old, new = mutation
    assert old in ENTRY
    _, problems = load(tmp_path, ENTRY.replace(old, new, 1))
    found = [p for p in errors(problems) if expected in p.message]
    assert found, messages(problems)
    assert all(p.file.name == "apheresis.yml" and p.line > 1 for p in found)


@pytest.mark.parametrize("raw, expected", [
    (b"", "file is empty"),
    (b"\x00\x01\x02binary", "not a text file"),
    (b"\xff\xfe not utf8", "not UTF-8"),
    (b"<html><body>oops</body></html>", "needs a top-level 'faq:'"),
    (b"faq: just a string", "must be a list"),
    (b"faq:\n  - 42\n", "must be a mapping"),
])
def test_bad_files_get_a_clear_message(tmp_path, raw, expected):
    _, problems = load(tmp_path, raw)
    assert any(expected in p.message for p in errors(problems)), messages(problems)


def test_a_huge_file_is_handled(tmp_path):
    bulk = "".join(
        f"  - id: bulk-{i}\n    topic: apheresis\n    question: Question {i}?\n"
        f"    alternates: [x1 {i}, x2 {i}, x3 {i}, x4 {i}, x5 {i}, x6 {i}]\n    answer: Answer {i}.\n"
        f"    source: {{document: patient-facts, section: Steps of treatment}}\n"
        f"    reviewed: 2026-11-01\n    reviewer: Test\n"
        for i in range(2000))
    content, problems = load(tmp_path, ENTRY + bulk)
    assert not errors(problems), messages(problems)[:3]
    assert len(content.entries) == 2002


def test_plain_language_and_review_age_are_warnings(tmp_path):
    hard = "Autologous immunotherapeutic interventions necessitate comprehensive multidisciplinary evaluation " * 3
    content, problems = load(tmp_path, ENTRY.replace("It takes about 3 to 6 hours.", hard))
    warnings = check_plain_language(content.entries) + check_review_dates(content.entries, dt.date(2028, 1, 1))
    assert {p.severity for p in warnings} == {"warning"}
    text = " ".join(messages(warnings))
    assert "grade" in text and "over a year ago" in text


def test_the_shipped_content_has_no_errors():
    from bot.settings import load_settings

    paths = load_settings().paths
    content, problems = load_content(paths.faq_dir, paths.sources_dir, paths.topics_file, paths.contacts_file)
    assert not errors(problems), messages(errors(problems))
    topics = {e.topic for e in content.entries}
    assert topics == set(content.topics), f"topics without an entry: {set(content.topics) - topics}"
    for entry in content.entries:
        assert entry.source.url and entry.source.section and entry.reviewed and entry.reviewer
