from django.urls import path

from registratie.rod import views, wachtrij_views

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
]
