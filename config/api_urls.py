"""Every API endpoint, one router. Each app registers its viewsets in its api/ package."""

from rest_framework.routers import DefaultRouter

from leerroute.api.views import LeerrouteViewSet
from registratie.api.views import InschrijvingViewSet, LeerlingViewSet
from samenwerking.api.views import InstellingViewSet, OvereenkomstViewSet

router = DefaultRouter()
router.register("instellingen", InstellingViewSet, basename="instelling")
router.register("overeenkomsten", OvereenkomstViewSet, basename="overeenkomst")
router.register("leerroutes", LeerrouteViewSet, basename="leerroute")
router.register("leerlingen", LeerlingViewSet, basename="leerling")
router.register("inschrijvingen", InschrijvingViewSet, basename="inschrijving")

urlpatterns = router.urls
