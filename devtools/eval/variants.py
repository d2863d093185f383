"""`python -m devtools.eval.variants`: the retrieval variants side by side, from one run.

Each variant is a ranking (which similarities, base or fine-tuned embeddings) whose weights and bands are
calibrated by devtools/eval/calibrate.py. Two figures per variant:
- out of fold: 5-fold cross-validation over the labelled tuning pool (tests/eval/tuning.yml,
  tests/eval/paraphrases.yml, ../shared/eval/dev.yml): calibrated on 4 folds, scored on the fifth;
- held out: calibrated on the whole pool, scored on tests/eval/heldout.yml (frozen; only totals printed).
`--write-config` prints the winner's config.yml block: the variant with the best out-of-fold accuracy
among those that meet the limits out of fold (give or take one case).
"""
from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
from pathlib import Path
from dataclasses import dataclass

import torch

from bot.content import load_content
from bot.embedding import Embedder
from bot.live import retrieval_settings
from bot.retrieval.finetune import FinetuneSettings, ensure
from bot.retrieval.index import RetrievalIndex, targets_of
from bot.settings import assistant_config, load_settings
from devtools.eval.calibrate import MAX_CLARIFY, MAX_OOS, MAX_WRONG, calibrate, config_block, kfold, weight_grid
from devtools.eval.cases import HELDOUT_FILE, load_file
from devtools.eval.metrics import Metrics, measure, pct
from devtools.eval.offline import compute, replay, retrieval_cases, tuning_pool
from devtools.eval.report import footer, table
from bot.settings import ROOT

W = [0.0, 0.15, 0.3, 0.45, 0.6]


@dataclass(frozen=True)
class Variant:
    name: str
    model: str              # "base" or "fine-tuned"
    grid: object            # list of weight dicts, or "learned"
    # Bands on a learned acceptor's probability (this is its inverse regularisation C) instead of the top score.
    acceptor: float | None = None


SHARED = weight_grid({"dense": W, "dense_bare": W, "lexical": [0, 0.15, 0.3]})
SENTENCES = weight_grid({"dense": [0.45, 0.6, 0.75], "dense_bare": [0, 0.25], "dense_sentence": [0, 0.1, 0.2],
                         "lexical": [0, 0.15]})
ACCEPTOR_GRID = weight_grid({"dense": [0.5, 0.75, 1.0], "dense_bare": [0, 0.25, 0.5], "lexical": [0, 0.15]})
VARIANTS = [
    Variant("lexical only", "base", [{"lexical": 1.0}]),
    Variant("dense only", "base", [{"dense": 1.0}]),
    Variant("hybrid: dense + lexical", "base", weight_grid({"dense": W[1:], "dense_text": [0, 0.1], "lexical": W})),
    Variant("hybrid + shared words down-weighted", "base", SHARED),
    Variant("hybrid + shared words + answer sentences", "base", SENTENCES),
    Variant("learned weights (logistic regression)", "base", "learned"),
    Variant("dense only", "fine-tuned", [{"dense": 1.0}]),
    Variant("hybrid + shared words down-weighted", "fine-tuned", SHARED),
    Variant("hybrid + shared words + answer sentences", "fine-tuned", SENTENCES),
    Variant("learned weights (logistic regression)", "fine-tuned", "learned"),
    Variant("hybrid + shared words, learned acceptor", "fine-tuned", ACCEPTOR_GRID, 1.0),
    Variant("hybrid + shared words, learned acceptor, weakly regularised (C=10)", "fine-tuned", ACCEPTOR_GRID, 10.0),
    Variant("hybrid + shared words, learned acceptor, weakly regularised (C=30)", "fine-tuned", ACCEPTOR_GRID, 30.0),
    Variant("hybrid + shared words + sentences, learned acceptor", "fine-tuned",
            weight_grid({"dense": [0.6, 0.75], "dense_bare": [0, 0.25], "dense_sentence": [0, 0.1], "lexical": [0, 0.15]}), 1.0),
]


def meets_limits(m: Metrics) -> bool:
    """Within the limits, give or take one case (a limit of 3 % of 83 cases is 2.5 cases)."""
    clarify_ok = m.clarified <= MAX_CLARIFY * m.n_in + 1
    wrong_ok = m.wrong <= MAX_WRONG * m.n + 1
    oos_ok = m.oos_answered <= MAX_OOS * m.n_oos + 1
    return clarify_ok and wrong_ok and oos_ok


