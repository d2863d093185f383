"""Every kind of personal data a family may type, sent through the gateway to the real Rasa and action
servers (the supervised stack), is found nowhere afterwards: not in the tracker store, not in any log file
of the stack or of this gateway, not in the gateway's session data. Typed commands reach nothing."""
from __future__ import annotations

import dataclasses
import logging
import pickle
import re
import sqlite3

import pytest
import pytest_asyncio

from bot.settings import GatewaySettings, Settings
from gateway import create_app
from gateway.state import SESSIONS_KEY

pytestmark = [pytest.mark.stack, pytest.mark.asyncio]

# (message, what must not be stored anywhere). Values are unusual enough not to occur by chance in a log.
PERSONAL = [
    ("what is apheresis? call me at 617-555-0177 or (617) 555-0123", ["617-555-0177", "555-0177", "555-0123"]),
    ("you can e-mail me at jane.doe@example.com about the side effects", ["jane.doe", "jane.doe@example.com"]),
    ("my daughter was born on 03/14/2012, can she get kymriah", ["03/14/2012"]),
    ("his date of birth: March 14, 2012. what is CRS?", ["March 14, 2012"]),
    ("his MRN is 40718265, what happens during infusion", ["40718265"]),
    ("my son Liam Okafor has relapsed ALL, what is car t", ["Liam", "Okafor"]),
    ("we live at 42 Elm Street, Springfield, MA 01105, how far is the hospital", ["Elm Street", "Springfield", "01105"]),
    ("our address is 17 Oak Avenue 02115, do we need to stay nearby", ["Oak Avenue", "02115"]),
    ("is it covered? member id XJH904417733", ["XJH904417733", "904417733"]),
    ("insurance id: BCBS-99887766 and policy number 4455667788", ["BCBS-99887766", "99887766", "4455667788"]),
]
# Typed commands with a JSON payload: refused by the gateway, never forwarded.
COMMANDS = [
    ('/greet{"phone": "617-555-0177"}', ["617-555-0177"]),
    ('/inform{"patient_name": "Liam Okafor", "dob": "03/14/2012"}', ["Okafor", "03/14/2012"]),
]


@pytest_asyncio.fixture
async def gateway(supervised, aiohttp_client):
    """The gateway app in this process (so that its session data can be read) in front of the supervised
    Rasa, logging everything down to DEBUG into the stack's log folder."""
    settings = dataclasses.replace(Settings(), gateway=dataclasses.replace(
        GatewaySettings(), rasa_url=supervised.rasa_url, actions_url=supervised.actions_url, standby_rasa_url="",
        upstream_timeout_s=60.0, rate_per_session_per_minute=1000, rate_per_address_per_minute=1000))
    handler = logging.FileHandler(supervised.log_dir / "gateway-in-process.log", encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        app = create_app(settings)
        client = await aiohttp_client(app)
        client.sessions = app[SESSIONS_KEY]
        yield client
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()


async def send(client, text: str, session: str | None = None) -> tuple[int, dict]:
    resp = await client.post("/api/messages", json={"session": session, "text": text})
    return resp.status, await resp.json()


def found_in(needle: str, content: bytes) -> bool:
    """The needle as typed, not as a run of digits inside a longer number: event timestamps and scores
    in the tracker store (1764855011056.2, 0.901105...) hold any five digits now and then."""
    before = r"(?<!\d)" if needle[:1].isdigit() else ""
    after = r"(?!\d)" if needle[-1:].isdigit() else ""
    return re.search((before + re.escape(needle) + after).encode(), content) is not None


def stored_everywhere(supervised, sessions) -> dict[str, bytes]:
    """Everything the stack and the gateway kept: tracker events, each log file, the session store."""
    with sqlite3.connect(supervised.tracker_db) as db:
        found = {"tracker store": "\n".join(row[0] for row in db.execute("select data from events")).encode()}
    for path in sorted(supervised.log_dir.rglob("*")):
        if path.is_file():
            found[str(path)] = path.read_bytes()
    found["gateway session data"] = pickle.dumps(sessions.__dict__) + repr(sessions.states()).encode()
    return found


async def test_no_personal_data_is_kept_anywhere(supervised, gateway):
    session = None
    for text, _ in PERSONAL:
        status, body = await send(gateway, text, session)
        assert status == 200 and body["messages"], (text, body)
        session = body["session"]
    for text, _ in COMMANDS:
        status, body = await send(gateway, text, session)
        assert status == 400 and body["error"]["code"] == "command_not_offered", (text, body)

    stored = stored_everywhere(supervised, gateway.sessions)
    assert b"[phone]" in stored["tracker store"] and b"[address]" in stored["tracker store"]  # it was there
    leaks = [(needle, where) for _, needles in PERSONAL + COMMANDS for needle in needles
             for where, content in stored.items() if found_in(needle, content)]
    assert leaks == []


def tracker(supervised, sender: str) -> dict:
    import json
    import urllib.request

    with urllib.request.urlopen(supervised.tracker_url(sender), timeout=30) as response:
        return json.loads(response.read())


async def test_typed_commands_trigger_nothing_and_an_answer_gets_one_vote(supervised, gateway):
    status, body = await send(gateway, "what is apheresis")
    assert status == 200 and any(m.get("custom", {}).get("kind") == "answer" for m in body["messages"])
    session = body["session"]
    sender = gateway.sessions.sender_id(session)
    votes = [await send(gateway, "/feedback_not_helpful", session) for _ in range(3)]
    assert [status for status, _ in votes] == [200, 400, 400], votes
    for command in ("/report_emergency", "/feedback_helpful", "/greet", "/eligibility_form"):
        status, reply = await send(gateway, command, session)
        assert status == 400 and reply["error"]["code"] == "command_not_offered", (command, reply)

    events = tracker(supervised, sender)["events"]
    feedback = [e for e in events if e.get("event") == "slot" and e.get("name") == "answer_feedback" and e.get("value")]
    assert len(feedback) == 1, feedback
    user_texts = [e.get("text") for e in events if e.get("event") == "user"]
    assert user_texts == ["what is apheresis", "/feedback_not_helpful"], user_texts
    intents = {(e.get("parse_data") or {}).get("intent", {}).get("name") for e in events if e.get("event") == "user"}
    assert "report_emergency" not in intents


async def test_a_lone_surrogate_is_a_400(gateway):
    resp = await gateway.post("/api/messages", data=b'{"text": "what is \\ud800 apheresis"}',
                              headers={"Content-Type": "application/json"})
    body = await resp.json()
    assert resp.status == 400 and body["error"]["code"] == "invalid_text", body
    assert "surrogate" in body["error"]["message"]
