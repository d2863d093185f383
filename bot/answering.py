"""What the assistant says to a question: urgent symptoms first, then boundaries, then retrieval's decision."""
from __future__ import annotations

from dataclasses import dataclass, field

from bot import replies
from bot.content.handoffs import HANDOFF, OUT_OF_SCOPE, route_by_terms
from bot.live import Snapshot
from bot.replies import Message
from bot.retrieval.index import ANSWER as ANSWER_TARGET
from bot.retrieval.scorer import ANSWER, CLARIFY, NOTHING, Candidate, Decision, decide
from bot.content.journey import next_step
from bot.questions import (acknowledges, asks_for_a_person, asks_for_help, asks_for_more, asks_what_next, core_question, looks_like_follow_up,
                           names_the_therapy, points_back, question_part, refers_back, split_two, wants_simpler)
from bot.eligibility import asks, asks_for_own_check
from bot.safety import get_checker
from bot.text import looks_spanish

# Intents whose rules outside the check run action_answer_question, and their reply when the message does not ask.
_CLOSINGS = {"stop": "utter_stopped", "goodbye": "utter_goodbye", "thank": "utter_thank"}
# Two unsure replies in a row and the assistant stops guessing and offers a person.
MAX_UNSURE_IN_A_ROW = 2
TREATMENT_DECISION, REQUEST_PERSON, OFF_TOPIC, LANGUAGE = "treatment_decision", "request_person", "off_topic", "language"
NO_ANSWER, UNSURE = "no_answer", "unsure"


@dataclass
class Outcome:
    messages: list[Message]
    kind: str
    faq_id: str | None = None
    topic: str | None = None
    reason: str | None = None
    unsure_count: int = 0
    extra: dict = field(default_factory=dict)


def emergency() -> Outcome:
    return Outcome([Message(response="utter_emergency")], "emergency", topic="side_effects")


def _closing(intent: str) -> Outcome:
    return Outcome([Message(response=_CLOSINGS[intent])], "smalltalk")


def acknowledged() -> Outcome:
    """ "ok", "got it", "wow, that's a lot": small talk, whatever intent the classifier read. The context
    (`last_faq_id`) is kept, so "how long does it take" after "ok" still refers to the last answer."""
    return Outcome([Message(response="utter_acknowledge")], "smalltalk")


def within_check(outcome: Outcome) -> Outcome:
    """Inside the eligibility check, a side message retrieval cannot place ("what now", "b cell?") gets a short
    note, with the "did you mean" choices as buttons when there were any, instead of "did you mean", "out of
    scope" or a hand-off: each of those is a second prompt beside the check's question, which comes next and
    carries the turn's payload. A sure reply (an answer, a hand-off reason, a near miss, an emergency) stays."""
    unsure = outcome.kind == "clarify" or (
        outcome.kind in (HANDOFF, OUT_OF_SCOPE) and outcome.reason in _PLACED_NOWHERE)
    if not unsure:
        return outcome
    buttons = [b for m in outcome.messages for b in m.buttons]
    note = Message(response="utter_check_side_choices" if buttons else "utter_check_side_unknown", buttons=buttons)
    return Outcome([note], "eligibility")


def _route(snapshot: Snapshot, reason: str, score: float | None = None) -> Outcome | None:
    content = snapshot.content
    route = next((r for r in content.routes if r.id == reason), None)
    if route is None:
        return None
    messages = replies.route(route, content.contacts.get(route.contact, content.contact),
                             replies.contact_source(content.documents), score)
    return Outcome(messages, route.kind, reason=route.id)


def _handoff(snapshot: Snapshot, response: str, reason: str, score: float | None = None, kind: str = HANDOFF) -> Outcome:
    content = snapshot.content
    return Outcome(replies.handoff(response, content.contact, replies.contact_source(content.documents), kind=kind,
                                   score=score, reason=reason), kind, reason=reason)


def _treatment_decision(snapshot: Snapshot) -> Outcome:
    return _route(snapshot, TREATMENT_DECISION) or _handoff(snapshot, "utter_medical_advice_boundary", TREATMENT_DECISION)


