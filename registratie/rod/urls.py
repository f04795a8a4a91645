from django.urls import path

from registratie.rod import views

app_name = "rod"

urlpatterns: list = [
    path("", views.levering_lijst, name="leveringen"),
    path("<int:pk>/", views.levering_detail, name="levering"),
    path("<int:pk>/bestand/", views.levering_bestand, name="bestand"),
    path("<int:pk>/terugkoppeling/", views.terugkoppeling_inlezen, name="terugkoppeling"),
]
