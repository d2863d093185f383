"""Rasa's own FAQ approach as a peer: a ResponseSelector trained on the same content.

Every FAQ entry, hand-off reason and near miss becomes a response of the retrieval intent `faq`
(`faq/<entry id>`, `faq/handoff--<reason>`, `faq/out_of_scope--<reason>`), trained from its phrasings;
the project's other intents (greetings, request_human, report_emergency, ...) come from data/nlu as
they are. The pipeline is the project's own, with the ResponseSelector added after DIET. Its reply for
a message: the intent's kind, or for `faq` the chosen response's kind, topic and reason.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterable

import yaml

from bot.content import load_content
from bot.settings import ROOT, load_settings
from devtools.eval.cases import Case, Got, display_path

PEER_DIR = ROOT / "models" / "peer-response-selector"
RASA_PYTHON = ROOT / ".venv" / "rasa" / "bin" / "python"
RASA_BIN = ROOT / ".venv" / "rasa" / "bin" / "rasa"
PARSER = Path(__file__).with_name("rs_parse.py")
INTENT_KINDS = {
    "out_of_scope": "out_of_scope", "nlu_fallback": "handoff",
    "greet": "smalltalk", "goodbye": "smalltalk", "thank": "smalltalk", "bot_challenge": "smalltalk",
    "feedback_helpful": "smalltalk", "feedback_not_helpful": "smalltalk", "stop": "smalltalk",
    "request_human": "handoff", "ask_medical_advice": "handoff", "inform": "handoff",
    "report_emergency": "emergency", "ask_eligibility": "eligibility",
}


class _Literal(str):
    pass


def _dumper():
    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(_Literal, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v, style="|"))
    return Dumper


def _examples(texts: Iterable[str]) -> str:
    seen, lines = set(), []
    for text in texts:
        clean = " ".join(str(text).replace("[", "(").replace("]", ")").split())
        if clean and clean.lower() not in seen:
            seen.add(clean.lower())
            lines.append(f"- {clean}")
    return "\n".join(lines) + "\n"


def build_project(workdir: Path) -> tuple[str, dict[str, tuple[str, str | None, str | None]]]:
    """Write the peer's NLU data, domain and config; return their hash and, per response key, (kind, topic, reason)."""
    content, _ = load_content(load_settings().paths)
    keys: dict[str, tuple[str, str | None, str | None]] = {}
    nlu, responses = [], {}
    for entry in sorted(content.entries, key=lambda e: e.id):
        keys[entry.id] = ("answer", entry.topic, None)
        nlu.append({"intent": f"faq/{entry.id}", "examples": _Literal(_examples(entry.phrasings))})
        responses[f"utter_faq/{entry.id}"] = [{"text": entry.answer}]
    for route in content.routes:
        key = f"{route.kind}--{route.id}"
        keys[key] = (route.kind, None, route.id)
        nlu.append({"intent": f"faq/{key}", "examples": _Literal(_examples(route.examples))})
        responses[f"utter_faq/{key}"] = [{"text": route.reply}]
    intents = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if item.get("intent") in (None, "ask_question"):
                continue
            nlu.append({**item, "examples": _Literal(item["examples"])} if "examples" in item else item)
            if item["intent"] not in intents:
                intents.append(item["intent"])
    dumper = _dumper()
    nlu_text = yaml.dump({"version": "3.1", "nlu": nlu, "responses": responses}, Dumper=dumper, sort_keys=False,
                         allow_unicode=True, width=1000)
    domain_text = yaml.dump({"version": "3.1", "intents": ["faq", *intents]}, Dumper=dumper, sort_keys=False)
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    pipeline = [dict(c) for c in config["pipeline"] if "EmergencyIntentOverride" not in str(c.get("name"))]
    at = next((i + 1 for i, c in enumerate(pipeline) if c.get("name") == "DIETClassifier"), len(pipeline))
    pipeline.insert(at, {"name": "ResponseSelector", "retrieval_intent": "faq", "epochs": 60,
                         "constrain_similarities": True, "random_seed": 42})
    config_text = yaml.safe_dump({"recipe": config["recipe"], "language": config["language"], "pipeline": pipeline},
                                 sort_keys=False)
    (workdir / "data").mkdir(parents=True, exist_ok=True)
    (workdir / "data" / "nlu.yml").write_text(nlu_text, encoding="utf-8")
    (workdir / "domain.yml").write_text(domain_text, encoding="utf-8")
    (workdir / "config.yml").write_text(config_text, encoding="utf-8")
    lock = (ROOT / "requirements" / "rasa.lock").read_text()
    return hashlib.sha256("\0".join([nlu_text, domain_text, config_text, lock]).encode()).hexdigest()[:16], keys


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the peer needs no project code
    env.update({"TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "", "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1", "RASA_TELEMETRY_ENABLED": "false"})
    return env


def ensure_model(workdir: Path) -> tuple[Path, dict, bool]:
    digest, keys = build_project(workdir)
    model = PEER_DIR / f"{digest}.tar.gz"
    if model.exists():
        return model, keys, False
    PEER_DIR.mkdir(parents=True, exist_ok=True)
    log_file = PEER_DIR / f"train-{digest}.log"
    print(f"Training the ResponseSelector peer (cached as {display_path(model)}; log {display_path(log_file)}) ...", flush=True)
    started = time.monotonic()
    with open(log_file, "w") as log:
        result = subprocess.run([str(RASA_BIN), "train", "nlu", "--nlu", "data", "--config", "config.yml", "--domain",
                                 "domain.yml", "--out", str(PEER_DIR), "--fixed-model-name", digest],
                                cwd=workdir, env=_env(), stdout=log, stderr=subprocess.STDOUT)
    if result.returncode != 0 or not model.exists():
        raise RuntimeError(f"training the peer failed (exit {result.returncode}); see {log_file}")
    print(f"trained in {time.monotonic() - started:.0f} s", flush=True)
    for stale in PEER_DIR.iterdir():
        if stale.is_file() and digest not in stale.name:
            stale.unlink()
    return model, keys, True


def run(cases: list[Case]) -> tuple[list[Got], str]:
    """The peer's reply to every case (one thread, as the rankers' latency)."""
    workdir = Path(tempfile.mkdtemp(prefix="peer-rs-"))
    try:
        model, keys, trained = ensure_model(workdir)
        texts = sorted({c.text for c in cases})
        (workdir / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
        env = {**_env(), "OMP_NUM_THREADS": "1", "TF_INTRA_OP_PARALLELISM_THREADS": "1", "TF_INTER_OP_PARALLELISM_THREADS": "1"}
        result = subprocess.run([str(RASA_PYTHON), str(PARSER), str(model), "texts.json", "parsed.json"], cwd=workdir,
                                env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"parsing with the peer failed:\n{result.stderr[-3000:]}")
        parsed = dict(zip(texts, json.loads((workdir / "parsed.json").read_text(encoding="utf-8"))))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    gots = []
    for case in cases:
        p = parsed[case.text]
        intent = p.get("intent") or "nlu_fallback"
        if intent == "faq":
            key = (p.get("intent_response_key") or "").split("/", 1)[-1]
            kind, topic, reason = keys.get(key, ("handoff", None, None))
            gots.append(Got(kind, topic, key if kind == "answer" else None, p.get("response_confidence"), reason, p["ms"]))
        else:
            gots.append(Got(INTENT_KINDS.get(intent, "handoff"), None, None, p.get("confidence"), ms=p["ms"],
                            note=f"intent {intent}"))
    return gots, f"model {display_path(model)} ({'trained in this run' if trained else 'cached'})"
