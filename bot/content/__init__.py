"""The content editors own: FAQ entries, hand-off reasons and near misses, sources, topics and contacts.

`loader` is the one reader of those files (every problem comes back as file:line); `checks` is the
editors' check (`make faq-check`), imported as `bot.content.checks` because it needs retrieval.
"""
from bot.content.handoffs import HANDOFF, OUT_OF_SCOPE, Route, route_by_terms
from bot.content.loader import (Content, FaqEntry, Source, SourceDocument, SupersededFact, load_contacts, load_content,
                                load_faq_file)

__all__ = ["Content", "FaqEntry", "HANDOFF", "OUT_OF_SCOPE", "Route", "Source", "SourceDocument", "SupersededFact",
           "load_contacts", "load_content", "load_faq_file", "route_by_terms"]
