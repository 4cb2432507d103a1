from django.urls import path

from relance.risk import views

# Account codes and invoice numbers may hold slashes: the code comes last.
urlpatterns = [
    path("risk/cover/<path:code>/", views.cover, name="risk-cover"),
    path("risk/score/<path:code>/", views.score, name="risk-score"),
    path("risk/limit/<path:code>/", views.limit, name="risk-limit"),
    path("risk/declare/<path:number>/", views.declare, name="risk-declare"),
]
