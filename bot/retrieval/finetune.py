"""Fine-tunes all-MiniLM-L6-v2 on the content's own phrasings, so that ways of asking one question land
near each other and away from the other questions (`make train` runs it; measured in docs/benchmarks.md).

Each alternate of an FAQ entry is paired with the entry's question, and each example of a hand-off reason
with another example of the same reason. The loss is MultipleNegativesRankingLoss written out: in a batch,
every anchor must be closer to its own positive than to the other pairs' positives, so no batch holds two
pairs of one target. The result is cached under a fingerprint of the base model, the pairs and the
settings: unchanged content never retrains. A live FAQ edit does not retrain either; the running action
server embeds the new text with the model it has.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import random
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bot.content import Content, load_content
from bot.embedding import base_model_key, model_path
from bot.problems import errors
from bot.settings import assistant_config, load_settings
from bot.text import normalise

log = logging.getLogger(__name__)
POINTER = "current.txt"
CHOICE = "seed-choice.json"


@dataclass(frozen=True)
class FinetuneSettings:
    """From config.yml `assistant.embedding` (no defaults here: a change is a reviewed configuration change)."""

    finetune: bool
    epochs: int
    learning_rate: float
    batch_size: int
    scale: float
    seed: int
    # The seeds `make train` fine-tunes with when the content changed, keeping the one whose model the labelled
    # tuning questions score best (devtools/eval/seed_choice.py): one draw can be several points worse than
    # another (docs/benchmarks.md section 3, "how much the fine-tuning seed matters"). Without a chooser (or
    # with one seed) `seed` is used.
    seed_candidates: tuple[int, ...]

    @classmethod
    def from_mapping(cls, values: dict) -> "FinetuneSettings":
        missing = [k for k in cls.__dataclass_fields__ if k not in (values or {})]
        if missing:
            raise ValueError("config.yml assistant.embedding is missing " + ", ".join(missing))
        chosen = {k: values[k] for k in cls.__dataclass_fields__}
        chosen["seed_candidates"] = tuple(int(x) for x in chosen["seed_candidates"] or [chosen["seed"]])
        return cls(**chosen)


def training_pairs(content: Content) -> list[tuple[str, str, str]]:
    """(anchor, positive, target id) for every alternate and every hand-off example."""
    pairs = []
    for entry in content.entries:
        question = normalise(entry.question)
        pairs += [(normalise(alt), question, entry.id) for alt in entry.alternates]
    for route in content.routes:
        examples = [normalise(e) for e in route.examples]
        for i, example in enumerate(examples):
            pairs.append((example, examples[(i + 1) % len(examples)], f"{route.kind}:{route.id}"))
    return pairs


def fingerprint(pairs: list[tuple[str, str, str]], settings: FinetuneSettings) -> str:
    """The model's own key: what it was trained on and with (the candidates list is not part of it)."""
    trained_with = {k: v for k, v in settings.__dict__.items() if k != "seed_candidates"}
    body = json.dumps([base_model_key(), sorted(pairs), trained_with], sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def _batches(pairs: list[tuple[str, str, str]], size: int, rng: random.Random) -> list[list[tuple[str, str, str]]]:
    """Shuffled batches in which no target appears twice (its pairs would be each other's false negatives)."""
    pending = pairs[:]
    rng.shuffle(pending)
    batches = []
    while pending:
        batch, used, rest = [], set(), []
        for pair in pending:
            if len(batch) < size and pair[2] not in used:
                batch.append(pair)
                used.add(pair[2])
            else:
                rest.append(pair)
        batches.append(batch)
        pending = rest
    return batches


def train(pairs: list[tuple[str, str, str]], settings: FinetuneSettings, out_dir: Path) -> Path:
    # Only training needs torch and sentence-transformers (4-9 s to import here); `make train` with a
    # model already cached for the content, and bot.live asking for the current model, skip that cost.
    import torch
    from sentence_transformers import SentenceTransformer

    rng = random.Random(settings.seed)
    torch.manual_seed(settings.seed)
    model = SentenceTransformer(str(model_path()), device="cpu", local_files_only=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate)
    model.train()
    for epoch in range(settings.epochs):
        started, total = time.monotonic(), 0.0
        batches = [b for b in _batches(pairs, settings.batch_size, rng) if len(b) > 1]
        for batch in batches:
            anchors = model(model.preprocess([a for a, _, _ in batch]))["sentence_embedding"]
            positives = model(model.preprocess([p for _, p, _ in batch]))["sentence_embedding"]
            logits = torch.nn.functional.normalize(anchors, dim=1) @ torch.nn.functional.normalize(positives, dim=1).T
            loss = torch.nn.functional.cross_entropy(logits * settings.scale, torch.arange(len(batch)))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach())
        log.info("fine-tuning epoch %d: %d batches, mean loss %.3f, %.0f s", epoch + 1, len(batches),
                 total / max(len(batches), 1), time.monotonic() - started)
    model.eval()
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save(str(tmp))
    (tmp / "identity.txt").write_text(out_dir.name + "\n")
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
    return out_dir