def person_requested(snapshot: Snapshot, text: str, treatment_decision: bool = False) -> Outcome:
    """A request for a person (or for advice on one patient): the reason retrieval sees, if it is a hand-off
    reason, else the plain request; always a hand-off."""
    if text and get_checker().urgent_symptom(text):
        return emergency()
    if acknowledges(text):  # "sure" is no request for a person
        return acknowledged()
    if treatment_decision:
        return _treatment_decision(snapshot)
    decision = decide(snapshot.index, text or "", snapshot.settings)
    top = decision.top
    if top is not None and top.target.kind == HANDOFF and decision.band in (ANSWER, CLARIFY):
        return _route(snapshot, top.target.reason, decision.confidence)
    entry = top.target.entry if top is not None else None
    if decision.band == ANSWER and entry is not None and _gives_a_contact(snapshot, entry):
        # "how do i refer a patient", "email?": the classifier hears a wish for a person, and the entry
        # retrieval is sure of is itself how to reach one (it carries a contact's phone or email), while the
        # plain hand-off would only say "a person, on request".
        return answer_entry(snapshot, entry.id, decision.confidence)
    return _route(snapshot, REQUEST_PERSON) or _handoff(snapshot, "utter_handoff", REQUEST_PERSON)


def _gives_a_contact(snapshot: Snapshot, entry) -> bool:
    """Whether an entry's answer gives the phone number or email of a contact in data/contacts.yml."""
    return any(contact.get(key) and contact[key] in entry.answer
               for contact in snapshot.content.contacts.values() for key in ("phone", "email"))


# Replies that mean retrieval found nothing it is sure of: they never overrule the intent classifier. Except
# for a message in another language, they mean it could not place the message at all (`within_check`).
_PLACED_NOWHERE = (NO_ANSWER, UNSURE, OFF_TOPIC)
_UNSURE_REASONS = _PLACED_NOWHERE + (LANGUAGE,)


def _sure(outcome: Outcome, not_topic: str | None = None) -> bool:
    """Whether a reply is one retrieval is sure of: an answer (not about `not_topic`), an emergency, or a
    hand-off reason or near miss that the message itself names or matches."""
    if outcome.kind == "answer":
        return outcome.topic != not_topic
    return outcome.kind == "emergency" or (outcome.kind in (HANDOFF, OUT_OF_SCOPE) and outcome.reason not in _UNSURE_REASONS)


def eligibility_or_answer(snapshot: Snapshot, text: str, last_faq_id: str | None = None,
                          just_checked: bool = False) -> Outcome | None:
    """The intent classifier took a message for a request to check eligibility. None: start the check. An
    Outcome: the content is sure the message asks something else ("is there help with money, my husband
    quit his job to be with her" is about costs; "is REMS still required" about KYMRIAH), and gets that reply.
    The classifier learns from a few hundred examples and leans on words like "my son" or "can he get";
    retrieval is calibrated to be wrong at most 3 % of the time when it is sure.
    `just_checked`: the check's summary was the last reply. Then any sure reply wins, an eligibility answer
    too ("who decides in the end" is a question about the summary, not a wish to be asked again)."""
    outcome = respond(snapshot, text, last_faq_id=last_faq_id)
    if outcome.kind == "smalltalk":  # an acknowledgement ("ok") starts no check
        return outcome
    if just_checked:
        return outcome if _sure(outcome) else None
    if outcome.reason == TREATMENT_DECISION and not get_checker().personal_medical_decision(text or ""):
        # Only similar to the decision examples ("can my daughter get this treatment"): whether a child can
        # get KYMRIAH is what the check is for, and its summary says the care team decides. A decision the
        # reviewed rules confirm ("should my son do car t") still goes to a person.
        return None
    if outcome.kind == "answer" and asks_for_own_check(text or ""):
        return None  # "can my son get car t": whether this patient may have it is what the check is for
    return outcome if _sure(outcome, not_topic="eligibility") else None


