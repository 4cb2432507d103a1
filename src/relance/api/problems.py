"""Errors as RFC 9457 problem details (`application/problem+json`)."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from relance.core.errors import DomainError
from relance.ledger.queries import NotFound

CONTENT_TYPE = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Unprocessable content",
    500: "Internal server error",
}


def problem(status: int, detail: str, **extra: Any) -> HttpResponse:
    body = {
        "type": f"https://relance.dev/problems/{status}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extra,
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="relance"'
    return response


def _field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic's errors as {"field", "reason"}: the location without ninja's wrappers."""
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload")]
        errors.append({"field": ".".join(loc), "reason": err.get("msg", "")})
    return errors


def install(api: NinjaAPI) -> None:
    def validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return problem(422, "the request does not validate", errors=_field_errors(exc))

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(exc.status_code, str(exc))

    def unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(401, "a valid bearer token is required (Authorization: Bearer rl_...)")

    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(404, str(exc) or "not found")

    def domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return problem(422, str(exc))

    api.add_exception_handler(ValidationError, validation)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(NotFound, not_found)
    api.add_exception_handler(DomainError, domain)
