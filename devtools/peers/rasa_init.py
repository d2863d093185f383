"""The speed bar: a vanilla `rasa init` bot, made, trained and served here so it runs beside the assistant.

`rasa init --no-prompt` writes Rasa's starter project (moodbot) and trains it; the result is kept under
models/peer-rasa-init/ (keyed by the Rasa version in the lock file) so later runs only start it.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import yaml

from devtools.stack import RASA_BIN
from bot.settings import ROOT

PEER_ROOT = ROOT / "models" / "peer-rasa-init"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update({"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""})
    return env


def project() -> Path:
    """The trained starter project (made and trained on first use, a few minutes)."""
    key = hashlib.sha256((ROOT / "requirements" / "rasa.lock").read_bytes()).hexdigest()[:12]
    folder = PEER_ROOT / key
    if list((folder / "models").glob("*.tar.gz")) if (folder / "models").exists() else []:
        return folder
    shutil.rmtree(PEER_ROOT, ignore_errors=True)
    folder.mkdir(parents=True)
    with open(folder.parent / "init.log", "w") as log:
        subprocess.run([str(RASA_BIN), "init", "--no-prompt", "--init-dir", str(folder)], cwd=folder, env=_env(),
                       stdout=log, stderr=subprocess.STDOUT, check=True)
    return folder


def model(folder: Path) -> Path:
    return sorted((folder / "models").glob("*.tar.gz"))[-1]


def texts(folder: Path) -> list[str]:
    """The starter bot's own NLU examples: what it is built to answer."""
    data = yaml.safe_load((folder / "data" / "nlu.yml").read_text(encoding="utf-8"))
    out = []
    for item in data.get("nlu") or []:
        out += [line[2:].strip() for line in str(item.get("examples", "")).splitlines() if line.startswith("- ")]
    return out


def start(folder: Path, port: int, log_file: Path) -> subprocess.Popen:
    log = open(log_file, "ab")
    return subprocess.Popen([str(RASA_BIN), "run", "-i", "127.0.0.1", "-p", str(port), "--model", str(model(folder))],
                            cwd=folder, env=_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
