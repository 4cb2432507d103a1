"""The team on the command line: creditors, users and roles, collectors' portfolios;
every change is in the audit trail."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import authenticate, get_user_model
from django.urls import reverse
from tests.text import has_word
from typer.testing import CliRunner

from relance.audit import Event
from relance.ledger.models import Customer

runner = CliRunner()


def relance(*args: str) -> Any:
    from relance.cli import app

    return runner.invoke(app, list(args), catch_exceptions=False)


def test_a_second_creditor_gets_its_own_team_and_customers(creditor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    made = relance("creditor", "add", "Filiale Sud SAS", "--currency", "EUR")
    assert made.exit_code == 0, made.output
    other = json.loads(made.stdout)["id"]
    assert [c["name"] for c in json.loads(relance("creditor", "list").stdout)] == [
        "Atelier Test SAS", "Filiale Sud SAS",
    ]  # fmt: skip
    password = tmp_path / "pw"
    password.write_text("correct horse battery\n")
    added = relance("--creditor", str(other), "user", "add", "paul", "--role", "collector",
                    "--password-file", str(password))  # fmt: skip
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["creditor"] == "Filiale Sud SAS"
    assert authenticate(username="paul", password="correct horse battery") is not None
    # The same user, credit manager of the first creditor (the default one).
    assert relance("user", "add", "paul", "--role", "credit-manager").exit_code == 0
    listed = {u["user"]: u for u in json.loads(relance("user", "list", "--json").stdout)}
    assert listed["paul"]["roles"] == {
        "Atelier Test SAS": "credit_manager", "Filiale Sud SAS": "collector",
    }  # fmt: skip
    verbs = list(Event.objects.filter(verb__startswith="membership").values_list("verb", flat=True))
    assert verbs == ["membership.added", "membership.added"]


def test_a_customer_is_assigned_to_a_collector_of_its_creditor_only(creditor, load) -> None:  # type: ignore[no-untyped-def]
    assert relance("user", "add", "paul", "--role", "collector").exit_code == 0
    assert relance("user", "add", "rita", "--role", "read_only").exit_code == 0
    assert relance("customer", "assign", "C1", "--collector", "paul").exit_code == 0
    assert Customer.objects.get(code="C1").collector.username == "paul"
    refused = relance("customer", "assign", "C1", "--collector", "rita")
    assert refused.exit_code == 1
    assert "works customers" in refused.stderr
    relance("creditor", "add", "Filiale Sud SAS")
    elsewhere = relance(
        "--creditor", "filiale sud sas", "customer", "assign", "C1", "--collector", "paul"
    )
    assert elsewhere.exit_code == 1  # C1 is the first creditor's
    assert relance("customer", "assign", "C1", "--collector", "").exit_code == 0
    events = Event.objects.filter(verb="customer.collector_assigned").order_by("pk")
    assert [e.data["collector"] for e in events] == [[None, "paul"], ["paul", None]]


def test_an_unknown_role_or_creditor_is_refused(creditor) -> None:  # type: ignore[no-untyped-def]
    assert relance("user", "add", "paul", "--role", "boss").exit_code == 1
    assert not get_user_model().objects.filter(username="paul").exists()
    assert relance("--creditor", "Nobody SA", "user", "list").exit_code == 0  # lists need none
    assert relance("--creditor", "Nobody SA", "user", "add", "x", "--role", "admin").exit_code == 1


def test_leaving_a_creditor_ends_access_and_frees_the_portfolio(client, creditor, load) -> None:  # type: ignore[no-untyped-def]
    relance("user", "add", "paul", "--role", "collector")
    relance("customer", "assign", "C1", "--collector", "paul")
    paul = get_user_model().objects.get(username="paul")
    client.force_login(paul)
    assert client.get(reverse("customer", args=["C1"])).status_code == 200
    assert relance("user", "remove", "paul").exit_code == 0
    assert Customer.objects.get(code="C1").collector is None
    assert client.get(reverse("customer", args=["C1"])).status_code == 403
    assert Event.objects.filter(verb="membership.removed").count() == 1


def test_a_credit_manager_assigns_the_collector_on_the_customer_page(
    client, creditor, load
) -> None:  # type: ignore[no-untyped-def]
    relance("user", "add", "paul", "--role", "collector")
    relance("user", "add", "claire", "--role", "credit_manager")
    users = get_user_model().objects
    client.force_login(users.get(username="claire"))
    page = client.get(reverse("customer", args=["C1"])).content.decode()
    assert 'name="collector"' in page
    paul = users.get(username="paul")
    response = client.post(reverse("customer-collector", args=["C1"]), {"collector": paul.pk})
    assert response.status_code == 302
    assert Customer.objects.get(code="C1").collector == paul
    client.force_login(paul)  # a collector sees the collector, and may not change it
    assert 'name="collector"' not in client.get(reverse("customer", args=["C1"])).content.decode()
    assert (
        client.post(reverse("customer-collector", args=["C1"]), {"collector": ""}).status_code
        == 403
    )


def test_the_nav_switches_between_the_users_creditors(client, creditor, load) -> None:  # type: ignore[no-untyped-def]
    relance("creditor", "add", "Filiale Sud SAS")
    relance("user", "add", "claire", "--role", "admin")
    relance("--creditor", "Filiale Sud SAS", "user", "add", "claire", "--role", "read_only")
    client.force_login(get_user_model().objects.get(username="claire"))
    page = client.get(reverse("customers")).content.decode()
    assert "Filiale Sud SAS" in page
    assert "C1" in page
    other = json.loads(relance("creditor", "list").stdout)[1]["id"]
    client.post(reverse("switch-creditor"), {"creditor": other, "next": reverse("customers")})
    page = client.get(reverse("customers")).content.decode()
    assert not has_word(page, "C1")  # the second creditor has no customer
    assert client.post(reverse("hold"), {"customer": "C1"}).status_code == 403  # read only there
    assert client.post(reverse("switch-creditor"), {"creditor": 999}).status_code == 403
