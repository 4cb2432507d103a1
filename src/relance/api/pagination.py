"""Limit/offset pages: {"count", "limit", "offset", "next", "results"}."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from ninja import Schema
from pydantic import Field

MAX_LIMIT = 500
M = TypeVar("M", bound=Model)


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Items per page (at most 500).")
    offset: int = Field(0, ge=0, description="Items to skip.")


def page(
    request: HttpRequest, qs: QuerySet[M], q: PageQuery, shape: Callable[[M], dict[str, Any]]
) -> dict[str, Any]:
    count = qs.count()
    rows = list(qs[q.offset : q.offset + q.limit])
    following = None
    if q.offset + q.limit < count:
        params = request.GET.copy()
        params["offset"] = str(q.offset + q.limit)
        params["limit"] = str(q.limit)
        following = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    return {
        "count": count, "limit": q.limit, "offset": q.offset, "next": following,
        "results": [shape(r) for r in rows],
    }  # fmt: skip
