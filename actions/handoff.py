from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_text, live, say
from bot import replies
from bot.answering import emergency
from bot.safety import get_checker


class ActionHandoff(Action):
    """A person: on request, for personal medical questions, and whenever the assistant should not guess."""

    def name(self) -> str:
        return "action_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        text = latest_text(tracker)
        if get_checker().urgent_symptom(text):
            say(dispatcher, emergency().messages, tracker)
            return []
        content = live().snapshot.content
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        reason = "utter_medical_advice_boundary" if intent == "ask_medical_advice" else "utter_handoff"
        say(dispatcher, replies.handoff(reason, content.contact, replies.contact_source(content.documents),
                                        topic="contact_referral"), tracker)
        return [SlotSet("unsure_count", 0.0)]


class ActionOutOfScope(Action):
    def name(self) -> str:
        return "action_out_of_scope"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        if get_checker().urgent_symptom(latest_text(tracker)):
            say(dispatcher, emergency().messages, tracker)
            return []
        content = live().snapshot.content
        say(dispatcher, replies.handoff("utter_out_of_scope", content.contact,
                                        replies.contact_source(content.documents), kind="out_of_scope"), tracker)
        return []
