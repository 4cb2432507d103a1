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
from relance.api.models import IdempotentRequest
from relance.api.problems import problem

HEADER = "Idempotency-Key"


def _replay(stored: IdempotentRequest, digest: str, path: str) -> HttpResponse:
    if stored.body_sha256 != digest or stored.path != path:
        return problem(409, f"the {HEADER} was already used with another request")
    response = HttpResponse(bytes(stored.body), status=stored.status,
                            content_type=stored.content_type)  # fmt: skip
    response["Idempotent-Replayed"] = "true"
    return response


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
        response = view(request, *args, **kwargs)
        if response.status_code >= 500:
            return response  # a failure the client may retry with the same key
        try:
            with transaction.atomic():
                IdempotentRequest.objects.create(
                    token=token, key=key, method=request.method or "POST", path=request.path,
                    body_sha256=digest, status=response.status_code,
                    content_type=response.get("Content-Type", "application/json"),
                    body=response.content,
                )  # fmt: skip
        except IntegrityError:  # the same key, sent twice at once: the first one wins
            stored = IdempotentRequest.objects.get(token=token, key=key)
            return _replay(stored, digest, request.path)
        return response

    # ninja reads the parameters from the signature: give it the view's, with its
    # annotations evaluated in the view's module (this one does not know its schemas).
    wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
    return wrapper
