"""The application factory: `create_app(settings)`."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import aiohttp
from aiohttp import web

from bot import contract
from bot.settings import Settings, load_settings, session_secrets
from gateway.handlers import render_embed_script, render_pages
from gateway.middlewares import MIDDLEWARES
from gateway.redaction import Redactor
from gateway.routes import setup_routes
from gateway.security import trusted_networks
from gateway.state import (
    ADDRESS_RATE_KEY,
    CONTACT_KEY,
    EMBED_KEY,
    IN_FLIGHT_KEY,
    PAGES_KEY,
    REDACTION_POOL_KEY,
    REDACTOR_KEY,
    SESSION_RATE_KEY,
    SESSIONS_KEY,
    SETTINGS_KEY,
    TRUSTED_PROXIES_KEY,
    UPSTREAM_KEY,
    InFlight,
    RateLimiter,
    SessionStore,
)
from gateway.upstream import Upstream, load_program_contact

log = logging.getLogger(__name__)


async def upstream_client(app: web.Application) -> AsyncIterator[None]:
    """The one ClientSession the gateway talks to Rasa and the action server with."""
    settings = app[SETTINGS_KEY].gateway
    connector = aiohttp.TCPConnector(limit=100, ttl_dns_cache=300)
    async with aiohttp.ClientSession(connector=connector, raise_for_status=False) as session:
        upstream = Upstream(session, settings)
        app[UPSTREAM_KEY] = upstream
        await upstream.check_lanes()
        watcher = asyncio.create_task(upstream.watch(settings.health_interval_s), name="lane-health")
        try:
            yield
        finally:
            watcher.cancel()


async def redaction_worker(app: web.Application) -> AsyncIterator[None]:
    """One thread runs spaCy (the pipeline is not shared between threads); loaded before the first request."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="redaction")
    app[REDACTION_POOL_KEY] = pool
    await asyncio.get_running_loop().run_in_executor(pool, app[REDACTOR_KEY].warm_up)
    try:
        yield
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def create_app(settings: Settings | None = None, *, redactor: Redactor | None = None) -> web.Application:
    settings = settings or load_settings()
    gateway = settings.gateway
    app = web.Application(middlewares=MIDDLEWARES, client_max_size=gateway.max_body_bytes)
    app[SETTINGS_KEY] = settings
    entry = load_program_contact(settings.paths.contacts_file)
    contact = contract.contact(entry)
    app[CONTACT_KEY] = contact
    app[PAGES_KEY] = render_pages(entry)
    app[EMBED_KEY] = render_embed_script(contact)
    app[SESSIONS_KEY] = SessionStore(ttl_s=gateway.session_ttl_s, max_sessions=gateway.max_sessions,
                                     keys=session_secrets(settings))
    app[IN_FLIGHT_KEY] = InFlight(gateway.max_in_flight)
    app[TRUSTED_PROXIES_KEY] = trusted_networks(gateway.trusted_proxies)
    app[SESSION_RATE_KEY] = RateLimiter(gateway.rate_per_session_per_minute)
    app[ADDRESS_RATE_KEY] = RateLimiter(gateway.rate_per_address_per_minute)
    app[REDACTOR_KEY] = redactor or Redactor(allowed_names=[contact["name"]] if contact and contact.get("name") else [])
    app.cleanup_ctx.append(upstream_client)
    app.cleanup_ctx.append(redaction_worker)
    setup_routes(app)
    return app
