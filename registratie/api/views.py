from django.db import transaction
from rest_framework import mixins, serializers

from leerroute.models import Leerroute
from registratie import services
from registratie.models import Inschrijving, Leerling
from samenwerking import audit, scope
from samenwerking.api.base import ScopedReadOnlyViewSet
from samenwerking.models import Instelling, Kanaal


class LeerlingSerializer(serializers.ModelSerializer):
    # A BSN is never sent in full by the API: masked, like on screen.
    bsn = serializers.SerializerMethodField()

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


class LeerlingViewSet(ScopedReadOnlyViewSet):
    queryset = Leerling.objects.order_by("achternaam", "id")
    serializer_class = LeerlingSerializer


class InschrijvingViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = Inschrijving.objects.order_by("id")
    serializer_class = InschrijvingSerializer
    filterset_fields = ["sector", "fase", "opleidingskenmerk", "leerroute", "instelling"]

    @transaction.atomic
    def perform_create(self, serializer):
        inschrijving = Inschrijving(**serializer.validated_data)
        services.inschrijving_opslaan(inschrijving=inschrijving, door=self.request.user, kanaal=Kanaal.API)
        serializer.instance = inschrijving
