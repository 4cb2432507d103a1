"""The hand-off in the web app: from the worklist and the customer page to the case
page, its dossier, the payments reported and the closing; partners."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse
from tests.members import member

from relance.collection.models import Action
from relance.handoff.models import Case, Partner
from relance.ledger.templatetags.money import format_money

from .conftest import HANDOFF_DAY, queue


@pytest.fixture
def web(client, debtor):  # type: ignore[no-untyped-def]
    client.force_login(member("alice", password="x" * 12))
    return client


def test_pages_need_a_login(client, debtor):
    assert client.get(reverse("handoff-cases")).status_code == 302


def test_a_hand_off_action_of_the_worklist_leads_to_the_form_and_is_done(web, debtor, agency):
    action = queue(
        debtor, "handoff", ["handoff"], HANDOFF_DAY, mode="approval", status="awaiting_approval",
        terminal=True,
    )  # fmt: skip
    worklist = web.get(reverse("worklist"), {"date": HANDOFF_DAY.isoformat()}).content.decode()
    link = f"{reverse('handoff-new', args=['C001'])}?action={action.pk}"
    assert link in worklist
    form = web.get(link).content.decode()
    assert "Recouvrement Rhône" in form
    response = web.post(
        reverse("handoff-new", args=["C001"]), {"partner": agency.pk, "action": action.pk}
    )
    case = Case.objects.get()
    assert response.url == reverse("handoff-case", args=[case.pk])
    assert Action.objects.get(pk=action.pk).status == "sent"
    page = web.get(response.url).content.decode()
    assert "Recouvrement Rhône" in page
    assert reverse("handoff-dossier", args=[case.pk]) in page


def test_the_customer_page_hands_off_chosen_invoices(web, debtor, agency):
    page = web.get(reverse("customer", args=["C001"])).content.decode()
    assert reverse("handoff-new", args=["C001"]) in page
    web.post(reverse("handoff-new", args=["C001"]), {"partner": agency.pk, "invoice": ["F2"]})
    case = Case.objects.get()
    assert [i.invoice.number for i in case.items.all()] == ["F2"]
    page = web.get(reverse("customer", args=["C001"])).content.decode()
    assert reverse("handoff-case", args=[case.pk]) in page


def test_a_hand_off_without_a_partner_is_refused_with_a_reason(web, debtor, agency):
    response = web.post(reverse("handoff-new", args=["C001"]), {"partner": ""}, follow=True)
    assert "Choisissez un partenaire" in response.content.decode()  # French by default
    assert not Case.objects.exists()


def test_the_dossier_downloads_as_a_zip(web, debtor, agency):
    web.post(reverse("handoff-new", args=["C001"]), {"partner": agency.pk})
    case = Case.objects.get()
    response = web.get(reverse("handoff-dossier", args=[case.pk]))
    assert response["Content-Type"] == "application/zip"
    assert "00-cover-letter.pdf" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()


def test_payments_reported_on_the_case_page_close_it(web, debtor, agency):
    web.post(reverse("handoff-new", args=["C001"]), {"partner": agency.pk})
    case = Case.objects.get()
    url = reverse("handoff-payment", args=[case.pk])
    web.post(url, {"amount": "300,00", "currency": "EUR", "invoice": ["F2"]})
    assert Case.objects.get().status == "handed_off"
    web.post(url, {"amount": "1200", "currency": "EUR"})
    case.refresh_from_db()
    assert (case.status, case.outcome) == ("closed", "paid")
    assert (
        format_money(120000, "EUR", "fr")
        in web.get(reverse("handoff-case", args=[case.pk])).content.decode()
    )


def test_a_case_is_withdrawn_from_its_page_and_listed(web, debtor, agency):
    web.post(reverse("handoff-new", args=["C001"]), {"partner": agency.pk})
    case = Case.objects.get()
    web.post(reverse("handoff-close", args=[case.pk]), {"event": "withdraw"})
    assert Case.objects.get().outcome == "withdrawn"
    listed = web.get(reverse("handoff-cases"), {"status": "closed"}).content.decode()
    assert reverse("handoff-case", args=[case.pk]) in listed


def test_a_partner_is_added_from_its_page(web, debtor):
    web.post(
        reverse("handoff-partners"), {"name": "SCP Huissiers", "kind": "bailiff", "city": "Lyon"}
    )
    assert Partner.objects.get().kind == "bailiff"
    response = web.post(reverse("handoff-partners"), {"name": "SCP Huissiers", "kind": "bailiff"})
    assert "exists already" in response.content.decode()
    assert Partner.objects.count() == 1
