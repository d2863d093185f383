"""`python -m gateway`: run the gateway on GATEWAY_HOST:GATEWAY_PORT (default 0.0.0.0:8000)."""
from __future__ import annotations

import logging
import os

from aiohttp import web

from bot.settings import load_settings
from gateway.app import create_app


def main() -> None:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    settings = load_settings()
    gateway = settings.gateway
    web.run_app(
        create_app(settings),
        host=gateway.host,
        port=gateway.port,
        access_log_format='%a "%r" %s %b %Tfs',
        print=lambda message: logging.getLogger("gateway").info(message.strip()),
    )


if __name__ == "__main__":
    main()
