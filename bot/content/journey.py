"""The treatment's steps in order (`journey:` in data/topics.yml): what "what comes next" means after an answer;
and `after_eligibility_check:`, the entry a follow-up to the eligibility check's summary refers to.

Each step is named by the FAQ entry that says what happens in it (apheresis, making the cells, the chemotherapy
before, the infusion, the weeks after). An answer from any entry of a step's topic counts as being at that
step, so "and after that?" after "how long does apheresis take" gets the step after apheresis. Editors own
the list; an id that is not an FAQ entry, or a step listed twice, is a warning with its file:line and the
step is left out (deleting an entry must not refuse the whole content).
"""
from __future__ import annotations

from pathlib import Path

from bot.problems import Problem
from bot.yaml_lines import Located


def load_journey(located: Located | None, path: Path, entry_ids: set[str]) -> tuple[list[str], list[Problem]]:
    """The step entries in order (empty without a `journey:` list), and the problems found. `located`: the topics
    file as bot.content.loader.load_topics parsed it (None when it would not parse: that loader reports it)."""
    if located is None or not isinstance(located.value, dict) or "journey" not in located.value or not entry_ids:
        return [], []  # no entries loaded: the FAQ's own problem is the one to report
    node = located.children["journey"]
    if not isinstance(node.value, list) or not node.value:
        return [], [Problem(path, node.line, "'journey' must be a list of FAQ entry ids, in the order of the treatment",
                            "warning")]
    steps, problems = [], []
    for item in node.children:
        step = item.value
        if not isinstance(step, str) or step not in entry_ids:
            problems.append(Problem(path, item.line, f"journey step '{step}' is not an FAQ entry id; "
                                    "'what comes next' skips it", "warning"))
        elif step in steps:
            problems.append(Problem(path, item.line, f"journey step '{step}' is listed twice", "warning"))
        else:
            steps.append(step)
    return steps, problems


def load_after_check(located: Located | None, path: Path, entry_ids: set[str]) -> tuple[str | None, list[Problem]]:
    """The FAQ entry id under `after_eligibility_check:` (None when absent or not an entry: then a follow-up
    to the summary is read on its own words). `located`: as for `load_journey`."""
    if located is None or not isinstance(located.value, dict) or "after_eligibility_check" not in located.value \
            or not entry_ids:
        return None, []
    node = located.children["after_eligibility_check"]
    if not isinstance(node.value, str) or node.value not in entry_ids:
        return None, [Problem(path, node.line, f"after_eligibility_check '{node.value}' is not an FAQ entry id; "
                              "a follow-up to the check's summary is read without it", "warning")]
    return node.value, []


def next_step(journey: list[str], topics_of_steps: list[str | None], entry_id: str, topic: str | None) -> str | None:
    """The step after the one the entry (or its topic) belongs to; None at the last step or off the journey."""
    if entry_id in journey:
        at = journey.index(entry_id)
    elif topic is not None and topic in topics_of_steps:
        at = topics_of_steps.index(topic)
    else:
        return None
    return journey[at + 1] if at + 1 < len(journey) else None
