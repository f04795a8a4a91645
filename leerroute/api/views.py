from rest_framework import serializers

from leerroute.models import Leerroute
from samenwerking.api.base import ScopedReadOnlyViewSet


class LeerrouteSerializer(serializers.ModelSerializer):
    crebo = serializers.CharField(source="kwalificatie.crebo", read_only=True)
    niveau = serializers.IntegerField(source="kwalificatie.niveau", read_only=True)

    class Meta:
        model = Leerroute
        fields = [
            "id",
            "naam",
            "soort",
            "overeenkomst",
            "leerweg",
            "kwalificatie",
            "crebo",
            "niveau",
            "startdatum",
            "status",
            "rio_status",
            "rio_gemeld_op",
        ]


class LeerrouteViewSet(ScopedReadOnlyViewSet):
    queryset = Leerroute.objects.select_related("kwalificatie").order_by("naam")
    serializer_class = LeerrouteSerializer
    filterset_fields = ["soort", "leerweg", "status", "rio_status"]
