from django.urls import path

from relance.portal import manage, views

app_name = "portal"

urlpatterns = [
    # The credit manager's (logged in) before the debtor's token routes.
    path("manage/new/<path:code>", manage.new_link, name="link-new"),
    path("manage/revoke/<path:code>", manage.revoke, name="link-revoke"),
    path("<str:token>/", views.home, name="home"),
    path("<str:token>/invoices/<int:pk>/", views.invoice_file, name="invoice"),
    path("<str:token>/statement.pdf", views.statement, name="statement"),
    path("<str:token>/promise/", views.promise, name="promise"),
    path("<str:token>/dispute/", views.dispute, name="dispute"),
    path("<str:token>/plan/", views.plan, name="plan"),
    path("<str:token>/paid/", views.paid, name="paid"),
]