def _key(content, cases, model_dir) -> str:
    body = repr(([(t.id, t.phrasings, t.text) for t in targets_of(content)], [c.text for c in cases], str(model_dir)))
    return hashlib.sha256(body.encode()).hexdigest()


def _cached(path, content, cases, model_dir):
    if not path or not Path(path).exists():
        return None
    try:
        with open(path, "rb") as handle:
            key, features = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None  # written by older code: compute again
    return features if key == _key(content, cases, model_dir) else None


def _save(path, content, cases, model_dir, features) -> None:
    if path:
        with open(path, "wb") as handle:
            pickle.dump((_key(content, cases, model_dir), features), handle)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.eval.variants", description=__doc__)
    parser.add_argument("--write-config", action="store_true", help="print the winner's config.yml block")
    parser.add_argument("--only", default=None, help="run only variants whose name contains this text")
    parser.add_argument("--features-cache", default=None,
                        help="a file to keep the computed similarities in (reused when content and cases are unchanged)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    settings = load_settings()
    paths = settings.paths
    content, problems = load_content(paths)
    base = retrieval_settings(paths.config_file)
    pool = tuning_pool()
    heldout = retrieval_cases(load_file(HELDOUT_FILE).cases) if HELDOUT_FILE.exists() else []
    print(f"tuning pool: {len(pool)} cases; held out: {len(heldout)} cases (frozen, totals only)", flush=True)

    finetune = FinetuneSettings.from_mapping(assistant_config(paths.config_file).get("embedding", {}))
    model_dir, trained = ensure(content, finetune, paths.embedder_dir)
    print(f"fine-tuned model: {model_dir} ({'trained now' if trained else 'cached'})", flush=True)
    features = _cached(args.features_cache, content, pool + heldout, model_dir)
    if features is None:
        features = {}
        for model, embedder in (("base", Embedder(paths.cache_dir)), ("fine-tuned", Embedder(paths.cache_dir, model_dir))):
            index = RetrievalIndex(content, embedder, base.generic_min_share)
            features[model] = (compute(index, pool), compute(index, heldout))
            print(f"features with the {model} model: done", flush=True)
        _save(args.features_cache, content, pool + heldout, model_dir, features)

    rows, results = [], []
    for variant in VARIANTS:
        if args.only and args.only not in variant.name:
            continue
        pool_fs, heldout_fs = features[variant.model]
        oof_gots, _ = kfold(pool_fs, base, variant.grid, acceptor_c=variant.acceptor)
        oof = measure(pool_fs.cases, oof_gots)
        choice = calibrate(pool_fs, base, variant.grid, variant.acceptor)
        held = measure(heldout_fs.cases, replay(heldout_fs, choice.settings))
        results.append((variant, oof, held, choice))
        rows.append([variant.name, variant.model, pct(oof.accuracy), pct(oof.in_scope_accuracy), pct(oof.handoff_accuracy),
                     pct(oof.clarify_rate), pct(oof.wrong_rate), pct(oof.oos_rate),
                     pct(held.accuracy), pct(held.in_scope_accuracy), pct(held.handoff_accuracy), pct(held.clarify_rate),
                     pct(held.wrong_rate), pct(held.oos_rate)])
        print(f"  {variant.name} ({variant.model}): out of fold {pct(oof.accuracy)}, held out {pct(held.accuracy)}", flush=True)
    print("\n== Retrieval variants (retrieval-decided cases only; out of fold = 5-fold CV on the tuning pool;"
          " held out = calibrated on the whole pool, scored on tests/eval/heldout.yml)")
    table(["variant", "embeddings", "OOF right", "OOF in-scope", "OOF handoff", "OOF clarify", "OOF wrong", "OOF OOS answered",
           "held-out right", "in-scope", "handoff", "clarify", "wrong", "OOS answered"], rows)
    if args.write_config and results:
        eligible = [r for r in results if meets_limits(r[1])] or results
        winner = max(eligible, key=lambda r: r[1].accuracy)
        print(f"\nwinner (best out-of-fold accuracy within the limits): {winner[0].name} ({winner[0].model})")
        print(config_block(winner[3].settings))
    footer("devtools.eval.variants", argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
