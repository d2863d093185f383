from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_text, live, say
from bot.answering import person_requested


class ActionHandoff(Action):
    """A person: on request (with the reason the request names, such as costs), and for advice on one patient."""

    def name(self) -> str:
        return "action_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        outcome = person_requested(live().snapshot, latest_text(tracker), treatment_decision=intent == "ask_medical_advice")
        say(dispatcher, outcome.messages, tracker)
        return [SlotSet("unsure_count", 0.0)]
