from __future__ import annotations

import datetime as dt
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_intent, live, say
from bot import replies
from bot.replies import Message


class ActionRecordFeedback(Action):
    """Stores "Was this helpful?" as a slot event with the FAQ id, so editors can find weak answers."""

    def name(self) -> str:
        return "action_record_feedback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        helpful = latest_intent(tracker) == "feedback_helpful"
        faq_id = tracker.get_slot("last_faq_id")
        record = {"faq_id": faq_id, "helpful": helpful, "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        if helpful:
            say(dispatcher, [Message(response="utter_feedback_thanks")], tracker)
        else:
            content = live().snapshot.content
            say(dispatcher, replies.handoff("utter_handoff_not_helpful", content.contact,
                                            replies.contact_source(content.documents), reason="not_helpful"), tracker)
        return [SlotSet("answer_feedback", record)]
