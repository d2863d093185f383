"""Choosing the fine-tuning seed (bot/retrieval/finetune.ensure with a chooser): every candidate is trained
once, the chooser's pick is served and recorded, and unchanged content reuses the record without training.
Training itself is replaced by a stub that writes a model folder (the real one takes minutes)."""
from __future__ import annotations

import dataclasses
import json

import pytest

from bot.content import load_content
from bot.retrieval import finetune
from bot.retrieval.finetune import CHOICE, POINTER, FinetuneSettings, ensure, fingerprint, training_pairs
from bot.settings import load_settings

SETTINGS = FinetuneSettings(finetune=True, epochs=1, learning_rate=1e-5, batch_size=8, scale=20.0, seed=42,
                            seed_candidates=(42, 7, 99), pairs_file=None)


@pytest.fixture(scope="module")
def content():
    loaded, _ = load_content(load_settings().paths)
    return loaded


@pytest.fixture
def trained(monkeypatch):
    seeds = []

    def fake_train(pairs, settings, out_dir):
        out_dir.mkdir(parents=True)
        (out_dir / "identity.txt").write_text(str(settings.seed))
        seeds.append(settings.seed)
        return out_dir

    monkeypatch.setattr(finetune, "train", fake_train)
    return seeds


def _dir_for(content, seed):
    return fingerprint(training_pairs(content), dataclasses.replace(SETTINGS, seed=seed))


def test_the_chooser_picks_among_all_candidates_and_its_pick_is_served(tmp_path, content, trained):
    seen = []

    def choose(dirs):
        seen.extend(d.name for d in dirs)
        return 1  # the second candidate, seed 7

    model_dir, was_trained = ensure(content, SETTINGS, tmp_path, choose)
    assert sorted(trained) == [7, 42, 99] and len(seen) == 3
    assert model_dir.name == _dir_for(content, 7) and was_trained
    assert (tmp_path / POINTER).read_text().strip() == model_dir.name
    assert json.loads((tmp_path / CHOICE).read_text())["seed"] == 7
    # The other candidates are not kept.
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == [model_dir.name]


def test_unchanged_content_reuses_the_recorded_choice_without_training_or_choosing(tmp_path, content, trained):
    ensure(content, SETTINGS, tmp_path, lambda dirs: 2)
    trained.clear()
    model_dir, was_trained = ensure(content, SETTINGS, tmp_path, lambda dirs: pytest.fail("chose again"))
    assert model_dir.name == _dir_for(content, 99) and not was_trained and trained == []
    # Without a chooser (bot.retrieval.finetune alone, devtools.eval.variants) the record is used too.
    model_dir, _ = ensure(content, SETTINGS, tmp_path)
    assert model_dir.name == _dir_for(content, 99)


def test_without_a_chooser_or_a_record_the_configured_seed_is_trained(tmp_path, content, trained):
    model_dir, _ = ensure(content, SETTINGS, tmp_path)
    assert trained == [42] and model_dir.name == _dir_for(content, 42)


def test_other_candidates_mean_a_new_choice(tmp_path, content, trained):
    ensure(content, SETTINGS, tmp_path, lambda dirs: 2)
    other = dataclasses.replace(SETTINGS, seed_candidates=(42, 5))
    model_dir, _ = ensure(content, other, tmp_path, lambda dirs: 1)
    assert model_dir.name == _dir_for(content, 5)


def test_the_candidates_do_not_change_a_model_s_own_key(content):
    one = dataclasses.replace(SETTINGS, seed_candidates=(42,))
    assert fingerprint(training_pairs(content), one) == fingerprint(training_pairs(content), SETTINGS)


def test_config_lists_the_candidates_and_an_empty_list_means_the_seed():
    values = {"finetune": True, "epochs": 2, "learning_rate": 6e-5, "batch_size": 32, "scale": 20.0, "seed": 42,
              "seed_candidates": [], "pairs_file": None}
    assert FinetuneSettings.from_mapping(values).seed_candidates == (42,)
    with pytest.raises(ValueError, match="seed_candidates"):
        FinetuneSettings.from_mapping({k: v for k, v in values.items() if k != "seed_candidates"})


@pytest.mark.parametrize("record", ["", "{not json", "[1, 2]", '{"key": "x"}', '{"key": null, "seed": "abc"}'])
def test_a_broken_choice_record_is_chosen_again_not_an_error(tmp_path, content, trained, record):
    (tmp_path / CHOICE).write_text(record)
    model_dir, _ = ensure(content, SETTINGS, tmp_path, lambda dirs: 1)
    assert model_dir.name == _dir_for(content, 7)
    assert json.loads((tmp_path / CHOICE).read_text())["seed"] == 7
