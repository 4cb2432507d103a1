from django.urls import path

from relance.channels import views

urlpatterns = [
    path("letters.pdf", views.letters_pdf, name="letters-pdf"),
    path("messages/<int:pk>/", views.message_detail, name="message"),
    path("messages/<int:pk>/document/", views.message_document, name="message-document"),
    path("messages/<int:pk>/posted/", views.posted, name="message-posted"),
    path("messages/<int:pk>/resolve/", views.resolve, name="message-resolve"),
    path("calls/<int:pk>/", views.call, name="call"),
    path("templates/", views.template_list, name="templates"),
    path("templates/<slug:key>/<str:language>/", views.template_edit, name="template"),
    path(
        "templates/<slug:key>/<str:language>/preview/",
        views.template_preview,
        name="template-preview",
    ),
]
