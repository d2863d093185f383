"""Text normalisation shared by indexing and querying: the same spellings, lemmas and typo fixes on both sides."""
from __future__ import annotations

import functools
import re
from typing import Iterable

from rapidfuzz import fuzz, process

from bot.embedding import model_path

from bot.nlp import nlp, parse_many  # noqa: F401  (nlp re-exported: callers use bot.text.nlp)

# Families write the therapy's names many ways; folding them first lets both rankers see one token.
_SPELLINGS = [
    (re.compile(r"\bcar[\s\-]*t[\s\-]*cells?\b", re.I), "CAR T-cell"),
    (re.compile(r"\bcar[\s\-]?t\b", re.I), "CAR T"),
    (re.compile(r"\bcart\b", re.I), "CAR T"),
    (re.compile(r"\bt[\s\-]+cells?\b", re.I), "T cells"),
    (re.compile(r"\bcd[\s\-]*19\b", re.I), "CD19"),
    (re.compile(r"\bb[\s\-]*all\b", re.I), "B-cell ALL"),
    (re.compile(r"\b(\d+)\s*(?:yo|y/o|yrs?|years?)\b(?:\s*old)?", re.I), r"\1 years old"),
]

# Lemmas that carry no topic on their own.
STOP_LEMMAS = {
    "be", "do", "have", "the", "a", "an", "of", "to", "and", "or", "in", "on", "for", "it", "this", "that",
    "my", "i", "you", "your", "we", "our", "me", "he", "she", "his", "her", "they", "them", "their", "is",
    "what", "how", "can", "will", "would", "could", "should", "does", "did", "there", "get", "about",
    "with", "at", "by", "from", "so", "if", "any", "some", "please", "just", "really", "also", "actually",
    "tell", "know", "want", "need", "like", "go", "mean", "kid", "child", "son", "daughter", "s", "'s",
    "who", "when", "where", "which", "why", "then", "than", "not", "no", "yes", "ok", "okay", "hi",
}


# Word families that spaCy's lemmas keep apart but families use interchangeably ("how is it infused" asks
# about the infusion). Deliberately short: a general stemmer would also merge "effective" with "side
# effects", which are different questions here.
LEMMA_FAMILIES = {
    "infuse": "infusion", "reinfuse": "infusion", "reinfusion": "infusion", "infused": "infusion",
    "collect": "collection", "manufacture": "manufacturing", "engineer": "engineered",
    "eligible": "eligibility", "qualify": "eligibility", "respond": "response",
    "risky": "risk", "successful": "success", "effectively": "effective",
    "diagnose": "diagnosis", "treat": "treatment", "monitor": "monitoring",
}


# Common Spanish words that English messages do not use. The content, the embedding model and the
# safety rules are English; a message written in Spanish is read through the editors' Spanish word list
# (bot/content/glossary.py) or handed to a person (bot/answering.py in_spanish).
_SPANISH = re.compile(
    r"[¿¡ñ]|\b(qué|cómo|cuándo|cuánto|cuánta|dónde|quién|por qué|también|después|está|están|médico|"
    r"que|como|cuando|cuanto|donde|quien|porque|para|puede|pueden|tiene|tengo|tienen|hay|hijo|hija|"
    r"mi|mis|los|las|del|una|unos|por|con|sin|muy|pero|es|son|el|la|le|lo|se|su|sus|ya|sí|"
    r"cuesta|quiero|necesito|puedo|debo|tratamiento|células|terapia|cita|ayuda|hablar|alguien|favor|gracias|hola)\b",
    re.I)
_ENGLISH = re.compile(r"\b(the|is|are|what|how|my|does|do|can|will|with|and|of|to|for|when|it|he|she|we|you|i)\b", re.I)


def looks_spanish(text: str) -> bool:
    """Mostly Spanish: at least two Spanish words, more than twice as many as English function words."""
    spanish = len(_SPANISH.findall(text))
    return spanish >= 2 and spanish > 2 * len(_ENGLISH.findall(text))


