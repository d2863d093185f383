"""The content the action server is serving right now, swapped in whole when an editor saves a valid change.

A change is picked up by polling file fingerprints (no extra dependency, works on every file system).
A change with errors is refused: its problems go to the log as file:line lines and the previous
content keeps serving, so nothing a family sees breaks while an editor fixes a typo.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from bot.content import Content, load_content
from bot.embedding import Embedder
from bot.nlp import keep_parses_in
from bot.content.checks import check_content
from bot.problems import Problem, errors
from bot.retrieval.finetune import current_model
from bot.retrieval.index import RetrievalIndex
from bot.retrieval.scorer import RetrievalSettings
from bot.settings import Settings, assistant_config, load_settings

log = logging.getLogger("bot.live")


@dataclass(frozen=True)
class Snapshot:
    content: Content
    index: RetrievalIndex
    settings: RetrievalSettings
    fingerprint: tuple
    warnings: tuple[Problem, ...]


def _fingerprint(paths: list[Path]) -> tuple:
    out = []
    for folder in paths:
        files = sorted(folder.glob("*")) if folder.is_dir() else [folder]
        for f in files:
            try:
                stat = f.stat()
                out.append((str(f), stat.st_mtime_ns, stat.st_size))
            except OSError:
                out.append((str(f), None, None))
    return tuple(out)


def retrieval_settings(config_file: Path) -> RetrievalSettings:
    return RetrievalSettings.from_mapping(assistant_config(config_file).get("retrieval", {}))


def make_embedder(settings: Settings) -> Embedder:
    """The fine-tuned model `make train` made for the content, else the shipped base model."""
    paths = settings.paths
    model_dir = current_model(paths.embedder_dir)
    if model_dir is None:
        log.warning("no fine-tuned embedding model in %s; using the base model (run `make train`)", paths.embedder_dir)
    return Embedder(paths.cache_dir, model_dir)


class ContentRefused(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(errors(problems))} content error(s)")
        self.problems = problems


class LiveContent:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None):
        self.settings = settings or load_settings()
        paths = self.settings.paths
        self._watched = [paths.faq_dir, paths.sources_dir, paths.contacts_file, paths.topics_file, paths.handoff_file,
                         paths.near_misses_file, paths.glossary_file, paths.config_file]
        self._embedder = embedder or make_embedder(self.settings)
        keep_parses_in(paths.cache_dir)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._snapshot = self._build()  # first load: errors here stop the server with the messages
        self.last_problems: list[Problem] = []

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    def _build(self) -> Snapshot:
        paths = self.settings.paths
        fingerprint = _fingerprint(self._watched)
        content, problems = load_content(paths)
        if errors(problems):
            raise ContentRefused(problems)
        settings = retrieval_settings(paths.config_file)
        index = RetrievalIndex(content, self._embedder, settings.generic_min_share)
        # The slower check that each alternate finds its own entry is for `make faq-check`; a live reload
        # runs the others, so that a saved edit is served within the 2 seconds editors are promised.
        problems += check_content(content, None, settings)
        if errors(problems):
            raise ContentRefused(problems)
        return Snapshot(content, index, settings, fingerprint, tuple(problems))

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def reload_if_changed(self) -> bool:
        """Rebuild if any watched file changed. Returns True when new content is now serving."""
        with self._lock:
            if _fingerprint(self._watched) == self._snapshot.fingerprint:
                return False
            try:
                snapshot = self._build()
            except ContentRefused as refused:
                self.last_problems = refused.problems
                # Remember the refused state so the same broken save is logged once, not every poll.
                old = self._snapshot
                self._snapshot = Snapshot(old.content, old.index, old.settings, _fingerprint(self._watched), old.warnings)
                root = self.settings.paths.root
                log.error("content change refused; still serving the previous content:\n%s",
                          "\n".join(p.format(root) for p in refused.problems if p.severity == "error"))
                return False
            except Exception:  # noqa: BLE001 - a reload must never take the server down
                log.exception("content reload failed; still serving the previous content")
                return False
            self._snapshot = snapshot
            self.last_problems = list(snapshot.warnings)
            log.info("content reloaded: %d FAQ entries", len(snapshot.content.entries))
            return True

    def start_watching(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._watch, name="faq-watch", daemon=True)
        self._thread.start()

    def stop_watching(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        while not self._stop.wait(self.settings.reload_interval_s):
            self.reload_if_changed()
