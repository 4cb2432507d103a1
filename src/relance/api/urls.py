"""The API object: /api/openapi.json, /api/docs (Swagger UI served from our static files)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path
from ninja import NinjaAPI

from relance.api import bank, collection, ledger, problems, reports, views

api = NinjaAPI(
    title="Relance API",
    version="1",
    description="Accounts-receivable collection: see docs/api.md. Authenticate with "
    "`Authorization: Bearer <token>` (`relance token create`).",
    urls_namespace="api",
)
problems.install(api)
api.add_router("/", ledger.router)
api.add_router("/", collection.router)
api.add_router("/", bank.router)
api.add_router("/", reports.router)


def unknown(request: HttpRequest, rest: str) -> HttpResponse:
    """A path the API does not have is a problem document too, not an HTML page."""
    return problems.problem(404, f"no API endpoint /api/{rest}")


urlpatterns = [
    path("api/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", unknown),
    path("tokens/", views.token_list, name="api-tokens"),
    path("tokens/<int:pk>/revoke/", views.revoke, name="api-token-revoke"),
]
