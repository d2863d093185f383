"""What every action shares: the live content, and saying `bot.replies.Message`s through the dispatcher."""
from __future__ import annotations

from typing import Any, Iterator

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.live import LiveContent
from bot.replies import Message

_live: LiveContent | None = None


def live() -> LiveContent:
    """The content being served; built on first use (or by `python -m bot actions` before serving)."""
    global _live
    if _live is None:
        _live = LiveContent()
        _live.start_watching()
    return _live


def set_live(content: LiveContent) -> None:
    global _live
    _live = content


HINT = "utter_urgent_hint"


def _bot_events_this_turn(tracker: Tracker) -> Iterator[dict]:
    """The bot's replies since the user's last message, newest first."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return
        if event.get("event") == "bot":
            yield event


def _said_this_turn(tracker: Tracker, response: str) -> bool:
    return any((e.get("metadata") or {}).get("utter_action") == response for e in _bot_events_this_turn(tracker))


def payload_sent_this_turn(tracker: Tracker) -> bool:
    """True when a reply since the user's last message already carried the contract's payload."""
    return any((e.get("data") or {}).get("custom") for e in _bot_events_this_turn(tracker))


def say(dispatcher: CollectingDispatcher, messages: list[Message], tracker: Tracker | None = None) -> None:
    skip_payload = tracker is not None and payload_sent_this_turn(tracker)
    for message in messages:
        kwargs: dict[str, Any] = dict(message.response_vars)
        if message.text is not None:
            kwargs["text"] = message.text
        if message.response is not None:
            kwargs["response"] = message.response
        if message.buttons:
            kwargs["buttons"] = message.buttons
        if message.payload is not None and not skip_payload:
            kwargs["json_message"] = message.payload
        dispatcher.utter_message(**kwargs)
    if tracker is not None and messages and latest_entity(tracker, "urgent_hint") and not _said_this_turn(tracker, HINT):
        # The classifier read an emergency the safety rules did not confirm: answer, and say what to do
        # if something is happening now (rasa_components/emergency_override.py).
        dispatcher.utter_message(response=HINT)


def context_events(outcome) -> list[dict]:
    """The slots a reply leaves behind: unsure replies in a row, and after an answer the conversation's
    context (what "how long does it take?" refers to next)."""
    events = [SlotSet("unsure_count", float(outcome.unsure_count))]
    if outcome.kind == "answer" and outcome.faq_id:
        events += [SlotSet("last_faq_id", outcome.faq_id), SlotSet("last_topic", outcome.topic)]
    return events


def previous_action(tracker: Tracker) -> str | None:
    """The last action the assistant ran before the user's latest message (action_listen aside)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name")
    return None


def after_eligibility_summary(tracker: Tracker) -> bool:
    """The eligibility check's summary was the assistant's last reply."""
    return previous_action(tracker) == "action_eligibility_summary"


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def latest_entity(tracker: Tracker, name: str) -> Any:
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == name:
            return entity.get("value")
    return None
