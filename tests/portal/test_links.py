"""Portal links: what a reminder carries, and every way a link must not open."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from tests.members import member
from tests.portal.conftest import link_in, reminder
from tests.text import has_word
from typer.testing import CliRunner

from relance.audit import Event
from relance.cli import app
from relance.portal import links
from relance.portal.models import PortalLink


def test_a_reminder_email_carries_a_link_that_opens_the_customers_items(alpha, beta, client):
    email = reminder(alpha)
    path = link_in(email.text)
    assert path in email.html
    page = client.get(path)
    assert page.status_code == 200
    body = page.content.decode()
    assert "F1" in body
    assert "F2" in body
    assert not has_word(body, "G1")
    assert "Garage Beta" not in body
    assert "Vos échéances ouvertes" in body  # the customer's language, French
    assert "RF" in body
    assert "data:image/svg+xml" in body


def test_letters_and_sms_carry_the_same_link(alpha):
    path = link_in(reminder(alpha).text)
    assert path in link_in(reminder(alpha, "letter").html)
    assert path in reminder(alpha, "sms").text
    assert PortalLink.objects.filter(customer=alpha).count() == 1


def test_the_english_template_shows_the_link_too(beta):
    sms = reminder(beta, "sms")
    assert "Your account: https://relance.example/portal/" in sms.text


def test_without_a_stable_secret_key_messages_carry_no_link(alpha, settings):
    settings.SECRET_KEY_FROM_ENV = False
    assert "/portal/" not in reminder(alpha).text
    assert not PortalLink.objects.exists()


def test_the_language_switch_shows_the_page_in_english(portal, client):
    body = client.get(portal + "?lang=en").content.decode()
    assert "Your open items" in body
    assert "Promise a payment date" in body


def test_a_tampered_token_is_not_found_and_names_nobody(portal, client):
    token = portal.split("/")[2]
    changed = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    for path in (f"/portal/{changed}/", "/portal/not-a-token/", f"/portal/{token[:-1]}/"):
        page = client.get(path)
        assert page.status_code == 404
        assert "Alpha" not in page.content.decode()
        assert not has_word(page.content.decode(), "C1")


def test_no_portal_token_reaches_the_logs(portal, client, caplog):
    token = portal.split("/")[2]
    with caplog.at_level("DEBUG"):
        client.get(f"/portal/{token}/invoices/999999/")  # 404: Django logs its path
        client.get(f"/portal/{token[:-1]}/")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/portal/[token]/invoices/999999/" in logged
    assert token not in logged
    assert token[:-1] not in logged


def test_a_token_naming_another_customer_than_its_link_is_refused(alpha, beta, client):
    from django.core import signing

    link = links.create(alpha, actor="t")
    forged = signing.Signer(salt="other").sign_object({"c": beta.pk, "l": link.pk})
    assert client.get(f"/portal/{forged}/").status_code == 404
    # Well signed, but the link is Alpha's, not Beta's.
    mixed = signing.Signer(salt=links.SALT).sign_object({"c": beta.pk, "l": link.pk})
    assert client.get(f"/portal/{mixed}/").status_code == 404


def test_an_expired_link_is_gone(alpha, client):
    link = links.create(alpha, actor="t", days=1)
    path = links.url(link).removeprefix("https://relance.example")
    assert client.get(path).status_code == 200
    PortalLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    page = client.get(path)
    assert page.status_code == 410
    assert "Alpha" not in page.content.decode()


def test_a_revoked_link_is_gone_and_the_next_reminder_brings_a_new_one(alpha, portal, client):
    assert links.revoke(alpha, actor="alice") == 1
    assert client.get(portal).status_code == 410
    event = Event.objects.get(verb="portal.links_revoked")
    assert event.actor == "alice"
    assert event.subject_id == alpha.pk
    fresh = link_in(reminder(alpha).text)
    assert fresh != portal
    assert client.get(fresh).status_code == 200


def test_a_reminder_reuses_the_link_until_half_its_validity_is_left(alpha, settings):
    first = link_in(reminder(alpha).text)
    assert link_in(reminder(alpha).text) == first
    PortalLink.objects.update(expires_at=timezone.now() + timedelta(days=10))
    assert link_in(reminder(alpha).text) != first
    assert PortalLink.objects.count() == 2  # the old one still opens until it expires


def test_the_command_line_makes_and_revokes_links(alpha, client):
    runner = CliRunner()
    made = runner.invoke(app, ["portal", "link", "C1", "--days", "5", "--json"])
    assert made.exit_code == 0, made.output
    data = json.loads(made.stdout)
    path = data["url"].removeprefix("https://relance.example")
    assert client.get(path).status_code == 200
    assert PortalLink.objects.get().created_by == "cli"
    revoked = runner.invoke(app, ["portal", "revoke", "C1"])
    assert revoked.exit_code == 0
    assert "1 link(s) of C1 revoked" in revoked.stdout
    assert client.get(path).status_code == 410
    assert runner.invoke(app, ["portal", "link", "C1", "--days", "0"]).exit_code == 1


def test_the_command_line_refuses_a_link_without_a_stable_key(alpha, settings):
    settings.SECRET_KEY_FROM_ENV = False
    result = CliRunner().invoke(app, ["portal", "link", "C1"])
    assert result.exit_code == 1
    assert "RELANCE_SECRET_KEY" in result.output
    assert not PortalLink.objects.exists()


def test_the_customer_page_shows_copies_renews_and_revokes_the_link(alpha, portal, client):

    client.force_login(member("alice", password="x" * 12))
    page = client.get("/customers/C1/").content.decode()
    assert "https://relance.example" + portal in page
    client.post("/portal/manage/new/C1")
    assert PortalLink.objects.filter(customer=alpha, created_by="alice").exists()
    client.post("/portal/manage/revoke/C1")
    assert not links.active(alpha)
    assert Client().get(portal).status_code == 410


def test_the_manager_pages_need_a_login(alpha):
    response = Client().post("/portal/manage/revoke/C1")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("limit", [3])
def test_too_many_requests_from_one_address_are_refused(portal, client, settings, limit):
    settings.PORTAL_RATE_PER_MINUTE = limit
    codes = [client.get(portal).status_code for _ in range(limit + 1)]
    assert codes == [200] * limit + [429]


def test_guessing_tokens_is_limited_per_address_too(alpha, client, settings):
    settings.PORTAL_RATE_PER_MINUTE = 2
    codes = [client.get(f"/portal/guess{n}/").status_code for n in range(3)]
    assert codes == [404, 404, 429]


def test_previews_call_scripts_and_downloaded_statements_make_no_link(alpha, client):
    from django.urls import reverse
    from tests.channels.conftest import queue

    from relance.channels import documents

    client.force_login(member("alice", password="x" * 12))
    preview_url = reverse("template-preview", args=["first_reminder", "fr"])
    form = {"customer": "C1", "subject": "Rappel", "body": "Lien : {{ portal_url }}", "closing": ""}
    call = queue(alpha, "call", ["call"], timezone.localdate())
    call.status, call.mode = "planned", "task"
    call.save()

    def render_all() -> str:
        preview = client.post(preview_url, form).content.decode()
        script = client.get(reverse("call", args=[call.pk])).content.decode()
        today = timezone.localdate()
        statement = documents.compose(documents.statement_facts(alpha, today, "fr", "EUR"),
                                      channel="statement", creditor=alpha.creditor)  # fmt: skip
        return preview + script + statement.html

    assert "/portal/" not in render_all()
    assert not PortalLink.objects.exists()
    assert not Event.objects.filter(verb="portal.link_created").exists()
    # Once a sent reminder has made one, they show that link.
    path = link_in(reminder(alpha).text)
    assert path in render_all()
    assert PortalLink.objects.count() == 1
