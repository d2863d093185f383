"""`make eval` (`python -m devtools.eval`): how well the assistant answers, end to end and against peers.

1. End to end: the real action server and Rasa server (started here on free ports, or `--url`); every
   case is the first message of a fresh conversation over Rasa's REST channel, every conversation is
   replayed turn by turn. Held-out files (`frozen:`) print totals only.
2. Peers on the same held-out messages, in one run: the hybrid as config.yml sets it, lexical-only and
   dense-only rankings (bands calibrated on the tuning pool exactly as the hybrid's were), and Rasa's
   ResponseSelector trained on the same content. Their out-of-fold figures on the tuning pool too.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from devtools.eval.cases import (DEV_CONVERSATIONS, DEV_FILE, HELDOUT_CONVERSATIONS, HELDOUT_FILE, TUNING_CONVERSATIONS,
                                 TUNING_FILE, display_path, load_file)
from devtools.eval.replay import ask_fresh, run_cases, run_conversations
from devtools.eval.report import footer
from devtools.eval.summary import cases_summary, conversations_summary
from bot.settings import ROOT

from devtools.eval.cases import PARAPHRASES_FILE as PARAPHRASES
CASE_FILES = [HELDOUT_FILE, TUNING_FILE, PARAPHRASES, DEV_FILE]
CONVERSATION_FILES = [HELDOUT_CONVERSATIONS, TUNING_CONVERSATIONS, DEV_CONVERSATIONS]


def end_to_end(url: str | None, workers: int, case_files=CASE_FILES) -> int:
    from devtools.stack import MODEL, Stack, free_port

    stack = workdir = None
    if url is None:
        if not MODEL.exists():
            print(f"error: no trained model at {display_path(MODEL)}; run `make train` (`make eval` does), "
                  "or pass --url of a running Rasa server, or --no-e2e.", file=sys.stderr)
            return 2
        workdir = Path(tempfile.mkdtemp(prefix="eval-stack-"))
        stack = Stack(free_port(), free_port(), log_dir=ROOT / "logs" / "eval",
                      env_overrides={"TRACKER_DB": str(workdir / "trackers.db")})
        print(f"Starting the action server and Rasa on free ports (logs in {display_path(stack.log_dir)}/) ...", flush=True)
        started = time.monotonic()
        try:
            stack.start(with_gateway=False)
            stack.wait_ready(timeout=900)
        except (RuntimeError, TimeoutError) as exc:
            stack.stop()
            print(f"error: the assistant did not start: {exc}", file=sys.stderr)
            return 2
        print(f"ready after {time.monotonic() - started:.0f} s", flush=True)
        url, where = stack.rasa_url, "servers started by this run"
    else:
        url, where = url.rstrip("/"), f"server at {url}"
    try:
        for _ in range(3):
            ask_fresh(url, "what is car t cell therapy")
        for path in case_files:
            if path.exists():
                file = load_file(path)
                cases_summary(file, file.cases, run_cases(url, file.cases, workers), where)
        for path in CONVERSATION_FILES:
            if path.exists():
                file = load_file(path)
                conversations_summary(file, run_conversations(url, file.conversations, workers), where)
    finally:
        if stack is not None:
            stack.stop()
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def peers() -> int:
    """The hybrid beside lexical-only, dense-only and the ResponseSelector, on the same held-out messages."""
    import torch

    from bot.live import LiveContent
    from devtools.eval.calibrate import calibrate, kfold
    from devtools.eval.metrics import measure, pct
    from devtools.eval.offline import compute, replay, retrieval_cases, tuning_pool
    from devtools.eval.report import table
    from devtools.peers import response_selector

    torch.set_num_threads(1)
    snapshot = LiveContent().snapshot
    settings = snapshot.settings
    pool = tuning_pool()
    heldout = retrieval_cases(load_file(HELDOUT_FILE).cases)
    print(f"\n== Peers on the same messages (retrieval-decided cases: {len(heldout)} held out, {len(pool)} in the tuning pool)",
          flush=True)
    pool_fs, held_fs = compute(snapshot.index, pool), compute(snapshot.index, heldout)
    rows = []

    def row(name: str, oof, held, ms: float) -> None:
        rows.append([name, pct(held.accuracy), pct(held.in_scope_accuracy), pct(held.handoff_accuracy),
                     pct(held.clarify_rate), pct(held.wrong_rate), pct(held.oos_rate),
                     pct(oof.accuracy) if oof else "-", pct(oof.wrong_rate) if oof else "-", f"{ms:.1f}"])

    import numpy as np

    hybrid_grid = [dict(settings.weights)]
    # The product's own method out of fold: its weights, and its acceptor refitted on each fold with the
    # regularisation it was fitted with (`c`), or bands on the top score when config.yml has no acceptor.
    oof_gots, _ = kfold(pool_fs, settings, hybrid_grid, acceptor_c=(settings.acceptor or {}).get("c"))
    row("hybrid (config.yml)", measure(pool, oof_gots), measure(heldout, replay(held_fs, settings)), float(np.median(held_fs.ms)))
    for name, weights in (("lexical only", {"lexical": 1.0}), ("dense only", {"dense": 1.0})):
        oof_gots, _ = kfold(pool_fs, settings, [weights])
        choice = calibrate(pool_fs, settings, [weights])
        row(name, measure(pool, oof_gots), measure(heldout, replay(held_fs, choice.settings)), float(np.median(held_fs.ms)))
    status = 0
    try:
        gots, note = response_selector.run(heldout + pool)
        print(f"Rasa ResponseSelector: {note}")
        row("Rasa ResponseSelector", measure(pool, gots[len(heldout):]), measure(heldout, gots[:len(heldout)]),
            float(np.median([g.ms for g in gots[:len(heldout)]])))
    except RuntimeError as exc:
        print(f"Rasa ResponseSelector peer failed: {exc}", file=sys.stderr)
        status = 1
    table(["method", "held-out right", "in-scope", "handoff", "clarify", "wrong", "OOS answered",
           "tuning pool right (OOF)", "tuning pool wrong (OOF)", "median ms"], rows)
    print("(the hybrid's own bands were calibrated on the tuning pool, so its pool figure is out of fold only for the"
          " bands re-fitted per fold; the ResponseSelector is trained on the content, never on the pool)")
    return status


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.eval", description=__doc__)
    parser.add_argument("--url", default=None, help="Rasa's base URL of a running assistant (default: start one)")
    parser.add_argument("--no-e2e", action="store_true", help="skip the end-to-end run")
    parser.add_argument("--no-peers", action="store_true", help="skip the peer comparison")
    parser.add_argument("--workers", type=int, default=1, help="conversations at a time (1 keeps latency comparable)")
    parser.add_argument("--conversations-only", action="store_true",
                        help="end to end: the conversation files only, not the single-message files")
    args = parser.parse_args(argv)
    status = 0
    if not args.no_e2e:
        status = end_to_end(args.url, args.workers, [] if args.conversations_only else CASE_FILES)
        if status:
            return status
    if not args.no_peers:
        status = peers()
    footer("devtools.eval", argv)
    return status


if __name__ == "__main__":
    sys.exit(main())
