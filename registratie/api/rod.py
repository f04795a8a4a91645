"""API of the ROD deliveries and their records (read only; the nightly job writes them)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from registratie.rod.models import RodLevering, RodStand
from samenwerking.api.base import ScopedReadOnlyViewSet


class RodLeveringSerializer(serializers.ModelSerializer):
    class Meta:
        model = RodLevering
        fields = [
            "id",
            "instelling",
            "volgnummer",
            "peildatum",
            "soort",
            "status",
            "sha256",
            "aantal_records",
            "aantal_vastgehouden",
            "aantal_geaccepteerd",
            "aantal_afgekeurd",
            "aangemaakt_op",
        ]


class RodBerichtSerializer(serializers.ModelSerializer):
    """One record of a delivery: the enrolment's state at ROD and ROD's answer."""

    inschrijvingsvolgnummer = serializers.CharField(source="sleutel")

    class Meta:
        model = RodStand
        fields = [
            "id",
            "inschrijvingsvolgnummer",
            "inschrijving",
            "sector",
            "mutatie",
            "bij_rod",
            "terugkoppeling",
            "afkeurcode",
            "afkeurmelding",
            "vastgehouden",
            "signaal",
        ]


class RodLeveringViewSet(ScopedReadOnlyViewSet):
    """ROD deliveries of your instelling (only its beheerders: the files hold BSNs)."""

    queryset = RodLevering.objects.order_by("-aangemaakt_op", "-id")
    serializer_class = RodLeveringSerializer
    filterset_fields = ["soort", "status", "peildatum"]

    @extend_schema(responses=RodBerichtSerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=RodBerichtSerializer)
    def berichten(self, request, pk=None, format=None):
        """De records van deze levering met de terugkoppeling van ROD (gepagineerd)."""
        levering = self.get_object()
        pagina = self.paginate_queryset(RodStand.objects.filter(levering=levering).order_by("id"))
        return self.get_paginated_response(RodBerichtSerializer(pagina, many=True).data)
