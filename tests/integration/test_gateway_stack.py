"""The gateway in front of the real Rasa and action servers: answers, origins, and redaction checked
in what Rasa itself stored."""
from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.stack


def gateway_post(stack, body: dict, origin: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if origin:
        headers["Origin"] = origin
    request = urllib.request.Request(f"{stack.gateway_url}/api/messages", json.dumps(body).encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def custom(reply: dict) -> dict:
    [payload] = [m["custom"] for m in reply["messages"] if "custom" in m]
    return payload


def test_a_question_through_the_gateway_gets_an_answer_with_its_source(stack):
    status, reply = gateway_post(stack, {"text": "what is apheresis"})
    assert status == 200 and reply["session"]
    payload = custom(reply)
    assert payload["kind"] == "answer" and payload["topic"] == "apheresis" and payload["sources"]


def test_an_origin_that_is_not_allowed_is_refused(stack):
    status, reply = gateway_post(stack, {"text": "what is apheresis"}, origin="https://evil.example")
    assert status == 403 and reply.get("error")


def test_personal_data_is_redacted_before_rasa_sees_it(stack):
    phone, email = "617-555-0199", "jane.doe@example.com"
    # The rest of the question still works: a 19-year-old's eligibility question starts the form.
    status, reply = gateway_post(stack, {"text": "my son John is 19, can he get car t"})
    assert status == 200 and custom(reply)["kind"] == "eligibility"
    status, reply = gateway_post(stack, {"text": f"what is apheresis? you can reach me at {phone} or {email}"})
    assert status == 200
    db = sqlite3.connect(stack.env_overrides["TRACKER_DB"])
    stored = " ".join(row[0] for row in db.execute("select data from events"))
    db.close()
    assert "[phone]" in stored
    assert phone not in stored and email not in stored and "John" not in stored
