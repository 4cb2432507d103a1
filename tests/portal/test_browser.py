"""The portal in a real browser: Debian's Chromium, headless, driven by Playwright.

A debtor opens the link of a rendered reminder, promises a date for one invoice and
disputes another with a comment and an attachment; a credit manager then logs in and
finds both on the worklist and on the customer page.

Set RELANCE_SCREENSHOTS=1 to refresh docs/screenshots/ (desktop and phone sizes).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import formats, timezone, translation
from tests.chromium import needs_chromium, shot
from tests.members import member
from tests.portal.conftest import business_day, reminder

from relance.channels import documents
from relance.collection.services import run_collection

pytestmark = needs_chromium


def test_a_debtor_promises_and_disputes_and_the_credit_manager_sees_it(
    browser, live_server, alpha, settings, tmp_path
):
    settings.BASE_URL = live_server.url
    text = reminder(alpha).text
    link = next(w for w in text.split() if w.startswith(live_server.url + "/portal/"))

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
        has_touch=True, locale="fr-FR",
    )  # fmt: skip
    page = phone.new_page()
    page.goto(link)
    assert page.locator("h2").first.inner_text().startswith("Vos échéances ouvertes")
    shot(page, "portal-phone", tmp_path)

    until = timezone.localdate() + timedelta(days=10)
    promise = page.locator("form#promise")
    promise.get_by_label("F1").check()
    promise.locator("input[name=until]").fill(until.isoformat())
    promise.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "votre promesse est enregistrée" in page.locator(".messages").inner_text()

    proof = tmp_path / "bon-de-livraison.pdf"
    proof.write_bytes(documents.pdf("<p>Bon de livraison 4711</p>"))
    dispute = page.locator("form#dispute")
    dispute.get_by_label("F2").check()
    dispute.locator("select[name=reason]").select_option("not_delivered")
    dispute.locator("textarea[name=comment]").fill("Colis jamais reçu")
    dispute.locator("input[name=attachment]").set_input_files(str(proof))
    dispute.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "contestation est enregistrée" in page.locator(".messages").inner_text()
    assert "F2\nen litige" in page.locator("#items").inner_text()
    phone.close()

    desktop = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = desktop.new_page()
    page.goto(link + "?lang=en")
    assert "payment promised for" in page.locator("#items").inner_text()
    shot(page, "portal-desktop", tmp_path)

    # The credit manager: the next run holds both items, the pages say why.
    day = business_day()
    run_collection(alpha.creditor, day, actor="t")
    member("alice", password="correct horse battery")
    page.goto(live_server.url + "/login/")
    page.locator("input[name=username]").fill("alice")
    page.locator("input[name=password]").fill("correct horse battery")
    page.locator("form [type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/worklist/?date={day.isoformat()}")
    page.get_by_role("link", name="The customers the run left out, and why").click()
    page.wait_for_load_state()
    rows = page.locator("tr", has_text="C1").all_inner_texts()
    assert any("promise" in r and "F1" in r for r in rows), rows
    assert any("dispute" in r and "F2" in r for r in rows), rows
    page.goto(live_server.url + "/customers/C1/")
    body = page.locator("body").inner_text()
    assert "F2" in body
    with translation.override("en"):  # the browser asks for en-GB: Django's English
        assert formats.date_format(until, "SHORT_DATE_FORMAT") in body
    assert "portal" in body  # the timeline's actor
    desktop.close()
