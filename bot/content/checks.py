"""The editors' check: everything `python -m bot faq check` reports, also applied before a live reload."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from bot.content import Content, FaqEntry
from bot.retrieval.index import RetrievalIndex
from bot.retrieval.scorer import ANSWER, RetrievalSettings, assess
from bot.problems import Problem
from bot.text import reading_grade, word_count
from bot.yaml_lines import YamlProblem, load_located

MAX_GRADE = 8.0
MAX_WORDS = 120
REVIEW_EVERY_DAYS = 365
# An alternate whose best rival in another topic beats its own entry by more than this clearly belongs
# elsewhere (error); a loss above ALTERNATE_NOTABLE_LOSS is a warning. Closer calls are not reported: the
# fine-tuned model moves them by a few hundredths at every retraining, so editors could never settle them.
ALTERNATE_CLEAR_LOSS = 0.15
ALTERNATE_NOTABLE_LOSS = 0.03


def check_plain_language(entries: list[FaqEntry]) -> list[Problem]:
    problems = []
    for entry in entries:
        grade = reading_grade(entry.answer)
        if grade > MAX_GRADE:
            problems.append(Problem(entry.file, entry.line,
                f"answer of '{entry.id}' reads at grade {grade:.1f}; aim for {MAX_GRADE:.0f} or lower (shorter sentences, common words)",
                "warning"))
        words = word_count(entry.answer)
        if words > MAX_WORDS:
            problems.append(Problem(entry.file, entry.line,
                f"answer of '{entry.id}' has {words} words; keep it under about {MAX_WORDS}", "warning"))
    return problems


def check_review_dates(entries: list[FaqEntry], today: dt.date | None = None) -> list[Problem]:
    today = today or dt.date.today()
    problems = []
    for entry in entries:
        age = (today - entry.reviewed).days
        if age > REVIEW_EVERY_DAYS:
            problems.append(Problem(entry.file, entry.line,
                f"'{entry.id}' was last reviewed on {entry.reviewed.isoformat()}, over a year ago; re-check it against the current Medication Guide",
                "warning"))
        elif age < 0:
            problems.append(Problem(entry.file, entry.line, f"'{entry.id}' has a review date in the future", "error"))
    return problems


def check_alternates_belong(index: RetrievalIndex, settings: RetrievalSettings) -> list[Problem]:
    """An alternate that retrieval would route to another topic sends families to the wrong answer.

    Each stored phrasing is asked as a question with itself left out, scored exactly as families' questions
    are. For an FAQ alternate, a winner in another topic is reported (an error when it wins clearly): the
    editor rewords the alternate with words of its own question, or moves it. Two entries of one topic
    sharing words is not reported: families still land on the right subject, and "Related questions" link
    them. For a hand-off or near-miss example (those are deliberately varied, so they need not be close to
    each other), only one case is reported: an FAQ entry would answer it confidently instead of a person.
    """
    problems = []
    groups = index.groups
    for row, owner, text in index.stored_phrasings():
        a = assess(index.stored_features(row).values, groups, 0.0, settings)
        values, best = a.values, int(a.order[0])
        mine, rival = index.targets[owner], index.targets[best]
        if groups[best] == groups[owner]:
            continue
        where = mine.entry or mine.route
        if mine.entry is not None:
            line = where.alternate_lines[index.phrasing_rows(owner).index(row) - 1]
            loss = float(values[best] - values[owner])
            if loss <= ALTERNATE_NOTABLE_LOSS:
                continue
            problems.append(Problem(where.file, line,
                f"alternate '{text}' of '{mine.id}' matches '{rival.id}' ({rival.topic or rival.kind}) better "
                f"({values[best]:.2f} vs {values[owner]:.2f}); reword it with words of its own question, or move it",
                "error" if loss > ALTERNATE_CLEAR_LOSS else "warning"))
        elif rival.entry is not None and a.band == ANSWER \
                and not (where.term_pattern is not None and where.term_pattern.search(text)):
            # (An example naming one of its reason's `terms`, "is yescarta the same as kymriah", is routed by
            # the term before retrieval is asked.)
            line = where.example_lines[index.phrasing_rows(owner).index(row)]
            problems.append(Problem(where.file, line,
                f"example '{text}' of '{mine.id}' would be answered by FAQ entry '{rival.id}' ({a.confidence:.2f}); if that "
                f"answer is right for it, remove the example, otherwise reword it", "warning"))
    return problems


def check_superseded(content: Content) -> list[Problem]:
    """No answer may state a fact that data/sources/index.yml lists as superseded (the 2024 stay-near
    period, the 2017 interim remission figure, REMS-era certification)."""
    problems = []
    texts = [(entry.file, entry.line, entry.id, name, text) for entry in content.entries
             for name, text in (("answer", entry.answer), ("answer_simple", entry.answer_simple or ""))]
    texts += [(route.file, route.line, route.id, "reply", route.reply) for route in content.routes]
    for file, line, owner, name, text in texts:
        for fact in content.superseded:
            if fact.found_in(text):
                problems.append(Problem(file, line, f"{name} of '{owner}' states a superseded fact ({fact.id}): {fact.why}"))
    return problems


def check_replies(domain_file: Path, reviews_file: Path) -> list[Problem]:
    """The fixed replies in domain.yml: each has a review record (data/reply_reviews.yml) and reads at
    grade 8 or lower."""
    try:
        domain = load_located(domain_file)
        reviews = load_located(reviews_file)
    except YamlProblem as exc:
        return [Problem(reviews_file, exc.line, exc.message)]
    responses = domain.children.get("responses") if domain and isinstance(domain.children, dict) else None
    records = reviews.children.get("replies") if reviews and isinstance(reviews.children, dict) else None
    if responses is None or not isinstance(responses.children, dict):
        return [Problem(domain_file, 1, "domain.yml has no responses")]
    if records is None or not isinstance(records.children, dict):
        return [Problem(reviews_file, 1, "expected a 'replies:' mapping of response name to its review record")]
    problems = []
    for name, node in responses.children.items():
        record = records.children.get(name)
        if record is None:
            problems.append(Problem(reviews_file, records.line, f"response '{name}' (domain.yml:{responses.key_lines[name]}) has no review record"))
        elif not isinstance(record.value, dict) or not record.value.get("reviewer") or not isinstance(record.value.get("reviewed"), dt.date):
            problems.append(Problem(reviews_file, record.line, f"the record of '{name}' needs reviewed (a date) and reviewer"))
        for variation in node.value if isinstance(node.value, list) else []:
            text = variation.get("text") if isinstance(variation, dict) else None
            if text and word_count(text) >= 12 and reading_grade(text) > MAX_GRADE:
                problems.append(Problem(domain_file, responses.key_lines[name],
                    f"response '{name}' reads at grade {reading_grade(text):.1f}; aim for {MAX_GRADE:.0f} or lower", "warning"))
    for name in records.children:
        if name not in responses.children:
            problems.append(Problem(reviews_file, records.key_lines[name], f"review record for '{name}', which is not a response in domain.yml"))
    return problems


def check_content(content: Content, index: RetrievalIndex | None, settings: RetrievalSettings | None = None,
                  today: dt.date | None = None) -> list[Problem]:
    """The checks that need loaded entries (loading itself reports schema and reference problems)."""
    problems = check_plain_language(content.entries) + check_review_dates(content.entries, today)
    problems += check_superseded(content)
    if index is not None and settings is not None:
        problems += check_alternates_belong(index, settings)
    return problems