def advice_requested(snapshot: Snapshot, text: str, last_faq_id: str | None = None) -> Outcome:
    """The intent classifier read a request for advice on one patient. As for an emergency, the reviewed
    rules (data/safety/personal_decisions.yml) decide: when they confirm it, `respond` hands off with
    `treatment_decision`; when they do not, a general question the content is sure of is answered ("is car t
    a kind of transplant"), and anything else still goes to a person, since the classifier may be right."""
    outcome = respond(snapshot, text, last_faq_id=last_faq_id)
    # `respond` has already checked for urgent symptoms (an emergency is "sure"): no second safety pass.
    # "okay" read as advice is an acknowledgement.
    return outcome if _sure(outcome) or outcome.kind == "smalltalk" else _treatment_decision(snapshot)


def answer_entry(snapshot: Snapshot, entry_id: str, score: float = 1.0, simple: bool = False,
                 also: list | None = None) -> Outcome:
    entry = snapshot.index.entry_by_id[entry_id]
    messages = replies.answer(entry, score, snapshot.index.entry_by_id, snapshot.settings.max_follow_ups,
                              simple=simple, also=also)
    return Outcome(messages, "answer", entry.id, entry.topic)


def _rank(decision: Decision) -> tuple:
    """Which of several readings of one message to act on: a confident answer first, then the most sure."""
    return ({ANSWER: 2, CLARIFY: 1}.get(decision.band, 0), decision.confidence)


def _near_miss(decision: Decision) -> bool:
    return decision.top is not None and decision.top.target.kind == OUT_OF_SCOPE


def understand(snapshot: Snapshot, text: str, previous=None) -> Decision:
    """Retrieval's decision for a message, read in context: a follow-up ("how long does it take") is also
    asked joined to the question just answered, and answered rather than clarified when its likeliest entry
    is about that same topic; a long story is also asked by its question sentences.
    A message that stands on its own keeps its own reading, and a hand-off reason found in the message
    itself always wins (a person is needed whatever was said before); a near miss does not win over a
    message that points back at the answer. A follow-up is not answered with the answer just read when one
    of that entry's listed follow-ups fits it better (`_move_on`)."""
    index, settings = snapshot.index, snapshot.settings
    alone = decide(index, text, settings)
    if previous is not None and not alone.query.lemmas:
        # "why not", "and then?": no word of its own to match (a hand-off reason "found" in it is noise, such
        # as treatment_decision for "why not"); only the conversation says what it asks.
        alone.band = NOTHING
    top = alone.top
    bound = previous is not None and points_back(text)
    refers = previous is not None and refers_back(text)
    # A hand-off reason in the message wins; a near miss does not when the message points back at the
    # answer just given ("is that in the hospital" after the monitoring answer is not about hospital services).
    if top is not None and top.target.kind != ANSWER_TARGET and alone.band == ANSWER \
            and not (bound and _near_miss(alone)):
        return alone
    readings = [alone]
    for part in (question_part(text), core_question(text)):
        if part:
            reading = decide(index, part, settings)
            # Only a confident reading of a part replaces the whole message's: taking its "did you mean"
            # too would ask more often than the bands were calibrated for.
            if reading.band == ANSWER:
                readings.append(reading)
    follow_up = False
    if previous is not None:
        content_words = len([l for l in alone.query.lemmas if l not in index.generic])
        follow_up = looks_like_follow_up(text, content_words)
        if follow_up:
            joined = decide(index, f"{previous.question} {text}", settings)
            # Joined to the previous question, a short question of its own ("what is apheresis" after the
            # contact answer) can land back on the answer just read: the previous question's words dominate.
            echoes = joined.top is not None and joined.top.target.id == previous.id
            if echoes and alone.band == ANSWER and alone.top.target.kind == ANSWER_TARGET \
                    and alone.top.target.id != previous.id \
                    and (alone.top.target.topic == previous.topic or not refers):
                # The joined reading only says "more of the same"; the message alone is sure of another
                # entry of the same topic ("is it painful" after what happens to the collected cells), or
                # points back at nothing and is sure of another topic. A message that points back ("does
                # it hurt" after the infusion) keeps its context.
                return alone
            readings.append(joined)
        elif alone.band == ANSWER:
            return alone
    best = max(readings, key=lambda d: (not (bound and _near_miss(d)),) + _rank(d))
    top = best.top
    if follow_up and best.band == CLARIFY and top is not None and top.target.entry is not None \
            and top.target.topic == previous.topic:
        # Unsure between entries, and the likeliest is about what was just answered: for a follow-up the
        # context settles it ("is it 83 or 81?" after the remission-rate answer), instead of "did you mean".
        best.band = ANSWER
    if follow_up and best.band == ANSWER and top is not None and top.target.id == previous.id and alone.query.lemmas:
        # (A message with no words of its own says nothing about which listed follow-up it wants.)
        _move_on(best, alone, previous, index, settings)
    return best


