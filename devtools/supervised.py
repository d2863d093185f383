"""The assistant under supervisord (deploy/supervisord.conf): `make run` (`python -m devtools.supervised`),
and the same configuration on free ports for the tests and the load benchmark (`SupervisedStack`).

supervisord restarts whatever stops; this module only fills in the environment the configuration reads,
starts supervisord in the foreground, says when the assistant is ready, and passes Ctrl-C on.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xmlrpc.client
from dataclasses import dataclass, field
from pathlib import Path

from bot.settings import ROOT, Settings, load_settings, rasa_token
from devtools.stack import MODEL, LocalEndpoints, free_port, process_env

CONFIG = ROOT / "deploy" / "supervisord.conf"
SUPERVISORD = ROOT / ".venv" / "actions" / "bin" / "supervisord"
PRIMARY = ("actions", "rasa")
STANDBY = ("actions-standby", "rasa-standby")


def use_wal(tracker_db: str) -> None:
    """Two Rasa servers write the SQLite tracker store: in WAL mode a reader never waits for a writer (the
    mode is kept in the file, so Rasa's own connections get it too)."""
    path = Path(tracker_db)
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")


@dataclass
class SupervisedStack(LocalEndpoints):
    """deploy/supervisord.conf with these ports and folders. `standby_*_port` of 0: no standby lane."""

    actions_port: int
    rasa_port: int
    gateway_port: int
    standby_actions_port: int = 0
    standby_rasa_port: int = 0
    log_dir: Path = field(default_factory=lambda: ROOT / "logs")
    run_dir: Path = field(default_factory=lambda: ROOT / ".run")
    env_overrides: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    @classmethod
    def on_free_ports(cls, workdir: Path, standby: bool = True, env_overrides: dict[str, str] | None = None,
                      ) -> "SupervisedStack":
        """A stack of its own in `workdir` (logs, socket, tracker store), with its own tokens and session key."""
        import secrets

        env = {"TRACKER_DB": str(workdir / "trackers.db"), "RASA_TOKEN": secrets.token_urlsafe(24),
               "ACTION_TOKEN": secrets.token_urlsafe(24), "SESSION_SECRET": secrets.token_urlsafe(32)}
        env.update(env_overrides or {})
        return cls(free_port(), free_port(), free_port(), free_port() if standby else 0, free_port() if standby else 0,
                   log_dir=workdir / "logs", run_dir=workdir / "run", env_overrides=env)

    @classmethod
    def from_settings(cls, settings: Settings) -> "SupervisedStack":
        standby = settings.standby
        return cls(settings.action_port, settings.rasa_port, settings.gateway.port,
                   settings.standby_action_port if standby else 0, settings.standby_rasa_port if standby else 0,
                   log_dir=settings.paths.log_dir, run_dir=settings.paths.run_dir)

    # -- where things are ------------------------------------------------------------------------------------

    @property
    def standby(self) -> bool:
        return bool(self.standby_rasa_port)

    @property
    def gateway_url(self) -> str:
        return f"http://localhost:{self.gateway_port}"

    @property
    def standby_rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.standby_rasa_port}" if self.standby else ""

    @property
    def standby_actions_url(self) -> str:
        return f"http://127.0.0.1:{self.standby_actions_port}" if self.standby else ""

    @property
    def tracker_db(self) -> str:
        return self.environment()["TRACKER_DB"]

    @property
    def rasa_token(self) -> str:
        return self.env_overrides.get("RASA_TOKEN") or rasa_token(load_settings())

    def programs(self) -> tuple[str, ...]:
        return PRIMARY + ("gateway",) + (STANDBY if self.standby else ())

    def health_url(self, program: str) -> str:
        port = {"actions": self.actions_port, "rasa": self.rasa_port, "gateway": self.gateway_port,
                "actions-standby": self.standby_actions_port, "rasa-standby": self.standby_rasa_port}[program]
        if program.startswith("rasa"):
            return f"http://127.0.0.1:{port}/status?token={self.rasa_token}"
        return f"http://127.0.0.1:{port}/health"

    def environment(self) -> dict[str, str]:
        env = process_env(
            LOG_DIR=str(self.log_dir), RUN_DIR=str(self.run_dir),
            ACTION_PORT=str(self.actions_port), RASA_PORT=str(self.rasa_port), GATEWAY_PORT=str(self.gateway_port),
            STANDBY="true" if self.standby else "false",
            # The configuration needs a number even for a standby that is not started.
            STANDBY_ACTION_PORT=str(self.standby_actions_port or self.actions_port + 1),
            STANDBY_RASA_PORT=str(self.standby_rasa_port or self.rasa_port + 1),
            STANDBY_RASA_URL=self.standby_rasa_url, STANDBY_ACTIONS_URL=self.standby_actions_url,
        )
        env.setdefault("TRACKER_DIALECT", "sqlite")
        env.setdefault("TRACKER_DB", str(self.log_dir / "trackers.db"))
        env.update(self.env_overrides)
        return env

    # -- running ---------------------------------------------------------------------------------------------

    def start(self, new_session: bool = True) -> None:
        env = self.environment()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if env["TRACKER_DIALECT"] == "sqlite":
            use_wal(env["TRACKER_DB"])
        # `make run` leaves supervisord in the terminal's process group, so that Ctrl-C reaches it directly.
        self.process = subprocess.Popen([str(SUPERVISORD), "-c", str(CONFIG)], cwd=ROOT, env=env,
                                        start_new_session=new_session)

    @property
    def rpc(self):
        from supervisor.xmlrpc import SupervisorTransport

        transport = SupervisorTransport(None, None, f"unix://{self.run_dir / 'supervisor.sock'}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)

    def info(self, program: str) -> dict:
        return self.rpc.supervisor.getProcessInfo(program)

    def pid(self, program: str) -> int:
        return int(self.info(program)["pid"])

    def kill(self, program: str, sig: int = signal.SIGKILL) -> int:
        pid = self.pid(program)
        os.kill(pid, sig)
        return pid

    def healthy(self, program: str) -> bool:
        try:
            with urllib.request.urlopen(self.health_url(program), timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def wait_ready(self, timeout: float = 600.0, programs: tuple[str, ...] | None = None) -> None:
        pending = list(programs or self.programs())
        deadline = time.monotonic() + timeout
        while pending:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"supervisord exited with code {self.process.returncode}; see {self.log_dir}")
            for program in list(pending):
                try:
                    state = self.info(program)["statename"]
                except (OSError, xmlrpc.client.Fault):
                    state = "UNKNOWN"  # supervisord still starting
                if state in ("FATAL", "EXITED", "STOPPED"):
                    raise RuntimeError(f"{program} is {state}; see {self.log_dir / (program + '.log')}")
                if state == "RUNNING" and self.healthy(program):
                    pending.remove(program)
            if pending and time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout:.0f}s: {', '.join(pending)}; see {self.log_dir}")
            if pending:
                time.sleep(0.25)

    def restarted(self, program: str, old_pid: int) -> bool:
        """Whether supervisord has `program` running again under a new pid and it answers its health check."""
        try:
            info = self.info(program)
        except (OSError, xmlrpc.client.Fault):
            return False
        return info.get("pid") not in (None, 0, old_pid) and info.get("statename") == "RUNNING" and self.healthy(program)

    def wait_restarted(self, program: str, old_pid: int, timeout: float) -> float:
        """Seconds until `restarted` holds."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.restarted(program, old_pid):
                return time.monotonic() - started
            time.sleep(0.2)
        raise TimeoutError(f"{program} not back after {timeout:.0f}s; see {self.log_dir / (program + '.log')}")

    def stop(self, timeout: float = 90.0) -> int:
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def main() -> int:
    settings = load_settings()
    if not MODEL.exists():
        print("No trained model; run `make train` (or `make run`, which trains when needed).", file=sys.stderr)
        return 1
    stack = SupervisedStack.from_settings(settings)
    lanes = "the action server and Rasa" + (" (and a standby pair)" if stack.standby else "")
    print(f"Starting {lanes} and the web gateway under supervisord ({CONFIG.relative_to(ROOT)}); "
          f"logs in {stack.log_dir}/")

    def forward(signum, frame):  # noqa: ARG001 - Ctrl-C reaches supervisord itself; a plain `kill` may not
        if stack.process is not None and stack.process.poll() is None:
            stack.process.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    stack.start(new_session=False)
    try:
        stack.wait_ready(timeout=900, programs=PRIMARY + ("gateway",))
        print("\nThe assistant is ready.")
        print(f"  Open http://localhost:{stack.gateway_port} in a browser to chat.")
        print(f"  Or over REST: curl -s -X POST {stack.rasa_url}/webhooks/rest/webhook "
              "-H 'Content-Type: application/json' -d '{\"sender\": \"x\", \"message\": \"what is apheresis\"}'")
        print("  `supervisorctl -c deploy/supervisord.conf status` shows the processes "
              "(with the same environment); Ctrl-C stops everything.")
        if stack.standby:
            stack.wait_ready(timeout=900, programs=STANDBY)
            print("  The standby pair is ready too.")
    except (RuntimeError, TimeoutError) as exc:
        print(f"error: {exc}", file=sys.stderr)
    finally:
        code = stack.process.wait()
    return code


if __name__ == "__main__":
    sys.exit(main())
