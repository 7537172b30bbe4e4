"""The feedback page in a real browser (Debian Chromium through Playwright) on a 360 x 740 phone
screen, with and without JavaScript: open the link, rate, submit, see the thank-you page.
Screenshots go to $FRESHPLAN_TEST_ARTIFACTS (test-artifacts/ by default)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from tests.conftest import ROOT
from tests.feedback_support import Feedback

CHROMIUM = "/usr/bin/chromium"
PHONE: ViewportSize = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


@pytest.fixture
def artifacts() -> Path:
    directory = Path(os.environ.get("FRESHPLAN_TEST_ARTIFACTS", ROOT / "test-artifacts"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def assert_fits_the_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"horizontal scrolling: the page is {width} px wide"


def assert_every_input_is_labelled(page: Page) -> None:
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
            .filter(el => !(el.labels && el.labels.length > 0 && el.labels[0].innerText.trim()))
            .map(el => el.name || el.id)"""
    )
    assert unlabelled == []


def assert_touch_targets(page: Page) -> None:
    small = page.evaluate(
        """() => [...document.querySelectorAll(
                'label.star, .choice label, button, select, input[type=text], textarea')]
            .map(el => el.getBoundingClientRect())
            .filter(r => r.height < 44)
            .length"""
    )
    assert small == 0, "touch targets must be at least 44 px high"


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_chef_gives_feedback_on_the_phone(
    browser: Browser, feedback: Feedback, artifacts: Path, javascript: bool
) -> None:
    phase = feedback.start_phase()
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=javascript, locale="de-DE", is_mobile=True
    )
    page = context.new_page()
    name = "with-js" if javascript else "without-js"
    try:
        response = page.goto(phase["feedback_link"])
        assert response is not None
        assert response.status == 200
        assert page.locator("html").get_attribute("lang") == "de"
        assert "Gasthof Zum Adler" in page.inner_text("main")
        assert_fits_the_phone(page)
        assert_every_input_is_labelled(page)
        assert_touch_targets(page)
        page.screenshot(path=artifacts / f"feedback-form-{name}.png", full_page=True)

        # Submitting without stars but with a comment: an inline error, nothing lost
        page.get_by_label("Kommentar zu Kartoffelgratin").fill("Etwas zu salzig")
        with page.expect_navigation():
            page.get_by_role("button", name="Feedback senden").click()
        assert page.get_by_role("alert").is_visible()
        assert "Bitte vergeben Sie 1 bis 5 Sterne." in page.inner_text("main")
        assert page.get_by_label("Kommentar zu Kartoffelgratin").input_value() == "Etwas zu salzig"
        assert_fits_the_phone(page)
        page.screenshot(path=artifacts / f"feedback-errors-{name}.png", full_page=True)

        gratin = page.get_by_role("region", name="Kartoffelgratin")
        gratin.get_by_role("group", name="Ihre Bewertung für Kartoffelgratin").get_by_text(
            "4 Sterne"
        ).click()
        gratin.get_by_role("group", name="Würden Sie nachbestellen?").get_by_label("Ja").check()
        page.get_by_role("group", name="Ihre Bewertung für Rinderroulade, vorgegart").get_by_text(
            "5 Sterne"
        ).click()
        page.get_by_label("Ihr Name").fill("Karl Koch")
        page.get_by_label("Ihre Funktion").select_option("CHEF")
        page.get_by_label("Was möchten Sie uns sonst noch sagen?").fill("Gern mehr davon!")
        with page.expect_navigation():
            page.get_by_role("button", name="Feedback senden").click()

        assert page.get_by_role("heading", name="Vielen Dank für Ihr Feedback!").is_visible()
        assert_fits_the_phone(page)
        page.screenshot(path=artifacts / f"feedback-thanks-{name}.png", full_page=True)
    finally:
        context.close()

    stored = feedback.sql(
        "select f.sku, f.rating, f.would_reorder, f.comment, f.contact_name, f.contact_role,"
        " s.comment from app.product_feedback as f"
        " join app.feedback_submissions as s on s.id = f.submission_id order by f.sku"
    )
    assert stored == [
        ("CF-1001", 5, None, None, "Karl Koch", "CHEF", "Gern mehr davon!"),
        ("CF-1002", 4, True, "Etwas zu salzig", "Karl Koch", "CHEF", "Gern mehr davon!"),
    ]


def test_keyboard_only(browser: Browser, feedback: Feedback) -> None:
    phase = feedback.start_phase(skus=("CF-3001",))
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(phase["feedback_link"])
        page.focus("#items-0-rating-1")
        page.keyboard.press("ArrowRight")  # radio group: 1 -> 2 stars
        page.keyboard.press("ArrowRight")  # 3 stars
        page.focus("button[type=submit]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.get_by_role("heading", name="Vielen Dank für Ihr Feedback!").is_visible()
    finally:
        context.close()
    assert feedback.sql("select sku, rating from app.product_feedback") == [("CF-3001", 3)]
