"""POST /api/v1/import/: the bulk import from a school administration export (docs/import.md)."""

from drf_spectacular.utils import extend_schema
from rest_framework import parsers, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from registratie.importeren import importeer
from samenwerking import scope
from samenwerking.api.base import MagWijzigen
from samenwerking.models import Instelling

MAX_BYTES = 20 * 1024 * 1024


class ImportVerzoekSerializer(serializers.Serializer):
    bestand = serializers.FileField(help_text="CSV (komma of puntkomma) of XLSX; kolommen: docs/import.md.")
    instelling = serializers.PrimaryKeyRelatedField(
        queryset=Instelling.objects.all(),
        help_text="De instelling waarvoor u importeert (u bent er beheerder).",
    )
    dry_run = serializers.BooleanField(
        default=True, help_text="Alleen controleren (standaard). false: alles of niets inlezen."
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["instelling"].queryset = Instelling.objects.for_user(
            self.context["request"].user, scope.CHANGE
        )
        return fields

    def validate_bestand(self, bestand):
        if bestand.size > MAX_BYTES:
            raise serializers.ValidationError("Het bestand is groter dan 20 MB.")
        return bestand


class _FoutSerializer(serializers.Serializer):
    rij = serializers.IntegerField(help_text="Rijnummer in het bestand (1 = de kopregel).")
    kolom = serializers.CharField(
        allow_null=True, help_text="De kolom in uw bestand, of null voor de hele rij."
    )
    regel = serializers.CharField(
        allow_null=True, help_text="Id van de regel (R-INS-…), als een regel weigert."
    )
    melding = serializers.CharField()


class ImportRapportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    doorgevoerd = serializers.BooleanField(help_text="True: alles is opgeslagen. False: niets.")
    rijen = serializers.IntegerField()
    aangemaakt = serializers.IntegerField()
    gewijzigd = serializers.IntegerField()
    ongewijzigd = serializers.IntegerField()
    fouten = _FoutSerializer(many=True)
    acties = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))


class ImportView(APIView):
    """Importeer leerlingen en inschrijvingen. Een dry run meldt per rij wat er zou gebeuren en elke
    fout met rij, kolom en regel-id; een echte run slaat alles of niets op. Het BSN staat nooit in
    de URL of het antwoord."""

    permission_classes = [MagWijzigen]
    parser_classes = [parsers.MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": ImportVerzoekSerializer}, responses=ImportRapportSerializer
    )
    def post(self, request, format=None):
        verzoek = ImportVerzoekSerializer(data=request.data, context={"request": request})
        verzoek.is_valid(raise_exception=True)
        d = verzoek.validated_data
        rapport = importeer(
            d["bestand"].read(),
            d["bestand"].name,
            instelling=d["instelling"],
            door=request.user,
            dry_run=d["dry_run"],
        )
        return Response(ImportRapportSerializer(rapport.als_dict()).data)
