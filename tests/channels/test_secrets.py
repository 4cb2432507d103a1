"""Secrets stay out of what Relance writes down: logs, failures, audit events."""

from __future__ import annotations

import json
import logging

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from django.test import Client

from relance.api.tokens import create_token
from relance.audit import Event
from relance.channels import outbox
from relance.channels.models import Message
from relance.collection.models import Action

from .conftest import MONDAY, Inbox, free_port, queue

PASSWORD = "pw-7f3a9c1e5b2d"


class Refusing:
    """A mail server that asks for a login and refuses every one, as a wrong password."""

    def __init__(self) -> None:
        self.tried: list[bytes] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        self.tried.append(auth_data.password)
        return AuthResult(success=False, handled=False)


# Plain-text AUTH is what this server is for: a login to refuse, on localhost.
@pytest.fixture
def locked_smtp(settings, tmp_path):  # type: ignore[no-untyped-def]
    refusing = Refusing()
    port = free_port()
    controller = Controller(
        Inbox(), hostname="127.0.0.1", port=port, authenticator=refusing,
        auth_required=True, auth_require_tls=False,
    )  # fmt: skip
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "relance", PASSWORD
    settings.MEDIA_ROOT = tmp_path / "media"
    yield refusing
    controller.stop()


def _written_down() -> str:
    """Everything the database keeps that a person or an export could read."""
    rows = [
        *Message.objects.values_list("error", flat=True),
        *Action.objects.values_list("status_reason", flat=True),
        *(json.dumps(data, default=str) for data in Event.objects.values_list("data", flat=True)),
    ]
    return "\n".join(str(r) for r in rows)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_refused_smtp_login_records_the_failure_but_never_the_password(
    creditor, billed, locked_smtp, caplog
):
    caplog.set_level(logging.DEBUG)
    queue(billed, "first_reminder", ["email"])
    outbox.send(today=MONDAY)

    assert set(locked_smtp.tried) == {PASSWORD.encode()}  # it was sent, and refused
    assert "535" in Message.objects.get().error  # the reason is kept...
    assert PASSWORD not in caplog.text  # ...the password nowhere
    assert PASSWORD not in _written_down()


def test_an_api_token_is_not_kept_or_logged_whether_good_or_bad(creditor, caplog):
    from tests.members import member

    caplog.set_level(logging.DEBUG)
    alice = member("alice")
    _, secret = create_token(alice, creditor, scopes=["read"], name="erp", actor="test")
    good = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    bad = Client(HTTP_AUTHORIZATION=f"Bearer {secret[:-4]}XXXX")

    assert good.get("/api/customers").status_code == 200
    assert bad.get("/api/customers").status_code == 401
    assert "Unauthorized" in caplog.text  # django.request logged the refusal
    for part in (secret, secret[12:-4]):  # all but the public prefix
        assert part not in caplog.text
        assert part not in _written_down()


def test_a_day_of_collection_logs_no_debtor_name_email_or_phone(billed, smtp, client, caplog):
    """The send through a real SMTP server, the staff's pages and the API, with
    their refusals (logged by Django): the logs name actions and paths, never a debtor."""
    from tests.members import member

    caplog.set_level(logging.DEBUG)
    queue(billed, "first_reminder", ["email", "sms"])
    outbox.send(today=MONDAY)
    assert smtp.received  # the reminder left
    alice = member("alice", password="x" * 12)
    client.force_login(alice)
    for path in ("/worklist/?date=2026-03-02", "/customers/C001/", "/customers/NOBODY/"):
        client.get(path)
    _, secret = create_token(alice, billed.creditor, scopes=["read"], name="erp", actor="test")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/customers/C001").status_code == 200
    assert api.get("/api/customers/NOBODY").status_code == 404
    # The test's own mail server logs the envelopes it receives: not Relance's logs.
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail"))
    assert "Not Found" in logged  # django.request logged the 404s
    for personal in ("Boulangerie Martin", "compta@martin.example", "+33472000000",
                     "1 rue Haute"):  # fmt: skip
        assert personal not in logged
