"""Every route of the gateway, in one place."""
from __future__ import annotations

from aiohttp import web

from gateway import handlers


def setup_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/", handlers.index, name="index")
    router.add_get("/chat", handlers.chat_page, name="chat")
    router.add_get("/embed.js", handlers.embed_script, name="embed")
    router.add_static("/static/", handlers.STATIC_DIR, name="static")
    router.add_post("/api/messages", handlers.messages, name="messages")
    router.add_route("OPTIONS", "/api/messages", handlers.preflight, name="messages_preflight")
    router.add_get("/health", handlers.health, name="health")
    router.add_get("/ready", handlers.ready, name="ready")
