"""The prediction app on the demo ledger: train, refresh, list, order the worklist."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.urls import reverse
from tests.members import member
from typer.testing import CliRunner

from relance.audit import Event
from relance.cli import app
from relance.collection.services import run_collection
from relance.core.prediction import amount_at_risk
from relance.demo import build_demo
from relance.ledger.models import Allocation, Creditor, Invoice
from relance.prediction import queries, services
from relance.prediction.models import InvoicePrediction, TrainedModel

TODAY = date(2026, 3, 2)
runner = CliRunner()


@pytest.fixture
def demo(db) -> Creditor:  # type: ignore[no-untyped-def]
    build_demo(customers=40, invoices_per_customer=10, seed=7, today=TODAY)
    return Creditor.objects.get()


def relance(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_history_settles_a_paid_invoice_on_its_last_allocation(demo):
    history, open_items = queries.records(demo, TODAY)
    paid = Invoice.objects.filter(creditor=demo, kind="invoice", open_amount=0, written_off=0,
                                  settled_elsewhere=0).exclude(allocations=None)  # fmt: skip
    some = paid.filter(allocations__date__lt=TODAY).order_by("pk").first()
    assert some is not None
    last = max(a.date for a in Allocation.objects.filter(invoice=some))
    by_key = {r.key: r for r in history}
    assert by_key[str(some.pk)].settled_on == last
    assert all(r.settled_on is None for r in open_items)
    assert set(open_items.values()) <= set(
        Invoice.objects.filter(creditor=demo).values_list("open_amount", flat=True)
    )
    # A month earlier, what was issued or paid since is not seen.
    before = TODAY - timedelta(days=30)
    earlier = {r.key: r for r in queries.records(demo, before)[0]}
    assert all(r.issue_date <= before for r in earlier.values())
    paid_since = paid.filter(issue_date__lte=before, allocations__date__gt=before).first()
    assert paid_since is not None
    assert by_key[str(paid_since.pk)].settled_on > before
    assert earlier[str(paid_since.pk)].settled_on is None


def test_training_and_predicting_on_the_demo_gives_a_date_for_each_open_item(demo):
    row = services.train(demo, TODAY, actor="t")
    assert row.training_rows >= services.MIN_TRAINING_ROWS
    assert row.validation_rows > 0
    assert row.baseline_mae_days is not None
    assert Event.objects.filter(verb="prediction.trained", creditor_id=demo.pk).count() == 1

    done = services.refresh(demo, TODAY, actor="t")
    open_invoices = Invoice.objects.filter(creditor=demo, kind="invoice", open_amount__gt=0,
                                           written_off=0, settled_elsewhere=0)  # fmt: skip
    assert done.predicted == open_invoices.count() > 0
    for inv in open_invoices.select_related("prediction"):
        p = inv.prediction
        assert p.payment_date >= TODAY
        assert 0.0 <= p.p_very_late <= p.p_late <= 1.0
        assert p.amount_at_risk == amount_at_risk(inv.open_amount, inv.currency, p.p_very_late)
        if (TODAY - inv.due_date).days > 30:
            assert p.p_very_late == 1.0
    # A refresh replaces the predictions rather than adding to them.
    services.refresh(demo, TODAY + timedelta(days=1), actor="t")
    assert InvoicePrediction.objects.count() == done.predicted
    assert set(InvoicePrediction.objects.values_list("as_of", flat=True)) == {
        TODAY + timedelta(days=1)
    }
    ranked = [p.amount_at_risk for p in queries.at_risk(demo)]
    assert ranked == sorted(ranked, reverse=True)


def test_predictions_need_a_model_and_a_model_needs_history(creditor):
    with pytest.raises(queries.NotFound, match="relance predict train"):
        services.refresh(creditor, TODAY, actor="t")
    with pytest.raises(services.NotEnoughHistory, match="0 paid invoices"):
        services.train(creditor, TODAY, actor="t")
    assert services.needs_training(creditor, TODAY, max_age_days=7)


def test_cli_trains_reports_the_baseline_and_lists_the_amounts_at_risk(demo, settings):
    result = relance("predict", "train", "--date", TODAY.isoformat(), "--json")
    assert result.exit_code == 0, result.output
    trained = json.loads(result.stdout)
    assert trained["training_rows"] > 0
    assert {"mae_days", "accuracy", "baseline_mae_days", "baseline_accuracy"} <= set(trained)

    text = relance("predict", "train", "--date", TODAY.isoformat())
    assert "per-customer mean baseline" in text.stdout

    listed = relance("predict", "--date", TODAY.isoformat(), "--top", "5", "--json")
    assert listed.exit_code == 0, listed.output
    data = json.loads(listed.stdout)
    assert data["predicted"] == InvoicePrediction.objects.count()
    assert len(data["at_risk"]) == 5
    risks = [float(r["amount_at_risk"]) for r in data["at_risk"]]
    assert risks == sorted(risks, reverse=True)
    assert Event.objects.filter(verb="prediction.refreshed").count() == 1


def test_cli_retrains_first_when_the_model_is_too_old(demo):
    assert relance("predict", "--date", TODAY.isoformat()).exit_code == 1  # no model yet
    result = relance("predict", "--date", TODAY.isoformat(), "--max-age", "7", "--json")
    assert result.exit_code == 0, result.output
    first = TrainedModel.objects.get().trained_at
    relance("predict", "--date", (TODAY + timedelta(days=3)).isoformat(), "--max-age", "7")
    assert TrainedModel.objects.get().trained_at == first  # young enough: kept
    relance("predict", "--date", (TODAY + timedelta(days=8)).isoformat(), "--max-age", "7")
    assert TrainedModel.objects.get().trained_at > first
    assert Event.objects.filter(verb="prediction.trained").count() == 2


def test_worklist_orders_actions_by_expected_amount_at_risk(demo, client):
    run_collection(demo, TODAY, actor="t")
    services.train(demo, TODAY, actor="t")
    services.refresh(demo, TODAY, actor="t")
    client.force_login(member("alice", password="x" * 12))
    response = client.get(reverse("worklist"), {"date": TODAY.isoformat(), "sort": "risk"})
    assert response.status_code == 200
    shown = [a for g in response.context["groups"].values() for a in g["rows"]]
    assert len(shown) > 1
    at_risk = dict(InvoicePrediction.objects.values_list("invoice_id", "amount_at_risk"))
    for group in response.context["groups"].values():
        expected = [sum(at_risk.get(i.invoice_id, 0) for i in a.items.all()) for a in group["rows"]]
        assert [a.at_risk or 0 for a in group["rows"]] == expected
        assert expected == sorted(expected, reverse=True)
    assert "à risque" in response.content.decode()  # the default language is French
    by_amount = client.get(reverse("worklist"), {"date": TODAY.isoformat()})
    for group in by_amount.context["groups"].values():
        amounts = [a.amount for a in group["rows"]]
        assert amounts == sorted(amounts, reverse=True)


def test_invoice_and_customer_pages_show_the_predicted_payment_date(demo, client):
    services.train(demo, TODAY, actor="t")
    services.refresh(demo, TODAY, actor="t")
    client.force_login(member("alice", password="x" * 12))
    p = InvoicePrediction.objects.select_related("invoice").order_by("-amount_at_risk").first()
    page = client.get(reverse("invoice", args=[p.invoice.number])).content.decode()
    assert 'id="prediction"' in page
    assert f"{round(p.p_very_late * 100)} %" in page
    paid = Invoice.objects.filter(creditor=demo, open_amount=0).first()
    assert (
        'id="prediction"' not in client.get(reverse("invoice", args=[paid.number])).content.decode()
    )
    customer = p.invoice.customer
    page = client.get(reverse("customer", args=[customer.code])).content.decode()
    assert f"{round(p.p_very_late * 100)} %</span>" in page