def _move_on(decision: Decision, alone: Decision, previous, index, settings) -> None:
    """A follow-up that lands on the answer the family has just read asks for something else. Joined to
    the previous question, the message is pulled toward that answer; on its own words it says which of the
    entries the editors listed as its follow-ups (`follow_ups`) it asks about, if one of them matches it
    better than the answer just given ("how long till we get them back" after "where do the cells go")."""
    if alone.features is None:
        return
    values = alone.features.values @ settings.weight_vector()
    rows = {t.id: i for i, t in enumerate(index.targets)}
    listed = [f for f in previous.follow_ups if f in rows]
    if not listed or previous.id not in rows:
        return
    best = max(listed, key=lambda f: values[rows[f]])
    if values[rows[best]] > values[rows[previous.id]]:
        row = rows[best]
        decision.candidates.insert(0, Candidate(index.targets[row], float(values[row]), row))


def second_answer(snapshot: Snapshot, text: str, first: Decision):
    """For "what is X and how long does it last": the entry the second question is about, if retrieval is
    sure of it and it is not the first answer's entry."""
    parts = split_two(text)
    if parts is None or first.band != ANSWER or first.top is None or first.top.target.entry is None:
        return None
    for part in parts:
        other = decide(snapshot.index, part, snapshot.settings)
        entry = other.top.target.entry if other.top is not None else None
        if other.band == ANSWER and entry is not None and entry.id != first.top.target.id:
            return entry
    return None


def in_spanish(snapshot: Snapshot, text: str) -> Outcome:
    """The content is English. A Spanish message is read through the editors' Spanish word list
    (data/glossary_es.yml) and gets what that reading finds: a hand-off reason or near miss, or a confident FAQ
    answer, in English, led by a line in Spanish that says so. Failing that, a hand-off reason it clearly
    names in Spanish (the reasons have Spanish examples), or else a person, with a reply in both languages
    that includes the emergency line."""
    glossary = snapshot.content.glossary
    outcome = _confident(snapshot, decide(snapshot.index, glossary.read(text), snapshot.settings)) if glossary else None
    if outcome is not None:
        if outcome.kind == "answer":
            outcome.messages.insert(0, Message(response="utter_answer_in_english"))
        return outcome
    own = decide(snapshot.index, text, snapshot.settings)
    if own.top is not None and own.top.target.kind == HANDOFF and own.band == ANSWER:
        routed = _route(snapshot, own.top.target.reason, own.confidence)
        if routed is not None:
            return routed
    return _handoff(snapshot, "utter_handoff_language", LANGUAGE)


def _confident(snapshot: Snapshot, decision: Decision) -> Outcome | None:
    """A hand-off reason or near miss near the top, or a confident answer; None when neither."""
    top = decision.top
    if top is not None and decision.band in (ANSWER, CLARIFY) and top.target.kind != ANSWER_TARGET:
        # A person (or an honest "not here") is never a wrong answer, so it is said even when the match is
        # only fair.
        routed = _route(snapshot, top.target.reason, decision.confidence)
        if routed is not None:
            return routed
    if decision.band == ANSWER and top is not None:
        return answer_entry(snapshot, top.target.id, decision.confidence)
    return None


def act_on(snapshot: Snapshot, decision: Decision, unsure_count: int = 0, intent: str | None = None) -> Outcome:
    """The reply for a retrieval decision."""
    settings = snapshot.settings
    confident = _confident(snapshot, decision)
    if confident is not None:
        return confident
    if decision.band == CLARIFY and unsure_count + 1 < MAX_UNSURE_IN_A_ROW:
        return Outcome(replies.clarify(decision, settings.clarify_options), "clarify", unsure_count=unsure_count + 1)
    if decision.band == CLARIFY:
        return _handoff(snapshot, "utter_handoff_unsure", UNSURE, decision.confidence)
    if plainly_off_topic(decision.off_topic or intent == "out_of_scope", decision.query.text):
        return _route(snapshot, OFF_TOPIC, decision.confidence) or \
            _handoff(snapshot, "utter_out_of_scope", OFF_TOPIC, kind=OUT_OF_SCOPE)
    return _handoff(snapshot, "utter_handoff_no_answer", NO_ANSWER, decision.confidence)


