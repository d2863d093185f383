"""The urgent and non-urgent symptom sets through the whole assistant over REST.

tests/unit/test_safety.py checks the rule layer alone; this checks what a family actually gets, where the
trained classifier decides too: an NLU false `report_emergency` on "will my daughter be cured" is as
visible here as a missed fever."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml

from tests.conftest import RestClient

pytestmark = pytest.mark.stack

DATA = Path(__file__).resolve().parent.parent / "data"
# The bar: at most 2 of the non-urgent messages may get the emergency reply.
MAX_FALSE_EMERGENCIES = 2


def _messages(name: str) -> list[str]:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["messages"]


def _kinds(stack, texts: list[str]) -> dict[str, str]:
    kinds = {}
    for text in texts:
        client = RestClient(stack.rasa_url, f"symptoms-{uuid.uuid4().hex[:10]}")
        payload, _ = client.ask(text)
        kinds[text] = payload["kind"]
    return kinds


def test_every_urgent_message_gets_the_emergency_reply(stack):
    texts = _messages("urgent_messages.yml")
    assert len(texts) >= 60
    missed = {t: k for t, k in _kinds(stack, texts).items() if k != "emergency"}
    assert not missed, f"urgent messages without the emergency reply: {missed}"


def test_questions_about_symptoms_are_not_emergencies(stack):
    texts = _messages("non_urgent_messages.yml")
    assert len(texts) >= 60
    flagged = [t for t, k in _kinds(stack, texts).items() if k == "emergency"]
    assert len(flagged) <= MAX_FALSE_EMERGENCIES, f"{len(flagged)} non-urgent messages got the emergency reply: {flagged}"
