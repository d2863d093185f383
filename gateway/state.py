"""Shared objects of the gateway: typed application keys, the session store and the rate limiter."""
from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.settings import Settings

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


class SessionStore:
    """Opaque session ids issued by the gateway; only these are accepted.

    Ids come from `secrets.token_urlsafe`, live in memory, expire after `ttl_s` without use and are capped
    at `max_sessions` (the least recently used go first). Rasa never sees the id itself, only a keyed hash
    of it (`sender_id`), so tracker data or Rasa's logs cannot be used to continue someone's conversation.
    """

    TOKEN_BYTES = 24
    MAX_TOKEN_CHARS = 64

    def __init__(self, ttl_s: float, max_sessions: int, clock: Clock = time.monotonic):
        self._ttl = ttl_s
        self._max = max(1, max_sessions)
        self._clock = clock
        self._last_seen: OrderedDict[str, float] = OrderedDict()
        self._key = secrets.token_bytes(32)

    def __len__(self) -> int:
        return len(self._last_seen)

    def resolve(self, token: object) -> tuple[str, bool]:
        """Return (session id, issued_now): the caller's id if the gateway issued it and it is live, else a new one."""
        now = self._clock()
        if isinstance(token, str) and 0 < len(token) <= self.MAX_TOKEN_CHARS and token in self._last_seen:
            if now - self._last_seen[token] <= self._ttl:
                self._last_seen[token] = now
                self._last_seen.move_to_end(token)
                return token, False
            del self._last_seen[token]
        return self._issue(now), True

    def is_live(self, token: str) -> bool:
        seen = self._last_seen.get(token)
        return seen is not None and self._clock() - seen <= self._ttl

    def sender_id(self, token: str) -> str:
        return hmac.new(self._key, token.encode("ascii"), hashlib.sha256).hexdigest()[:32]

    def _issue(self, now: float) -> str:
        self._expire(now)
        while len(self._last_seen) >= self._max:
            self._last_seen.popitem(last=False)
        token = secrets.token_urlsafe(self.TOKEN_BYTES)
        self._last_seen[token] = now
        return token

    def _expire(self, now: float) -> None:
        while self._last_seen:
            token, seen = next(iter(self._last_seen.items()))
            if now - seen <= self._ttl:
                break
            del self._last_seen[token]


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
