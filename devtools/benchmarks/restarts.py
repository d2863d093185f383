"""How long the assistant is away after a crash: SIGKILL of the action server, then of Rasa, under supervisord.

    PYTHONPATH=. .venv/actions/bin/python -m devtools.benchmarks.restarts [--rounds 3] [--settle 10]

Starts deploy/supervisord.conf on free ports without the standby lane (so that the killed process alone
decides when answers come back) and, per round and program: SIGKILL, then one question through the gateway
every half second; then `--settle` seconds of quiet before the next kill, because a crash seldom
follows the previous restart within seconds (with 0 the next program is killed while the restarted one is
still warming up, which the figures then include). Printed per program: seconds until supervisord reports it running and healthy again,
and seconds until the first real answer reached the family (every message before it gets the back-end-down
reply with the program contact and the emergency wording). The issue's bar is 20 s.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from devtools.eval.metrics import median
from devtools.eval.report import footer, table
from devtools.supervised import SupervisedStack

QUESTION = "what is apheresis"
DEADLINE_S = 300


def ask(gateway_url: str, session: str | None) -> tuple[str | None, bool]:
    """(the session token, whether the reply was a real answer rather than the back-end-down reply)."""
    body = json.dumps({"session": session, "text": QUESTION}).encode()
    request = urllib.request.Request(f"{gateway_url}/api/messages", body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            reply = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return session, False
    payloads = [m.get("custom") or {} for m in reply.get("messages", [])]
    answered = any(p.get("kind") == "answer" for p in payloads)
    return reply.get("session") if isinstance(reply.get("session"), str) else session, answered


def one_outage(stack: SupervisedStack, program: str, session: str | None) -> tuple[float, float, str | None]:
    old_pid = stack.kill(program)
    killed = time.monotonic()
    healthy_at = answered_at = None
    while healthy_at is None or answered_at is None:
        if time.monotonic() - killed > DEADLINE_S:
            raise TimeoutError(f"{program} not back after {DEADLINE_S} s; see {stack.log_dir}")
        session, answered = ask(stack.gateway_url, session)
        now = time.monotonic() - killed
        if answered and answered_at is None:
            answered_at = now
        if healthy_at is None and stack.restarted(program, old_pid):
            healthy_at = time.monotonic() - killed
        time.sleep(0.5)
    return healthy_at, answered_at, session


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.benchmarks.restarts", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--settle", type=float, default=10.0, help="seconds between a restart and the next kill")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="restarts-") as workdir:
        stack = SupervisedStack.on_free_ports(Path(workdir), standby=False, env_overrides={
            "RATE_PER_SESSION": "10000", "RATE_PER_ADDRESS": "100000"})
        stack.start()
        try:
            stack.wait_ready(timeout=900)
            session, answered = ask(stack.gateway_url, None)
            if not answered:
                print("the stack does not answer before any kill; see", stack.log_dir)
                return 1
            figures: dict[str, list[tuple[float, float]]] = {"actions": [], "rasa": []}
            for round_ in range(args.rounds):
                for program in figures:
                    healthy, answered_at, session = one_outage(stack, program, session)
                    figures[program].append((healthy, answered_at))
                    print(f"  round {round_ + 1}, {program}: healthy after {healthy:.1f} s, "
                          f"answering after {answered_at:.1f} s", flush=True)
                    time.sleep(args.settle)
        finally:
            stack.stop()
    print(f"\n== Back after SIGKILL under supervisord, no standby lane ({args.rounds} rounds, {args.settle:g} s apart)")
    rows = []
    for program, values in figures.items():
        healthy = [h for h, _ in values]
        answering = [a for _, a in values]
        rows.append([program, f"{median(healthy):.1f} s", f"{max(healthy):.1f} s",
                     f"{median(answering):.1f} s", f"{max(answering):.1f} s"])
    table(["killed", "healthy (median)", "healthy (worst)", "answering (median)", "answering (worst)"], rows)
    footer("devtools.benchmarks.restarts", argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
