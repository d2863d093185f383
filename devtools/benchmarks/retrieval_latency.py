"""Latency of answering one question in the action server's process (`bot.answering.respond`), one thread.

    PYTHONPATH=. .venv/actions/bin/python -m devtools.benchmarks.retrieval_latency [--n 500]

Builds the content and index once (data/faq, config.yml, the fine-tuned model when `make train` made
one), then answers N questions one at a time, the tuning and development texts cycled, with torch on one
thread. One answer is the whole per-question work of the action server: safety checks, spelling and typo
folding, lemmas, the two sentence embeddings (as asked and with the shared words left out), the scores of
every target, the acceptor and the reply.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from itertools import cycle, islice

import torch

from bot.answering import respond
from bot.live import LiveContent
from devtools.eval.cases import DEV_FILE, PARAPHRASES_FILE, TUNING_FILE, load_cases
from devtools.eval.metrics import median, percentile
from devtools.eval.report import footer, table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.benchmarks.retrieval_latency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=500, help="questions to time (default 500)")
    args = parser.parse_args(argv)
    texts = [c.text for path in (TUNING_FILE, PARAPHRASES_FILE, DEV_FILE) if path.exists() for c in load_cases(path)]
    torch.set_num_threads(1)
    started = time.perf_counter()
    live = LiveContent()
    build_s = time.perf_counter() - started
    snapshot = live.snapshot
    for text in texts[:5]:  # warm-up, not timed
        respond(snapshot, text)
    timings, kinds = [], Counter()
    for text in islice(cycle(texts), args.n):
        t0 = time.perf_counter()
        outcome = respond(snapshot, text)
        timings.append((time.perf_counter() - t0) * 1000)
        kinds[outcome.kind] += 1
    model = live.embedder.model_dir or "base model"
    print(f"index: {len(snapshot.content.entries)} FAQ entries, {len(snapshot.content.routes)} hand-off reasons and "
          f"near misses; built in {build_s:.1f} s (embedding cache as found); embeddings: {model}")
    print(f"questions: {args.n} ({len(set(texts))} distinct tuning and development texts cycled), torch threads 1")
    print("replies: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print()
    table(["answers", "median ms", "p95 ms", "p99 ms", "max ms"],
          [[len(timings), f"{median(timings):.1f}", f"{percentile(timings, 95):.1f}", f"{percentile(timings, 99):.1f}",
            f"{max(timings):.1f}"]])
    footer("devtools.benchmarks.retrieval_latency", argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
