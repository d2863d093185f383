"""Reading the eligibility form's answers and comparing them with KYMRIAH's approved indication.

The comparison is information, never a verdict: the summary says how answers line up with the
label and that only the care team decides. Wording lives in domain.yml.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

UNSURE = "not_sure"
MAX_APPROVED_AGE = 25

_UNSURE = re.compile(r"\b(not sure|unsure|don'?t know|dont know|no idea|idk|not certain|maybe|dunno)\b", re.I)
_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_MONTHS = re.compile(r"(\d+)\s*(?:months?|mos?)\b", re.I)


def parse_age(text: str) -> float | str | None:
    """Years as a number, UNSURE, or None when no age can be read ("nineteen", "19 yo", "she's 6")."""
    if not text:
        return None
    lowered = text.lower()
    months = _MONTHS.search(lowered)
    if months:
        return round(int(months.group(1)) / 12, 2)
    digits = re.findall(r"\b(\d{1,3})(?:\.\d+)?\b", lowered)
    if digits:
        age = int(digits[0])
        return float(age) if 0 <= age <= 120 else None
    words = re.findall(r"[a-z]+", lowered.replace("-", " "))
    total, found = 0, False
    for word in words:
        if word in _NUMBER_WORDS:
            total += _NUMBER_WORDS[word]
            found = True
        elif found:
            break
    if found:
        return float(total)
    if _UNSURE.search(lowered):
        return UNSURE
    return None


def parse_diagnosis(text: str) -> str | None:
    lowered = (text or "").lower()
    if _UNSURE.search(lowered):
        return UNSURE
    if re.search(r"\b(another|other|different|aml|myeloid|lymphoma|cml|t[\s-]?cell)\b", lowered):
        return "other"
    if re.search(r"\b(b[\s-]?cell|pre[\s-]?b|b[\s-]?all|b[\s-]?precursor)\b", lowered) or \
            re.search(r"\b(all|acute lymphoblastic|lymphoblastic)\b", lowered):
        return "b_cell_all"
    return None


def parse_status(text: str) -> str | None:
    lowered = (text or "").lower()
    if _UNSURE.search(lowered):
        return UNSURE
    if re.search(r"\b(refractory|didn'?t respond|did not respond|not respond|no remission|never went into remission|resistant|didn'?t work|did not work)\b", lowered):
        return "refractory"
    if re.search(r"\b(second|2nd|third|3rd|twice|two times|2 times|three times|3 times|multiple|several|again and again|more than once)\b", lowered):
        return "second_or_later_relapse"
    if re.search(r"\b(first|1st|once|one time|1 time|relapsed|relapse|came back)\b", lowered):
        return "first_relapse"
    if re.search(r"\b(remission|new(ly)? diagnosed|just diagnosed|in treatment)\b", lowered):
        return "other"
    return None


@dataclass(frozen=True)
class Comparison:
    matches: bool
    differences: list[str]
    unknowns: list[str]


def compare(age: float | str | None, diagnosis: str | None, status: str | None) -> Comparison:
    differences, unknowns = [], []
    if age == UNSURE or age is None:
        unknowns.append("age")
    elif float(age) > MAX_APPROVED_AGE:
        differences.append(f"the approved use is for patients up to {MAX_APPROVED_AGE} years old")
    if diagnosis == UNSURE or diagnosis is None:
        unknowns.append("diagnosis")
    elif diagnosis != "b_cell_all":
        differences.append("the approved use in children and young adults is for B-cell ALL")
    if status == UNSURE or status is None:
        unknowns.append("disease status")
    elif status not in ("refractory", "second_or_later_relapse"):
        differences.append("the approved use is for leukemia that did not respond to treatment or came back two or more times")
    return Comparison(not differences and not unknowns, differences, unknowns)
