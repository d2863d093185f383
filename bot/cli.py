"""The command line: `python -m bot <command>`. Editors need only `faq check` (it runs `safety check` too)."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from bot.answering import respond
from bot.content import load_content
from bot.content.checks import check_content, check_replies
from bot.live import ContentRefused, LiveContent, make_embedder, retrieval_settings
from bot.problems import errors
from bot.retrieval.index import FEATURES, RetrievalIndex
from bot.retrieval.scorer import decide
from bot.safety.rules import RULES_DIR, check_rules, load_rules
from bot.settings import load_settings


def cmd_faq_check(args: argparse.Namespace) -> int:
    settings = load_settings()
    paths = settings.paths
    content, problems = load_content(paths)
    index = retrieval = None
    if not args.no_embeddings and not errors(problems):
        retrieval = retrieval_settings(paths.config_file)
        index = RetrievalIndex(content, make_embedder(settings), retrieval.generic_min_share)
    if not errors(problems):
        problems += check_content(content, index, retrieval)
    problems += check_replies(paths.domain_file, paths.reply_reviews_file)
    # The safety rules are content too (clinicians edit them); a broken file would stop the assistant.
    problems += check_rules()
    for problem in sorted(problems, key=lambda p: (str(p.file), p.line)):
        print(problem.format(paths.root))
    n_errors, n_warnings = len(errors(problems)), len(problems) - len(errors(problems))
    print(f"{len(content.entries)} entries in {len(set(e.file for e in content.entries))} files: "
          f"{n_errors} error(s), {n_warnings} warning(s)")
    if n_errors:
        print("Fix the errors above; the running assistant keeps the last good content until you do.")
    return 1 if n_errors else 0


def cmd_safety_check(args: argparse.Namespace) -> int:
    """The safety rules in data/safety/ (or --rules-dir): every problem as file:line, non-zero on errors."""
    root = load_settings().paths.root
    folder = args.rules_dir or RULES_DIR
    rules, problems = load_rules(folder)
    for problem in sorted(problems, key=lambda p: (str(p.file), p.line)):
        print(problem.format(root))
    n_errors = len(errors(problems))
    print(f"{len(rules.urgent)} urgent-symptom rules, {len(rules.cues)} context cues, {len(rules.groups)} decision groups: "
          f"{n_errors} error(s), {len(problems) - n_errors} warning(s)")
    for name, (reviewed, reviewer) in sorted(rules.reviews.items()):
        print(f"  {name}: reviewed {reviewed.isoformat() if reviewed else '?'} by {reviewer or '?'}")
    if n_errors:
        print("Fix the errors above; until then the assistant refuses to start with these rules.")
    return 1 if n_errors else 0


def cmd_ask(args: argparse.Namespace) -> int:
    """Shows how retrieval decides on one question (for editors tuning alternates)."""
    live = LiveContent(load_settings())
    snapshot = live.snapshot
    decision = decide(snapshot.index, args.question, snapshot.settings)
    print(f"band={decision.band} margin={decision.margin:.3f} query={decision.query.text!r} "
          f"unknown words {decision.query.unknown_share:.0%}")
    for c in decision.candidates[:5]:
        row = decision.features.values[c.index]
        parts = ", ".join(f"{name} {value:.2f}" for name, value in zip(FEATURES, row) if name != "is_route")
        print(f"  {c.score:.3f} {c.target.id} [{c.target.topic or c.target.kind}] ({parts})")
    outcome = respond(snapshot, args.question)
    print(json.dumps([m.__dict__ for m in outcome.messages], indent=1, default=str)[:3000])
    return 0


def cmd_actions(args: argparse.Namespace) -> int:
    # Imported here because rasa-sdk, Sanic and torch take 5-7 s to import on this machine (measured with
    # `python -X importtime`, 2026-12-02) and only the action server needs them, not the editors' checks.
    from bot.action_server import serve

    serve(load_settings(), host=args.host, port=args.port, token_required=args.require_token)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    faq = sub.add_parser("faq", help="content editors' tools")
    faq_sub = faq.add_subparsers(dest="faq_command", required=True)
    check = faq_sub.add_parser("check", help="check every FAQ file; problems are printed as file:line")
    check.add_argument("--no-embeddings", action="store_true", help="skip the (slower) check that each alternate is matched to its own entry")
    check.set_defaults(func=cmd_faq_check)

    safety = sub.add_parser("safety", help="clinicians' tools for the safety rules (data/safety/)")
    safety_sub = safety.add_subparsers(dest="safety_command", required=True)
    safety_check = safety_sub.add_parser("check", help="check the safety rule files; problems are printed as file:line")
    safety_check.add_argument("--rules-dir", type=Path, default=None, help="another folder of rule files (default data/safety)")
    safety_check.set_defaults(func=cmd_safety_check)

    ask = sub.add_parser("ask", help="show how retrieval answers one question")
    ask.add_argument("question")
    ask.set_defaults(func=cmd_ask)

    actions = sub.add_parser("actions", help="serve the custom actions (port 5055)")
    actions.add_argument("--host", default="127.0.0.1")
    actions.add_argument("--port", type=int, default=None)
    actions.add_argument("--require-token", action="store_true",
                         help="refuse /webhook calls without ACTION_TOKEN (Rasa sends it with deploy/endpoints.yml)")
    actions.set_defaults(func=cmd_actions)

    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("sentence_transformers", "httpx", "urllib3", "sanic.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ContentRefused as refused:
        root = load_settings().paths.root
        for problem in refused.problems:
            if problem.severity == "error":
                print(problem.format(root), file=sys.stderr)
        print("The content has errors (above); fix them, or run `python -m bot faq check`.", file=sys.stderr)
        return 1
