"""The gateway over HTTP: pages, sessions, limits, origins, headers, redaction on the way to Rasa."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.asyncio

URLSAFE = re.compile(r"^[A-Za-z0-9_-]{32,}$")


async def post(client, body, **kwargs):
    return await client.post("/api/messages", json=body, **kwargs)


# ---------------------------------------------------------------------------------------------- pages


async def test_demo_page_has_the_program_name_contact_and_the_widget(gateway):
    resp = await gateway.get("/")
    assert resp.status == 200
    assert resp.content_type == "text/html"
    html = await resp.text()
    assert "Gene Therapy Program — KYMRIAH CAR T-cell therapy" in html
    # the program contact comes from data/contacts.yml
    assert "Colleen Dansereau, RN" in html
    assert 'href="tel:6179197008"' in html
    assert 'href="mailto:colleen.dansereau@childrens.harvard.edu"' in html
    assert '<script src="/embed.js"' in html
    assert "{{" not in html


@pytest.mark.parametrize("path", ["/", "/chat"])
async def test_pages_have_no_inline_script_or_style(gateway, path):
    html = await (await gateway.get(path)).text()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
    assert re.search(r"<script\b[^>]*>\s*[^<\s]", html) is None
    assert "<style" not in html
    assert re.search(r"\sstyle\s*=", html) is None
    assert re.search(r"\son[a-z]+\s*=", html) is None


async def test_page_csp_is_strict(gateway):
    resp = await gateway.get("/")
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'self'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"


async def test_embed_script_and_static_files(gateway):
    resp = await gateway.get("/embed.js")
    assert resp.status == 200
    assert "javascript" in resp.headers["Content-Type"]
    assert resp.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    body = await resp.text()
    assert re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function", body) is None
    assert "textContent" in body
    for path in ("/static/widget.css", "/static/page.css", "/static/chat.css", "/static/favicon.svg"):
        assert (await gateway.get(path)).status == 200, path


async def test_chat_page_frame_ancestors_follow_allowed_origins(stub_server, make_gateway):
    client = await make_gateway(
        str(stub_server.make_url("")).rstrip("/"), allowed_origins=["https://portal.example.org", "https://www.example.com/"]
    )
    resp = await client.get("/chat")
    assert resp.status == 200
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://portal.example.org https://www.example.com" in csp
    assert "X-Frame-Options" not in resp.headers
    # the demo page itself is not frameable by others
    assert "frame-ancestors 'self';" in (await client.get("/")).headers["Content-Security-Policy"] + ";"


async def test_chat_page_default_is_own_origin_only(gateway):
    resp = await gateway.get("/chat")
    assert resp.headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")
    assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"


async def test_unknown_route_is_a_json_404(gateway):
    resp = await gateway.get("/nope")
    assert resp.status == 404
    assert (await resp.json())["error"]["code"] == "not_found"


async def test_wrong_method_is_a_json_405(gateway):
    resp = await gateway.get("/api/messages")
    assert resp.status == 405
    assert (await resp.json())["error"]["code"] == "method_not_allowed"


# ---------------------------------------------------------------------------------------------- health


async def test_health_and_ready(gateway, stub):
    assert (await gateway.get("/health")).status == 200
    resp = await gateway.get("/ready")
    assert resp.status == 200
    assert await resp.json() == {"status": "ready", "rasa": "ok", "actions": "ok"}
    stub.actions_healthy = False
    resp = await gateway.get("/ready")
    assert resp.status == 503
    assert (await resp.json())["actions"] == "unreachable"


async def test_ready_when_rasa_is_down(make_gateway, unused_tcp_port):
    client = await make_gateway(f"http://127.0.0.1:{unused_tcp_port}")
    assert (await client.get("/health")).status == 200
    resp = await client.get("/ready")
    assert resp.status == 503
    assert await resp.json() == {"status": "not_ready", "rasa": "unreachable", "actions": "unreachable"}


# ---------------------------------------------------------------------------------------------- messages and sessions


async def test_a_question_gets_the_replies_and_the_payload(gateway, stub):
    resp = await post(gateway, {"text": "What is apheresis?"})
    assert resp.status == 200
    body = await resp.json()
    assert URLSAFE.match(body["session"])
    texts = [m.get("text") for m in body["messages"]]
    assert "Was this helpful?" in texts
    custom = [m["custom"] for m in body["messages"] if "custom" in m]
    assert len(custom) == 1 and custom[0]["kind"] == "answer"
    assert custom[0]["sources"][0]["url"].startswith("https://")
    assert all("recipient_id" not in m for m in body["messages"])
    buttons = next(m["buttons"] for m in body["messages"] if "buttons" in m)
    assert buttons[0] == {"title": "Yes", "payload": "/feedback_helpful"}


async def test_session_is_issued_then_kept(gateway, stub):
    first = await (await post(gateway, {"text": "hello"})).json()
    session = first["session"]
    second = await (await post(gateway, {"session": session, "text": "and again"})).json()
    assert second["session"] == session
    senders = {item["sender"] for item in stub.received}
    assert len(senders) == 1
    # Rasa sees an opaque derivative, never the session id itself
    assert session not in senders


@pytest.mark.parametrize("forged", ["made-up-session-id", "", "x" * 500, 12345, None, ["a"], {"a": 1}])
async def test_only_gateway_issued_sessions_are_accepted(gateway, stub, forged):
    issued = (await (await post(gateway, {"text": "hello"})).json())["session"]
    body = await (await post(gateway, {"session": forged, "text": "hi"})).json()
    assert body["session"] != forged
    assert body["session"] != issued
    assert URLSAFE.match(body["session"])
    assert stub.received[0]["sender"] != stub.received[1]["sender"]


async def test_new_sessions_are_random(gateway):
    sessions = {(await (await post(gateway, {"text": "hi"})).json())["session"] for _ in range(5)}
    assert len(sessions) == 5


# ---------------------------------------------------------------------------------------------- redaction on the way


async def test_gateway_forwards_redacted_text(gateway, stub):
    resp = await post(
        gateway, {"text": "my son John is 19, can he get car t? call 617-919-7008 or dad@example.com, MRN 1234567"}
    )
    assert resp.status == 200
    assert stub.texts == ["my son [name] is 19, can he get car t? call [phone] or [email], MRN [mrn]"]


async def test_button_payloads_are_forwarded_as_they_are(gateway, stub):
    # Only the buttons of the reply just relayed are commands (tests/gateway/test_commands.py): press them.
    session = (await (await post(gateway, {"text": "What is apheresis?"})).json())["session"]
    payload = '/ask_question{"faq_id":"manufacturing"}'  # a suggestion of the stub's answer
    await post(gateway, {"session": session, "text": payload})
    await post(gateway, {"session": session, "text": "/feedback_helpful"})
    assert stub.texts == ["What is apheresis?", payload, "/feedback_helpful"]


async def test_control_characters_are_stripped(gateway, stub):
    await post(gateway, {"text": "  what\x00 is\u200b apheresis?\x07 "})
    assert stub.texts == ["what is apheresis?"]


async def test_unicode_text(gateway, stub):
    resp = await post(gateway, {"text": "¿Qué es KYMRIAH? 🙂"})
    assert resp.status == 200
    assert stub.texts == ["¿Qué es KYMRIAH? 🙂"]


async def test_personal_details_are_not_logged(gateway, stub, caplog):
    caplog.set_level("DEBUG", logger="gateway")
    await post(gateway, {"text": "my son John, call 617-919-7008"})
    assert "John" not in caplog.text and "617-919-7008" not in caplog.text


# ---------------------------------------------------------------------------------------------- limits


async def _error(resp, status, code=None):
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/json"
    body = await resp.json()
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body


async def test_message_length_limit(gateway, stub):
    assert (await post(gateway, {"text": "a" * 1000})).status == 200
    body = await _error(await post(gateway, {"text": "a" * 1001}), 413, "message_too_long")
    assert "1,000" in body["error"]["message"]
    assert len(stub.received) == 1


async def test_body_size_limit(gateway, stub):
    big = {"text": "hi", "padding": "x" * 20_000}
    await _error(await post(gateway, big), 413, "body_too_large")
    # chunked, without Content-Length: aiohttp's own limit, still a JSON error
    async def chunks():
        yield b'{"text": "hi", "padding": "'
        for _ in range(40):
            yield b"x" * 1000
        yield b'"}'

    resp = await gateway.post("/api/messages", data=chunks(), headers={"Content-Type": "application/json"})
    await _error(resp, 413, "body_too_large")
    assert stub.received == []


@pytest.mark.parametrize("text", ["", "   ", "\n\t  \n", "\u200b\u200b"])
async def test_empty_text_is_refused(gateway, stub, text):
    await _error(await post(gateway, {"text": text}), 400, "empty_text")
    assert stub.received == []


@pytest.mark.parametrize(
    ("data", "content_type", "code"),
    [
        (b"not json at all", "application/json", "invalid_json"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "application/json", "not_text"),
        (b"\x00\x01\x02\x03", "application/octet-stream", "not_json"),
        (b'{"text": "hi"}', "text/plain", "not_json"),
        (b'["text", "hi"]', "application/json", "invalid_json"),
        (b'{"session": "x"}', "application/json", "missing_text"),
        (b'{"text": 42}', "application/json", "missing_text"),
        (b"", "application/json", "empty_body"),
    ],
)
async def test_malformed_bodies_are_refused(gateway, stub, data, content_type, code):
    resp = await gateway.post("/api/messages", data=data, headers={"Content-Type": content_type})
    await _error(resp, 400, code)
    assert stub.received == []


async def test_per_session_rate_limit(stub_server, make_gateway, stub):
    client = await make_gateway(str(stub_server.make_url("")).rstrip("/"), rate_per_session_per_minute=3)
    session = (await (await post(client, {"text": "one"})).json())["session"]
    for text in ("two", "three"):
        assert (await post(client, {"session": session, "text": text})).status == 200
    resp = await post(client, {"session": session, "text": "four"})
    await _error(resp, 429, "rate_limited")
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert len(stub.received) == 3
    # another conversation from the same address is not held back by this one
    assert (await post(client, {"text": "new conversation"})).status == 200


async def test_per_address_rate_limit(stub_server, make_gateway, stub):
    client = await make_gateway(str(stub_server.make_url("")).rstrip("/"), rate_per_address_per_minute=4)
    for i in range(4):
        assert (await post(client, {"text": f"question {i}"})).status == 200
    resp = await post(client, {"text": "one more"})
    await _error(resp, 429, "rate_limited")
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert len(stub.received) == 4
    # the pages and health checks are not behind the message limit
    assert (await client.get("/health")).status == 200


# ---------------------------------------------------------------------------------------------- origins and CORS


async def test_foreign_origin_is_refused_with_json(gateway, stub):
    resp = await post(gateway, {"text": "hi"}, headers={"Origin": "https://evil.example"})
    body = await _error(resp, 403, "origin_not_allowed")
    assert "not allowed" in body["error"]["message"]
    assert "Access-Control-Allow-Origin" not in resp.headers
    assert stub.received == []


@pytest.mark.parametrize("origin", ["null", "https://evil.example", "http://127.0.0.1.evil.example", "file://", "not an origin"])
async def test_odd_origins_are_refused(gateway, origin):
    await _error(await post(gateway, {"text": "hi"}, headers={"Origin": origin}), 403, "origin_not_allowed")


async def test_foreign_origin_is_refused_on_pages_too(gateway):
    await _error(await gateway.get("/chat", headers={"Origin": "https://evil.example"}), 403, "origin_not_allowed")


async def test_own_origin_is_allowed_by_default(gateway):
    own = str(gateway.make_url("")).rstrip("/")
    resp = await post(gateway, {"text": "hi"}, headers={"Origin": own})
    assert resp.status == 200
    assert resp.headers["Access-Control-Allow-Origin"] == own
    assert "Origin" in resp.headers["Vary"]


async def test_configured_origin_gets_cors(stub_server, make_gateway, stub):
    client = await make_gateway(str(stub_server.make_url("")).rstrip("/"), allowed_origins=["https://portal.example.org"])
    preflight = await client.options(
        "/api/messages",
        headers={
            "Origin": "https://portal.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://portal.example.org"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    resp = await post(client, {"text": "hi"}, headers={"Origin": "https://PORTAL.example.org:443"})
    assert resp.status == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "https://PORTAL.example.org:443"
    assert "Retry-After" in resp.headers["Access-Control-Expose-Headers"]
    # a foreign origin's preflight is refused
    refused = await client.options(
        "/api/messages", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert refused.status == 403
    assert "Access-Control-Allow-Origin" not in refused.headers


async def test_errors_carry_cors_headers_for_allowed_origins(stub_server, make_gateway):
    client = await make_gateway(str(stub_server.make_url("")).rstrip("/"), allowed_origins=["https://portal.example.org"])
    resp = await post(client, {"text": ""}, headers={"Origin": "https://portal.example.org"})
    assert resp.status == 400
    assert resp.headers["Access-Control-Allow-Origin"] == "https://portal.example.org"


async def test_public_origin_setting_is_allowed(stub_server, make_gateway):
    client = await make_gateway(str(stub_server.make_url("")).rstrip("/"), public_origin="https://chat.example.org")
    resp = await post(client, {"text": "hi"}, headers={"Origin": "https://chat.example.org"})
    assert resp.status == 200


async def test_api_security_headers(gateway):
    resp = await post(gateway, {"text": "hi"})
    assert resp.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
