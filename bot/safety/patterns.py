"""The pattern notation of data/safety/*.yml, compiled into spaCy Matcher patterns.

A pattern is a list of tokens, each one of:
  a plain word        ``up``                   -> {"LOWER": "up"}
  "@name"             a word list or regex     -> {"LOWER": {"IN": [...]}} / {"LOWER": {"REGEX": ...}}
  "$name"             a sequence               -> its tokens (a sequence with alternatives multiplies the pattern)
  {GAP: n}            up to n words in between, not across a sentence end
  a spaCy token dict  ``{LEMMA: burn}``        "@name" may stand inside IN / NOT_IN lists and as a REGEX value
Phrases are tokenized with the pipeline's own tokenizer, so "can't" matches the way spaCy splits it.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any, Callable

from spacy.matcher import Matcher
from spacy.vocab import Vocab

# Attributes whose values are compared with the lowercased text, so they are lowercased here too: a rule
# written "Fever" would otherwise never match.
_LOWERED = ("LOWER", "LEMMA", "NORM")
_LIST_OPS = ("IN", "NOT_IN")


class PatternError(Exception):
    """A pattern that cannot be compiled; the message is for the person who wrote it."""


@dataclass(frozen=True)
class Regex:
    expression: str


class Vocabulary:
    """Named word lists and regexes (``words:``) and sequences (``sequences:``) of all the rule files."""

    def __init__(self) -> None:
        self.raw_words: dict[str, Any] = {}
        self.raw_sequences: dict[str, Any] = {}
        self._resolved: dict[str, list[str] | Regex] = {}

    def word(self, name: str) -> list[str] | Regex:
        if name in self._resolved:
            return self._resolved[name]
        if name not in self.raw_words:
            raise PatternError(f"unknown word list '@{name}' (define it under words:)")
        self._resolved[name] = self._resolve(name, ())
        return self._resolved[name]

    def words(self, name: str) -> list[str]:
        value = self.word(name)
        if isinstance(value, Regex):
            raise PatternError(f"'@{name}' is a regular expression, not a word list")
        return value

    def _resolve(self, name: str, seen: tuple[str, ...]) -> list[str] | Regex:
        if name in seen:
            raise PatternError(f"word list '@{name}' refers to itself")
        raw = self.raw_words[name]
        if isinstance(raw, dict):
            if set(raw) != {"regex"} or not isinstance(raw["regex"], str):
                raise PatternError(f"'{name}' must be a list of words or {{regex: '...'}}")
            try:
                re.compile(raw["regex"])
            except re.error as exc:
                raise PatternError(f"'{name}' is not a valid regular expression: {exc}") from exc
            return Regex(raw["regex"])
        if not isinstance(raw, list):
            raise PatternError(f"'{name}' must be a list of words")
        out: list[str] = []
        for item in raw:
            if not isinstance(item, str):
                raise PatternError(f"'{name}' has {item!r}, which is not a word; write it in quotes")
            if item.startswith("@") and len(item) > 1:
                ref = item[1:]
                if ref not in self.raw_words:
                    raise PatternError(f"'{name}' refers to unknown word list '{item}'")
                value = self._resolve(ref, seen + (name,))
                if isinstance(value, Regex):
                    raise PatternError(f"'{name}' refers to '{item}', a regular expression, inside a word list")
                out.extend(value)
            else:
                out.append(item.lower())
        return list(dict.fromkeys(out))

    def readings(self, items: list[Any]) -> list[re.Pattern[str]]:
        """A list of "@regex" references, compiled."""
        out = []
        for item in items:
            value = self.word(item[1:]) if isinstance(item, str) and item.startswith("@") else None
            if not isinstance(value, Regex):
                raise PatternError(f"{item!r} must name a regular expression of words: ('@name')")
            out.append(re.compile(value.expression))
        return out


class Compiler:
    """Turns the YAML notation into spaCy patterns and checks each with spaCy's own validator."""

    def __init__(self, vocabulary: Vocabulary, vocab: Vocab, tokenize: Callable[[str], list[str]],
                 sentence_breaks: list[str]) -> None:
        self.vocabulary = vocabulary
        self._tokenize = tokenize
        self._breaks = sentence_breaks
        self._validator = Matcher(vocab, validate=True)

    def phrase(self, text: Any) -> list[dict[str, Any]]:
        if not isinstance(text, str) or not text.strip():
            raise PatternError(f"phrase {text!r} must be text; write it in quotes")
        return [{"LOWER": word} for word in self._tokenize(text.lower())]

    def pattern(self, raw: Any) -> list[list[dict[str, Any]]]:
        """One pattern of the notation; a sequence with alternatives gives several spaCy patterns."""
        if not isinstance(raw, list) or not raw:
            raise PatternError("a pattern must be a non-empty list of tokens, like [burning, up]")
        choices = [self._token(token) for token in raw]
        patterns = [[tok for part in combo for tok in part] for combo in itertools.product(*choices)]
        for pattern in patterns:
            self.validate(pattern)
        return patterns

    def validate(self, pattern: list[dict[str, Any]]) -> None:
        if not pattern or all(tok.get("OP") in ("?", "*") or str(tok.get("OP", "")).startswith("{0") for tok in pattern):
            raise PatternError("the pattern would match nothing at all (every token is optional)")
        try:
            self._validator.add("check", [pattern])
        except (ValueError, TypeError) as exc:
            raise PatternError("spaCy rejects the pattern: " + " ".join(str(exc).split())[:300]) from exc
        finally:
            if "check" in self._validator:
                self._validator.remove("check")

    def _token(self, token: Any) -> list[list[dict[str, Any]]]:
        """The alternatives one written token stands for (most tokens have exactly one)."""
        if isinstance(token, str):
            if token.startswith("$") and len(token) > 1:
                return self._sequence(token[1:])
            if token.startswith("@") and len(token) > 1:
                return [[self._word_token(token[1:])]]
            if not token or any(c.isspace() for c in token):
                raise PatternError(f"token {token!r} must be one word; use phrases: for several words")
            return [[{"LOWER": token.lower()}]]
        if isinstance(token, dict):
            return [[self._dict_token(token)]]
        raise PatternError(f"token {token!r} is neither a word nor a {{...}} token; write words in quotes")

    def _word_token(self, name: str) -> dict[str, Any]:
        value = self.vocabulary.word(name)
        if isinstance(value, Regex):
            return {"LOWER": {"REGEX": value.expression}}
        return {"LOWER": {"IN": list(value)}}

    def _dict_token(self, token: dict[str, Any]) -> dict[str, Any]:
        if "GAP" in token:
            n = token["GAP"]
            if set(token) != {"GAP"} or not isinstance(n, int) or isinstance(n, bool) or n < 1:
                raise PatternError(f"{token!r}: GAP takes a whole number of words, like {{GAP: 3}}")
            return {"LOWER": {"NOT_IN": list(self._breaks)}, "OP": "{0,%d}" % n}
        out: dict[str, Any] = {}
        for key, value in token.items():
            if not isinstance(key, str):
                raise PatternError(f"{token!r}: attribute {key!r} must be a name like LOWER")
            out[key] = self._value(key, value)
        return out

    def _value(self, key: str, value: Any) -> Any:
        lowered = key.upper() in _LOWERED
        if isinstance(value, str):
            if value.startswith("@") and len(value) > 1:
                return self._word_token(value[1:])["LOWER"] if key.upper() in _LOWERED else value
            return value.lower() if lowered else value
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for op, arg in value.items():
                if op in _LIST_OPS:
                    out[op] = self._word_list(arg, lowered)
                elif op == "REGEX" and isinstance(arg, str) and arg.startswith("@"):
                    regex = self.vocabulary.word(arg[1:])
                    if not isinstance(regex, Regex):
                        raise PatternError(f"REGEX: {arg} must name a regular expression")
                    out[op] = regex.expression
                else:
                    out[op] = arg
            return out
        return value

    def _word_list(self, items: Any, lowered: bool) -> list[Any]:
        if not isinstance(items, list):
            raise PatternError(f"IN and NOT_IN take a list, not {items!r}")
        out: list[Any] = []
        for item in items:
            if isinstance(item, str) and item.startswith("@") and len(item) > 1:
                out.extend(self.vocabulary.words(item[1:]))
            elif isinstance(item, str):
                out.append(item.lower() if lowered else item)
            else:
                raise PatternError(f"{item!r} in a word list is not a word; write it in quotes (YAML reads no, on, off, yes as true/false)")
        return list(dict.fromkeys(out))

    def _sequence(self, name: str) -> list[list[dict[str, Any]]]:
        if name not in self.vocabulary.raw_sequences:
            raise PatternError(f"unknown sequence '${name}' (define it under sequences:)")
        raw = self.vocabulary.raw_sequences[name]
        if isinstance(raw, dict):
            alternatives = [[raw]]
        elif isinstance(raw, list) and raw and all(isinstance(a, list) for a in raw):
            alternatives = raw
        elif isinstance(raw, list) and raw:
            alternatives = [raw]
        else:
            raise PatternError(f"sequence '{name}' must be a token or a list of alternatives")
        out = []
        for alternative in alternatives:
            if any(isinstance(t, str) and t.startswith("$") for t in alternative):
                raise PatternError(f"sequence '{name}' uses another sequence; write its tokens out")
            out.extend([tok for part in combo for tok in part]
                       for combo in itertools.product(*(self._token(t) for t in alternative)))
        return out


def required_lowers(pattern: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """The LOWER constraints a text must meet for the pattern to match (used to skip the tagger)."""
    required: list[tuple[str, Any]] = []
    for tok in pattern:
        op = str(tok.get("OP", "1"))
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
    return required
