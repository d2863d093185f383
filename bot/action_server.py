"""Serves the custom actions with rasa-sdk, after loading the content once, in one process.

rasa-sdk's own runner forks Sanic workers that would each load the model again and each poll
for content edits; one process with one warm index is faster to start and simpler to reason about.
"""
from __future__ import annotations

import hmac
import logging

from bot.settings import Settings, action_token

log = logging.getLogger("bot.action_server")


def require_token(app, token: str) -> None:
    """Only Rasa may run actions: rasa-sdk has no token of its own, so `/webhook` checks the bearer token that
    deploy/endpoints.yml has Rasa send. `/health` stays open for the gateway's checks."""
    from sanic.response import json as json_response

    expected = f"Bearer {token}".encode()

    @app.on_request
    async def _check(request):
        if request.path.rstrip("/") == "/webhook":
            given = request.headers.get("Authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                log.warning("refused an action call without the action token")
                return json_response({"error": "this action server answers only its Rasa server"}, status=401)
        return None


def serve(settings: Settings, host: str = "127.0.0.1", port: int | None = None, token_required: bool = False) -> None:
    import torch
    from rasa_sdk.endpoint import create_app
    from rasa_sdk.executor import ActionExecutor
    from sanic import Sanic

    # One thread per request keeps latency steady on a small shared machine.
    torch.set_num_threads(1)
    from actions.common import set_live
    from bot.live import LiveContent
    from bot.answering import respond
    from bot.safety import get_checker

    live = LiveContent(settings)
    set_live(live)
    get_checker()
    respond(live.snapshot, "warm up the tagger and the encoder")
    live.start_watching()
    log.info("content loaded: %d FAQ entries, %d hand-off reasons and near misses",
             len(live.snapshot.content.entries), len(live.snapshot.content.routes))

    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app(executor, cors_origins=[])
    if token_required:
        require_token(app, action_token(settings))
    app.prepare(host=host, port=port or settings.action_port, single_process=True, motd=False, access_log=False)
    Sanic.serve_single(app)
