"""The eligibility check, the formbot way: custom slot extraction, one validate method per slot, an ask
action per slot, and a summary. Side questions, "never mind" and a request for a person are rules
(data/rules/eligibility.yml); here only answers to the check's own questions are read."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import after_eligibility_summary, context_events, latest_intent, latest_text, live, say
from bot import eligibility, replies
from bot.answering import eligibility_or_answer
from bot.contract import contact as contract_contact
from bot.contract import payload
from bot.replies import Message

# Messages with these intents are not answers to the check's questions: the rules handle them.
NOT_ANSWERS = {"ask_question", "ask_medical_advice", "request_human", "stop", "report_emergency", "greet", "goodbye",
               "thank", "bot_challenge", "out_of_scope", "feedback_helpful", "feedback_not_helpful"}


def _eligibility_payload(**extra: Any) -> dict:
    return payload("eligibility", "eligibility", None, None, [], **extra)


def answers_in(tracker: Tracker) -> dict[str, Any]:
    """The check's answers the latest message states (its questions are not read: "is 25 the age limit?")."""
    intent = latest_intent(tracker)
    text = latest_text(tracker)
    # An urgent symptom always gets the emergency reply first (its rule), even with an answer in it.
    if not text or text.startswith("/") or intent == "report_emergency":
        return {}
    found = eligibility.stated_answers(text, tracker.get_slot("requested_slot"))
    if intent in NOT_ANSWERS and not found:
        return {}
    return found


class ActionTriageEligibility(Action):
    """Before the check starts: the classifier took the message for an eligibility request, and the
    content may be sure it asks something else (bot.answering.eligibility_or_answer). Sets
    `eligibility_check_wanted`, on which the rules either start the check or stop here with the reply."""

    def name(self) -> str:
        return "action_triage_eligibility"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        outcome = eligibility_or_answer(live().snapshot, latest_text(tracker), tracker.get_slot("last_faq_id"),
                                        just_checked=after_eligibility_summary(tracker))
        if outcome is None:
            return [SlotSet("eligibility_check_wanted", True)]
        say(dispatcher, outcome.messages, tracker)
        return [SlotSet("eligibility_check_wanted", False)] + context_events(outcome)


class ValidateEligibilityForm(FormValidationAction):
    def name(self) -> str:
        return "validate_eligibility_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        # The latest message counts too: "it came back once and went into remission" answers both questions.
        status = answers_in(tracker).get("disease_status") or tracker.get_slot("disease_status")
        return eligibility.required_slots(status)

    def _extract(self, slot: str, tracker: Tracker) -> dict[str, Any]:
        found = answers_in(tracker)
        if slot in found:
            return {slot: found[slot]}
        intent = latest_intent(tracker)
        # An answer to the question asked that cannot be read ("older than his sister"): validation says so
        # and the form asks again. Not when the message answered something else (a correction).
        if slot == tracker.get_slot("requested_slot") and not found and intent not in NOT_ANSWERS \
                and not eligibility.asks(latest_text(tracker)) and not latest_text(tracker).startswith("/"):
            return {slot: latest_text(tracker)}
        return {}

    async def extract_patient_age(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._extract("patient_age", tracker)

    async def extract_diagnosis(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._extract("diagnosis", tracker)

    async def extract_disease_status(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._extract("disease_status", tracker)

    async def extract_relapse_response(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._extract("relapse_response", tracker)

    def _validate(self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        parsed = eligibility.normalise_answer(slot, value)
        if parsed is None:
            dispatcher.utter_message(response=f"utter_wrong_{slot}")
            return {slot: None}
        return {slot: parsed}

    def validate_patient_age(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._validate("patient_age", value, dispatcher, tracker)

    def validate_diagnosis(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._validate("diagnosis", value, dispatcher, tracker)

    def validate_disease_status(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._validate("disease_status", value, dispatcher, tracker)

    def validate_relapse_response(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._validate("relapse_response", value, dispatcher, tracker)


class _AskSlot(Action):
    """Asks for a form slot; the payload is added only if this turn has not carried one already
    (after a side question, the answer did)."""

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


class ActionAskRelapseResponse(_AskSlot):
    slot = "relapse_response"


class ActionEligibilitySummary(Action):
    def name(self) -> str:
        return "action_eligibility_summary"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        answers = {slot: tracker.get_slot(slot) for slot in eligibility.SLOTS}
        comparison = eligibility.compare(answers["patient_age"], answers["diagnosis"], answers["disease_status"],
                                         answers["relapse_response"])
        content = live().snapshot.content
        messages = [Message(response="utter_eligibility_indication")]
        if comparison.matches:
            messages.append(Message(response="utter_eligibility_matches"))
        if comparison.refractory_relapse:
            messages.append(Message(response="utter_eligibility_refractory_relapse"))
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
            in_line_with_label=comparison.matches, differences=comparison.differences, unknowns=comparison.unknowns,
            next_step="contact" if comparison.matches or comparison.unknowns else "contact_or_clinical_trials")))
        say(dispatcher, messages, tracker)
        return [SlotSet(slot, None) for slot in eligibility.SLOTS]
