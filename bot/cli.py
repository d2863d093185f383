"""The command line: `python -m bot <command>`. Editors need only `faq check`."""
from __future__ import annotations

import argparse
import json
import logging
import sys

from bot.settings import load_settings


def cmd_faq_check(args: argparse.Namespace) -> int:
    from bot.content import load_content
    from bot.faq_check import check_content
    from bot.problems import errors

    settings = load_settings()
    paths = settings.paths
    content, problems = load_content(paths.faq_dir, paths.sources_dir, paths.topics_file, paths.contacts_file)
    index = None
    if not args.no_embeddings and not errors(problems):
        from bot.embedding import Embedder
        from bot.live import retrieval_settings
        from bot.retrieval import RetrievalIndex

        index = RetrievalIndex(content, Embedder(paths.cache_dir), retrieval_settings(paths.config_file))
    if not errors(problems):
        problems += check_content(content, index)
    for problem in sorted(problems, key=lambda p: (str(p.file), p.line)):
        print(problem.format(paths.root))
    n_errors, n_warnings = len(errors(problems)), len(problems) - len(errors(problems))
    print(f"{len(content.entries)} entries in {len(set(e.file for e in content.entries))} files: "
          f"{n_errors} error(s), {n_warnings} warning(s)")
    if n_errors:
        print("Fix the errors above; the running assistant keeps the last good content until you do.")
    return 1 if n_errors else 0


def cmd_ask(args: argparse.Namespace) -> int:
    """Shows how retrieval decides on one question (for editors tuning alternates)."""
    from bot.answering import respond
    from bot.live import LiveContent

    live = LiveContent(load_settings())
    decision = live.snapshot.index.decide(args.question)
    print(f"band={decision.band} margin={decision.margin:.3f} query={decision.query!r}")
    for c in decision.candidates[:5]:
        print(f"  {c.score:.3f} (dense {c.dense:.3f}, lexical {c.lexical:.3f}) {c.entry.id} [{c.entry.topic}]")
    if decision.passage:
        print(f"  best passage {decision.passage_score:.3f}: {decision.passage.text[:100]}")
    outcome = respond(live.snapshot, args.question)
    print(json.dumps([m.__dict__ for m in outcome.messages], indent=1, default=str)[:3000])
    return 0


def cmd_actions(args: argparse.Namespace) -> int:
    from bot.action_server import serve

    serve(load_settings(), host=args.host, port=args.port)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from bot.stack import run_forever

    return run_forever(load_settings(), with_gateway=not args.no_gateway)


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.evaluation import main as eval_main

    return eval_main(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    faq = sub.add_parser("faq", help="content editors' tools")
    faq_sub = faq.add_subparsers(dest="faq_command", required=True)
    check = faq_sub.add_parser("check", help="check every FAQ file; problems are printed as file:line")
    check.add_argument("--no-embeddings", action="store_true", help="skip the (slower) check that each alternate is matched to its own entry")
    check.set_defaults(func=cmd_faq_check)

    ask = sub.add_parser("ask", help="show how retrieval answers one question")
    ask.add_argument("question")
    ask.set_defaults(func=cmd_ask)

    actions = sub.add_parser("actions", help="serve the custom actions (port 5055)")
    actions.add_argument("--host", default="127.0.0.1")
    actions.add_argument("--port", type=int, default=None)
    actions.set_defaults(func=cmd_actions)

    run = sub.add_parser("run", help="start the action server, Rasa and the web gateway")
    run.add_argument("--no-gateway", action="store_true")
    run.set_defaults(func=cmd_run)

    ev = sub.add_parser("eval", help="run evaluation cases through the running assistant")
    ev.add_argument("--url", default=None, help="Rasa's base URL (default: http://127.0.0.1:5005)")
    ev.add_argument("--cases", nargs="*", default=None, help="case files (default: ../shared/eval/dev.yml and tests/eval/paraphrases.yml)")
    ev.add_argument("--peers", action="store_true", help="also measure lexical-only, dense-only and Rasa's ResponseSelector")
    ev.add_argument("--no-e2e", action="store_true", help="skip the end-to-end run (retrieval-only and peers in process)")
    ev.add_argument("--calibration", default=None,
                    help="case file the peers' thresholds are calibrated on (default: tests/eval/paraphrases.yml)")
    ev.set_defaults(func=cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("sentence_transformers", "httpx", "urllib3", "sanic.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    from bot.live import ContentRefused

    try:
        return args.func(args)
    except ContentRefused as refused:
        root = load_settings().paths.root
        for problem in refused.problems:
            if problem.severity == "error":
                print(problem.format(root), file=sys.stderr)
        print("The content has errors (above); fix them, or run `python -m bot faq check`.", file=sys.stderr)
        return 1
