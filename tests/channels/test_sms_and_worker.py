"""The HTTP SMS provider against a local server speaking Twilio's API, and the
background worker sending what a run queued."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest
from django.core.management import call_command

from relance.channels import outbox
from relance.channels.models import Message
from relance.channels.sms import SmsError, TwilioBackend
from relance.collection.services import run_collection

from .conftest import MONDAY, queue


class FakeTwilio(BaseHTTPRequestHandler):
    requests: list[dict[str, object]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        form = parse_qs(self.rfile.read(length).decode())
        FakeTwilio.requests.append(
            {"path": self.path, "auth": self.headers["Authorization"], **form}
        )
        if form["To"][0].startswith("+999"):
            self.send_response(400)
            body = {"code": 21211, "message": "The 'To' number is not a valid phone number."}
        else:
            self.send_response(201)
            body = {"sid": f"SM{len(FakeTwilio.requests):032d}", "status": "queued"}
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def twilio(settings):  # type: ignore[no-untyped-def]
    FakeTwilio.requests = []
    server = HTTPServer(("127.0.0.1", 0), FakeTwilio)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.SMS_BACKEND = "twilio"
    settings.SMS_URL = (
        f"http://127.0.0.1:{server.server_port}/2010-04-01/Accounts/{{account}}/Messages.json"
    )
    settings.SMS_ACCOUNT, settings.SMS_TOKEN, settings.SMS_FROM = "AC123", "secret", "+33600000000"
    yield FakeTwilio
    server.shutdown()


def test_an_sms_goes_to_the_http_provider_with_its_credentials(creditor, billed, smtp, twilio):
    queue(billed, "first_reminder", ["sms"])
    outbox.send(today=MONDAY)
    [request] = twilio.requests
    assert request["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert request["auth"] == "Basic QUMxMjM6c2VjcmV0"  # AC123:secret
    assert request["To"] == ["+33472000000"]
    assert request["From"] == ["+33600000000"]
    message = Message.objects.get()
    assert (message.status, message.provider_id) == ("sent", "SM" + "1".zfill(32))


def test_a_number_the_provider_refuses_fails_for_good_and_falls_back_to_a_letter(
    creditor, billed, smtp, twilio
):
    billed.phone = "+999000"
    billed.save()
    queue(billed, "first_reminder", ["sms"])
    report = outbox.send(today=MONDAY)
    assert report.failed == 1
    assert "not a valid phone number" in Message.objects.get(channel="sms").error
    assert Message.objects.get(channel="letter").status == "to_print"


def test_an_unreachable_provider_is_a_transient_failure():
    backend = TwilioBackend("http://127.0.0.1:9/{account}", "AC1", "t", "+33600000000", timeout=2)
    with pytest.raises(SmsError) as failure:
        backend.send("+33600000001", "test")
    assert not failure.value.permanent


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_what_a_run_queued(creditor, billed, smtp):
    run_collection(creditor, MONDAY + timedelta(days=3), actor="test")  # wakes the sender
    call_command("db_worker", "--batch", "--queue-name", "*", "--interval", "0")
    assert [m["To"] for m in smtp.received] == ["compta@martin.example"]
    assert Message.objects.get().status == "sent"
