"""Request bodies of the API's actions (what a school system sends to end an enrolment, change a
fase, record a diploma date or decide on a signal). Descriptions in Dutch: they are the schema."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from registratie.models import Fase, RedenEinde
from samenwerking import scope
from samenwerking.models import Instelling


def correctiereden_veld():
    """The ROD correction reason (registratie.rod.teldata), on every action that may need it."""
    return serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        default="",
        max_length=1000,
        help_text="Alleen nodig als de uiterste leverdatum van een ROD-teldatum voorbij is en deze "
        "wijziging verandert wat op die teldatum geregistreerd stond: de reden van de correctie. Zonder "
        "reden wordt zo'n wijziging geweigerd (400, veld correctiereden).",
    )


class BeeindigenSerializer(serializers.Serializer):
    einddatum = serializers.DateField(help_text="Laatste dag van de inschrijving (JJJJ-MM-DD).")
    reden = serializers.ChoiceField(choices=RedenEinde.choices, help_text="Reden van beëindiging.")
    correctiereden = correctiereden_veld()


class FaseWijzigenSerializer(serializers.Serializer):
    naar_fase = serializers.ChoiceField(choices=Fase.choices, help_text="De nieuwe fase (R-INS-4).")
    ingangsdatum = serializers.DateField(help_text="Ingangsdatum; altijd 1 augustus (R-INS-4).")
    correctiereden = correctiereden_veld()


class DiplomadatumSerializer(serializers.Serializer):
    vmbo_diploma_datum = serializers.DateField(
        allow_null=True, help_text="Datum waarop het vmbo-diploma is behaald; null wist de datum."
    )


class AfwijzenSerializer(serializers.Serializer):
    reden = serializers.CharField(help_text="Waarom het signaal wordt afgewezen (verplicht).")


class OverdragenSerializer(serializers.Serializer):
    aan_persoon = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text="De collega (een beheerder van de vo-school of de mbo-instelling van de overeenkomst) "
        "die het signaal oppakt.",
    )
    aan = serializers.PrimaryKeyRelatedField(
        queryset=Instelling.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Zonder collega: de vo-school of mbo-instelling van de overeenkomst die het oppakt.",
    )
    toelichting = serializers.CharField(required=False, allow_blank=True, default="")

    def get_fields(self):
        fields = super().get_fields()
        user = self.context["request"].user
        fields["aan"].queryset = Instelling.objects.for_user(user, scope.VIEW)
        fields["aan_persoon"].queryset = get_user_model().objects.for_user(user, scope.VIEW)
        return fields

    def validate(self, data):
        if data.get("aan_persoon") is None and data.get("aan") is None:
            raise serializers.ValidationError(
                {"aan_persoon": "Kies de collega (of de school) die het signaal oppakt."}
            )
        return data
