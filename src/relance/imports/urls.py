from django.urls import path

from relance.imports import views

urlpatterns = [
    path("imports/", views.import_page, name="imports"),
    path("imports/<int:pk>/rejects/", views.reject_file, name="import-rejects"),
]
