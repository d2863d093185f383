"""Reading the eligibility check's answers and comparing them with KYMRIAH's approved indication.

The approved use (Medication Guide): patients up to 25 years old with B-cell precursor ALL that is
refractory or in second or later relapse. A first relapse that did not go into remission with the
treatment given for it is refractory disease too, so after "came back once" the check asks whether the
leukemia went into remission after the latest treatment. The comparison is information, never a
verdict: the summary says how the answers line up with the label and that only the care team decides.
Wording lives in domain.yml.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.questions import sentences

UNSURE = "not_sure"
MAX_APPROVED_AGE = 25
B_CELL_ALL, OTHER = "b_cell_all", "other"
REFRACTORY, FIRST_RELAPSE, SECOND_RELAPSE = "refractory", "first_relapse", "second_or_later_relapse"
IN_REMISSION, NOT_IN_REMISSION = "in_remission", "not_in_remission"
SLOTS = ("patient_age", "diagnosis", "disease_status", "relapse_response")

_UNSURE = re.compile(r"\b(not sure|unsure|don'?t know|dont know|no idea|idk|not certain|maybe|dunno|no s[eé]|not really sure)\b", re.I)
_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_MONTHS = re.compile(r"(\d+)\s*(?:months?|mos?)\b(?:\s*old)?", re.I)
# An age said as an age ("is 19", "19 years old", "19yo", "age 19", "a 19-year-old"): what may be read from a
# message that answers another question ("my son is 19 and relapsed twice").
_AGE_IN_CONTEXT = re.compile(
    r"\b(?:(?:is|s|he's|she's|i'm|im|am|age|aged|turned|turning)\s+(\d{1,3})\b(?!\s*(?:times|x|weeks|days|months|%|percent))"
    r"|(\d{1,3})\s*(?:years?|yrs?|yo|y/o|year-old|yr-old|-year-old|años|anos)\b)", re.I)


def _number_in_words(lowered: str) -> float | None:
    total, found = 0, False
    for word in re.findall(r"[a-z]+", lowered.replace("-", " ")):
        if word in _NUMBER_WORDS:
            total += _NUMBER_WORDS[word]
            found = True
        elif found:
            break
    return float(total) if found else None


def parse_age(text: str, strict: bool = False) -> float | str | None:
    """Years as a number, UNSURE, or None when no age can be read ("nineteen", "19 yo", "she's 6").
    `strict`: only an age said as an age (for a message that answers another question)."""
    if not text:
        return None
    lowered = text.lower()
    months = _MONTHS.search(lowered)
    if months:
        return round(int(months.group(1)) / 12, 2)
    in_context = _AGE_IN_CONTEXT.search(lowered)
    if in_context:
        age = int(in_context.group(1) or in_context.group(2))
        return float(age) if 0 <= age <= 120 else None
    if strict:
        return None
    digits = re.findall(r"\b(\d{1,3})(?:\.\d+)?\b(?!\s*(?:times|x\b|relapses?|weeks|days|%|percent))", lowered)
    if digits:
        age = int(digits[0])
        return float(age) if 0 <= age <= 120 else None
    words = _number_in_words(lowered)
    if words is not None:
        return words
    return UNSURE if _UNSURE.search(lowered) else None


def parse_diagnosis(text: str, strict: bool = False) -> str | None:
    lowered = (text or "").lower()
    if not strict and _UNSURE.search(lowered):
        return UNSURE
    if re.search(r"\b(another|other|different|aml|myeloid|lymphoma|cml|hodgkin|t[\s-]?cell all|t[\s-]?all|"
                 r"cll|chronic (?:lymphocytic|myeloid|myelogenous)|mixed[\s-]phenotype|mpal|biphenotypic|mieloide|linfoma|lma)\b", lowered):
        return OTHER
    # Spanish too: "leucemia linfoblástica aguda tipo B", "LLA de células B".
    if re.search(r"\b(b[\s-]?cell|pre[\s-]?b|b[\s-]?all|b[\s-]?precursor|c[eé]lulas? b|tipo b|lla)\b", lowered) or \
            re.search(r"\b(acute lymphoblastic|lymphoblastic|lymphocytic|linfobl[aá]stica|linfoc[ií]tica)\b", lowered) or \
            (not strict and re.search(r"\ball\b", lowered)) or re.search(r"\b(ALL)\b", text or ""):
        return B_CELL_ALL
    return None


# The English words for "the leukemia came back", shared by the first-relapse and the "came back again" readings.
_RELAPSED = r"relapsed|relapse|came back|come back|comes back|returned"


def parse_status(text: str, strict: bool = False) -> str | None:
    lowered = (text or "").lower()
    if not strict and _UNSURE.search(lowered):
        return UNSURE
    # "Never reached remission" and treatment that is not working describe refractory disease (the label's word).
    if re.search(r"\b(refractory|didn'?t respond|did not respond|not respond|not responding|resistant|"
                 r"never (?:went|got|gone|achieved|reached|been|made it) (?:into |in |to )?(?:a )?remission|"
                 r"didn'?t work|did not work|(?:chemo|treatment|therapy|it|medicine|meds) (?:isn'?t|is not|wasn'?t|was not|not) working|"
                 r"never went away|(?:it|leukemia|cancer|disease) (?:didn'?t|did not) go away|primary refractory|refractaria|no respondi[oó])\b", lowered):
        return REFRACTORY
    relapse_words = rf"\b({_RELAPSED}|relapses|reca[ií]da|regres[oó]|volvi[oó])\b"
    # "It came back again", "relapsed in march and again now", "relapsed 2x": more than one relapse.
    if re.search(r"\b(second|2nd|third|3rd|twice|two times|2 times|three times|3 times|multiple|multiply|several|"
                 r"again and again|more than once|relapsed twice|2 relapses|two relapses|segunda|dos veces|"
                 r"tercera|varias veces)\b|\b[2-9]x\b|\bx[2-9]\b", lowered) or \
            re.search(rf"\b(?:{_RELAPSED}|is back|it'?s back)(?: \w+){{0,4}}? again\b", lowered):
        return SECOND_RELAPSE
    if re.search(relapse_words, lowered) or (not strict and re.search(r"\b(first|1st|once|one time|1 time)\b", lowered)):
        return FIRST_RELAPSE
    if re.search(r"\b(newly diagnosed|just diagnosed|first treatment|in treatment)\b", lowered):
        return OTHER
    return None


def parse_remission(text: str, strict: bool = False) -> str | None:
    """After a first relapse: did the leukemia go into remission with the latest treatment?"""
    lowered = (text or "").lower()
    if not strict and _UNSURE.search(lowered):
        return UNSURE
    if re.search(r"\b(no remission|not in remission|didn'?t go into remission|did not go into remission|"
                 r"never went into remission)\b", lowered) or (not strict and re.search(
                 r"\b(didn'?t (?:respond|work|go away)|did not (?:respond|work|go away)|still (?:there|has|have|active)|"
                 r"still (?:some |a few )?(?:leukemia|cancer|blasts)|partial(?:ly)?|not gone)\b", lowered)):
        return NOT_IN_REMISSION
    if re.search(r"\b(in remission|went into remission)\b", lowered) or (not strict and re.search(
            r"\b(remission|it went away|gone|responded|cleared|(?:chemo|treatment|it) worked)\b", lowered)):
        return IN_REMISSION
    if not strict and re.fullmatch(r"\s*(no|nope|no it did not|no it didn'?t)\W*\s*", lowered):
        return NOT_IN_REMISSION
    if not strict and re.fullmatch(r"\s*(yes|yeah|yep|yes it did)\W*\s*", lowered):
        return IN_REMISSION
    return None


PARSERS = {"patient_age": parse_age, "diagnosis": parse_diagnosis, "disease_status": parse_status,
           "relapse_response": parse_remission}
# The values the parsers give, per slot (an age is a number).
CANONICAL = {"diagnosis": {B_CELL_ALL, OTHER, UNSURE},
             "disease_status": {REFRACTORY, FIRST_RELAPSE, SECOND_RELAPSE, OTHER, UNSURE},
             "relapse_response": {IN_REMISSION, NOT_IN_REMISSION, UNSURE}, "patient_age": {UNSURE}}


def normalise_answer(slot: str, value: object) -> object:
    """A slot value as the parsers give it: already read values pass, raw text is read, else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if slot == "patient_age" and 0 <= value <= 120 else None
    if value in CANONICAL[slot]:
        return value
    return PARSERS[slot](value) if isinstance(value, str) else None


