"""Gateway sessions: signed, expiring tokens that survive a gateway restart, and the little per-session state
(the buttons offered in the last reply) the gateway keeps in memory.

A token is `base64url(version | key id | issued-at | random session id | HMAC)`. Nothing about a session has
to be remembered for the token to stay valid, so a restarted gateway accepts it and the family continues
where it was; the signature means only tokens this gateway issued are accepted. A session lives `ttl_s`
seconds from its first message, whatever the use, so that a retired signing key stops mattering after one
lifetime (see "Rotating the session key" in docs/architecture.md).

Rasa never sees the token: it sees `sender_id`, a keyed hash of the random session id, so neither the
tracker store nor Rasa's logs can be used to continue someone's conversation, and a token cannot be
computed from what Rasa stores.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

Clock = Callable[[], float]

_VERSION = 1
_BODY = struct.Struct(">B4sI16s")  # version, key id, issued at (Unix seconds), random session id
_MAC_BYTES = 16
_TOKEN_BYTES = _BODY.size + _MAC_BYTES
# A clock a little behind another machine's must not refuse a fresh token.
_CLOCK_SKEW_S = 300


class _Key:
    """One signing secret, and the two keys derived from it (so the signing key never hashes sender ids)."""

    def __init__(self, secret: str | bytes):
        raw = secret.encode("utf-8") if isinstance(secret, str) else secret
        self.id = hmac.new(raw, b"kyw key id", hashlib.sha256).digest()[:4]
        self._sign = hmac.new(raw, b"kyw session token", hashlib.sha256).digest()
        self._sender = hmac.new(raw, b"kyw sender id", hashlib.sha256).digest()

    def mac(self, body: bytes) -> bytes:
        return hmac.new(self._sign, body, hashlib.sha256).digest()[:_MAC_BYTES]

    def sender(self, sid: bytes) -> str:
        return hmac.new(self._sender, sid, hashlib.sha256).hexdigest()[:32]


@dataclass
class SessionState:
    """What the gateway remembers between two messages of one session (never any text the user typed)."""

    issued_at: float
    # Payloads of the buttons in the last reply relayed to this session: the only "/..." messages accepted.
    offered: frozenset[str] = frozenset()
    # A message of this session is with Rasa now; a second one waits for its answer.
    pending: bool = False


@dataclass(frozen=True)
class Session:
    token: str
    sender: str
    issued_now: bool
    state: SessionState = field(compare=False)


class SessionStore:
    """Issues and checks session tokens; holds per-session state for at most `max_sessions` sessions.

    `keys`: signing secrets, current first; a token signed with any of them is accepted (rotation). Without
    keys, one random key for this process only (tests).
    """

    MAX_TOKEN_CHARS = 64

    def __init__(self, ttl_s: float, max_sessions: int, clock: Clock = time.time,
                 keys: Iterable[str | bytes] | None = None):
        self._ttl = ttl_s
        self._max = max(1, max_sessions)
        self._clock = clock
        self._keys = [_Key(k) for k in (keys or [secrets.token_bytes(32)])]
        self._states: OrderedDict[str, SessionState] = OrderedDict()

    def __len__(self) -> int:
        return len(self._states)

    def open(self, token: object) -> Session:
        """The caller's session if `token` is a live token of ours, else a new one."""
        now = self._clock()
        checked = self._check(token, now)
        if checked is None:
            return self._issue(now)
        key, sid, issued_at = checked
        sender = key.sender(sid)
        state = self._states.get(sender)
        if state is None:  # issued before a restart, or pushed out of memory: the token alone is enough
            state = self._admit(sender, issued_at)
        else:
            self._states.move_to_end(sender)
        return Session(token, sender, False, state)  # type: ignore[arg-type]

    def resolve(self, token: object) -> tuple[str, bool]:
        """(token, issued_now): the caller's token if live, else a new one."""
        session = self.open(token)
        return session.token, session.issued_now

    def is_live(self, token: str) -> bool:
        """True while this store holds the session's state and the session has not expired."""
        checked = self._check(token, self._clock())
        return checked is not None and checked[0].sender(checked[1]) in self._states

    def sender_id(self, token: str) -> str:
        checked = self._check(token, self._clock(), expired_ok=True)
        if checked is None:
            raise ValueError("not a session token of this gateway")
        return checked[0].sender(checked[1])

    def states(self) -> list[SessionState]:
        return list(self._states.values())

    # -- tokens --------------------------------------------------------------------------------------------

    def _check(self, token: object, now: float, expired_ok: bool = False) -> tuple[_Key, bytes, int] | None:
        if not isinstance(token, str) or not 0 < len(token) <= self.MAX_TOKEN_CHARS or not token.isascii():
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            return None
        if len(raw) != _TOKEN_BYTES:
            return None
        body, mac = raw[: _BODY.size], raw[_BODY.size :]
        version, key_id, issued_at, sid = _BODY.unpack(body)
        if version != _VERSION:
            return None
        for key in self._keys:
            if key.id == key_id and hmac.compare_digest(key.mac(body), mac):
                break
        else:
            return None
        if not expired_ok and not (now - self._ttl <= issued_at <= now + _CLOCK_SKEW_S):
            return None
        return key, sid, issued_at

    def _issue(self, now: float) -> Session:
        key = self._keys[0]
        sid = secrets.token_bytes(16)
        issued_at = int(now)
        body = _BODY.pack(_VERSION, key.id, issued_at, sid)
        token = base64.urlsafe_b64encode(body + key.mac(body)).rstrip(b"=").decode("ascii")
        sender = key.sender(sid)
        return Session(token, sender, True, self._admit(sender, issued_at))

    def _admit(self, sender: str, issued_at: float) -> SessionState:
        now = self._clock()
        # The least recently used first: drop the expired ones at the front, then any over the cap.
        while self._states:
            oldest = next(iter(self._states.values()))
            if now - oldest.issued_at <= self._ttl and len(self._states) < self._max:
                break
            self._states.popitem(last=False)
        state = SessionState(issued_at=issued_at)
        self._states[sender] = state
        return state
