from rest_framework import mixins, serializers

from leerroute.models import LeerjaarProgramma, Leerroute, Programmaonderdeel
from samenwerking import scope
from samenwerking.api.base import ScopedReadOnlyViewSet
from samenwerking.models import Kanaal, Samenwerkingsovereenkomst
from samenwerking.services import opslaan


class ProgrammaonderdeelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Programmaonderdeel
        fields = ["naam", "examinering_door", "teambevoegdheid"]


class LeerjaarProgrammaSerializer(serializers.ModelSerializer):
    """R-LR-7: the programme and examination (PTA/OER) of one leerjaar of the route."""

    onderdelen = ProgrammaonderdeelSerializer(many=True, read_only=True)

    class Meta:
        model = LeerjaarProgramma
        fields = ["routejaar", "beschrijving", "onderdelen"]


class LeerrouteSerializer(serializers.ModelSerializer):
    crebo = serializers.CharField(source="kwalificatie.crebo", read_only=True)
    niveau = serializers.IntegerField(source="kwalificatie.niveau", read_only=True)
    programma = LeerjaarProgrammaSerializer(many=True, read_only=True)

    class Meta:
        model = Leerroute
        fields = [
            "id",
            "naam",
            "soort",
            "overeenkomst",
            "leerweg",
            "kwalificatie",
            "vo_vestiging",
            "mbo_vestiging",
            "crebo",
            "niveau",
            "startdatum",
            "status",
            "rio_status",
            "rio_gemeld_op",
            "programma",
        ]
        read_only_fields = ["status", "rio_status", "rio_gemeld_op"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:  # a route is made under an agreement of your own instelling
            fields["overeenkomst"].queryset = Samenwerkingsovereenkomst.objects.for_user(
                request.user, scope.CHANGE
            )
        return fields


class LeerrouteViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Routes with their programme per leerjaar; a beheerder creates one under an agreement of
    its instelling (every R-LR rule checked by the model, as in the admin)."""

    # Two extra queries per page (programme, its parts), whatever the number of routes shown.
    queryset = (
        Leerroute.objects.select_related("kwalificatie")
        .prefetch_related("programma__onderdelen")
        .order_by("naam")
    )
    serializer_class = LeerrouteSerializer
    filterset_fields = ["soort", "leerweg", "status", "rio_status", "overeenkomst"]
    ordering_fields = ["naam", "id"]

    def perform_create(self, serializer):
        route = Leerroute(**serializer.validated_data)
        opslaan(route, door=self.request.user, kanaal=Kanaal.API)
        serializer.instance = route
