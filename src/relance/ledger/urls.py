from django.urls import path

from relance.ledger import views

urlpatterns = [
    path("customers/", views.customer_list, name="customers"),
    path("customers/<str:code>/", views.customer_detail, name="customer"),
    path("invoices/", views.invoice_list, name="invoices"),
    path("invoices/<str:number>/", views.invoice_detail, name="invoice"),
    path("invoices/<str:number>/evidence/<int:pk>/", views.evidence_file, name="evidence"),
]
