"""Rasa custom actions: thin adapters from Rasa's action calls to the `bot` package."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import after_eligibility_summary, context_events, latest_entity, latest_intent, latest_text, live, say
from bot.answering import respond, within_check


class ActionAnswerQuestion(Action):
    """A question: retrieval over the FAQ, the hand-off reasons and the near misses decides the reply."""

    def name(self) -> str:
        return "action_answer_question"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        outcome = respond(
            live().snapshot,
            latest_text(tracker),
            unsure_count=int(tracker.get_slot("unsure_count") or 0),
            faq_id=latest_entity(tracker, "faq_id"),
            intent=latest_intent(tracker),
            last_faq_id=tracker.get_slot("last_faq_id"),
            after_check=after_eligibility_summary(tracker),
        )
        if tracker.active_loop_name == "eligibility_form":
            outcome = within_check(outcome)
        say(dispatcher, outcome.messages, tracker)
        return context_events(outcome)


class ActionOutOfScope(ActionAnswerQuestion):
    """What the classifier calls out of scope still goes through retrieval: "how much does it cost" is a
    question for a person, and a near miss gets its own honest reply. Nothing close is out of scope."""

    def name(self) -> str:
        return "action_out_of_scope"
