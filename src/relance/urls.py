from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from relance.login import LoginView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dashboard", permanent=False)),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("relance.accounts.urls")),
    path("", include("relance.ledger.urls")),
    path("", include("relance.imports.urls")),
    path("", include("relance.collection.urls")),
    path("", include("relance.channels.urls")),
    path("", include("relance.handoff.urls")),
    path("", include("relance.reports.urls")),
    path("", include("relance.bank.urls")),
    path("", include("relance.risk.urls")),
    path("", include("relance.api.urls")),
    path("", include("relance.webhooks.urls")),
    path("portal/", include("relance.portal.urls")),
]
