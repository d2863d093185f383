"""The reply contract is owned by bot/contract.py: domain.yml's fixed payloads and the gateway's reply obey it."""
from __future__ import annotations

import re

import yaml

from bot import contract
from bot.content.checks import check_replies
from bot.settings import Paths

PATHS = Paths()


def domain_payloads():
    domain = yaml.safe_load(PATHS.domain_file.read_text(encoding="utf-8"))
    for name, variations in domain["responses"].items():
        for variation in variations:
            if "custom" in variation:
                yield name, variation["custom"]


def test_every_fixed_payload_in_the_domain_obeys_the_contract():
    found = list(domain_payloads())
    assert any(name == "utter_emergency" for name, _ in found)
    for name, body in found:
        assert contract.check_payload(body) == [], name


def test_the_check_catches_a_broken_payload():
    assert contract.check_payload({"kind": "answr", "topic": None, "faq_id": None, "score": None, "sources": []})
    assert contract.check_payload({"kind": "answer"})
    assert contract.check_payload({"kind": "answer", "topic": "x", "faq_id": "x-y", "score": 1, "sources": []})


def test_unknown_kinds_are_refused():
    import pytest

    with pytest.raises(ValueError):
        contract.payload("advice")


def test_the_back_end_down_reply_carries_the_contact_and_the_emergency_wording():
    reply = contract.unavailable_reply({"name": "N", "role": "R", "phone": "1", "email": "e", "extra": "x"})
    assert len(reply) == 1 and "911" in reply[0]["text"]
    body = reply[0]["custom"]
    assert contract.check_payload(body) == [] and body["kind"] == "handoff" and body["reason"] == "unavailable"
    assert set(body["contact"]) == set(contract.CONTACT_FIELDS)


def test_every_fixed_reply_has_a_review_record():
    assert check_replies(PATHS.domain_file, PATHS.reply_reviews_file) == []


def test_a_reply_without_a_review_record_is_reported(tmp_path):
    reviews = yaml.safe_load(PATHS.reply_reviews_file.read_text(encoding="utf-8"))
    reviews["replies"].pop("utter_emergency")
    reviews["replies"]["utter_nonexistent"] = {"reviewed": "2026-12-01", "reviewer": "x"}
    broken = tmp_path / "reply_reviews.yml"
    broken.write_text(yaml.safe_dump(reviews), encoding="utf-8")
    messages = [p.message for p in check_replies(PATHS.domain_file, broken)]
    assert any("utter_emergency" in m and "no review record" in m for m in messages)
    assert any("utter_nonexistent" in m for m in messages)


def test_the_widget_shows_the_contact_for_the_contracts_kinds():
    # embed.js is plain JavaScript served as a file; its one list of kinds must follow bot/contract.py.
    script = (PATHS.root / "gateway" / "static" / "embed.js").read_text(encoding="utf-8")
    found = re.search(r"var CONTACT_KINDS = \[([^\]]*)\];", script)
    assert found, "embed.js no longer declares CONTACT_KINDS"
    assert tuple(re.findall(r'"([a-z_]+)"', found.group(1))) == contract.CONTACT_KINDS
