"""Scenarios as data: YAML out and in, edited in the web app with a preview."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.members import member
from typer.testing import CliRunner

from relance.audit import Event
from relance.cli import app
from relance.collection import queries
from relance.collection.models import Scenario
from relance.ledger.models import Customer, Invoice

runner = CliRunner()


def test_a_scenario_exported_edited_and_imported_back_changes_the_run(creditor, tmp_path):
    path = tmp_path / "standard.yaml"
    assert runner.invoke(app, ["scenario", "export", "standard_b2b", str(path)]).exit_code == 0
    text = path.read_text().replace("offset: 3\n", "offset: 5\n", 1)
    path.write_text(text)
    result = runner.invoke(app, ["scenario", "import", str(path)])
    assert result.exit_code == 0, result.output
    found, default = queries.scenarios(creditor)
    assert (default, found["standard_b2b"].steps[1].offset) == ("standard_b2b", 5)
    event = Event.objects.get(verb="scenario.updated")
    assert event.data["before"]["steps"][1]["offset"] == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("key: x\nname: [unclosed\n", "line 3, column 1: not valid YAML"),
        (
            "key: x\nname: X\nsteps:\n- {key: a, offset: 3, channels: [fax], mode: auto}\n",
            "'fax' is not one of",
        ),
        (
            "key: x\nname: X\nsteps:\n- {key: a, offset: 9, channels: [email], mode: auto}\n"
            "- {key: b, offset: 3, channels: [email], mode: auto}\n",
            "order of their offsets",
        ),
        ("key: Bad Key\nname: X\nsteps: []\n", "key: lowercase"),
        (
            "key: x\nname: X\nsteps:\n- {key: a, offset: 3, channels: [email], mode: auto,"
            " penalties: 'yes please'}\n",
            "steps[1].penalties: true or false",
        ),
    ],
)
def test_a_bad_scenario_file_is_refused_with_where_and_why(creditor, tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = runner.invoke(app, ["scenario", "import", str(path)])
    assert result.exit_code == 1
    assert message in result.stderr
    assert not Scenario.objects.filter(key="x").exists()


@pytest.fixture
def alice(client, creditor):  # type: ignore[no-untyped-def]
    client.force_login(member("alice", password="x" * 12))
    customer = Customer.objects.create(
        creditor=creditor, code="C1", name="Alpha", email="a@alpha.example"
    )
    due = timezone.localdate() + timedelta(days=10)
    Invoice.objects.create(
        creditor=creditor, customer=customer, number="F1", issue_date=due - timedelta(days=30),
        due_date=due, amount=50000, open_amount=50000, status="open",
    )  # fmt: skip
    return client


def test_the_scenario_pages_list_and_preview_on_a_customer(alice):
    assert "Standard B2B (France)" in alice.get(reverse("scenarios")).content.decode()
    url = reverse("scenario", args=["standard_b2b"])
    text = alice.get(url).context["yaml"]
    response = alice.post(url, {"yaml": text, "customer": "C1", "do": "preview"})
    schedule = response.context["preview"]["schedule"]
    assert [a.step for a in schedule][:3] == ["pre_due", "first_reminder", "call"]
    assert not Event.objects.filter(verb="scenario.updated").exists()


def test_saving_a_scenario_from_the_web_app(alice):
    url = reverse("scenario", args=["risky"])
    text = alice.get(url).context["yaml"].replace("min_gap_days: 4", "min_gap_days: 6")
    assert alice.post(url, {"yaml": text, "do": "save"}).status_code == 302
    assert Scenario.objects.get(key="risky").min_gap_days == 6


def test_a_bad_edit_is_shown_and_not_saved(alice):
    url = reverse("scenario", args=["risky"])
    response = alice.post(url, {"yaml": "key: risky\nname: R\nsteps: nope\n", "do": "save"})
    assert response.status_code == 200
    assert "steps: at least one step" in response.content.decode()
    assert Scenario.objects.get(key="risky").name == "Risky customer (firm, short)"
