from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from relance.collection.services import open_dispute
from relance.core import webhooks as rules
from relance.core.errors import DomainError
from relance.ledger.queries import get_invoice
from relance.webhooks import services
from relance.webhooks.models import WebhookDelivery


class Receiver:
    """A real HTTP server on 127.0.0.1 answering the status codes it is told, in order."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    thread = threading.Thread(target=r.server.serve_forever, daemon=True)
    thread.start()
    with override_settings(WEBHOOK_ALLOWED_HOSTS=["127.0.0.1"]):
        yield r
    r.server.shutdown()
    r.server.server_close()


def _dispute(creditor: Any) -> None:
    open_dispute(get_invoice(creditor, "F1"), reason="price", on=date(2026, 3, 1), actor="t")


def test_an_opened_dispute_is_delivered_signed(
    ledger: Any, creditor: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint = services.add_endpoint(creditor, receiver.url, events=["dispute.opened"], actor="t")
    with django_capture_on_commit_callbacks(execute=False):
        _dispute(creditor)
    report = services.deliver_due()
    assert report.delivered == 1
    headers, body = receiver.received[0]
    assert rules.verify(endpoint.secret, headers["Relance-Signature"], body, now=int(time.time()))
    assert not rules.verify("another secret", headers["Relance-Signature"], body,
                            now=int(time.time()))  # fmt: skip
    payload = json.loads(body)
    assert payload["event"] == "dispute.opened"
    assert headers["Relance-Event"] == "dispute.opened"
    assert payload["data"]["dispute"]["invoice"] == "F1"
    assert payload["data"]["dispute"]["amount"] == "1200.00"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.status_code, delivery.attempts) == ("delivered", 200, 1)


def test_an_endpoint_gets_only_the_events_it_subscribed(ledger: Any, creditor: Any,
                                                        receiver: Receiver) -> None:  # fmt: skip
    services.add_endpoint(creditor, receiver.url, events=["promise.broken"], actor="t")
    _dispute(creditor)
    assert WebhookDelivery.objects.count() == 0


def test_a_failed_delivery_is_retried_with_backoff_then_given_up(
    ledger: Any, creditor: Any, receiver: Receiver
) -> None:
    services.add_endpoint(creditor, receiver.url, events=[], actor="t")
    _dispute(creditor)
    receiver.statuses = [500]
    now = timezone.now()
    assert services.deliver_due(now).retried == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.status_code) == ("pending", 500)
    assert delivery.next_attempt_at == now + timedelta(seconds=30)
    assert services.deliver_due(now + timedelta(seconds=29)).as_json()["delivered"] == 0
    assert services.deliver_due(now + timedelta(seconds=30)).delivered == 1
    assert len(receiver.received) == 2
    # A receiver that keeps failing: given up after the last attempt.
    WebhookDelivery.objects.update(status="pending", attempts=rules.MAX_ATTEMPTS - 1,
                                   next_attempt_at=now)  # fmt: skip
    receiver.statuses = [503]
    assert services.deliver_due(now).failed == 1
    assert WebhookDelivery.objects.get().status == "failed"


def test_a_private_or_loopback_target_is_refused(creditor: Any) -> None:
    for url in ("http://127.0.0.1:8000/x", "http://10.0.0.7/hook", "http://169.254.169.254/",
                "http://localhost/hook", "ftp://example.org/"):  # fmt: skip
        with pytest.raises(DomainError):
            services.add_endpoint(creditor, url, events=[], actor="t")


def test_a_target_that_became_private_is_not_posted_to(
    ledger: Any, creditor: Any, receiver: Receiver
) -> None:
    services.add_endpoint(creditor, receiver.url, events=[], actor="t")
    _dispute(creditor)
    with override_settings(WEBHOOK_ALLOWED_HOSTS=[]):
        services.deliver_due()
    assert receiver.received == []
    assert "loopback" in WebhookDelivery.objects.get().response


def test_a_line_matched_through_the_api_is_a_payment_matched_event(
    ledger: Any, creditor: Any, receiver: Receiver, api: Any, write: Any
) -> None:
    from relance.bank.models import StatementLine
    from relance.bank.services import import_statement

    services.add_endpoint(creditor, receiver.url, events=["payment.matched"], actor="t")
    import_statement(write("releve.csv", "date,amount,currency,reference,text,counterparty,iban\n"
                           "2026-03-04,50.00,EUR,,virement,INCONNU,\n"), creditor, "t")  # fmt: skip
    line = StatementLine.objects.get()
    assert api.get("/statement-lines").json()["results"][0]["line"] == line.pk
    response = api.post(f"/statement-lines/{line.pk}/assign",
                        {"customer": "C1", "invoices": [{"invoice": "F1"}]})  # fmt: skip
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "matched"
    assert services.deliver_due().delivered == 1
    payload = json.loads(receiver.received[0][1])
    assert payload["event"] == "payment.matched"
    matched = payload["data"]["statement_line"]
    assert (matched["customer"], matched["amount"]) == ("C1", "50.00")
    assert matched["invoices"] == [{"number": "F1", "amount": "50.00"}]


def test_a_broken_promise_is_an_event(ledger: Any, creditor: Any, receiver: Receiver) -> None:
    from relance.collection.services import record_promise, review_promises
    from relance.ledger.queries import get_customer

    services.add_endpoint(creditor, receiver.url, events=["promise.broken"], actor="t")
    record_promise(get_customer(creditor, "C1"), until=date(2026, 3, 5), on=date(2026, 3, 2),
                   actor="t")  # fmt: skip
    review_promises(creditor, date(2026, 3, 20), actor="t")
    assert WebhookDelivery.objects.get().payload["data"]["promise"]["status"] == "broken"


def test_the_delivery_log_page_lists_endpoints_and_attempts(
    ledger: Any, creditor: Any, receiver: Receiver, user: Any
) -> None:
    from django.test import Client

    from relance.accounts.services import set_role

    services.add_endpoint(creditor, receiver.url, events=[], actor="t")
    _dispute(creditor)
    receiver.statuses = [500]
    services.deliver_due()
    client = Client()
    client.force_login(user)
    assert client.get("/webhooks/").status_code == 403  # the webhook log is the admins'
    set_role(user, creditor, "admin", actor="t")
    page = client.get("/webhooks/").content.decode()
    assert receiver.url in page
    assert "dispute.opened" in page
    assert "500" in page
