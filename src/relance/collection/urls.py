from django.urls import path

from relance.collection import views

urlpatterns = [
    path("worklist/", views.worklist, name="worklist"),
    path("worklist/not-contacted/", views.not_contacted, name="worklist-not-contacted"),
    path("worklist/decide/", views.decide, name="worklist-decide"),
    path("worklist/run/", views.run_now, name="worklist-run"),
    path("collection/hold/", views.hold, name="hold"),
    path("collection/promise/", views.promise, name="promise"),
    path("collection/dispute/", views.dispute, name="dispute"),
    path("collection/plan/", views.plan_create, name="plan-create"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/letter.pdf", views.plan_letter, name="plan-letter"),
    path("plans/<int:pk>/<slug:verb>/", views.plan_change, name="plan-change"),
    path("collection/promise/<int:pk>/cancel/", views.promise_cancel, name="promise-cancel"),
    path("collection/note/", views.note, name="note"),
    path("disputes/", views.dispute_list, name="disputes"),
    path("disputes/<int:pk>/", views.dispute_detail, name="dispute-detail"),
    path("disputes/<int:pk>/files/<int:comment>/", views.dispute_file, name="dispute-file"),
    path("scenarios/", views.scenario_list, name="scenarios"),
    path("scenarios/<slug:key>/", views.scenario_edit, name="scenario"),
]
