"""The chat widget in a real browser (Debian's Chromium through Playwright): keyboard use, answers with
their source, quick replies, the urgent reply, text-only rendering, axe-core at 1280 and 360 px."""
from __future__ import annotations

import json
import threading

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

QUESTION = "What is apheresis?"
EMERGENCY = "my son has a fever of 103 right now"
XSS = "<img src=x onerror=alert(1)>"
URGENT_RED = "rgb(161, 19, 29)"
REPLY_TIMEOUT_MS = 60_000


# ---------------------------------------------------------------------------------------------- helpers


def tab_to(page: Page, selector: str, max_presses: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus (keyboard only)."""
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def focused_matches(page: Page, selector: str) -> bool:
    return page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector)


def bot_items(page: Page):
    return page.locator(".kyw-log > li.kyw-bot")


def wait_for_reply(page: Page, before: int) -> None:
    """Wait until the widget is no longer busy and at least one new bot item is shown."""
    page.wait_for_function(
        "(n) => document.querySelectorAll('.kyw-log > li.kyw-bot').length > n"
        " && document.querySelector('.kyw-typing').hidden",
        arg=before,
        timeout=REPLY_TIMEOUT_MS,
    )


def ask(page: Page, text: str) -> None:
    """Type a question into the widget and press Enter; wait for the reply."""
    before = bot_items(page).count()
    page.locator(".kyw-input").fill(text)
    page.locator(".kyw-input").press("Enter")
    wait_for_reply(page, before)


def show_in_log(page: Page, selector: str) -> None:
    """Scroll the conversation (not the page) so that the last element matching `selector` is at its top."""
    page.locator(selector).last.evaluate(
        "(item) => { const log = item.closest('.kyw-log');"
        " log.style.scrollBehavior = 'auto';"
        " log.scrollTop += item.getBoundingClientRect().top - log.getBoundingClientRect().top - 8; }"
    )


def run_axe(page: Page) -> list[dict]:
    violations = page.evaluate(
        """async () => {
            const result = await window.axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '')),
            }));
        }"""
    )
    return violations


def assert_no_csp_violations(page: Page) -> None:
    watched = page.evaluate("() => window.__kyw")
    assert watched["csp"] == [], watched["csp"]
    assert watched["errors"] == [], watched["errors"]


def open_widget_by_keyboard(page: Page) -> None:
    launcher = page.locator(".kyw-launcher")
    expect(launcher).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    tab_to(page, ".kyw-launcher")
    page.keyboard.press("Enter")
    expect(page.locator(".kyw-panel")).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    assert focused_matches(page, ".kyw-input"), "focus did not move into the panel's input"


# ---------------------------------------------------------------------------------------------- tests


def test_demo_page_and_widget_by_keyboard_at_1280(open_page, gateway_url, backend, screenshot_path):
    page, events = open_page(1280, 900)
    page.goto(gateway_url + "/")
    expect(page).to_have_title("Gene Therapy Program — KYMRIAH CAR T-cell therapy")
    page.screenshot(path=screenshot_path("page-desktop-1280.png"))

    # The launcher shows a visible focus indicator when reached with Tab.
    tab_to(page, ".kyw-launcher")
    outline = page.evaluate("() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; }")
    assert outline[0] != "none" and outline[1] != "0px", outline
    page.keyboard.press("Enter")
    expect(page.locator(".kyw-panel")).to_be_visible()
    assert focused_matches(page, ".kyw-input")
    live = page.locator(".kyw-panel [aria-live='polite']")
    expect(live).to_have_count(1)

    # A question: the answer, its source as an https link with the reviewed date, and an announcement.
    ask(page, QUESTION)
    # Pin this answer by position: `.last` would re-resolve to a later answer after the quick reply.
    answer = page.locator("li.kyw-kind-answer").nth(page.locator("li.kyw-kind-answer").count() - 1)
    expect(answer).to_be_visible()
    source_link = answer.locator(".kyw-source a.kyw-link").first
    expect(source_link).to_be_visible()
    assert source_link.get_attribute("href").startswith("https://")
    assert source_link.inner_text().strip()
    expect(answer.locator(".kyw-reviewed")).to_contain_text("Reviewed")
    expect(live).not_to_have_text("", timeout=5_000)

    # A quick reply, pressed with the keyboard.
    chip = answer.locator("button.kyw-chip").first
    expect(chip).to_be_enabled()
    title = chip.inner_text().strip()
    chip.focus()
    before = bot_items(page).count()
    page.keyboard.press("Enter")
    expect(page.locator("li.kyw-user .kyw-bubble").last).to_have_text(title)
    wait_for_reply(page, before)
    expect(chip).to_be_disabled()
    expect(chip).to_have_attribute("aria-pressed", "true")
    assert focused_matches(page, ".kyw-input")

    # The urgent reply cannot be missed: role=alert, "Urgent" heading, strong red, contact links.
    ask(page, EMERGENCY)
    alert = page.locator(".kyw-emergency[role='alert']").last
    expect(alert).to_be_visible()
    expect(alert.locator(".kyw-emergency-head")).to_have_text("Urgent")
    expect(alert).to_have_attribute("aria-live", "assertive")
    assert alert.evaluate("e => getComputedStyle(e).borderTopColor") == URGENT_RED
    assert alert.locator(".kyw-emergency-head").evaluate("e => getComputedStyle(e).backgroundColor") == URGENT_RED
    contact = alert.locator(".kyw-contact")
    if not backend.real or contact.count():
        expect(contact.locator("a[href^='tel:']")).to_have_count(1)
        expect(contact.locator("a[href^='mailto:']")).to_have_count(1)

    # What the user typed is shown as text: no element is created and no dialog opens.
    ask(page, XSS)
    expect(page.locator("li.kyw-user .kyw-bubble").last).to_have_text(XSS)
    assert page.locator(".kyw-root img").count() == 0
    page.wait_for_timeout(500)
    assert events.dialogs == []

    # axe-core with the panel open and messages in it.
    violations = run_axe(page)
    assert violations == [], json.dumps(violations, indent=2)
    page.evaluate("() => window.scrollTo(0, 0)")
    show_in_log(page, "li.kyw-kind-answer")
    page.screenshot(path=screenshot_path("desktop-1280.png"))
    show_in_log(page, "li.kyw-kind-emergency")
    page.screenshot(path=screenshot_path("desktop-1280-urgent.png"))

    # Escape closes the panel and gives the focus back to the launcher.
    page.locator(".kyw-input").focus()
    page.keyboard.press("Escape")
    expect(page.locator(".kyw-panel")).to_be_hidden()
    assert focused_matches(page, ".kyw-launcher")
    assert_no_csp_violations(page)


def test_widget_at_360px(open_page, gateway_url, screenshot_path):
    page, events = open_page(360, 780)
    page.goto(gateway_url + "/")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    page.screenshot(path=screenshot_path("page-mobile-360.png"))
    violations = run_axe(page)
    assert violations == [], json.dumps(violations, indent=2)

    open_widget_by_keyboard(page)
    box = page.locator(".kyw-panel").bounding_box()
    assert box["width"] == 360 and box["x"] == 0, box
    # the panel covers the screen, so it is modal: Tab and Shift+Tab stay inside it
    expect(page.locator(".kyw-panel")).to_have_attribute("aria-modal", "true")
    for _ in range(12):
        page.keyboard.press("Tab")
        assert page.evaluate("() => !!document.activeElement.closest('.kyw-panel')")
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("() => !!document.activeElement.closest('.kyw-panel')")
    page.locator(".kyw-input").focus()
    ask(page, QUESTION)
    expect(page.locator("li.kyw-kind-answer .kyw-source a.kyw-link").first).to_be_visible()
    ask(page, EMERGENCY)
    expect(page.locator(".kyw-emergency[role='alert']").last).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    # nothing in the panel is wider than the screen
    overflow = page.evaluate(
        "() => [...document.querySelectorAll('.kyw-panel *')].filter(e => e.getBoundingClientRect().right > 361).map(e => e.className)"
    )
    assert overflow == [], overflow

    violations = run_axe(page)
    assert violations == [], json.dumps(violations, indent=2)
    show_in_log(page, "li.kyw-kind-answer")
    page.screenshot(path=screenshot_path("mobile-360.png"))
    show_in_log(page, "li.kyw-kind-emergency")
    page.screenshot(path=screenshot_path("mobile-360-urgent.png"))

    page.keyboard.press("Escape")
    expect(page.locator(".kyw-panel")).to_be_hidden()
    assert focused_matches(page, ".kyw-launcher")
    assert events.dialogs == []
    assert_no_csp_violations(page)


def test_start_over_clears_the_conversation(open_page, gateway_url, backend):
    page, _ = open_page(1280, 900)
    page.goto(gateway_url + "/")
    open_widget_by_keyboard(page)
    ask(page, QUESTION)
    expect(page.locator("li.kyw-user")).to_have_count(1)
    page.get_by_role("button", name="Start over").click()
    expect(page.locator("li.kyw-user")).to_have_count(0)
    expect(page.locator("li.kyw-welcome")).to_have_count(1)
    assert focused_matches(page, ".kyw-input")
    expect(page.locator(".kyw-typing")).to_be_hidden(timeout=REPLY_TIMEOUT_MS)
    if not backend.real:
        assert backend.stub.texts[-1] == "/restart"


def test_full_page_chat_for_a_portal_iframe(open_page, gateway_url, screenshot_path):
    page, events = open_page(800, 700)
    page.goto(gateway_url + "/chat")
    expect(page.locator(".kyw-root.kyw-inline")).to_be_visible()
    expect(page.locator(".kyw-launcher")).to_have_count(0)
    expect(page.locator(".kyw-input")).to_be_focused()
    ask(page, QUESTION)
    expect(page.locator("li.kyw-kind-answer")).to_have_count(1)
    violations = run_axe(page)
    assert violations == [], json.dumps(violations, indent=2)
    page.screenshot(path=screenshot_path("chat-page-800.png"))
    assert_no_csp_violations(page)


def test_back_end_down_shows_the_program_contact(open_page, start_gateway, screenshot_path, unused_tcp_port):
    dead = f"http://127.0.0.1:{unused_tcp_port}"
    gateway = start_gateway(dead, dead, "backend-down")
    page, _ = open_page(360, 780)
    page.goto(gateway.url + "/")
    open_widget_by_keyboard(page)
    ask(page, QUESTION)
    handoff = page.locator("li.kyw-kind-handoff").last
    expect(handoff).to_contain_text("not available right now")
    expect(handoff.locator(".kyw-contact")).to_contain_text("Colleen Dansereau, RN")
    expect(handoff.locator("a[href='tel:6179197008']")).to_have_count(1)
    expect(handoff.locator("a[href='mailto:colleen.dansereau@childrens.harvard.edu']")).to_have_count(1)
    violations = run_axe(page)
    assert violations == [], json.dumps(violations, indent=2)
    page.screenshot(path=screenshot_path("mobile-360-unavailable.png"))


@pytest.mark.parametrize("allowed", [True, False], ids=["allowed-origin", "foreign-origin"])
def test_embedding_on_another_origin_follows_allowed_origins(
    open_page, backend, start_gateway, serve_page, allowed
):
    host_origin, set_page = serve_page()  # localhost while the gateway is on 127.0.0.1: another origin
    gateway = start_gateway(
        backend.rasa_url,
        backend.actions_url,
        f"embed-{'allowed' if allowed else 'foreign'}",
        ALLOWED_ORIGINS=host_origin if allowed else "https://some-other-site.example",
    )
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Portal</title></head><body>"
        "<main><h1>Patient portal</h1><p>Embedded widget test.</p></main>"
        f"<script src='{gateway.url}/embed.js' data-position='left' data-title='Ask us' defer></script>"
        "</body></html>"
    )
    set_page(html)
    page, _ = open_page(1280, 800)
    page.goto(host_origin + "/")
    open_widget_by_keyboard(page)
    expect(page.locator(".kyw-title")).to_have_text("Ask us")
    assert page.locator(".kyw-launcher").bounding_box()["x"] < 640  # data-position="left"
    ask(page, QUESTION)
    if allowed:
        expect(page.locator("li.kyw-kind-answer")).to_have_count(1)
        violations = run_axe(page)
        assert violations == [], json.dumps(violations, indent=2)
    else:
        # the gateway refuses the foreign origin (403) and the browser withholds the reply
        expect(page.locator("li.kyw-notice").last).to_contain_text("couldn't reach")
        expect(page.locator("li.kyw-kind-answer")).to_have_count(0)


def test_hostile_bot_content_stays_inert(open_page, gateway_url, backend):
    """Markup from the back end is shown as text; only https:, tel: and mailto: URLs that parse become links."""
    if backend.real:
        pytest.skip("needs the stub's hostile reply")
    page, events = open_page(1280, 900)
    page.goto(gateway_url + "/")
    open_widget_by_keyboard(page)
    markup = "<b>bold</b><script>alert('text')</script><img src=x onerror=alert('img')>"
    ask(page, "show unsafe links")
    answer = page.locator("li.kyw-kind-answer").last
    expect(answer.locator(".kyw-bubble").first).to_have_text(markup)
    expect(answer.locator(".kyw-source-title")).to_have_text(["javascript source", "plain http source", "data source"])
    expect(answer.locator(".kyw-reviewed")).to_have_count(0)
    ask(page, "show unsafe contact")
    handoff = page.locator("li.kyw-kind-handoff").last
    expect(handoff.locator(".kyw-bubble").first).to_have_text(markup)
    expect(handoff.locator(".kyw-contact-name")).to_have_text("<img src=x onerror=alert('name')>")
    assert page.locator(".kyw-root img, .kyw-root script, .kyw-root b").count() == 0
    hrefs = page.locator(".kyw-root a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == [], hrefs
    page.wait_for_timeout(300)
    assert events.dialogs == []
    assert_no_csp_violations(page)


def test_concurrent_conversations_are_separate(gateway_url):
    """Two conversations at once get different sessions (the gateway issues them)."""
    import urllib.request

    sessions = []

    def ask_once():
        request = urllib.request.Request(
            gateway_url + "/api/messages",
            data=json.dumps({"text": QUESTION}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=60) as resp:
            sessions.append(json.load(resp)["session"])

    threads = [threading.Thread(target=ask_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(sessions)) == 2
