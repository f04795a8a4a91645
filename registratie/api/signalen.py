"""API of what happened on a route: fasewissels, uitstroom and signals (with the coordinator's
decisions). Writes go through registratie.services, like the screens."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from leerroute.models import Leerroute
from registratie import selectors, services
from registratie.api import schrijven
from registratie.models import Fasewissel, Leerling, Signaal, Uitstroom
from registratie.rod import teldata
from samenwerking import scope
from samenwerking.api.base import ScopedReadOnlyViewSet
from samenwerking.models import Kanaal


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Dit signaal is al afgehandeld."
    default_code = "conflict"


class FasewisselSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fasewissel
        fields = ["id", "inschrijving", "van_fase", "naar_fase", "ingangsdatum", "geregistreerd_op"]


class FasewisselViewSet(ScopedReadOnlyViewSet):
    queryset = Fasewissel.objects.order_by("-ingangsdatum", "-id")
    serializer_class = FasewisselSerializer
    filterset_fields = ["inschrijving", "naar_fase", "ingangsdatum"]


class UitstroomSerializer(serializers.ModelSerializer):
    correctiereden = schrijven.correctiereden_veld()

    class Meta:
        model = Uitstroom
        fields = [
            "id",
            "leerling",
            "leerroute",
            "datum",
            "reden",
            "bestemming",
            "toelichting",
            "vastgelegd_op",
            "correctiereden",
        ]
        read_only_fields = ["vastgelegd_op"]

    def get_fields(self):
        fields = super().get_fields()
        user = self.context["request"].user
        fields["leerling"].queryset = Leerling.objects.for_user(user, scope.CHANGE)
        fields["leerroute"].queryset = Leerroute.objects.for_user(user, scope.CHANGE)
        return fields


class UitstroomViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """R-INS-10: record that a student stops or switches; ends the route's enrolments."""

    queryset = Uitstroom.objects.order_by("-datum", "-id")
    serializer_class = UitstroomSerializer
    filterset_fields = ["leerling", "leerroute", "reden", "bestemming"]

    def perform_create(self, serializer):
        # A reason sent is the correction reason of a change after a ROD count date's deadline.
        with teldata.correctie_uit(serializer.validated_data) as gegevens:
            uitstroom = Uitstroom(**gegevens)
            services.uitstroom_vastleggen(uitstroom=uitstroom, door=self.request.user, kanaal=Kanaal.API)
        serializer.instance = uitstroom


class SignaalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Signaal
        fields = [
            "id",
            "regel",
            "bron",
            "leerling",
            "inschrijving",
            "overeenkomst",
            "instelling",
            "partner_instelling",
            "toelichting",
            "status",
            "aangemaakt_op",
            "gesloten_op",
            "afhandeling",
            "toegewezen_aan",
            "toegewezen_persoon",
            "leerroute",
            "voorgestelde_datum",
        ]


class MagSignaalAfhandelen(permissions.BasePermission):
    """Reading as any role; deciding only for the coordinator of the agreement (a ROD signal: the
    beheerder of the instelling that delivered), as on screen (selectors.mag_signaal_afhandelen)."""

    message = "Dit signaal handelt de coördinator van de overeenkomst af; een ROD-signaal de beheerder."

    def has_permission(self, request, view):
        s = scope.scope_for(request.user)
        return request.method in permissions.SAFE_METHODS or s.alles or bool(s.beheer or s.overeenkomsten)

    def has_object_permission(self, request, view, obj):
        return request.method in permissions.SAFE_METHODS or selectors.mag_signaal_afhandelen(
            request.user, obj
        )


class SignaalViewSet(ScopedReadOnlyViewSet):
    queryset = Signaal.objects.order_by("-aangemaakt_op", "-id")
    serializer_class = SignaalSerializer
    permission_classes = [permissions.IsAuthenticated, MagSignaalAfhandelen]
    filterset_fields = ["regel", "status", "bron", "overeenkomst", "instelling", "leerling"]
    ordering_fields = ["aangemaakt_op", "id"]

    def _beslis(self, invoer_class, uitvoeren):
        signaal = self.get_object()
        invoer = (
            invoer_class(data=self.request.data, context=self.get_serializer_context())
            if invoer_class
            else None
        )
        if invoer is not None:
            invoer.is_valid(raise_exception=True)
        if signaal.status not in services.SIGNAAL_OPEN:
            raise Conflict(f"Dit signaal is al afgehandeld ({signaal.get_status_display()}).")
        uitvoeren(signaal, invoer.validated_data if invoer is not None else {})
        return Response(self.get_serializer(Signaal.objects.get(pk=signaal.pk)).data)

    @extend_schema(request=None, responses=SignaalSerializer)
    @action(detail=True, methods=["post"])
    def toepassen(self, request, pk=None, format=None):
        """Pas de voorgestelde fasewissel toe (R-INS-4) en sluit het signaal."""
        return self._beslis(
            None, lambda s, d: services.signaal_toepassen(signaal=s, door=request.user, kanaal=Kanaal.API)
        )

    @extend_schema(request=schrijven.AfwijzenSerializer, responses=SignaalSerializer)
    @action(detail=True, methods=["post"])
    def afwijzen(self, request, pk=None, format=None):
        """Wijs het signaal af met een reden; een volgende controle meldt het niet opnieuw."""
        return self._beslis(
            schrijven.AfwijzenSerializer,
            lambda s, d: services.signaal_afwijzen(
                signaal=s, reden=d["reden"], door=request.user, kanaal=Kanaal.API
            ),
        )

    @extend_schema(request=schrijven.OverdragenSerializer, responses=SignaalSerializer)
    @action(detail=True, methods=["post"])
    def overdragen(self, request, pk=None, format=None):
        """Draag het signaal over aan een collega (een beheerder van de vo-school of de mbo-instelling
        van de overeenkomst), of aan een van die scholen."""
        return self._beslis(
            schrijven.OverdragenSerializer,
            lambda s, d: services.signaal_overdragen(
                signaal=s,
                aan=d["aan"],
                aan_persoon=d["aan_persoon"],
                toelichting=d["toelichting"],
                door=request.user,
                kanaal=Kanaal.API,
            ),
        )
