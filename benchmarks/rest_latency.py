"""End-to-end latency over Rasa's REST channel, and the memory of the two server processes.

    PYTHONPATH=. .venv/actions/bin/python -m benchmarks.rest_latency [--n 200]

Starts the real action server and Rasa server (no gateway) on free ports with models/current.tar.gz,
warms them up, then sends N messages one after another (the evaluation texts cycled, each the first
message of a new conversation) and times each request until the whole reply has arrived. For where the
time goes it then times the same texts through Rasa's NLU alone (`POST /model/parse`). Memory is
VmRSS (now) and VmHWM (peak) from /proc/<pid>/status of each server's process group.

Baseline on this machine: a vanilla `rasa init` bot answered at about 45 ms median, 93 ms p95, with a
1.1 GB server process.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

from bot import evaluation as ev
from devtools.stack import MODEL, Stack, free_port


def post_json(url: str, body: dict) -> object:
    import json
    import urllib.request

    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())

BASELINE = {"median_ms": 45.0, "p95_ms": 93.0, "rss_gb": 1.1}


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def group_pids(pgid: int) -> list[int]:
    """The processes of one process group (the stack starts each server in its own session)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:  # fields after the command: state, ppid, pgrp, ...
            pids.append(int(stat.parent.name))
    return sorted(pids)


def memory(pid: int) -> tuple[float, float, int]:
    pids = group_pids(pid) or [pid]
    rss = sum(_status_kb(p, "VmRSS") for p in pids) / 1024
    hwm = sum(_status_kb(p, "VmHWM") for p in pids) / 1024
    return rss, hwm, len(pids)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rest_latency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="messages to time (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed messages first (default 10)")
    args = parser.parse_args(argv)

    if not MODEL.exists():
        print(f"error: no trained model at {ev.display_path(MODEL)}; run `make train` first", file=sys.stderr)
        return 2
    texts = [c.text for p in ev.DEFAULT_CASE_FILES if Path(p).exists() for c in ev.load_cases(Path(p))]
    if not texts:
        texts = ["what is car t cell therapy", "what is apheresis", "hi"]

    workdir = Path(tempfile.mkdtemp(prefix="bench-stack-"))
    stack = Stack(free_port(), free_port(), log_dir=workdir / "logs",
                  env_overrides={"TRACKER_DB": str(workdir / "trackers.db")})
    try:
        started = time.monotonic()
        stack.start(with_gateway=False)
        stack.wait_ready(timeout=600)
        ready_s = time.monotonic() - started
        for text in islice(cycle(texts), args.warmup):
            ev.ask_fresh(stack.rasa_url, text)
        gots = [ev.ask_fresh(stack.rasa_url, text) for text in islice(cycle(texts), args.n)]
        failed = [g for g in gots if g.kind in ("error", "no-payload", "several-payloads")]
        # The NLU part alone (Rasa's HTTP API, no dialogue, no action server, no tracker): where the time goes.
        parse_ms = []
        for text in islice(cycle(texts), args.n):
            t0 = time.perf_counter()
            post_json(f"{stack.rasa_url}/model/parse", {"text": text})
            parse_ms.append((time.perf_counter() - t0) * 1000)
        timings = [g.ms for g in gots if g.kind != "error"]
        mem = {name: memory(process.pid) for name, process in stack.processes.items()}
    except (RuntimeError, TimeoutError) as exc:
        print(f"error: the assistant did not start: {exc}", file=sys.stderr)
        return 2
    finally:
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"servers ready after {ready_s:.0f} s; {args.warmup} warm-up messages; {args.n} timed messages sent one "
          f"at a time ({len(set(texts))} distinct evaluation texts cycled, each a new conversation); "
          f"{len(failed)} failed or broke the one-payload contract")
    print()
    print("| what | median ms | p95 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|")
    print(f"| this assistant, REST turn | {ev.median(timings):.0f} | {ev.percentile(timings, 95):.0f} | "
          f"{ev.percentile(timings, 99):.0f} | {max(timings):.0f} |")
    print(f"| of which NLU alone (`POST /model/parse`, same texts) | {ev.median(parse_ms):.0f} | "
          f"{ev.percentile(parse_ms, 95):.0f} | {ev.percentile(parse_ms, 99):.0f} | {max(parse_ms):.0f} |")
    print(f"| baseline: vanilla `rasa init` bot | {BASELINE['median_ms']:.0f} | {BASELINE['p95_ms']:.0f} | | |")
    print()
    print("| process | RSS now MB | peak RSS (VmHWM) MB | processes in group |")
    print("|---|---|---|---|")
    for name, (rss, hwm, count) in mem.items():
        label = {"rasa": "Rasa server (`rasa run`)", "actions": "action server (`python -m bot actions`)"}.get(name, name)
        print(f"| {label} | {rss:.0f} | {hwm:.0f} | {count} |")
    total = sum(v[0] for v in mem.values())
    print(f"| both | {total:.0f} | | |")
    print(f"| baseline: vanilla `rasa init` server | {BASELINE['rss_gb'] * 1024:.0f} | | |")
    ev.print_footer(ev.command_line("benchmarks.rest_latency"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
