"""Prepare a database for the load test (bench/load.py): a staff login, an API token,
portal links and the customers to ask for, written to a JSON file for locust.

    RELANCE_DATABASE_URL=postgresql://... .venv/bin/python bench/load_setup.py /tmp/load.json

Runs the day's collection first when it has not run (the worklist shows its actions)
and the day's balance refresh (the first page of a day does it otherwise).
Everything goes through Relance's services, as a person's commands would.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.settings")

import django

django.setup()

from django.utils import timezone  # noqa: E402

from relance.accounts import services as accounts  # noqa: E402
from relance.api.tokens import create_token  # noqa: E402
from relance.collection.models import Run  # noqa: E402
from relance.collection.services import run_collection  # noqa: E402
from relance.ledger import balances  # noqa: E402
from relance.ledger.models import Customer, Invoice  # noqa: E402
from relance.ledger.queries import default_creditor  # noqa: E402
from relance.portal import links  # noqa: E402

ACTOR = "bench"
CUSTOMERS = 2000  # asked for at random by the staff and API users
PORTAL_LINKS = 500  # debtors at random


def main(path: str) -> None:
    creditor = default_creditor()
    today = timezone.localdate()
    if not Run.objects.filter(creditor=creditor, date=today).exists():
        start = time.perf_counter()
        run_collection(creditor, today, actor=ACTOR)
        print(f"collection run for {today}: {time.perf_counter() - start:.1f} s")
    # What the day's first page would do (once a day): not part of what is measured.
    balances.ensure_current(creditor, today)
    password = secrets.token_urlsafe(16)
    user = accounts.add_user(f"load-{secrets.token_hex(3)}", actor=ACTOR, password=password)
    accounts.set_role(user, creditor, "credit_manager", actor=ACTOR)
    _, api_token = create_token(user, creditor, scopes=["read"], name="load", actor=ACTOR)
    with_open = list(
        Invoice.objects.filter(creditor=creditor, status__in=["open", "partially_paid"])
        .values_list("customer_id", flat=True)
        .distinct()
    )
    rng = random.Random(2026)
    chosen = rng.sample(with_open, min(CUSTOMERS, len(with_open)))
    codes = list(Customer.objects.filter(pk__in=chosen).values_list("code", flat=True))
    tokens = [
        links.token(links.create(customer, actor=ACTOR))
        for customer in Customer.objects.filter(pk__in=chosen[:PORTAL_LINKS])
    ]
    with open(path, "w") as out:
        json.dump({"username": user.username, "password": password, "api_token": api_token,
                   "customers": codes, "portal_tokens": tokens}, out)  # fmt: skip
    print(f"{path}: {user.username}, {len(codes)} customers, {len(tokens)} portal links")


if __name__ == "__main__":
    main(sys.argv[1])
