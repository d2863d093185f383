"""What a message asks: its question sentences, a second question joined by "and", a follow-up that only
makes sense after the last answer, the next step of the treatment, or a request for simpler words.

Plain text heuristics with no model: the decisions they feed are still made by retrieval's confidence
(bot/answering.py), so a wrong guess here costs a second retrieval call, not a wrong answer.
"""
from __future__ import annotations

import re

_SENTENCE = re.compile(r"[^.!?]+[.!?]*")
_QUESTION_START = re.compile(
    r"^\s*(what|what's|whats|how|why|when|where|who|which|is|are|was|were|does|do|did|can|could|will|would|should|"
    r"may|has|have)\b", re.I)
# "what is lymphodepletion and how many days does it last": a second question after "and" / "also".
_SECOND_QUESTION = re.compile(
    r"\s*(?:,\s*)?\b(?:and|also|plus)\s+(?=(?:what|how|why|when|where|who|which|is|are|does|do|can|will|should)\b)", re.I)
_SIMPLER = re.compile(
    r"\b(simpler|simple words|simply|more simple|more easy|in easy words|my english is not (?:so |very )?good|"
    r"english is not my first language|plain (?:english|words|language)|easier (?:words|way)|easy words|"
    r"explain (?:it|that) (?:to|for) (?:a|my) (?:kid|child|\d+ ?(?:year|yr)s? ?old)|eli5|dumb it down|"
    r"in kid terms|for my (?:\d+ ?(?:year|yr)s? ?old|little one|kid|son|daughter) to understand|i don'?t understand)\b", re.I)
# A whole message that says the last answer was not understood ("that's confusing", "i don't get it", "huh?",
# "can you break that down"). Only the whole message: "i'm confused about how long manufacturing takes" asks
# something new.
_NOT_UNDERSTOOD = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|sorry|um+|hm+|lol|haha|but|so|and|still|wait)[\s,.!]*)*"
    r"(?:(?:that(?:'s| is| was)?|this(?:'s| is)?|it(?:'s| is)?|i'?m|i am|im)?\s*"
    r"(?:so |very |really |a bit |kinda |kind of |too |still |a little )?"
    r"(?:confusing|confused|complicated|technical|hard to (?:understand|follow)|(?:went )?over my head|lost)"
    r"|i (?:don'?t|do not|didn'?t|did not) (?:get|understand|follow)(?: (?:it|that|this|you|any of (?:it|that)))?"
    r"|huh|what|wut|wat|what does (?:that|this|it) (?:even |all )?mean"
    r"|(?:could|can|would) (?:you|u) (?:please )?(?:dumb (?:it|that) down|break (?:it|that) down|"
    r"make (?:it|that) (?:easier|simpler)(?: to understand)?|explain (?:it|that) (?:again|better|differently|more simply))"
    r"|explain (?:it |that )?(?:to me )?like (?:i'?m |im |i am )?(?:five|5|a kid|a child|\d+)"
    r"|(?:in )?(?:layman'?s|laymans|normal|regular|everyday|non[- ]?medical) (?:terms|words|language)"
    r"|too many (?:big|medical|long|hard) words)"
    r"(?: for me)?(?:,? in (?:normal|plain|simple|everyday|regular) (?:words|terms|english))?"
    r"(?:[\s,.!]*(?:please|pls|plz|lol|haha|sorry))*[\s?.!]*$", re.I)
# A whole message that only acknowledges the last reply ("ok", "got it", "wow", "that's a lot to take in").
# The intent classifier has no such intent and reads these as a question, advice or a wish for a person, and
# retrieval joined to the last answer then finds that answer, or its next entry, again. Only the whole message:
# "ok and how long does it take" still asks something. "yes" and "no" answer "Was this helpful?" instead.
_ACK_WORD = (r"(?:ok(?:ay|ie)?|k+|kk|alright|all right|got it|gotcha|i see|i understand|understood|"
             r"(?:that )?makes sense|noted|fair enough|cool|nice|great|perfect|awesome|good(?: to know)?|"
             r"sounds good|that helps|wow|whoa|oh+|ah+|hm+|interesting|lol|omg|yikes|geez|sure|"
             r"(?:that'?s|that is|this is|thats|it'?s|its) (?:a lot|so much|scary|a lot to (?:take in|process|think about))|"
             r"(?:thanks|thank you|thx|ty)(?: so much)?)")
