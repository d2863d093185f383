"""When Rasa or the action server is down or slow, families get the program contact, and the gateway recovers."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from aiohttp import web

from bot.contract import UNAVAILABLE_TEXT

pytestmark = pytest.mark.asyncio

CONTACTS = yaml.safe_load((Path(__file__).resolve().parents[2] / "data" / "contacts.yml").read_text(encoding="utf-8"))
PROGRAM_CONTACT = {key: CONTACTS["program_contact"][key] for key in ("name", "role", "phone", "email")}


async def ask(client, text="What is apheresis?", session=None):
    resp = await client.post("/api/messages", json={"session": session, "text": text})
    assert resp.status == 200, await resp.text()
    return await resp.json()


def assert_unavailable(body):
    assert len(body["messages"]) == 1
    message = body["messages"][0]
    assert message["text"] == UNAVAILABLE_TEXT
    assert message["custom"]["kind"] == "handoff"
    assert message["custom"]["reason"] == "unavailable"
    assert message["custom"]["contact"] == PROGRAM_CONTACT


def assert_answer(body):
    kinds = [m["custom"]["kind"] for m in body["messages"] if "custom" in m]
    assert kinds == ["answer"]


async def test_rasa_down_gives_the_program_contact(make_gateway, unused_tcp_port):
    client = await make_gateway(f"http://127.0.0.1:{unused_tcp_port}")
    body = await ask(client)
    assert_unavailable(body)
    assert body["session"]
    assert (await client.get("/health")).status == 200


async def test_rasa_slower_than_the_timeout(stub_server, stub, make_gateway):
    stub.delay_s = 1.5
    client = await make_gateway(str(stub_server.make_url("")).rstrip("/"), upstream_timeout_s=0.3)
    started = time.monotonic()
    body = await ask(client)
    assert time.monotonic() - started < 1.2
    assert_unavailable(body)


async def test_rasa_http_error(stub_server, stub, make_gateway):
    stub.status = 500
    client = await make_gateway(str(stub_server.make_url("")).rstrip("/"))
    assert_unavailable(await ask(client))


async def test_action_server_down(stub_server, stub, make_gateway):
    """Rasa answers `[]` when its custom actions fail; the gateway then checks the action server."""
    stub.actions_healthy = False
    client = await make_gateway(str(stub_server.make_url("")).rstrip("/"))
    assert_unavailable(await ask(client))
    assert stub.texts == ["What is apheresis?"]


async def test_action_server_unreachable_while_rasa_answers_without_payload(aiohttp_server, make_gateway, unused_tcp_port):
    async def webhook(request):
        return web.json_response([{"recipient_id": "x", "text": "Sorry, I didn't get that."}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    server = await aiohttp_server(app, host="127.0.0.1")
    client = await make_gateway(str(server.make_url("")).rstrip("/"), actions_url=f"http://127.0.0.1:{unused_tcp_port}")
    assert_unavailable(await ask(client))


@pytest.mark.parametrize("reply", [b"not json", b'{"oops": true}', b"<html>502</html>"])
async def test_garbage_from_rasa(aiohttp_server, make_gateway, reply):
    async def webhook(request):
        return web.Response(body=reply, content_type="application/json")

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    server = await aiohttp_server(app, host="127.0.0.1")
    client = await make_gateway(str(server.make_url("")).rstrip("/"))
    assert_unavailable(await ask(client))


async def test_restart_may_get_an_empty_reply(gateway, stub):
    body = await ask(gateway, "/restart")
    assert body["messages"] == []


async def test_down_then_back_recovers_by_itself(aiohttp_server, stub, make_gateway, unused_tcp_port):
    port = unused_tcp_port
    server = await aiohttp_server(stub.make_app(), host="127.0.0.1", port=port)
    client = await make_gateway(f"http://127.0.0.1:{port}")

    first = await ask(client)
    assert_answer(first)
    session = first["session"]
    assert (await client.get("/ready")).status == 200

    await server.close()
    assert_unavailable(await ask(client, session=session))
    assert (await client.get("/ready")).status == 503
    assert (await client.get("/health")).status == 200

    # the back end returns on the same address: no restart of the gateway needed
    await aiohttp_server(stub.make_app(), host="127.0.0.1", port=port)
    again = await ask(client, session=session)
    assert_answer(again)
    assert again["session"] == session
    assert (await client.get("/ready")).status == 200


async def test_one_client_session_for_all_upstream_calls(gateway, stub):
    from gateway.state import UPSTREAM_KEY

    upstream = gateway.server.app[UPSTREAM_KEY]
    session_before = upstream._session
    for _ in range(3):
        await ask(gateway)
    await gateway.get("/ready")
    assert upstream._session is session_before
    assert not session_before.closed
