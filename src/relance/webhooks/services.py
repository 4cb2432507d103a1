"""Webhook endpoints and deliveries: add, record, send signed, retry with backoff.

A delivery is claimed by compare-and-set on its attempt count, so two workers never
send the same attempt twice.
"""

from __future__ import annotations

import http.client
import json
import secrets
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from relance import audit
from relance.audit import Event
from relance.core import webhooks as rules
from relance.core.errors import DomainError
from relance.ledger.models import Creditor
from relance.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

SIGNATURE_HEADER = "Relance-Signature"
TIMEOUT_SECONDS = 10
EXCERPT = 500  # characters of the receiver's answer kept in the log


def check_target(url: str) -> None:
    """Refuse a URL whose host resolves to a loopback, private, link-local or reserved
    address (SSRF), unless the host is in RELANCE_WEBHOOK_ALLOWED_HOSTS."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DomainError(f"{url!r}: a webhook URL is http:// or https:// with a host")
    host = parts.hostname.lower()
    if host in {h.lower() for h in settings.WEBHOOK_ALLOWED_HOSTS}:
        return
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise DomainError(f"{host}: cannot resolve ({exc.strerror})") from None
    for info in infos:
        address = str(info[4][0])
        why = rules.refused_address(address)
        if why:
            raise DomainError(
                f"{host} resolves to {address}, a {why} address: refused unless an "
                "administrator adds the host to RELANCE_WEBHOOK_ALLOWED_HOSTS"
            )


def parse_events(events: list[str]) -> list[str]:
    chosen = sorted({e.strip() for e in events if e.strip()}) or list(rules.EVENTS)
    unknown = [e for e in chosen if e not in rules.EVENTS]
    if unknown:
        raise DomainError(f"unknown event {unknown[0]!r}: choose from {', '.join(rules.EVENTS)}")
    return chosen


@transaction.atomic
def add_endpoint(creditor: Creditor, url: str, *, events: list[str], actor: str) -> WebhookEndpoint:
    check_target(url)
    endpoint = WebhookEndpoint.objects.create(
        creditor=creditor, url=url, events=parse_events(events),
        secret="whsec_" + secrets.token_urlsafe(24),
    )  # fmt: skip
    audit.record(actor, "webhook.added", endpoint, {"url": url, "events": endpoint.events})
    return endpoint


@transaction.atomic
def remove_endpoint(endpoint: WebhookEndpoint, *, actor: str) -> WebhookEndpoint:
    endpoint.active = False
    endpoint.save(update_fields=["active"])
    audit.record(actor, "webhook.disabled", endpoint, {"url": endpoint.url})
    return endpoint


def record_deliveries(ev: Event) -> int:
    """One pending delivery per active endpoint subscribed to the event's kind."""
    from relance.webhooks.events import VERBS, payload

    kind = VERBS[ev.verb]
    endpoints = [
        e for e in WebhookEndpoint.objects.filter(creditor_id=ev.creditor_id, active=True)
        if kind in e.events
    ]  # fmt: skip
    if not endpoints:
        return 0
    body = payload(ev)
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=e, event=kind, event_id=ev.pk, payload=body, next_attempt_at=now
            )
            for e in endpoints
        ]
    )
    return len(endpoints)


def wake_deliverer() -> None:
    from relance.webhooks.jobs import deliver_webhooks

    deliver_webhooks.enqueue()


@dataclass
class Report:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    next_attempt_at: datetime | None = field(default=None)

    def as_json(self) -> dict[str, Any]:
        return {
            "delivered": self.delivered, "retried": self.retried, "failed": self.failed,
            "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at else None,
        }  # fmt: skip


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()


def post(delivery: WebhookDelivery, now: datetime) -> tuple[int | None, str]:
    """One attempt: (HTTP status or None, the answer's excerpt or the error)."""
    endpoint = delivery.endpoint
    try:
        check_target(endpoint.url)
    except DomainError as exc:
        return None, str(exc)
    parts = urlsplit(endpoint.url)
    body = body_of(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Relance-Webhooks/1",
        "Relance-Event": delivery.event,
        "Relance-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: rules.signature(endpoint.secret, int(now.timestamp()), body),
    }
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    # http.client never follows a redirect: a 3xx cannot lead us to an internal host.
    conn = kind(parts.hostname or "", parts.port, timeout=TIMEOUT_SECONDS)
    try:
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        conn.request("POST", target, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read(EXCERPT * 4).decode("utf-8", "replace")[:EXCERPT]
        return response.status, text
    except (OSError, http.client.HTTPException) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:EXCERPT]
    finally:
        conn.close()


def _claim(delivery: WebhookDelivery) -> bool:
    return (
        WebhookDelivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.PENDING, attempts=delivery.attempts
        ).update(attempts=delivery.attempts + 1, last_attempt_at=timezone.now())
        == 1
    )


def deliver_due(now: datetime | None = None, limit: int = 100) -> Report:
    """Send the deliveries whose time has come; schedule a retry or give up on failures."""
    now = now or timezone.now()
    report = Report()
    due = (
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .select_related("endpoint")
        .order_by("next_attempt_at", "pk")[:limit]
    )
    for delivery in due:
        if not _claim(delivery):
            continue  # another worker got there first
        delivery.attempts += 1
        code, text = post(delivery, now)
        delivery.status_code, delivery.response = code, text
        if code is not None and 200 <= code < 300:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.DELIVERED, None
            report.delivered += 1
        else:
            delay = rules.retry_delay(delivery.attempts)
            if delay is None:
                delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
                report.failed += 1
            else:
                delivery.next_attempt_at = now + timedelta(seconds=delay)
                report.retried += 1
        delivery.save(update_fields=["status", "status_code", "response", "next_attempt_at"])
    report.next_attempt_at = WebhookDelivery.objects.filter(
        status=DeliveryStatus.PENDING
    ).aggregate(t=Min("next_attempt_at"))["t"]
    return report


def delivery_json(d: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": d.pk, "endpoint": d.endpoint.url, "event": d.event, "status": d.status,
        "attempts": d.attempts, "status_code": d.status_code,
        "next_attempt_at": d.next_attempt_at.isoformat() if d.next_attempt_at else None,
        "last_attempt_at": d.last_attempt_at.isoformat() if d.last_attempt_at else None,
        "response": d.response, "payload": d.payload,
    }  # fmt: skip


def endpoint_json(e: WebhookEndpoint) -> dict[str, Any]:
    return {"id": e.pk, "url": e.url, "events": e.events, "active": e.active,
            "secret": e.secret}  # fmt: skip
