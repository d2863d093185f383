"""The frozen fine-tuning pairs (config.yml `embedding.pairs_file`): an FAQ edit does not change what the
embedding model is trained on, so `make train` after an edit serves the same model; a broken pairs file is a
clear error, not a crash. Training itself is replaced by a stub (the real one takes minutes)."""
from __future__ import annotations

import dataclasses

import pytest

from bot.content import load_content
from bot.retrieval import finetune
from bot.retrieval.finetune import FinetuneSettings, ensure, freeze, frozen_pairs, pairs_for, training_pairs
from bot.settings import ROOT, assistant_config, load_settings

SETTINGS = FinetuneSettings(finetune=True, epochs=1, learning_rate=1e-5, batch_size=8, scale=20.0, seed=42,
                            seed_candidates=(42,), pairs_file=None)


@pytest.fixture(scope="module")
def content():
    loaded, _ = load_content(load_settings().paths)
    return loaded


@pytest.fixture
def trained_on(monkeypatch):
    seen = []

    def fake_train(pairs, settings, out_dir):
        out_dir.mkdir(parents=True)
        (out_dir / "identity.txt").write_text("stub")
        seen.append(list(pairs))
        return out_dir

    monkeypatch.setattr(finetune, "train", fake_train)
    return seen


def _with_new_alternate(content):
    entry = content.entries[0]
    edited = dataclasses.replace(entry, alternates=list(entry.alternates) + ["a phrasing an editor just added"])
    return dataclasses.replace(content, entries=[edited] + list(content.entries[1:]))


def test_an_faq_edit_does_not_re_draw_the_model_when_the_pairs_are_frozen(tmp_path, content, trained_on):
    pairs_file = tmp_path / "pairs.yml"
    freeze(training_pairs(content), pairs_file)
    settings = dataclasses.replace(SETTINGS, pairs_file=str(pairs_file))
    models = tmp_path / "models"
    first, _ = ensure(content, settings, models)
    edited = _with_new_alternate(content)
    assert len(training_pairs(edited)) == len(training_pairs(content)) + 1
    again, trained_now = ensure(edited, settings, models)
    assert again == first and not trained_now and len(trained_on) == 1
    # Without frozen pairs the same edit trains a new model.
    unfrozen, trained_now = ensure(edited, SETTINGS, models)
    assert unfrozen != first and trained_now


def test_freezing_keeps_the_training_order(tmp_path, content):
    pairs = training_pairs(content)
    freeze(pairs, tmp_path / "pairs.yml")
    assert frozen_pairs(tmp_path / "pairs.yml") == pairs


@pytest.mark.parametrize("body", ["", "pairs: [", "pairs: []", "pairs: [[a, b]]", "- [a, b, c]", "pairs: [[a, '', c]]"])
def test_a_broken_pairs_file_is_a_clear_error(tmp_path, content, body):
    path = tmp_path / "pairs.yml"
    path.write_text(body)
    with pytest.raises(ValueError, match="pairs.yml"):
        pairs_for(content, dataclasses.replace(SETTINGS, pairs_file=str(path)))


def test_a_missing_pairs_file_means_the_content_s_own_pairs(tmp_path, content):
    settings = dataclasses.replace(SETTINGS, pairs_file=str(tmp_path / "absent.yml"))
    assert pairs_for(content, settings) == training_pairs(content)


def test_the_project_s_pairs_file_loads():
    settings = FinetuneSettings.from_mapping(assistant_config(load_settings().paths.config_file)["embedding"])
    assert settings.pairs_file and frozen_pairs(ROOT / settings.pairs_file)
