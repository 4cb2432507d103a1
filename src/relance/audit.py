"""The audit trail: one append-only table, written by every service in its transaction.

An event says who did what to which record, and the values that changed. Rows are
never updated or deleted; the model and its queryset refuse it. One exception, the
law's: `redact` replaces personal data inside events when a person's data is erased
(GDPR art. 17, relance.privacy), and the erasure is itself an event.
"""

from __future__ import annotations

from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class AppendOnly(Exception):
    pass


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnly("audit events are never changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly("audit events are never deleted")


class Event(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.CharField(max_length=150)
    creditor_id = models.BigIntegerField(null=True, blank=True)
    verb = models.CharField(max_length=60)
    subject_type = models.CharField(max_length=40)
    subject_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = EventQuerySet.as_manager()

    class Meta:
        app_label = "relance"
        indexes = [models.Index(fields=["subject_type", "subject_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.verb} {self.subject_type}#{self.subject_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnly("audit events are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly("audit events are never deleted")


def event(
    actor: str,
    verb: str,
    subject: models.Model,
    data: dict[str, Any] | None = None,
    *,
    creditor_id: int | None = None,
) -> Event:
    """An unsaved event about `subject`; services save it (or bulk-create many)."""
    if creditor_id is None:
        creditor_id = getattr(subject, "creditor_id", None)
    return Event(
        actor=actor,
        verb=verb,
        subject_type=subject._meta.model_name or "",
        subject_id=subject.pk,
        creditor_id=creditor_id,
        data=data or {},
    )


def record(
    actor: str,
    verb: str,
    subject: models.Model,
    data: dict[str, Any] | None = None,
    *,
    creditor_id: int | None = None,
) -> Event:
    """Write one event now; call it inside the service's transaction."""
    ev = event(actor, verb, subject, data, creditor_id=creditor_id)
    ev.save()
    return ev


def changes(obj: models.Model, new: dict[str, Any]) -> dict[str, list[Any]]:
    """Field -> [old, new] for the values of `new` that differ from `obj`'s."""
    return {
        name: [getattr(obj, name), value]
        for name, value in new.items()
        if getattr(obj, name) != value
    }


def redact(events: models.QuerySet[Event], change: Any) -> int:
    """Replace each event's data by `change(data)` where it differs: who did what and
    when stays, the personal values go. Only relance.privacy calls it."""
    changed = 0
    for pk, data in events.values_list("pk", "data"):
        new = change(data)
        if new != data:
            models.QuerySet(Event).filter(pk=pk).update(data=new)
            changed += 1
    return changed
