"""The load test's users (locust): credit managers on the worklist and the customer 360,
debtors on their portal, an ERP on the API. Run by bench/load.sh; the file written by
bench/load_setup.py names the login, the token and the customers.

Think times of 1 to 3 s between pages, as people click fast; the API client waits as
long. RELANCE_LOAD_THINK="5-15" (seconds) sets another pace.
The login does not follow its redirection to the dashboard: the dashboard's reports are
timed by bench/aging.py, not here.
"""

from __future__ import annotations

import json
import os
import random

from locust import HttpUser, between, task

with open(os.environ.get("RELANCE_LOAD_SETUP", "/tmp/relance-load.json")) as setup:
    SETUP = json.load(setup)


THINK = between(*(float(s) for s in os.environ.get("RELANCE_LOAD_THINK", "1-3").split("-")))


def any_customer() -> str:
    return random.choice(SETUP["customers"])


class CreditManager(HttpUser):
    weight = 2
    wait_time = THINK

    def on_start(self) -> None:
        self.client.get("/login/", name="login")
        self.client.post(
            "/login/",
            {"username": SETUP["username"], "password": SETUP["password"],
             "csrfmiddlewaretoken": self.client.cookies["csrftoken"]},
            name="login", allow_redirects=False,
        )  # fmt: skip

    @task(2)
    def worklist(self) -> None:
        self.client.get("/worklist/", name="worklist")

    @task(3)
    def customer(self) -> None:
        self.client.get(f"/customers/{any_customer()}/", name="customer 360")


class Debtor(HttpUser):
    weight = 1
    wait_time = THINK

    @task
    def portal(self) -> None:
        token = random.choice(SETUP["portal_tokens"])
        self.client.get(f"/portal/{token}/", name="portal")


class Erp(HttpUser):
    weight = 1
    wait_time = THINK

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {SETUP['api_token']}"

    @task
    def customer(self) -> None:
        self.client.get(f"/api/customers/{any_customer()}", name="api: customer")

    @task
    def open_invoices(self) -> None:
        self.client.get(
            f"/api/invoices?customer={any_customer()}&status=unpaid", name="api: invoices"
        )

    @task
    def overdue(self) -> None:
        self.client.get("/api/invoices?overdue=true", name="api: overdue, first page")
