"""End-to-end latency over Rasa's REST channel and server memory, for the assistant and, in the same run,
a vanilla `rasa init` bot (the speed bar).

    PYTHONPATH=. .venv/actions/bin/python -m devtools.benchmarks.rest_latency [--n 200]

Starts the assistant's action server and Rasa server (no gateway) on free ports with models/current.tar.gz,
and the starter bot of `rasa init` (made and trained on first use, cached under models/peer-rasa-init/).
Each gets the same warm-up, then N messages one after another, each the first message of a new
conversation, timed until the whole reply has arrived: the assistant the tuning and development texts
cycled, the starter bot its own training examples. The two run one after the other, never at once.
Memory is VmRSS (now) and VmHWM (peak) of each server's process group, from /proc.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
from itertools import cycle, islice
from pathlib import Path

from devtools.eval.cases import DEV_FILE, PARAPHRASES_FILE, TUNING_FILE, display_path, load_cases
from devtools.eval.metrics import median, percentile
from devtools.eval.replay import ask_fresh
from devtools.eval.report import footer, table
from devtools.peers import rasa_init
from devtools.stack import MODEL, Stack, free_port


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def group_pids(pgid: int) -> list[int]:
    """The processes of one process group (each server is started in its own session)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:  # fields after the command: state, ppid, pgrp, ...
            pids.append(int(stat.parent.name))
    return sorted(pids)


def memory(pid: int) -> tuple[float, float]:
    pids = group_pids(pid) or [pid]
    return sum(_status_kb(p, "VmRSS") for p in pids) / 1024, sum(_status_kb(p, "VmHWM") for p in pids) / 1024


def timed(url: str, texts: list[str], n: int, warmup: int) -> tuple[list[float], int]:
    for text in islice(cycle(texts), warmup):
        ask_fresh(url, text)
    gots = [ask_fresh(url, text) for text in islice(cycle(texts), n)]
    return [g.ms for g in gots if g.kind != "error"], sum(g.kind == "error" for g in gots)


def wait_for(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise TimeoutError(f"{url} not ready after {timeout:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.benchmarks.rest_latency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="messages to time per bot (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed messages first (default 10)")
    args = parser.parse_args(argv)
    if not MODEL.exists():
        print(f"error: no trained model at {display_path(MODEL)}; run `make train` first", file=sys.stderr)
        return 2
    texts = [c.text for p in (TUNING_FILE, PARAPHRASES_FILE, DEV_FILE) if p.exists() for c in load_cases(p)]
    rows, memory_rows = [], []
    workdir = Path(tempfile.mkdtemp(prefix="bench-stack-"))
    stack = Stack(free_port(), free_port(), log_dir=workdir / "logs", env_overrides={"TRACKER_DB": str(workdir / "trackers.db")})
    try:
        stack.start(with_gateway=False)
        stack.wait_ready(timeout=900)
        timings, failed = timed(stack.rasa_url, texts, args.n, args.warmup)
        rows.append(["this assistant (action server + Rasa)", len(timings), failed, f"{median(timings):.0f}",
                     f"{percentile(timings, 95):.0f}", f"{percentile(timings, 99):.0f}"])
        for name, process in stack.processes.items():
            rss, hwm = memory(process.pid)
            memory_rows.append([f"assistant: {name}", f"{rss:.0f}", f"{hwm:.0f}"])
    finally:
        stack.stop()
    print("Preparing the `rasa init` starter bot (trained on first use) ...", flush=True)
    folder = rasa_init.project()
    port = free_port()
    peer = rasa_init.start(folder, port, workdir / "rasa-init.log")
    try:
        wait_for(f"http://127.0.0.1:{port}/", 600)
        timings, failed = timed(f"http://127.0.0.1:{port}", rasa_init.texts(folder), args.n, args.warmup)
        rows.append(["vanilla `rasa init` bot, same run", len(timings), failed, f"{median(timings):.0f}",
                     f"{percentile(timings, 95):.0f}", f"{percentile(timings, 99):.0f}"])
        rss, hwm = memory(peer.pid)
        memory_rows.append(["`rasa init` server", f"{rss:.0f}", f"{hwm:.0f}"])
    finally:
        import os
        import signal

        os.killpg(peer.pid, signal.SIGTERM)
        peer.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{args.warmup} warm-up messages, then {args.n} timed messages one at a time, each a new conversation")
    table(["bot", "messages", "failed", "median ms", "p95 ms", "p99 ms"], rows)
    print()
    table(["process", "RSS now MB", "peak RSS MB"], memory_rows)
    footer("devtools.benchmarks.rest_latency", argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
