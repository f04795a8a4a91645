from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from registratie.importeren import scherm as importeer_scherm
from registratie.jobs import gezond
from samenwerking import api_sleutels, tweestaps
from samenwerking import views as samenwerking_views

urlpatterns = [
    path("", samenwerking_views.home, name="home"),
    path("inloggen/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("inloggen/tweestaps/", tweestaps.tweestaps_verifieren, name="tweestaps-verifieren"),
    path("inloggen/tweestaps/instellen/", tweestaps.tweestaps_instellen, name="tweestaps-instellen"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path("beheer/", admin.site.urls),
    path("rod/", include("registratie.rod.urls")),
    path("taken/", include("registratie.jobs.urls")),
    path("geschiedenis/", include("samenwerking.geschiedenis")),
    path("overeenkomsten/", include("samenwerking.overeenkomsten")),
    path("leerroutes/", include("leerroute.urls")),
    path("", include("registratie.urls")),
    path("", include("kwaliteit.urls")),
    path("api/v1/", include(("config.api_urls", "v1"))),
    # The unversioned alias of v1, kept for one release (deprecated in the schema).
    path("api/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start script as a file: no inline script under the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("gezond/", gezond.health, name="health"),
    path("api-sleutels/", api_sleutels.overzicht, name="api-sleutels"),
    path("importeren/", importeer_scherm.importeren, name="importeren"),
    path("importeren/<int:pk>/", importeer_scherm.import_run, name="import-run"),
    path("importeren/<int:pk>/voortgang/", importeer_scherm.import_voortgang, name="import-voortgang"),
    path("importeren/<int:pk>/inlezen/", importeer_scherm.import_echt, name="import-echt"),
    path("importeren/<int:pk>/annuleren/", importeer_scherm.import_annuleren, name="import-annuleren"),
    path("api-sleutels/<int:pk>/intrekken/", api_sleutels.intrekken, name="api-sleutel-intrekken"),
]

handler404 = "config.api.niet_gevonden"
