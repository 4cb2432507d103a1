"""Idempotency-Key on POST: a retried request gets the first response, not a second effect.

Keys are stored per token. The same key with another body (or path) is a conflict.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse

from relance.api.auth import token_of
from relance.api.models import ApiToken, IdempotentRequest
from relance.api.problems import problem

HEADER = "Idempotency-Key"


def _replay(stored: IdempotentRequest, digest: str, path: str) -> HttpResponse:
    if stored.body_sha256 != digest or stored.path != path:
        return problem(409, f"the {HEADER} was already used with another request")
    response = HttpResponse(bytes(stored.body), status=stored.status,
                            content_type=stored.content_type)  # fmt: skip
    response["Idempotent-Replayed"] = "true"
    return response


class _Taken(Exception):
    """Another request holds (or held) this key."""


def _claim(request: HttpRequest, token: ApiToken, key: str, digest: str) -> IdempotentRequest:
    """Insert the key before the effect runs.

    The unique constraint on (token, key) decides between two requests sent at once:
    the second waits on the index until the first commits, then fails here, before
    running its effect, and replays the first one's response.
    """
    try:
        with transaction.atomic():
            return IdempotentRequest.objects.create(
                token=token, key=key, method=request.method or "POST", path=request.path,
                body_sha256=digest, status=0, content_type="", body=b"",
            )  # fmt: skip
    except IntegrityError:
        raise _Taken from None


def idempotent(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a POST operation that returns an HttpResponse."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view(request, *args, **kwargs)
        if len(key) > 200:
            return problem(400, f"the {HEADER} is longer than 200 characters")
        token = token_of(request)
        digest = hashlib.sha256(request.body).hexdigest()
        stored = IdempotentRequest.objects.filter(token=token, key=key).first()
        if stored is not None:
            return _replay(stored, digest, request.path)
        try:
            # The effect and the stored response commit together: a crash between them
            # cannot leave an effect without its key, which a retry would apply again.
            with transaction.atomic():
                claim = _claim(request, token, key, digest)
                response = view(request, *args, **kwargs)
                if response.status_code >= 500:
                    # A failure the client may retry with the same key: keep nothing.
                    transaction.set_rollback(True)
                    return response
                claim.status = response.status_code
                claim.content_type = response.get("Content-Type", "application/json")
                claim.body = response.content
                claim.save(update_fields=["status", "content_type", "body"])
                return response
        except _Taken:
            stored = IdempotentRequest.objects.get(token=token, key=key)
            return _replay(stored, digest, request.path)

    # ninja reads the parameters from the signature: give it the view's, with its
    # annotations evaluated in the view's module (this one does not know its schemas).
    wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
    return wrapper
