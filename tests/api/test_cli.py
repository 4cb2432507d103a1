from __future__ import annotations

import json
from typing import Any

from django.test import Client, override_settings
from typer.testing import CliRunner

from relance.cli import app
from relance.webhooks.models import WebhookEndpoint

runner = CliRunner()


def relance(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_a_token_made_on_the_command_line_works_until_revoked(user: Any, creditor: Any) -> None:
    made = relance("token", "create", "alice", "--scope", "read", "--name", "erp")
    assert made.exit_code == 0, made.output
    token = json.loads(made.stdout)
    headers = {"Authorization": f"Bearer {token['token']}"}
    assert Client().get("/api/customers", headers=headers).status_code == 200
    listed = json.loads(relance("token", "list").stdout)
    assert [t["name"] for t in listed] == ["erp"]
    assert "token" not in listed[0]
    assert relance("token", "revoke", str(token["id"])).exit_code == 0
    assert Client().get("/api/customers", headers=headers).status_code == 401


def test_a_token_for_an_unknown_user_or_scope_is_refused(user: Any, creditor: Any) -> None:
    assert relance("token", "create", "nobody", "--scope", "read").exit_code == 1
    assert relance("token", "create", "alice", "--scope", "everything").exit_code == 1


def test_a_webhook_is_added_and_listed_and_a_private_one_refused(creditor: Any) -> None:
    refused = relance("webhook", "add", "http://192.168.1.10/hook")
    assert refused.exit_code == 1
    assert "private" in refused.stderr
    with override_settings(WEBHOOK_ALLOWED_HOSTS=["192.168.1.10"]):
        added = relance("webhook", "add", "http://192.168.1.10/hook", "--events",
                        "dispute.opened,plan.defaulted")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["events"] == ["dispute.opened", "plan.defaulted"]
    assert [e["url"] for e in json.loads(relance("webhook", "list").stdout)] == [
        "http://192.168.1.10/hook"
    ]
    assert relance("webhook", "deliveries").exit_code == 0
    assert WebhookEndpoint.objects.get().secret.startswith("whsec_")
