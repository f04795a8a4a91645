from django.urls import path

from registratie.rod import views, views_terugkoppeling, wachtrij_views

app_name = "rod"

urlpatterns: list = [
    path("", views.levering_lijst, name="leveringen"),
    path("<int:pk>/", views.levering_detail, name="levering"),
    path("<int:pk>/bestand/", views.levering_bestand, name="bestand"),
    path("<int:pk>/terugkoppeling/", views.terugkoppeling_inlezen, name="terugkoppeling"),
    path("berichten/", wachtrij_views.wachtrij_lijst, name="wachtrij"),
    path("berichten/leveren/", wachtrij_views.nu_leveren, name="nu_leveren"),
    path("berichten/<int:pk>/", wachtrij_views.bericht_detail, name="bericht"),
    path("berichten/<int:pk>/opnieuw/", wachtrij_views.bericht_opnieuw, name="bericht_opnieuw"),
    # format v2: what comes back from DUO (registratie/rod/views_terugkoppeling.py)
    path("terugkoppeling/", views_terugkoppeling.terugkoppeling_lijst, name="terugkoppeling_lijst"),
    path(
        "terugkoppeling/inlezen/", views_terugkoppeling.terugkoppeling_inlezen, name="terugkoppeling_inlezen"
    ),
    path(
        "terugkoppeling/melding/<int:pk>/accepteren/",
        views_terugkoppeling.waarschuwing_accepteren,
        name="waarschuwing_accepteren",
    ),
    path("upload/<int:pk>/", views_terugkoppeling.upload_detail, name="upload"),
    path("upload/<int:pk>/status/", views_terugkoppeling.upload_status, name="upload_status"),
    path("upload/<int:pk>/annuleren/", views_terugkoppeling.upload_annuleren, name="upload_annuleren"),
    path("afstemming/", views_terugkoppeling.afstemming_lijst, name="afstemming_lijst"),
    path("afstemming/inlezen/", views_terugkoppeling.afstemming_inlezen, name="afstemming_inlezen"),
    path("afstemming/<int:pk>/", views_terugkoppeling.afstemming_detail, name="afstemming"),
    path("afstemming/<int:pk>/csv/", views_terugkoppeling.afstemming_csv, name="afstemming_csv"),
    path(
        "afstemming/<int:pk>/wachtrij/", views_terugkoppeling.afstemming_wachtrij, name="afstemming_wachtrij"
    ),
    path(
        "afstemming/<int:pk>/verschil/<int:verschil>/wachtrij/",
        views_terugkoppeling.afstemming_wachtrij,
        name="verschil_wachtrij",
    ),
]
