# The front door. A newcomer needs two commands: `make run` and `make test`.
SHELL := /bin/bash
ACTIONS_PY := .venv/actions/bin/python
RASA := .venv/rasa/bin/rasa
export PYTHONPATH := $(CURDIR)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
# Rasa would otherwise try to send usage data and error reports; this machine has no such network.
export RASA_TELEMETRY_ENABLED := false
# Rasa stops a turn after this many actions (its circuit breaker, default 10). The longest legitimate turn
# here is 3 actions (an answer, the form asking again, listen), so 6 cuts any loop early.
export MAX_NUMBER_OF_PREDICTIONS ?= 6
# endpoints.yml reads these; the defaults make a bare `rasa` command work from this folder.
export ACTION_ENDPOINT_URL ?= http://127.0.0.1:5055/webhook
export TRACKER_DIALECT ?= sqlite
export TRACKER_DB ?= $(CURDIR)/logs/trackers.db

.PHONY: install train run chat test test-unit test-stories test-e2e faq-check validate eval bench clean

install:            ## create the rasa and actions environments (idempotent)
	@scripts/install.sh

train: install      ## train the Rasa model if NLU data, rules, stories, domain or config changed
	@scripts/train.sh

run: train          ## the action server, Rasa and the web gateway under supervisord (restarts, logs/); Ctrl-C stops them
	@$(ACTIONS_PY) -m devtools.supervised

chat: train         ## talk to the assistant in the terminal
	@mkdir -p logs
	@$(ACTIONS_PY) -m bot actions > logs/actions-chat.log 2>&1 & pid=$$!; \
	trap "kill $$pid" EXIT; sleep 1; \
	$(RASA) shell --model models/current.tar.gz --endpoints endpoints.yml

faq-check: install  ## check the FAQ files (what editors run)
	@$(ACTIONS_PY) -m bot faq check

validate: install   ## Rasa's own consistency check of domain and training data
	@$(RASA) data validate --domain domain.yml --config config.yml --data data/nlu data/rules data/stories --fail-on-warnings

test: train         ## everything CI runs
	@scripts/install-test-tools.sh
	@$(ACTIONS_PY) -m bot faq check
	@$(MAKE) --no-print-directory validate
	@scripts/test-stories.sh
	@.venv/rasa/bin/python -m pytest -q -o addopts="-p no:cacheprovider" tests/rasa_unit
	@$(ACTIONS_PY) -m pytest -q tests

eval: train         ## safety-rule figures, then held-out, tuning and dev sets end to end, conversations, and the peers (docs/benchmarks.md)
	@$(ACTIONS_PY) -m devtools.eval.safety_figures
	@$(ACTIONS_PY) -m devtools.eval

bench: train        ## answer latency in process, and REST latency and memory beside a vanilla `rasa init` bot
	@$(ACTIONS_PY) -m devtools.benchmarks.retrieval_latency
	@$(ACTIONS_PY) -m devtools.benchmarks.rest_latency

clean:
	rm -rf models logs .cache test-output results
