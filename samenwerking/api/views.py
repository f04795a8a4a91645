from rest_framework import serializers

from samenwerking.api.base import ScopedReadOnlyViewSet
from samenwerking.models import Instelling, Samenwerkingsovereenkomst


class InstellingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Instelling
        fields = ["id", "naam", "brin", "soort", "plaats", "bestuur"]


class OvereenkomstSerializer(serializers.ModelSerializer):
    class Meta:
        model = Samenwerkingsovereenkomst
        fields = [
            "id",
            "naam",
            "soort",
            "onderwerp",
            "vo_instelling",
            "mbo_instelling",
            "status",
            "ingangsdatum",
            "einddatum",
        ]


class InstellingViewSet(ScopedReadOnlyViewSet):
    queryset = Instelling.objects.select_related("bestuur").order_by("naam")
    serializer_class = InstellingSerializer
    filterset_fields = ["soort", "brin"]
    ordering_fields = ["naam", "id"]


class OvereenkomstViewSet(ScopedReadOnlyViewSet):
    queryset = Samenwerkingsovereenkomst.objects.order_by("naam")
    serializer_class = OvereenkomstSerializer
    filterset_fields = ["status", "soort", "vo_instelling", "mbo_instelling"]
    ordering_fields = ["naam", "id"]
