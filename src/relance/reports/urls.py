from django.urls import path

from relance.reports import views

urlpatterns = [
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("reports/aging/", views.aging_page, name="aging"),
    path("reports/indicators/", views.indicators_page, name="indicators"),
]
