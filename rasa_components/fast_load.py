"""A faster cold start for Rasa: DIET's and TED's variables built by one eager step, not a traced one.

Rasa 3.6 loads each TensorFlow model (`RasaModel.load`) by compiling it, fitting it on one dummy example
so that Keras creates variables of the right shapes, overwriting them with the trained weights, and
tracing the prediction step once. Profiled on this 2-core machine (2026-12-02), that took 58 s of a 65 s
model load, nearly all of it in tracing: the training step (which `rasa run` never uses again) and
AutoGraph's rewrite of the prediction step.

`install()` replaces that loader with one that runs the dummy fit eagerly and traces the prediction step
without AutoGraph, and has the two graph nodes of SpacyNLP (the one that provides the model and the one
that runs it) share one loaded spaCy model instead of loading it twice (1.4 s each), without the entity
recogniser unless the pipeline extracts spaCy entities. The model's variables, its restored weights and its prediction graph are the same, so
predictions are the same (`tests/rasa_unit/test_fast_load.py` compares them with Rasa's own loader); Rasa
answers about 15 s after it is started instead of about 58 s (docs/benchmarks.md, section 7). Whatever
fails on this path falls back to Rasa's loader with a warning, never to a policy without its model.

Only `bot/rasa_server.py` (what `make run` serves) installs it. Fine-tuning (`rasa train --finetune`)
keeps Rasa's loader, because it goes on training with the compiled step.
"""
from __future__ import annotations

import functools
import logging

import tensorflow as tf
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.models import RasaModel

log = logging.getLogger(__name__)
_RASA_LOAD = RasaModel.load.__func__
_RASA_LOAD_SPACY = SpacyNLP.load_model


def _load(cls, model_file_name, model_data_example, predict_data_example=None, finetune_mode=False, *args, **kwargs):
    def rasa_load():
        return _RASA_LOAD(cls, model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs)

    if finetune_mode:
        return rasa_load()
    try:
        return _eager_built(cls, model_file_name, model_data_example, predict_data_example, *args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - never a worse model than Rasa's own loader gives
        # Rasa's policies answer a failed load with a policy without a model, silently; so anything that goes
        # wrong here falls back to Rasa's loader, loudly.
        log.warning("eager build of %s failed (%s); loading it with Rasa's own loader", cls.__name__, exc)
        return rasa_load()


def _eager_built(cls, model_file_name, model_data_example, predict_data_example, *args, **kwargs):
    config = kwargs.get("config", {})
    model = cls(*args, **kwargs)
    learning_rate = config.get(LEARNING_RATE, 0.001)
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate), run_eagerly=True)
    model.fit(RasaBatchDataGenerator(model_data_example, batch_size=1), verbose=False)
    # An eager step creates the optimizer's slot variables in another order than a traced one, and the
    # checkpoint matches them by position: restoring them fails ("incompatible tensor with shape"). Prediction
    # never uses the optimizer, so a fresh one without slots takes its place, and every variable the model
    # has must then have been restored from the checkpoint.
    model.optimizer = tf.keras.optimizers.Adam(learning_rate)
    status = model.load_weights(model_file_name)
    status.assert_existing_objects_matched()
    status.expect_partial()  # the old optimizer's slots in the file are left unread on purpose
    # Back to the configured mode, so that predictions go through tf.function exactly as under Rasa's loader;
    # the eager training step built above is dropped rather than reused by a later fit.
    model.run_eagerly = bool(config.get(RUN_EAGERLY))
    model.train_function = None
    # Traced as written, without AutoGraph's rewrite of Python control flow: DIET's and TED's prediction steps
    # branch only on Python values, so the graph is the same, and the rewrite was three quarters of the
    # 19 s the two traces took. (A branch on a tensor would fail loudly here and fall back to Rasa's loader.)
    model.predict_step = tf.autograph.experimental.do_not_convert(model.predict_step)
    if predict_data_example:
        model.run_inference(predict_data_example)
    return model


def _spacy_loader(keep_entities: bool):
    def load(spacy_model_name: str):
        loaded = _RASA_LOAD_SPACY(spacy_model_name)
        # Rasa already leaves out the parser. Nothing in a pipeline without SpacyEntityExtractor reads spaCy's
        # entities, and tagging them was half of spaCy's time per message (about 5 ms of a REST turn here,
        # docs/benchmarks.md section 4); tokens, lemmas, tags and vectors do not depend on it.
        if not keep_entities and "ner" in loaded.model.pipe_names:
            loaded.model.disable_pipe("ner")
        return loaded

    # Both nodes only read the pipeline (Rasa processes one message at a time per node), so one copy serves.
    return functools.lru_cache(maxsize=4)(load)


def install(spacy_entities: bool = False) -> None:
    """Use the eager-build loader for every Rasa TensorFlow model loaded from now on in this process.
    `spacy_entities`: keep spaCy's entity recogniser (a pipeline with SpacyEntityExtractor needs it)."""
    RasaModel.load = classmethod(_load)
    SpacyNLP.load_model = staticmethod(_spacy_loader(spacy_entities))
    log.info("Rasa models load with an eager dummy fit (rasa_components/fast_load.py)")


def uninstall() -> None:
    RasaModel.load = classmethod(_RASA_LOAD)
    SpacyNLP.load_model = staticmethod(_RASA_LOAD_SPACY)
