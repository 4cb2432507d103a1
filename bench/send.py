"""Time `relance send` for N emails to a local SMTP server (aiosmtpd, in this process).

    .venv/bin/python bench/send.py [--emails 10000] [--database URL]

Builds a ledger of N customers with one overdue invoice each in a scratch database
(SQLite file by default), queues one first reminder per customer (as a run would),
then times the sender: preparing (rendering HTML + text, the QR code, storing each
message as sent) and delivering over one SMTP connection. Prints a Markdown row.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--emails", type=int, default=10_000)
parser.add_argument("--database", default="")
parser.add_argument("--step", default="first_reminder")
args = parser.parse_args()

work = Path(tempfile.mkdtemp(prefix="relance-send-"))
os.environ["RELANCE_DATABASE_URL"] = args.database or f"sqlite:///{work / 'bench.sqlite3'}"
os.environ["RELANCE_MEDIA_ROOT"] = str(work / "media")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.settings")

import django  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from relance.channels import outbox  # noqa: E402
from relance.collection.models import Action, ActionItem, Run  # noqa: E402
from relance.ledger.models import Customer, Invoice  # noqa: E402
from relance.ledger.services import create_creditor  # noqa: E402


class Count:
    received = 0

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        Count.received += 1
        return "250 OK"


call_command("migrate", verbosity=0)
day = date(2026, 3, 5)
creditor = create_creditor(actor="bench", name="Atelier Bench SAS", country="FR", currency="EUR",
                           iban="FR7630006000011234567890189")  # fmt: skip
Customer.objects.bulk_create(
    Customer(creditor=creditor, code=f"C{n:06d}", name=f"Client {n}", email=f"c{n}@example.fr",
             address="1 rue Haute", postal_code="69001", city="Lyon")
    for n in range(args.emails)
)  # fmt: skip
customers = list(Customer.objects.order_by("pk"))
Invoice.objects.bulk_create(
    Invoice(creditor=creditor, customer=c, number=f"F{n:06d}", issue_date=day - timedelta(days=33),
            due_date=day - timedelta(days=3), amount=120000, open_amount=120000, status="open")
    for n, c in enumerate(customers)
)  # fmt: skip
run = Run.objects.create(creditor=creditor, date=day, actor="bench", started_at=timezone.now())
Action.objects.bulk_create(
    Action(run=run, creditor=creditor, customer=c, date=day, scenario="standard_b2b", step=args.step,
           channel="email", channels=["email"], mode="auto", currency="EUR", amount=120000,
           status="queued")
    for c in customers
)  # fmt: skip
invoices = dict(Invoice.objects.values_list("customer_id", "pk"))
ActionItem.objects.bulk_create(
    ActionItem(action=a, invoice_id=invoices[a.customer_id], step=args.step, date=day, days_overdue=3)
    for a in Action.objects.all()
)  # fmt: skip

controller = Controller(Count(), hostname="127.0.0.1", port=8825)
controller.start()
settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 8825
start = time.perf_counter()
report = outbox.send(today=day)
elapsed = time.perf_counter() - start
controller.stop()
engine = "SQLite" if "sqlite" in os.environ["RELANCE_DATABASE_URL"] else "PostgreSQL"
print(f"| {args.emails:,} {args.step} emails, {engine} | {elapsed:.1f} s | "
      f"{args.emails / elapsed:.0f}/s | received {Count.received}, sent {report.sent} |")  # fmt: skip
