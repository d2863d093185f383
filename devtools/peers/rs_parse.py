"""Parses texts with a trained Rasa NLU model; runs in the rasa environment (Python 3.10).

    .venv/rasa/bin/python devtools/peers/rs_parse.py MODEL TEXTS.json OUT.json

For each text: the intent and its confidence, and the ResponseSelector's choice for the retrieval
intent `faq` (its response key, such as `faq/apheresis-what-is`) with its confidence, and the time.
"""
import asyncio
import json
import logging
import sys
import time

logging.disable(logging.WARNING)

from rasa.core.agent import Agent  # noqa: E402


async def parse_all(agent, texts):
    for warm in ("hello", "what is apheresis", "warm up"):
        await agent.parse_message(warm)
    out = []
    for text in texts:
        started = time.perf_counter()
        result = await agent.parse_message(text)
        ms = (time.perf_counter() - started) * 1000
        selected = ((result.get("response_selector") or {}).get("faq") or {}).get("response") or {}
        out.append({"intent": (result.get("intent") or {}).get("name"),
                    "confidence": (result.get("intent") or {}).get("confidence"),
                    "intent_response_key": selected.get("intent_response_key"),
                    "response_confidence": selected.get("confidence"), "ms": ms})
    return out


def main(model, texts_file, out_file):
    agent = Agent.load(model)
    with open(texts_file, encoding="utf-8") as handle:
        texts = json.load(handle)
    out = asyncio.run(parse_all(agent, texts))
    with open(out_file, "w", encoding="utf-8") as handle:
        json.dump(out, handle)


if __name__ == "__main__":
    main(*sys.argv[1:4])
