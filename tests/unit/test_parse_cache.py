"""bot/nlp.py's parse cache: parses of content texts survive a restart on disk, give what a fresh parse
gives, and a damaged or foreign file costs a parse, never a start."""
from __future__ import annotations

import pytest

from bot import nlp

TEXTS = ["How long does apheresis take?", "Your child's T cells are collected. It takes 3 to 6 hours.",
         "¿Cuánto dura la aféresis?"]


@pytest.fixture
def fresh(monkeypatch):
    """Module state as in a new process (the pipeline itself stays loaded)."""
    monkeypatch.setattr(nlp, "_docs", {})
    monkeypatch.setattr(nlp, "_disk", None)
    return monkeypatch


def summary(doc):
    return [(t.text, t.lemma_, t.is_punct, t.whitespace_) for t in doc], [s.text for s in doc.sents]


def test_a_restart_reads_the_parses_back_without_parsing(fresh, tmp_path):
    expected = [summary(doc) for doc in nlp.nlp().pipe(TEXTS)]
    nlp.keep_parses_in(tmp_path)
    assert [summary(d) for d in nlp.parse_many(TEXTS)] == expected
    assert list(tmp_path.glob("parses-*.spacy"))

    fresh.setattr(nlp, "_docs", {})
    nlp.keep_parses_in(tmp_path)

    def no_parsing(*_args, **_kwargs):
        raise AssertionError("parsed again although the cache had it")

    fresh.setattr(nlp.nlp(), "pipe", no_parsing)
    assert [summary(d) for d in nlp.parse_many(TEXTS)] == expected


def test_a_new_text_is_parsed_and_added(fresh, tmp_path):
    nlp.keep_parses_in(tmp_path)
    nlp.parse_many(TEXTS[:1])
    fresh.setattr(nlp, "_docs", {})
    nlp.keep_parses_in(tmp_path)
    assert set(nlp._docs) == {TEXTS[0]}
    nlp.parse_many(TEXTS)
    fresh.setattr(nlp, "_docs", {})
    nlp.keep_parses_in(tmp_path)
    assert set(nlp._docs) == set(TEXTS)


def test_a_damaged_file_is_ignored_with_a_warning(fresh, tmp_path, caplog):
    nlp.keep_parses_in(tmp_path)
    nlp.parse_many(TEXTS)
    [path] = tmp_path.glob("parses-*.spacy")
    path.write_bytes(b"\x00not msgpack at all")
    fresh.setattr(nlp, "_docs", {})
    nlp.keep_parses_in(tmp_path)
    assert "ignoring unreadable parse cache" in caplog.text
    assert [d.text for d in nlp.parse_many(TEXTS)] == TEXTS
