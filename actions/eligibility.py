from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import latest_text, live, say
from bot import eligibility, replies
from bot.answering import emergency, respond
from bot.contract import contact as contract_contact
from bot.contract import payload
from bot.replies import Message
from bot.safety import get_checker

FORM_SLOTS = ("patient_age", "diagnosis", "disease_status")


def _eligibility_payload(**extra: Any) -> dict:
    return payload("eligibility", "eligibility", None, None, [], **extra)


class ValidateEligibilityForm(FormValidationAction):
    def name(self) -> str:
        return "validate_eligibility_form"

    def _digression(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        """An answer that is really a report of symptoms or a question gets handled as such; the form then re-asks."""
        text = value if isinstance(value, str) else latest_text(tracker)
        if get_checker().urgent_symptom(text):
            say(dispatcher, emergency().messages, tracker)
            return True
        if text.strip().endswith("?"):
            outcome = respond(live().snapshot, text)
            if outcome.kind == "answer":
                say(dispatcher, outcome.messages, tracker)
                return True
        return False

    def _validate(self, slot: str, parser, value: Any, dispatcher, tracker) -> dict[str, Any]:
        parsed = parser(value if isinstance(value, str) else str(value or ""))
        if parsed is not None:
            return {slot: parsed}
        if not self._digression(value, dispatcher, tracker):
            dispatcher.utter_message(response=f"utter_wrong_{slot}")
        return {slot: None}

    def validate_patient_age(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return self._validate("patient_age", eligibility.parse_age, value, dispatcher, tracker)

    def validate_diagnosis(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return self._validate("diagnosis", eligibility.parse_diagnosis, value, dispatcher, tracker)

    def validate_disease_status(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return self._validate("disease_status", eligibility.parse_status, value, dispatcher, tracker)


class _AskSlot(Action):
    """Asks for a form slot; the payload is added only if this turn has not carried one already
    (after a digression the answer already did)."""

    slot = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        say(dispatcher, [Message(response=f"utter_ask_{self.slot}", payload=_eligibility_payload(asking=self.slot))], tracker)
        return []


class ActionAskPatientAge(_AskSlot):
    slot = "patient_age"


class ActionAskDiagnosis(_AskSlot):
    slot = "diagnosis"


class ActionAskDiseaseStatus(_AskSlot):
    slot = "disease_status"


class ActionEligibilitySummary(Action):
    def name(self) -> str:
        return "action_eligibility_summary"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        answers = {slot: tracker.get_slot(slot) for slot in FORM_SLOTS}
        comparison = eligibility.compare(answers["patient_age"], answers["diagnosis"], answers["disease_status"])
        content = live().snapshot.content
        messages = [Message(response="utter_eligibility_indication")]
        if comparison.matches:
            messages.append(Message(response="utter_eligibility_matches"))
        if comparison.differences:
            messages.append(Message(response="utter_eligibility_differs",
                                    response_vars={"differences": "; ".join(comparison.differences)}))
        if comparison.unknowns:
            messages.append(Message(response="utter_eligibility_unknown",
                                    response_vars={"unknowns": ", ".join(comparison.unknowns)}))
        messages.append(Message(response="utter_eligibility_decision"))
        doc = content.documents.get("program-page")
        sources = [{"title": doc.title, "url": doc.url, "section": "Who is eligible for KYMRIAH?"}] if doc else []
        messages.append(Message(text=replies.contact_text(content.contact), payload=payload(
            "eligibility", "eligibility", None, None, sources, contact=contract_contact(content.contact), answers=answers,
            in_line_with_label=comparison.matches, differences=comparison.differences, unknowns=comparison.unknowns)))
        say(dispatcher, messages, tracker)
        return [SlotSet(slot, None) for slot in FORM_SLOTS]
