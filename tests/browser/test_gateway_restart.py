"""The gateway is killed and restarted by supervisord in the middle of the eligibility check; the same
page (the same session token, kept by the widget) carries on with the next question of the check."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_widget import REPLY_TIMEOUT_MS, ask, open_widget_by_keyboard

pytestmark = [pytest.mark.browser, pytest.mark.stack]

# Only bounds the wait: supervisord has the gateway serving again within seconds.
RESTART_DEADLINE_S = 120


def asked(page, text: str) -> tuple[str, dict]:
    """Ask in the widget; the session token and the payload of the gateway's answer."""
    with page.expect_response(lambda r: r.url.endswith("/api/messages"), timeout=REPLY_TIMEOUT_MS) as response:
        ask(page, text)
    body = response.value.json()
    [payload] = [m["custom"] for m in body["messages"] if "custom" in m]
    return body["session"], payload


def test_the_eligibility_check_continues_across_a_gateway_restart(open_page, supervised):
    page, _ = open_page(1280, 900)
    page.goto(supervised.gateway_url + "/")
    open_widget_by_keyboard(page)
    session, payload = asked(page, "can you check if my child qualifies for kymriah")
    assert payload.get("asking") == "patient_age", payload
    same, payload = asked(page, "12")
    assert same == session and payload.get("asking") == "diagnosis", payload

    old_pid = supervised.kill("gateway")
    supervised.wait_restarted("gateway", old_pid, RESTART_DEADLINE_S)

    same, payload = asked(page, "B-cell ALL")
    assert same == session, "the restarted gateway gave this page a new session"
    assert payload.get("asking") == "disease_status", payload  # the age was kept: the check moved on
    expect(page.locator(".kyw-log > li.kyw-bot").last).to_contain_text("Where is the leukemia now?")
    same, payload = asked(page, "refractory")
    assert same == session and payload["kind"] == "eligibility" and payload["in_line_with_label"] is True, payload
    expect(page.locator(".kyw-log")).to_contain_text("in line with that approved use")
