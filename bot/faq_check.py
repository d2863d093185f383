"""The editors' check: everything `python -m bot faq check` reports, also applied before a live reload."""
from __future__ import annotations

import datetime as dt

import numpy as np

from bot.content import Content, FaqEntry
from bot.retrieval import RetrievalIndex
from bot.problems import Problem
from bot.text import normalise, reading_grade, word_count

MAX_GRADE = 8.0
MAX_WORDS = 120
REVIEW_EVERY_DAYS = 365
# An alternate whose best rival in another topic beats its own entry by more than this clearly belongs
# elsewhere (error). A narrower loss, or a rival in the same topic, is a warning: the entries overlap
# and editors may want to sharpen them, but families still land on the right subject.
ALTERNATE_CLEAR_LOSS = 0.15


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


def check_alternates_belong(index: RetrievalIndex) -> list[Problem]:
    """An alternate that retrieval would route to another entry sends families to the wrong answer.

    Each alternate is scored as a question against the index with itself left out, by the same
    hybrid ranking that answers families; its own entry must come first.
    """
    problems = []
    for owner, entry in enumerate(index.entries):
        rows = index.phrasing_rows(owner)
        for alt_index, row in enumerate(rows[1:]):  # the first phrasing is the question itself
            scores = index.leave_one_out_scores(row)
            best = int(np.argmax(scores))
            if best != owner:
                rival = index.entries[best]
                loss = float(scores[best] - scores[owner])
                problems.append(Problem(entry.file, entry.alternate_lines[alt_index],
                    f"alternate '{entry.alternates[alt_index]}' of '{entry.id}' matches '{rival.id}' better "
                    f"({scores[best]:.2f} vs {scores[owner]:.2f}); reword it or move it to that entry",
                    "error" if loss > ALTERNATE_CLEAR_LOSS and rival.topic != entry.topic else "warning"))
    return problems


def check_content(content: Content, index: RetrievalIndex | None, today: dt.date | None = None) -> list[Problem]:
    """The checks that need loaded entries (loading itself reports schema and reference problems)."""
    problems = check_plain_language(content.entries) + check_review_dates(content.entries, today)
    if index is not None:
        problems += check_alternates_belong(index)
    return problems
