#!/usr/bin/env bash
# Rasa's test stories (tests/test_stories.yml); any story that fails fails the build.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
out=test-output/rasa-stories
mkdir -p "$out"
.venv/rasa/bin/rasa test core --model models/current.tar.gz --stories tests/test_stories.yml \
  --endpoints endpoints.yml --out "$out" --fail-on-prediction-errors --no-plot --quiet
echo "==> Rasa test stories passed (report: $out)"
