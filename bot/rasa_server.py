"""`python -m bot.rasa_server [rasa run options]` (in the rasa env): `rasa run` with its HTTP API behind a token.

The token (RASA_TOKEN, else a key generated once into SECRETS_DIR) is given to Rasa inside this process
rather than on its command line, because /proc/<pid>/cmdline can be read by every user of the host while
the environment and the secrets file cannot. Rasa's REST channel (`/webhooks/rest/webhook`, what the
gateway uses) and `GET /` stay open on 127.0.0.1; `/conversations/...`, `/status` and `/model/...` need
`?token=`. ACTION_TOKEN is set here for deploy/endpoints.yml, which has Rasa send it to the action server.
The models load through rasa_components/fast_load.py, which brings a cold start from about a minute to about
20 s with identical predictions; rasa_components/circuit_break.py lets a conversation go on after Rasa's
circuit breaker has stopped a turn.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from bot.settings import ROOT, action_token, load_settings, rasa_token


def _extracts_spacy_entities(config: Path) -> bool:
    """Whether the pipeline the model was trained with reads spaCy's entities (an unreadable config: yes)."""
    import yaml

    try:
        pipeline = yaml.safe_load(config.read_text(encoding="utf-8")).get("pipeline") or []
        return any(str(step.get("name", "")).endswith("SpacyEntityExtractor") for step in pipeline)
    except (OSError, yaml.YAMLError, AttributeError):
        return True


def main(argv: list[str] | None = None) -> None:
    settings = load_settings()
    options = list(sys.argv[1:] if argv is None else argv)
    os.environ["ACTION_TOKEN"] = action_token(settings)
    # "=": a generated token may start with "-", which argparse would take for an option.
    sys.argv = ["rasa", "run", "--enable-api", f"--auth-token={rasa_token(settings)}", *options]
    from rasa.__main__ import main as rasa_main

    from rasa_components import circuit_break, fast_load

    fast_load.install(spacy_entities=_extracts_spacy_entities(ROOT / "config.yml"))
    circuit_break.install()
    rasa_main()


if __name__ == "__main__":
    main()
