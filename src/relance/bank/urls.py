from django.urls import path

from relance.bank import views

urlpatterns = [
    path("matching/", views.matching, name="matching"),
    path("matching/<int:pk>/", views.line, name="matching-line"),
    path("matching/<int:pk>/change/", views.change, name="matching-change"),
    path("matching/<int:pk>/<slug:verb>/", views.decide, name="matching-decide"),
]
