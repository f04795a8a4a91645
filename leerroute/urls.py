from django.urls import path

from leerroute import views

app_name = "leerroutes"

urlpatterns = [
    path("", views.lijst, name="lijst"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/programma/", views.programma, name="programma"),
]
