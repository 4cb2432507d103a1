"""Two creditors and a team: creditor A's customer C1 is collector1's, C2 and C3 are
collector2's, each with the records every staff page and endpoint shows (invoices,
evidence, a dispute with a file, a promise, a plan, a penalty invoice, a letter sent, a
call to make, a hand-off, a bank line, an import with rejects, a portal link); creditor B
is someone else's company with its own admin."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files import File
from django.core.files.base import ContentFile
from django.utils import timezone
from tests.members import member

from relance.accounts import services as accounts
from relance.api import tokens
from relance.bank.models import BankStatement, StatementLine
from relance.bank.services import import_statement
from relance.channels import outbox
from relance.collection import services as collection
from relance.collection.models import Action, ActionItem, Run
from relance.handoff.services import add_partner, hand_off
from relance.imports.models import ImportRun
from relance.law import penalty_invoices
from relance.ledger.models import Customer, Invoice, Payment
from relance.ledger.services import add_evidence, create_creditor

TODAY = timezone.localdate()
DUE = TODAY - timedelta(days=60)
EINVOICE = Path(__file__).resolve().parents[3] / "shared" / "data" / "einvoice"


def _queue(customer: Customer, step: str, channel: str, day: date, status: str) -> Action:
    run = Run.objects.create(
        creditor=customer.creditor, date=day, actor="test", started_at=timezone.now()
    )
    items = list(customer.invoices.filter(open_amount__gt=0))
    action = Action.objects.create(
        run=run, creditor=customer.creditor, customer=customer, date=day,
        scenario="standard_b2b", step=step, channel=channel, channels=[channel], mode="auto",
        currency="EUR", amount=sum(i.open_amount for i in items), status=status,
    )  # fmt: skip
    for inv in items:
        ActionItem.objects.create(
            action=action, invoice=inv, step=step, date=day, days_overdue=(day - inv.due_date).days
        )
    return action


def _customer(creditor: Any, code: str, collector: Any, numbers: list[str]) -> Customer:
    customer = Customer.objects.create(
        creditor=creditor, code=code, name=f"Client {code}", email=f"{code.lower()}@x.example",
        address="1 rue Haute", postal_code="69001", city="Lyon",
    )  # fmt: skip
    for number in numbers:
        Invoice.objects.create(
            creditor=creditor, customer=customer, number=number,
            issue_date=DUE - timedelta(days=30), due_date=DUE, amount=100000,
            open_amount=100000, status="open", currency="EUR",
        )  # fmt: skip
    accounts.assign_collector(customer, collector, actor="test")
    return customer


@pytest.fixture
def world(creditor, settings, tmp_path, write) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SMS_FILE = str(tmp_path / "sms.jsonl")
    creditor.address, creditor.postal_code, creditor.city = "2 rue des Arts", "69002", "Lyon"
    creditor.email = "compta@a.example"
    creditor.save()
    other = create_creditor(actor="test", name="Autre Société SA", country="FR", currency="EUR")
    users = {
        "manager": member("manager", password="x" * 12, role="credit_manager"),
        "viewer": member("viewer", password="x" * 12, role="read_only"),
        "collector1": member("collector1", password="x" * 12, role="collector"),
        "collector2": member("collector2", password="x" * 12, role="collector"),
    }
    for name in list(users):  # members of A only
        accounts.remove_member(users[name], other, actor="test")
    users["outsider"] = member("outsider", password="x" * 12)  # no creditor yet
    accounts.remove_member(users["outsider"], creditor, actor="test")
    accounts.remove_member(users["outsider"], other, actor="test")
    users["other_admin"] = member("other_admin", password="x" * 12, role="admin")
    accounts.remove_member(users["other_admin"], creditor, actor="test")

    _customer(creditor, "C1", users["collector1"], ["F1"])
    c2 = _customer(creditor, "C2", users["collector2"], ["F3", "F4", "F5"])
    c3 = _customer(creditor, "C3", users["collector2"], ["F6"])
    f3, f4, f5 = (Invoice.objects.get(number=n) for n in ("F3", "F4", "F5"))
    # Sent first: the sender re-checks the items, and a dispute or a plan would stop it.
    letter = _queue(c2, "second_reminder", "letter", TODAY - timedelta(days=1), "queued")
    outbox.send(today=TODAY - timedelta(days=1))
    with (EINVOICE / "akretion_invoice_EN16931.pdf").open("rb") as f:
        evidence = add_evidence(f3, File(f, name="F3.pdf"), kind="invoice")
    dispute = collection.open_dispute(f3, reason="price", on=TODAY, actor="test")
    comment = collection.comment_dispute(
        dispute, text="the order", upload=ContentFile(b"%PDF-1.4 order", name="order.pdf"),
        actor="test",
    )  # fmt: skip
    promise = collection.record_promise(
        c2, until=TODAY + timedelta(days=7), on=TODAY, actor="test", invoices=[f5]
    )
    plan = collection.create_plan(
        c2, [f4], count=2, every="month", first=TODAY + timedelta(days=10), on=TODAY,
        actor="test",
    )  # fmt: skip
    penalty = penalty_invoices.issue(c2, [f5], today=TODAY, actor="test")
    call = _queue(c2, "call", "call", TODAY, "planned")
    partner = add_partner(creditor, actor="test", name="Recouvrement Rhône", kind="agency",
                          email="dossiers@rhone.example")  # fmt: skip
    case = hand_off(c3, partner, on=TODAY, actor="test")
    import_statement(
        write("releve.csv", "date,amount,currency,reference,text,counterparty,iban\n"
              f"{TODAY},1000.00,EUR,,virement,INCONNU,\n"),
        creditor, "t",
    )  # fmt: skip
    from relance.imports.services import import_file

    import_file(write("customers.csv", "customer,name\n,no code\n"), "customers",
                creditor=creditor, actor="t")  # fmt: skip
    import_file(write("payments.csv", "date,amount,currency,customer,reference\n"
                      f"{TODAY},100.00,EUR,C2,VIR C2\n"), "payments", creditor=creditor, actor="t")  # fmt: skip
    token, _secret = tokens.create_token(users["manager"], creditor, scopes=["read"], actor="t")
    return {
        "creditor": creditor, "other": other, "users": users, "c2": c2,
        # What the API's paths name, by the collection the path starts with.
        "api": {
            "code": "C2", "number": "F3",
            "payments": Payment.objects.get(creditor=creditor).pk, "actions": call.pk,
            "runs": call.run_id, "disputes": dispute.pk, "plans": plan.pk,
            "statements": BankStatement.objects.get(creditor=creditor).pk,
            "statement-lines": StatementLine.objects.get(creditor=creditor).pk,
        },
        "kwargs": {
            "customer": {"code": "C2"}, "customer-penalty-invoice": {"code": "C2"},
            "customer-collector": {"code": "C2"},
            "invoice": {"number": "F3"}, "invoice-penalty-invoice": {"number": "F3"},
            "evidence": {"number": "F3", "pk": evidence.pk},
            "penalty-invoice": {"pk": penalty.pk},
            "import-rejects": {"pk": ImportRun.objects.filter(creditor=creditor, rejected__gt=0).get().pk},
            "plan": {"pk": plan.pk}, "plan-letter": {"pk": plan.pk},
            "plan-change": {"pk": plan.pk, "verb": "cancel"},
            "promise-cancel": {"pk": promise.pk},
            "dispute-detail": {"pk": dispute.pk},
            "dispute-file": {"pk": dispute.pk, "comment": comment.pk},
            "scenario": {"key": "standard_b2b"},
            "message": {"pk": letter.messages.get().pk},
            "message-document": {"pk": letter.messages.get().pk},
            "message-posted": {"pk": letter.messages.get().pk},
            "message-resolve": {"pk": letter.messages.get().pk},
            "call": {"pk": call.pk},
            "template": {"key": "first_reminder", "language": "fr"},
            "template-preview": {"key": "first_reminder", "language": "fr"},
            "handoff-new": {"code": "C2"}, "handoff-case": {"pk": case.pk},
            "handoff-dossier": {"pk": case.pk}, "handoff-payment": {"pk": case.pk},
            "handoff-close": {"pk": case.pk},
            "matching-line": {"pk": StatementLine.objects.get(creditor=creditor).pk},
            "matching-change": {"pk": StatementLine.objects.get(creditor=creditor).pk},
            "matching-decide": {"pk": StatementLine.objects.get(creditor=creditor).pk,
                                "verb": "ignore"},
            "risk-cover": {"code": "C2"}, "risk-score": {"code": "C2"},
            "risk-limit": {"code": "C2"}, "risk-declare": {"number": "F3"},
            "api-token-revoke": {"pk": token.pk},
            "portal:link-new": {"code": "C2"}, "portal:link-revoke": {"code": "C2"},
        },
    }  # fmt: skip