def read_answers(text: str, requested: str | None) -> dict[str, object]:
    """Every answer a message gives: the requested one read loosely, the others only when said plainly
    ("my son is 19 and relapsed twice" answers age and status at once; "actually it's AML" corrects the
    diagnosis whatever was asked)."""
    found: dict[str, object] = {}
    for slot, parser in PARSERS.items():
        value = parser(text, strict=slot != requested)
        if value is not None:
            found[slot] = value
    return found


# A message or sentence that asks rather than answers (its start or its question mark). A few words may
# lead in: "wait what is b-cell all" asks, though "b-cell all" alone would answer the diagnosis question.
_LEAD_IN = r"(?:(?:wait|ok|okay|so|and|but|sorry|hmm+|um+|uh+|oh|hold on|hang on|quick question)[\s,.!:;-]+)*"
_ASKS = re.compile(r"\?\s*$|^\s*" + _LEAD_IN + r"(what|how|why|when|where|who|which|whats|what's|is|are|does|do|can|"
                   r"could|will|would|should)\b", re.I)


def asks(text: str) -> bool:
    return bool(_ASKS.search(text or ""))


# Whether this patient could get the therapy: what the check is for ("can my son get car t", "is my daughter
# a candidate for kymriah", "could she qualify"). Such a message, read by the classifier as a wish for the
# check, starts it even when retrieval is sure of an answer: the entry about whether the hospital offers
# KYMRIAH begins with "Yes.", which is no answer to "can my son get it".
_PATIENT = (r"(?:(?:my|our|the)\s+(?:[\w-]+\s+){0,3}?(?:son|daughter|child|kid|boy|girl|baby|toddler|teen|teenager|"
            r"grandson|granddaughter|niece|nephew|patient|pt|old)|he|she|i|we|they)")
