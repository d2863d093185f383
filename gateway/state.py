"""Shared objects of the gateway: typed application keys, the in-flight limit and the rate limiter."""
from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.settings import Settings
from gateway.sessions import SessionStore

__all__ = ["SessionStore", "InFlight", "RateLimiter"]

if TYPE_CHECKING:
    from gateway.redaction import Redactor
    from gateway.upstream import Upstream

Clock = Callable[[], float]

SETTINGS_KEY = web.AppKey("settings", Settings)
SESSIONS_KEY: web.AppKey["SessionStore"] = web.AppKey("sessions")
SESSION_RATE_KEY: web.AppKey["RateLimiter"] = web.AppKey("session_rate")
ADDRESS_RATE_KEY: web.AppKey["RateLimiter"] = web.AppKey("address_rate")
UPSTREAM_KEY: web.AppKey["Upstream"] = web.AppKey("upstream")
REDACTOR_KEY: web.AppKey["Redactor"] = web.AppKey("redactor")
REDACTION_POOL_KEY = web.AppKey("redaction_pool", ThreadPoolExecutor)
CONTACT_KEY: web.AppKey["dict[str, Any] | None"] = web.AppKey("contact")
PAGES_KEY: web.AppKey["dict[str, str]"] = web.AppKey("pages")
IN_FLIGHT_KEY: web.AppKey["InFlight"] = web.AppKey("in_flight")
EMBED_KEY: web.AppKey["bytes"] = web.AppKey("embed_script")
TRUSTED_PROXIES_KEY: web.AppKey["tuple"] = web.AppKey("trusted_proxies")


class InFlight:
    """How many messages are with Rasa now; `try_enter` refuses beyond the limit instead of queueing."""

    def __init__(self, limit: int):
        self.limit = max(1, limit)
        self.count = 0

    def try_enter(self) -> bool:
        if self.count >= self.limit:
            return False
        self.count += 1
        return True

    def leave(self) -> None:
        self.count -= 1


class RateLimiter:
    """A sliding one-minute window per key. `hit` returns None when allowed, else seconds to wait."""

    MAX_KEYS = 100_000

    def __init__(self, per_minute: int, window_s: float = 60.0, clock: Clock = time.monotonic):
        self._limit = max(1, per_minute)
        self._window = window_s
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._calls = 0

    def hit(self, key: str) -> int | None:
        now = self._clock()
        self._calls += 1
        if self._calls % 1000 == 0 or len(self._hits) > self.MAX_KEYS:
            self._sweep(now)
        hits = self._hits.setdefault(key, deque())
        while hits and now - hits[0] >= self._window:
            hits.popleft()
        if len(hits) >= self._limit:
            return max(1, math.ceil(hits[0] + self._window - now))
        hits.append(now)
        return None

    def _sweep(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or now - v[-1] >= self._window]:
            del self._hits[key]
        while len(self._hits) > self.MAX_KEYS:
            self._hits.pop(next(iter(self._hits)))
