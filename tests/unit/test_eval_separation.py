"""The evaluation sets stay separate from the content: no FAQ alternate or hand-off example is a message of
an evaluation file (docs/editing-content.md: "Never copy a sentence from the evaluation files"). A copied
sentence would be found by itself and make the held-out figures in-sample.

Short questions are left out: "what is crs" or "how long does apheresis take" are what everybody types, and
an FAQ heading is asked as written, so an equal short message is no sign of copying. From six words on, an
equal message is."""
from __future__ import annotations

import re

import pytest

from bot.content import load_content
from bot.settings import load_settings
from devtools.eval.cases import (DEV_CONVERSATIONS, DEV_FILE, HELDOUT_CONVERSATIONS, HELDOUT_FILE, PARAPHRASES_FILE,
                                 TUNING_CONVERSATIONS, TUNING_FILE, load_file)

MIN_WORDS = 6
EVAL_FILES = (DEV_FILE, DEV_CONVERSATIONS, TUNING_FILE, PARAPHRASES_FILE, HELDOUT_FILE, HELDOUT_CONVERSATIONS,
              TUNING_CONVERSATIONS)


def key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def eval_messages() -> dict[str, str]:
    out = {}
    for path in EVAL_FILES:
        if not path.exists():
            continue
        file = load_file(path)
        texts = [c.text for c in file.cases] + [t.text for conv in file.conversations for t in conv.turns]
        out.update({key(t): path.name for t in texts})
    return out


def test_no_phrasing_of_the_content_is_an_evaluation_message():
    content, _ = load_content(load_settings().paths)
    messages = eval_messages()
    assert len(messages) > 500, "the evaluation files were not found"
    phrasings = [(e.id, p) for e in content.entries for p in e.alternates]
    phrasings += [(r.id, p) for r in content.routes for p in r.phrasings]
    assert len(phrasings) > 1000
    copied = [(owner, p, messages[key(p)]) for owner, p in phrasings
              if len(key(p).split()) >= MIN_WORDS and key(p) in messages]
    assert not copied, f"phrasings that are evaluation messages (reword them): {copied}"


@pytest.mark.parametrize("a, b", [("What is apheresis?", "what is apheresis"), ("how long?? ", "How long")])
def test_the_comparison_ignores_case_and_punctuation(a, b):
    assert key(a) == key(b)
