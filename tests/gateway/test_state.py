"""The session store and the rate limiter on their own, with a fake clock."""
from __future__ import annotations

from gateway.state import RateLimiter, SessionStore


def test_session_store_expiry_and_cap():
    now = [0.0]
    store = SessionStore(ttl_s=10, max_sessions=2, clock=lambda: now[0])
    a, new_a = store.resolve(None)
    assert new_a
    assert store.resolve(a) == (a, False)
    now[0] = 11
    b, new_b = store.resolve(a)  # expired
    assert new_b and b != a
    c, _ = store.resolve(None)
    d, _ = store.resolve(None)  # over the cap: the least recently used (b) goes
    assert not store.is_live(b) and store.is_live(c) and store.is_live(d)
    assert len(store) == 2
    assert store.sender_id(c) != c and len(store.sender_id(c)) == 32


def test_rate_limiter_window():
    now = [100.0]
    limiter = RateLimiter(per_minute=2, clock=lambda: now[0])
    assert limiter.hit("k") is None
    now[0] += 10
    assert limiter.hit("k") is None
    assert limiter.hit("k") == 50
    assert limiter.hit("other") is None
    now[0] += 51
    assert limiter.hit("k") is None
