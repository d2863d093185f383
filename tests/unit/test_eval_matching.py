"""The two ways a reply is scored: this project's strict rule (hand-off reasons checked) and the shared eval
format's rule (kind, and topic when given), which the separate held-out set is judged by."""
from devtools.eval.cases import Case, Got, matches, matches_kind_and_topic


def _case(*expects: dict) -> Case:
    return Case(text="q", expects=tuple(expects), file="test")


def test_a_hand_off_for_another_reason_counts_only_by_the_shared_rule():
    case = _case({"kind": "handoff", "reason": "costs_insurance"})
    got = Got(kind="handoff", reason="no_answer")
    assert not matches(case, got)
    assert matches_kind_and_topic(case, got)


def test_an_answer_on_another_topic_is_wrong_by_both_rules():
    case = _case({"kind": "answer", "topic": "apheresis"})
    got = Got(kind="answer", topic="manufacturing")
    assert not matches(case, got)
    assert not matches_kind_and_topic(case, got)


def test_any_acceptable_expectation_is_enough():
    case = _case({"kind": "answer", "topic": "infusion"}, {"kind": "handoff"})
    assert matches(case, Got(kind="handoff", reason="appointments"))
    assert matches_kind_and_topic(case, Got(kind="answer", topic="infusion"))
    assert not matches_kind_and_topic(case, Got(kind="clarify", topic="infusion"))
