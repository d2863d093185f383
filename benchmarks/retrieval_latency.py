"""Latency of one retrieval decision (`RetrievalIndex.decide`) on one CPU thread.

    PYTHONPATH=. .venv/actions/bin/python -m benchmarks.retrieval_latency [--n 500]

Builds the index once (data/faq, config.yml), then decides N questions, the evaluation texts
(../shared/eval/dev.yml and tests/eval/paraphrases.yml) cycled, one at a time, with torch on one thread.
A decision is the whole per-question work: normalising, spaCy lemmas, typo fixes, the sentence
embedding, both rankers and the bands (plus the source-passage lookup when no entry is close).
"""
from __future__ import annotations

import argparse
import sys
import time
from itertools import cycle, islice
from pathlib import Path

from bot import evaluation as ev


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.retrieval_latency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=500, help="questions to time (default 500)")
    parser.add_argument("--mode", default="hybrid", choices=["hybrid", "dense", "lexical"])
    parser.add_argument("--cases", nargs="*", default=None, help="case files whose texts are cycled")
    args = parser.parse_args(argv)

    texts: list[str] = []
    for path in [Path(p) for p in (args.cases or ev.DEFAULT_CASE_FILES)]:
        if path.exists():
            texts += [c.text for c in ev.load_cases(path)]
    if not texts:
        print("error: no evaluation texts found", file=sys.stderr)
        return 2

    ev.single_thread()
    started = time.perf_counter()
    index = ev.build_index()
    build_s = time.perf_counter() - started
    for text in texts[:5]:  # warm-up, not timed
        index.decide(text, mode=args.mode)
    timings = []
    bands: dict[str, int] = {}
    for text in islice(cycle(texts), args.n):
        t0 = time.perf_counter()
        decision = index.decide(text, mode=args.mode)
        timings.append((time.perf_counter() - t0) * 1000)
        bands[decision.band] = bands.get(decision.band, 0) + 1

    print(f"index: {len(index.entries)} FAQ entries, {len(index.passages)} source passages; built in {build_s:.1f} s "
          "(embedding cache warm or cold as found)")
    print(f"questions: {args.n} ({len(set(texts))} distinct evaluation texts cycled), mode {args.mode}, torch threads 1")
    print(f"bands: " + ", ".join(f"{k} {v}" for k, v in sorted(bands.items())))
    print()
    print("| decisions | median ms | p95 ms | p99 ms | max ms | mean ms |")
    print("|---|---|---|---|---|---|")
    print(f"| {len(timings)} | {ev.median(timings):.1f} | {ev.percentile(timings, 95):.1f} | "
          f"{ev.percentile(timings, 99):.1f} | {max(timings):.1f} | {sum(timings) / len(timings):.1f} |")
    ev.print_footer(ev.command_line("benchmarks.retrieval_latency"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
