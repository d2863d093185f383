"""Browser-test fixtures: the back end (the real stack when the `stack` fixture exists, else a stub Rasa),
the gateway run as `python -m gateway` in a subprocess, and Debian's Chromium driven by Playwright.

Environment knobs: KYW_BROWSER_BACKEND=stub forces the stub even when `stack` exists.
"""
from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
OUTPUT = ROOT / "test-output"
SCREENSHOTS = OUTPUT / "screenshots"

# Collected in every page before its own scripts run (init scripts are not subject to the page's CSP).
WATCH_SCRIPT = """
window.__kyw = {csp: [], errors: []};
document.addEventListener('securitypolicyviolation', function (e) {
  window.__kyw.csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
window.addEventListener('error', function (e) { window.__kyw.errors.push(String(e.message)); });
"""


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives Debian's Chromium with Playwright (needs /usr/bin/chromium)")


def _load_stub_module():
    name = "kyw_stub_rasa"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "gateway" / "stub_rasa.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Backend:
    rasa_url: str
    actions_url: str
    real: bool
    stub: Any = None


@pytest.fixture(scope="session")
def backend(request):
    """The real servers when tests/conftest.py provides `stack`; otherwise a stub Rasa on loopback."""
    stack = None
    if os.environ.get("KYW_BROWSER_BACKEND", "").lower() != "stub":
        try:
            stack = request.getfixturevalue("stack")
        except pytest.FixtureLookupError:
            stack = None
    if stack is not None:
        yield Backend(rasa_url=str(stack.rasa_url).rstrip("/"), actions_url=str(stack.actions_url).rstrip("/"), real=True)
        return
    stub_module = _load_stub_module()
    stub = stub_module.StubRasa()
    server = stub_module.ThreadedServer(stub.make_app()).start()
    try:
        yield Backend(rasa_url=server.url, actions_url=server.url, real=False, stub=stub)
    finally:
        server.stop()


class GatewayProcess:
    """`python -m gateway` on a free loopback port, as it runs in production."""

    def __init__(self, rasa_url: str, actions_url: str, name: str, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        OUTPUT.mkdir(parents=True, exist_ok=True)
        self.log_path = OUTPUT / f"gateway-{name}.log"
        environment = dict(os.environ)
        environment.update(
            RASA_URL=rasa_url,
            ACTIONS_URL=actions_url,
            GATEWAY_PORT=str(self.port),
            GATEWAY_HOST="127.0.0.1",
            PYTHONUNBUFFERED="1",
        )
        environment.update(env)
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gateway"], cwd=ROOT, env=environment, stdout=self._log, stderr=subprocess.STDOUT
        )

    def wait_healthy(self, timeout_s: float = 90) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gateway exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        raise RuntimeError(f"gateway not healthy after {timeout_s}s; see {self.log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()


@pytest.fixture(scope="session")
def start_gateway() -> Callable[..., GatewayProcess]:
    started: list[GatewayProcess] = []

    def start(rasa_url: str, actions_url: str, name: str, **env: str) -> GatewayProcess:
        gateway = GatewayProcess(rasa_url, actions_url, name, **env)
        started.append(gateway)
        gateway.wait_healthy()
        return gateway

    yield start
    for gateway in started:
        gateway.stop()


@pytest.fixture(scope="session")
def gateway_url(backend, start_gateway) -> str:
    # A generous upstream timeout: the real stack's first answers may be slow while its models warm up.
    gateway = start_gateway(backend.rasa_url, backend.actions_url, "main", UPSTREAM_TIMEOUT_S="30")
    if backend.real:
        warm_up = urllib.request.Request(
            gateway.url + "/api/messages",
            data=b'{"text": "What is CAR T-cell therapy?"}',
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(warm_up, timeout=60) as resp:
            resp.read()
    return gateway.url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    if not AXE.exists():
        pytest.skip(f"{AXE} is missing: npm ci")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@dataclass
class PageEvents:
    dialogs: list[str]
    console_errors: list[str]


@pytest.fixture
def open_page(browser):
    """`open_page(width, height)` -> (page, events): a fresh context with axe-core and a CSP watcher loaded."""
    contexts = []

    def open_(width: int, height: int):
        context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
        context.add_init_script(path=str(AXE))
        context.add_init_script(script=WATCH_SCRIPT)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        events = PageEvents(dialogs=[], console_errors=[])

        def on_dialog(dialog):
            events.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("console", lambda msg: events.console_errors.append(msg.text) if msg.type == "error" else None)
        return page, events

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshot_path() -> Callable[[str], str]:
    """`screenshot_path("desktop-1280.png")` -> a path under test-output/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return lambda name: str(SCREENSHOTS / name)


@pytest.fixture
def serve_page():
    """`serve_page()` -> (origin, set_html): a page on another origin (a portal that embeds the widget). The
    port is bound at once on one the system picks: a port only reserved and bound later can meanwhile be taken
    as the ephemeral port of some outgoing connection (seen in CI: "address already in use")."""
    from aiohttp import web

    servers = []

    def serve() -> tuple[str, Callable[[str], None]]:
        html = {"text": ""}

        async def page(request):
            return web.Response(text=html["text"], content_type="text/html")

        app = web.Application()
        app.router.add_get("/", page)
        server = _load_stub_module().ThreadedServer(app).start()
        servers.append(server)
        port = server.url.rsplit(":", 1)[1]
        return f"http://localhost:{port}", lambda text: html.__setitem__("text", text)

    yield serve
    for server in servers:
        server.stop()
