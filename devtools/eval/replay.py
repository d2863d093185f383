"""End to end over Rasa's REST channel: every case as the first message of a fresh conversation, every
conversation turn by turn under one sender id, each reply's one custom payload read as a `Got`."""
from __future__ import annotations

import json
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from devtools.eval.cases import Case, Conversation, Got, matches


def post_message(rasa_url: str, sender: str, text: str, timeout: float = 60.0) -> list[dict]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(f"{rasa_url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def got_of(messages: list[dict], ms: float) -> Got:
    payloads = [m["custom"] for m in messages if isinstance(m, dict) and isinstance(m.get("custom"), dict)]
    if len(payloads) != 1:
        return Got("no-payload" if not payloads else "several-payloads", ms=ms, payloads=len(payloads),
                   note=f"{len(payloads)} custom payloads in {len(messages)} messages")
    p = payloads[0]
    return Got(str(p.get("kind")), p.get("topic"), p.get("faq_id"), p.get("score"), p.get("reason"), ms)


def ask(rasa_url: str, sender: str, text: str) -> Got:
    started = time.perf_counter()
    try:
        messages = post_message(rasa_url, sender, text)
    except Exception as exc:  # noqa: BLE001 - a failed turn is a miss, not a crash
        return Got("error", ms=(time.perf_counter() - started) * 1000, note=f"request failed: {exc}", payloads=0)
    return got_of(messages, (time.perf_counter() - started) * 1000)


def ask_fresh(rasa_url: str, text: str) -> Got:
    return ask(rasa_url, f"eval-{uuid.uuid4().hex[:16]}", text)


def run_cases(rasa_url: str, cases: list[Case], workers: int = 1) -> list[Got]:
    """Cases in order; with workers > 1, several conversations at a time (latency then is not comparable)."""
    if workers <= 1:
        return [ask_fresh(rasa_url, c.text) for c in cases]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda c: ask_fresh(rasa_url, c.text), cases))


@dataclass
class ConversationResult:
    conversation: Conversation
    gots: list[Got]

    @property
    def right(self) -> list[bool]:
        return [matches(t, g) for t, g in zip(self.conversation.turns, self.gots)]


def run_conversation(rasa_url: str, conversation: Conversation) -> ConversationResult:
    sender = f"eval-conv-{uuid.uuid4().hex[:12]}"
    return ConversationResult(conversation, [ask(rasa_url, sender, turn.text) for turn in conversation.turns])


def run_conversations(rasa_url: str, conversations: list[Conversation], workers: int = 1) -> list[ConversationResult]:
    if workers <= 1:
        return [run_conversation(rasa_url, c) for c in conversations]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda c: run_conversation(rasa_url, c), conversations))
