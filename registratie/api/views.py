from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from leerroute.models import Leerroute
from registratie import fase, selectors, services
from registratie.models import Inschrijving, Leerling
from samenwerking import audit, scope
from samenwerking.api.base import ScopedReadOnlyViewSet
from samenwerking.models import Instelling, Kanaal


class LeerlingSerializer(serializers.ModelSerializer):
    # Personal numbers are never sent in full by the API: masked, like on screen. School software
    # that knows a number finds the student with POST /api/leerlingen/zoeken/.
    bsn = serializers.SerializerMethodField()
    onderwijsnummer = serializers.SerializerMethodField()

    class Meta:
        model = Leerling
        fields = [
            "id",
            "bsn",
            "onderwijsnummer",
            "voorletters",
            "tussenvoegsel",
            "achternaam",
            "geboortedatum",
            "instelling",
        ]

    def get_bsn(self, obj) -> str | None:
        return audit.mask(obj.bsn)

    def get_onderwijsnummer(self, obj) -> str | None:
        return audit.mask(obj.onderwijsnummer)


class NummerZoekenSerializer(serializers.Serializer):
    nummer = serializers.RegexField(
        r"^\s*[0-9]{9}\s*$",
        help_text="BSN of onderwijsnummer (9 cijfers).",
        error_messages={"invalid": "Vul de 9 cijfers van het BSN of onderwijsnummer in."},
    )


class InschrijvingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Inschrijving
        fields = [
            "id",
            "leerling",
            "leerroute",
            "sector",
            "instelling",
            "vestiging",
            "inschrijvingsvolgnummer",
            "opleidingskenmerk",
            "fase",
            "startdatum",
            "geplande_einddatum",
            "einddatum",
            "reden_einde",
            "leerjaar",
            "leerweg",
            "vmbo_diploma_datum",
            "vo_activiteiten_afgerond_op",
            "kwalificatie",
            "leervorm",
        ]
        # Uniqueness and every rule are checked by the domain layer, with its rule ids.
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        user = self.context["request"].user
        fields["leerling"].queryset = Leerling.objects.for_user(user, scope.VIEW)
        fields["leerroute"].queryset = Leerroute.objects.for_user(user, scope.VIEW)
        fields["instelling"].queryset = Instelling.objects.for_user(user, scope.CHANGE)
        return fields


class _InstellingKortSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    naam = serializers.CharField()
    brin = serializers.CharField()


class _TaakSerializer(serializers.Serializer):
    code = serializers.CharField()
    omschrijving = serializers.CharField()
    instelling = _InstellingKortSerializer(allow_null=True)
    toelichting = serializers.CharField()
    regel = serializers.CharField()


class SituatieSerializer(serializers.Serializer):
    """registratie.fase.Situatie: route year, fase and responsibilities on a date (R-INS-7..9)."""

    datum = serializers.DateField()
    status = serializers.CharField()
    leerroute = serializers.SerializerMethodField()
    opleidingskenmerk = serializers.CharField(allow_null=True)
    vo_instelling = _InstellingKortSerializer(allow_null=True)
    mbo_instelling = _InstellingKortSerializer(allow_null=True)
    routejaar = serializers.IntegerField(allow_null=True)
    vmbo_leerjaar = serializers.IntegerField(allow_null=True)
    fase = serializers.CharField(allow_null=True)
    mbo_fase_start = serializers.DateField(allow_null=True)
    geregistreerde_fase = serializers.DictField(child=serializers.CharField())
    wet = serializers.CharField()
    verzuimmelding = _InstellingKortSerializer(allow_null=True)
    bpv = _InstellingKortSerializer(allow_null=True)
    bekostiging = _InstellingKortSerializer(allow_null=True)
    studiefinanciering = serializers.BooleanField(allow_null=True)
    reisproduct = serializers.BooleanField(allow_null=True)
    examinering = _TaakSerializer(many=True)
    diplomas = _TaakSerializer(many=True)
    taken = _TaakSerializer(many=True)
    afwijkingen = serializers.ListField(child=serializers.CharField())

    def get_leerroute(self, obj) -> int | None:
        return obj.leerroute.pk if obj.leerroute is not None else None


class LeerlingViewSet(ScopedReadOnlyViewSet):
    queryset = Leerling.objects.order_by("achternaam", "voornamen", "id")
    serializer_class = LeerlingSerializer
    lees_acties = ("zoeken",)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "datum", OpenApiTypes.DATE, description="Peildatum JJJJ-MM-DD (standaard vandaag)."
            )
        ],
        responses=SituatieSerializer,
    )
    @action(detail=True, methods=["get"])
    def situatie(self, request, pk=None, format=None):  # format: the .json suffix route
        """Route year, expected fase and who is responsible for what on a date (default today)."""
        leerling = self.get_object()
        try:
            datum = serializers.DateField(allow_null=True).run_validation(
                request.query_params.get("datum") or None
            )
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"datum": exc.detail}) from exc
        return Response(SituatieSerializer(fase.situatie(leerling, datum, user=request.user)).data)

    @extend_schema(request=NummerZoekenSerializer, responses={200: LeerlingSerializer, 404: None})
    @action(detail=False, methods=["post"])
    def zoeken(self, request, format=None):
        """Find a student by exact BSN or onderwijsnummer. POST, so the number stays out of URLs
        and access logs; 404 when no student with that number is within your scope."""
        invoer = NummerZoekenSerializer(data=request.data)
        invoer.is_valid(raise_exception=True)
        leerling = selectors.leerling_met_nummer(request.user, invoer.validated_data["nummer"])
        if leerling is None:
            raise NotFound("Geen leerling met dit nummer binnen uw instellingen of leerroutes.")
        return Response(self.get_serializer(leerling).data)


class InschrijvingViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = Inschrijving.objects.order_by("id")
    serializer_class = InschrijvingSerializer
    filterset_fields = ["sector", "fase", "opleidingskenmerk", "leerroute", "instelling"]

    @transaction.atomic
    def perform_create(self, serializer):
        inschrijving = Inschrijving(**serializer.validated_data)
        services.inschrijving_opslaan(inschrijving=inschrijving, door=self.request.user, kanaal=Kanaal.API)
        serializer.instance = inschrijving
