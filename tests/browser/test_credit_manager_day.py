"""A credit manager's day in a real browser (Chromium through Playwright, tests.chromium).

She logs in, finds the day's run on the worklist, approves the letter waiting for her,
makes the call the run planned and records the promise she got, opens the customer's
page and finds the call and the promise on it, then sees the results on the worklist.
With RELANCE_SCREENSHOTS=1 the main pages are saved in docs/screenshots/ (1280x800).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from tests.chromium import needs_chromium, shot
from tests.members import member
from tests.portal.conftest import business_day

from relance.collection.models import Action, Scenario
from relance.collection.services import run_collection
from relance.ledger.models import Creditor, Customer, Invoice

pytestmark = needs_chromium

PASSWORD = "correct horse battery"


def _customer(creditor: Creditor, code: str, name: str, day: date, *late: int) -> Customer:
    customer = Customer.objects.create(
        creditor=creditor, code=code, name=name, email=f"compta@{code.lower()}.example",
        phone="+33 4 72 00 00 00", address="1 rue Haute", postal_code="69001", city="Lyon",
        language="en",
    )  # fmt: skip
    for n, days in enumerate(late, 1):
        Invoice.objects.create(
            creditor=creditor, customer=customer, number=f"{code}-{n}",
            issue_date=day - timedelta(days=days + 30), due_date=day - timedelta(days=days),
            amount=150000 * n, open_amount=150000 * n, status="open", currency="EUR",
        )  # fmt: skip
    return customer


@pytest.fixture
def day(creditor) -> date:  # type: ignore[no-untyped-def]
    """The day's run done: a reminder to approve (C1), a call to make (C2), emails."""
    today = business_day()
    key_account = _customer(creditor, "C1", "Boulangerie Alpha", today, 32)
    # Its first reminder waits for a person's approval.
    key_account.scenario = Scenario.objects.get(creditor=creditor, key="key_account")
    key_account.save()
    _customer(creditor, "C2", "Garage Beta", today, 12, 11)
    _customer(creditor, "C3", "Cave Gamma", today, 4)
    # A week earlier (the same weekday) C2 got its first reminder; today comes the call.
    run_collection(creditor, today - timedelta(days=7), actor="scheduler")
    run_collection(creditor, today, actor="scheduler")
    return today


def _log_in(page: Any, url: str) -> None:
    member("claire", password=PASSWORD)
    page.goto(url + "/login/")
    page.get_by_label("Username").fill("claire")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form [type=submit]").click()
    page.wait_for_load_state()


def test_a_credit_manager_approves_calls_and_finds_it_all_on_the_customer_page(
    browser, live_server, day, tmp_path
):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    _log_in(page, live_server.url)
    worklist = f"{live_server.url}/worklist/?date={day.isoformat()}"
    page.goto(worklist)
    shot(page, "worklist", tmp_path, full_page=False)

    # The letter waiting for approval.
    letter = Action.objects.get(customer__code="C1")
    assert letter.status == "awaiting_approval"
    page.get_by_role("checkbox", name="C1", exact=True).check()
    page.get_by_role("button", name="Approve selected").click()
    page.wait_for_load_state()
    assert "1 actions updated." in page.locator(".message").first.inner_text()
    letter.refresh_from_db()
    assert letter.status == "queued"

    # The call: the script, then the outcome.
    page.get_by_role("link", name="call", exact=True).click()
    page.wait_for_load_state()
    assert "Garage Beta" in page.locator("body").inner_text()
    until = day + timedelta(days=7)
    page.get_by_label("promised to pay").check()
    page.locator("input[name=promise_date]").fill(until.isoformat())
    page.locator("select[name=invoice]").select_option("C2-2")
    page.locator("textarea[name=note]").fill("Cheque in the post next week")
    page.get_by_role("button", name="Record the call").click()
    page.wait_for_load_state()

    # The customer page: the call, the promise and the timeline.
    page.goto(live_server.url + "/customers/C2/")
    body = page.locator("body").inner_text()
    assert "call: promised to pay · Cheque in the post next week (claire)" in body
    promises = page.locator("h3:has-text('Promises to pay') ~ table").first.inner_text()
    assert "C2-2" in promises
    timeline = page.locator("h2:has-text('Timeline') + ul").inner_text()
    assert "(scheduler)" in timeline
    assert "(claire)" in timeline
    shot(page, "customer", tmp_path, full_page=False)

    # Back on the worklist: nothing left to approve or to call, the call done.
    page.goto(worklist)
    body = page.locator("body").inner_text()
    assert "To approve" not in body
    assert "Calls to make" not in body
    row = page.locator("tr", has_text="Garage Beta").first.inner_text()
    assert "sent\npromise" in row, row

    for name, path in [
        ("dashboard", "/dashboard/"), ("aging", "/reports/aging/"), ("matching", "/matching/"),
    ]:  # fmt: skip
        page.goto(live_server.url + path)
        assert page.locator("h1").count() == 1
        shot(page, name, tmp_path, full_page=False)
    context.close()
