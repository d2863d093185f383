"""How the trained intent classifier routes messages before retrieval sees them, for DIET variants.

    PYTHONPATH=. .venv/rasa/bin/python -m devtools.benchmarks.nlu_routing [--transformer-layers 0 2]

Runs in the rasa environment. For each variant it writes config.yml with DIET's
`number_of_transformer_layers` set to that value (nothing else changed) to a temporary file, trains the
NLU part only (`rasa train nlu`, timed) and parses every message of:

- tests/data/urgent_messages.yml and tests/data/non_urgent_messages.yml: how many urgent messages the
  classifier alone calls `report_emergency` (the rule layer catches the rest) and how many non-urgent ones
  it wrongly calls so (the rule layer cannot undo those: the issue's bar is at most 2 of them end to end);
- the tuning sets (tests/eval/tuning.yml, tests/eval/paraphrases.yml, ../shared/eval/dev.yml): cases routed away from what they accept
  (`report_emergency` for a non-emergency, `out_of_scope` for an in-scope question, `request_human` or
  small talk where the case accepts neither a hand-off nor small talk).

The parse includes the project's EmergencyIntentOverride, as in production.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from devtools.eval.cases import DEV_FILE, PARAPHRASES_FILE, TUNING_FILE, display_path, load_cases
from devtools.eval.report import footer
from devtools.stack import RASA_BIN
from bot.settings import ROOT

SMALLTALK = {"greet", "goodbye", "thank", "bot_challenge"}


def variant_config(layers: int, target: Path) -> None:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if component.get("name") == "DIETClassifier":
            component["number_of_transformer_layers"] = layers
    config.pop("assistant", None)
    target.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def train(config: Path, out: Path, name: str) -> float:
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    subprocess.run([str(RASA_BIN), "train", "nlu", "--config", str(config), "--domain", str(ROOT / "domain.yml"),
                    "--nlu", str(ROOT / "data" / "nlu"), "--out", str(out), "--fixed-model-name", name, "--quiet"],
                   check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def misroute(intent: str, kinds: set[str]) -> str | None:
    if intent == "report_emergency" and "emergency" not in kinds:
        return "false report_emergency"
    if intent == "out_of_scope" and "answer" in kinds:
        return "in-scope called out_of_scope"
    if intent == "request_human" and "handoff" not in kinds:
        return "request_human where no hand-off is accepted"
    if intent in SMALLTALK and "smalltalk" not in kinds:
        return "small talk where none is accepted"
    return None


async def measure(model: Path) -> dict:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def intent(text: str) -> str:
        return (await agent.parse_message(text))["intent"]["name"]

    def messages(name: str) -> list[str]:
        return yaml.safe_load((ROOT / "tests" / "data" / name).read_text(encoding="utf-8"))["messages"]

    urgent, calm = messages("urgent_messages.yml"), messages("non_urgent_messages.yml")
    urgent_hits = [t for t in urgent if await intent(t) == "report_emergency"]
    calm_hits = [t for t in calm if await intent(t) == "report_emergency"]
    problems: list[tuple[str, str, str]] = []
    n_cases = 0
    for path in (TUNING_FILE, PARAPHRASES_FILE, DEV_FILE):
        if not path.exists():
            continue
        for case in load_cases(path):
            n_cases += 1
            why = misroute(await intent(case.text), set(case.kinds))
            if why:
                problems.append((display_path(path), why, case.text))
    return {"urgent": (len(urgent_hits), len(urgent)), "calm": calm_hits, "n_calm": len(calm),
            "problems": problems, "n_cases": n_cases}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.benchmarks.nlu_routing", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transformer-layers", type=int, nargs="+", default=[0, 2],
                        help="DIET variants to train and compare (default: 0 2; 2 is DIET's default)")
    args = parser.parse_args(argv)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for layers in args.transformer_layers:
            config = Path(tmp) / f"config-{layers}.yml"
            variant_config(layers, config)
            print(f"training NLU with {layers} transformer layer(s) ...", flush=True)
            seconds = train(config, Path(tmp), f"nlu-{layers}")
            result = asyncio.run(measure(Path(tmp) / f"nlu-{layers}.tar.gz"))
            rows.append((layers, seconds, result))
            for name, why, text in result["problems"]:
                print(f"  {layers} layers: {why}: {text!r} ({name})")
            for text in result["calm"]:
                print(f"  {layers} layers: non-urgent message called report_emergency: {text!r}")

    print()
    print("| DIET transformer layers | NLU training s | urgent messages called report_emergency (model + rule override, as served) "
          "| non-urgent messages called report_emergency | evaluation cases misrouted |")
    print("|---|---|---|---|---|")
    for layers, seconds, r in rows:
        hit, total = r["urgent"]
        print(f"| {layers} | {seconds:.0f} | {hit}/{total} | {len(r['calm'])}/{r['n_calm']} | "
              f"{len(r['problems'])}/{r['n_cases']} |")
    footer("devtools.benchmarks.nlu_routing", argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
