"""Loading and validating FAQ files: every problem comes back as file:line, nothing raises."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.content import load_content, load_faq_file
from bot.content.checks import check_plain_language, check_review_dates
from bot.problems import errors
from bot.settings import ROOT, Paths

ENTRY = """\
faq:
  - id: apheresis-what-is
    topic: apheresis
    question: What is apheresis?
    alternates: [a one, a two, a three, a four, a five, a six, a seven, a eight]
    answer: Apheresis is a way to collect blood cells. A small tube goes in a vein.
    source: {document: patient-facts, section: Steps of treatment, url: "https://example.org/mg"}
    follow_ups: [apheresis-how-long]
    reviewed: 2026-11-01
    reviewer: Test
  - id: apheresis-how-long
    topic: apheresis
    question: How long does apheresis take?
    alternates: [b one, b two, b three, b four, b five, b six, b seven, b eight]
    answer: It takes about 3 to 6 hours.
    source: {document: patient-facts, section: Steps of treatment}
    follow_ups: []
    reviewed: 2026-11-01
    reviewer: Test
"""


def load(tmp_path: Path, text: str, name: str = "apheresis.yml", **files):
    faq = tmp_path / "faq"
    faq.mkdir(exist_ok=True)
    (faq / name).write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    overrides = {}
    for field, body in files.items():  # e.g. handoff_file="..." replaces data/handoff.yml
        path = tmp_path / f"{field}.yml"
        path.write_bytes(body.encode("utf-8") if isinstance(body, str) else body)
        overrides[field] = path
    return load_content(Paths(faq_dir=faq, **overrides))


def messages(problems) -> list[str]:
    return [p.format() for p in problems]


def test_a_valid_file_loads_with_sources_and_dates(tmp_path):
    content, problems = load(tmp_path, ENTRY)
    assert not errors(problems), messages(problems)
    first, second = content.entries
    assert first.id == "apheresis-what-is" and len(first.alternates) == 8
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
    (("alternates: [a one, a two, a three, a four, a five, a six, a seven, a eight]", "alternates: [a one]"), "at least 8"),
    (("    follow_ups: []", "    answer_simple: 42\n    follow_ups: []"), "answer_simple must be text"),
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
        f"    alternates: [x1 {i}, x2 {i}, x3 {i}, x4 {i}, x5 {i}, x6 {i}, x7 {i}, x8 {i}]\n    answer: Answer {i}.\n"
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
    content, problems = load_content(paths)
    assert not errors(problems), messages(errors(problems))
    assert len(content.entries) >= 120
    topics = {e.topic for e in content.entries}
    assert topics == set(content.topics), f"topics without an entry: {set(content.topics) - topics}"
    for entry in content.entries:
        assert entry.source.url and entry.source.section and entry.reviewed and entry.reviewer


HANDOFF = """\
reviewed: 2026-12-01
reviewer: Test
reasons:
  - id: costs_insurance
    title: Costs
    contact: program_contact
    reply: Costs depend on the plan.
    examples: [how much is it, what does it cost, is it covered, the bill, the copay]
"""


@pytest.mark.parametrize("mutation, expected", [
    (("    reply: Costs depend on the plan.\n", ""), "missing 'reply'"),
    (("contact: program_contact", "contact: nobody"), "names contact 'nobody'"),
    (("examples: [how much is it, what does it cost, is it covered, the bill, the copay]", "examples: [one]"), "at least 5"),
    (("id: costs_insurance", "id: Costs Insurance"), "lowercase words"),
    (("reply: Costs depend on the plan.", 'reply: "Costs depend'), "YAML"),
    (("reviewer: Test\n", ""), "needs 'reviewer:'"),
])
def test_handoff_reasons_are_checked_with_file_and_line(tmp_path, mutation, expected):
    old, new = mutation
    assert old in HANDOFF
    _, problems = load(tmp_path, ENTRY, handoff_file=HANDOFF.replace(old, new, 1))
    found = [p for p in errors(problems) if expected in p.message]
    assert found, messages(problems)
    assert all(p.file.name == "handoff_file.yml" and p.line >= 1 for p in found)


def test_a_valid_handoff_file_gives_routes(tmp_path):
    content, problems = load(tmp_path, ENTRY, handoff_file=HANDOFF)
    assert not errors(problems), messages(problems)
    costs = [r for r in content.routes if r.kind == "handoff"]
    assert [r.id for r in costs] == ["costs_insurance"] and len(costs[0].examples) == 5


def test_an_answer_with_a_superseded_fact_is_an_error(tmp_path):
    from bot.content.checks import check_superseded

    stale = ENTRY.replace("It takes about 3 to 6 hours.", "Stay within 2 hours of the center for 4 weeks.")
    content, problems = load(tmp_path, stale)
    assert not errors(problems)
    found = check_superseded(content)
    assert found and "stay-near-4-weeks" in found[0].message and found[0].severity == "error"


def test_the_shipped_content_is_sourced_dated_and_current():
    from bot.content.checks import check_superseded
    from bot.settings import load_settings

    content, _ = load_content(load_settings().paths)
    by_id = content.by_id()
    assert check_superseded(content) == []
    for entry in content.entries:
        assert entry.source.url and entry.source.url.startswith("https://"), entry.id
        assert entry.reviewer, entry.id
        assert len(entry.alternates) >= 8, entry.id
    # The boxed warning on secondary T-cell cancers (April 2024) is in the overview and the follow-up.
    for entry_id in ("side-effects-overview", "after-treatment-follow-up"):
        assert "cancer" in by_id[entry_id].answer.lower(), entry_id
    # The outcomes entries name their data cut and its date, not a bare percentage.
    remission = by_id["outcomes-remission-rate"].answer
    assert "81" in remission and "2018" in remission
    assert "B-cell precursor" in by_id["kymriah-what-is"].answer
