"""After Rasa's circuit breaker stops a turn, the conversation goes on.

Rasa 3.6 counts the actions predicted since the last `action_listen` and stops predicting once there are
MAX_NUMBER_OF_PREDICTIONS of them ("Circuit breaker tripped"). The turn it stops ends without an
`action_listen`, so each later message of that conversation trips the breaker again before anything is
predicted: the conversation never answers again (a form rejecting a message that no rule covered did
this). `install()` gives every MessageProcessor an `on_circuit_break` callback that ends the stopped turn
the way a turn ends: an active form is left (its answers so far stay in their slots), so the same loop cannot
restart on the next message, and `action_listen` is logged, so the next message is counted from zero and
answered normally.

Only `bot/rasa_server.py` (what `make run` and the tests serve) installs it.
"""
from __future__ import annotations

import logging

from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import ACTION_LISTEN_NAME, REQUESTED_SLOT
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet

log = logging.getLogger(__name__)
_RASA_INIT = MessageProcessor.__init__


def end_the_turn(tracker, output_channel=None, nlg=None) -> None:
    if tracker.active_loop_name:
        log.warning("circuit breaker: leaving %s for sender %s", tracker.active_loop_name, tracker.sender_id)
        tracker.update(ActiveLoop(None))
        tracker.update(SlotSet(REQUESTED_SLOT, None))
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))


def _init(self, *args, **kwargs) -> None:
    _RASA_INIT(self, *args, **kwargs)
    if self.on_circuit_break is None:
        self.on_circuit_break = end_the_turn


def install() -> None:
    MessageProcessor.__init__ = _init


def uninstall() -> None:
    MessageProcessor.__init__ = _RASA_INIT