_ACKNOWLEDGEMENT = re.compile(rf"^\s*{_ACK_WORD}(?:[\s,.!]+{_ACK_WORD})*[\s,.!]*$", re.I)


def acknowledges(text: str) -> bool:
    return bool(_ACKNOWLEDGEMENT.match(text or ""))


# A whole message that asks what the assistant can do ("help", "what can i ask you"), or has no words at all
# ("?", "..."): the greeting, which says what it can do, not "I only answer questions about CAR T".
_HELP = re.compile(
    r"^\s*(?:(?:hi|hello|hey|ok|um+|so)[\s,.!]+)*(?:help(?: me)?(?: please| pls)?|i need help|can you help(?: me)?|"
    r"what can (?:you|u) (?:do|help (?:me |us )?with)|what (?:can|should|do) (?:i|we) ask(?: you)?|"
    r"what do (?:you|u) know(?: about)?|how does this (?:chat|work)|menu|options)?[\s?.!]*$", re.I)


def asks_for_help(text: str) -> bool:
    return bool(text and text.strip() and _HELP.match(text))


# A wish for a person in the message's own words ("can i talk to a real person this is a lot"). The classifier
# reads some of these as "are you a bot?" because of "real person"; "is this a real person" asks that, and is
# not matched.
_WANTS_PERSON = re.compile(
    r"\b(?:talk|speak|chat)\s+(?:to|with)\s+(?:a\s+|an\s+|some\s+|the\s+)?(?:real\s+|actual\s+|live\s+)?"
    r"(?:person|human|someone|somebody|nurse|doctor)\b"
    r"|\b(?:want|need)\s+(?:a\s+|an\s+)?(?:real\s+|actual\s+|live\s+)?(?:person|human)\b"
    r"|\b(?:person|human|someone|somebody)\s+(?:i|we)\s+(?:can|could)\s+(?:talk|speak|chat)\b", re.I)


def asks_for_a_person(text: str) -> bool:
    return bool(_WANTS_PERSON.search(text or ""))


# Words that point back at the previous answer ("does it hurt", "how long does that take").
_ANAPHORA = re.compile(r"\b(it|that|this|they|them|those|these|there|then|one|he|she|him|her)\b", re.I)
_CUE = re.compile(
    r"^\s*(and|but|so|ok|okay|also|what about|how about|then|why|why not|how long|how often|how many|how much|"
    r"is it|does it|will it|can it|what if|what next|what comes next|what happens next|and then|for a)\b", re.I)
LONG_MESSAGE_WORDS = 30
# How people open a message before the question itself ("ok switching gears, what is apheresis", "hi quick
# question: ..."). The openers carry no meaning but pull a sentence embedding away from every phrasing.
_OPENER = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|so|and|also|hi|hey|hello|um+|uh+|well|sorry|thanks|thank you|alright|"
    r"(?:a |one )?quick question|(?:one )?more question|another question|one more thing|(?:ok )?switching gears|"
    r"changing (?:the )?(?:subject|topic)|different question|new question|question|i have a question|"
    r"i was wondering|i wanted to ask|i want to ask|can i ask|may i ask|can you tell me|could you tell me|"
    r"please tell me|tell me|please|pls|plz)\b[\s,.:;!?-]*)+", re.I)
# Hedges and intensifiers that change the tone of a question, not what it asks ("what even is car t").
_HEDGE = re.compile(r"\b(?:even|actually|exactly|really|basically|literally|honestly|tho|though)\b\s*", re.I)
# The whole message asks for the next step ("what comes next", "and after that?", "ok then what"), and
# nothing else: "what happens next week at clinic" is a question of its own.
_WHAT_NEXT = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|and|so|then|alright|thanks|thank you)[\s,.!]+)*"
    r"(?:what(?:'s|s| is)? (?:comes |happens |do we do |is the next step |\s*)?(?:next|after (?:that|this|it))"
    r"|what(?:'s|s| is) the next step|(?:the )?next step|after (?:that|this)|then what(?: happens)?|and then|what now"
    r"|what (?:comes|happens) (?:after|then|next)|what(?:'s|s| is) the step after (?:that|this|it)"
    r"|next|then|after|what (?:do|should|can) (?:we|i) do (?:now|next|after (?:that|this)(?: step)?))"
    r"[\s?.!]*$", re.I)


