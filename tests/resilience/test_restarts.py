"""SIGKILL of the action server, then of Rasa, in the middle of an eligibility check, under supervisord
(deploy/supervisord.conf, what `make run` runs): supervisord restarts each, every message sent meanwhile is
answered (by the standby lane, or with the back-end-down reply that carries the program contact and the
emergency wording), and the check then continues where it was.

The deadlines are generous on purpose: they bound how long a test may wait, they are not speed figures.
How long a restart takes is printed (run with -s) and measured in docs/benchmarks.md.
"""
from __future__ import annotations

import time

import pytest

from tests.resilience.web import WebConversation, assert_fallback, is_fallback, payload

pytestmark = pytest.mark.stack

# What the issue asks of the assistant as a whole: answering again by itself within 20 s of a crash.
ANSWERING_AGAIN_S = 20
# A cold start takes about 15 s (Rasa, with rasa_components/fast_load.py) and 13 s (the action server, with its
# parses kept on disk) on an idle 2-core machine, about a minute each before. The bound is twice the issue's
# 20 s, so that a shared CI machine does not fail it by chance while a return to minute-long starts does;
# the figures themselves come from devtools/benchmarks/restarts.py.
RESTART_BOUND_S = 40
# Only stops a test that hangs.
RESTART_DEADLINE_S = 400
# A side question inside the form: answered, and the form asks its question again without moving on.
SIDE_QUESTION = "what is apheresis"


def outage(supervised, conversation: WebConversation, program: str) -> tuple[list[tuple[float, dict]], float]:
    """SIGKILL `program`, then send the side question every second until supervisord has it running and
    healthy again. Returns (seconds after the kill, reply) for each message sent meanwhile, and the seconds
    until it was back."""
    old_pid = supervised.kill(program)
    killed = time.monotonic()
    replies = []
    while True:
        status, body = conversation.send(SIDE_QUESTION)
        assert status == 200, (program, status, body)  # never a bare error
        replies.append((time.monotonic() - killed, body))
        if supervised.restarted(program, old_pid):
            break
        assert time.monotonic() - killed < RESTART_DEADLINE_S, f"{program} not back; see {supervised.log_dir}"
        time.sleep(1)
    back = time.monotonic() - killed
    print(f"\n{program}: restarted by supervisord and healthy {back:.0f} s after SIGKILL; "
          f"{len(replies)} messages meanwhile, {sum(map(is_fallback, (b for _, b in replies)))} fallbacks")
    return replies, back


def start_check(conversation: WebConversation) -> None:
    assert conversation.ask("can you check if my child qualifies for kymriah").get("asking") == "patient_age"
    assert conversation.ask("12").get("asking") == "diagnosis"


def finish_check(conversation: WebConversation, before: list[str]) -> None:
    """The answers given before the crashes are still there: only the remaining ones are asked."""
    assert conversation.ask("B-cell ALL").get("asking") == "disease_status", before
    result = conversation.ask("refractory")
    assert result["kind"] == "eligibility" and result["in_line_with_label"] is True, result


def test_with_the_standby_lane_the_assistant_answers_again_within_20_s(supervised):
    assert supervised.standby and all(supervised.healthy(p) for p in supervised.programs())
    conversation = WebConversation(supervised.gateway_url)
    start_check(conversation)
    for program in ("actions", "rasa"):
        replies, _ = outage(supervised, conversation, program)
        for _, body in replies:
            if is_fallback(body):
                assert_fallback(body)
            else:
                assert payload(body)["kind"] == "answer", body
        first_answer = next((at for at, body in replies if not is_fallback(body)), None)
        assert first_answer is not None and first_answer <= ANSWERING_AGAIN_S, [
            (round(at, 1), is_fallback(body)) for at, body in replies]
    finish_check(conversation, ["patient_age"])


def test_without_a_standby_every_message_meanwhile_gets_the_fallback(supervised):
    """The standby lane stopped: while a primary process is down the gateway can only give the fallback."""
    for program in ("actions-standby", "rasa-standby"):
        supervised.rpc.supervisor.stopProcess(program, True)
    conversation = WebConversation(supervised.gateway_url)
    start_check(conversation)
    for program in ("actions", "rasa"):
        replies, back = outage(supervised, conversation, program)
        assert len(replies) >= 2, "the process was back before a second message: nothing was tested"
        assert back <= RESTART_BOUND_S, f"{program} took {back:.0f} s to come back after SIGKILL"
        # The process may answer a message before supervisord reports it running and healthy, so the
        # replies are fallbacks up to the first real answer and real answers after it, never back and forth.
        fallbacks = [is_fallback(body) for _, body in replies]
        first_real = fallbacks.index(False) if False in fallbacks else len(replies)
        assert first_real >= 1, f"the first message after killing {program} was answered normally"
        for _, body in replies[:first_real]:
            assert_fallback(body)
        for _, body in replies[first_real:]:
            assert not is_fallback(body) and payload(body)["kind"] == "answer", body
    finish_check(conversation, ["patient_age"])
