"""Starts and stops the assistant's processes directly (no supervisor): the action server, Rasa, and the
web gateway, each on its own port, with the same commands, endpoints and tokens as deploy/supervisord.conf.

Used by the evaluation and the latency benchmark, which want plain processes they can measure. `make run`
and the integration tests run the supervised stack instead (devtools/supervised.py);
`python -m devtools.stack` is kept as another name for `python -m devtools.supervised`.
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bot.settings import ROOT

RASA_BIN = ROOT / ".venv" / "rasa" / "bin" / "rasa"
RASA_PYTHON = ROOT / ".venv" / "rasa" / "bin" / "python"
ACTIONS_PYTHON = ROOT / ".venv" / "actions" / "bin" / "python"
MODEL = ROOT / "models" / "current.tar.gz"
ENDPOINTS = ROOT / "deploy" / "endpoints.yml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    # Rasa's circuit breaker: the longest legitimate turn is 3 actions (see the Makefile).
    env.setdefault("MAX_NUMBER_OF_PREDICTIONS", "6")
    env.update(extra)
    return env


class LocalEndpoints:
    """Where a stack's Rasa and action server listen (127.0.0.1). The stack provides `actions_port`,
    `rasa_port` and its own `rasa_token`."""

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def tracker_url(self, sender: str) -> str:
        return f"{self.rasa_url}/conversations/{sender}/tracker?token={self.rasa_token}"


@dataclass
class Stack(LocalEndpoints):
    """The running processes and where they listen."""

    actions_port: int
    rasa_port: int
    gateway_port: int | None = None
    log_dir: Path = field(default_factory=lambda: ROOT / "logs")
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    env_overrides: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Tokens of this stack's own, so that it never depends on (or writes) the keys in SECRETS_DIR.
        self.env_overrides.setdefault("RASA_TOKEN", secrets.token_urlsafe(24))
        self.env_overrides.setdefault("ACTION_TOKEN", secrets.token_urlsafe(24))

    @property
    def rasa_token(self) -> str:
        return self.env_overrides["RASA_TOKEN"]

    @property
    def gateway_url(self) -> str | None:
        return f"http://localhost:{self.gateway_port}" if self.gateway_port else None

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def start_actions(self) -> None:
        self._spawn("actions", [str(ACTIONS_PYTHON), "-m", "bot", "actions", "--host", "127.0.0.1",
                                "--port", str(self.actions_port), "--require-token"],
                    process_env(**self.env_overrides))

    def start_rasa(self, model: Path = MODEL) -> None:
        tracker_db = self.env_overrides.get("TRACKER_DB", str(self.log_dir / "trackers.db"))
        env = process_env(ACTION_ENDPOINT_URL=f"{self.actions_url}/webhook", TRACKER_DIALECT="sqlite",
                   TRACKER_DB=tracker_db, **{k: v for k, v in self.env_overrides.items() if k != "TRACKER_DB"})
        self._spawn("rasa", [str(RASA_PYTHON), "-m", "bot.rasa_server", "-i", "127.0.0.1", "-p", str(self.rasa_port),
                             "--model", str(model), "--endpoints", str(ENDPOINTS), "--credentials", "credentials.yml"],
                    env)

    def start_gateway(self) -> None:
        self._spawn("gateway", [str(ACTIONS_PYTHON), "-m", "gateway"],
                    process_env(GATEWAY_PORT=str(self.gateway_port), RASA_URL=self.rasa_url,
                         ACTIONS_URL=self.actions_url, **self.env_overrides))

    def wait_ready(self, timeout: float = 300.0) -> None:
        checks = {"actions": f"{self.actions_url}/health", "rasa": f"{self.rasa_url}/status?token={self.rasa_token}"}
        if self.gateway_port:
            checks["gateway"] = f"http://127.0.0.1:{self.gateway_port}/health"
        deadline = time.monotonic() + timeout
        pending = dict(checks)
        while pending:
            for name, url in list(pending.items()):
                process = self.processes.get(name)
                if process is not None and process.poll() is not None:
                    raise RuntimeError(f"{name} exited with code {process.returncode}; see {self.log_dir / (name + '.log')}")
                try:
                    with urllib.request.urlopen(url, timeout=2) as response:
                        if response.status == 200:
                            del pending[name]
                except (urllib.error.URLError, OSError):
                    pass
            if pending and time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout:.0f}s: {', '.join(pending)}; see {self.log_dir}")
            if pending:
                time.sleep(0.5)

    def stop(self, name: str | None = None) -> None:
        names = [name] if name else list(self.processes)
        for n in names:
            process = self.processes.get(n)
            if process and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for n in names:
            process = self.processes.pop(n, None)
            if process:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()

    def start(self, with_gateway: bool = True) -> None:
        self.start_actions()
        self.start_rasa()
        if with_gateway and self.gateway_port:
            self.start_gateway()


if __name__ == "__main__":
    from devtools.supervised import main

    sys.exit(main())
