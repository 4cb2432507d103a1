"""`relance risk`, `cover`, `score`, `limit` as typed; the customer page's risk panel and
the worklist's alerts."""

from __future__ import annotations

import json
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from tests.risk.conftest import TODAY
from typer.testing import CliRunner

from relance.cli import app
from relance.ledger.models import Customer
from relance.risk.models import CreditCover, Declaration, ExternalScore

D = timedelta(days=1)
runner = CliRunner()


def relance(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_the_cli_records_limit_cover_score_and_shows_the_risk(book):
    late = book.customer("LATE", since=TODAY - 900 * D)
    for k in range(2, 8):
        due = TODAY - 30 * k * D
        book.paid(late, due=due, paid_on=due + 50 * D)
    overdue = book.invoice(late, due=TODAY - 55 * D, amount=900_00)
    book.customer("GOOD", since=TODAY - 900 * D)

    assert relance("limit", "set", "LATE", "1000").exit_code == 0
    assert Customer.objects.get(code="LATE").credit_limit == 1000_00
    result = relance("cover", "add", "LATE", "--insurer", "Atradius", "--amount", "800",
                     "--deadline-days", "60", "--policy", "P-9", "--from", "2026-01-01")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert CreditCover.objects.get().declaration_days == 60
    result = relance("score", "set", "LATE", "--provider", "Ellisphere", "--grade", "3/10",
                     "--value", "30", "--on", "2026-06-01")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert ExternalScore.objects.get().value == 30

    one = json.loads(relance("risk", "LATE", "--date", TODAY.isoformat(), "--json").stdout)
    assert one["class"] in ("high", "very_high")
    assert "days_late" in one["raised_by"]
    assert "external_score" in one["raised_by"]
    assert one["exposure"] == {"currency": "EUR", "amount": "900.00", "limit": "1000.00",
                               "ratio": "0.9000", "level": "warning"}  # fmt: skip
    assert one["terms"]["terms"] == "advance"
    assert one["cover"]["insurer"] == "Atradius"
    assert one["external_score"]["grade"] == "3/10"
    text = relance("risk", "LATE", "--date", TODAY.isoformat())
    assert "Terms for new orders" in text.stdout

    listing = json.loads(relance("risk", "--date", TODAY.isoformat(), "--json").stdout)
    assert [c["customer"] for c in listing["customers"]] == ["LATE", "GOOD"]

    alerts = json.loads(relance("cover", "alerts", "--date", TODAY.isoformat(), "--json").stdout)
    assert [d["invoice"] for d in alerts["declarations"]] == [overdue.number]
    assert alerts["declarations"][0]["days_left"] == 5
    assert alerts["limits"] == [{"customer": "LATE", "exposure": "900.00", "limit": "1000.00",
                                 "level": "warning"}]  # fmt: skip
    result = relance("cover", "declare", overdue.number, "--on", TODAY.isoformat(),
                     "--reference", "R-1")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert Declaration.objects.get().reference == "R-1"
    alerts = json.loads(relance("cover", "alerts", "--date", TODAY.isoformat(), "--json").stdout)
    assert alerts["declarations"] == []


def test_the_cli_reports_bad_input_with_exit_code_1(book):
    c = book.customer("C1")
    invoice = book.invoice(c, due=TODAY - 10 * D)
    result = relance("cover", "declare", invoice.number)
    assert result.exit_code == 1
    assert "no credit insurance cover" in result.stderr
    assert relance("limit", "set", "C1", "abc").exit_code == 1
    assert relance("limit", "set", "C1", "--", "-5").exit_code == 1
    assert (
        relance("score", "set", "C1", "--provider", "X", "--grade", "A", "--value", "200").exit_code
        == 1
    )
    assert relance("risk", "NOPE").exit_code == 1
    assert (
        relance(
            "cover", "add", "C1", "--insurer", "X", "--amount", "10", "--deadline-days", "0"
        ).exit_code
        == 1
    )
    assert relance("limit", "set", "C1", "none").exit_code == 0


def test_the_customer_page_shows_the_risk_panel_and_records_cover_score_limit(book, client_in):
    today = timezone.localdate()
    c = book.customer("C1", since=today - 900 * D)
    book.invoice(c, due=today - 20 * D, amount=500_00)
    url = reverse("customer", args=["C1"])
    page = client_in.get(url).content.decode()
    assert 'id="risk"' in page
    assert "Score " in page
    assert "No credit limit." in page
    assert "overdue share of the open amount" in page
    back = {"next": url}
    client_in.post(reverse("risk-limit", args=["C1"]), {"limit": "400", **back})
    client_in.post(reverse("risk-cover", args=["C1"]), {
        "insurer": "Coface", "amount": "1 000,00", "declaration_days": "90", **back})  # fmt: skip
    client_in.post(reverse("risk-score", args=["C1"]), {
        "provider": "Banque de France", "grade": "5+", "value": "60", **back})  # fmt: skip
    page = client_in.get(url).content.decode()
    assert "<meter" in page
    assert "over the limit" in page
    assert "no new credit until the exposure is back under the limit" in page
    assert "Coface" in page
    assert "90 days" in page
    assert "Banque de France" in page
    assert "5+" in page
    assert CreditCover.objects.get().amount == 1000_00
    assert 'name="limit" size="10" value="400.00"' in page
    response = client_in.post(reverse("risk-cover", args=["C1"]), {"insurer": "", "amount": "1", "declaration_days": "9", **back}, follow=True)  # fmt: skip
    assert "insurer" in response.content.decode()


def test_the_worklist_alerts_before_the_insurer_deadline_until_declared(book, client_in):
    today = timezone.localdate()
    c = book.customer("INS", limit=100_00)
    CreditCover.objects.create(creditor=c.creditor, customer=c, insurer="Allianz Trade",
                               amount=10**7, starts_on=today - 100 * D, declaration_days=30)  # fmt: skip
    soon = book.invoice(c, due=today - 25 * D, amount=90_00)
    later = book.invoice(c, due=today - 10 * D, amount=5_00)
    page = client_in.get(reverse("worklist")).content.decode()
    assert 'id="insurer-declarations"' in page
    assert soon.number in page
    assert f">{later.number}<" not in page
    assert 'id="credit-limits"' in page
    assert "80 % of the limit or more" in page
    client_in.post(reverse("risk-declare", args=[soon.number]),
                   {"on": today.isoformat(), "reference": "D-7", "next": reverse("worklist")})  # fmt: skip
    assert Declaration.objects.get().invoice == soon
    page = client_in.get(reverse("worklist")).content.decode()
    assert 'id="insurer-declarations"' not in page


def test_the_pages_speak_french(book, client_in):
    today = timezone.localdate()
    c = book.customer("C1", limit=100_00, since=today - 900 * D)
    book.invoice(c, due=today - 20 * D, amount=90_00)
    client_in.cookies["django_language"] = "fr"
    page = client_in.get(
        reverse("customer", args=["C1"]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Risque" in page
    assert "Conditions pour les nouvelles commandes" in page


def test_the_worklist_pages_the_customers_near_their_limit_the_highest_share_first(book, client_in):
    today = timezone.localdate()
    for n in range(30):  # 81 % to 110 % of a 100.00 limit
        book.invoice(
            book.customer(f"L{n:02}", limit=100_00), due=today + 9 * D, amount=(81 + n) * 100
        )
    book.customer("CALM", limit=100_00)  # nothing open

    first = client_in.get(reverse("worklist")).content.decode()
    second = client_in.get(reverse("worklist"), {"limits_page": 2}).content.decode()

    assert "(30)" in first
    assert [n for n in range(30) if f">L{n:02}<" in first] == list(range(5, 30))
    assert [n for n in range(30) if f">L{n:02}<" in second] == list(range(5))
    assert "limits_page=2" in first
    assert ">CALM<" not in first + second
