"""Capacity of the whole stack under load: messages per second through the gateway at 1, 10 and 50
concurrent sessions, and proof that no message is lost, doubled or processed without its answer.

    PYTHONPATH=. .venv/actions/bin/python -m devtools.benchmarks.load [--sessions 1,10,50] [--messages 6]

Starts deploy/supervisord.conf on free ports (what `make run` runs, without the standby lane) with its own
tracker store and session key. Each session is a bounded asyncio client (aiohttp) that sends its messages
one after another, as a family does, each as soon as the previous answer has arrived. A "busy" reply
(HTTP 503, Retry-After) is counted and the same message is sent again after Retry-After; nothing else is
retried. Counted per level:

- answered: a reply with its payload (what the family came for);
- busy: 503 replies (the message never went to Rasa);
- no reply: the gateway's back-end-down reply, an HTTP error, or a client timeout (TIMEOUT_S);
- in the tracker store, per session: user turns missing (answered, not stored), doubled, or stored
  although the family got no answer for them.

The gateway's own per-address rate limit is raised for the run: every client here shares 127.0.0.1.
"""
from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from devtools.eval.metrics import median, percentile
from devtools.eval.report import footer, table
from devtools.stack import MODEL
from devtools.supervised import SupervisedStack
from gateway.sessions import SessionStore

QUESTIONS = [
    "what is apheresis",
    "how long does the infusion take",
    "what is cytokine release syndrome",
    "what are the side effects of kymriah",
    "how long do we have to stay near the treatment center",
    "what is lymphodepleting chemotherapy",
    "how are the t cells made",
    "what happens after the infusion",
]
TIMEOUT_S = 60.0


@dataclass
class Session:
    index: int
    token: str | None = None
    answered: list[str] = field(default_factory=list)  # texts whose answer arrived, in order
    unanswered: list[str] = field(default_factory=list)  # texts sent that got no answer (fallback/error/timeout)
    latencies: list[float] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)


async def run_session(client: aiohttp.ClientSession, url: str, session: Session, n: int) -> None:
    for i in range(n):
        text = QUESTIONS[(session.index + i) % len(QUESTIONS)]
        while True:
            started = time.monotonic()
            try:
                async with client.post(url, json={"session": session.token, "text": text}) as resp:
                    body = await resp.json(content_type=None)
                    status = resp.status
                    retry_after = float(resp.headers.get("Retry-After", "1"))
            except asyncio.TimeoutError:
                session.counts["timeout"] += 1
                session.unanswered.append(text)
                break
            except aiohttp.ClientError:
                session.counts["http_error"] += 1
                session.unanswered.append(text)
                break
            if isinstance(body, dict) and isinstance(body.get("session"), str):
                session.token = body["session"]
            if status == 503:
                session.counts["busy"] += 1
                await asyncio.sleep(retry_after)
                continue
            payloads = [m["custom"] for m in (body or {}).get("messages", []) if "custom" in m]
            if status == 200 and payloads and not any(p.get("reason") == "unavailable" for p in payloads):
                session.counts["answered"] += 1
                session.answered.append(text)
                session.latencies.append(time.monotonic() - started)
            else:
                session.counts["fallback" if status == 200 else "http_error"] += 1
                session.unanswered.append(text)
            break


def check_tracker(tracker_db: str, sessions: list[Session], store: SessionStore) -> Counter:
    """Compares each session's stored user turns with what it sent and got answered."""
    found: Counter = Counter()
    with sqlite3.connect(tracker_db) as db:
        for session in sessions:
            if session.token is None:
                found["never_started"] += 1
                continue
            sender = store.sender_id(session.token)
            stored = [row[0] for row in db.execute(
                "select json_extract(data, '$.text') from events where sender_id = ? and type_name = 'user' order by id",
                (sender,))]
            answered, unanswered = Counter(session.answered), Counter(session.unanswered)
            stored_counts = Counter(stored)
            for text, count in answered.items():
                found["lost"] += max(0, count - stored_counts[text])
            for text, count in stored_counts.items():
                extra = count - answered[text]
                if extra > 0:
                    # Stored more often than answered: an unanswered message Rasa processed anyway, or a double.
                    found["processed_unanswered" if unanswered[text] else "doubled"] += extra
            if stored != session.answered and not unanswered:
                found["out_of_order"] += 1
    return found


async def run_level(url: str, concurrency: int, messages: int) -> tuple[list[Session], float]:
    sessions = [Session(index=i) for i in range(concurrency)]
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=concurrency + 5)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as client:
        started = time.monotonic()
        await asyncio.gather(*(run_session(client, url, s, messages) for s in sessions))
        return sessions, time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.benchmarks.load", description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", default="1,10,50", help="concurrency levels, comma-separated")
    parser.add_argument("--messages", type=int, default=6, help="messages per session")
    parser.add_argument("--max-in-flight", type=int, default=None, help="the gateway's MAX_IN_FLIGHT (default: settings)")
    args = parser.parse_args(argv)
    if not MODEL.exists():
        print("No trained model; run `make train` first.", file=sys.stderr)
        return 1
    levels = [int(x) for x in args.sessions.split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="kyw-load-"))
    overrides = {"RATE_PER_ADDRESS": "1000000", "RATE_PER_SESSION": "1000"}
    if args.max_in_flight:
        overrides["MAX_IN_FLIGHT"] = str(args.max_in_flight)
    stack = SupervisedStack.on_free_ports(workdir, standby=False, env_overrides=overrides)
    store = SessionStore(ttl_s=86400, max_sessions=10, keys=[stack.env_overrides["SESSION_SECRET"]])
    url = f"http://127.0.0.1:{stack.gateway_port}/api/messages"
    rows = []
    problems = 0
    try:
        stack.start()
        stack.wait_ready(timeout=900)
        asyncio.run(run_level(url, 2, 2))  # warm-up (its sessions are not counted)
        for concurrency in levels:
            sessions, wall = asyncio.run(run_level(url, concurrency, args.messages))
            counts = sum((s.counts for s in sessions), Counter())
            tracker = check_tracker(stack.tracker_db, sessions, store)
            latencies = [x for s in sessions for x in s.latencies]
            no_reply = counts["fallback"] + counts["http_error"] + counts["timeout"]
            problems += no_reply + sum(tracker.values())
            for other in sorted(set(tracker) - {"lost", "doubled", "processed_unanswered"}):
                print(f"{concurrency} sessions: {other}={tracker[other]}", file=sys.stderr)
            rows.append([concurrency, concurrency * args.messages, counts["answered"], f"{counts['answered'] / wall:.1f}",
                         f"{1000 * median(latencies):.0f}" if latencies else "-",
                         f"{1000 * percentile(latencies, 95):.0f}" if latencies else "-",
                         counts["busy"], counts["timeout"], no_reply,
                         tracker["lost"], tracker["doubled"], tracker["processed_unanswered"], f"{wall:.1f}"])
    finally:
        stack.stop()
    print()
    table(["sessions", "messages", "answered", "answered/s", "median ms", "p95 ms", "busy 503", "timeouts",
           "no reply", "lost turns", "doubled turns", "processed, unanswered", "wall s"], rows)
    print(f"\nMAX_IN_FLIGHT={args.max_in_flight or 'default'}, client timeout {TIMEOUT_S:.0f} s, "
          f"{args.messages} messages per session; logs in {workdir}/logs")
    footer("devtools.benchmarks.load", argv)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