# A whole message asking for more about what was just answered ("tell me more", "go on", "what else should
# we know"): the next related question the editors listed after that answer.
_MORE = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|and|so|thanks|thank you|interesting|wow|please)[\s,.!]+)*"
    r"(?:(?:can|could|would) (?:you|u) (?:please )?)?"
    r"(?:tell me (?:a (?:bit|little) )?more(?: about (?:it|that|this|them))?|(?:say|explain) (?:a (?:bit|little) )?more|"
    r"(?:give me )?more (?:info(?:rmation)?|details?)(?: about (?:it|that|this))?|more(?: please)?|go on|keep going|"
    r"elaborate|what else(?: (?:should|do) (?:i|we) (?:know|need to know))?|"
    r"(?:is there )?anything else (?:i|we) should know)"
    r"(?:[\s,.!]*(?:please|pls|plz))*[\s?.!]*$", re.I)


def asks_for_more(text: str) -> bool:
    return bool(_MORE.match(text or ""))


# The therapy by name: a message that names it is about the program's subject, whatever else it says.
_THERAPY = re.compile(r"\b(?:car[\s-]?t|cart|kymriah|tisagenlecleucel|tisa-?cel)\b", re.I)


def names_the_therapy(text: str) -> bool:
    return bool(_THERAPY.search(text or ""))


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text or "") if s.strip()]


def is_question(sentence: str) -> bool:
    return sentence.rstrip().endswith("?") or bool(_QUESTION_START.search(sentence))


def question_part(text: str) -> str | None:
    """For a long message that tells a story and asks something, the question sentences; else None."""
    if len((text or "").split()) < LONG_MESSAGE_WORDS:
        return None
    asked = [s for s in sentences(text) if is_question(s)]
    if not asked or len(asked) == len(sentences(text)):
        return None
    return " ".join(asked[-2:])


def core_question(text: str) -> str | None:
    """The message without its openers and hedges, if that changes it and leaves at least two words."""
    core = _HEDGE.sub("", _OPENER.sub("", text or "", count=1)).strip(" ,")
    if core == (text or "").strip() or len(core.split()) < 2:
        return None
    return core


def split_two(text: str) -> tuple[str, str] | None:
    """Two questions in one message ("what is X and how long does it last"), or None."""
    parts = _SECOND_QUESTION.split(text or "", maxsplit=1)
    if len(parts) != 2:
        asked = [s for s in sentences(text) if is_question(s)]
        if len(asked) == 2:
            return asked[0], asked[1]
        return None
    first, second = parts[0].strip(" ,"), parts[1].strip()
    if len(first.split()) < 2 or len(second.split()) < 2:
        return None
    return first, second


def wants_simpler(text: str) -> bool:
    return bool(_SIMPLER.search(text or "") or _NOT_UNDERSTOOD.match(text or ""))


def asks_what_next(text: str) -> bool:
    return bool(_WHAT_NEXT.search(text or ""))


def looks_like_follow_up(text: str, content_words: int) -> bool:
    """Short, or bound to what was said before ("how long", "does it hurt", "and for a toddler?")."""
    words = len((text or "").split())
    if words <= 4 or content_words <= 1:
        return True
    return words <= 10 and bool(_CUE.search(text) or _ANAPHORA.search(text))


_POSSESSIVE = re.compile(r"\b(its|his|hers|their|theirs)\b", re.I)


def refers_back(text: str) -> bool:
    """Any word that may refer to what was said before, whatever the message's length ("is it painful",
    "how long do his levels stay low"); "what is apheresis" has none."""
    return bool(_ANAPHORA.search(text or "") or _POSSESSIVE.search(text or ""))


def points_back(text: str) -> bool:
    """A short message with a word that refers to what was said before ("is that in the hospital")."""
    return len((text or "").split()) <= 8 and bool(_ANAPHORA.search(text or ""))
