"""Who may talk to the back end: Rasa's HTTP API needs its token, the action server answers only Rasa
(its token, and loopback only), and only the gateway listens on a public interface."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.stack

LOOPBACK = "0100007F"  # 127.0.0.1 as /proc/net/tcp writes it


def status_of(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, data, {"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def listening_address(port: int) -> str:
    """The local address (hex, as /proc/net/tcp has it) of the socket listening on `port`."""
    for line in open("/proc/net/tcp", encoding="ascii").read().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
            return address
    raise AssertionError(f"nothing listens on port {port}")


def test_rasa_api_needs_the_token(supervised):
    sender = "access-test"
    assert status_of(f"{supervised.rasa_url}/conversations/{sender}/tracker") == 401
    assert status_of(f"{supervised.rasa_url}/conversations/{sender}/tracker?token=wrong") == 401
    assert status_of(f"{supervised.rasa_url}/status") == 401
    assert status_of(supervised.tracker_url(sender)) == 200


def test_the_action_server_answers_only_rasa(supervised):
    call = json.dumps({"next_action": "action_answer_question", "sender_id": "x", "tracker": {}, "domain": {}}).encode()
    webhook = f"{supervised.actions_url}/webhook"
    assert status_of(webhook, call) == 401
    assert status_of(webhook, call, {"Authorization": "Bearer wrong"}) == 401
    # Rasa itself gets through: a question is answered, which takes an action call.
    reply = json.loads(urllib.request.urlopen(urllib.request.Request(
        f"{supervised.rasa_url}/webhooks/rest/webhook", json.dumps({"sender": "access-rasa", "message": "what is apheresis"}).encode(),
        {"Content-Type": "application/json"}), timeout=60).read())
    assert any((m.get("custom") or {}).get("kind") == "answer" for m in reply), reply


def test_only_the_gateway_listens_beyond_loopback(supervised):
    assert listening_address(supervised.rasa_port) == LOOPBACK
    assert listening_address(supervised.actions_port) == LOOPBACK
    assert listening_address(supervised.gateway_port) != LOOPBACK  # 0.0.0.0: the public port
