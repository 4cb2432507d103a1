"""Idempotency-Key: the effect and the stored response commit together, and the unique
(token, key) constraint decides between two requests sent at once."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, connections
from django.db.models.signals import post_save
from django.test import Client

from relance.api.models import IdempotentRequest
from relance.collection.models import Note

NOTE = {"customer": "C1", "reason": "forgot", "text": "will pay Friday"}


def test_a_crash_while_storing_the_response_keeps_no_effect_and_the_retry_applies_it_once(
    load: Any, api: Any
) -> None:
    def crash(instance: IdempotentRequest, **_: Any) -> None:
        if instance.status:  # the response is being stored, after the effect ran
            raise RuntimeError("the process died here")

    post_save.connect(crash, sender=IdempotentRequest, dispatch_uid="crash")
    try:
        with pytest.raises(RuntimeError):
            api.post("/notes", NOTE, **{"Idempotency-Key": "k-crash"})
    finally:
        post_save.disconnect(sender=IdempotentRequest, dispatch_uid="crash")
    assert Note.objects.count() == 0
    assert not IdempotentRequest.objects.exists()

    retried = api.post("/notes", NOTE, **{"Idempotency-Key": "k-crash"})
    assert retried.status_code == 201, retried.content
    again = api.post("/notes", NOTE, **{"Idempotency-Key": "k-crash"})
    assert again["Idempotent-Replayed"] == "true"
    assert Note.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_requests_sent_at_once_with_the_same_key_apply_the_effect_once(
    load: Any, bearer: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes the write lock for the whole request: no overlap to test")
    headers = bearer("read", "write") | {"Idempotency-Key": "k-race"}

    def slow(**_: Any) -> None:
        time.sleep(0.5)  # both requests are past the look-up before either stores its key

    post_save.connect(slow, sender=Note, dispatch_uid="slow")
    start = threading.Barrier(2)
    responses: list[Any] = []

    def send() -> None:
        start.wait()
        try:
            responses.append(Client().post("/api/notes", NOTE, content_type="application/json",
                                           headers=headers))  # fmt: skip
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        post_save.disconnect(sender=Note, dispatch_uid="slow")
    assert sorted(r.status_code for r in responses) == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert sorted(r.get("Idempotent-Replayed", "") for r in responses) == ["", "true"]
    assert Note.objects.count() == 1
