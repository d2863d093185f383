"""Fixtures for the gateway's tests: a stub Rasa on loopback and gateway clients built on it."""
from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path

import pytest
import pytest_asyncio

from bot.settings import GatewaySettings, Settings
from gateway import create_app

_STUB_PATH = Path(__file__).with_name("stub_rasa.py")


def load_stub_module():
    """tests/gateway/stub_rasa.py, loaded by path so that tests/browser can share it whatever the import mode."""
    name = "kyw_stub_rasa"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _STUB_PATH)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


stub_rasa = load_stub_module()


@pytest.fixture
def stub():
    return stub_rasa.StubRasa()


@pytest_asyncio.fixture
async def stub_server(stub, aiohttp_server):
    return await aiohttp_server(stub.make_app(), host="127.0.0.1")


def make_settings(rasa_url: str, actions_url: str | None = None, **overrides) -> Settings:
    gateway = dataclasses.replace(
        GatewaySettings(),
        rasa_url=rasa_url,
        actions_url=actions_url or rasa_url,
        allowed_origins=[],
        public_origin="",
        upstream_timeout_s=2.0,
        health_timeout_s=1.0,
        rate_per_session_per_minute=1000,
        rate_per_address_per_minute=1000,
        max_message_chars=1000,
        max_body_bytes=16 * 1024,
    )
    gateway = dataclasses.replace(gateway, **overrides)
    return dataclasses.replace(Settings(), gateway=gateway)


@pytest.fixture
def make_gateway(aiohttp_client):
    """`await make_gateway(rasa_url, **GatewaySettings overrides)` -> a test client of the gateway."""

    async def make(rasa_url: str, actions_url: str | None = None, **overrides):
        return await aiohttp_client(create_app(make_settings(rasa_url, actions_url, **overrides)))

    return make


@pytest_asyncio.fixture
async def gateway(stub_server, make_gateway):
    return await make_gateway(str(stub_server.make_url("")).rstrip("/"))
