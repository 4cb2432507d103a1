from django.urls import path

from relance.webhooks import views

urlpatterns = [path("webhooks/", views.deliveries, name="webhook-deliveries")]
