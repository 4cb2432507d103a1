from django.urls import path

from relance.handoff import views

urlpatterns = [
    path("handoff/", views.case_list, name="handoff-cases"),
    path("handoff/partners/", views.partners, name="handoff-partners"),
    path("handoff/new/<str:code>/", views.new, name="handoff-new"),
    path("handoff/<int:pk>/", views.case_detail, name="handoff-case"),
    path("handoff/<int:pk>/dossier.zip", views.dossier_zip, name="handoff-dossier"),
    path("handoff/<int:pk>/payment/", views.payment, name="handoff-payment"),
    path("handoff/<int:pk>/close/", views.close, name="handoff-close"),
]
