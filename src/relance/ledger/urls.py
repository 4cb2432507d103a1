from django.urls import path

from relance.ledger import views

# Invoice numbers and account codes may hold slashes (FA/2026/001): `path` converters,
# with the longer evidence route first.
urlpatterns = [
    path("customers/", views.customer_list, name="customers"),
    path(
        "customers/<path:code>/penalty-invoice/",
        views.customer_penalty_invoice,
        name="customer-penalty-invoice",
    ),
    path("customers/<path:code>/collector/", views.customer_collector, name="customer-collector"),
    path("customers/<path:code>/", views.customer_detail, name="customer"),
    path("invoices/", views.invoice_list, name="invoices"),
    path("invoices/<path:number>/evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path(
        "invoices/<path:number>/penalty-invoice/",
        views.invoice_penalty_invoice,
        name="invoice-penalty-invoice",
    ),
    path("invoices/<path:number>/", views.invoice_detail, name="invoice"),
    path("penalty-invoices/<int:pk>/", views.penalty_invoice_file, name="penalty-invoice"),
]
