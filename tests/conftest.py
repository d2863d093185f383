"""Shared fixtures. `stack` runs the real action server and the real Rasa server on free ports,
serving a temporary copy of the FAQ files so that tests may edit content without touching data/faq.
`supervised` runs deploy/supervisord.conf (what `make run` runs) on free ports, for the tests that kill
and restart processes."""
from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

import pytest

from bot.settings import ROOT
from devtools.stack import MODEL, Stack, free_port
from devtools.supervised import SupervisedStack


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first (make test does)")
    workdir = tmp_path_factory.mktemp("stack")
    faq_dir = workdir / "faq"
    shutil.copytree(ROOT / "data" / "faq", faq_dir)
    handoff_file = workdir / "handoff.yml"
    shutil.copy(ROOT / "data" / "handoff.yml", handoff_file)
    running = Stack(free_port(), free_port(), free_port(), log_dir=workdir / "logs", env_overrides={
        "ASSISTANT_FAQ_DIR": str(faq_dir),
        "ASSISTANT_HANDOFF": str(handoff_file),
        "TRACKER_DB": str(workdir / "trackers.db"),
        "FAQ_RELOAD_INTERVAL_S": "0.25",
    })
    running.faq_dir = faq_dir
    running.handoff_file = handoff_file
    try:
        running.start(with_gateway=True)
        running.wait_ready(timeout=600)
        yield running
    finally:
        running.stop()
        keep = ROOT / "test-output" / "stack-logs"
        keep.mkdir(parents=True, exist_ok=True)
        for log in (workdir / "logs").glob("*.log"):
            shutil.copy(log, keep / log.name)


@pytest.fixture(scope="session")
def supervised(tmp_path_factory):
    """The assistant under supervisord with its standby lane, in a folder of its own (logs, tracker store,
    tokens, session key). Session-scoped: the browser tests, which run last, share it."""
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first (make test does)")
    workdir = tmp_path_factory.mktemp("supervised")
    # The restart tests send a message every second or two for a minute or more, all from 127.0.0.1: the
    # rate limits (tested in tests/gateway) would refuse them.
    running = SupervisedStack.on_free_ports(workdir, standby=True, env_overrides={
        "RATE_PER_SESSION": "1000", "RATE_PER_ADDRESS": "10000"})
    try:
        running.start()
        running.wait_ready(timeout=900)
        yield running
    finally:
        running.stop()
        keep = ROOT / "test-output" / "supervised-logs"
        keep.mkdir(parents=True, exist_ok=True)
        for log in running.log_dir.glob("*.log"):
            shutil.copy(log, keep / log.name)


def post_json(url: str, body: dict, timeout: float = 30.0) -> object:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def get_json(url: str, timeout: float = 30.0) -> object:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


class RestClient:
    """Talks to Rasa's REST channel as one conversation."""

    def __init__(self, rasa_url: str, sender: str):
        self.rasa_url = rasa_url
        self.sender = sender

    def send(self, text: str) -> list[dict]:
        return post_json(f"{self.rasa_url}/webhooks/rest/webhook", {"sender": self.sender, "message": text})

    @staticmethod
    def payloads(messages: list[dict]) -> list[dict]:
        return [m["custom"] for m in messages if "custom" in m]

    def ask(self, text: str) -> tuple[dict, list[dict]]:
        """Send a message; return the turn's one payload and all messages (fails if not exactly one)."""
        messages = self.send(text)
        payloads = self.payloads(messages)
        assert len(payloads) == 1, f"expected exactly one custom payload for {text!r}, got {messages}"
        return payloads[0], messages


@pytest.fixture
def conversation(stack, request):
    import uuid

    return RestClient(stack.rasa_url, f"test-{request.node.name[:40]}-{uuid.uuid4().hex[:8]}")


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API leaves an event loop behind that would clash with
    the asyncio-based gateway tests if they ran after it."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
