from django.urls import path

from kwaliteit import views

app_name = "kwaliteit"

urlpatterns: list = [
    path("routes/nieuw/", views.route_nieuw, name="route-nieuw"),
    path("routes/<int:pk>/stappenplan/", views.stappenplan, name="stappenplan"),
    path("routes/<int:pk>/activeren/", views.route_activeren, name="route-activeren"),
    path("routes/<int:pk>/evaluaties/", views.evaluaties, name="evaluaties"),
    path("routes/<int:pk>/dossier/", views.dossier_scherm, name="dossier"),
    path("routes/<int:pk>/dossier.pdf", views.dossier_pdf, name="dossier-pdf"),
    path("stappen/<int:pk>/", views.stap, name="stap"),
    path("stappen/<int:pk>/document/", views.stap_document, name="stap-document"),
    path("documenten/<int:pk>/", views.document, name="document"),
    path("evaluaties/<int:pk>/", views.evaluatie, name="evaluatie"),
]
