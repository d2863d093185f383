"""The urgent-care line follows a reply when the classifier, but not the safety rules, read an emergency."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import HINT, say
from bot.replies import Message


def _tracker(entities: list[dict], earlier_bot_events: list[dict] | None = None) -> Tracker:
    user = {"event": "user", "text": "what did her last marrow show",
            "parse_data": {"intent": {"name": "nlu_fallback"}, "entities": entities}}
    latest = {"text": user["text"], "intent": user["parse_data"]["intent"], "entities": entities}
    return Tracker("s", {}, latest, [user] + (earlier_bot_events or []), False, None, {}, "action_listen")


def _responses(dispatcher: CollectingDispatcher) -> list:
    return [m.get("response") for m in dispatcher.messages]


HINTED = [{"entity": "urgent_hint", "value": "classifier", "extractor": "EmergencyIntentOverride"}]


def test_the_hint_follows_the_reply_once():
    dispatcher = CollectingDispatcher()
    say(dispatcher, [Message(text="A person from the program can help.")], _tracker(HINTED))
    assert _responses(dispatcher) == [None, HINT]


def test_no_hint_without_the_mark_or_twice_in_a_turn():
    dispatcher = CollectingDispatcher()
    say(dispatcher, [Message(text="Apheresis collects white blood cells.")], _tracker([]))
    assert HINT not in _responses(dispatcher)
    already = [{"event": "bot", "text": "...", "metadata": {"utter_action": HINT}}]
    dispatcher = CollectingDispatcher()
    say(dispatcher, [Message(response="utter_ask_patient_age")], _tracker(HINTED, already))
    assert HINT not in _responses(dispatcher)