_THERAPY_NAMED = (r"(?:car[\s-]?t(?:[\s-]cells?)?(?:\s+(?:cell\s+)?(?:therapy|treatment))?|cart|kymriah|tisa-?cel|"
                  r"tisagenlecleucel|(?:this|that|the)\s+(?:therapy|treatment|drug|medicine)|it|this|that)")
# "can i get kymriah at your hospital" asks where it is given, not whether the patient may have it.
_NOT_WHERE = r"(?!\s+(?:at|in|from)\s+(?:your|the|this|bch|boston|dana)|\s+(?:there|here))"
_OWN_CHECK = re.compile(
    rf"\b(?:can|could|would|will|may|does|do)\s+{_PATIENT}\s+(?:still\s+|even\s+)?"
    rf"(?:(?:get|have|receive|try|be\s+treated\s+with)\s+{_THERAPY_NAMED}\b{_NOT_WHERE}"
    rf"|qualify|be\s+(?:eligible|a\s+candidate|considered)\b)"
    rf"|\b(?:is|are)\s+{_PATIENT}\s+(?:still\s+|even\s+)?(?:eligible|a\s+candidate|qualified)\b"
    # The same question in statement order, as parents writing in a second language type it ("my son can
    # receive kymriah?"): only with its question mark, since "she can have it at home" states something.
    rf"|\b{_PATIENT}\s+(?:can|could|may)\s+(?:still\s+)?(?:get|have|receive|try)\s+{_THERAPY_NAMED}{_NOT_WHERE}\s*\?",
    re.I)


def asks_for_own_check(text: str) -> bool:
    return bool(_OWN_CHECK.search(text or ""))


def stated_answers(text: str, requested: str | None) -> dict[str, object]:
    """`read_answers` over the sentences of a message that are not questions: "does my daughter qualify? she
    is 8, b cell ALL, relapsed twice" answers all three; "is 25 the age limit?" answers nothing."""
    statements = " ".join(s for s in sentences(text or "") if not asks(s))
    return read_answers(statements, requested) if statements else {}


def required_slots(disease_status: object) -> list[str]:
    slots = ["patient_age", "diagnosis", "disease_status"]
    if disease_status == FIRST_RELAPSE:
        slots.append("relapse_response")
    return slots


@dataclass(frozen=True)
class Comparison:
    matches: bool
    differences: list[str]
    unknowns: list[str]
    # A first relapse that did not go into remission: in line with the label, because it is refractory.
    refractory_relapse: bool = False


def compare(age: object, diagnosis: object, status: object, remission: object = None) -> Comparison:
    differences, unknowns = [], []
    if age == UNSURE or age is None:
        unknowns.append("age")
    elif float(age) > MAX_APPROVED_AGE:
        differences.append(f"the approved use is for patients up to {MAX_APPROVED_AGE} years old")
    if diagnosis == UNSURE or diagnosis is None:
        unknowns.append("diagnosis")
    elif diagnosis != B_CELL_ALL:
        differences.append("the approved use in children and young adults is for B-cell ALL")
    refractory_relapse = False
    if status == UNSURE or status is None:
        unknowns.append("where the leukemia is now")
    elif status == FIRST_RELAPSE:
        if remission == NOT_IN_REMISSION:
            refractory_relapse = True
        elif remission == IN_REMISSION:
            differences.append("the approved use is for leukemia that did not respond to treatment or came back two "
                               "or more times; a first relapse that went into remission is not part of it")
        else:
            unknowns.append("whether the leukemia went into remission after the latest treatment")
    elif status not in (REFRACTORY, SECOND_RELAPSE):
        differences.append("the approved use is for leukemia that did not respond to treatment or came back two or more times")
    return Comparison(not differences and not unknowns, differences, unknowns, refractory_relapse)
