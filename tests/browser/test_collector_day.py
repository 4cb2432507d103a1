"""A collector's day in a real browser: after logging in she lands on her worklist, sees
only her own customers' work, records the call the run planned, and cannot open a
customer of someone else's portfolio."""

from __future__ import annotations

from datetime import timedelta

from tests.browser.test_credit_manager_day import PASSWORD, day  # noqa: F401 (fixture)
from tests.chromium import needs_chromium
from tests.members import member

from relance.accounts.services import assign_collector
from relance.collection.models import Action, Promise
from relance.ledger.models import Customer

pytestmark = needs_chromium


def test_a_collector_works_her_own_portfolio_and_nothing_else(browser, live_server, day):  # noqa: F811
    paula = member("paula", password=PASSWORD, role="collector")
    assign_collector(Customer.objects.get(code="C2"), paula, actor="test")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("paula")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form [type=submit]").click()
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/worklist/?date={day.isoformat()}")
    body = page.locator("body").inner_text()
    assert "Garage Beta" in body
    assert "Boulangerie Alpha" not in body  # C1's letter is not hers to approve
    assert "Cave Gamma" not in body

    page.get_by_role("link", name="call", exact=True).click()
    page.wait_for_load_state()
    page.get_by_label("promised to pay").check()
    page.locator("input[name=promise_date]").fill((day + timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Record the call").click()
    page.wait_for_load_state()
    call = Action.objects.get(customer__code="C2", channel="call")
    assert call.status == "sent"
    assert Promise.objects.get(customer__code="C2").recorded_by == "paula"

    mine = page.goto(live_server.url + "/customers/C2/")
    assert mine is not None
    assert mine.status == 200
    other = page.goto(live_server.url + "/customers/C1/")
    assert other is not None
    assert other.status == 404
    context.close()
