"""Calibrate the retrieval bands (and weights) on tests/eval/paraphrases.yml; check them on ../shared/eval/dev.yml.

    PYTHONPATH=. .venv/actions/bin/python -m benchmarks.calibrate

Grid search (bot/evaluation.py `calibrate`): answer_min_score, answer_min_margin, clarify_min_score,
passage_min_score, and dense_weight (lexical_weight = 1 - dense_weight) and answer_weight. Objective on the
calibration set's in-scope cases: (right answers + 0.5 x clarifying questions) / cases, subject to at most 3%
of its out-of-scope cases answered confidently; ties go to fewer wrong answers, then fewer out-of-scope
answers, then to the middle of the plateau of equally good values. The held-out set is only measured.
Prints a block for config.yml's `assistant.retrieval`; it writes nothing.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot import evaluation as ev


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.calibrate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calibration", default=str(ev.CALIBRATION_FILE), help="cases to calibrate on")
    parser.add_argument("--held-out", default=str(ev.DEV_FILE), help="cases only measured with the chosen values")
    parser.add_argument("--mode", default="hybrid", choices=["hybrid", "dense", "lexical"])
    parser.add_argument("--thresholds-only", action="store_true", help="keep config.yml's weights; search the bands only")
    parser.add_argument("--clarify-bonus", type=float, default=ev.CLARIFY_BONUS,
                        help=f"worth of a clarifying question on an in-scope case (a right answer is 1; default {ev.CLARIFY_BONUS})")
    parser.add_argument("--max-oos", type=float, default=ev.MAX_OOS_ANSWERED,
                        help=f"largest share of out-of-scope cases that may be answered (default {ev.MAX_OOS_ANSWERED})")
    args = parser.parse_args(argv)

    calibration_file, held_out_file = Path(args.calibration), Path(args.held_out)
    if not calibration_file.exists():
        print(f"error: calibration set {calibration_file} does not exist", file=sys.stderr)
        return 2
    ev.single_thread()
    index = ev.build_index()
    calibration = ev.retrieval_cases(ev.load_cases(calibration_file))
    held_out = ev.retrieval_cases(ev.load_cases(held_out_file)) if held_out_file.exists() else []

    print(f"Calibrating {args.mode} on {ev.display_path(calibration_file)}: {sum(c.in_scope for c in calibration)} in-scope, "
          f"{sum(c.out_of_scope for c in calibration)} out-of-scope cases; objective = (right answers + "
          f"{args.clarify_bonus:g} x clarify) / in-scope cases, out-of-scope answered <= {args.max_oos:.0%}")
    features = ev.compute_features(index, [c.text for c in calibration])
    cal = ev.calibrate(index, calibration, args.mode, features, search_weights=not args.thresholds_only,
                       clarify_bonus=args.clarify_bonus, max_oos_answered=args.max_oos)
    if not cal.feasible:
        print("No setting in the grid keeps out-of-scope answers within the limit; nothing to recommend.")
        return 1
    print(f"chosen (from {cal.ties} equally good grid points): {ev.describe_values(cal.values)}")
    print(f"grid search figures: accuracy {cal.accuracy:.1%}, clarify {cal.clarify:.1%}, wrong {cal.wrong:.1%}, "
          f"out-of-scope answered {cal.oos_answered:.1%}")

    current = index.settings
    chosen = cal.settings(current)
    rows = []
    sets = [(ev.display_path(calibration_file) + " (calibration)", calibration)]
    if held_out:
        sets.append((ev.display_path(held_out_file) + " (held out)", held_out))
    verified = None
    for name, cases in sets:
        for label, settings in (("config.yml now", current), ("calibrated", chosen)):
            gots = ev.run_ranker(ev.with_settings(index, settings), cases, args.mode)
            metrics = ev.retrieval_metrics(cases, gots)
            rows.append((name, f"{args.mode}, {label}", metrics))
            if label == "calibrated" and cases is calibration:
                verified = (metrics.correct == round(cal.accuracy * cal.n_in)
                            and metrics.clarify == round(cal.clarify * cal.n_in)
                            and metrics.wrong == round(cal.wrong * cal.n_in)
                            and metrics.oos_answered == round(cal.oos_answered * cal.n_oos))
    print("check: index.decide with the chosen values "
          + ("reproduces the grid search's figures" if verified else "DIFFERS from the grid search's figures (report this)"))
    print()
    ev.print_table(rows)

    print("\nPaste into config.yml (assistant.retrieval):\n")
    print("assistant:\n  retrieval:")
    for key in ("dense_weight", "lexical_weight", "answer_weight", "answer_min_score", "answer_min_margin",
                "clarify_min_score", "passage_min_score", "max_follow_ups", "clarify_options"):
        print(f"    {key}: {getattr(chosen, key):g}")
    ev.print_footer(ev.command_line("benchmarks.calibrate"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