def plainly_off_topic(off_topic: bool, text: str) -> bool:
    """Whether "nothing close" is "out of scope" rather than a hand-off (the one rule; the offline replay and the
    calibration call it too). "can siblings visit during car t": nothing here answers it, but it is about the
    therapy, so the honest reply is a person who can, not "I only answer questions about CAR T"."""
    return off_topic and not names_the_therapy(text)


def _listed_after(snapshot: Snapshot, previous) -> str | None:
    """ "tell me more" after an answer: the first related question its editors listed (`follow_ups`)."""
    return next((f for f in previous.follow_ups if f in snapshot.index.entry_by_id and f != previous.id), None)


def _step_after(snapshot: Snapshot, previous) -> str | None:
    """The treatment step after the previous answer's (data/topics.yml `journey`), if it is on the journey."""
    journey = snapshot.content.journey
    topics = [snapshot.index.entry_by_id[s].topic if s in snapshot.index.entry_by_id else None for s in journey]
    return next_step(journey, topics, previous.id, previous.topic)


def respond(snapshot: Snapshot, text: str, unsure_count: int = 0, faq_id: str | None = None,
            intent: str | None = None, last_faq_id: str | None = None, after_check: bool = False) -> Outcome:
    """The reply to one message. `last_faq_id`: the entry answered last in this conversation (its context).
    `after_check`: the eligibility check's summary was the last reply; its next step is to contact the program,
    so "ok so what do we do now" gets the entry the editors name for that (`after_eligibility_check` in
    data/topics.yml). Nothing else is read in the summary's context: a side question after it stands alone."""
    checker = get_checker()
    if text and checker.urgent_symptom(text):
        return emergency()
    if faq_id and faq_id in snapshot.index.entry_by_id:  # a quick reply names its entry: no guessing needed
        return answer_entry(snapshot, faq_id)
    if intent == "thank" and not asks(text or ""):
        return _closing(intent)  # "ok thanks" is thanks, not only an acknowledgement
    if intent == "bot_challenge":
        return person_requested(snapshot, text) if asks_for_a_person(text) \
            else Outcome([Message(response="utter_bot_challenge")], "smalltalk")
    if acknowledges(text):
        return acknowledged()
    if asks_for_help(text) or (not last_faq_id and asks_for_more(text)):  # "tell me more" about nothing yet
        return Outcome([Message(response="utter_greet")], "smalltalk")
    if text and checker.personal_medical_decision(text):
        return person_requested(snapshot, text, treatment_decision=True)
    named = route_by_terms(snapshot.content.routes, text or "")
    if named is not None:
        return _route(snapshot, named.id)
    if text and looks_spanish(text):
        return in_spanish(snapshot, text)
    previous = snapshot.index.entry_by_id.get(last_faq_id) if last_faq_id else None
    if previous is not None and wants_simpler(text):
        return answer_entry(snapshot, previous.id, simple=True)
    more = _listed_after(snapshot, previous) if previous is not None and asks_for_more(text) else None
    if more is not None:
        return answer_entry(snapshot, more)
    if after_check and snapshot.content.after_check in snapshot.index.entry_by_id and asks_what_next(text):
        return answer_entry(snapshot, snapshot.content.after_check)
    step = _step_after(snapshot, previous) if previous is not None and asks_what_next(text) else None
    if step is not None:
        return answer_entry(snapshot, step)
    # The classifier's "stop" and "goodbye" also catch questions ("enough cells?", "how soon can we be seen?").
    if intent in _CLOSINGS and not asks(text or ""):
        return _closing(intent)
    decision = understand(snapshot, text or "", previous)
    also = second_answer(snapshot, text or "", decision)
    if also is not None:
        return answer_entry(snapshot, decision.top.target.id, decision.confidence, also=[also])
    return act_on(snapshot, decision, unsure_count, intent)
