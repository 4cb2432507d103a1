"""`relance webhook add|list|disable|deliveries|deliver`."""

from __future__ import annotations

from typing import Annotated

import typer

webhook_app = typer.Typer(help="Webhooks: signed POSTs on collection events.", no_args_is_help=True)


@webhook_app.command("add")
def add(
    url: str,
    events: Annotated[
        str, typer.Option("--events", help="Comma-separated; default: every event.")
    ] = "",
) -> None:
    """Subscribe URL to events; prints the signing secret (keep it)."""
    from relance.cli import creditor, emit, fail, setup

    setup()
    from relance.core.errors import DomainError
    from relance.webhooks import services

    try:
        endpoint = services.add_endpoint(creditor(), url, events=events.split(","), actor="cli")
    except DomainError as exc:
        raise fail(str(exc)) from None
    emit(services.endpoint_json(endpoint))


@webhook_app.command("list")
def list_() -> None:
    """The endpoints, with their secrets."""
    from relance.cli import creditor, emit, setup

    setup()
    from relance.webhooks import services
    from relance.webhooks.models import WebhookEndpoint

    emit([services.endpoint_json(e)
          for e in WebhookEndpoint.objects.filter(creditor=creditor()).order_by("pk")])  # fmt: skip


@webhook_app.command("disable")
def disable(endpoint_id: int) -> None:
    """Stop sending to an endpoint."""
    from relance.cli import creditor, emit, fail, setup

    setup()
    from relance.webhooks import services
    from relance.webhooks.models import WebhookEndpoint

    endpoint = WebhookEndpoint.objects.filter(creditor=creditor(), pk=endpoint_id).first()
    if endpoint is None:
        raise fail(f"no webhook endpoint {endpoint_id}")
    emit(services.endpoint_json(services.remove_endpoint(endpoint, actor="cli")))


@webhook_app.command("deliveries")
def deliveries(
    status: Annotated[str, typer.Option(help="pending, delivered or failed.")] = "",
    limit: Annotated[int, typer.Option(help="The newest N.")] = 50,
) -> None:
    """The delivery log, newest first (JSON)."""
    from relance.cli import creditor, emit, setup

    setup()
    from relance.webhooks import services
    from relance.webhooks.models import WebhookDelivery

    qs = WebhookDelivery.objects.filter(endpoint__creditor=creditor()).select_related("endpoint")
    if status:
        qs = qs.filter(status=status)
    emit([services.delivery_json(d) for d in qs.order_by("-pk")[:limit]])


@webhook_app.command("deliver")
def deliver() -> None:
    """Send the deliveries due now (the worker does it by itself)."""
    from relance.cli import emit, setup

    setup()
    from relance.webhooks import services

    emit(services.deliver_due().as_json())