def current_model(models_dir: Path) -> Path | None:
    """The fine-tuned model `make train` made last, or None (then the base model serves)."""
    pointer = models_dir / POINTER
    if not pointer.exists():
        return None
    candidate = models_dir / pointer.read_text().strip()
    return candidate if (candidate / "identity.txt").exists() else None


def _chosen_seed(pairs, settings: FinetuneSettings, models_dir: Path, choose) -> int:
    """The seed recorded for this content and these candidates; else, with a chooser, the one it picks among
    the candidates' models (all trained now, the choice recorded); else `seed`."""
    candidates = list(settings.seed_candidates)
    record_key = fingerprint(pairs, dataclasses.replace(settings, seed=-1)) + ":" + ",".join(map(str, candidates))
    record_file = models_dir / CHOICE
    try:
        record = json.loads(record_file.read_text())
        if isinstance(record, dict) and record.get("key") == record_key and int(record["seed"]) in candidates:
            return int(record["seed"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    if choose is None or len(candidates) < 2:
        return settings.seed
    dirs = []
    for seed in candidates:
        candidate = dataclasses.replace(settings, seed=seed)
        out_dir = models_dir / fingerprint(pairs, candidate)
        if not (out_dir / "identity.txt").exists():
            train(pairs, candidate, out_dir)
        dirs.append(out_dir)
    seed = candidates[choose(dirs)]
    record_file.write_text(json.dumps({"key": record_key, "seed": seed}) + "\n")
    return seed


def ensure(content: Content, settings: FinetuneSettings, models_dir: Path, choose=None) -> tuple[Path | None, bool]:
    """The fine-tuned model for this content, trained only if missing. Returns (folder or None, trained now).
    `choose(model_dirs) -> index`: picks among the candidate seeds' models when the content has no recorded
    choice (`make train` passes devtools/eval/seed_choice.py's)."""
    if not settings.finetune:
        (models_dir / POINTER).unlink(missing_ok=True)
        return None, False
    pairs = training_pairs(content)
    models_dir.mkdir(parents=True, exist_ok=True)
    had = {d.name for d in models_dir.iterdir() if d.is_dir()}
    settings = dataclasses.replace(settings, seed=_chosen_seed(pairs, settings, models_dir, choose))
    key = fingerprint(pairs, settings)
    out_dir = models_dir / key
    if not (out_dir / "identity.txt").exists():
        train(pairs, settings, out_dir)
    trained = key not in had
    (models_dir / POINTER).write_text(key + "\n")
    for stale in models_dir.iterdir():  # earlier content's models are never used again
        if stale.is_dir() and stale.name != key:
            shutil.rmtree(stale, ignore_errors=True)
    return out_dir, trained


def main(choose=None) -> int:
    """`make train`: fine-tune for the current content unless a model for it exists (prints which).
    `choose`: as for `ensure` (`python -m devtools.eval.seed_choice` passes one; this module alone does not)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    paths = load_settings().paths
    content, problems = load_content(paths)
    if errors(problems):
        # Train on what loads: the running assistant refuses broken content anyway, and `faq check` says why.
        print(f"warning: the content has {len(errors(problems))} error(s); run `make faq-check`", file=sys.stderr)
    settings = FinetuneSettings.from_mapping(assistant_config(paths.config_file).get("embedding", {}))
    started = time.monotonic()
    model_dir, trained = ensure(content, settings, paths.embedder_dir, choose)
    if model_dir is None:
        print("==> embedding fine-tuning is off (config.yml assistant.embedding.finetune); the base model serves")
    elif trained:
        print(f"==> fine-tuned the embedding model on {len(training_pairs(content))} phrasing pairs in "
              f"{time.monotonic() - started:.0f} s ({model_dir})")
    else:
        print(f"==> the fine-tuned embedding model is up to date ({model_dir})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
