from django.urls import path

from relance.accounts import views

urlpatterns = [path("creditor/", views.switch_creditor, name="switch-creditor")]
