from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from leerroute.models import Leerroute
from registratie import fase, intake, selectors, services
from registratie.api import schrijven
from registratie.models import Inschrijving, Leerling
from registratie.rod import teldata
from samenwerking import audit, scope
from samenwerking.api.base import ETagMixin, ScopedReadOnlyViewSet
from samenwerking.models import Instelling, Kanaal
from samenwerking.services import opslaan

SCHRIJF_ACTIES = ("create", "update", "partial_update", "beeindigen", "fase", "diplomadatum")


class LeerlingSerializer(serializers.ModelSerializer):
    # Personal numbers are never sent in full by the API: masked, like on screen. School software
    # that knows a number finds the student with POST /api/v1/leerlingen/zoeken/. Writing takes
    # the full number (it is stored encrypted).
    bsn = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="BSN (9 cijfers). Bij lezen gemaskeerd (••••••782).",
    )
    onderwijsnummer = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Onderwijsnummer, alleen voor een leerling zonder BSN. Bij lezen gemaskeerd.",
    )

    class Meta:
        model = Leerling
        fields = [
            "id",
            "bsn",
            "onderwijsnummer",
            "voornamen",
            "voorletters",
            "roepnaam",
            "tussenvoegsel",
            "achternaam",
            "geboortedatum",
            "instelling",
        ]
        validators = []  # uniqueness of the numbers is checked by the model, with its message

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["instelling"].queryset = Instelling.objects.for_user(request.user, scope.CHANGE)
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["bsn"] = audit.mask(instance.bsn)
        data["onderwijsnummer"] = audit.mask(instance.onderwijsnummer)
        return data

    def validate(self, attrs):
        for veld in ("bsn", "onderwijsnummer"):
            if veld in attrs:
                attrs[veld] = (attrs[veld] or "").strip() or None
        return attrs


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


class LeerlingViewSet(ETagMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    """Students: read what you may see; create and change your own instelling's students."""

    queryset = Leerling.objects.order_by("achternaam", "voornamen", "id")
    serializer_class = LeerlingSerializer
    lees_acties = ("zoeken",)
    filterset_fields = ["instelling", "geboortedatum"]
    ordering_fields = ["achternaam", "id"]

    def get_queryset(self):
        if self.action in SCHRIJF_ACTIES:
            return self.queryset.for_user(self.request.user, scope.CHANGE)
        return super().get_queryset()

    def perform_create(self, serializer):
        leerling = Leerling(**serializer.validated_data)
        opslaan(leerling, door=self.request.user, kanaal=Kanaal.API)
        serializer.instance = leerling

    def perform_update(self, serializer):
        leerling = serializer.instance
        for veld, waarde in serializer.validated_data.items():
            setattr(leerling, veld, waarde)
        opslaan(leerling, door=self.request.user, kanaal=Kanaal.API)

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

    @extend_schema(request=NummerZoekenSerializer, responses={200: LeerlingSerializer})
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


class InschrijvingViewSet(ETagMixin, mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Enrolments: enrol at a route (vo or mbo side), end one, change its fase, record the diploma
    date. Each goes through the same service as the screens; a broken rule is a 400 naming it."""

    queryset = Inschrijving.objects.order_by("id")
    serializer_class = InschrijvingSerializer
    filterset_fields = ["sector", "fase", "opleidingskenmerk", "leerroute", "instelling", "leerling"]
    ordering_fields = ["id"]

    def get_queryset(self):
        if self.action in SCHRIJF_ACTIES:
            return self.queryset.for_user(self.request.user, scope.CHANGE)
        return super().get_queryset()

    @transaction.atomic
    def perform_create(self, serializer):
        inschrijving = Inschrijving(**serializer.validated_data)
        services.inschrijving_opslaan(inschrijving=inschrijving, door=self.request.user, kanaal=Kanaal.API)
        serializer.instance = inschrijving

    def _actie(self, invoer_class, uitvoeren):
        """Validate the body, check If-Match (when sent), run the service, answer the new state."""
        inschrijving = self.get_object()
        invoer = invoer_class(data=self.request.data, context=self.get_serializer_context())
        invoer.is_valid(raise_exception=True)
        self.controleer_if_match(inschrijving, verplicht=False)
        # A reason sent is the correction reason of a change after a ROD count date's deadline.
        with teldata.correctie(invoer.validated_data.get(teldata.VELD, "")):
            uitvoeren(inschrijving, invoer.validated_data)
        inschrijving = self.get_object()
        return self.met_etag(Response(self.get_serializer(inschrijving).data), inschrijving)

    @extend_schema(request=schrijven.BeeindigenSerializer, responses=InschrijvingSerializer)
    @action(detail=True, methods=["post"])
    def beeindigen(self, request, pk=None, format=None):
        """Beëindig deze kant van de route. R-INS-2: de vo-kant niet zolang de mbo-kant in de
        vo-fase loopt."""
        return self._actie(
            schrijven.BeeindigenSerializer,
            lambda i, d: services.inschrijving_beeindigen(
                inschrijving=i,
                einddatum=d["einddatum"],
                reden=d["reden"],
                door=request.user,
                kanaal=Kanaal.API,
            ),
        )

    @extend_schema(request=schrijven.FaseWijzigenSerializer, responses=InschrijvingSerializer)
    @action(detail=True, methods=["post"])
    def fase(self, request, pk=None, format=None):
        """Zet de inschrijving per 1 augustus in een andere fase (R-INS-4)."""
        return self._actie(
            schrijven.FaseWijzigenSerializer,
            lambda i, d: services.fase_wijzigen(
                inschrijvingen=[i],
                naar_fase=d["naar_fase"],
                ingangsdatum=d["ingangsdatum"],
                door=request.user,
                kanaal=Kanaal.API,
            ),
        )

    @extend_schema(request=schrijven.DiplomadatumSerializer, responses=InschrijvingSerializer)
    @action(detail=True, methods=["post"])
    def diplomadatum(self, request, pk=None, format=None):
        """Leg de datum vast waarop het vmbo-diploma is behaald."""
        return self._actie(
            schrijven.DiplomadatumSerializer,
            lambda i, d: intake.vmbo_diploma_vastleggen(
                inschrijving=i, datum=d["vmbo_diploma_datum"], door=request.user, kanaal=Kanaal.API
            ),
        )
