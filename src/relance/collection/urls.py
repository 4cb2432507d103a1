from django.urls import path

from relance.collection import views

urlpatterns = [
    path("worklist/", views.worklist, name="worklist"),
    path("worklist/decide/", views.decide, name="worklist-decide"),
    path("worklist/run/", views.run_now, name="worklist-run"),
    path("collection/hold/", views.hold, name="hold"),
    path("collection/promise/", views.promise, name="promise"),
    path("collection/dispute/", views.dispute, name="dispute"),
    path("scenarios/", views.scenario_list, name="scenarios"),
    path("scenarios/<slug:key>/", views.scenario_edit, name="scenario"),
]
