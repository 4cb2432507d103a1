"""Background tasks (Django's task framework, database backend: `relance worker`)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django_tasks import task

from relance.channels import outbox


@task()
def send_outbox() -> dict[str, Any]:
    """Send what is queued; when deliveries wait to be retried, come back for them."""
    report = outbox.send(today=timezone.localdate())
    if report.next_attempt_at is not None:
        send_outbox.using(run_after=report.next_attempt_at).enqueue()
    return report.as_json()


def wake_sender() -> None:
    """After a commit that queued actions: the worker sends them without waiting."""
    send_outbox.enqueue()
