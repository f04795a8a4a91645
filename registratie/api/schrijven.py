"""Request bodies of the API's actions (what a school system sends to end an enrolment, change a
fase, record a diploma date or decide on a signal). Descriptions in Dutch: they are the schema."""

from rest_framework import serializers

from registratie.models import Fase, RedenEinde
from samenwerking import scope
from samenwerking.models import Instelling


class BeeindigenSerializer(serializers.Serializer):
    einddatum = serializers.DateField(help_text="Laatste dag van de inschrijving (JJJJ-MM-DD).")
    reden = serializers.ChoiceField(choices=RedenEinde.choices, help_text="Reden van beëindiging.")


class FaseWijzigenSerializer(serializers.Serializer):
    naar_fase = serializers.ChoiceField(choices=Fase.choices, help_text="De nieuwe fase (R-INS-4).")
    ingangsdatum = serializers.DateField(help_text="Ingangsdatum; altijd 1 augustus (R-INS-4).")


class DiplomadatumSerializer(serializers.Serializer):
    vmbo_diploma_datum = serializers.DateField(
        allow_null=True, help_text="Datum waarop het vmbo-diploma is behaald; null wist de datum."
    )


class AfwijzenSerializer(serializers.Serializer):
    reden = serializers.CharField(help_text="Waarom het signaal wordt afgewezen (verplicht).")


class OverdragenSerializer(serializers.Serializer):
    aan = serializers.PrimaryKeyRelatedField(
        queryset=Instelling.objects.all(),
        help_text="De vo-school of mbo-instelling van de overeenkomst die het signaal oppakt.",
    )
    toelichting = serializers.CharField(required=False, allow_blank=True, default="")

    def get_fields(self):
        fields = super().get_fields()
        fields["aan"].queryset = Instelling.objects.for_user(self.context["request"].user, scope.VIEW)
        return fields
