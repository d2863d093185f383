from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import context_events, latest_intent, latest_text, live, say
from bot.answering import advice_requested, person_requested


class ActionHandoff(Action):
    """A person: on request (with the reason the request names, such as costs), and for advice on one
    patient when the reviewed decision rules confirm it (bot.answering.advice_requested)."""

    def name(self) -> str:
        return "action_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        text, snapshot = latest_text(tracker), live().snapshot
        if latest_intent(tracker) == "ask_medical_advice":
            outcome = advice_requested(snapshot, text, last_faq_id=tracker.get_slot("last_faq_id"))
        else:
            outcome = person_requested(snapshot, text)
        say(dispatcher, outcome.messages, tracker)
        return context_events(outcome)
