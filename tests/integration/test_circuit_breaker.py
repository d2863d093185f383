"""A conversation goes on after Rasa's circuit breaker has stopped one of its turns.

A second Rasa server, beside the session's stack and calling its action server, runs with
MAX_NUMBER_OF_PREDICTIONS=1: every turn trips the breaker right after its first action (the answer), the
way a looping turn trips it after six. Without rasa_components/circuit_break.py the second message of a
conversation got no reply at all, and neither did any later one."""
from __future__ import annotations

import uuid

import pytest

from devtools.stack import Stack, free_port
from tests.conftest import RestClient

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def tripping_rasa(stack, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("tripping")
    overrides = {**stack.env_overrides, "MAX_NUMBER_OF_PREDICTIONS": "1", "TRACKER_DB": str(workdir / "trackers.db")}
    rasa = Stack(stack.actions_port, free_port(), log_dir=workdir / "logs", env_overrides=overrides)
    try:
        rasa.start_rasa()  # only Rasa: its readiness check also asks the session stack's action server
        rasa.wait_ready(timeout=600)
        yield rasa
    finally:
        rasa.stop()


def test_every_turn_is_answered_though_each_trips_the_breaker(tripping_rasa):
    conversation = RestClient(tripping_rasa.rasa_url, f"breaker-{uuid.uuid4().hex[:8]}")
    for text in ("what is apheresis", "how long does it take", "what is cd19"):
        payload, messages = conversation.ask(text)
        assert payload["kind"] == "answer", (text, messages)
