from django.urls import path

from registratie.jobs import views

app_name = "taken"

urlpatterns = [
    path("", views.taken, name="lijst"),
    path("<str:taak>/uitvoeren/", views.taak_uitvoeren, name="uitvoeren"),
]
