"""The API object: /api/openapi.json, /api/docs (Swagger UI served from our static files)."""

from __future__ import annotations

from django.urls import path
from ninja import NinjaAPI

from relance.api import bank, collection, ledger, problems, views

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

urlpatterns = [
    path("api/", api.urls),
    path("tokens/", views.token_list, name="api-tokens"),
    path("tokens/<int:pk>/revoke/", views.revoke, name="api-token-revoke"),
]
