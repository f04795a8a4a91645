"""Every API endpoint, one router. Each app registers its viewsets in its api/ package.

Mounted at /api/v1/ and, for one release, at /api/ (marked deprecated in the schema)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from leerroute.api.views import LeerrouteViewSet
from registratie.api.importeren import ImportView
from registratie.api.rod import RodLeveringViewSet
from registratie.api.signalen import FasewisselViewSet, SignaalViewSet, UitstroomViewSet
from registratie.api.views import InschrijvingViewSet, LeerlingViewSet
from samenwerking.api.views import InstellingViewSet, OvereenkomstViewSet

router = DefaultRouter()
router.register("instellingen", InstellingViewSet, basename="instelling")
router.register("overeenkomsten", OvereenkomstViewSet, basename="overeenkomst")
router.register("leerroutes", LeerrouteViewSet, basename="leerroute")
router.register("leerlingen", LeerlingViewSet, basename="leerling")
router.register("inschrijvingen", InschrijvingViewSet, basename="inschrijving")
router.register("fasewissels", FasewisselViewSet, basename="fasewissel")
router.register("uitstroom", UitstroomViewSet, basename="uitstroom")
router.register("signalen", SignaalViewSet, basename="signaal")
router.register("rod-leveringen", RodLeveringViewSet, basename="rodlevering")

urlpatterns = [path("import/", ImportView.as_view(), name="import"), *router.urls]
