"""Background delivery of webhooks (Django's task framework: `relance worker`)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from relance.webhooks import services


@task()
def deliver_webhooks() -> dict[str, Any]:
    """Send the deliveries due; when retries wait, come back at the earliest one."""
    report = services.deliver_due()
    if report.next_attempt_at is not None:
        deliver_webhooks.using(run_after=report.next_attempt_at).enqueue()
    return report.as_json()