def fold_lemma(lemma: str) -> str:
    return LEMMA_FAMILIES.get(lemma, lemma)


def normalise(text: str) -> str:
    """Fold the therapy's spellings (car-t, cart, cd 19, 19yo) into one form."""
    out = " ".join(text.split())
    for pattern, replacement in _SPELLINGS:
        out = pattern.sub(replacement, out)
    return out


_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")


def _titled(word: str) -> bool:
    return word[0].isupper() and not word.isupper()


def untitle(text: str) -> str:
    """A heading in Title Case ("Clinical Trials Provide Additional Options") in lower case, for the tagger.

    spaCy tags capitalised words inside a sentence as proper nouns and leaves their lemmas alone ("Trials",
    "Options"), so a heading's words would miss the content's lemmas ("trial", "option") and count as words
    the content never uses. Only a text whose later words are mostly capitalised is changed, and words in
    capitals (ALL, CRS, KYMRIAH) stay as they are. The embedding model is uncased: only lemmas change."""
    later = [w for w in _WORD.findall(text)[1:] if len(w) >= 3 and not w.isupper()]
    titled = sum(_titled(w) for w in later)
    if titled < 2 or titled < 0.6 * len(later):
        return text
    return _WORD.sub(lambda m: m.group(0).lower() if _titled(m.group(0)) else m.group(0), text)


_lemma_cache: dict[str, list[str]] = {}


def lemma_batch(texts: Iterable[str]) -> list[list[str]]:
    """Lemmas of many content texts (parsed once, bot/nlp.py's parse_many)."""
    texts = list(texts)
    missing = [t for t in dict.fromkeys(texts) if t not in _lemma_cache]
    for text, doc in zip(missing, parse_many(untitle(normalise(t)) for t in missing)):
        _lemma_cache[text] = [
            fold_lemma(t.lemma_.lower().strip())
            for t in doc
            if not (t.is_punct or t.is_space) and t.lemma_.lower().strip() not in STOP_LEMMAS and t.lemma_.strip()
        ]
    return [_lemma_cache[t] for t in texts]


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Whole words of the embedding model's WordPiece vocabulary: a ready-made list of common English
    words, so that a real word ("weather") is never "corrected" into a content word ("whether")."""
    with open(model_path() / "vocab.txt", encoding="utf-8") as handle:
        return frozenset(w for w in (line.strip() for line in handle) if w.isalpha() and not w.startswith("##"))


class TypoFixer:
    """Maps a misspelt word to the closest word of the content's own vocabulary (apharesis → apheresis)."""

    def __init__(self, vocabulary: Iterable[str], known_words: Iterable[str] = (), min_length: int = 5,
                 cutoff: float = 80.0):
        self._vocabulary = sorted({w for w in vocabulary if len(w) >= min_length and w.isalpha()})
        self._known = set(vocabulary) | set(known_words)
        self._min_length = min_length
        self._cutoff = cutoff

    def fix(self, word: str) -> str:
        if word in self._known or len(word) < self._min_length or not word.isalpha():
            return word
        match = process.extractOne(word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=self._cutoff)
        return match[0] if match else word


_SYLLABLE_GROUPS = re.compile(r"[aeiouy]+")


def _syllables(word: str) -> int:
    word = word.lower()
    count = len(_SYLLABLE_GROUPS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(count, 1)


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade level, the measure plain-language health writing is usually held to."""
    sentences = [s for s in re.split(r"[.!?]+(?:\s|$)", text) if s.strip()]
    words = re.findall(r"[A-Za-z][A-Za-z'\-]*", text)
    if not sentences or not words:
        return 0.0
    syllables = sum(_syllables(w) for w in words)
    return 0.39 * len(words) / len(sentences) + 11.8 * syllables / len(words) - 15.59


def word_count(text: str) -> int:
    return len(re.findall(r"\S+", text))
