"""Source documents cut into sentence passages: the second tier when no FAQ entry is close.

Only sections that data/sources/index.yml lists under a document's `quote_sections` are cut into
passages: the others keep history (rules that changed in June 2025) or notes for editors, and a family
must never be shown those word for word.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from bot.content import SourceDocument
from bot.text import nlp

_BRACKET_REFS = re.compile(r"\s*\[[A-Z0-9, ]+\]")
# Lines about the documents themselves (source lists, notes to editors, links to pictures) answer no one.
_META = re.compile(r"://|infographic|compiled for this project|Wording here|Labels change|Guidance for answers|Learn more|Get answers to", re.I)
_HEADING = re.compile(r"^\s*#+\s*(.+?)\s*$")


@dataclass(frozen=True)
class Passage:
    document: SourceDocument
    section: str
    text: str


def _blocks(document: SourceDocument):
    """Yield (section, paragraph) pairs; a heading line (markdown '#' or a short title line) starts a section."""
    section = document.title
    paragraph: list[str] = []
    for raw in document.text.splitlines():
        line = raw.strip().lstrip("•").strip()
        heading = _HEADING.match(raw)
        is_title = bool(line) and len(line) < 70 and not line.endswith((".", ":", ")")) and line[:1].isupper() \
            and not line.startswith(("-", "1", "2", "3", "4", "5")) and "?" not in line[:-1]
        if heading or (is_title and not paragraph):
            if paragraph:
                yield section, " ".join(paragraph)
                paragraph = []
            section = heading.group(1) if heading else line
            continue
        if not line or line.startswith("- ") or re.match(r"^\d+\.\s", line):
            if paragraph:
                yield section, " ".join(paragraph)
                paragraph = []
            if line:
                paragraph.append(re.sub(r"^(?:-|\d+\.)\s*", "", line))
            continue
        paragraph.append(line)
    if paragraph:
        yield section, " ".join(paragraph)


@functools.lru_cache(maxsize=32)
def split_passages(document: SourceDocument, min_words: int = 6) -> list[Passage]:
    passages: list[Passage] = []
    pipeline = nlp()
    allowed = set(document.quote_sections)
    for section, paragraph in _blocks(document):
        if section not in allowed:
            continue
        clean = _BRACKET_REFS.sub("", paragraph)
        for sentence in pipeline(clean).sents:
            text = sentence.text.strip()
            if len(text.split()) >= min_words and not _META.search(text):
                passages.append(Passage(document, section, text))
    return passages
